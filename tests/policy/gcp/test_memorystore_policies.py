"""Memorystore for Redis policies: a compliant baseline passes; each change of one property fails its policy.

In-process through the SDK's unknown-checking proxy, then through the pack process over gRPC.
"""

from __future__ import annotations

from typing import Any

import pytest

from agencyos_infra.wire import SECRET_SIG, SIG_KEY, UNKNOWN
from tests.conftest import single_resource_run, validate_in_process
from tests.policy.cases import mutate
from tests.policy.gcp.memorystore_cases import BASELINE, COMPLIANT_CHANGES, INSTANCE, VIOLATIONS
from tests.policy.runners import PackAnalyze, by_prefix, failures

BY_NAME = by_prefix("gcp-redis-")


def failing(props: dict[str, Any], *, protect: bool = True, resource_type: str = INSTANCE) -> dict[str, list[str]]:
    return failures(BY_NAME, props, resource_type=resource_type, protect=protect)


def test_baseline_is_compliant() -> None:
    assert failing(BASELINE) == {}


@pytest.mark.parametrize(("policy", "changes"), VIOLATIONS, ids=lambda v: str(v))
def test_each_violation_fails_its_policy_alone(policy: str, changes: dict[str, Any]) -> None:
    failures = failing(mutate(BASELINE, changes))
    assert set(failures) == {policy}, failures


@pytest.mark.parametrize("changes", COMPLIANT_CHANGES, ids=str)
def test_compliant_defaults_and_alternatives_pass(changes: dict[str, Any]) -> None:
    assert failing(mutate(BASELINE, changes)) == {}


def test_pulumi_protect_is_read_from_the_resource_options() -> None:
    assert set(failing(BASELINE, protect=False)) == {"gcp-redis-instance-pulumi-protect"}


MANDATORY_FIELDS = [
    ("gcp-redis-instance-minimum-version", "redisVersion"),
    ("gcp-redis-instance-minimum-memory", "memorySizeGb"),
    ("gcp-redis-instance-persistence", "persistenceConfig.persistenceMode"),
    ("gcp-redis-instance-auth-enabled", "authEnabled"),
    ("gcp-redis-instance-eviction-policy", "redisConfigs.maxmemory-policy"),
    ("gcp-redis-instance-maxmemory", "redisConfigs.maxmemory-gb"),
    ("gcp-redis-instance-high-availability", "tier"),
    ("gcp-redis-instance-deletion-protection", "deletionProtection"),
]


@pytest.mark.parametrize(("policy", "path"), MANDATORY_FIELDS)
def test_unknown_values_cannot_pass_a_mandatory_policy(policy: str, path: str) -> None:
    messages = failing(mutate(BASELINE, {path: UNKNOWN})).get(policy, [])
    assert any("unknown during preview" in m for m in messages), messages


def test_an_unknown_memory_size_cannot_prove_the_maxmemory_share() -> None:
    assert "gcp-redis-instance-maxmemory" in failing(mutate(BASELINE, {"memorySizeGb": UNKNOWN}))


def test_advisory_policies_let_unknown_values_pass() -> None:
    assert failing(mutate(BASELINE, {"transitEncryptionMode": UNKNOWN})) == {}


def test_other_resource_types_are_ignored() -> None:
    assert failing({}, resource_type="gcp:redis/cluster:Cluster") == {}


@pytest.mark.parametrize(
    "changes",
    [{"redisVersion": "CANARY-1"}, {"tier": "CANARY-2"}, {"redisConfigs.maxmemory-policy": "CANARY-3"}],
)
def test_messages_never_echo_property_values(changes: dict[str, Any]) -> None:
    for messages in failing(mutate(BASELINE, changes)).values():
        assert not any("CANARY" in message for message in messages), messages


def test_policy_config_changes_the_memory_floor() -> None:
    policy = BY_NAME["gcp-redis-instance-minimum-memory"]
    assert validate_in_process(policy, BASELINE, resource_type=INSTANCE, config={"minMemoryGb": 8})
    assert not validate_in_process(policy, BASELINE, resource_type=INSTANCE, config={"minMemoryGb": 2})


# --- through the pack over gRPC ------------------------------------------------------------------


def test_grpc_baseline_passes(pack_analyze: PackAnalyze) -> None:
    assert pack_analyze(single_resource_run(INSTANCE, BASELINE)).violations == []


@pytest.mark.parametrize(("policy", "changes"), VIOLATIONS, ids=lambda v: str(v))
def test_grpc_each_violation_is_reported_with_its_level_and_item(
    pack_analyze: PackAnalyze, policy: str, changes: dict[str, Any]
) -> None:
    report = pack_analyze(single_resource_run(INSTANCE, mutate(BASELINE, changes)))
    assert [v.policy for v in report.violations] == [policy]
    [violation] = report.violations
    assert violation.enforcement_level == BY_NAME[policy].enforcement_level.value
    assert violation.checklist_item


def test_grpc_unknowns_stay_mandatory(pack_analyze: PackAnalyze) -> None:
    report = pack_analyze(single_resource_run(INSTANCE, mutate(BASELINE, {"authEnabled": UNKNOWN})))
    assert [v.policy for v in report.mandatory] == ["gcp-redis-instance-auth-enabled"]
    assert "can't run policy" not in report.mandatory[0].message


def test_grpc_secret_values_are_still_judged(pack_analyze: PackAnalyze) -> None:
    props = mutate(BASELINE, {"tier": {SIG_KEY: SECRET_SIG, "value": "BASIC"}})
    report = pack_analyze(single_resource_run(INSTANCE, props))
    assert [v.policy for v in report.mandatory] == ["gcp-redis-instance-high-availability"]
