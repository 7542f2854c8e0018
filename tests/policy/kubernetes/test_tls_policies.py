"""TLS and Helm policies: resource cases in-process and through the pack over gRPC, stack cases as AnalyzeStack."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from agencyos_policy import ALL_POLICIES, REGISTRY
from agencyos_policy.kubernetes.helm import version_problem
from agencyos_policy.kubernetes.tls import covers
from pulumi_policy import StackValidationPolicy

from agencyos_infra.analyzer import PolicyReport
from agencyos_infra.engine import ProgramRun
from tests.conftest import single_resource_run, validate_in_process
from tests.policy.cases import Case
from tests.policy.kubernetes import helm_cases, tls_cases
from tests.policy.stack_cases import STACK, validate_stack_in_process

BY_NAME = {policy.name: policy for policy in ALL_POLICIES}
ALL_FAILING = [*tls_cases.FAILING, *helm_cases.FAILING]
ALL_PASSING = [*tls_cases.PASSING, *helm_cases.PASSING]
FAILING = [c for c in ALL_FAILING if c.resource_type != STACK]
PASSING = [c for c in ALL_PASSING if c.resource_type != STACK]
STACK_FAILING = [c for c in ALL_FAILING if c.resource_type == STACK]
STACK_PASSING = [c for c in ALL_PASSING if c.resource_type == STACK]


def _ids(case: Case) -> str:
    return f"{case.policy}:{case.note}"


def test_levels_and_items() -> None:
    assert {name: (REGISTRY[name].level.value, REGISTRY[name].item.id) for name in {c.policy for c in ALL_FAILING}} == {
        "kubernetes-networking-ingress-tls": ("mandatory", "5.let-s-encrypt-free-option.3"),
        "kubernetes-networking-ingress-letsencrypt-issuer": ("mandatory", "5.let-s-encrypt-free-option.2"),
        "kubernetes-helm-release-pinned-chart": ("mandatory", "post-launch-maintenance.weekly.3"),
    }


@pytest.mark.parametrize("case", FAILING, ids=_ids)
def test_each_violation_fails_through_the_pack(case: Case, pack_analyze: Callable[[ProgramRun], PolicyReport]) -> None:
    report = pack_analyze(single_resource_run(case.resource_type, case.props))
    mine = [v for v in report.violations if v.policy == case.policy]
    assert mine and {v.enforcement_level for v in mine} == {REGISTRY[case.policy].level.value}, case.note
    assert all("can't run policy" not in v.message for v in mine)


@pytest.mark.parametrize("case", PASSING, ids=_ids)
def test_each_compliant_case_passes_through_the_pack(
    case: Case, pack_analyze: Callable[[ProgramRun], PolicyReport]
) -> None:
    report = pack_analyze(single_resource_run(case.resource_type, case.props))
    assert [v for v in report.violations if v.policy == case.policy] == [], case.note


@pytest.mark.parametrize("case", FAILING, ids=_ids)
def test_each_violation_fails_in_process(case: Case) -> None:
    assert validate_in_process(BY_NAME[case.policy], case.props, resource_type=case.resource_type), case.note


@pytest.mark.parametrize("case", STACK_FAILING, ids=_ids)
def test_each_stack_violation_fails(case: Case) -> None:
    policy = BY_NAME[case.policy]
    assert isinstance(policy, StackValidationPolicy)
    assert validate_stack_in_process(policy, case.props), case.note


@pytest.mark.parametrize("case", STACK_PASSING, ids=_ids)
def test_each_compliant_stack_passes(case: Case) -> None:
    assert validate_stack_in_process(BY_NAME[case.policy], case.props) == [], case.note


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
