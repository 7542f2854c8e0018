"""Every policy's test cases, gathered for the pack-wide tests (tests/policy/test_policy_registry.py).

Each provider/service keeps its cases beside its tests (``tests/policy/<provider>/<service>_cases.py``)
and is listed in ``CASE_MODULES``; a policy needs at least one failing and one passing case.
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

CASE_MODULES = (
    "tests.policy.gcp.cloudsql_cases",
    "tests.policy.gcp.compute_cases",
    "tests.policy.gcp.serverless_cases",
    "tests.policy.gcp.loadbalancing_cases",
    "tests.policy.gcp.iam_cases",
    # [network-iam] case modules above this line
    "tests.policy.gcp.memorystore_cases",
    "tests.policy.gcp.storage_cases",
    # [cache-storage] case modules above this line
    "tests.policy.gcp.container_cases",
    # [runtime-cluster] case modules above this line
    "tests.policy.gcp.secretmanager_cases",
    "tests.policy.kubernetes.workloads_cases",
    "tests.policy.kubernetes.datastores_cases",
    "tests.policy.stack_cases",
    # [runtime-workloads] case modules above this line
    "tests.policy.cloudflare.dns_cases",
    # [edge-dns] case modules above this line
    "tests.policy.kubernetes.helm_cases",
    "tests.policy.kubernetes.tls_cases",
    # [edge-tls] case modules above this line
    "tests.policy.kubernetes.ingress_cases",
    "tests.policy.kubernetes.controllers_cases",
    # [edge-ingress] case modules above this line
    # [obs-metrics] case modules above this line
    # [obs-uptime] case modules above this line
    # [obs-logs] case modules above this line
    "tests.policy.observability.alerts_cases",
    "tests.policy.observability.monitoring_cases",
    "tests.policy.observability.logs_cases",
    # [obs-policies] case modules above this line
    "tests.policy.gcp.workload_identity_cases",
)
DELETE = object()
"""In ``mutate``: remove the property."""


@dataclass(frozen=True)
class Case:
    policy: str
    resource_type: str
    props: Mapping[str, Any]
    protect: bool = True
    config: Mapping[str, Any] | None = None
    note: str = ""


def mutate(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``base`` with dotted paths set, or removed with DELETE."""
    props = copy.deepcopy(dict(base))
    for path, value in changes.items():
        *parents, leaf = path.split(".")
        node = props
        for key in parents:
            node = node.setdefault(key, {})
        if value is DELETE:
            node.pop(leaf, None)
        else:
            node[leaf] = value
    return props


def all_cases() -> tuple[list[Case], list[Case]]:
    """(failing, passing) cases of every case module."""
    failing: list[Case] = []
    passing: list[Case] = []
    for name in CASE_MODULES:
        module = importlib.import_module(name)
        failing += module.FAILING
        passing += module.PASSING
    return failing, passing
