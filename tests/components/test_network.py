"""The Network component: private by default, firewall as the checklist asks, names, parenting, args."""

from __future__ import annotations

from typing import Any

import pytest
from agencyos_checklist.numbers import FIREWALL_HTTP_PORT, FIREWALL_HTTPS_PORT
from pydantic import ValidationError

from agencyos_infra.engine import CapturedResource, ProgramRun
from components.network import (
    IAP_TCP_FORWARDING_RANGE,
    LOAD_BALANCER_RANGES,
    NetworkArgs,
    NetworkSpec,
)
from stacks.settings import NAMESPACE
from tests.conftest import run_repo_stack

COMPONENT = "agencyos:network:Network"
FIREWALL = "gcp:compute/firewall:Firewall"


def _one(run: ProgramRun, type_: str) -> CapturedResource:
    [resource] = run.of_type(type_)
    return resource


def _rules(run: ProgramRun) -> dict[str, dict[str, Any]]:
    return {r.name: r.inputs.plain for r in run.of_type(FIREWALL)}


def test_vpc_is_custom_mode_with_a_private_cluster_subnet(prod_run: ProgramRun) -> None:
    vpc = _one(prod_run, "gcp:compute/network:Network")
    assert vpc.inputs.plain["autoCreateSubnetworks"] is False, vpc.urn
    assert vpc.inputs.plain["name"] == "agencyos-prod-vpc", vpc.urn
    subnet = _one(prod_run, "gcp:compute/subnetwork:Subnetwork")
    props = subnet.inputs.plain
    assert props["privateIpGoogleAccess"] is True, subnet.urn
    assert {r["rangeName"] for r in props["secondaryIpRanges"]} == {"agencyos-prod-pods", "agencyos-prod-services"}
    assert props["logConfig"]["metadata"] == "INCLUDE_ALL_METADATA", subnet.urn


def test_egress_goes_through_cloud_nat(prod_run: ProgramRun) -> None:
    nat = _one(prod_run, "gcp:compute/routerNat:RouterNat")
    assert nat.inputs.plain["sourceSubnetworkIpRangesToNat"] == "ALL_SUBNETWORKS_ALL_IP_RANGES", nat.urn
    assert nat.inputs.plain["logConfig"]["enable"] is True, nat.urn


def test_private_services_access_reserves_a_peering_range(prod_run: ProgramRun) -> None:
    address = _one(prod_run, "gcp:compute/globalAddress:GlobalAddress")
    assert address.inputs.plain["purpose"] == "VPC_PEERING" and address.inputs.plain["addressType"] == "INTERNAL"
    assert address.inputs.plain["labels"]["managed-by"] == "pulumi", address.urn
    connection = _one(prod_run, "gcp:servicenetworking/connection:Connection")
    assert connection.inputs.plain["service"] == "servicenetworking.googleapis.com", connection.urn
    assert connection.inputs.plain["reservedPeeringRanges"] == ["agencyos-prod-psa"], connection.urn


def test_the_database_joins_the_vpc_after_the_peering(prod_run: ProgramRun) -> None:
    connection = _one(prod_run, "gcp:servicenetworking/connection:Connection")
    instances = prod_run.of_type("gcp:sql/databaseInstance:DatabaseInstance")
    assert instances
    for instance in instances:
        network = instance.inputs.plain["settings"]["ipConfiguration"]["privateNetwork"]
        assert network == "projects/agencyos-prod/global/networks/agencyos-prod-vpc", instance.urn
        assert connection.urn in instance.dependencies, instance.urn


def test_database_children_keep_their_names(prod_run: ProgramRun) -> None:
    names = {r.name for r in prod_run.resources if r.parent.endswith("::database")}
    assert {"database-instance", "database-database", "database-user", "database-password"} <= names


def test_firewall_opens_only_the_load_balancer_path_and_iap_ssh(prod_run: ProgramRun) -> None:
    rules = _rules(prod_run)
    web = rules["network-allow-lb-web"]
    assert web["sourceRanges"] == list(LOAD_BALANCER_RANGES)
    assert web["allows"] == [
        {"protocol": "tcp", "ports": [str(FIREWALL_HTTPS_PORT.value), str(FIREWALL_HTTP_PORT.value)]}
    ]
    iap = rules["network-allow-iap-ssh"]
    assert iap["sourceRanges"] == [IAP_TCP_FORWARDING_RANGE] and iap["targetTags"] == ["agencyos-prod-bastion"]
    assert "sourceRanges" not in rules["network-allow-bastion-ssh"]  # from the bastion's tag only
    deny = rules["network-deny-all-ingress"]
    assert deny["denies"] == [{"protocol": "all"}] and deny["priority"] == 65534
    for name, rule in rules.items():
        assert rule.get("direction") == "INGRESS", name
        assert "0.0.0.0/0" not in rule.get("sourceRanges", []) or "denies" in rule, name


def test_bastion_is_private_shielded_and_uses_os_login(prod_run: ProgramRun) -> None:
    bastion = _one(prod_run, "gcp:compute/instance:Instance")
    props = bastion.inputs.plain
    assert all("accessConfigs" not in nic for nic in props["networkInterfaces"]), bastion.urn
    assert props["metadata"]["enable-oslogin"] == "TRUE", bastion.urn
    assert props["shieldedInstanceConfig"]["enableSecureBoot"] is True, bastion.urn
    assert props["serviceAccount"]["email"], bastion.urn
    assert props["labels"]["environment"] == "production", bastion.urn
    tunnel = _one(prod_run, "gcp:iap/tunnelInstanceIAMMember:TunnelInstanceIAMMember")
    assert tunnel.inputs.plain["member"] == "group:platform-admins@agencyos.example", tunnel.urn


def test_no_bastion_when_disabled() -> None:
    run = run_repo_stack("prod", overrides={f"{NAMESPACE}:network": '{"bastion": {"enabled": false}}'})
    assert run.error is None, run.error
    assert run.of_type("gcp:compute/instance:Instance") == []
    assert set(_rules(run)) == {"network-allow-lb-web", "network-deny-all-ingress"}


def test_children_are_named_after_the_component_parented_and_ordered(prod_run: ProgramRun) -> None:
    [component] = prod_run.of_type(COMPONENT)
    children = [r for r in prod_run.resources if r.parent == component.urn]
    assert {r.name for r in children} >= {
        "network-vpc",
        "network-subnet",
        "network-router",
        "network-nat",
        "network-psa-range",
        "network-psa",
        "network-allow-lb-web",
        "network-deny-all-ingress",
        "network-bastion",
    }
    services = {r.urn for r in prod_run.of_type("gcp:projects/service:Service")}
    for child in children:
        assert child.urn == f"urn:pulumi:prod::agencyos-infra::{COMPONENT}${child.type}::{child.name}"
        assert services <= set(child.dependencies), child.urn  # APIs first


def test_stateful_resources_are_protected(prod_run: ProgramRun) -> None:
    for type_ in (
        "gcp:compute/network:Network",
        "gcp:compute/subnetwork:Subnetwork",
        "gcp:compute/globalAddress:GlobalAddress",
        "gcp:servicenetworking/connection:Connection",
    ):
        assert _one(prod_run, type_).protect, type_


def test_outputs_follow_the_contract(prod_run: ProgramRun) -> None:
    outputs = prod_run.stack_outputs.plain
    assert outputs["networkId"] == "projects/agencyos-prod/global/networks/agencyos-prod-vpc"
    assert outputs["subnetId"] and outputs["bastion"] == "agencyos-prod-bastion"


@pytest.mark.parametrize(
    ("override", "field", "expected"),
    [
        ({"subnetCidr": "10.10.0.1/20"}, "subnetCidr", "host bits clear"),
        ({"subnetCidr": "8.8.8.0/24"}, "subnetCidr", "private"),
        ({"subnetCidr": "10.10.0.0"}, "subnetCidr", "CIDR form"),
        ({"podsCidr": "\u0661\u0660.20.0.0/14"}, "podsCidr", "ASCII"),
        ({"servicesCidr": "10.20.0.0/20"}, None, "podsCidr and servicesCidr overlap"),
        ({"privateServicesCidr": "10.10.0.0/24"}, None, "subnetCidr and privateServicesCidr overlap"),
        ({"adminCidrs": ["0.0.0.0/0"]}, "adminCidrs", "not the whole internet"),
        ({"adminCidrs": ["::/0"]}, "adminCidrs", "not the whole internet"),
        ({"adminCidrs": ["203.0.113.7/24"]}, "adminCidrs", "host bits clear"),
        ({"bastion": {"admins": ["alice@example.com"]}}, "bastion", "user:<email> or group:<email>"),
        ({"bastion": {"zone": "us-central1-b"}}, "bastion", "pattern"),
        ({"natMinPortsPerVm": 1}, "natMinPortsPerVm", "greater than or equal"),
        ({"natLogFilter": "SOME"}, "natLogFilter", "ERRORS_ONLY"),
        ({"surprise": 1}, "surprise", "Extra inputs"),
    ],
)
def test_invalid_spec_is_rejected_on_its_field(override: dict[str, Any], field: str | None, expected: str) -> None:
    with pytest.raises(ValidationError) as error:
        NetworkSpec.model_validate(override)
    [problem] = error.value.errors()
    assert (problem["loc"][0] if problem["loc"] else None) == field
    assert expected in str(error.value)


def test_defaults_validate_and_admin_networks_may_be_ipv6() -> None:
    spec = NetworkSpec.model_validate({"adminCidrs": ["203.0.113.0/24", "2001:db8::/32"]})
    assert spec.bastion.enabled and spec.admin_cidrs == ("203.0.113.0/24", "2001:db8::/32")


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"name_prefix": "Bad_Prefix"}, "name_prefix must be"),
        ({"region": ""}, "region is required"),
        ({"bastion_service_account": None}, "bastion_service_account is required"),
    ],
)
def test_invalid_args_are_rejected(override: dict[str, Any], expected: str) -> None:
    base: dict[str, Any] = {
        "name_prefix": "agencyos-test",
        "region": "us-central1",
        "labels": {},
        "bastion_service_account": "bastion@p.iam.gserviceaccount.com",
    }
    with pytest.raises(ValueError, match=expected):
        NetworkArgs(**{**base, **override})
