"""Cloud Storage policies: compliant buckets and grants pass; each public or short-lived setting fails its policy.

In-process through the SDK's unknown-checking proxy, then through the pack process over gRPC.
"""

from __future__ import annotations

from typing import Any

import pytest
from agencyos_policy.registry import REGISTRY
from pulumi_policy import PolicyCustomTimeouts, PolicyResourceOptions, ResourceValidationArgs

from agencyos_infra.wire import UNKNOWN
from tests.conftest import single_resource_run
from tests.policy.cases import DELETE, mutate
from tests.policy.gcp.storage_cases import BACKUPS, BUCKET, MEMBER, PASSES, UPLOADS, VIOLATIONS
from tests.policy.runners import PackAnalyze, by_prefix, failures

BY_NAME = by_prefix("gcp-storage-")


def failing(props: dict[str, Any], resource_type: str = BUCKET) -> dict[str, list[str]]:
    return failures(BY_NAME, props, resource_type=resource_type)


@pytest.mark.parametrize("props", [UPLOADS, BACKUPS], ids=["uploads", "backups"])
def test_compliant_buckets_pass(props: dict[str, Any]) -> None:
    assert failing(props) == {}


@pytest.mark.parametrize(("policy", "resource_type", "props"), VIOLATIONS, ids=lambda v: str(v)[:60])
def test_each_violation_fails_its_policy_alone(policy: str, resource_type: str, props: dict[str, Any]) -> None:
    assert set(failing(props, resource_type)) == {policy}


@pytest.mark.parametrize(("policy", "resource_type", "props"), PASSES, ids=lambda v: str(v)[:60])
def test_compliant_alternatives_pass(policy: str, resource_type: str, props: dict[str, Any]) -> None:
    assert failing(props, resource_type) == {}


@pytest.mark.parametrize(
    "path",
    ["uniformBucketLevelAccess", "publicAccessPrevention", "retentionPolicy.retentionPeriod"],
)
def test_unknown_bucket_settings_cannot_pass(path: str) -> None:
    messages = [m for ms in failing(mutate(BACKUPS, {path: UNKNOWN})).values() for m in ms]
    assert any("unknown during preview" in m for m in messages), messages


def test_a_computed_member_is_a_resource_identity_not_a_public_principal() -> None:
    props = {"bucket": "b", "role": "roles/storage.objectCreator", "member": UNKNOWN}
    assert failing(props, MEMBER) == {}


def test_an_auto_named_backups_bucket_is_recognised_by_its_logical_name() -> None:
    spec = REGISTRY["gcp-storage-bucket-backup-retention"]
    props = mutate(BACKUPS, {"name": DELETE, "labels": DELETE, "retentionPolicy": DELETE})
    messages: list[str] = []
    for logical, expected in (("nightly-backups", True), ("assets", False)):
        messages.clear()
        args = ResourceValidationArgs(
            BUCKET,
            props,
            f"urn:pulumi:test::test::{BUCKET}::{logical}",
            logical,
            PolicyResourceOptions(True, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None),
            None,
            None,
        )
        spec.validate(args, lambda message, urn=None: messages.append(message))
        assert bool(messages) is expected, logical


def test_other_resource_types_are_ignored() -> None:
    assert failing({"name": "x"}, "gcp:storage/managedFolder:ManagedFolder") == {}


# --- through the pack over gRPC ------------------------------------------------------------------


@pytest.mark.parametrize(("policy", "resource_type", "props"), VIOLATIONS, ids=lambda v: str(v)[:60])
def test_grpc_each_violation_is_mandatory(
    pack_analyze: PackAnalyze, policy: str, resource_type: str, props: dict[str, Any]
) -> None:
    report = pack_analyze(single_resource_run(resource_type, props))
    # Other packs' IAM rules may judge the same grant too: this policy must be among the mandatory ones.
    mine = [v for v in report.mandatory if v.policy == policy]
    assert len(mine) == 1 and mine[0].checklist_item


@pytest.mark.parametrize(("policy", "resource_type", "props"), PASSES, ids=lambda v: str(v)[:60])
def test_grpc_compliant_resources_pass(
    pack_analyze: PackAnalyze, policy: str, resource_type: str, props: dict[str, Any]
) -> None:
    assert pack_analyze(single_resource_run(resource_type, props)).violations == []
