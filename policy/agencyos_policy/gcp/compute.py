"""Compute Engine policies: firewall rules, VM addresses and subnets (checklist §8 Infrastructure Security).

Written from the ``gcp:compute/firewall:Firewall``, ``Instance``/``InstanceTemplate`` and
``Subnetwork`` schemas, and the firewall policy rule schemas (below). Provider defaults for absent
properties of a VPC firewall rule (``Firewall``):

- ``direction`` absent is INGRESS; ``disabled`` absent is false (the rule is enforced).
- An ingress rule with no ``sourceRanges``, ``sourceTags`` or ``sourceServiceAccounts`` applies to
  every source: the Compute API defaults its source ranges to 0.0.0.0/0 (the provider asks for one of
  them, but a rule that reaches the API without one is open to the internet). Source ranges OR
  source tags: a tag never narrows a rule whose ranges include the internet.
- ``allows[].ports`` absent means every port of that protocol; protocol ``all`` means every protocol
  and port; ports apply to tcp, udp and sctp only (by name or IANA number).
- ``networkInterfaces[].accessConfigs`` (or ``ipv6AccessConfigs``) with any entry gives the VM an
  external address, even an empty entry (an ephemeral IP).
- ``privateIpGoogleAccess`` absent is false.

Firewall policy rules are judged by the same firewall policies, since they open the same ports to the
same sources: rules of global and regional network firewall policies (``NetworkFirewallPolicyRule``,
``RegionNetworkFirewallPolicyRule``), of hierarchical (organization or folder) policies
(``FirewallPolicyRule``), and the rules given inline (``rules[]`` of ``NetworkFirewallPolicyWithRules``,
``RegionNetworkFirewallPolicyWithRules``, ``FirewallPolicyWithRules``). A rule is judged on its own,
associated with a network yet or not. Their schema differs from a VPC rule's:

- ``action`` ``deny`` and ``goto_next`` admit nothing (``goto_next`` hands the packet to the next
  policy or the VPC rules, judged themselves); ``allow`` and ``apply_security_profile_group`` (allowed
  after inspection) admit it; any other or absent action (the provider requires one) is judged as allow.
- ``direction`` absent is INGRESS, ``disabled`` absent is false.
- ``match.srcNetworkContext`` (or ``srcNetworkScope``) is ANDed with the other sources: a non-internet
  context (``NON_INTERNET``, ``VPC_NETWORKS``, ``INTRA_VPC``) admits no internet source.
- Sources are ORed: ``match.srcIpRanges`` with 0.0.0.0/0 or ::/0 admits the internet whatever else is
  named; without IP ranges, address groups, FQDNs, geolocations, threat lists, secure tags or source
  networks narrow the rule; a rule naming no source at all is judged as admitting every source (a VPC
  rule's default; the API asks for one).
- ``match.layer4Configs[]`` holds ``ipProtocol`` and ``ports`` as ``allows[]`` holds ``protocol`` and
  ``ports``; absent (the provider requires it) it is judged as matching every protocol.

Deny rules never open anything. Memorystore for Redis has no public endpoint at all (it is reached
by private services access or direct peering only), so it needs no public-IP policy; Cloud SQL's is
``gcp-cloudsql-instance-no-public-ip``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from agencyos_checklist.numbers import FIREWALL_HTTP_PORT, FIREWALL_HTTPS_PORT
from pulumi_policy import Severity

from agencyos_policy.props import ABSENT, UNKNOWN, dotted, items, lookup
from agencyos_policy.registry import ADVISORY, MANDATORY, Param, Subject, resource_policy
from agencyos_policy.rules import expect, unknown

FIREWALL = "gcp:compute/firewall:Firewall"
INSTANCE = "gcp:compute/instance:Instance"
INSTANCE_TEMPLATE = "gcp:compute/instanceTemplate:InstanceTemplate"
REGION_INSTANCE_TEMPLATE = "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate"
SUBNETWORK = "gcp:compute/subnetwork:Subnetwork"
NETWORK_FIREWALL_POLICY_RULE = "gcp:compute/networkFirewallPolicyRule:NetworkFirewallPolicyRule"
REGION_NETWORK_FIREWALL_POLICY_RULE = "gcp:compute/regionNetworkFirewallPolicyRule:RegionNetworkFirewallPolicyRule"
FIREWALL_POLICY_RULE = "gcp:compute/firewallPolicyRule:FirewallPolicyRule"
NETWORK_FIREWALL_POLICY_WITH_RULES = "gcp:compute/networkFirewallPolicyWithRules:NetworkFirewallPolicyWithRules"
REGION_NETWORK_FIREWALL_POLICY_WITH_RULES = (
    "gcp:compute/regionNetworkFirewallPolicyWithRules:RegionNetworkFirewallPolicyWithRules"
)
FIREWALL_POLICY_WITH_RULES = "gcp:compute/firewallPolicyWithRules:FirewallPolicyWithRules"
POLICY_RULES = (NETWORK_FIREWALL_POLICY_RULE, REGION_NETWORK_FIREWALL_POLICY_RULE, FIREWALL_POLICY_RULE)
"""Firewall policy rules, one resource per rule."""
POLICIES_WITH_RULES = (
    NETWORK_FIREWALL_POLICY_WITH_RULES,
    REGION_NETWORK_FIREWALL_POLICY_WITH_RULES,
    FIREWALL_POLICY_WITH_RULES,
)
"""Firewall policies that hold their rules inline, in ``rules[]``."""
FIREWALL_RULES = (FIREWALL, *POLICY_RULES, *POLICIES_WITH_RULES)

TCP, UDP, SCTP = "tcp", "udp", "sctp"
# Protocols whose rules can name ports, by name and IANA number.
PORT_PROTOCOLS = {TCP: TCP, "6": TCP, UDP: UDP, "17": UDP, SCTP: SCTP, "132": SCTP}
ALL_PORTS = (0, 65535)
ADMIN_PORTS = {22: ("SSH", {TCP}), 3389: ("RDP", {TCP, UDP})}
DATA_PORTS = {5432: ("PostgreSQL", {TCP}), 3306: ("MySQL", {TCP}), 6379: ("Redis", {TCP})}
WEB_PORTS = [FIREWALL_HTTPS_PORT.value, FIREWALL_HTTP_PORT.value]
CLOSED_ACTIONS = frozenset({"deny", "goto_next"})
"""Firewall policy rule actions that admit nothing."""
NON_INTERNET_CONTEXTS = frozenset({"NON_INTERNET", "VPC_NETWORKS", "INTRA_VPC"})
"""Source network contexts that exclude internet sources (ANDed with the rule's other sources)."""
OTHER_SOURCES = (
    "srcAddressGroups",
    "srcFqdns",
    "srcRegionCodes",
    "srcThreatIntelligences",
    "srcSecureTags",
    "srcNetworks",
)
"""Firewall policy rule sources besides IP ranges: each narrows a rule that names no IP range."""
Opened = list[tuple[str, tuple[int, int]]]
"""(protocol, port range) pairs a rule opens to the internet; protocol 'all' for any protocol."""


class _Unknown(Exception):
    """A property the verdict depends on is unknown at preview; carries its path."""

    def __init__(self, *path: str | int) -> None:
        self.path = path


def _known(props: Any, *path: str | int) -> Any:
    value = lookup(props, *path)
    if value is UNKNOWN:
        raise _Unknown(*path)
    return value


def _strings(props: Any, *path: str | int) -> list[str]:
    """A list of strings at ``path`` ([] when absent); _Unknown if it or an element is unknown."""
    values: Any = items(props, *path)
    if values is ABSENT:
        return []
    if values is UNKNOWN or UNKNOWN in values:
        raise _Unknown(*path)
    return [str(v) for v in values]


def _is_internet(cidr: str) -> bool:
    """0.0.0.0/0 or ::/0 (any spelling); a range that does not parse cannot be proven narrower."""
    try:
        return ipaddress.ip_network(cidr.strip(), strict=False).prefixlen == 0
    except ValueError:
        return True


def _ingress_enabled(rule: Any) -> bool:
    """Whether a rule is an enforced ingress rule (direction absent: INGRESS; disabled absent: false)."""
    return _known(rule, "direction") in (ABSENT, "INGRESS") and _known(rule, "disabled") is not True


def _admits_internet(ranges: list[str], narrowed: Callable[[], bool]) -> bool:
    """Sources ORed: an internet range admits it whatever else is named; no range at all admits every source
    unless another source kind narrows the rule (read only then: it does not matter otherwise)."""
    return any(_is_internet(cidr) for cidr in ranges) if ranges else not narrowed()


def _port_ranges(ports: list[str]) -> list[tuple[int, int]]:
    """ "22" and "20-30" as (low, high); [] means every port. A malformed entry counts as every port."""
    ranges = []
    for port in ports:
        low, _, high = port.strip().partition("-")
        try:
            ranges.append((int(low), int(high or low)))
        except ValueError:
            ranges.append(ALL_PORTS)
    return ranges or [ALL_PORTS]


def _protocols_opened(rule: Any, entries_key: tuple[str, ...], protocol_key: str, *, absent: Opened) -> Opened:
    """What the ``entries_key`` list (``allows`` or ``match.layer4Configs``) opens; ``absent`` if it is unset."""
    entries = items(rule, *entries_key)
    if entries is UNKNOWN:
        raise _Unknown(*entries_key)
    if entries is ABSENT:
        return absent
    opened: Opened = []
    for index, entry in enumerate(entries):
        protocol = str(_known(entry, protocol_key)).lower()
        if protocol == "all":
            opened.append(("all", ALL_PORTS))
        elif protocol in PORT_PROTOCOLS:
            ports = _strings(rule, *entries_key, index, "ports")
            opened += [(PORT_PROTOCOLS[protocol], span) for span in _port_ranges(ports)]
        else:
            opened.append((protocol, ALL_PORTS))  # icmp, esp...: no ports
    return opened


def _vpc_rule_opened(rule: Any) -> Opened:
    """What a VPC firewall rule (``Firewall``) opens to the internet (see the module docstring)."""
    if not _ingress_enabled(rule):
        return []

    def narrowed() -> bool:
        return bool(_strings(rule, "sourceTags") or _strings(rule, "sourceServiceAccounts"))

    if not _admits_internet(_strings(rule, "sourceRanges"), narrowed):
        return []
    return _protocols_opened(rule, ("allows",), "protocol", absent=[])


def _policy_rule_opened(rule: Any) -> Opened:
    """What a firewall policy rule opens to the internet (see the module docstring)."""
    if not _ingress_enabled(rule):
        return []
    action = _known(rule, "action")
    if isinstance(action, str) and action.lower() in CLOSED_ACTIONS:
        return []
    for context in ("srcNetworkContext", "srcNetworkScope"):
        if _known(rule, "match", context) in NON_INTERNET_CONTEXTS:
            return []

    def narrowed() -> bool:
        return any(_strings(rule, "match", key) for key in OTHER_SOURCES)

    if not _admits_internet(_strings(rule, "match", "srcIpRanges"), narrowed):
        return []
    return _protocols_opened(rule, ("match", "layer4Configs"), "ipProtocol", absent=[("all", ALL_PORTS)])


def _rules(subject: Subject) -> Iterator[tuple[str, Opened | _Unknown]]:
    """(label, what it opens or the unknown it depends on) of each rule the resource holds; the label is the
    path of the rule's protocol list, as messages name it."""
    if subject.resource_type == FIREWALL:
        yield from _judged((), subject.props, _vpc_rule_opened, "allows")
        return
    if subject.resource_type in POLICY_RULES:
        yield from _judged((), subject.props, _policy_rule_opened, "match", "layer4Configs")
        return
    inline = items(subject.props, "rules")
    if inline is UNKNOWN:
        yield "rules", _Unknown("rules")
        return
    for index, rule in enumerate([] if inline is ABSENT else inline):
        yield from _judged(("rules", index), rule, _policy_rule_opened, "match", "layer4Configs")


def _judged(
    prefix: tuple[str | int, ...], rule: Any, judge: Callable[[Any], Opened], *protocols: str
) -> Iterator[tuple[str, Opened | _Unknown]]:
    try:
        yield dotted(*prefix, *protocols), judge(rule)
    except _Unknown as gap:
        yield dotted(*prefix, *protocols), _Unknown(*prefix, *gap.path)


def _violations(subject: Subject, judge: Any) -> Iterator[str]:
    """Runs ``judge(label, opened)`` on what each rule opens to the internet; unknowns cannot pass a mandatory
    rule."""
    for label, opened in _rules(subject):
        if isinstance(opened, _Unknown):
            yield from unknown(subject, opened.path)
        else:
            yield from judge(label, opened)


def _exposes(opened: Opened, port: int, protocols: set[str]) -> bool:
    return any((proto == "all" or proto in protocols) and low <= port <= high for proto, (low, high) in opened)


firewall_policy = partial(resource_policy, resource_types=FIREWALL_RULES, tags=("network",))


def _named_ports(subject: Subject, ports: dict[int, tuple[str, set[str]]]) -> Iterator[str]:
    def judge(label: str, opened: Opened) -> Iterator[str]:
        for port, (service, protocols) in ports.items():
            if _exposes(opened, port, protocols):
                yield f"{label} must not open {service} (port {port}) to 0.0.0.0/0 or ::/0."

    yield from _violations(subject, judge)


@firewall_policy(
    name="gcp-compute-firewall-no-public-admin-ports",
    item="8.infrastructure-security.2.2",
    level=MANDATORY,
    severity=Severity.CRITICAL,
    description="No ingress firewall rule opens SSH or RDP to the internet.",
    remediation="Restrict sourceRanges (match.srcIpRanges in a firewall policy rule) to the administrators' "
    "networks or to IAP's 35.235.240.0/20 and reach VMs through a bastion.",
)
def no_public_admin_ports(subject: Subject) -> Iterator[str]:
    yield from _named_ports(subject, ADMIN_PORTS)


@firewall_policy(
    name="gcp-compute-firewall-no-public-data-ports",
    item="8.infrastructure-security.1.3",
    level=MANDATORY,
    severity=Severity.CRITICAL,
    description="No ingress firewall rule opens PostgreSQL, MySQL or Redis to the internet.",
    remediation="Remove the rule; reach databases and caches by private IP from inside the VPC.",
)
def no_public_data_ports(subject: Subject) -> Iterator[str]:
    yield from _named_ports(subject, DATA_PORTS)


@firewall_policy(
    name="gcp-compute-firewall-no-public-all-ports",
    item="8.infrastructure-security.2.3",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="No ingress firewall rule opens every protocol or every port to the internet.",
    remediation=f"Name the protocol and ports (tcp {FIREWALL_HTTPS_PORT.value} and {FIREWALL_HTTP_PORT.value} for "
    "the load balancer path) and narrow sourceRanges.",
)
def no_public_all_ports(subject: Subject) -> Iterator[str]:
    def judge(label: str, opened: Opened) -> Iterator[str]:
        if any(proto == "all" or span == ALL_PORTS for proto, span in opened):
            yield f"{label} must not open every protocol or every port to 0.0.0.0/0 or ::/0."

    yield from _violations(subject, judge)


@firewall_policy(
    name="gcp-compute-firewall-public-web-ports-only",
    item=FIREWALL_HTTPS_PORT.item,
    level=MANDATORY,
    severity=Severity.MEDIUM,
    description=f"Ingress from the internet reaches TCP ports {FIREWALL_HTTPS_PORT.value} and "
    f"{FIREWALL_HTTP_PORT.value} only.",
    remediation=f"Open only tcp {FIREWALL_HTTPS_PORT.value}/{FIREWALL_HTTP_PORT.value} to the internet, or restrict "
    "sourceRanges to known networks.",
    config={
        "allowedPorts": Param(
            {
                "type": "array",
                "items": {"type": "integer", "minimum": 1, "maximum": 65535},
                "uniqueItems": True,
                "default": WEB_PORTS,
                "description": "The TCP ports ingress from the internet may reach.",
            },
            item=FIREWALL_HTTPS_PORT.item,
        )
    },
)
def public_web_ports_only(subject: Subject) -> Iterator[str]:
    allowed = [int(port) for port in subject.config["allowedPorts"]]
    shown = " and ".join(str(port) for port in allowed)

    def judge(label: str, opened: Opened) -> Iterator[str]:
        if any(proto != TCP or low != high or low not in allowed for proto, (low, high) in opened):
            yield f"{label} must open only tcp {shown} to 0.0.0.0/0 or ::/0; it opens other ports or protocols."

    yield from _violations(subject, judge)


def _network_interfaces_have_no_external_address(subject: Subject) -> Iterator[str]:
    nics = items(subject.props, "networkInterfaces")
    if nics is UNKNOWN:
        yield from unknown(subject, ("networkInterfaces",))
        return
    for index in range(0 if nics is ABSENT else len(nics)):
        for key in ("accessConfigs", "ipv6AccessConfigs"):
            path = ("networkInterfaces", index, key)
            configs = items(subject.props, *path)
            if configs is UNKNOWN:
                yield from unknown(subject, path)
            elif configs is not ABSENT and len(configs) > 0:
                yield f"networkInterfaces[{index}].{key} must be empty, so the VM has no external IP address."


@resource_policy(
    name="gcp-compute-instance-no-public-ip",
    item="8.infrastructure-security.1.3",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="VMs and instance templates have no external IP address.",
    remediation="Remove networkInterfaces[].accessConfigs; reach VMs through IAP and give them egress by Cloud NAT.",
    resource_types=(INSTANCE, INSTANCE_TEMPLATE, REGION_INSTANCE_TEMPLATE),
    tags=("network",),
)
def instance_no_public_ip(subject: Subject) -> Iterator[str]:
    yield from _network_interfaces_have_no_external_address(subject)


@resource_policy(
    name="gcp-compute-subnetwork-private-google-access",
    item="8.infrastructure-security.1.1",
    level=ADVISORY,
    severity=Severity.MEDIUM,
    description="VM subnets let VMs without external IPs reach Google APIs privately (Private Google Access).",
    remediation="Set privateIpGoogleAccess to true.",
    resource_types=(SUBNETWORK,),
    applies=lambda subject: lookup(subject.props, "purpose") in (ABSENT, "PRIVATE", "PRIVATE_RFC_1918"),
    tags=("network",),
)
def subnetwork_private_google_access(subject: Subject) -> Iterator[str]:
    yield from expect(
        subject,
        ("privateIpGoogleAccess",),
        lambda enabled: enabled is True,
        "be true, so private VMs reach Google APIs without an external IP",
        default=False,
        absent_means="off",
    )
