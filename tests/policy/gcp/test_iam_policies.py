"""IAM policies: every case in-process and through the pack over gRPC; IAM types are matched as a family."""

from __future__ import annotations

import pickle

import pytest
from agencyos_policy.gcp.iam import HIERARCHY_IAM_RESOURCES, IAM_RESOURCES, TypeFamily

from tests.conftest import validate_in_process
from tests.policy.gcp.iam_cases import BASIC, FAILING, KEY, PASSING, PROJECT_MEMBER, member
from tests.policy.runners import BY_NAME, ResourceCaseSuite

LEVELS = {BASIC: "mandatory", KEY: "advisory", "gcp-iam-grant-no-project-secret-access": "advisory"}


class TestCases(ResourceCaseSuite):
    FAILING = FAILING
    PASSING = PASSING
    level = staticmethod(LEVELS.__getitem__)


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
