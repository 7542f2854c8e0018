"""Cloud SQL cases: a compliant baseline, one change per failing case, compliant defaults and alternatives."""

from __future__ import annotations

from typing import Any

from agencyos_checklist.numbers import (
    DB_BACKUP_RETENTION_DAYS,
    DB_BACKUP_START_TIME_UTC,
    DB_MAX_CONNECTIONS,
    DB_MIN_DISK_GB,
    DB_PITR_LOG_RETENTION_DAYS,
)
from agencyos_policy.gcp.cloudsql import INSTANCE, MIN_TIER_EXAMPLE
from agencyos_policy.registry import REGISTRY

from tests.policy.cases import DELETE, Case, mutate

BASELINE: dict[str, Any] = {
    "databaseVersion": "POSTGRES_15",
    "region": "europe-west1",
    "settings": {
        "tier": MIN_TIER_EXAMPLE,
        "edition": "ENTERPRISE",
        "availabilityType": "REGIONAL",
        "diskSize": DB_MIN_DISK_GB.value,
        "deletionProtectionEnabled": True,
        "ipConfiguration": {
            "ipv4Enabled": False,
            "privateNetwork": "projects/p/global/networks/vpc",
            "sslMode": "ENCRYPTED_ONLY",
        },
        "backupConfiguration": {
            "enabled": True,
            "startTime": DB_BACKUP_START_TIME_UTC.value,
            "pointInTimeRecoveryEnabled": True,
            "transactionLogRetentionDays": DB_PITR_LOG_RETENTION_DAYS.value,
            "backupRetentionSettings": {"retainedBackups": DB_BACKUP_RETENTION_DAYS.value, "retentionUnit": "COUNT"},
        },
        "databaseFlags": [{"name": "max_connections", "value": str(DB_MAX_CONNECTIONS.value)}],
        "maintenanceWindow": {"day": 7, "hour": 4},
        "insightsConfig": {"queryInsightsEnabled": True},
    },
}
CLOUDSQL = [name for name in REGISTRY if name.startswith("gcp-cloudsql-")]


# (policy expected to fail, changes to the baseline as dotted paths)
VIOLATIONS: list[tuple[str, dict[str, Any]]] = [
    ("gcp-cloudsql-instance-no-public-ip", {"settings.ipConfiguration.ipv4Enabled": True}),
    ("gcp-cloudsql-instance-no-public-ip", {"settings.ipConfiguration.ipv4Enabled": DELETE}),
    ("gcp-cloudsql-instance-private-network", {"settings.ipConfiguration.privateNetwork": DELETE}),
    ("gcp-cloudsql-instance-private-network", {"settings.ipConfiguration.privateNetwork": ""}),
    ("gcp-cloudsql-instance-ssl-required", {"settings.ipConfiguration.sslMode": "ALLOW_UNENCRYPTED_AND_ENCRYPTED"}),
    ("gcp-cloudsql-instance-ssl-required", {"settings.ipConfiguration.sslMode": DELETE}),
    ("gcp-cloudsql-instance-minimum-tier", {"settings.tier": "db-custom-1-3840"}),
    ("gcp-cloudsql-instance-minimum-tier", {"settings.tier": "db-g1-small"}),
    ("gcp-cloudsql-instance-minimum-tier", {"settings.tier": "db-custom-2-3072", "settings.databaseFlags": DELETE}),
    ("gcp-cloudsql-instance-minimum-tier", {"settings.tier": "db-unheard-of"}),
    ("gcp-cloudsql-instance-minimum-tier", {"settings.tier": DELETE}),
    ("gcp-cloudsql-instance-ssd-storage", {"settings.diskType": "PD_HDD"}),
    ("gcp-cloudsql-instance-minimum-disk-size", {"settings.diskSize": DB_MIN_DISK_GB.value - 1}),
    ("gcp-cloudsql-instance-minimum-disk-size", {"settings.diskSize": DELETE}),
    ("gcp-cloudsql-instance-minimum-disk-size", {"settings.diskAutoresize": False}),
    ("gcp-cloudsql-instance-high-availability", {"settings.availabilityType": "ZONAL"}),
    ("gcp-cloudsql-instance-high-availability", {"settings.availabilityType": DELETE}),
    ("gcp-cloudsql-instance-automated-backups", {"settings.backupConfiguration.enabled": False}),
    ("gcp-cloudsql-instance-automated-backups", {"settings.backupConfiguration.enabled": DELETE}),
    ("gcp-cloudsql-instance-backup-window", {"settings.backupConfiguration.startTime": "14:00"}),
    ("gcp-cloudsql-instance-backup-window", {"settings.backupConfiguration.startTime": DELETE}),
    (
        "gcp-cloudsql-instance-backup-retention",
        {"settings.backupConfiguration.backupRetentionSettings.retainedBackups": DB_BACKUP_RETENTION_DAYS.value - 1},
    ),
    ("gcp-cloudsql-instance-backup-retention", {"settings.backupConfiguration.backupRetentionSettings": DELETE}),
    (
        "gcp-cloudsql-instance-backup-retention",
        {"settings.backupConfiguration.backupRetentionSettings.retentionUnit": "DAYS"},
    ),
    (
        "gcp-cloudsql-instance-point-in-time-recovery",
        {"settings.backupConfiguration.pointInTimeRecoveryEnabled": False},
    ),
    (
        "gcp-cloudsql-instance-point-in-time-recovery",
        {"settings.backupConfiguration.pointInTimeRecoveryEnabled": DELETE},
    ),
    (
        "gcp-cloudsql-instance-point-in-time-recovery",
        {"settings.backupConfiguration.transactionLogRetentionDays": DB_PITR_LOG_RETENTION_DAYS.value - 1},
    ),
    (
        "gcp-cloudsql-instance-max-connections",
        {"settings.databaseFlags": [{"name": "max_connections", "value": str(DB_MAX_CONNECTIONS.value // 2)}]},
    ),
    ("gcp-cloudsql-instance-max-connections", {"settings.databaseFlags": DELETE}),
    ("gcp-cloudsql-instance-maintenance-window", {"settings.maintenanceWindow": DELETE}),
    ("gcp-cloudsql-instance-query-insights", {"settings.insightsConfig": DELETE}),
]

# Absent properties mean the provider's documented default; these defaults and alternatives comply.
COMPLIANT_CHANGES: list[dict[str, Any]] = [
    {"settings.diskType": DELETE},  # PD_SSD
    {"settings.diskAutoresize": DELETE},  # true
    {"deletionProtection": DELETE},  # true
    {"settings.backupConfiguration.transactionLogRetentionDays": DELETE},  # 7
    {"settings.backupConfiguration.backupRetentionSettings.retentionUnit": DELETE},  # COUNT
    # The Cloud SQL Admin API treats RETENTION_UNIT_UNSPECIFIED as COUNT.
    {"settings.backupConfiguration.backupRetentionSettings.retentionUnit": "RETENTION_UNIT_UNSPECIFIED"},
    # PostgreSQL 16+ without an edition is ENTERPRISE_PLUS, where PITR is on by default.
    {
        "databaseVersion": "POSTGRES_16",
        "settings.edition": DELETE,
        "settings.tier": "db-perf-optimized-N-2",
        "settings.backupConfiguration.pointInTimeRecoveryEnabled": DELETE,
    },
    # Without the flag, a 16 GB instance defaults to 200 connections.
    {"settings.tier": "db-custom-4-16384", "settings.databaseFlags": DELETE},
    {"settings.diskType": "HYPERDISK_BALANCED"},
    {"settings.ipConfiguration.sslMode": "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"},
    {"settings.tier": "db-n1-standard-2"},
]

FAILING = [Case(policy, INSTANCE, mutate(BASELINE, changes), note=str(changes)) for policy, changes in VIOLATIONS]
FAILING.append(Case("gcp-cloudsql-instance-pulumi-protect", INSTANCE, BASELINE, protect=False, note="protect=False"))
# Deletion protection: any one of the API flag, Pulumi's flag (true when absent) or the protect option is enough.
DELETION = "gcp-cloudsql-instance-deletion-protection"
UNPROTECTED = mutate(BASELINE, {"settings.deletionProtectionEnabled": False, "deletionProtection": False})
FAILING.append(Case(DELETION, INSTANCE, UNPROTECTED, protect=False, note="no flag and no protect option"))
DELETION_PASSING = [
    Case(DELETION, INSTANCE, mutate(BASELINE, {"deletionProtection": False}), note="API flag and protect option"),
    Case(
        DELETION,
        INSTANCE,
        mutate(BASELINE, {"settings.deletionProtectionEnabled": DELETE, "deletionProtection": True}),
        protect=False,
        note="only deletionProtection true",
    ),
    Case(DELETION, INSTANCE, UNPROTECTED, note="only the protect option"),
]
PASSING = [Case(policy, INSTANCE, BASELINE, note="baseline") for policy in CLOUDSQL] + [
    Case(policy, INSTANCE, mutate(BASELINE, changes), note=str(changes))
    for changes in COMPLIANT_CHANGES
    for policy in CLOUDSQL
]
PASSING += DELETION_PASSING
