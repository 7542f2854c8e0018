"""Cloud SQL policies: checklist §2 (Database Setup), §7 (Backup & DR) and §8 (network, SSL).

Written from the checklist and the ``gcp:sql/databaseInstance:DatabaseInstance`` schema. Each
``default=`` below is the provider's documented default for an absent property. Read replicas
(``masterInstanceName`` set, even if computed) are judged only by the rules a replica can meet:
rules on backups, PITR and regional HA apply to primaries.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from typing import Any

from agencyos_checklist.numbers import (
    DB_BACKUP_RETENTION_DAYS,
    DB_BACKUP_START_TIME_UTC,
    DB_MAX_CONNECTIONS,
    DB_MIN_DISK_GB,
    DB_MIN_MEMORY_MB,
    DB_MIN_VCPUS,
    DB_PITR_LOG_RETENTION_DAYS,
)
from pulumi_policy import Severity

from agencyos_policy.gcp.cloudsql_tiers import default_max_connections, tier_capacity
from agencyos_policy.props import ABSENT, UNKNOWN, dotted, items, lookup
from agencyos_policy.registry import ADVISORY, MANDATORY, Subject, bound, resource_policy, time_of_day
from agencyos_policy.rules import at_least, expect, is_set, number, unknown

INSTANCE = "gcp:sql/databaseInstance:DatabaseInstance"

SETTINGS = ("settings",)
IP_CONFIG = (*SETTINGS, "ipConfiguration")
BACKUP = (*SETTINGS, "backupConfiguration")
RETENTION = (*BACKUP, "backupRetentionSettings")
ENCRYPTED_SSL_MODES = ("ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED")
SSD_DISK_TYPES = ("PD_SSD", "HYPERDISK_BALANCED")
# The Cloud SQL Admin API treats RETENTION_UNIT_UNSPECIFIED as COUNT (BackupRetentionSettings).
COUNT_UNITS = ("COUNT", "RETENTION_UNIT_UNSPECIFIED")
PROVIDER_DEFAULT_DISK_GB = 10
PROVIDER_DEFAULT_RETAINED_BACKUPS = 7
PROVIDER_DEFAULT_LOG_RETENTION_DAYS = 7
MIN_TIER_EXAMPLE = f"db-custom-{DB_MIN_VCPUS.value}-{DB_MIN_MEMORY_MB.value}"
_POSTGRES_VERSION = re.compile(r"^POSTGRES_([0-9]+)$", re.ASCII)

instance_policy = partial(resource_policy, resource_types=(INSTANCE,), tags=("database",))


def primary_instance(subject: Subject) -> bool:
    """Primaries only: a replica's backups, PITR and failover belong to its primary."""
    return lookup(subject.props, "masterInstanceName") in (ABSENT, "")


def _is_enterprise_plus(props: Any) -> bool:
    """Cloud SQL defaults PostgreSQL 16 and later to ENTERPRISE_PLUS when no edition is set."""
    edition = lookup(props, *SETTINGS, "edition")
    if edition is ABSENT:
        version = _POSTGRES_VERSION.match(str(lookup(props, "databaseVersion")))
        return bool(version and int(version[1]) >= 16)
    return edition == "ENTERPRISE_PLUS"


@instance_policy(
    name="gcp-cloudsql-instance-no-public-ip",
    item="8.infrastructure-security.1.3",
    level=MANDATORY,
    severity=Severity.CRITICAL,
    description="Cloud SQL instances have no public IPv4 address.",
    remediation="Set settings.ipConfiguration.ipv4Enabled to false and connect through the VPC.",
)
def no_public_ip(subject: Subject) -> Iterator[str]:
    yield from expect(
        subject,
        (*IP_CONFIG, "ipv4Enabled"),
        lambda enabled: enabled is False,
        "be false, so the instance gets no public IP",
        default=True,
        absent_means="a public IP",
    )


@instance_policy(
    name="gcp-cloudsql-instance-private-network",
    item="8.infrastructure-security.1.1",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="Cloud SQL instances are reachable by private IP in a VPC.",
    remediation="Set settings.ipConfiguration.privateNetwork to the VPC self link; configure private service access.",
)
def private_network(subject: Subject) -> Iterator[str]:
    # Presence is what matters: a VPC computed during the update (unknown now) is still a VPC.
    yield from is_set(subject, (*IP_CONFIG, "privateNetwork"), "name the VPC the instance joins by private IP")


@instance_policy(
    name="gcp-cloudsql-instance-ssl-required",
    item="1.database-configuration.1",
    level=MANDATORY,
    severity=Severity.CRITICAL,
    description="Cloud SQL instances refuse unencrypted connections.",
    remediation="Set settings.ipConfiguration.sslMode to ENCRYPTED_ONLY (or TRUSTED_CLIENT_CERTIFICATE_REQUIRED).",
)
def ssl_required(subject: Subject) -> Iterator[str]:
    yield from expect(
        subject,
        (*IP_CONFIG, "sslMode"),
        lambda mode: mode in ENCRYPTED_SSL_MODES,
        f"be one of {', '.join(ENCRYPTED_SSL_MODES)}, so unencrypted connections are refused",
        absent_means="ALLOW_UNENCRYPTED_AND_ENCRYPTED",
    )


@instance_policy(
    name="gcp-cloudsql-instance-minimum-tier",
    item=DB_MIN_VCPUS.item,
    level=MANDATORY,
    severity=Severity.HIGH,
    description=f"Cloud SQL instances have at least {DB_MIN_VCPUS.value} vCPUs and {DB_MIN_MEMORY_MB.value} MB "
    "of memory.",
    remediation=f"Set settings.tier to {MIN_TIER_EXAMPLE} or larger.",
    config={
        "minVcpus": bound(DB_MIN_VCPUS, "Minimum vCPUs of the tier."),
        "minMemoryMb": bound(DB_MIN_MEMORY_MB, "Minimum memory of the tier, in MB."),
    },
)
def minimum_tier(subject: Subject) -> Iterator[str]:
    minimum_vcpus, minimum_mb = subject.config["minVcpus"], subject.config["minMemoryMb"]

    def large_enough(tier: Any) -> bool:
        capacity = tier_capacity(str(tier)) if tier is not ABSENT else None
        return capacity is not None and capacity.vcpus >= minimum_vcpus and capacity.memory_mb >= minimum_mb

    yield from expect(
        subject,
        (*SETTINGS, "tier"),
        large_enough,
        f"be a documented tier with at least {minimum_vcpus:g} vCPUs and {minimum_mb:g} MB of memory, "
        f"e.g. {MIN_TIER_EXAMPLE}",
    )


@instance_policy(
    name="gcp-cloudsql-instance-ssd-storage",
    item=DB_MIN_DISK_GB.item,
    level=MANDATORY,
    severity=Severity.MEDIUM,
    description="Cloud SQL instances store data on SSD.",
    remediation="Set settings.diskType to PD_SSD (or leave it unset: PD_SSD is the default).",
)
def ssd_storage(subject: Subject) -> Iterator[str]:
    yield from expect(
        subject,
        (*SETTINGS, "diskType"),
        lambda disk: disk in SSD_DISK_TYPES,
        f"be SSD-backed ({', '.join(SSD_DISK_TYPES)})",
        default="PD_SSD",
    )


@instance_policy(
    name="gcp-cloudsql-instance-minimum-disk-size",
    item=DB_MIN_DISK_GB.item,
    level=MANDATORY,
    severity=Severity.MEDIUM,
    description=f"Cloud SQL instances start with at least {DB_MIN_DISK_GB.value} GB of storage and grow automatically.",
    remediation=f"Set settings.diskSize to {DB_MIN_DISK_GB.value} or more and leave settings.diskAutoresize true.",
    config={"minDiskSizeGb": bound(DB_MIN_DISK_GB, "Minimum initial disk size, in GB.")},
)
def minimum_disk_size(subject: Subject) -> Iterator[str]:
    yield from at_least(
        subject,
        (*SETTINGS, "diskSize"),
        subject.config["minDiskSizeGb"],
        unit=" GB",
        default=PROVIDER_DEFAULT_DISK_GB,
        absent_means=f"the provider default of {PROVIDER_DEFAULT_DISK_GB} GB",
    )
    yield from expect(
        subject,
        (*SETTINGS, "diskAutoresize"),
        lambda resize: resize is not False,
        "not be false, so storage grows before it fills",
        default=True,
    )


@instance_policy(
    name="gcp-cloudsql-instance-high-availability",
    item="7.disaster-recovery-plan.3",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="Primary Cloud SQL instances are regional, with a standby for automatic failover.",
    remediation="Set settings.availabilityType to REGIONAL on the primary instance.",
    applies=primary_instance,
)
def high_availability(subject: Subject) -> Iterator[str]:
    yield from expect(
        subject,
        (*SETTINGS, "availabilityType"),
        lambda availability: availability == "REGIONAL",
        "be REGIONAL (a standby with automatic failover)",
        default="ZONAL",
        absent_means="ZONAL",
    )


@instance_policy(
    name="gcp-cloudsql-instance-automated-backups",
    item=DB_BACKUP_START_TIME_UTC.item,
    level=MANDATORY,
    severity=Severity.CRITICAL,
    description="Primary Cloud SQL instances take automated daily backups.",
    remediation="Set settings.backupConfiguration.enabled to true.",
    applies=primary_instance,
)
def automated_backups(subject: Subject) -> Iterator[str]:
    yield from expect(
        subject,
        (*BACKUP, "enabled"),
        lambda enabled: enabled is True,
        "be true",
        default=False,
        absent_means="automated backups are off",
    )


@instance_policy(
    name="gcp-cloudsql-instance-backup-window",
    item=DB_BACKUP_START_TIME_UTC.item,
    level=MANDATORY,
    severity=Severity.MEDIUM,
    description=f"Automated backups start at {DB_BACKUP_START_TIME_UTC.value} UTC, the low-traffic period.",
    remediation=f'Set settings.backupConfiguration.startTime to "{DB_BACKUP_START_TIME_UTC.value}".',
    applies=primary_instance,
    config={"startTime": time_of_day(DB_BACKUP_START_TIME_UTC, "Backup start, HH:MM UTC.")},
)
def backup_window(subject: Subject) -> Iterator[str]:
    start = subject.config["startTime"]
    yield from expect(
        subject,
        (*BACKUP, "startTime"),
        lambda time: time == start,
        f"be {start} (UTC)",
        absent_means="Cloud SQL picks the time",
    )


@instance_policy(
    name="gcp-cloudsql-instance-backup-retention",
    item=DB_BACKUP_RETENTION_DAYS.item,
    level=MANDATORY,
    severity=Severity.HIGH,
    description=f"Automated backups are kept for {DB_BACKUP_RETENTION_DAYS.value} days.",
    remediation="Set settings.backupConfiguration.backupRetentionSettings.retainedBackups to "
    f"{DB_BACKUP_RETENTION_DAYS.value}, retentionUnit COUNT.",
    applies=primary_instance,
    config={"minRetainedBackups": bound(DB_BACKUP_RETENTION_DAYS, "Minimum number of daily backups kept.")},
)
def backup_retention(subject: Subject) -> Iterator[str]:
    yield from expect(
        subject,
        (*RETENTION, "retentionUnit"),
        lambda unit: unit in COUNT_UNITS,
        "be COUNT (one automated backup a day)",
        default="COUNT",
    )
    yield from at_least(
        subject,
        (*RETENTION, "retainedBackups"),
        subject.config["minRetainedBackups"],
        unit=" daily backups",
        default=PROVIDER_DEFAULT_RETAINED_BACKUPS,
        absent_means=str(PROVIDER_DEFAULT_RETAINED_BACKUPS),
    )


@instance_policy(
    name="gcp-cloudsql-instance-point-in-time-recovery",
    item=DB_PITR_LOG_RETENTION_DAYS.item,
    level=MANDATORY,
    severity=Severity.HIGH,
    description=f"Point-in-time recovery is on, with {DB_PITR_LOG_RETENTION_DAYS.value} days of transaction logs.",
    remediation="Set settings.backupConfiguration.pointInTimeRecoveryEnabled to true, transactionLogRetentionDays "
    f"to {DB_PITR_LOG_RETENTION_DAYS.value}.",
    applies=primary_instance,
    config={"minLogRetentionDays": bound(DB_PITR_LOG_RETENTION_DAYS, "Minimum days of transaction logs kept.")},
)
def point_in_time_recovery(subject: Subject) -> Iterator[str]:
    yield from expect(
        subject,
        (*BACKUP, "pointInTimeRecoveryEnabled"),
        lambda enabled: enabled is True,
        "be true",
        default=_is_enterprise_plus(subject.props),
        absent_means="off outside ENTERPRISE_PLUS",
    )
    yield from at_least(
        subject,
        (*BACKUP, "transactionLogRetentionDays"),
        subject.config["minLogRetentionDays"],
        unit=" days of transaction logs",
        default=PROVIDER_DEFAULT_LOG_RETENTION_DAYS,
    )


@instance_policy(
    name="gcp-cloudsql-instance-max-connections",
    item=DB_MAX_CONNECTIONS.item,
    level=MANDATORY,
    severity=Severity.MEDIUM,
    description=f"PostgreSQL accepts at least {DB_MAX_CONNECTIONS.value} connections.",
    remediation=f'Add a settings.databaseFlags entry {{name: "max_connections", value: "{DB_MAX_CONNECTIONS.value}"}}.',
    config={"minMaxConnections": bound(DB_MAX_CONNECTIONS, "Minimum value of the max_connections flag.")},
)
def max_connections(subject: Subject) -> Iterator[str]:
    flags_path = (*SETTINGS, "databaseFlags")
    flags = items(subject.props, *flags_path)
    if flags is UNKNOWN:
        yield from unknown(subject, flags_path)
        return
    named = [flag for flag in (flags if flags is not ABSENT else []) if lookup(flag, "name") == "max_connections"]
    if named:
        value = lookup(named[-1], "value")
        if value is UNKNOWN:
            yield from unknown(subject, (*flags_path, "max_connections"))
            return
        effective = number(value)
    else:  # without the flag, Cloud SQL derives the limit from the tier's memory
        tier = lookup(subject.props, *SETTINGS, "tier")
        capacity = tier_capacity(str(tier)) if tier not in (ABSENT, UNKNOWN) else None
        effective = default_max_connections(capacity) if capacity else None
    minimum = subject.config["minMaxConnections"]
    if effective is None or effective < minimum:
        yield f"the max_connections database flag must be at least {minimum:g}" + (
            "; without the flag, this tier's default is lower." if not named else "."
        )


@instance_policy(
    name="gcp-cloudsql-instance-deletion-protection",
    item="7.disaster-recovery-plan.1",
    # No checklist line demands a deletion flag (the item asks for documented RTO/RPO): advisory.
    level=ADVISORY,
    severity=Severity.HIGH,
    description="Cloud SQL instances cannot be deleted by accident, with their backups: any one of "
    "settings.deletionProtectionEnabled (the API), deletionProtection (Pulumi's, true when absent) or the "
    "protect resource option is enough.",
    remediation="Keep deletionProtection true (its default), or set settings.deletionProtectionEnabled to true, "
    "or the protect resource option.",
)
def deletion_protection(subject: Subject) -> Iterator[str]:
    at_api = lookup(subject.props, *SETTINGS, "deletionProtectionEnabled")
    in_pulumi = lookup(subject.props, "deletionProtection")
    if at_api in (True, UNKNOWN) or in_pulumi is not False or subject.opts.protect:
        return
    yield (
        "the instance should be protected from deletion: deletionProtection is false, "
        "settings.deletionProtectionEnabled is not true and the protect option is not set."
    )


@instance_policy(
    name="gcp-cloudsql-instance-pulumi-protect",
    item="7.disaster-recovery-plan.1",
    level=ADVISORY,
    severity=Severity.MEDIUM,
    description="Cloud SQL instances are protected in Pulumi state.",
    remediation="Pass opts=ResourceOptions(protect=True) to the instance.",
)
def pulumi_protect(subject: Subject) -> Iterator[str]:
    if not subject.opts.protect:
        yield "the resource option protect should be true so `pulumi destroy` cannot delete the database."


@instance_policy(
    name="gcp-cloudsql-instance-maintenance-window",
    item="post-launch-maintenance.weekly.3",
    level=ADVISORY,
    severity=Severity.LOW,
    description="Cloud SQL maintenance happens in a planned window.",
    remediation="Set settings.maintenanceWindow.day and hour (UTC), away from the backup window.",
)
def maintenance_window(subject: Subject) -> Iterator[str]:
    path = (*SETTINGS, "maintenanceWindow")
    if ABSENT in (lookup(subject.props, *path, "day"), lookup(subject.props, *path, "hour")):
        yield f"{dotted(*path)} should set day and hour, so patches land at a planned, low-traffic time."


@instance_policy(
    name="gcp-cloudsql-instance-query-insights",
    item="9.backend-optimization.5.3",
    level=ADVISORY,
    severity=Severity.LOW,
    description="Query Insights analyses database queries.",
    remediation="Set settings.insightsConfig.queryInsightsEnabled to true.",
)
def query_insights(subject: Subject) -> Iterator[str]:
    yield from expect(
        subject,
        (*SETTINGS, "insightsConfig", "queryInsightsEnabled"),
        lambda enabled: enabled is True,
        "be true to find slow queries and N+1 patterns",
        default=False,
    )
