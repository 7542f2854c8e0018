"""Cloud SQL policies: checklist §2 (Database Setup), §7 (Backup & DR) and §8 (network, SSL).

Written from the checklist and the ``gcp:sql/databaseInstance:DatabaseInstance`` schema. An absent
property means the provider's documented default; an unknown one (computed, at preview) cannot be
proven compliant, so mandatory policies report it rather than pass. Read replicas
(``masterInstanceName`` set) are exempt from the rules that only a primary can meet (backups, PITR,
regional HA).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, ResourceValidationArgs, ResourceValidationPolicy, Severity

from agencyos_policy.checklist import ChecklistItem, checklist_policy
from agencyos_policy.cloudsql_tiers import default_max_connections, tier_capacity
from agencyos_policy.props import ABSENT, UNKNOWN, dotted, items, lookup, unknown_message

INSTANCE = "gcp:sql/databaseInstance:DatabaseInstance"
INSTANCE_TYPES = (INSTANCE,)
MANDATORY, ADVISORY = EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY

SETTINGS = ("settings",)
IP_CONFIG = (*SETTINGS, "ipConfiguration")
BACKUP = (*SETTINGS, "backupConfiguration")
ENCRYPTED_SSL_MODES = ("ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED")
SSD_DISK_TYPES = ("PD_SSD", "HYPERDISK_BALANCED")
PROVIDER_DEFAULT_DISK_GB = 10
PROVIDER_DEFAULT_RETAINED_BACKUPS = 7
PROVIDER_DEFAULT_LOG_RETENTION_DAYS = 7
_POSTGRES_VERSION = re.compile(r"^POSTGRES_(\d+)$")

NETWORK = ChecklistItem(
    "§8 Security Hardening › Infrastructure Security › Network segmentation",
    "Private subnets for databases; no direct internet access to backend services",
)


def _is_replica(props: Any) -> bool:
    return lookup(props, "masterInstanceName") not in (ABSENT, "")


def _is_enterprise_plus(props: Any) -> bool:
    """Cloud SQL defaults PostgreSQL 16 and later to ENTERPRISE_PLUS when no edition is set."""
    edition = lookup(props, *SETTINGS, "edition")
    if edition is ABSENT:
        version = _POSTGRES_VERSION.match(str(lookup(props, "databaseVersion")))
        return bool(version and int(version[1]) >= 16)
    return edition == "ENTERPRISE_PLUS"


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _no_public_ip(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    path = (*IP_CONFIG, "ipv4Enabled")
    value = lookup(args.props, *path)
    if value is UNKNOWN:
        yield unknown_message(*path)
    elif value is not False:
        yield (
            f"{dotted(*path)} must be false: "
            + (
                "it is not set, and the provider default gives the instance a public IP."
                if value is ABSENT
                else "it enables a public IP."
            )
        )


def _private_network(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    # Presence is what matters: a VPC computed during the update (unknown now) is still a VPC.
    if lookup(args.props, *IP_CONFIG, "privateNetwork") in (ABSENT, ""):
        yield f"{dotted(*IP_CONFIG, 'privateNetwork')} must name the VPC the instance joins by private IP."


def _ssl_required(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    path = (*IP_CONFIG, "sslMode")
    value = lookup(args.props, *path)
    if value is UNKNOWN:
        yield unknown_message(*path)
    elif value not in ENCRYPTED_SSL_MODES:
        yield (
            f"{dotted(*path)} must be one of {', '.join(ENCRYPTED_SSL_MODES)}; "
            + (
                "absent means ALLOW_UNENCRYPTED_AND_ENCRYPTED."
                if value is ABSENT
                else "the value set allows unencrypted connections."
            )
        )


def _minimum_tier(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Iterator[str]:
    path = (*SETTINGS, "tier")
    tier = lookup(args.props, *path)
    if tier is UNKNOWN:
        yield unknown_message(*path)
        return
    capacity = tier_capacity(str(tier)) if tier is not ABSENT else None
    if capacity is None:
        yield f"{dotted(*path)} must be a documented Cloud SQL tier so its size can be checked."
    elif capacity.vcpus < config["minVcpus"] or capacity.memory_mb < config["minMemoryMb"]:
        yield (
            f"{dotted(*path)} must have at least {config['minVcpus']:g} vCPUs and "
            f"{config['minMemoryMb']:g} MB of memory, e.g. db-custom-2-4096."
        )


def _ssd_storage(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    path = (*SETTINGS, "diskType")
    value = lookup(args.props, *path)
    if value is UNKNOWN:
        yield unknown_message(*path)
    elif value is not ABSENT and value not in SSD_DISK_TYPES:  # absent: the provider default is PD_SSD
        yield f"{dotted(*path)} must be SSD-backed ({', '.join(SSD_DISK_TYPES)})."


def _minimum_disk(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Iterator[str]:
    size_path, resize_path = (*SETTINGS, "diskSize"), (*SETTINGS, "diskAutoresize")
    size = lookup(args.props, *size_path)
    if size is UNKNOWN:
        yield unknown_message(*size_path)
    elif ((_number(size) or 0) if size is not ABSENT else PROVIDER_DEFAULT_DISK_GB) < config["minDiskSizeGb"]:
        yield (
            f"{dotted(*size_path)} must be at least {config['minDiskSizeGb']:g} GB"
            + (f"; absent means the provider default of {PROVIDER_DEFAULT_DISK_GB} GB." if size is ABSENT else ".")
        )
    resize = lookup(args.props, *resize_path)
    if resize is UNKNOWN:
        yield unknown_message(*resize_path)
    elif resize is False:  # absent: the provider default is true
        yield f"{dotted(*resize_path)} must not be false, so storage grows before it fills."


def _high_availability(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    if _is_replica(args.props):
        return
    path = (*SETTINGS, "availabilityType")
    value = lookup(args.props, *path)
    if value is UNKNOWN:
        yield unknown_message(*path)
    elif value != "REGIONAL":
        yield f"{dotted(*path)} must be REGIONAL (a standby with automatic failover); absent means ZONAL."


def _automated_backups(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    if _is_replica(args.props):
        return
    path = (*BACKUP, "enabled")
    value = lookup(args.props, *path)
    if value is UNKNOWN:
        yield unknown_message(*path)
    elif value is not True:
        yield f"{dotted(*path)} must be true; absent means automated backups are off."


def _backup_window(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Iterator[str]:
    if _is_replica(args.props):
        return
    path = (*BACKUP, "startTime")
    value = lookup(args.props, *path)
    if value is UNKNOWN:
        yield unknown_message(*path)
    elif value != config["startTime"]:
        yield (
            f"{dotted(*path)} must be {config['startTime']} (UTC)"
            + ("; absent lets Cloud SQL pick the time." if value is ABSENT else ".")
        )


def _backup_retention(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Iterator[str]:
    if _is_replica(args.props):
        return
    retention = (*BACKUP, "backupRetentionSettings")
    count_path, unit_path = (*retention, "retainedBackups"), (*retention, "retentionUnit")
    count, unit = lookup(args.props, *count_path), lookup(args.props, *unit_path)
    if UNKNOWN in (count, unit):
        yield unknown_message(*(count_path if count is UNKNOWN else unit_path))
        return
    if unit not in (ABSENT, "COUNT"):
        yield f"{dotted(*unit_path)} must be COUNT (one automated backup a day)."
    retained = PROVIDER_DEFAULT_RETAINED_BACKUPS if count is ABSENT else _number(count) or 0
    if retained < config["minRetainedBackups"]:
        yield (
            f"{dotted(*count_path)} must keep at least {config['minRetainedBackups']:g} daily backups"
            + (f"; absent means {PROVIDER_DEFAULT_RETAINED_BACKUPS}." if count is ABSENT else ".")
        )


def _point_in_time_recovery(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Iterator[str]:
    if _is_replica(args.props):
        return
    enabled_path, days_path = (*BACKUP, "pointInTimeRecoveryEnabled"), (*BACKUP, "transactionLogRetentionDays")
    enabled = lookup(args.props, *enabled_path)
    if enabled is UNKNOWN:
        yield unknown_message(*enabled_path)
    elif not (enabled is True or (enabled is ABSENT and _is_enterprise_plus(args.props))):
        yield f"{dotted(*enabled_path)} must be true; absent means off outside ENTERPRISE_PLUS."
    days = lookup(args.props, *days_path)
    if days is UNKNOWN:
        yield unknown_message(*days_path)
    elif (PROVIDER_DEFAULT_LOG_RETENTION_DAYS if days is ABSENT else _number(days) or 0) < config[
        "minLogRetentionDays"
    ]:
        yield f"{dotted(*days_path)} must keep at least {config['minLogRetentionDays']:g} days of transaction logs."


def _max_connections(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Iterator[str]:
    flags_path = (*SETTINGS, "databaseFlags")
    flags = items(args.props, *flags_path)
    if flags is UNKNOWN:
        yield unknown_message(*flags_path)
        return
    matching = [flag for flag in (flags if flags is not ABSENT else []) if lookup(flag, "name") == "max_connections"]
    if matching:
        value = lookup(matching[-1], "value")
        if value is UNKNOWN:
            yield unknown_message(*flags_path, "max_connections")
            return
        effective = _number(value)
    else:
        tier = lookup(args.props, *SETTINGS, "tier")
        capacity = tier_capacity(str(tier)) if tier not in (ABSENT, UNKNOWN) else None
        effective = default_max_connections(capacity) if capacity else None
    if effective is None or effective < config["minMaxConnections"]:
        yield (
            f"the max_connections database flag must be at least {config['minMaxConnections']:g}"
            + ("; without the flag, this tier's default is lower." if not matching else ".")
        )


def _deletion_protection(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    api_path = (*SETTINGS, "deletionProtectionEnabled")
    api = lookup(args.props, *api_path)
    if api is UNKNOWN:
        yield unknown_message(*api_path)
    elif api is not True:
        yield f"{dotted(*api_path)} must be true so no API, console or CLI call can delete the instance."
    provider = lookup(args.props, "deletionProtection")
    if provider is UNKNOWN:
        yield unknown_message("deletionProtection")
    elif provider is False:  # absent: the provider default is true
        yield "deletionProtection must not be false."


def _pulumi_protect(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    if not args.opts.protect:
        yield "the resource option protect should be true so `pulumi destroy` cannot delete the database."


def _maintenance_window(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    path = (*SETTINGS, "maintenanceWindow")
    if lookup(args.props, *path, "day") is ABSENT or lookup(args.props, *path, "hour") is ABSENT:
        yield f"{dotted(*path)} should set day and hour, so patches land at a planned, low-traffic time."


def _query_insights(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    path = (*SETTINGS, "insightsConfig", "queryInsightsEnabled")
    if lookup(args.props, *path) not in (True, UNKNOWN):
        yield f"{dotted(*path)} should be true to find slow queries and N+1 patterns."


def _instance_policy(**metadata: Any) -> ResourceValidationPolicy:
    """A checklist policy on Cloud SQL instances."""
    return checklist_policy(resource_types=INSTANCE_TYPES, **metadata)


def _integer(default: int, description: str) -> dict[str, Any]:
    return {"type": "integer", "minimum": 0, "default": default, "description": description}


CLOUDSQL_POLICIES = [
    _instance_policy(
        name="gcp-cloudsql-instance-no-public-ip",
        description="Cloud SQL instances have no public IPv4 address.",
        item=NETWORK,
        check=_no_public_ip,
        enforcement=MANDATORY,
        severity=Severity.CRITICAL,
        remediation="Set settings.ipConfiguration.ipv4Enabled to false and connect through the VPC.",
    ),
    _instance_policy(
        name="gcp-cloudsql-instance-private-network",
        description="Cloud SQL instances are reachable by private IP in a VPC.",
        item=NETWORK,
        check=_private_network,
        enforcement=MANDATORY,
        severity=Severity.HIGH,
        remediation=(
            "Set settings.ipConfiguration.privateNetwork to the VPC self link; configure private service access."
        ),
    ),
    _instance_policy(
        name="gcp-cloudsql-instance-ssl-required",
        description="Cloud SQL instances refuse unencrypted connections.",
        item=ChecklistItem(
            "§1 Environment Variables › Database Configuration",
            "DATABASE_URL: Ensure SSL mode enabled: ?sslmode=require",
        ),
        check=_ssl_required,
        enforcement=MANDATORY,
        severity=Severity.CRITICAL,
        remediation="Set settings.ipConfiguration.sslMode to ENCRYPTED_ONLY (or TRUSTED_CLIENT_CERTIFICATE_REQUIRED).",
    ),
    _instance_policy(
        name="gcp-cloudsql-instance-minimum-tier",
        description="Cloud SQL instances have at least 2 vCPUs and 4 GB of memory.",
        item=ChecklistItem("§2 Database Setup › PostgreSQL Configuration", "Minimum: 2 CPU cores, 4GB RAM"),
        check=_minimum_tier,
        enforcement=MANDATORY,
        severity=Severity.HIGH,
        remediation="Set settings.tier to db-custom-2-4096 or larger.",
        config={
            "minVcpus": _integer(2, "Minimum vCPUs of the tier."),
            "minMemoryMb": _integer(4096, "Minimum memory of the tier, in MB."),
        },
    ),
    _instance_policy(
        name="gcp-cloudsql-instance-ssd-storage",
        description="Cloud SQL instances store data on SSD.",
        item=ChecklistItem("§2 Database Setup › PostgreSQL Configuration", "Storage: SSD with min 50GB"),
        check=_ssd_storage,
        enforcement=MANDATORY,
        severity=Severity.MEDIUM,
        remediation="Set settings.diskType to PD_SSD (or leave it unset: PD_SSD is the default).",
    ),
    _instance_policy(
        name="gcp-cloudsql-instance-minimum-disk-size",
        description="Cloud SQL instances start with at least 50 GB of storage and grow automatically.",
        item=ChecklistItem("§2 Database Setup › PostgreSQL Configuration", "Storage: SSD with min 50GB"),
        check=_minimum_disk,
        enforcement=MANDATORY,
        severity=Severity.MEDIUM,
        remediation="Set settings.diskSize to 50 or more and leave settings.diskAutoresize true.",
        config={"minDiskSizeGb": _integer(50, "Minimum initial disk size, in GB.")},
    ),
    _instance_policy(
        name="gcp-cloudsql-instance-high-availability",
        description="Primary Cloud SQL instances are regional, with a standby for automatic failover.",
        item=ChecklistItem(
            "§7 Backup & Disaster Recovery › Disaster Recovery Plan", "Database failover procedure; RTO 4 hours"
        ),
        check=_high_availability,
        enforcement=MANDATORY,
        severity=Severity.HIGH,
        remediation="Set settings.availabilityType to REGIONAL on the primary instance.",
    ),
    _instance_policy(
        name="gcp-cloudsql-instance-automated-backups",
        description="Primary Cloud SQL instances take automated daily backups.",
        item=ChecklistItem("§7 Backup & Disaster Recovery › Database Backups", "Automated daily backups"),
        check=_automated_backups,
        enforcement=MANDATORY,
        severity=Severity.CRITICAL,
        remediation="Set settings.backupConfiguration.enabled to true.",
    ),
    _instance_policy(
        name="gcp-cloudsql-instance-backup-window",
        description="Automated backups start at 02:00 UTC, the low-traffic period.",
        item=ChecklistItem("§7 Backup & Disaster Recovery › Database Backups", "Time: 2 AM UTC (low traffic period)"),
        check=_backup_window,
        enforcement=MANDATORY,
        severity=Severity.MEDIUM,
        remediation='Set settings.backupConfiguration.startTime to "02:00".',
        config={
            "startTime": {
                "type": "string",
                "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$",
                "default": "02:00",
                "description": "Backup start, HH:MM UTC.",
            }
        },
    ),
    _instance_policy(
        name="gcp-cloudsql-instance-backup-retention",
        description="Automated backups are kept for 30 days.",
        item=ChecklistItem(
            "§2 Database Setup › PostgreSQL Configuration",
            "Enable automated backups (daily retention: 30 days); §7 Retention: 30 days rolling",
        ),
        check=_backup_retention,
        enforcement=MANDATORY,
        severity=Severity.HIGH,
        remediation=(
            "Set settings.backupConfiguration.backupRetentionSettings.retainedBackups to 30, retentionUnit COUNT."
        ),
        config={"minRetainedBackups": _integer(30, "Minimum number of daily backups kept.")},
    ),
    _instance_policy(
        name="gcp-cloudsql-instance-point-in-time-recovery",
        description="Point-in-time recovery is on, with 7 days of transaction logs.",
        item=ChecklistItem(
            "§7 Backup & Disaster Recovery › Database Backups",
            "Point-in-time recovery (PITR) enabled; WAL archiving; Retention: 7 days",
        ),
        check=_point_in_time_recovery,
        enforcement=MANDATORY,
        severity=Severity.HIGH,
        remediation=(
            "Set settings.backupConfiguration.pointInTimeRecoveryEnabled to true, transactionLogRetentionDays to 7."
        ),
        config={"minLogRetentionDays": _integer(7, "Minimum days of transaction logs kept.")},
    ),
    _instance_policy(
        name="gcp-cloudsql-instance-max-connections",
        description="PostgreSQL accepts at least 100 connections.",
        item=ChecklistItem("§2 Database Setup › Configure connection pooling", "Max connections: 100"),
        check=_max_connections,
        enforcement=MANDATORY,
        severity=Severity.MEDIUM,
        remediation='Add settings.databaseFlags entry {name: "max_connections", value: "100"}.',
        config={"minMaxConnections": _integer(100, "Minimum value of the max_connections flag.")},
    ),
    _instance_policy(
        name="gcp-cloudsql-instance-deletion-protection",
        description="Cloud SQL instances cannot be deleted by accident, with their backups.",
        item=ChecklistItem(
            "§7 Backup & Disaster Recovery › Disaster Recovery Plan", "RPO (Recovery Point Objective): 1 hour"
        ),
        check=_deletion_protection,
        enforcement=MANDATORY,
        severity=Severity.HIGH,
        remediation="Set settings.deletionProtectionEnabled to true and do not set deletionProtection to false.",
    ),
    _instance_policy(
        name="gcp-cloudsql-instance-pulumi-protect",
        description="Cloud SQL instances are protected in Pulumi state.",
        item=ChecklistItem(
            "§7 Backup & Disaster Recovery › Disaster Recovery Plan", "RPO (Recovery Point Objective): 1 hour"
        ),
        check=_pulumi_protect,
        enforcement=ADVISORY,
        severity=Severity.MEDIUM,
        remediation="Pass opts=ResourceOptions(protect=True) to the instance.",
    ),
    _instance_policy(
        name="gcp-cloudsql-instance-maintenance-window",
        description="Cloud SQL maintenance happens in a planned window.",
        item=ChecklistItem("Post-Launch Maintenance › Weekly", "Update dependencies (security patches)"),
        check=_maintenance_window,
        enforcement=ADVISORY,
        severity=Severity.LOW,
        remediation="Set settings.maintenanceWindow.day and hour (UTC), away from the backup window.",
    ),
    _instance_policy(
        name="gcp-cloudsql-instance-query-insights",
        description="Query Insights analyses database queries.",
        item=ChecklistItem("§9 Performance Optimization › Optimize database queries", "Use database query analyzer"),
        check=_query_insights,
        enforcement=ADVISORY,
        severity=Severity.LOW,
        remediation="Set settings.insightsConfig.queryInsightsEnabled to true.",
    ),
]
