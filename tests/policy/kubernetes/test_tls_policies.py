"""TLS and Helm policies: resource cases in-process and through the pack over gRPC, stack cases as AnalyzeStack."""

from __future__ import annotations

import pytest
from agencyos_policy import REGISTRY
from agencyos_policy.kubernetes.helm import version_problem
from agencyos_policy.kubernetes.tls import covers

from tests.conftest import validate_in_process
from tests.policy.kubernetes import helm_cases, tls_cases
from tests.policy.runners import BY_NAME, ResourceCaseSuite, StackCaseSuite
from tests.policy.stack_cases import STACK

ALL_FAILING = [*tls_cases.FAILING, *helm_cases.FAILING]
ALL_PASSING = [*tls_cases.PASSING, *helm_cases.PASSING]
FAILING = [c for c in ALL_FAILING if c.resource_type != STACK]
PASSING = [c for c in ALL_PASSING if c.resource_type != STACK]
STACK_FAILING = [c for c in ALL_FAILING if c.resource_type == STACK]
STACK_PASSING = [c for c in ALL_PASSING if c.resource_type == STACK]


def test_levels_and_items() -> None:
    assert {name: (REGISTRY[name].level.value, REGISTRY[name].item.id) for name in {c.policy for c in ALL_FAILING}} == {
        "kubernetes-networking-ingress-tls": ("mandatory", "5.let-s-encrypt-free-option.3"),
        "kubernetes-networking-ingress-letsencrypt-issuer": ("mandatory", "5.let-s-encrypt-free-option.2"),
        "kubernetes-helm-release-pinned-chart": ("mandatory", "post-launch-maintenance.weekly.3"),
        "kubernetes-helm-release-cert-manager-crds": ("advisory", "5.let-s-encrypt-free-option.1"),
    }


class TestCases(ResourceCaseSuite, StackCaseSuite):
    FAILING = FAILING
    PASSING = PASSING
    STACK_FAILING = STACK_FAILING
    STACK_PASSING = STACK_PASSING


def test_messages_never_echo_hosts_or_values() -> None:
    [case] = [c for c in tls_cases.FAILING if c.note == "a host not covered"]
    messages = validate_in_process(BY_NAME[case.policy], case.props, resource_type=case.resource_type)
    assert messages and not any("example.com" in m for m in messages)


@pytest.mark.parametrize(
    ("pattern", "host", "expected"),
    [
        ("app.example.com", "APP.example.com.", True),
        ("*.example.com", "app.example.com", True),
        ("*.example.com", "example.com", False),
        ("*.example.com", "a.b.example.com", False),
        (None, "app.example.com", False),
    ],
)
def test_covers(pattern: object, host: str, expected: bool) -> None:
    assert covers(pattern, host) is expected


@pytest.mark.parametrize(("version", "pinned"), [("v1.19.4", True), ("4.14.1", True), ("1.x", False), ("", False)])
def test_version_problem(version: str, pinned: bool) -> None:
    assert (version_problem(version) is None) is pinned
