"""Memorystore for Redis policies: checklist §2 (Redis Configuration) and §7 (failover, protection).

Written from the checklist and the ``gcp:redis/instance:Instance`` schema. Each ``default=`` below
is the provider's documented default for an absent property: version the latest supported, AUTH
off, TLS DISABLED, tier BASIC, persistence off, eviction ``volatile-lru`` (Memorystore's default
maxmemory policy), ``maxmemory-gb`` the whole instance, ``deletionProtection`` true.

Persistence: the checklist asks for RDB + AOF; standalone Memorystore instances offer RDB only, so
RDB passes (a documented deviation, ``agencyos_checklist.deviations``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from typing import Any

from agencyos_checklist.numbers import (
    REDIS_EVICTION_POLICY,
    REDIS_MAXMEMORY_PERCENT,
    REDIS_MIN_MEMORY_GB,
    REDIS_MIN_VERSION,
)
from pulumi_policy import Severity

from agencyos_policy.props import ABSENT, UNKNOWN, lookup
from agencyos_policy.registry import ADVISORY, MANDATORY, Subject, bound, resource_policy, text
from agencyos_policy.rules import at_least, expect, number, unknown

INSTANCE = "gcp:redis/instance:Instance"
_VERSION = re.compile(r"^REDIS_([0-9]+)_([0-9]+)$", re.ASCII)
# Provider: "If not provided, latest supported version will be used" (7.2 and later today).
LATEST = "latest"
CONFIGS = ("redisConfigs",)
PER_CENT = 0.01

instance_policy = partial(resource_policy, resource_types=(INSTANCE,), tags=("cache",))


def _version(minimum: str) -> tuple[int, ...]:
    """A configured "<major>.<minor>" as a tuple of integers, to compare with a provider version."""
    return tuple(int(part) for part in minimum.split("."))


def _recent_enough(version: Any, minimum: tuple[int, ...]) -> bool:
    if version == LATEST:
        return True
    match = _VERSION.match(str(version))
    return match is not None and (int(match[1]), int(match[2])) >= minimum


@instance_policy(
    name="gcp-redis-instance-minimum-version",
    item=REDIS_MIN_VERSION.item,
    level=MANDATORY,
    severity=Severity.MEDIUM,
    description=f"Memorystore for Redis runs Redis {REDIS_MIN_VERSION.value} or later.",
    remediation="Set redisVersion to REDIS_7_2 (or a later version), or leave it unset for the latest.",
    quote=REDIS_MIN_VERSION.quote,
    config={"minVersion": text(REDIS_MIN_VERSION, "Least Redis version, <major>.<minor>.", r"^[0-9]+\.[0-9]+$")},
)
def minimum_version(subject: Subject) -> Iterator[str]:
    minimum = _version(subject.config["minVersion"])
    yield from expect(
        subject,
        ("redisVersion",),
        lambda version: _recent_enough(version, minimum),
        f"be REDIS_{'_'.join(str(part) for part in minimum)} (Redis {subject.config['minVersion']}) or later",
        default=LATEST,
    )


@instance_policy(
    name="gcp-redis-instance-minimum-memory",
    item=REDIS_MIN_MEMORY_GB.item,
    level=MANDATORY,
    severity=Severity.MEDIUM,
    description=f"Memorystore for Redis instances have at least {REDIS_MIN_MEMORY_GB.value} GB of memory.",
    remediation=f"Set memorySizeGb to {REDIS_MIN_MEMORY_GB.value} or more.",
    config={"minMemoryGb": bound(REDIS_MIN_MEMORY_GB, "Minimum instance memory, in GB.")},
)
def minimum_memory(subject: Subject) -> Iterator[str]:
    yield from at_least(subject, ("memorySizeGb",), subject.config["minMemoryGb"], unit=" GB")


@instance_policy(
    name="gcp-redis-instance-persistence",
    item=REDIS_MIN_MEMORY_GB.item,
    level=MANDATORY,
    severity=Severity.HIGH,
    description="Memorystore for Redis persists data to disk (RDB snapshots: the service offers no AOF).",
    remediation="Set persistenceConfig.persistenceMode to RDB and persistenceConfig.rdbSnapshotPeriod to ONE_HOUR.",
)
def persistence(subject: Subject) -> Iterator[str]:
    yield from expect(
        subject,
        ("persistenceConfig", "persistenceMode"),
        lambda mode: mode == "RDB",
        "be RDB (Memorystore for Redis offers no AOF)",
        default="DISABLED",
        absent_means="persistence is disabled",
    )


@instance_policy(
    name="gcp-redis-instance-auth-enabled",
    item="2.redis-configuration.2",
    level=MANDATORY,
    severity=Severity.CRITICAL,
    description="Memorystore for Redis requires password authentication (AUTH).",
    remediation="Set authEnabled to true and give clients the instance's authString as a secret.",
)
def auth_enabled(subject: Subject) -> Iterator[str]:
    yield from expect(
        subject, ("authEnabled",), lambda enabled: enabled is True, "be true", default=False, absent_means="AUTH off"
    )


@instance_policy(
    name="gcp-redis-instance-eviction-policy",
    item=REDIS_EVICTION_POLICY.item,
    level=MANDATORY,
    severity=Severity.MEDIUM,
    description=f"Memorystore for Redis evicts with {REDIS_EVICTION_POLICY.value}.",
    remediation=f'Set redisConfigs["maxmemory-policy"] to "{REDIS_EVICTION_POLICY.value}".',
    quote=REDIS_EVICTION_POLICY.quote,
    config={"evictionPolicy": text(REDIS_EVICTION_POLICY, "The maxmemory-policy Redis must evict with.")},
)
def eviction_policy(subject: Subject) -> Iterator[str]:
    wanted = subject.config["evictionPolicy"]
    yield from expect(
        subject,
        (*CONFIGS, "maxmemory-policy"),
        lambda policy: policy == wanted,
        f"be {wanted}",
        default="volatile-lru",
        absent_means="Memorystore's default volatile-lru",
    )


@instance_policy(
    name="gcp-redis-instance-maxmemory",
    item=REDIS_MAXMEMORY_PERCENT.item,
    level=MANDATORY,
    severity=Severity.MEDIUM,
    description=f"Memorystore for Redis starts evicting at {REDIS_MAXMEMORY_PERCENT.value} % of its memory, "
    "leaving headroom for replication and fragmentation.",
    remediation=f'Set redisConfigs["maxmemory-gb"] to {REDIS_MAXMEMORY_PERCENT.value} % of memorySizeGb '
    "(e.g. 4 for a 5 GB instance).",
    config={"maxPercent": bound(REDIS_MAXMEMORY_PERCENT, "Highest maxmemory-gb, in percent of memorySizeGb.")},
)
def maxmemory(subject: Subject) -> Iterator[str]:
    memory_path, limit_path = ("memorySizeGb",), (*CONFIGS, "maxmemory-gb")
    memory, limit = lookup(subject.props, *memory_path), lookup(subject.props, *limit_path)
    for path, value in ((memory_path, memory), (limit_path, limit)):
        if value is UNKNOWN:
            yield from unknown(subject, path)
            return
    percent = subject.config["maxPercent"]
    verb = "must" if subject.mandatory else "should"
    if limit is ABSENT:
        yield (
            f'redisConfigs["maxmemory-gb"] {verb} be set to at most {percent:g} % of memorySizeGb; '
            "absent means all of it."
        )
        return
    size, cap = number(memory), number(limit)
    # A lower limit is stricter (more headroom), so it complies; Memorystore refuses below 20 %.
    if size is None or cap is None or cap <= 0 or cap > size * percent * PER_CENT + 1e-9:
        yield f'redisConfigs["maxmemory-gb"] {verb} be a number of GB at most {percent:g} % of memorySizeGb.'


@instance_policy(
    name="gcp-redis-instance-high-availability",
    item="7.disaster-recovery-plan.3",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="Memorystore for Redis runs the STANDARD_HA tier: a replica in another zone with automatic failover.",
    remediation="Set tier to STANDARD_HA.",
)
def high_availability(subject: Subject) -> Iterator[str]:
    yield from expect(
        subject,
        ("tier",),
        lambda tier: tier == "STANDARD_HA",
        "be STANDARD_HA (a replica with automatic failover)",
        default="BASIC",
        absent_means="BASIC, a single node",
    )


@instance_policy(
    name="gcp-redis-instance-deletion-protection",
    item="7.disaster-recovery-plan.1",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="Memorystore for Redis instances cannot be deleted by a stack update.",
    remediation="Leave deletionProtection unset or true.",
)
def deletion_protection(subject: Subject) -> Iterator[str]:
    yield from expect(
        subject, ("deletionProtection",), lambda enabled: enabled is not False, "not be false", default=True
    )


@instance_policy(
    name="gcp-redis-instance-transit-encryption",
    item="1.database-configuration.2",
    level=ADVISORY,
    severity=Severity.HIGH,
    description="Clients reach Memorystore for Redis over TLS (beyond the checklist's redis:// URL).",
    remediation="Set transitEncryptionMode to SERVER_AUTHENTICATION and connect with rediss://.",
)
def transit_encryption(subject: Subject) -> Iterator[str]:
    yield from expect(
        subject,
        ("transitEncryptionMode",),
        lambda mode: mode == "SERVER_AUTHENTICATION",
        "be SERVER_AUTHENTICATION so the AUTH string and data never cross the network in clear",
        default="DISABLED",
        absent_means="DISABLED",
    )


@instance_policy(
    name="gcp-redis-instance-pulumi-protect",
    item="7.disaster-recovery-plan.1",
    level=ADVISORY,
    severity=Severity.MEDIUM,
    description="Memorystore for Redis instances are protected in Pulumi state.",
    remediation="Pass opts=ResourceOptions(protect=True) to the instance.",
)
def pulumi_protect(subject: Subject) -> Iterator[str]:
    if not subject.opts.protect:
        yield "the resource option protect should be true so `pulumi destroy` cannot delete the cache."


@instance_policy(
    name="gcp-redis-instance-maintenance-window",
    item="post-launch-maintenance.weekly.3",
    level=ADVISORY,
    severity=Severity.LOW,
    description="Memorystore for Redis maintenance happens in a planned weekly window.",
    remediation="Set maintenancePolicy.weeklyMaintenanceWindows[0].day and startTime (UTC).",
)
def maintenance_window(subject: Subject) -> Iterator[str]:
    if lookup(subject.props, "maintenancePolicy", "weeklyMaintenanceWindows", 0, "day") is ABSENT:
        yield "maintenancePolicy.weeklyMaintenanceWindows should set a day and start time, so failovers are planned."
