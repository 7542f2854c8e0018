"""Cloudflare DNS cases: record baselines (one change per failing case) and whole zones as stack cases."""

from __future__ import annotations

from typing import Any

from agencyos_policy.cloudflare.dns import DNS_RECORD, LEGACY_RECORD, ZONE_SETTING
from agencyos_policy.cloudflare.dns import ZONE as ZONE_TYPE
from agencyos_policy.registry import REGISTRY

from tests.policy.cases import DELETE, Case, mutate
from tests.policy.stack_cases import STACK, stack

ZONE = "0123456789abcdef0123456789abcdef"
OTHER_ZONE = "fedcba9876543210fedcba9876543210"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
TTL = "cloudflare-dns-record-launch-ttl"
HTTPS = "cloudflare-zonesetting-zone-https-only"
MX, SPF, DKIM, DMARC = (f"cloudflare-dns-zone-{rule}" for rule in ("mx", "spf", "dkim", "dmarc"))
ZONE_POLICIES = (MX, SPF, DKIM, DMARC)

A_RECORD: dict[str, Any] = {
    "zoneId": ZONE,
    "name": "www.agencyos.example",
    "type": "A",
    "content": "203.0.113.10",
    "ttl": 300,
    "proxied": False,
}


def record(name: str, kind: str, content: str, zone: str = ZONE, **extra: Any) -> tuple[str, dict[str, Any]]:
    return DNS_RECORD, {"zoneId": zone, "name": name, "type": kind, "content": content, "ttl": 3600, **extra}


def mail(
    zone: str = ZONE,
    *,
    spf: str = "v=spf1 include:spf.mail.example -all",
    dmarc: str = "v=DMARC1; p=reject; rua=mailto:d@agencyos.example",
) -> list[tuple[str, dict[str, Any]]]:
    return [
        record("agencyos.example", "MX", "mx1.mail.example", zone, priority=10),
        record("agencyos.example", "TXT", spf, zone),
        record("s1._domainkey.agencyos.example", "CNAME", "s1.dkim.mail.example", zone),
        record("_dmarc.agencyos.example", "TXT", dmarc, zone),
    ]


WEB = (DNS_RECORD, A_RECORD)
COMPLETE = stack(WEB, *mail())
NO_MX = stack(WEB, *mail()[1:])
NO_SENDERS_SPF = "v=spf1 -all"
NULL_MX = record("agencyos.example", "MX", ".", priority=0)
NO_SENDERS = [record("agencyos.example", "TXT", NO_SENDERS_SPF), mail()[3]]  # SPF -all, DMARC p=reject
QUARANTINE = "v=DMARC1; p=quarantine"

# Zones this stack creates: their ids are unknown at preview; each record depends on its zone (index 0 or 1).
CREATED_ZONES = [
    (ZONE_TYPE, {"zone": "a.example", "account": {"id": "acc"}}),
    (ZONE_TYPE, {"zone": "b.example", "account": {"id": "acc"}}),
]


def in_created_zone(index: int, records: list[tuple[str, dict[str, Any]]]) -> list[tuple[Any, ...]]:
    """Records of created zone ``index``: zoneId unknown, computed from that zone."""
    return [(kind, {**props, "zoneId": UNKNOWN}, {"zoneId": [index]}) for kind, props in records]


def without(kind: str, records: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    return [r for r in records if not (r[1]["type"] == kind or (kind == "DKIM" and "_domainkey" in r[1]["name"]))]


def two_created_zones(second: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """Zone a complete, zone b with ``second``: both created in the stack."""
    return stack(*CREATED_ZONES, *in_created_zone(0, [WEB, *mail()]), *in_created_zone(1, second))


RECORD_VIOLATIONS: list[tuple[str, dict[str, Any]]] = [
    (TTL, {"ttl": 3600}),
    (TTL, {"ttl": 301}),
    (TTL, {"ttl": 1}),  # automatic, but not proxied
    (TTL, {"ttl": 1, "proxied": DELETE}),  # absent: not proxied
    (TTL, {"ttl": DELETE}),
    (TTL, {"type": "CNAME", "content": "agencyos.example", "ttl": 3600}),
    (TTL, {"type": "AAAA", "content": "2001:db8::1", "ttl": 86400}),
]
RECORD_COMPLIANT: list[dict[str, Any]] = [
    {"ttl": 60},
    {"ttl": 1, "proxied": True},  # Cloudflare's automatic TTL on a proxied record
    {"ttl": 300.0},  # numbers as the engine sends them
    {"type": "TXT", "ttl": 3600, "content": "v=spf1 -all"},  # not a web record
    {"type": "CNAME", "name": "s1._domainkey.agencyos.example", "ttl": 3600},  # a service record
    {"type": "MX", "ttl": 3600, "content": "mx.example", "priority": 10},
]
SETTING_VIOLATIONS: list[dict[str, Any]] = [
    {"settingId": "ssl", "value": "full"},
    {"settingId": "ssl", "value": "flexible"},
    {"settingId": "min_tls_version", "value": "1.0"},
    {"settingId": "min_tls_version", "value": "1.1"},
    {"settingId": "always_use_https", "value": "off"},
    {"settingId": "tls_1_3", "value": "off"},
    {"settingId": "ssl"},
]
SETTING_COMPLIANT: list[dict[str, Any]] = [
    {"settingId": "ssl", "value": "strict"},
    {"settingId": "min_tls_version", "value": "1.2"},
    {"settingId": "min_tls_version", "value": "1.3"},  # stricter
    {"settingId": "always_use_https", "value": "on"},
    {"settingId": "tls_1_3", "value": "zrt"},  # TLS 1.3 with 0-RTT
    {"settingId": "brotli", "value": "off"},  # not a TLS setting
]

STACK_FAILING: list[tuple[str, dict[str, Any], str]] = [
    (MX, NO_MX, "no MX"),
    (SPF, stack(WEB, *mail()[:1], *mail()[2:]), "no SPF"),
    (SPF, stack(WEB, *mail(spf="v=spf1 include:spf.mail.example +all")), "+all"),
    (SPF, stack(WEB, *mail(spf="v=spf1 include:spf.mail.example ?all")), "?all"),
    (SPF, stack(WEB, *mail(spf="v=spf1 include:spf.mail.example")), "no all"),
    (SPF, stack(WEB, *mail(spf=UNKNOWN)), "content unknown"),
    (DKIM, stack(WEB, *[r for r in mail() if "_domainkey" not in r[1]["name"]]), "no DKIM"),
    (DMARC, stack(WEB, *mail(dmarc="v=DMARC1; p=none; rua=mailto:d@agencyos.example")), "p=none"),
    (DMARC, stack(WEB, *mail(dmarc="v=DMARC1; rua=mailto:d@agencyos.example")), "no p"),
    (DMARC, stack(WEB, *mail()[:3]), "no DMARC"),
    (DMARC, stack(WEB, *mail(dmarc=UNKNOWN)), "content unknown"),
    (MX, stack(*mail(), *[r for r in mail(OTHER_ZONE) if r[1]["type"] != "MX"]), "second zone lacks MX"),
    (MX, stack(*[r for r in mail(UNKNOWN) if r[1]["type"] != "MX"]), "zone unknown, no MX"),
    (MX, two_created_zones([WEB, *without("MX", mail())]), "created zone b lacks MX"),
    (SPF, two_created_zones([WEB, *without("TXT", mail())[:2], mail()[3]]), "created zone b lacks SPF"),
    (DKIM, two_created_zones([WEB, *without("DKIM", mail())]), "created zone b lacks DKIM"),
    (DMARC, two_created_zones([WEB, *mail()[:3]]), "created zone b lacks DMARC"),
    (DKIM, stack(WEB, NULL_MX, mail()[0], *mail()[1:2], mail()[3]), "a null MX beside a real MX: takes mail"),
    (DKIM, stack(WEB, record("agencyos.example", "MX", ".", priority=10), mail()[1], mail()[3]), "MX . at 10"),
    (DKIM, stack(WEB, mail()[0], *NO_SENDERS[:1], *mail(dmarc=QUARANTINE)[3:]), "-all, p=quarantine, no DKIM"),
    (MX, stack(WEB, *NO_SENDERS[:1], mail()[2], *mail(dmarc=QUARANTINE)[3:]), "-all, p=quarantine, no MX"),
    (DKIM, stack(WEB, *mail()[:2], mail()[3]), "a mail zone without DKIM"),
]
STACK_PASSING: list[tuple[dict[str, Any], str]] = [
    (COMPLETE, "complete zone"),
    (stack(WEB, *mail(spf="v=spf1 include:spf.mail.example ~all")), "~all"),
    (stack(WEB, *mail(dmarc="v=DMARC1; p=quarantine; rua=mailto:d@agencyos.example")), "quarantine"),
    (stack(WEB, *mail(dmarc='"v=DMARC1; p=reject"')), "quoted content"),
    (stack(*[(LEGACY_RECORD, p) for _, p in mail()]), "the deprecated Record type"),
    (stack(*mail(), *mail(OTHER_ZONE)), "two complete zones"),
    (stack(*mail(UNKNOWN)), "zone unknown: judged as one"),
    (stack(), "no DNS records: not judged"),
    (two_created_zones([WEB, *mail()]), "two complete zones created in the stack"),
    (stack(*CREATED_ZONES[:1], *in_created_zone(0, mail()), *mail(OTHER_ZONE)), "a created and a known zone"),
    (stack(WEB, NULL_MX, *NO_SENDERS), "null MX, SPF -all, DMARC reject: takes no mail"),
    (stack(WEB, NULL_MX, mail()[1], *mail(dmarc=QUARANTINE)[3:]), "null MX: no DKIM asked"),
    (stack(WEB, *NO_SENDERS), "SPF -all and DMARC reject: no MX, no DKIM asked"),
    (stack(WEB, record("agencyos.example", "TXT", '"v=spf1  -ALL"'), mail()[3]), "-all spelled loosely"),
]

FAILING = [Case(TTL, DNS_RECORD, mutate(A_RECORD, changes), note=str(changes)) for _, changes in RECORD_VIOLATIONS]
FAILING += [Case(HTTPS, ZONE_SETTING, {"zoneId": ZONE, **props}, note=str(props)) for props in SETTING_VIOLATIONS]
FAILING += [Case(policy, STACK, props, note=note) for policy, props, note in STACK_FAILING]
PASSING = [Case(TTL, DNS_RECORD, mutate(A_RECORD, changes), note=str(changes)) for changes in [{}, *RECORD_COMPLIANT]]
PASSING += [Case(HTTPS, ZONE_SETTING, {"zoneId": ZONE, **props}, note=str(props)) for props in SETTING_COMPLIANT]
PASSING += [Case(policy, STACK, props, note=note) for props, note in STACK_PASSING for policy in ZONE_POLICIES]

assert {c.policy for c in FAILING} == {name for name in REGISTRY if name.startswith("cloudflare-")}
