"""A Cloud SQL instance written without the checklist: public IP, no backups, provider defaults."""

import pulumi_gcp as gcp

gcp.sql.DatabaseInstance(
    "orders-db",
    database_version="POSTGRES_15",
    settings=gcp.sql.DatabaseInstanceSettingsArgs(
        tier="db-custom-2-4096",
        disk_size=50,
        availability_type="REGIONAL",
        ip_configuration=gcp.sql.DatabaseInstanceSettingsIpConfigurationArgs(
            ipv4_enabled=True, ssl_mode="ENCRYPTED_ONLY"
        ),
        backup_configuration=gcp.sql.DatabaseInstanceSettingsBackupConfigurationArgs(enabled=False),
    ),
)
