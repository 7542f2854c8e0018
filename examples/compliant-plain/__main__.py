"""Someone else's compliant stack: plain dict inputs, its own names, an explicit provider, a VPC.

It shares nothing with this repository's components, so it shows the policies judge the checklist,
not our code's shapes. Defaults it leaves out (disk type, autoresize, log retention) are compliant.
"""

import pulumi
import pulumi_gcp as gcp

provider = gcp.Provider("europe", project="example-dev", region="europe-west1")
vpc = gcp.compute.Network("core", auto_create_subnetworks=False, opts=pulumi.ResourceOptions(provider=provider))

primary = gcp.sql.DatabaseInstance(
    "ledger",
    database_version="POSTGRES_15",
    settings={
        "tier": "db-n1-standard-2",
        "diskSize": 80,
        "availabilityType": "REGIONAL",
        "deletionProtectionEnabled": True,
        "ipConfiguration": {
            "ipv4Enabled": False,
            "privateNetwork": vpc.id,
            "sslMode": "TRUSTED_CLIENT_CERTIFICATE_REQUIRED",
        },
        "backupConfiguration": {
            "enabled": True,
            "startTime": "02:00",
            "pointInTimeRecoveryEnabled": True,
            "backupRetentionSettings": {"retainedBackups": 45},
        },
        "databaseFlags": [{"name": "max_connections", "value": "150"}],
    },
    opts=pulumi.ResourceOptions(provider=provider, protect=True),
)
gcp.sql.DatabaseInstance(
    "ledger-read",
    database_version="POSTGRES_15",
    master_instance_name=primary.name,
    settings={
        "tier": "db-n1-standard-2",
        "diskSize": 80,
        "deletionProtectionEnabled": True,
        "ipConfiguration": {"ipv4Enabled": False, "privateNetwork": vpc.id, "sslMode": "ENCRYPTED_ONLY"},
        "databaseFlags": [{"name": "max_connections", "value": "150"}],
    },
    opts=pulumi.ResourceOptions(provider=provider, protect=True),
)
pulumi.export("primary", primary.connection_name)
