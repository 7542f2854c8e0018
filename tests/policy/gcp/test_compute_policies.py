"""Compute policies: every case in-process and through the pack over gRPC, plus the semantics they rest on."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from agencyos_policy import ALL_POLICIES

from agencyos_infra.analyzer import PolicyReport
from agencyos_infra.engine import ProgramRun
from agencyos_infra.wire import SECRET_SIG, SIG_KEY, UNKNOWN
from tests.conftest import single_resource_run, validate_in_process
from tests.policy.cases import Case, mutate
from tests.policy.gcp.compute_cases import (
    ADMIN,
    FAILING,
    FIREWALL_BASELINE,
    FIREWALL_POLICIES,
    PASSING,
    tcp,
)

BY_NAME = {policy.name: policy for policy in ALL_POLICIES}
FIREWALL = "gcp:compute/firewall:Firewall"


def _ids(case: Case) -> str:
    return f"{case.policy}:{case.note}"


def _in_process(case: Case) -> list[str]:
    return validate_in_process(BY_NAME[case.policy], case.props, resource_type=case.resource_type)


@pytest.mark.parametrize("case", FAILING, ids=_ids)
def test_each_violation_fails_in_process(case: Case) -> None:
    assert _in_process(case), case.note


@pytest.mark.parametrize("case", PASSING, ids=_ids)
def test_each_compliant_case_passes_in_process(case: Case) -> None:
    assert _in_process(case) == [], case.note


@pytest.mark.parametrize("case", FAILING, ids=_ids)
def test_each_violation_fails_through_the_pack(case: Case, pack_analyze: Callable[[ProgramRun], PolicyReport]) -> None:
    report = pack_analyze(single_resource_run(case.resource_type, case.props))
    mine = [v for v in report.violations if v.policy == case.policy]
    assert mine, (case.note, report.violations)
    expected = "mandatory" if case.policy != "gcp-compute-subnetwork-private-google-access" else "advisory"
    assert {v.enforcement_level for v in mine} == {expected}
    assert all("can't run policy" not in v.message for v in mine)


@pytest.mark.parametrize("case", PASSING, ids=_ids)
def test_each_compliant_case_passes_through_the_pack(
    case: Case, pack_analyze: Callable[[ProgramRun], PolicyReport]
) -> None:
    report = pack_analyze(single_resource_run(case.resource_type, case.props))
    assert [v for v in report.violations if v.policy == case.policy] == [], case.note


def test_messages_never_echo_property_values() -> None:
    props = mutate(FIREWALL_BASELINE, {"allows": tcp("22"), "sourceRanges": ["0.0.0.0/0", "CANARY-range"]})
    for name in FIREWALL_POLICIES:
        for message in validate_in_process(BY_NAME[name], props, resource_type=FIREWALL):
            assert "CANARY" not in message, message


def test_unknown_sources_are_named_in_the_message() -> None:
    props = mutate(FIREWALL_BASELINE, {"sourceRanges": UNKNOWN})
    [message] = validate_in_process(BY_NAME[ADMIN], props, resource_type=FIREWALL)
    assert message.startswith("sourceRanges is computed and unknown during preview")


def test_secret_values_are_still_judged(pack_analyze: Callable[[ProgramRun], PolicyReport]) -> None:
    props = mutate(
        FIREWALL_BASELINE, {"allows": [{"protocol": "tcp", "ports": [{SIG_KEY: SECRET_SIG, "value": "22"}]}]}
    )
    report = pack_analyze(single_resource_run(FIREWALL, props))
    assert ADMIN in {v.policy for v in report.mandatory}


def test_other_resource_types_are_ignored() -> None:
    for name in FIREWALL_POLICIES:
        assert validate_in_process(BY_NAME[name], {"allows": tcp("22")}, resource_type="gcp:compute/route:Route") == []
