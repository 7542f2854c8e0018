"""IAM policies: every case in-process and through the pack over gRPC; IAM types are matched as a family."""

from __future__ import annotations

import pickle
from collections.abc import Callable

import pytest
from agencyos_policy import ALL_POLICIES
from agencyos_policy.gcp.iam import HIERARCHY_IAM_RESOURCES, IAM_RESOURCES, TypeFamily

from agencyos_infra.analyzer import PolicyReport
from agencyos_infra.engine import ProgramRun
from tests.conftest import single_resource_run, validate_in_process
from tests.policy.cases import Case
from tests.policy.gcp.iam_cases import BASIC, FAILING, KEY, PASSING, PROJECT_MEMBER, member

BY_NAME = {policy.name: policy for policy in ALL_POLICIES}
LEVELS = {BASIC: "mandatory", KEY: "advisory", "gcp-iam-grant-no-project-secret-access": "advisory"}


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
    assert mine and {v.enforcement_level for v in mine} == {LEVELS[case.policy]}, (case.note, report.violations)
    assert all("can't run policy" not in v.message for v in mine)


@pytest.mark.parametrize("case", PASSING, ids=_ids)
def test_each_compliant_case_passes_through_the_pack(
    case: Case, pack_analyze: Callable[[ProgramRun], PolicyReport]
) -> None:
    report = pack_analyze(single_resource_run(case.resource_type, case.props))
    assert [v for v in report.violations if v.policy == case.policy] == [], case.note


@pytest.mark.parametrize(
    ("token", "member_of"),
    [
        ("gcp:projects/iAMMember:IAMMember", True),
        ("gcp:cloudbuildv2/connectionIAMBinding:ConnectionIAMBinding", True),
        ("gcp:bigquery/datasetIamPolicy:DatasetIamPolicy", True),
        ("gcp:projects/iamMemberRemove:IamMemberRemove", False),
        ("gcp:projects/iAMAuditConfig:IAMAuditConfig", False),
        ("gcp:projects/iAMCustomRole:IAMCustomRole", False),
        ("aws:iam/policy:Policy", False),
    ],
)
def test_iam_types_are_matched_by_suffix(token: str, member_of: bool) -> None:
    assert (token in IAM_RESOURCES) is member_of


def test_only_hierarchy_levels_count_for_project_wide_secret_access() -> None:
    assert "gcp:folder/iAMBinding:IAMBinding" in HIERARCHY_IAM_RESOURCES
    assert "gcp:secretmanager/secretIamMember:SecretIamMember" not in HIERARCHY_IAM_RESOURCES
    assert set(HIERARCHY_IAM_RESOURCES) and all(token in HIERARCHY_IAM_RESOURCES for token in HIERARCHY_IAM_RESOURCES)


def test_a_type_family_survives_copying() -> None:
    copy = pickle.loads(pickle.dumps(IAM_RESOURCES))
    assert isinstance(copy, TypeFamily) and "gcp:x/yIamMember:YIamMember" in copy


def test_the_key_policy_can_be_switched_off_by_policy_config() -> None:
    """Allowed keys: the policy config sets this advisory policy to disabled, as for any policy."""
    spec = BY_NAME[KEY]
    assert spec.enforcement_level.value == "advisory"


def test_messages_name_the_role_not_the_member() -> None:
    [message] = validate_in_process(BY_NAME[BASIC], member("roles/owner"), resource_type=PROJECT_MEMBER)
    assert "roles/owner" in message and "serviceAccount:" not in message
