"""The Cluster component: secure defaults, names, parenting, protection, the secret kubeconfig, both modes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from agencyos_infra.engine import CapturedResource, ProgramRun, run_program
from agencyos_infra.stackconfig import load_stack_config
from components.cluster import NODE_ROLES, ClusterArgs, ClusterSpec
from stacks.settings import NAMESPACE, SettingsError, settings_from_config
from tests.conftest import REPO, run_repo_stack

COMPONENT = "agencyos:cluster:Cluster"
GKE = "gcp:container/cluster:Cluster"
POOL = "gcp:container/nodePool:NodePool"
PROVIDER = "pulumi:providers:kubernetes"
VALID = {
    "gcp:project": "agencyos-prod",
    "gcp:region": "us-central1",
    f"{NAMESPACE}:environment": "production",
    f"{NAMESPACE}:namePrefix": "agencyos-prod",
}


def _one(run: ProgramRun, type_: str) -> CapturedResource:
    [resource] = run.of_type(type_)
    return resource


def test_cluster_is_private_and_hardened(prod_run: ProgramRun) -> None:
    cluster = _one(prod_run, GKE)
    props = cluster.inputs.plain
    assert props["name"] == "agencyos-prod-gke" and props["location"] == "us-central1", cluster.urn
    assert props["privateClusterConfig"]["enablePrivateNodes"] is True, cluster.urn
    assert props["masterAuthorizedNetworksConfig"]["cidrBlocks"] == [
        {"cidrBlock": "203.0.113.0/24", "displayName": "admin-0"}
    ], cluster.urn  # the network's admin CIDRs, reused
    assert props["masterAuthorizedNetworksConfig"]["gcpPublicCidrsAccessEnabled"] is False, cluster.urn
    assert props["workloadIdentityConfig"]["workloadPool"] == "agencyos-prod.svc.id.goog", cluster.urn
    assert props["enableShieldedNodes"] is True and props["enableLegacyAbac"] is False, cluster.urn
    assert props["datapathProvider"] == "ADVANCED_DATAPATH", cluster.urn
    assert props["releaseChannel"]["channel"] == "REGULAR", cluster.urn
    assert props["maintenancePolicy"]["recurringWindow"]["recurrence"] == "FREQ=WEEKLY;BYDAY=SA,SU", cluster.urn
    assert set(props["loggingConfig"]["enableComponents"]) == {"SYSTEM_COMPONENTS", "WORKLOADS"}, cluster.urn
    assert props["monitoringConfig"]["managedPrometheus"]["enabled"] is True, cluster.urn
    assert props["deletionProtection"] is True and cluster.protect, cluster.urn
    assert props["removeDefaultNodePool"] is True, cluster.urn
    assert props["resourceLabels"]["managed-by"] == "pulumi", cluster.urn
    ranges = props["ipAllocationPolicy"]
    assert (ranges["clusterSecondaryRangeName"], ranges["servicesSecondaryRangeName"]) == (
        "agencyos-prod-pods",
        "agencyos-prod-services",
    )


def test_node_pool_autoscales_repairs_upgrades_and_runs_as_its_own_account(prod_run: ProgramRun) -> None:
    pool = _one(prod_run, POOL)
    props = pool.inputs.plain
    assert props["name"] == "agencyos-prod-nodes", pool.urn
    assert props["autoscaling"] == {"minNodeCount": 1, "maxNodeCount": 5}, pool.urn
    assert props["management"] == {"autoRepair": True, "autoUpgrade": True}, pool.urn
    node = props["nodeConfig"]
    assert node["serviceAccount"] == "agencyos-prod-gke-node@agencyos-prod.iam.gserviceaccount.com", pool.urn
    assert node["shieldedInstanceConfig"] == {"enableSecureBoot": True, "enableIntegrityMonitoring": True}
    assert node["workloadMetadataConfig"]["mode"] == "GKE_METADATA", pool.urn
    assert node["tags"] == ["agencyos-prod-gke-node"], pool.urn  # the firewall's node tag
    assert node["resourceLabels"]["environment"] == "production", pool.urn
    account = next(
        r for r in prod_run.of_type("gcp:serviceaccount/account:Account") if r.name == "cluster-node-account"
    )
    grants = [r for r in prod_run.of_type("gcp:projects/iAMMember:IAMMember") if r.name.startswith("cluster-node-")]
    assert {g.inputs.plain["role"] for g in grants} == set(NODE_ROLES)
    for grant in grants:
        assert grant.inputs.plain["member"] == f"serviceAccount:{node['serviceAccount']}", grant.urn
        assert grant.urn in pool.dependencies, pool.urn  # roles before nodes
    assert account.inputs.plain["accountId"] == "agencyos-prod-gke-node"


def test_children_are_named_parented_and_ordered(prod_run: ProgramRun) -> None:
    [component] = prod_run.of_type(COMPONENT)
    children = [r for r in prod_run.resources if r.parent == component.urn]
    assert {r.name for r in children} >= {"cluster-gke", "cluster-nodes", "cluster-node-account", "cluster-kubernetes"}
    services = {r.urn for r in prod_run.of_type("gcp:projects/service:Service")}
    for child in children:
        assert child.urn == f"urn:pulumi:prod::agencyos-infra::{COMPONENT}${child.type}::{child.name}"
        assert services <= set(child.dependencies), child.urn
    assert component.dependencies and any("network:Network" in d for d in component.dependencies)


def test_the_provider_kubeconfig_is_secret_and_uses_the_auth_plugin() -> None:
    run = run_repo_stack("prod")  # up mode: outputs get values, so the kubeconfig renders
    assert run.error is None, run.error
    provider = _one(run, PROVIDER)
    assert "kubeconfig" in provider.inputs.secret_paths, provider.urn
    text = provider.inputs.plain["kubeconfig"]
    assert "gke-gcloud-auth-plugin" in text and "token" not in text and "password" not in text


def test_preview_keeps_the_kubeconfig_secret() -> None:
    run = run_repo_stack("prod", preview=True)
    assert run.error is None, run.error
    assert "kubeconfig" in _one(run, PROVIDER).inputs.secret_paths
    assert run.stack_outputs.plain["workloadIdentityPool"] == "agencyos-prod.svc.id.goog"


EXISTING = {
    f"{NAMESPACE}:cluster": json.dumps({"existingKubeconfigSecret": True, "existingClusterName": "shared"}),
    f"{NAMESPACE}:kubeconfig": "apiVersion: v1\nkind: Config\n",
}


def _run_existing(*, secret: bool) -> ProgramRun:
    loaded = load_stack_config(REPO, "prod")
    secret_keys = [*loaded.secret_keys, *([f"{NAMESPACE}:kubeconfig"] if secret else [])]
    return run_program(
        isolated=False,
        program_dir=loaded.program_dir,
        project=loaded.project,
        stack="prod",
        config={**loaded.config, **EXISTING},
        secret_keys=secret_keys,
        preview=False,
    )


def test_an_existing_cluster_creates_no_cluster() -> None:
    run = _run_existing(secret=True)
    assert run.error is None, run.error
    assert run.of_type(GKE) == [] and run.of_type(POOL) == []
    provider = _one(run, PROVIDER)
    assert "kubeconfig" in provider.inputs.secret_paths, provider.urn
    assert run.stack_outputs.plain["clusterName"] == "shared"


def test_an_existing_kubeconfig_must_be_a_secret() -> None:
    run = _run_existing(secret=False)
    assert run.error is not None and "must be a secret" in str(run.error)


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"adminCidrs": ["0.0.0.0/0"]}, "not the whole internet"),
        ({"adminCidrs": ["::/0"]}, "not the whole internet"),
        ({"minNodes": 4, "maxNodes": 2}, "minNodes must not exceed maxNodes"),
        ({"existingKubeconfigSecret": True}, "existingClusterName is required"),
        ({"existingClusterName": "x"}, "only used with existingKubeconfigSecret"),
        ({"maintenanceDays": ["SU"], "maintenanceHours": 4}, "at least 48 hours"),
        ({"maintenanceDays": ["Sunday"]}, "MO, TU"),
        ({"releaseChannel": "UNSPECIFIED"}, "RAPID"),
        ({"kubernetesMinorVersion": "1.3\u0661"}, "pattern"),
        ({"surprise": 1}, "Extra inputs"),
    ],
)
def test_invalid_spec_is_rejected(override: dict[str, Any], expected: str) -> None:
    with pytest.raises(ValidationError, match=expected):
        ClusterSpec.model_validate(override)


def test_settings_refuse_a_kubeconfig_without_an_existing_cluster_and_vice_versa() -> None:
    with pytest.raises(SettingsError, match=rf"{NAMESPACE}:kubeconfig \(string\): only used"):
        settings_from_config({**VALID, f"{NAMESPACE}:kubeconfig": "CANARY"})
    existing = json.dumps({"existingKubeconfigSecret": True, "existingClusterName": "shared"})
    with pytest.raises(SettingsError, match=r"kubeconfig \(string\): required"):
        settings_from_config({**VALID, f"{NAMESPACE}:cluster": existing})


def test_staging_keeps_the_topology_with_fewer_nodes() -> None:
    prod = settings_from_config(load_stack_config(REPO, "prod").config).cluster
    staging = settings_from_config(load_stack_config(REPO, "staging").config).cluster
    sizes = {"machine_type", "max_nodes"}
    assert prod.model_dump(exclude=sizes) == staging.model_dump(exclude=sizes)
    assert staging.max_nodes < prod.max_nodes


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"name_prefix": "Bad_Prefix"}, "name_prefix must be"),
        ({"network": None}, "network required"),
        ({"admin_cidrs": ("0.0.0.0/0",)}, "must not contain"),
        ({"name_prefix": "a-very-long-prefix-for-gke"}, "too long"),
        ({"spec": ClusterSpec(existing_kubeconfig_secret=True, existing_cluster_name="x")}, "existing_kubeconfig"),
    ],
)
def test_invalid_args_are_rejected(override: dict[str, Any], expected: str) -> None:
    base: dict[str, Any] = {
        "name_prefix": "agencyos-test",
        "project": "p",
        "region": "us-central1",
        "labels": {},
        "network": "vpc",
        "subnetwork": "subnet",
        "pods_range_name": "pods",
        "services_range_name": "services",
        "node_tag": "node",
    }
    with pytest.raises(ValueError, match=expected):
        ClusterArgs(**{**base, **override})
