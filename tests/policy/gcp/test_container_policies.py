"""GKE policies: every case in-process and through the pack over gRPC, plus the semantics they rest on."""

from __future__ import annotations

from typing import Any

import pytest

from agencyos_infra.wire import SECRET_SIG, SIG_KEY, UNKNOWN
from tests.conftest import single_resource_run, validate_in_process
from tests.policy.cases import DELETE, mutate
from tests.policy.gcp.container_cases import (
    ACCOUNT,
    ADVISORY,
    AUTOPILOT_BASELINE,
    CLUSTER,
    CLUSTER_BASELINE,
    CONTAINER,
    DEFAULT_ACCOUNT,
    FAILING,
    MAN,
    NODE_POOL,
    PASSING,
    PRIVATE,
    VIOLATIONS,
)
from tests.policy.runners import BY_NAME, PackAnalyze, ResourceCaseSuite, failures


def failing(props: dict[str, Any], resource_type: str = CLUSTER, *, protect: bool = True) -> set[str]:
    return set(failures(CONTAINER, props, resource_type=resource_type, protect=protect))


def test_the_pack_registers_the_container_policies_at_their_levels() -> None:
    assert len(CONTAINER) == 11
    for name in CONTAINER:
        expected = "advisory" if name in ADVISORY else "mandatory"
        assert BY_NAME[name].enforcement_level.value == expected, name


class TestCases(ResourceCaseSuite):
    FAILING = FAILING
    PASSING = PASSING

    @staticmethod
    def level(policy: str) -> str:
        return "advisory" if policy in ADVISORY else "mandatory"


@pytest.mark.parametrize(
    ("policy", "type_", "base", "changes"),
    VIOLATIONS,
    ids=[f"{v[0]}:{v[1].rsplit(':')[-1]} {v[3]}" for v in VIOLATIONS],
)
def test_each_change_fails_only_its_own_policy(
    policy: str, type_: str, base: dict[str, Any], changes: dict[str, Any]
) -> None:
    # One property per case: the other policies still pass (a few changes reach two rules by design).
    overlaps = {
        ACCOUNT: {"gcp-container-cluster-workload-identity", "gcp-container-nodepool-secure-boot"},
    }
    assert policy in failing(mutate(base, changes), type_)
    assert failing(mutate(base, changes), type_) - {policy} <= overlaps.get(policy, set())


def test_autopilot_meets_the_rules_it_implies() -> None:
    bare = {"enableAutopilot": True, "privateClusterConfig": {"enablePrivateNodes": True}}
    # Workload Identity, shielded nodes, secure boot, Dataplane V2, a channel and RBAC come with Autopilot.
    assert failing(bare) == {MAN, ACCOUNT, "gcp-container-cluster-maintenance-window"}
    # ...but not if a program asks for what Autopilot refuses anyway: its node account is still judged.
    assert ACCOUNT in failing(mutate(AUTOPILOT_BASELINE, {"clusterAutoscaling": {}}))


def test_absent_properties_mean_the_provider_defaults() -> None:
    bare: dict[str, Any] = {"location": "us-central1", "initialNodeCount": 1}
    assert failing(bare) == set(CONTAINER) - {
        "gcp-container-cluster-shielded-nodes",  # enableShieldedNodes defaults to true
        "gcp-container-cluster-no-legacy-abac",  # enableLegacyAbac defaults to false
        "gcp-container-cluster-deletion-protection",  # deletionProtection defaults to true
    }


def test_removed_default_pool_is_not_judged_but_managed_pools_are() -> None:
    cluster = mutate(CLUSTER_BASELINE, {"removeDefaultNodePool": True, "nodeConfig.serviceAccount": DELETE})
    assert ACCOUNT not in failing(cluster)
    assert ACCOUNT in failing({"nodeConfig": {"machineType": "e2-small"}}, NODE_POOL)


def test_messages_never_echo_property_values() -> None:
    props = mutate(
        CLUSTER_BASELINE,
        {
            "masterAuthorizedNetworksConfig.cidrBlocks": [{"cidrBlock": "CANARY-1"}],
            "nodeConfig.serviceAccount": "CANARY-2-compute@developer.gserviceaccount.com",
            "releaseChannel.channel": "CANARY-3",
            "workloadIdentityConfig.workloadPool": "CANARY-4",
        },
    )
    for name in CONTAINER:
        for message in validate_in_process(BY_NAME[name], props, resource_type=CLUSTER):
            assert "CANARY" not in message, message


def test_unknown_values_are_named_in_the_message() -> None:
    props = mutate(CLUSTER_BASELINE, {"privateClusterConfig.enablePrivateNodes": UNKNOWN})
    [message] = validate_in_process(BY_NAME[PRIVATE], props, resource_type=CLUSTER)
    assert message.startswith(
        "Undetermined: privateClusterConfig.enablePrivateNodes is computed and unknown during preview"
    )


def test_secret_values_are_still_judged(pack_analyze: PackAnalyze) -> None:
    props = mutate(
        CLUSTER_BASELINE,
        {"nodeConfig.serviceAccount": {SIG_KEY: SECRET_SIG, "value": DEFAULT_ACCOUNT}},
    )
    report = pack_analyze(single_resource_run(CLUSTER, props))
    assert ACCOUNT in {v.policy for v in report.mandatory}


def test_other_resource_types_are_ignored() -> None:
    for name in CONTAINER:
        assert validate_in_process(BY_NAME[name], {}, resource_type="gcp:container/registry:Registry") == []
