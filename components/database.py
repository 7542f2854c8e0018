"""Cloud SQL for PostgreSQL that meets checklist §2 (Database Setup) and §7 (Backups, PITR) by default.

Private IP only, SSL required, regional HA on SSD, daily backups at 02:00 UTC kept 30 days,
point-in-time recovery with 7 days of WAL, max_connections 100, deletion protection in the API and
in Pulumi. The application database and user are created here, with a generated password; the
connection URL (``sslmode=require``) is exported only as a secret.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

import pulumi
import pulumi_gcp as gcp
import pulumi_random as random
from pydantic import BaseModel, ConfigDict, Field, field_validator

from components import checklist

POSTGRES_PORT = 5432
# Alphanumeric only, so the password needs no escaping inside the connection URL.
PASSWORD_LENGTH = 32
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,61}[a-z0-9]$")
_HH_MM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
# Custom machine types are what the ENTERPRISE edition offers at any size: vCPUs and MB of RAM.
_CUSTOM_TIER = re.compile(r"^db-custom-(\d+)-(\d+)$")
EDITION = "ENTERPRISE"


class AvailabilityType(StrEnum):
    """REGIONAL gives a standby in a second zone with automatic failover (§7 database failover)."""

    REGIONAL = "REGIONAL"
    ZONAL = "ZONAL"


class DatabaseSpec(BaseModel):
    """Sizing and data-protection knobs, validated against the checklist's minimums."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tier: str = Field(
        checklist.DB_DEFAULT_TIER,
        description="Cloud SQL machine tier: at least 2 vCPU and 4 GB RAM (§2).",
    )
    disk_size_gb: int = Field(
        checklist.DB_MIN_DISK_GB,
        ge=checklist.DB_MIN_DISK_GB,
        le=65536,
        description="Initial PD_SSD size in GB; autoresize grows it (§2 'SSD with min 50GB').",
    )
    version: str = Field(
        "POSTGRES_16",
        pattern=r"^POSTGRES_\d+$",
        description="PostgreSQL major version, as Cloud SQL names it.",
    )
    availability: AvailabilityType = Field(
        AvailabilityType.REGIONAL,
        description="REGIONAL (HA standby, automatic failover) or ZONAL.",
    )
    backup_start_time: str = Field(
        checklist.DB_BACKUP_START_TIME_UTC,
        description="Daily backup start, HH:MM UTC (§7 '2 AM UTC').",
    )
    backup_retention_days: int = Field(
        checklist.DB_BACKUP_RETENTION_DAYS,
        ge=checklist.DB_BACKUP_RETENTION_DAYS,
        le=365,
        description="Daily backups kept (§2, §7 '30 days rolling').",
    )
    pitr_retention_days: int = Field(
        checklist.DB_PITR_LOG_RETENTION_DAYS,
        ge=checklist.DB_PITR_LOG_RETENTION_DAYS,
        # The ENTERPRISE edition keeps at most 7 days of transaction logs.
        le=7,
        description="Days of WAL kept for point-in-time recovery (§7 '7 days').",
    )
    max_connections: int = Field(
        checklist.DB_MAX_CONNECTIONS,
        ge=checklist.DB_MAX_CONNECTIONS,
        le=262143,
        description="PostgreSQL max_connections flag (§2 'Max connections: 100').",
    )
    read_replicas: int = Field(0, ge=0, le=10, description="Read replicas (§2 'optional but recommended for scale').")
    name: str = Field("agencyos", pattern=r"^[a-z][a-z0-9_]{0,62}$", description="Application database name.")
    user: str = Field("agencyos_app", pattern=r"^[a-z][a-z0-9_]{0,62}$", description="Application database user.")
    maintenance_day: int = Field(7, ge=1, le=7, description="Maintenance day, 1=Monday..7=Sunday.")
    maintenance_hour: int = Field(4, ge=0, le=23, description="Maintenance hour, UTC.")

    @field_validator("tier")
    @classmethod
    def _tier_is_large_enough(cls, tier: str) -> str:
        match = _CUSTOM_TIER.match(tier)
        if match is None:
            raise ValueError("must be a custom tier db-custom-<vCPUs>-<MB>, e.g. db-custom-2-4096")
        if int(match[1]) < checklist.DB_MIN_VCPUS or int(match[2]) < checklist.DB_MIN_MEMORY_MB:
            raise ValueError(
                f"must have at least {checklist.DB_MIN_VCPUS} vCPUs and "
                f"{checklist.DB_MIN_MEMORY_MB} MB RAM (checklist §2), "
                f"e.g. {checklist.DB_DEFAULT_TIER}"
            )
        return tier

    @field_validator("backup_start_time")
    @classmethod
    def _is_hh_mm(cls, value: str) -> str:
        if not _HH_MM.match(value):
            raise ValueError("must be HH:MM in UTC, e.g. 02:00")
        return value


class DatabaseArgs(DatabaseSpec):
    """Everything the Database component needs: the spec plus where and how to place it."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    name_prefix: str = Field(description="Physical names start with this, e.g. agencyos-prod.")
    region: str = Field(min_length=1, description="GCP region of the primary instance.")
    private_network: Any = Field(
        description="VPC self link or id (str or Output) the instance joins by private IP only."
    )
    labels: dict[str, str] = Field(default_factory=dict, description="Labels for every instance.")
    depends_on: Sequence[pulumi.Resource] = Field(
        default=(),
        description="Resources to create first, e.g. the private service access connection.",
    )

    @field_validator("name_prefix")
    @classmethod
    def _prefix_is_a_name(cls, value: str) -> str:
        if not _NAME.match(value) or len(value) > 40:
            raise ValueError("must be lowercase letters, digits and hyphens, at most 40 characters")
        return value

    @field_validator("private_network")
    @classmethod
    def _network_given(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ValueError("is required: Cloud SQL gets no public IP, so it needs a VPC")
        return value


class Database(pulumi.ComponentResource):
    """Cloud SQL PostgreSQL primary, optional read replicas, the app database and its user."""

    instance_name: pulumi.Output[str]
    """Cloud SQL name of the primary instance."""
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

    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("agencyos:database:Database", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        stateful = pulumi.ResourceOptions(parent=self, protect=True, depends_on=list(args.depends_on))

        primary = gcp.sql.DatabaseInstance(
            f"{name}-instance",
            name=f"{args.name_prefix}-pg",
            region=args.region,
            database_version=args.version,
            deletion_protection=True,
            settings=_instance_settings(args, primary=True),
            opts=stateful,
        )
        replicas = [
            gcp.sql.DatabaseInstance(
                f"{name}-replica-{index}",
                name=f"{args.name_prefix}-pg-replica-{index}",
                region=args.region,
                database_version=args.version,
                master_instance_name=primary.name,
                deletion_protection=True,
                settings=_instance_settings(args, primary=False),
                opts=stateful,
            )
            for index in range(1, args.read_replicas + 1)
        ]
        database = gcp.sql.Database(
            f"{name}-database",
            name=args.name,
            instance=primary.name,
            opts=pulumi.ResourceOptions(parent=self, protect=True),
        )
        password = random.RandomPassword(f"{name}-password", length=PASSWORD_LENGTH, special=False, opts=child)
        user = gcp.sql.User(f"{name}-user", name=args.user, instance=primary.name, password=password.result, opts=child)

        self.instance_name = primary.name
        self.connection_name = primary.connection_name
        self.private_ip = primary.private_ip_address
        self.database_name = database.name
        self.user_name = user.name
        self.replica_names = pulumi.Output.all(*[replica.name for replica in replicas])
        self.connection_url = pulumi.Output.secret(
            pulumi.Output.format(
                "postgresql://{0}:{1}@{2}:{3}/{4}?sslmode={5}",
                user.name,
                password.result,
                primary.private_ip_address,
                POSTGRES_PORT,
                database.name,
                checklist.DB_URL_SSLMODE,
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
            }
        )


def _instance_settings(args: DatabaseArgs, *, primary: bool) -> gcp.sql.DatabaseInstanceSettingsArgs:
    """Settings shared by the primary and its replicas; only the primary takes backups and HA."""
    backup = (
        gcp.sql.DatabaseInstanceSettingsBackupConfigurationArgs(
            enabled=True,
            start_time=args.backup_start_time,
            point_in_time_recovery_enabled=True,
            transaction_log_retention_days=args.pitr_retention_days,
            # One automated backup a day, so a count of N keeps N days.
            backup_retention_settings=gcp.sql.DatabaseInstanceSettingsBackupConfigurationBackupRetentionSettingsArgs(
                retained_backups=args.backup_retention_days, retention_unit="COUNT"
            ),
        )
        if primary
        else None
    )
    return gcp.sql.DatabaseInstanceSettingsArgs(
        tier=args.tier,
        edition=EDITION,
        availability_type=args.availability.value if primary else AvailabilityType.ZONAL.value,
        disk_type=checklist.DB_DISK_TYPE,
        disk_size=args.disk_size_gb,
        disk_autoresize=True,
        deletion_protection_enabled=True,
        ip_configuration=gcp.sql.DatabaseInstanceSettingsIpConfigurationArgs(
            ipv4_enabled=False,
            private_network=args.private_network,
            ssl_mode=checklist.DB_SSL_MODE,
        ),
        backup_configuration=backup,
        database_flags=[
            gcp.sql.DatabaseInstanceSettingsDatabaseFlagArgs(name="max_connections", value=str(args.max_connections))
        ],
        maintenance_window=gcp.sql.DatabaseInstanceSettingsMaintenanceWindowArgs(
            day=args.maintenance_day, hour=args.maintenance_hour, update_track="stable"
        ),
        insights_config=gcp.sql.DatabaseInstanceSettingsInsightsConfigArgs(
            query_insights_enabled=True,
            record_application_tags=True,
            record_client_address=False,
        ),
        user_labels=args.labels,
    )
