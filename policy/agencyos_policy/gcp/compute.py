"""Compute Engine policies: firewall rules, VM addresses and subnets (checklist §8 Infrastructure Security).

Written from the ``gcp:compute/firewall:Firewall``, ``Instance``/``InstanceTemplate`` and
``Subnetwork`` schemas. Provider defaults for absent properties:

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

Deny rules never open anything. Memorystore for Redis has no public endpoint at all (it is reached
by private services access or direct peering only), so it needs no public-IP policy; Cloud SQL's is
``gcp-cloudsql-instance-no-public-ip``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from functools import partial
from typing import Any

from agencyos_checklist.numbers import FIREWALL_HTTP_PORT, FIREWALL_HTTPS_PORT
from pulumi_policy import Severity

from agencyos_policy.props import ABSENT, UNKNOWN, items, lookup
from agencyos_policy.registry import ADVISORY, MANDATORY, Subject, resource_policy
from agencyos_policy.rules import expect, unknown

FIREWALL = "gcp:compute/firewall:Firewall"
INSTANCE = "gcp:compute/instance:Instance"
INSTANCE_TEMPLATE = "gcp:compute/instanceTemplate:InstanceTemplate"
REGION_INSTANCE_TEMPLATE = "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate"
SUBNETWORK = "gcp:compute/subnetwork:Subnetwork"

TCP, UDP, SCTP = "tcp", "udp", "sctp"
# Protocols whose rules can name ports, by name and IANA number.
PORT_PROTOCOLS = {TCP: TCP, "6": TCP, UDP: UDP, "17": UDP, SCTP: SCTP, "132": SCTP}
ALL_PORTS = (0, 65535)
ADMIN_PORTS = {22: ("SSH", {TCP}), 3389: ("RDP", {TCP, UDP})}
DATA_PORTS = {5432: ("PostgreSQL", {TCP}), 6379: ("Redis", {TCP})}
WEB_PORTS = (FIREWALL_HTTPS_PORT.value, FIREWALL_HTTP_PORT.value)


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


def _open_to_internet(props: Any) -> bool:
    """Whether an enabled ingress rule admits internet sources (see the module docstring)."""
    if _known(props, "direction") not in (ABSENT, "INGRESS") or _known(props, "disabled") is True:
        return False
    ranges = _strings(props, "sourceRanges")
    if ranges:
        return any(_is_internet(cidr) for cidr in ranges)
    return not (_strings(props, "sourceTags") or _strings(props, "sourceServiceAccounts"))


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


def _opened(props: Any) -> list[tuple[str, tuple[int, int]]]:
    """(protocol, port range) of every allow entry of an internet-facing rule; 'all' for any protocol."""
    if not _open_to_internet(props):
        return []
    entries = items(props, "allows")
    if entries is UNKNOWN:
        raise _Unknown("allows")
    opened = []
    for index, entry in enumerate([] if entries is ABSENT else entries):
        protocol = str(_known(entry, "protocol")).lower()
        if protocol == "all":
            opened.append(("all", ALL_PORTS))
        elif protocol in PORT_PROTOCOLS:
            ports = _strings(props, "allows", index, "ports")
            opened += [(PORT_PROTOCOLS[protocol], span) for span in _port_ranges(ports)]
        else:
            opened.append((protocol, ALL_PORTS))  # icmp, esp...: no ports
    return opened


def _violations(subject: Subject, judge: Any) -> Iterator[str]:
    """Runs ``judge(opened)`` on what the rule opens to the internet; unknowns cannot pass a mandatory rule."""
    try:
        opened = _opened(subject.props)
    except _Unknown as gap:
        yield from unknown(subject, gap.path)
        return
    yield from judge(opened)


def _exposes(opened: list[tuple[str, tuple[int, int]]], port: int, protocols: set[str]) -> bool:
    return any((proto == "all" or proto in protocols) and low <= port <= high for proto, (low, high) in opened)


firewall_policy = partial(resource_policy, resource_types=(FIREWALL,), tags=("network",))


def _named_ports(subject: Subject, ports: dict[int, tuple[str, set[str]]]) -> Iterator[str]:
    def judge(opened: list[tuple[str, tuple[int, int]]]) -> Iterator[str]:
        for port, (service, protocols) in ports.items():
            if _exposes(opened, port, protocols):
                yield f"allows must not open {service} (port {port}) to 0.0.0.0/0 or ::/0."

    yield from _violations(subject, judge)


@firewall_policy(
    name="gcp-compute-firewall-no-public-admin-ports",
    item="8.infrastructure-security.2.2",
    level=MANDATORY,
    severity=Severity.CRITICAL,
    description="No ingress firewall rule opens SSH or RDP to the internet.",
    remediation="Restrict sourceRanges to the administrators' networks or to IAP's 35.235.240.0/20 and reach VMs "
    "through a bastion.",
)
def no_public_admin_ports(subject: Subject) -> Iterator[str]:
    yield from _named_ports(subject, ADMIN_PORTS)


@firewall_policy(
    name="gcp-compute-firewall-no-public-data-ports",
    item="8.infrastructure-security.1.3",
    level=MANDATORY,
    severity=Severity.CRITICAL,
    description="No ingress firewall rule opens PostgreSQL or Redis to the internet.",
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
    def judge(opened: list[tuple[str, tuple[int, int]]]) -> Iterator[str]:
        if any(proto == "all" or span == ALL_PORTS for proto, span in opened):
            yield "allows must not open every protocol or every port to 0.0.0.0/0 or ::/0."

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
)
def public_web_ports_only(subject: Subject) -> Iterator[str]:
    def judge(opened: list[tuple[str, tuple[int, int]]]) -> Iterator[str]:
        if any(proto != TCP or low != high or low not in WEB_PORTS for proto, (low, high) in opened):
            yield (
                f"allows must open only tcp {FIREWALL_HTTPS_PORT.value} and {FIREWALL_HTTP_PORT.value} to "
                "0.0.0.0/0 or ::/0; it opens other ports or protocols."
            )

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
