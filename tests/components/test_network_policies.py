"""The NetworkPolicies component in the prod stack: default deny both ways, then only the flows the app needs."""

from __future__ import annotations

from typing import Any

import pytest

from agencyos_infra.engine import CapturedResource, ProgramRun
from components.network_policies import NetworkPoliciesArgs
from components.provider_facts import (
    ACME_HTTP01_SOLVER_LABEL,
    ACME_HTTP01_SOLVER_PORT,
    DNS_PORT,
    HTTPS_PORT,
    POSTGRES_PORT,
    REDIS_PORTS,
)

COMPONENT = "agencyos:workloads:NetworkPolicies"
POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
DATA_TIER = "10.30.0.0/16"  # agencyos-infra:network.privateServicesCidr (default) in prod


def _policies(run: ProgramRun) -> dict[str, dict[str, Any]]:
    return {r.inputs.plain["metadata"]["name"]: r.inputs.plain["spec"] for r in run.of_type(POLICY)}


def _ports(rule: dict[str, Any]) -> set[tuple[str, int]]:
    return {(port["protocol"], port["port"]) for port in rule["ports"]}


def test_everything_is_denied_both_ways_by_default(prod_run: ProgramRun) -> None:
    deny = _policies(prod_run)["default-deny-all"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


def test_the_ingress_controller_reaches_the_workloads_ports(prod_run: ProgramRun) -> None:
    spec = _policies(prod_run)["allow-ingress-controller"]
    [rule] = spec["ingress"]
    [peer] = rule["from"]
    assert peer == {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}
    containers = {
        port["containerPort"]
        for deployment in prod_run.of_type("kubernetes:apps/v1:Deployment")
        for port in deployment.inputs.plain["spec"]["template"]["spec"]["containers"][0]["ports"]
    }
    assert _ports(rule) == {("TCP", port) for port in containers}


def _namespace_peer(namespace: str) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}}}


def test_only_the_ingress_controller_and_prometheus_are_let_in(prod_run: ProgramRun) -> None:
    allowed_in = {
        name: [peer for rule in spec["ingress"] for peer in rule["from"]]
        for name, spec in _policies(prod_run).items()
        if "ingress" in spec
    }
    [monitor] = prod_run.of_type("kubernetes:monitoring.coreos.com/v1:PodMonitor")
    monitoring = monitor.inputs.plain["metadata"]["namespace"]
    assert allowed_in == {
        "allow-ingress-controller": [_namespace_peer("ingress-nginx")],
        "allow-acme-http01-solver": [_namespace_peer("ingress-nginx")],
        "allow-metrics-scrape": [_namespace_peer(monitoring)],
    }


def test_http01_solver_pods_answer_the_ingress_controller_on_the_solver_port(prod_run: ProgramRun) -> None:
    # cert-manager answers the app's Let's Encrypt challenges from pods in the app namespace: without
    # this flow default-deny would fail every HTTP-01 issuance and renewal.
    spec = _policies(prod_run)["allow-acme-http01-solver"]
    label, value = ACME_HTTP01_SOLVER_LABEL
    assert spec["podSelector"] == {"matchLabels": {label: value}}
    [rule] = spec["ingress"]
    assert _ports(rule) == {("TCP", ACME_HTTP01_SOLVER_PORT)}


def test_prometheus_scrapes_the_workloads_ports_from_its_namespace(prod_run: ProgramRun) -> None:
    spec = _policies(prod_run)["allow-metrics-scrape"]
    [rule] = spec["ingress"]
    assert rule["ports"] == _policies(prod_run)["allow-ingress-controller"]["ingress"][0]["ports"]
    [monitor] = prod_run.of_type("kubernetes:monitoring.coreos.com/v1:PodMonitor")
    assert rule["from"] == [_namespace_peer(monitor.inputs.plain["metadata"]["namespace"])]


def test_the_mail_relays_port_is_open_to_public_addresses_only(prod_run: ProgramRun) -> None:
    spec = _policies(prod_run)["allow-smtp-egress"]
    [rule] = spec["egress"]
    assert _ports(rule) == {("TCP", 587)}  # agencyos-infra:workloads.smtp.port in prod
    assert rule["to"] == _policies(prod_run)["allow-https-egress"]["egress"][0]["to"]


def test_egress_is_dns_the_data_tier_metadata_and_public_https_only(prod_run: ProgramRun) -> None:
    policies = _policies(prod_run)
    assert set(policies) == {
        "default-deny-all",
        "allow-ingress-controller",
        "allow-acme-http01-solver",
        "allow-metrics-scrape",
        "allow-dns",
        "allow-data-tier",
        "allow-metadata-server",
        "allow-https-egress",
        "allow-smtp-egress",
    }
    [dns] = policies["allow-dns"]["egress"]
    assert dns["to"][0]["podSelector"] == {"matchLabels": {"k8s-app": "kube-dns"}}
    assert _ports(dns) == {("UDP", DNS_PORT), ("TCP", DNS_PORT)}
    database, cache = policies["allow-data-tier"]["egress"]
    assert database["to"] == cache["to"] == [{"ipBlock": {"cidr": DATA_TIER}}]
    assert _ports(database) == {("TCP", POSTGRES_PORT)}
    assert _ports(cache) == {("TCP", port) for port in REDIS_PORTS}
    metadata = policies["allow-metadata-server"]["egress"]
    assert all(rule["to"][0]["ipBlock"]["cidr"].startswith("169.254.169.") for rule in metadata)
    [https] = policies["allow-https-egress"]["egress"]
    assert _ports(https) == {("TCP", HTTPS_PORT)}
    block = https["to"][0]["ipBlock"]
    assert block["cidr"] == "0.0.0.0/0" and {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"} <= set(block["except"])
    for name, spec in policies.items():
        if name != "default-deny-all":
            assert spec["policyTypes"] == (["Ingress"] if "ingress" in spec else ["Egress"]), name


def test_policies_sit_in_the_app_namespace_on_the_clusters_provider(prod_run: ProgramRun) -> None:
    [component] = prod_run.of_type(COMPONENT)
    [provider] = prod_run.of_type("pulumi:providers:kubernetes")
    policies: list[CapturedResource] = prod_run.of_type(POLICY)
    assert len(policies) == len(_policies(prod_run)) == 9
    for policy in policies:
        assert policy.parent == component.urn and policy.name.startswith("network-policies-"), policy.urn
        assert policy.inputs.plain["metadata"]["namespace"] == "agencyos", policy.urn
        assert policy.inputs.plain["metadata"]["labels"]["managed-by"] == "pulumi", policy.urn
        assert policy.provider_urn == provider.urn, policy.urn


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"ingress_namespace": ""}, "ingress_namespace is required"),
        ({"ports": {}}, "at least one workload"),
        ({"data_tier_cidr": "8.8.8.0/24"}, "private range"),
        ({"data_tier_cidr": "10.30.0.5/16"}, "must be a CIDR"),
        ({"data_tier_cidr": "0.0.0.0/0"}, "private range"),
        ({"data_tier_cidr": "not-a-cidr"}, "must be a CIDR"),
    ],
)
def test_invalid_args_are_rejected(override: dict[str, Any], expected: str) -> None:
    base: dict[str, Any] = {
        "namespace": "agencyos",
        "labels": {},
        "ingress_namespace": "ingress-nginx",
        "ports": {"backend": 8000},
        "data_tier_cidr": DATA_TIER,
    }
    with pytest.raises(ValueError, match=expected):
        NetworkPoliciesArgs(**{**base, **override})
