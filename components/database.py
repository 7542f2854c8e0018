"""Cloud SQL for PostgreSQL that meets checklist §2 (Database Setup) and §7 (Backups, PITR) by default.

Private IP only, SSL required, regional HA on SSD, daily backups at the checklist's time and
retention, point-in-time recovery, the checklist's max_connections, deletion protection in the API
and in Pulumi. The application database and user are created here, with a generated password; the
connection URL (``sslmode=require``) is exported only as a secret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

import pulumi
import pulumi_gcp as gcp
import pulumi_random as random
from agencyos_checklist.numbers import (
    DB_BACKUP_RETENTION_DAYS,
    DB_BACKUP_START_TIME_UTC,
    DB_MAX_CONNECTIONS,
    DB_MIN_DISK_GB,
    DB_MIN_MEMORY_MB,
    DB_MIN_VCPUS,
    DB_PITR_LOG_RETENTION_DAYS,
    DB_URL_SSLMODE,
)
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from components.labels import Labels
from components.naming import check_name_prefix

TYPE = "agencyos:database:Database"
POSTGRES_PORT = 5432
# Alphanumeric only, so the password needs no escaping inside the connection URL.
PASSWORD_LENGTH = 32
# Custom machine types are what the ENTERPRISE edition offers at any size: vCPUs and MB of RAM.
_CUSTOM_TIER = re.compile(r"^db-custom-([0-9]+)-([0-9]+)$", re.ASCII)
_HH_MM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$", re.ASCII)
DEFAULT_TIER = f"db-custom-{DB_MIN_VCPUS.value}-{DB_MIN_MEMORY_MB.value}"
EDITION = "ENTERPRISE"
# The ENTERPRISE edition keeps at most 7 days of transaction logs (ENTERPRISE_PLUS up to 35).
ENTERPRISE_MAX_LOG_RETENTION_DAYS = 7
DISK_TYPE = "PD_SSD"  # checklist §2 "Storage: SSD"
SSL_MODE = "ENCRYPTED_ONLY"  # the server side of §1 "sslmode=require"


class AvailabilityType(StrEnum):
    """REGIONAL gives a standby in a second zone with automatic failover (§7 database failover)."""

    REGIONAL = "REGIONAL"
    ZONAL = "ZONAL"


class DatabaseSpec(BaseModel):
    """Sizing and data-protection knobs, validated against the checklist's minimums.

    This is the stack config object ``agencyos-infra:database`` (camelCase keys, e.g. ``diskSizeGb``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)

    tier: str = Field(
        DEFAULT_TIER,
        description=f"Cloud SQL machine tier db-custom-<vCPUs>-<MB>: at least {DB_MIN_VCPUS.value} vCPUs "
        f"and {DB_MIN_MEMORY_MB.value} MB (checklist {DB_MIN_VCPUS.item}).",
    )
    disk_size_gb: int = Field(
        DB_MIN_DISK_GB.value,
        ge=DB_MIN_DISK_GB.value,
        le=65536,
        description=f"Initial SSD size in GB; autoresize grows it (checklist {DB_MIN_DISK_GB.item}).",
    )
    version: str = Field(
        "POSTGRES_16", pattern=r"^POSTGRES_[0-9]+$", description="PostgreSQL major version, as Cloud SQL names it."
    )
    availability: AvailabilityType = Field(
        AvailabilityType.REGIONAL,
        description="REGIONAL (standby in a second zone, automatic failover) or ZONAL.",
    )
    backup_start_time: str = Field(
        DB_BACKUP_START_TIME_UTC.value,
        description=f"Daily backup start, HH:MM UTC (checklist {DB_BACKUP_START_TIME_UTC.item}).",
    )
    backup_retention_days: int = Field(
        DB_BACKUP_RETENTION_DAYS.value,
        ge=DB_BACKUP_RETENTION_DAYS.value,
        le=365,
        description=f"Daily backups kept, one a day (checklist {DB_BACKUP_RETENTION_DAYS.item}).",
    )
    pitr_retention_days: int = Field(
        DB_PITR_LOG_RETENTION_DAYS.value,
        ge=DB_PITR_LOG_RETENTION_DAYS.value,
        le=ENTERPRISE_MAX_LOG_RETENTION_DAYS,
        description=f"Days of WAL kept for point-in-time recovery (checklist {DB_PITR_LOG_RETENTION_DAYS.item}).",
    )
    max_connections: int | None = Field(
        None,
        ge=DB_MAX_CONNECTIONS.value,
        le=262143,
        description=f"PostgreSQL max_connections flag, at least the checklist's {DB_MAX_CONNECTIONS.value} (checklist "
        f"{DB_MAX_CONNECTIONS.item}). Unset: the application's peak (every backend pod at the autoscaler's ceiling "
        "plus a migration pod, each with a full pool, and PostgreSQL's reserved connections), at least "
        f"{DB_MAX_CONNECTIONS.value}; a value set below that peak is refused.",
    )
    read_replicas: int = Field(
        0, ge=0, le=10, description="Read replicas (checklist 2.postgresql-configuration.5, recommended for scale)."
    )
    name: str = Field("agencyos", pattern=r"^[a-z][a-z0-9_]{0,62}$", description="Application database name.")
    user: str = Field("agencyos_app", pattern=r"^[a-z][a-z0-9_]{0,62}$", description="Application database user.")
    maintenance_day: int = Field(7, ge=1, le=7, description="Maintenance window day, 1 (Monday) to 7 (Sunday), UTC.")
    maintenance_hour: int = Field(
        4, ge=0, le=23, description="Maintenance window hour, 0-23 UTC; away from the backup start."
    )

    @field_validator("tier")
    @classmethod
    def _tier_is_large_enough(cls, tier: str) -> str:
        match = _CUSTOM_TIER.match(tier)
        if match is None:
            raise ValueError(f"must be a custom tier db-custom-<vCPUs>-<MB>, e.g. {DEFAULT_TIER}")
        if int(match[1]) < DB_MIN_VCPUS.value or int(match[2]) < DB_MIN_MEMORY_MB.value:
            raise ValueError(
                f"must have at least {DB_MIN_VCPUS.value} vCPUs and {DB_MIN_MEMORY_MB.value} MB RAM "
                f"(checklist {DB_MIN_VCPUS.item}), e.g. {DEFAULT_TIER}"
            )
        return tier

    @field_validator("backup_start_time")
    @classmethod
    def _is_hh_mm(cls, value: str) -> str:
        if not _HH_MM.match(value):
            raise ValueError(f"must be HH:MM in UTC, e.g. {DB_BACKUP_START_TIME_UTC.value}")
        return value


@dataclass(frozen=True, kw_only=True)
class DatabaseArgs:
    """Everything the Database component needs: its spec and where to place it.

    Ordering, protection and providers are resource options: pass them in ``opts``.
    """

    name_prefix: str
    """Physical names start with this, e.g. agencyos-prod."""
    region: str
    """GCP region of the primary instance."""
    private_network: pulumi.Input[str]
    """VPC self link or id the instances join by private IP only; another component's output or a literal."""
    labels: Labels
    """Labels for every instance (see ``components.labels.shared_labels``)."""
    spec: DatabaseSpec = field(default_factory=lambda: DatabaseSpec.model_validate({}))
    """Sizing and data protection; defaults meet the checklist."""
    app_peak_connections: int = 0
    """Connections the application may open at its peak (``workloads.required_database_connections``): the
    max_connections flag when the spec leaves it unset."""

    @property
    def max_connections(self) -> int:
        """The instance's max_connections flag: the spec's, else the app's peak, never below the checklist's."""
        return self.spec.max_connections or max(DB_MAX_CONNECTIONS.value, self.app_peak_connections)

    def __post_init__(self) -> None:
        check_name_prefix(self.name_prefix)
        if not self.region:
            raise ValueError("region is required")
        if self.private_network is None or (isinstance(self.private_network, str) and not self.private_network.strip()):
            raise ValueError("private_network is required: Cloud SQL gets no public IP, so it needs a VPC")


class Database(pulumi.ComponentResource):
    """Cloud SQL PostgreSQL primary, optional read replicas, the app database and its user."""

    instance_name: pulumi.Output[str]
    """Cloud SQL name of the primary instance."""
    max_connections: int
    """The instances' max_connections flag (known before anything exists: alert thresholds use it)."""
    connection_name: pulumi.Output[str]
    """project:region:instance, for the Cloud SQL Auth Proxy and connectors."""
    private_ip: pulumi.Output[str]
    """Private IP address of the primary in the VPC."""
    database_name: pulumi.Output[str]
    """Name of the application database."""
    user_name: pulumi.Output[str]
    """Name of the application user."""
    replica_names: pulumi.Output[list[str]]
    """Cloud SQL names of the read replicas."""
    connection_url: pulumi.Output[str]
    """Secret postgresql:// URL with sslmode=require (checklist §1 DATABASE_URL)."""
    service_account_email: pulumi.Output[str]
    """The primary's Cloud SQL service agent, the identity that writes exports to Cloud Storage."""

    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        spec = args.spec
        # Children inherit providers and protect from their parent; depends_on is not inherited, so
        # every child gets the component's (e.g. the private service access connection).
        child = pulumi.ResourceOptions(parent=self, depends_on=opts.depends_on if opts else None)
        stateful = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(protect=True))

        primary = gcp.sql.DatabaseInstance(
            f"{name}-instance",
            name=f"{args.name_prefix}-pg",
            region=args.region,
            database_version=spec.version,
            deletion_protection=True,
            settings=_instance_settings(args, primary=True),
            opts=stateful,
        )
        replicas = [
            gcp.sql.DatabaseInstance(
                f"{name}-replica-{index}",
                name=f"{args.name_prefix}-pg-replica-{index}",
                region=args.region,
                database_version=spec.version,
                master_instance_name=primary.name,
                deletion_protection=True,
                settings=_instance_settings(args, primary=False),
                opts=stateful,
            )
            for index in range(1, spec.read_replicas + 1)
        ]
        database = gcp.sql.Database(f"{name}-database", name=spec.name, instance=primary.name, opts=stateful)
        password = random.RandomPassword(f"{name}-password", length=PASSWORD_LENGTH, special=False, opts=child)
        user = gcp.sql.User(f"{name}-user", name=spec.user, instance=primary.name, password=password.result, opts=child)

        self.instance_name = primary.name
        self.max_connections = args.max_connections
        self.connection_name = primary.connection_name
        self.private_ip = primary.private_ip_address
        self.database_name = database.name
        self.user_name = user.name
        self.service_account_email = primary.service_account_email_address
        self.replica_names = pulumi.Output.all(*[replica.name for replica in replicas])
        self.connection_url = pulumi.Output.secret(
            pulumi.Output.format(
                "postgresql://{0}:{1}@{2}:{3}/{4}?sslmode={5}",
                user.name,
                password.result,
                primary.private_ip_address,
                POSTGRES_PORT,
                database.name,
                DB_URL_SSLMODE.value,
            )
        )
        self.register_outputs(
            {
                "instance_name": self.instance_name,
                "connection_name": self.connection_name,
                "private_ip": self.private_ip,
                "database_name": self.database_name,
                "user_name": self.user_name,
                "replica_names": self.replica_names,
                "connection_url": self.connection_url,
                "service_account_email": self.service_account_email,
            }
        )


def _instance_settings(args: DatabaseArgs, *, primary: bool) -> gcp.sql.DatabaseInstanceSettingsArgs:
    """Settings shared by the primary and its replicas; only the primary takes backups and HA."""
    spec = args.spec
    backup = (
        gcp.sql.DatabaseInstanceSettingsBackupConfigurationArgs(
            enabled=True,
            start_time=spec.backup_start_time,
            point_in_time_recovery_enabled=True,
            transaction_log_retention_days=spec.pitr_retention_days,
            # One automated backup a day, so a count of N keeps N days.
            backup_retention_settings=gcp.sql.DatabaseInstanceSettingsBackupConfigurationBackupRetentionSettingsArgs(
                retained_backups=spec.backup_retention_days, retention_unit="COUNT"
            ),
        )
        if primary
        else None
    )
    return gcp.sql.DatabaseInstanceSettingsArgs(
        tier=spec.tier,
        edition=EDITION,
        availability_type=spec.availability.value if primary else AvailabilityType.ZONAL.value,
        disk_type=DISK_TYPE,
        disk_size=spec.disk_size_gb,
        disk_autoresize=True,
        deletion_protection_enabled=True,
        ip_configuration=gcp.sql.DatabaseInstanceSettingsIpConfigurationArgs(
            ipv4_enabled=False,
            private_network=args.private_network,
            ssl_mode=SSL_MODE,
        ),
        backup_configuration=backup,
        database_flags=[
            gcp.sql.DatabaseInstanceSettingsDatabaseFlagArgs(name="max_connections", value=str(args.max_connections))
        ],
        maintenance_window=gcp.sql.DatabaseInstanceSettingsMaintenanceWindowArgs(
            day=spec.maintenance_day, hour=spec.maintenance_hour, update_track="stable"
        ),
        insights_config=gcp.sql.DatabaseInstanceSettingsInsightsConfigArgs(
            query_insights_enabled=True,
            record_application_tags=True,
            record_client_address=False,
        ),
        user_labels=args.labels,
    )
