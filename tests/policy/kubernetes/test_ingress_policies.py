"""Ingress and ingress-nginx policies: every resource case in-process and through the pack over gRPC; stack cases
(the security headers) through the stack runner."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from agencyos_policy import ALL_POLICIES, REGISTRY
from agencyos_policy.kubernetes.ingress import header_ok, is_auth_path, rate_per_minute
from pulumi_policy import StackValidationPolicy

from agencyos_infra.analyzer import PolicyReport
from agencyos_infra.engine import ProgramRun
from tests.conftest import single_resource_run, validate_in_process
from tests.policy.cases import Case
from tests.policy.kubernetes import ingress_cases
from tests.policy.stack_cases import STACK, validate_stack_in_process

BY_NAME = {policy.name: policy for policy in ALL_POLICIES}
FAILING = [c for c in ingress_cases.FAILING if c.resource_type != STACK]
PASSING = [c for c in ingress_cases.PASSING if c.resource_type != STACK]
STACK_FAILING = [c for c in ingress_cases.FAILING if c.resource_type == STACK]
STACK_PASSING = [c for c in ingress_cases.PASSING if c.resource_type == STACK]


def _ids(case: Case) -> str:
    return f"{case.policy}:{case.note}"


@pytest.mark.parametrize("case", FAILING, ids=_ids)
def test_each_violation_fails_in_process(case: Case) -> None:
    assert validate_in_process(BY_NAME[case.policy], case.props, resource_type=case.resource_type), case.note


@pytest.mark.parametrize("case", PASSING, ids=_ids)
def test_each_compliant_case_passes_in_process(case: Case) -> None:
    assert validate_in_process(BY_NAME[case.policy], case.props, resource_type=case.resource_type) == [], case.note


@pytest.mark.parametrize("case", FAILING, ids=_ids)
def test_each_violation_fails_through_the_pack(case: Case, pack_analyze: Callable[[ProgramRun], PolicyReport]) -> None:
    report = pack_analyze(single_resource_run(case.resource_type, case.props))
    mine = [v for v in report.violations if v.policy == case.policy]
    assert mine and {v.enforcement_level for v in mine} == {REGISTRY[case.policy].level.value}, (case.note, report)
    assert all("can't run policy" not in v.message for v in mine)


@pytest.mark.parametrize("case", PASSING, ids=_ids)
def test_each_compliant_case_passes_through_the_pack(
    case: Case, pack_analyze: Callable[[ProgramRun], PolicyReport]
) -> None:
    report = pack_analyze(single_resource_run(case.resource_type, case.props))
    assert [v for v in report.violations if v.policy == case.policy] == [], case.note


@pytest.mark.parametrize("case", STACK_FAILING, ids=_ids)
def test_each_stack_violation_fails(case: Case) -> None:
    policy = BY_NAME[case.policy]
    assert isinstance(policy, StackValidationPolicy)
    assert validate_stack_in_process(policy, case.props), case.note


@pytest.mark.parametrize("case", STACK_PASSING, ids=_ids)
def test_each_compliant_stack_passes(case: Case) -> None:
    assert validate_stack_in_process(BY_NAME[case.policy], case.props) == [], case.note


@pytest.mark.parametrize(
    ("annotations", "rate"),
    [
        ({}, None),
        ({"nginx.ingress.kubernetes.io/limit-rpm": "100"}, 100),
        ({"nginx.ingress.kubernetes.io/limit-rps": "1"}, 60),
        ({"nginx.ingress.kubernetes.io/limit-rpm": "100", "nginx.ingress.kubernetes.io/limit-rps": "1"}, 60),
        ({"nginx.ingress.kubernetes.io/limit-rpm": "0"}, None),
        ({"nginx.ingress.kubernetes.io/limit-rpm": "10", "nginx.ingress.kubernetes.io/limit-allowlist": "::/0"}, None),
    ],
)
def test_rate_per_minute(annotations: dict[str, str], rate: float | None) -> None:
    assert rate_per_minute(annotations) == rate


def test_auth_paths_and_headers() -> None:
    assert is_auth_path("/api/auth/login") and is_auth_path("/signin") and not is_auth_path("/authors")
    assert header_ok("X-XSS-Protection", "1;mode=block") and not header_ok("X-XSS-Protection", "0")
    assert header_ok("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
    assert not header_ok("Content-Security-Policy", "script-src 'self'")
