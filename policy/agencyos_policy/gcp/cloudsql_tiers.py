"""Capacity of Cloud SQL machine tiers and the defaults Cloud SQL derives from it."""

from __future__ import annotations

import re
from typing import NamedTuple


class TierCapacity(NamedTuple):
    vcpus: int
    memory_mb: int


_CUSTOM = re.compile(r"^db-custom-(\d+)-(\d+)$")
_PREDEFINED = re.compile(r"^db-(n1-standard|n1-highmem)-(\d+)$")
_PREDEFINED_MB_PER_VCPU = {"n1-standard": 3840, "n1-highmem": 6656}
_PERF_OPTIMIZED = re.compile(r"^db-perf-optimized-N-(\d+)$")
_PERF_OPTIMIZED_MB_PER_VCPU = 8192
_SHARED_CORE = {"db-f1-micro": TierCapacity(0, 614), "db-g1-small": TierCapacity(0, 1741)}

# PostgreSQL max_connections when the flag is not set, by instance memory (Cloud SQL docs, "Maximum
# concurrent connections"): (memory at least MB, default).
_DEFAULT_MAX_CONNECTIONS = ((122880, 1000), (61440, 500), (30720, 400), (15360, 200), (6144, 100), (3840, 50), (0, 25))


def tier_capacity(tier: str) -> TierCapacity | None:
    """vCPUs and memory of a documented tier name, or None when the name is not recognised."""
    if tier in _SHARED_CORE:
        return _SHARED_CORE[tier]
    if match := _CUSTOM.match(tier):
        return TierCapacity(int(match[1]), int(match[2]))
    if match := _PREDEFINED.match(tier):
        return TierCapacity(int(match[2]), int(match[2]) * _PREDEFINED_MB_PER_VCPU[match[1]])
    if match := _PERF_OPTIMIZED.match(tier):
        return TierCapacity(int(match[1]), int(match[1]) * _PERF_OPTIMIZED_MB_PER_VCPU)
    return None


def default_max_connections(capacity: TierCapacity) -> int:
    return next(value for floor, value in _DEFAULT_MAX_CONNECTIONS if capacity.memory_mb >= floor)
