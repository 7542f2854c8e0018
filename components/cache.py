"""Memorystore for Redis that meets checklist §2 (Redis Configuration) by default.

Redis 7.2 on the STANDARD_HA tier (a replica in a second zone with automatic failover), at least
the checklist's memory, AUTH on, TLS in transit with server authentication, ``allkeys-lru`` eviction
once data reaches the checklist's share of memory (``maxmemory-gb``), hourly RDB snapshots, reachable only by private
service access on the VPC, a weekly maintenance window, deletion protection in the provider and in
Pulumi. The ``rediss://`` URL carries the AUTH string and is exported only as a secret.

Deviation (checklist 2.redis-configuration.1, "Persistence: Enable RDB + AOF"): Memorystore for Redis
standalone instances persist with RDB snapshots only; AOF exists in Memorystore for Redis Cluster
and for Valkey. We take the most durable setup the service offers: RDB every hour, the shortest
period. Recorded in ``agencyos_checklist.deviations``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

import pulumi
import pulumi_gcp as gcp
from agencyos_checklist.numbers import REDIS_EVICTION_POLICY, REDIS_MAXMEMORY_PERCENT, REDIS_MIN_MEMORY_GB
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from components.labels import Labels
from components.naming import check_name_prefix

TYPE = "agencyos:cache:Cache"
TIER = "STANDARD_HA"
CONNECT_MODE = "PRIVATE_SERVICE_ACCESS"
TRANSIT_ENCRYPTION = "SERVER_AUTHENTICATION"
PERSISTENCE_MODE = "RDB"
# The shortest RDB period Memorystore offers, so at most an hour of cache writes is lost on a restart.
RDB_SNAPSHOT_PERIOD = "ONE_HOUR"
DEFAULT_VERSION = "REDIS_7_2"
# The issue asks for 7.2 or newer (the checklist's floor is 7.0: the policy enforces that).
MIN_COMPONENT_VERSION = (7, 2)
MAX_MEMORY_GB = 300  # Memorystore's largest standalone instance
_VERSION = re.compile(r"^REDIS_([0-9]+)_([0-9]+)$", re.ASCII)


class Weekday(StrEnum):
    """Days as Memorystore's maintenance policy names them."""

    MONDAY = "MONDAY"
    TUESDAY = "TUESDAY"
    WEDNESDAY = "WEDNESDAY"
    THURSDAY = "THURSDAY"
    FRIDAY = "FRIDAY"
    SATURDAY = "SATURDAY"
    SUNDAY = "SUNDAY"


def maxmemory_gb(memory_size_gb: int) -> str:
    """``maxmemory-gb`` at the checklist's share of memory, as Memorystore takes it (a decimal GB string)."""
    # scaleb(-2): percent to a fraction, exactly (5 GB at the stated percent gives "4", not 4.000000001).
    share = (Decimal(memory_size_gb) * Decimal(REDIS_MAXMEMORY_PERCENT.value)).scaleb(-2)
    return format(share.normalize(), "f")


class CacheSpec(BaseModel):
    """Size, version and maintenance of the cache; this is the stack config object ``agencyos-infra:cache``."""

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)

    memory_size_gb: int = Field(
        REDIS_MIN_MEMORY_GB.value,
        ge=REDIS_MIN_MEMORY_GB.value,
        le=MAX_MEMORY_GB,
        description=f"Redis memory in GB; eviction starts at {REDIS_MAXMEMORY_PERCENT.value} % of it "
        f"(checklist {REDIS_MIN_MEMORY_GB.item}, {REDIS_MAXMEMORY_PERCENT.item}).",
    )
    version: str = Field(
        DEFAULT_VERSION,
        description="Redis version as Memorystore names it, REDIS_7_2 or newer "
        f"(checklist {REDIS_MIN_MEMORY_GB.item}).",
    )
    maintenance_day: Weekday = Field(Weekday.SUNDAY, description="Weekly maintenance window day, UTC.")
    maintenance_hour: int = Field(5, ge=0, le=23, description="Maintenance window start hour, 0-23 UTC.")

    @field_validator("version")
    @classmethod
    def _is_recent_enough(cls, version: str) -> str:
        match = _VERSION.match(version)
        if match is None or (int(match[1]), int(match[2])) < MIN_COMPONENT_VERSION:
            raise ValueError(
                f"must be {DEFAULT_VERSION} or newer, as Memorystore names versions (REDIS_<major>_<minor>)"
            )
        return version


@dataclass(frozen=True, kw_only=True)
class CacheArgs:
    """Everything the Cache component needs. Ordering (the private services connection) goes in ``opts``."""

    name_prefix: str
    """Physical names start with this, e.g. agencyos-prod."""
    region: str
    """GCP region of the instance."""
    network: pulumi.Input[str]
    """VPC id (projects/<p>/global/networks/<n>) that has private services access; another component's output."""
    labels: Labels
    """Labels for the instance (see ``components.labels.shared_labels``)."""
    spec: CacheSpec = field(default_factory=lambda: CacheSpec.model_validate({}))
    """Size, version and maintenance; defaults meet the checklist."""

    def __post_init__(self) -> None:
        check_name_prefix(self.name_prefix)
        if not self.region:
            raise ValueError("region is required")
        if self.network is None or (isinstance(self.network, str) and not self.network.strip()):
            raise ValueError("network is required: the cache is reachable only by private service access")


class Cache(pulumi.ComponentResource):
    """One Memorystore for Redis instance and its secret connection URL."""

    instance_name: pulumi.Output[str]
    """Memorystore name of the instance."""
    host: pulumi.Output[str]
    """Private IP of the primary endpoint."""
    port: pulumi.Output[int]
    """TLS port of the primary endpoint."""
    auth_string: pulumi.Output[str]
    """Secret AUTH string."""
    ca_certificate: pulumi.Output[str]
    """PEM of the server CA clients verify TLS against (SERVER_AUTHENTICATION)."""
    url: pulumi.Output[str]
    """Secret rediss://:<auth>@<host>:<port> URL (checklist §1 REDIS_URL)."""

    def __init__(self, name: str, args: CacheArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        spec = args.spec
        # depends_on is not inherited by children: pass the component's on (the private services connection).
        child = pulumi.ResourceOptions(parent=self, depends_on=opts.depends_on if opts else None)
        stateful = pulumi.ResourceOptions.merge(
            child, pulumi.ResourceOptions(protect=True, additional_secret_outputs=["authString"])
        )
        instance = gcp.redis.Instance(
            f"{name}-instance",
            name=f"{args.name_prefix}-redis",
            display_name=f"{args.name_prefix} cache",
            region=args.region,
            tier=TIER,
            memory_size_gb=spec.memory_size_gb,
            redis_version=spec.version,
            auth_enabled=True,
            transit_encryption_mode=TRANSIT_ENCRYPTION,
            connect_mode=CONNECT_MODE,
            authorized_network=args.network,
            redis_configs={
                "maxmemory-policy": REDIS_EVICTION_POLICY.value,
                "maxmemory-gb": maxmemory_gb(spec.memory_size_gb),
            },
            persistence_config=gcp.redis.InstancePersistenceConfigArgs(
                persistence_mode=PERSISTENCE_MODE, rdb_snapshot_period=RDB_SNAPSHOT_PERIOD
            ),
            maintenance_policy=gcp.redis.InstanceMaintenancePolicyArgs(
                weekly_maintenance_windows=[
                    gcp.redis.InstanceMaintenancePolicyWeeklyMaintenanceWindowArgs(
                        day=spec.maintenance_day.value,
                        start_time=gcp.redis.InstanceMaintenancePolicyWeeklyMaintenanceWindowStartTimeArgs(
                            hours=spec.maintenance_hour, minutes=0
                        ),
                    )
                ]
            ),
            deletion_protection=True,
            labels=dict(args.labels),
            opts=stateful,
        )

        self.instance_name = instance.name
        self.host = instance.host
        self.port = instance.port
        self.auth_string = pulumi.Output.secret(instance.auth_string)
        self.ca_certificate = instance.server_ca_certs.apply(lambda certs: (certs[0].cert or "") if certs else "")
        self.url = pulumi.Output.secret(
            pulumi.Output.format("rediss://:{0}@{1}:{2}", instance.auth_string, instance.host, instance.port)
        )
        self.register_outputs(
            {
                "instance_name": self.instance_name,
                "host": self.host,
                "port": self.port,
                "auth_string": self.auth_string,
                "ca_certificate": self.ca_certificate,
                "url": self.url,
            }
        )
