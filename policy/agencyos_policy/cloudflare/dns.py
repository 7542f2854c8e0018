"""Cloudflare DNS and email-authentication policies: checklist §4 (Domain Setup) and the Go-Live TTLs.

Written from the checklist and the ``cloudflare:index/dnsRecord:DnsRecord`` schema (provider v6; the
deprecated ``cloudflare:index/record:Record`` is judged alike). Record names may be ``@``, relative
(``_dmarc``) or fully qualified (``_dmarc.example.com``): a name is read by its labels.

Per zone (stack level): the records are grouped by ``zoneId``. A zone the stack creates has an id unknown
at preview, so its records are grouped by their ``zoneId`` property dependency (AnalyzeStack carries it):
the URN of that one Zone. Records whose zone id is unknown for another reason (computed from something
else) are grouped by that origin, each group judged as one zone, and the messages say so. A rule that
demands a record exists judges only the zones the stack writes records into: a stack with no DNS records is
not judged on DNS.

- MX (4.domain-setup.3), SPF, DKIM and DMARC (4.domain-setup.4) are mandatory: the checklist requires them.
- A zone that takes no mail is not asked for what only mail needs: one publishing the null MX (RFC 7505:
  every MX record is priority 0 with content ``.``) has its MX and needs no DKIM key; one that says it
  sends no mail (SPF exactly ``v=spf1 -all`` and DMARC ``p=reject``) needs neither MX nor DKIM. Both still
  publish SPF and DMARC, which is how such a domain stops others sending as it.
- SPF must end with ``-all`` or ``~all``: ``+all`` and ``?all`` authorise anyone to send as the domain, so a
  record ending so fails the item rather than meeting it.
- DMARC ``p=quarantine`` or ``p=reject``: the checklist says "configure DMARC"; ``p=none`` configures
  monitoring only (spoofed mail is still delivered), so requiring enforcement is our hardening. Issue 9
  makes it mandatory (a stack with ``p=none`` is rejected), under the same item, 4.domain-setup.4.
- An unknown value (content, name or type computed at preview) cannot prove a mandatory record: where a
  zone lacks a record only an unknown value could be, the result is undetermined, naming the records.

Per record: A/AAAA/CNAME TTL at most the launch TTL (final-go-live-checklist.t-1-day.2; policy config
``maxTtl``, raised with ``webTtl`` at T+24h, final-go-live-checklist.t-24-hours.5). TTL 1 means
"automatic": Cloudflare forces it on proxied records (it answers with its own addresses), so 1 passes only
when ``proxied`` is true (absent means false, the provider's default). Names with a label starting with
``_`` (``_domainkey``, ``_acme-challenge``) are service records, not hosts a rollback moves: not judged.

Zone settings (``cloudflare:index/zoneSetting:ZoneSetting``, one resource per setting id), where the stack
sets them: ``ssl`` strict, ``min_tls_version`` 1.2 or later, ``always_use_https`` on, ``tls_1_3`` on (or
``zrt``) — checklist 8.application-security.1 (HTTPS-only). A setting the stack does not manage is not judged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from typing import Any

from agencyos_checklist.numbers import DNS_LAUNCH_TTL, DNS_NORMAL_TTL, seconds
from pulumi_policy import Severity

from agencyos_policy.origins import name_of, type_of
from agencyos_policy.props import ABSENT, UNKNOWN, lookup, undetermined
from agencyos_policy.registry import MANDATORY, Param, StackSubject, Subject, resource_policy, stack_policy
from agencyos_policy.rules import number, unknown

DNS_RECORD = "cloudflare:index/dnsRecord:DnsRecord"
LEGACY_RECORD = "cloudflare:index/record:Record"
RECORDS = (DNS_RECORD, LEGACY_RECORD)
ZONE_SETTING = "cloudflare:index/zoneSetting:ZoneSetting"
ZONE = "cloudflare:index/zone:Zone"
WEB_TYPES = frozenset({"A", "AAAA", "CNAME"})
# Cloudflare: "Setting to 1 means 'automatic'".
AUTOMATIC_TTL = 1
SPF_ENDINGS = ("-all", "~all")
DMARC_POLICIES = ("quarantine", "reject")
SSL_STRICT = ("strict", "full_strict")
TLS_VERSIONS = ("1.0", "1.1", "1.2", "1.3")
MIN_TLS = "1.2"
TLS_1_3_ON = ("on", "zrt")
UNKNOWN_ZONE = (
    "the zone of this record (its zoneId is unknown during preview; records whose zone ids are computed from the "
    "same resources are judged as one)"
)
THE_ZONE = "the zone of this record"
NULL_MX = "."
NO_SENDERS = ("v=spf1", "-all")


def _duration(stated: Any, description: str) -> Param:
    schema = {"type": "string", "pattern": "^[0-9]+[smh]$", "default": stated.value, "description": description}
    return Param(schema, stated)


def _text(value: Any) -> Any:
    """A TXT content as published: surrounding quotes (Cloudflare accepts them) removed."""
    if isinstance(value, str):
        return value.strip().strip('"').strip()
    return value


def _labels(name: Any) -> list[str] | Any:
    if name is UNKNOWN or name is ABSENT:
        return name
    return str(name).lower().rstrip(".").split(".")


def _content(record: Any) -> Any:
    content = lookup(record.props, "content")
    return lookup(record.props, "value") if content is ABSENT else content


class _CreatedZone(str):
    """The URN of a Zone the stack creates: the key of its records, whose zoneId is unknown at preview."""


class _ComputedZone(tuple[str, ...]):
    """The URNs a record's unknown zoneId is computed from (no single created Zone): records alike are one group."""


def _zone_key(record: Any) -> Any:
    zone = lookup(record.props, "zoneId")
    if zone is not UNKNOWN:
        return zone
    origin = [dependency.urn for dependency in getattr(record, "property_dependencies", {}).get("zoneId", [])]
    if len(origin) == 1 and type_of(origin[0]) == ZONE:
        return _CreatedZone(origin[0])
    return _ComputedZone(sorted(origin))


def _zones(subject: StackSubject) -> dict[Any, list[Any]]:
    zones: dict[Any, list[Any]] = {}
    for record in subject.of_type(*RECORDS):
        zones.setdefault(_zone_key(record), []).append(record)
    return zones


def _where(zone: Any) -> str:
    if isinstance(zone, _CreatedZone):
        return f"the zone {name_of(zone)!r} this stack creates"
    return UNKNOWN_ZONE if isinstance(zone, _ComputedZone) else THE_ZONE


def _names(records: list[Any]) -> str:
    return ", ".join(repr(str(record.name)) for record in records)


def _undetermined(zone: Any, requirement: str, unknown_records: list[Any], what: str) -> str:
    return undetermined(
        f"{_where(zone)} must {requirement}; the {what} of record {_names(unknown_records)} is unknown during "
        "preview, so it cannot be proven."
    )


def _kind(record: Any) -> Any:
    kind = lookup(record.props, "type")
    return kind.upper() if isinstance(kind, str) else kind


def _is_spf(record: Any) -> Any:
    """True, False, or UNKNOWN (a TXT whose content is computed)."""
    kind = _kind(record)
    if kind is UNKNOWN:
        return UNKNOWN
    if kind != "TXT":
        return False
    content = _text(_content(record))
    if content is UNKNOWN:
        return UNKNOWN
    return isinstance(content, str) and content.lower().startswith("v=spf1")


def _spf_ending_ok(content: str) -> bool:
    terms = [t.lower() for t in content.split() if t.lower().lstrip("+-~?") == "all"]
    return bool(terms) and terms[-1] in SPF_ENDINGS


def _dmarc_policy(content: str) -> str | None:
    tags = {}
    for part in content.split(";"):
        key, _, value = part.partition("=")
        tags[key.strip().lower()] = value.strip().lower()
    return tags.get("p") if tags.get("v") == "dmarc1" else None


def _is_null_mx(records: list[Any]) -> bool:
    """Every MX record is the null MX (priority 0, content "."): the domain accepts no mail (RFC 7505)."""
    mx = [r for r in records if _kind(r) == "MX"]
    return bool(mx) and all(_content(r) == NULL_MX and number(lookup(r.props, "priority")) == 0 for r in mx)


def _sends_no_mail(records: list[Any]) -> bool:
    """SPF exactly ``v=spf1 -all`` with DMARC ``p=reject``: the domain says no mail comes from it."""
    spf = [_text(_content(r)) for r in records if _is_spf(r) is True]
    no_senders = bool(spf) and all(tuple(str(c).lower().split()) == NO_SENDERS for c in spf)
    return no_senders and any(policy == "reject" for policy in _dmarc_policies(records))


def _dmarc_policies(records: list[Any]) -> list[str | None]:
    """The p= of each known DMARC TXT record (at _dmarc) of a zone."""
    return [
        _dmarc_policy(str(content))
        for r in records
        if _kind(r) == "TXT"
        and isinstance(labels := _labels(lookup(r.props, "name")), list)
        and labels[0] == "_dmarc"
        and isinstance(content := _text(_content(r)), str)
    ]


zone_policy = partial(stack_policy, resource_types=RECORDS, tags=("dns",))


@zone_policy(
    name="cloudflare-dns-zone-mx",
    item="4.domain-setup.3",
    level=MANDATORY,
    severity=Severity.MEDIUM,
    description="Every zone the stack writes DNS records into has an MX record, so mail for the domain is delivered.",
    remediation="Add the email provider's MX records (type MX, name @, content the mail host, a priority); a "
    "domain that receives no mail publishes the null MX (priority 0, content '.').",
)
def zone_mx(subject: StackSubject) -> Iterator[tuple[str, str | None]]:
    for zone, records in _zones(subject).items():
        kinds = [_kind(r) for r in records]
        if "MX" in kinds or _sends_no_mail(records):
            continue
        unknown_kinds = [r for r in records if _kind(r) is UNKNOWN]
        if unknown_kinds and subject.mandatory:
            yield _undetermined(zone, "have an MX record", unknown_kinds, "type"), records[0].urn
            continue
        verb = "must" if subject.mandatory else "should"
        yield f"{_where(zone)} {verb} have an MX record (or the null MX, priority 0 content '.').", records[0].urn


@zone_policy(
    name="cloudflare-dns-zone-spf",
    item="4.domain-setup.4",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="Every zone has an SPF TXT record (v=spf1) ending in -all or ~all; never +all or ?all.",
    remediation="Publish one TXT record at the apex: v=spf1 include:<provider> -all (or ~all).",
)
def zone_spf(subject: StackSubject) -> Iterator[tuple[str, str | None]]:
    verb = "must" if subject.mandatory else "should"
    for zone, records in _zones(subject).items():
        found = [r for r in records if _is_spf(r) is True]
        for record in found:
            if not _spf_ending_ok(_text(_content(record))):
                yield (
                    f"the SPF record {verb} end with -all or ~all (+all, ?all or a bare all let anyone send as "
                    "the domain).",
                    record.urn,
                )
        if found:
            continue
        unsure = [r for r in records if _is_spf(r) is UNKNOWN]
        if unsure and subject.mandatory:
            yield _undetermined(zone, "have an SPF TXT record", unsure, "type or content"), records[0].urn
            continue
        yield f"{_where(zone)} {verb} have an SPF TXT record (v=spf1 ... -all).", records[0].urn


def _under(record: Any, label: str) -> Any:
    labels = _labels(lookup(record.props, "name"))
    if labels is UNKNOWN:
        return UNKNOWN
    return labels is not ABSENT and label in labels


@zone_policy(
    name="cloudflare-dns-zone-dkim",
    item="4.domain-setup.4",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="Every zone has at least one DKIM record: a TXT or CNAME under _domainkey.",
    remediation="Add the email provider's DKIM records: <selector>._domainkey, TXT (v=DKIM1; p=<key>) or CNAME "
    "to the provider's key host.",
)
def zone_dkim(subject: StackSubject) -> Iterator[tuple[str, str | None]]:
    for zone, records in _zones(subject).items():
        keys = [r for r in records if _kind(r) in ("TXT", "CNAME") and _under(r, "_domainkey") is True]
        if keys or _is_null_mx(records) or _sends_no_mail(records):
            continue  # a zone that takes no mail signs none
        unsure = [
            r
            for r in records
            if _under(r, "_domainkey") is UNKNOWN or (_kind(r) is UNKNOWN and _under(r, "_domainkey") is True)
        ]
        if unsure and subject.mandatory:
            yield _undetermined(zone, "have a DKIM record", unsure, "name or type"), records[0].urn
            continue
        verb = "must" if subject.mandatory else "should"
        yield f"{_where(zone)} {verb} have a DKIM record (TXT or CNAME under _domainkey).", records[0].urn


@zone_policy(
    name="cloudflare-dns-zone-dmarc",
    item="4.domain-setup.4",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="Every zone has a DMARC TXT record at _dmarc with p=quarantine or p=reject (p=none only "
    "monitors: enforcement is our hardening of the item, required by issue 9).",
    remediation="Publish TXT _dmarc: v=DMARC1; p=quarantine (or reject); rua=mailto:<reports address>.",
)
def zone_dmarc(subject: StackSubject) -> Iterator[tuple[str, str | None]]:
    verb = "must" if subject.mandatory else "should"
    for zone, records in _zones(subject).items():
        candidates = [
            r
            for r in records
            if _kind(r) in ("TXT", UNKNOWN)
            and (labels := _labels(lookup(r.props, "name"))) is not ABSENT
            and (labels is UNKNOWN or labels[0] == "_dmarc")
        ]
        known = [r for r in candidates if _kind(r) == "TXT" and _labels(lookup(r.props, "name")) is not UNKNOWN]
        unsure: list[Any] = []
        enforced = False
        for record in known:
            content = _text(_content(record))
            if content is UNKNOWN:
                unsure.append(record)
                continue
            policy = _dmarc_policy(str(content)) if content is not ABSENT else None
            if policy in DMARC_POLICIES:
                enforced = True
            else:
                yield f"the DMARC record {verb} start with v=DMARC1 and set p=quarantine or p=reject.", record.urn
        if enforced:
            continue
        requirement = "have a DMARC TXT record at _dmarc (p=quarantine or p=reject)"
        if not known and candidates and subject.mandatory:
            yield _undetermined(zone, requirement, candidates, "name or type"), records[0].urn
        elif not known:
            yield f"{_where(zone)} {verb} {requirement}.", records[0].urn
        elif unsure and subject.mandatory:
            yield _undetermined(zone, requirement, unsure, "content"), records[0].urn


def _web_record(subject: Subject) -> bool:
    kind = lookup(subject.props, "type")
    if kind is not UNKNOWN and (not isinstance(kind, str) or kind.upper() not in WEB_TYPES):
        return False
    labels = _labels(lookup(subject.props, "name"))
    return labels is UNKNOWN or labels is ABSENT or not any(label.startswith("_") for label in labels)


@resource_policy(
    name="cloudflare-dns-record-launch-ttl",
    item=DNS_LAUNCH_TTL.item,
    level=MANDATORY,
    severity=Severity.MEDIUM,
    description=f"A, AAAA and CNAME records have a TTL of at most {seconds(DNS_LAUNCH_TTL)} s around launch, so a "
    "rollback propagates quickly; TTL 1 (automatic) only on proxied records.",
    remediation=f"Set ttl to {seconds(DNS_LAUNCH_TTL)} or less (or proxied: true with ttl 1). At T+24h raise it "
    'and this bound together: policy config {"cloudflare-dns-record-launch-ttl": {"maxTtl": "'
    + DNS_NORMAL_TTL.value
    + '"}}.',
    resource_types=RECORDS,
    applies=_web_record,
    config={"maxTtl": _duration(DNS_LAUNCH_TTL, f"Longest TTL of A/AAAA/CNAME records, e.g. {DNS_LAUNCH_TTL.value}.")},
    tags=("dns",),
)
def launch_ttl(subject: Subject) -> Iterator[str]:
    kind = lookup(subject.props, "type")
    if kind is UNKNOWN:
        yield from unknown(subject, ("type",))
        return
    ttl = lookup(subject.props, "ttl")
    if ttl is UNKNOWN:
        yield from unknown(subject, ("ttl",))
        return
    verb = "must" if subject.mandatory else "should"
    limit = _seconds(subject.config["maxTtl"])
    value = number(ttl)
    if value is None:
        yield f"ttl {verb} be set: at most {limit} seconds, or 1 (automatic) on a proxied record."
        return
    if value == AUTOMATIC_TTL:
        proxied = lookup(subject.props, "proxied")
        if proxied is UNKNOWN:
            yield from unknown(subject, ("proxied",))
        elif proxied is not True:
            yield f"ttl {verb} not be 1 (automatic) on a record that is not proxied: set at most {limit} seconds."
        return
    if value > limit:
        yield f"ttl {verb} be at most {limit} seconds during launch (quick rollback)."


def _seconds(text: Any) -> int:
    match = re.fullmatch(r"([0-9]+)([smh])", str(text))
    if match is None:
        return seconds(DNS_LAUNCH_TTL)
    return int(match[1]) * {"s": 1, "m": 60, "h": 3600}[match[2]]


def _tls_version(value: Any) -> bool:
    return str(value) in TLS_VERSIONS and TLS_VERSIONS.index(str(value)) >= TLS_VERSIONS.index(MIN_TLS)


ZONE_TLS_RULES: dict[str, tuple[Any, str]] = {
    "ssl": (lambda v: v in SSL_STRICT, "be strict (Full (strict): Cloudflare verifies the origin certificate)"),
    "min_tls_version": (_tls_version, f"be {MIN_TLS} or later"),
    "always_use_https": (lambda v: v == "on", "be on (HTTP redirected to HTTPS)"),
    "tls_1_3": (lambda v: v in TLS_1_3_ON, "be on"),
}


def _zone_tls_setting(subject: Subject) -> bool:
    setting = lookup(subject.props, "settingId")
    return setting is UNKNOWN or setting in ZONE_TLS_RULES


@resource_policy(
    name="cloudflare-zonesetting-zone-https-only",
    item="8.application-security.1",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="Zone TLS settings the stack manages are HTTPS-only: ssl strict, min_tls_version 1.2 or later, "
    "always_use_https on, tls_1_3 on.",
    remediation="Set value: ssl strict, min_tls_version 1.2, always_use_https on, tls_1_3 on.",
    resource_types=(ZONE_SETTING,),
    applies=_zone_tls_setting,
    tags=("dns", "tls"),
)
def zone_https_only(subject: Subject) -> Iterator[str]:
    setting = lookup(subject.props, "settingId")
    if setting is UNKNOWN:
        yield from unknown(subject, ("settingId",))
        return
    ok, requirement = ZONE_TLS_RULES[setting]
    value = lookup(subject.props, "value")
    if value is UNKNOWN:
        yield from unknown(subject, ("value",))
        return
    if value is ABSENT or not ok(value):
        verb = "must" if subject.mandatory else "should"
        yield f"value of the {setting} setting {verb} {requirement}."
