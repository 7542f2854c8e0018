"""Capacity of Cloud SQL machine tiers, so sizing rules can be checked before anything is created."""

import re
from typing import NamedTuple


class TierCapacity(NamedTuple):
    vcpus: int
    memory_mb: int


_CUSTOM = re.compile(r"^db-custom-(\d+)-(\d+)$")
# Predefined families: memory per vCPU in MB (Cloud SQL machine series documentation).
_PREDEFINED = re.compile(r"^db-(n1-standard|n1-highmem)-(\d+)$")
_PREDEFINED_MB_PER_VCPU = {"n1-standard": 3840, "n1-highmem": 6656}
_PERF_OPTIMIZED = re.compile(r"^db-perf-optimized-N-(\d+)$")
_PERF_OPTIMIZED_MB_PER_VCPU = 8192
_SHARED_CORE = {"db-f1-micro": TierCapacity(0, 614), "db-g1-small": TierCapacity(0, 1740)}


def tier_capacity(tier: str) -> TierCapacity | None:
    """vCPUs and memory of a tier, or None when the tier name is not one Cloud SQL documents."""
    if tier in _SHARED_CORE:
        return _SHARED_CORE[tier]
    if match := _CUSTOM.match(tier):
        return TierCapacity(int(match[1]), int(match[2]))
    if match := _PREDEFINED.match(tier):
        vcpus = int(match[2])
        return TierCapacity(vcpus, vcpus * _PREDEFINED_MB_PER_VCPU[match[1]])
    if match := _PERF_OPTIMIZED.match(tier):
        vcpus = int(match[1])
        return TierCapacity(vcpus, vcpus * _PERF_OPTIMIZED_MB_PER_VCPU)
    return None


def is_enterprise_plus_tier(tier: str) -> bool:
    """Performance-optimized tiers exist only in the ENTERPRISE_PLUS edition."""
    return bool(_PERF_OPTIMIZED.match(tier))
