"""Memorystore for Redis cases: a compliant baseline, one change per failing case, compliant alternatives."""

from __future__ import annotations

from typing import Any

from agencyos_checklist.numbers import REDIS_EVICTION_POLICY, REDIS_MIN_MEMORY_GB
from agencyos_policy.gcp.memorystore import INSTANCE
from agencyos_policy.registry import REGISTRY

from tests.policy.cases import DELETE, Case, mutate

BASELINE: dict[str, Any] = {
    "region": "europe-west1",
    "tier": "STANDARD_HA",
    "memorySizeGb": 5,
    "redisVersion": "REDIS_7_2",
    "authEnabled": True,
    "transitEncryptionMode": "SERVER_AUTHENTICATION",
    "connectMode": "PRIVATE_SERVICE_ACCESS",
    "authorizedNetwork": "projects/p/global/networks/vpc",
    "redisConfigs": {"maxmemory-policy": REDIS_EVICTION_POLICY.value, "maxmemory-gb": "4"},
    "persistenceConfig": {"persistenceMode": "RDB", "rdbSnapshotPeriod": "ONE_HOUR"},
    "maintenancePolicy": {"weeklyMaintenanceWindows": [{"day": "SUNDAY", "startTime": {"hours": 5}}]},
    "deletionProtection": True,
}
MEMORYSTORE = [name for name in REGISTRY if name.startswith("gcp-redis-")]

VIOLATIONS: list[tuple[str, dict[str, Any]]] = [
    ("gcp-redis-instance-minimum-version", {"redisVersion": "REDIS_6_X"}),
    ("gcp-redis-instance-minimum-version", {"redisVersion": "REDIS_5_0"}),
    (
        "gcp-redis-instance-minimum-memory",
        {"memorySizeGb": REDIS_MIN_MEMORY_GB.value - 0.5, "redisConfigs.maxmemory-gb": "0.4"},
    ),
    ("gcp-redis-instance-persistence", {"persistenceConfig.persistenceMode": "DISABLED"}),
    ("gcp-redis-instance-persistence", {"persistenceConfig": DELETE}),
    ("gcp-redis-instance-auth-enabled", {"authEnabled": False}),
    ("gcp-redis-instance-auth-enabled", {"authEnabled": DELETE}),
    ("gcp-redis-instance-eviction-policy", {"redisConfigs.maxmemory-policy": "volatile-lru"}),
    ("gcp-redis-instance-eviction-policy", {"redisConfigs.maxmemory-policy": DELETE}),
    ("gcp-redis-instance-eviction-policy", {"redisConfigs": {"maxmemory-gb": "4"}}),
    ("gcp-redis-instance-maxmemory", {"redisConfigs.maxmemory-gb": "5"}),
    ("gcp-redis-instance-maxmemory", {"redisConfigs.maxmemory-gb": "4.5"}),
    ("gcp-redis-instance-maxmemory", {"redisConfigs.maxmemory-gb": DELETE}),
    ("gcp-redis-instance-maxmemory", {"redisConfigs.maxmemory-gb": "lots"}),
    ("gcp-redis-instance-high-availability", {"tier": "BASIC"}),
    ("gcp-redis-instance-high-availability", {"tier": DELETE}),
    ("gcp-redis-instance-deletion-protection", {"deletionProtection": False}),
    ("gcp-redis-instance-transit-encryption", {"transitEncryptionMode": "DISABLED"}),
    ("gcp-redis-instance-transit-encryption", {"transitEncryptionMode": DELETE}),
    ("gcp-redis-instance-maintenance-window", {"maintenancePolicy": DELETE}),
]

# Absent properties mean the provider's default; these defaults and the alternatives the checklist allows comply.
COMPLIANT_CHANGES: list[dict[str, Any]] = [
    {"redisVersion": DELETE},  # the latest supported version
    {"redisVersion": "REDIS_7_0"},  # the checklist's floor
    {"redisVersion": "REDIS_8_0"},  # a later major
    {"deletionProtection": DELETE},  # true
    {"memorySizeGb": 16, "redisConfigs.maxmemory-gb": "12.8"},  # more memory, at 80 %
    {"memorySizeGb": 10, "redisConfigs.maxmemory-gb": "6"},  # a lower limit leaves more headroom
    {"memorySizeGb": REDIS_MIN_MEMORY_GB.value, "redisConfigs.maxmemory-gb": "0.8"},
    {"persistenceConfig.rdbSnapshotPeriod": "SIX_HOURS"},  # still RDB
    {"memorySizeGb": 5.0, "redisConfigs.maxmemory-gb": 4},  # numbers as the engine sends them
]

FAILING = [Case(policy, INSTANCE, mutate(BASELINE, changes), note=str(changes)) for policy, changes in VIOLATIONS]
FAILING.append(Case("gcp-redis-instance-pulumi-protect", INSTANCE, BASELINE, protect=False, note="protect=False"))
PASSING = [Case(policy, INSTANCE, BASELINE, note="baseline") for policy in MEMORYSTORE] + [
    Case(policy, INSTANCE, mutate(BASELINE, changes), note=str(changes))
    for changes in COMPLIANT_CHANGES
    for policy in MEMORYSTORE
]
