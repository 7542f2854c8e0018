"""Compute cases: firewall rules, VM addresses and subnets; a compliant baseline and one change per case."""

from __future__ import annotations

from typing import Any

from agencyos_checklist.numbers import FIREWALL_HTTP_PORT, FIREWALL_HTTPS_PORT
from agencyos_policy.gcp.compute import (
    FIREWALL,
    FIREWALL_POLICY_WITH_RULES,
    INSTANCE,
    INSTANCE_TEMPLATE,
    NETWORK_FIREWALL_POLICY_WITH_RULES,
    POLICY_RULES,
    REGION_NETWORK_FIREWALL_POLICY_WITH_RULES,
    SUBNETWORK,
)
from agencyos_policy.registry import REGISTRY

from agencyos_infra.wire import UNKNOWN
from tests.policy.cases import DELETE, Case, mutate

WEB = [str(FIREWALL_HTTPS_PORT.value), str(FIREWALL_HTTP_PORT.value)]
# The most a rule may open to the internet: tcp 443 and 80.
FIREWALL_BASELINE: dict[str, Any] = {
    "network": "projects/p/global/networks/vpc",
    "direction": "INGRESS",
    "sourceRanges": ["0.0.0.0/0"],
    "allows": [{"protocol": "tcp", "ports": WEB}],
}
# The same, as a rule of a network firewall policy (global, regional or hierarchical).
POLICY_RULE_BASELINE: dict[str, Any] = {
    "firewallPolicy": "web-policy",
    "priority": 1000,
    "action": "allow",
    "direction": "INGRESS",
    "match": {"srcIpRanges": ["0.0.0.0/0"], "layer4Configs": [{"ipProtocol": "tcp", "ports": WEB}]},
}
INSTANCE_BASELINE: dict[str, Any] = {
    "machineType": "e2-micro",
    "zone": "us-central1-b",
    "bootDisk": {"initializeParams": {"image": "debian-cloud/debian-12"}},
    "networkInterfaces": [{"subnetwork": "projects/p/regions/us-central1/subnetworks/private"}],
}
TEMPLATE_BASELINE: dict[str, Any] = {
    "machineType": "e2-small",
    "disks": [{"sourceImage": "debian-cloud/debian-12"}],
    "networkInterfaces": [{"network": "vpc"}],
}
SUBNET_BASELINE: dict[str, Any] = {
    "network": "projects/p/global/networks/vpc",
    "ipCidrRange": "10.0.0.0/20",
    "region": "us-central1",
    "privateIpGoogleAccess": True,
}

ADMIN, DATA, ALL, WEB_ONLY = (
    "gcp-compute-firewall-no-public-admin-ports",
    "gcp-compute-firewall-no-public-data-ports",
    "gcp-compute-firewall-no-public-all-ports",
    "gcp-compute-firewall-public-web-ports-only",
)
FIREWALL_POLICIES = [ADMIN, DATA, ALL, WEB_ONLY]


def tcp(*ports: str) -> list[dict[str, Any]]:
    return [{"protocol": "tcp", "ports": list(ports)}]


# (policies expected to fail, changes to the firewall baseline)
FIREWALL_VIOLATIONS: list[tuple[set[str], dict[str, Any]]] = [
    ({ADMIN, WEB_ONLY}, {"allows": tcp("22")}),
    ({ADMIN, WEB_ONLY}, {"allows": tcp("20-30")}),
    ({ADMIN, WEB_ONLY}, {"allows": [{"protocol": "6", "ports": ["22"]}]}),
    ({ADMIN, WEB_ONLY}, {"allows": [{"protocol": "udp", "ports": ["3389"]}]}),
    ({ADMIN, WEB_ONLY}, {"allows": tcp("3389"), "sourceRanges": ["::/0"]}),
    ({ADMIN, WEB_ONLY}, {"allows": tcp("22"), "sourceRanges": ["10.0.0.0/8", "0.0.0.0/0"]}),
    ({ADMIN, WEB_ONLY}, {"allows": tcp("22"), "sourceRanges": DELETE}),  # no source at all: 0.0.0.0/0
    ({ADMIN, WEB_ONLY}, {"allows": tcp("22"), "direction": DELETE}),  # absent direction: INGRESS
    ({ADMIN, WEB_ONLY}, {"allows": tcp("22"), "disabled": False}),
    ({ADMIN, WEB_ONLY}, {"allows": tcp("22"), "sourceTags": ["web"]}),  # ranges OR tags: still the internet
    ({DATA, WEB_ONLY}, {"allows": tcp("5432")}),
    ({DATA, WEB_ONLY}, {"allows": tcp("6379")}),
    ({DATA, WEB_ONLY}, {"allows": tcp("3306")}),
    ({DATA, WEB_ONLY}, {"allows": tcp("5000-7000")}),
    ({ADMIN, DATA, ALL, WEB_ONLY}, {"allows": [{"protocol": "all"}]}),
    ({ADMIN, DATA, ALL, WEB_ONLY}, {"allows": [{"protocol": "TCP"}]}),  # no ports: every port
    ({ADMIN, DATA, ALL, WEB_ONLY}, {"allows": tcp("0-65535")}),
    ({ADMIN, DATA, ALL, WEB_ONLY}, {"allows": [*tcp(*WEB), {"protocol": "tcp"}]}),
    ({ALL, WEB_ONLY}, {"allows": [{"protocol": "udp"}]}),  # every UDP port; SSH and PostgreSQL are TCP
    ({WEB_ONLY}, {"allows": tcp("8080")}),
    ({WEB_ONLY}, {"allows": [{"protocol": "udp", "ports": ["443"]}]}),
    ({WEB_ONLY}, {"allows": [{"protocol": "icmp"}]}),
    ({WEB_ONLY}, {"allows": tcp("80-443")}),
    # Unknown at preview: a mandatory rule cannot pass.
    (set(FIREWALL_POLICIES), {"sourceRanges": UNKNOWN, "allows": tcp("22")}),
    (set(FIREWALL_POLICIES), {"sourceRanges": [UNKNOWN]}),
    (set(FIREWALL_POLICIES), {"allows": UNKNOWN}),
    (set(FIREWALL_POLICIES), {"direction": UNKNOWN}),
    (set(FIREWALL_POLICIES), {"allows": [{"protocol": "tcp", "ports": UNKNOWN}]}),
]

# Compliant alternatives the checklist allows.
FIREWALL_COMPLIANT: list[dict[str, Any]] = [
    {"allows": tcp(str(FIREWALL_HTTPS_PORT.value))},  # stricter: HTTPS only
    {"allows": tcp("22"), "sourceRanges": ["35.235.240.0/20"]},  # SSH through IAP
    {"allows": tcp("22"), "sourceRanges": ["203.0.113.0/24"]},  # admin network
    {"allows": tcp("22", "5432", "6379"), "sourceRanges": DELETE, "sourceTags": ["bastion"]},
    {"allows": tcp("22"), "sourceRanges": DELETE, "sourceServiceAccounts": ["ops@p.iam.gserviceaccount.com"]},
    {"allows": [{"protocol": "all"}], "disabled": True},  # a disabled rule opens nothing
    {"allows": [{"protocol": "all"}], "direction": "EGRESS"},
    {"allows": DELETE, "denies": [{"protocol": "all"}]},  # the explicit deny-all
    {"allows": [{"protocol": "all"}], "sourceRanges": ["10.0.0.0/8", "130.211.0.0/22"]},
    {"allows": tcp("443-443", "80")},
    {"sourceRanges": UNKNOWN, "sourceTags": ["x"], "direction": "EGRESS"},  # egress: sources do not matter
]


def l4(protocol: str, *ports: str) -> list[dict[str, Any]]:
    return [{"ipProtocol": protocol, **({"ports": list(ports)} if ports else {})}]


# (policies expected to fail, changes to the policy rule baseline)
POLICY_RULE_VIOLATIONS: list[tuple[set[str], dict[str, Any]]] = [
    ({ADMIN, WEB_ONLY}, {"match.layer4Configs": l4("tcp", "22")}),
    ({ADMIN, WEB_ONLY}, {"match.layer4Configs": l4("tcp", "22"), "match.srcIpRanges": ["::/0"]}),
    ({ADMIN, WEB_ONLY}, {"match.layer4Configs": l4("tcp", "22"), "action": "apply_security_profile_group"}),
    ({ADMIN, WEB_ONLY}, {"match.layer4Configs": l4("tcp", "22"), "action": DELETE}),  # required; judged as allow
    ({ADMIN, WEB_ONLY}, {"match.layer4Configs": l4("tcp", "22"), "direction": DELETE}),  # absent: INGRESS
    ({ADMIN, WEB_ONLY}, {"match.layer4Configs": l4("tcp", "22"), "disabled": False}),
    ({ADMIN, WEB_ONLY}, {"match.layer4Configs": l4("tcp", "22"), "match.srcNetworkContext": "INTERNET"}),
    # Sources are ORed: a secure tag or a geolocation beside 0.0.0.0/0 narrows nothing.
    ({ADMIN, WEB_ONLY}, {"match.layer4Configs": l4("tcp", "22"), "match.srcRegionCodes": ["DE"]}),
    ({ADMIN, WEB_ONLY}, {"match.layer4Configs": l4("tcp", "22"), "match.srcIpRanges": DELETE}),  # no source
    ({DATA, WEB_ONLY}, {"match.layer4Configs": l4("tcp", "5432")}),
    ({DATA, WEB_ONLY}, {"match.layer4Configs": l4("tcp", "3306")}),
    ({DATA, WEB_ONLY}, {"match.layer4Configs": l4("6", "6379")}),
    ({ADMIN, DATA, ALL, WEB_ONLY}, {"match.layer4Configs": l4("all")}),
    ({ADMIN, DATA, ALL, WEB_ONLY}, {"match.layer4Configs": l4("tcp")}),  # no ports: every port
    ({ADMIN, DATA, ALL, WEB_ONLY}, {"match.layer4Configs": DELETE}),  # required; judged at its widest
    ({WEB_ONLY}, {"match.layer4Configs": l4("tcp", "8443")}),
    (set(FIREWALL_POLICIES), {"action": UNKNOWN}),
    (set(FIREWALL_POLICIES), {"match.srcIpRanges": UNKNOWN}),
    (set(FIREWALL_POLICIES), {"match.srcNetworkContext": UNKNOWN}),
    (set(FIREWALL_POLICIES), {"match.layer4Configs": [{"ipProtocol": "tcp", "ports": UNKNOWN}]}),
]
POLICY_RULE_COMPLIANT: list[dict[str, Any]] = [
    {"match.layer4Configs": l4("tcp", "443")},
    {"match.layer4Configs": l4("tcp", "22"), "match.srcIpRanges": ["35.235.240.0/20"]},  # SSH through IAP
    {"match.layer4Configs": l4("all"), "action": "deny"},  # the explicit deny-all
    {"match.layer4Configs": l4("all"), "action": "goto_next"},
    {"match.layer4Configs": l4("all"), "action": "DENY"},
    {"match.layer4Configs": l4("all"), "disabled": True},
    {"match.layer4Configs": l4("all"), "direction": "EGRESS"},
    {"match.layer4Configs": l4("tcp", "22"), "match.srcNetworkContext": "VPC_NETWORKS"},  # ANDed: no internet
    {"match.layer4Configs": l4("tcp", "5432"), "match.srcNetworkScope": "INTRA_VPC"},
    {"match.layer4Configs": l4("tcp", "22"), "match.srcIpRanges": DELETE, "match.srcAddressGroups": ["admins"]},
    {"match.layer4Configs": l4("tcp", "22"), "match.srcIpRanges": DELETE, "match.srcSecureTags": [{"name": "t/1"}]},
    {"action": UNKNOWN, "direction": "EGRESS"},  # egress: the action does not matter
]
# Inline rules: the first is the web baseline; the case changes the second.
POLICY_WITH_RULES_BASELINE: dict[str, Any] = {
    "rules": [
        mutate(POLICY_RULE_BASELINE, {"firewallPolicy": DELETE}),
        mutate(
            POLICY_RULE_BASELINE, {"firewallPolicy": DELETE, "priority": 2000, "match.srcIpRanges": ["35.235.240.0/20"]}
        ),
    ]
}


def inline(changes: dict[str, Any]) -> dict[str, Any]:
    """The inline baseline whose second rule has ``changes``."""
    first, second = POLICY_WITH_RULES_BASELINE["rules"]
    return {"rules": [first, mutate(second, changes)]}


INLINE_VIOLATIONS: list[tuple[str, set[str], dict[str, Any]]] = [
    (
        NETWORK_FIREWALL_POLICY_WITH_RULES,
        {ADMIN, WEB_ONLY},
        inline({"match.srcIpRanges": ["0.0.0.0/0"], "match.layer4Configs": l4("tcp", "22")}),
    ),
    (
        REGION_NETWORK_FIREWALL_POLICY_WITH_RULES,
        {DATA, WEB_ONLY},
        inline({"match.srcIpRanges": ["0.0.0.0/0"], "match.layer4Configs": l4("tcp", "6379")}),
    ),
    (
        FIREWALL_POLICY_WITH_RULES,
        {ADMIN, DATA, ALL, WEB_ONLY},
        inline({"match.srcIpRanges": ["::/0"], "match.layer4Configs": l4("all")}),
    ),
    (NETWORK_FIREWALL_POLICY_WITH_RULES, set(FIREWALL_POLICIES), {"rules": UNKNOWN}),
    (NETWORK_FIREWALL_POLICY_WITH_RULES, set(FIREWALL_POLICIES), inline({"match.srcIpRanges": UNKNOWN})),
]
INLINE_COMPLIANT: list[tuple[str, dict[str, Any]]] = [
    (NETWORK_FIREWALL_POLICY_WITH_RULES, POLICY_WITH_RULES_BASELINE),
    (REGION_NETWORK_FIREWALL_POLICY_WITH_RULES, POLICY_WITH_RULES_BASELINE),
    (
        FIREWALL_POLICY_WITH_RULES,
        inline({"match.srcIpRanges": ["0.0.0.0/0"], "action": "deny", "match.layer4Configs": l4("all")}),
    ),
    (NETWORK_FIREWALL_POLICY_WITH_RULES, {"rules": []}),
]


INSTANCE_VIOLATIONS: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (INSTANCE, INSTANCE_BASELINE, {"networkInterfaces": [{"subnetwork": "s", "accessConfigs": [{}]}]}),
    (INSTANCE, INSTANCE_BASELINE, {"networkInterfaces": [{"subnetwork": "s", "accessConfigs": [{"natIp": "x"}]}]}),
    (INSTANCE, INSTANCE_BASELINE, {"networkInterfaces": [{"subnetwork": "s", "ipv6AccessConfigs": [{}]}]}),
    (
        INSTANCE,
        INSTANCE_BASELINE,
        {"networkInterfaces": [{"subnetwork": "a"}, {"network": "b", "accessConfigs": [{}]}]},
    ),
    (INSTANCE, INSTANCE_BASELINE, {"networkInterfaces": [{"subnetwork": "s", "accessConfigs": UNKNOWN}]}),
    (INSTANCE, INSTANCE_BASELINE, {"networkInterfaces": UNKNOWN}),
    (INSTANCE_TEMPLATE, TEMPLATE_BASELINE, {"networkInterfaces": [{"network": "vpc", "accessConfigs": [{}]}]}),
]
INSTANCE_COMPLIANT: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (INSTANCE, INSTANCE_BASELINE, {}),
    (INSTANCE, INSTANCE_BASELINE, {"networkInterfaces": [{"subnetwork": "s", "accessConfigs": []}]}),
    (INSTANCE_TEMPLATE, TEMPLATE_BASELINE, {}),
]

FAILING = [
    Case(policy, FIREWALL, mutate(FIREWALL_BASELINE, changes), note=str(changes))
    for policies, changes in FIREWALL_VIOLATIONS
    for policy in sorted(policies)
]
FAILING += [
    Case(policy, rule_type, mutate(POLICY_RULE_BASELINE, changes), note=f"{rule_type} {changes}")
    for rule_type in POLICY_RULES
    for policies, changes in POLICY_RULE_VIOLATIONS
    for policy in sorted(policies)
]
FAILING += [
    Case(policy, policy_type, props, note=f"{policy_type} {props}")
    for policy_type, policies, props in INLINE_VIOLATIONS
    for policy in sorted(policies)
]
FAILING += [
    Case("gcp-compute-instance-no-public-ip", type_, mutate(base, changes), note=f"{type_} {changes}")
    for type_, base, changes in INSTANCE_VIOLATIONS
]
FAILING += [
    Case("gcp-compute-subnetwork-private-google-access", SUBNETWORK, mutate(SUBNET_BASELINE, changes), note=str(c))
    for c, changes in [("false", {"privateIpGoogleAccess": False}), ("absent", {"privateIpGoogleAccess": DELETE})]
]
PASSING = [Case(p, FIREWALL, FIREWALL_BASELINE, note="baseline") for p in FIREWALL_POLICIES]
PASSING += [
    Case(policy, FIREWALL, mutate(FIREWALL_BASELINE, changes), note=str(changes))
    for changes in FIREWALL_COMPLIANT
    for policy in FIREWALL_POLICIES
]
PASSING += [
    Case(policy, rule_type, mutate(POLICY_RULE_BASELINE, changes), note=f"{rule_type} {changes}")
    for rule_type in POLICY_RULES
    for changes in [{}, *POLICY_RULE_COMPLIANT]
    for policy in FIREWALL_POLICIES
]
PASSING += [
    Case(policy, policy_type, props, note=f"{policy_type} {props}")
    for policy_type, props in INLINE_COMPLIANT
    for policy in FIREWALL_POLICIES
]
PASSING += [
    Case("gcp-compute-instance-no-public-ip", type_, mutate(base, changes), note=f"{type_} {changes}")
    for type_, base, changes in INSTANCE_COMPLIANT
]
PASSING += [
    Case("gcp-compute-subnetwork-private-google-access", SUBNETWORK, SUBNET_BASELINE, note="baseline"),
    Case(
        "gcp-compute-subnetwork-private-google-access",
        SUBNETWORK,
        mutate(SUBNET_BASELINE, {"privateIpGoogleAccess": DELETE, "purpose": "REGIONAL_MANAGED_PROXY"}),
        note="proxy-only subnets take no Private Google Access",
    ),
    # Advisory: a value computed during the update is given the benefit of the doubt.
    Case(
        "gcp-compute-subnetwork-private-google-access",
        SUBNETWORK,
        {**SUBNET_BASELINE, "privateIpGoogleAccess": UNKNOWN},
        note="unknown",
    ),
]
COMPUTE = [name for name in REGISTRY if name.startswith("gcp-compute-")]
