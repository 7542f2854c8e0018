"""Cloudflare DNS, email authentication and edge settings for the zone: checklist §4 and the Go-Live TTLs.

Records (names fully qualified, as the Cloudflare API returns them, so a refresh shows no drift):
``A @`` and ``A www`` to the ingress controller's load balancer, ``CNAME api`` to the backend entry point
(the apex by default, which the same ingress serves), the email provider's MX hosts, the SPF TXT at the
apex, a DKIM record per selector under ``<selector>._domainkey`` and the DMARC TXT at ``_dmarc``.

TTLs (final-go-live-checklist.t-1-day.2 and .t-24-hours.5): A/CNAME at 300 s during launch, so a rollback
propagates quickly, raised back to 3600 s at T+24h by setting ``dns.webTtl``; TXT and MX at 3600 s.
Cloudflare forces TTL 1 ("automatic") on proxied records: it answers for them with its own anycast
addresses, whose TTL it manages, so the record's TTL never reaches resolvers. Proxied records therefore
get ttl=1 (the only value the API keeps for them) and the policy accepts 1 only on proxied records.

Zone settings (one ``cloudflare.ZoneSetting`` per setting id, provider v6): SSL strict, always use HTTPS,
minimum TLS 1.2, TLS 1.3, HSTS (one year, subdomains), Brotli; and a cache rule for static assets.

SPF and DMARC are validated in the settings with ``checkdmarc``, offline (see ``spf_problem`` and
``dmarc_problem``). The provider reads its API token from ``CLOUDFLARE_API_TOKEN``; no token is in config.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import dns.resolver
import pulumi
from agencyos_checklist.numbers import DNS_LAUNCH_TTL, DNS_NORMAL_TTL, HSTS_MAX_AGE_SECONDS, seconds
from checkdmarc.dmarc import DMARCError, parse_dmarc_record, parse_dmarc_report_uri
from checkdmarc.spf import SPF_MECHANISM_REGEX, SPFError, parse_spf_record
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic.alias_generators import to_camel

from components.patterns import HOSTNAME

TYPE = "agencyos:dns:Dns"
# Cloudflare: "Setting to 1 means 'automatic'"; the only TTL it keeps on a proxied record.
AUTOMATIC_TTL = 1
# Cloudflare's TTL range for non-Enterprise zones (dns_record.py: "between 60 and 86400").
MIN_TTL, MAX_TTL = 60, 86400
# RFC 7208 §4.6.4: at most 10 terms that cause DNS lookups per SPF evaluation.
SPF_MAX_LOOKUPS = 10
SPF_LOOKUP_TERMS = frozenset({"include", "a", "mx", "ptr", "exists", "redirect"})
SPF_ENDINGS = ("-all", "~all")
DMARC_POLICIES = ("quarantine", "reject")
MIN_TLS_VERSION = "1.2"
SSL_MODE = "strict"
ZONE_SETTINGS: dict[str, Any] = {
    "ssl": SSL_MODE,
    "always_use_https": "on",
    "min_tls_version": MIN_TLS_VERSION,
    "tls_1_3": "on",
    "brotli": "on",
    "security_header": {
        "strictTransportSecurity": {
            "enabled": True,
            "maxAge": HSTS_MAX_AGE_SECONDS,
            "includeSubdomains": True,
            "nosniff": True,
            "preload": False,
        }
    },
}
"""Cloudflare setting id -> value (checklist 4.cdn-configuration-recommended.*, 8.application-security.1)."""
STATIC_EXTENSIONS = ("css", "js", "mjs", "png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "ico", "woff", "woff2")
STATIC_PATH = "/static/"
CACHE_PHASE = "http_request_cache_settings"
_HOSTNAME = re.compile(HOSTNAME, re.ASCII)
_ZONE_ID = re.compile(r"^[0-9a-f]{32}$", re.ASCII)
_SELECTOR = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$", re.ASCII)


class _Offline(Exception):
    """Raised by the resolver below the moment checkdmarc would query DNS."""


class _NoDnsResolver(dns.resolver.Resolver):
    """A resolver that refuses every query: settings are validated offline, before anything exists."""

    def __init__(self) -> None:
        super().__init__(configure=False)

    def resolve(self, *args: Any, **kwargs: Any) -> Any:
        raise _Offline

    def query(self, *args: Any, **kwargs: Any) -> Any:
        raise _Offline


def spf_lookups(record: str) -> int:
    """The record's own DNS-lookup terms (include, a, mx, ptr, exists, redirect), RFC 7208 §4.6.4.

    Counted from the terms as checkdmarc's tokenizer splits them: checkdmarc counts lookups only while
    resolving the targets over DNS, which settings validation must not do. Included records' own lookups
    add to this at evaluation time, so this is a lower bound of what receivers count.
    """
    count = 0
    for term in record.split()[1:]:
        match = SPF_MECHANISM_REGEX.fullmatch(term)
        if match is not None and match[2].lower() in SPF_LOOKUP_TERMS:
            count += 1
    return count


def spf_problem(record: str, domain: str) -> str | None:
    """Why an SPF record is unfit, or None. Offline: checkdmarc's syntax checks, our lookup count and ending."""
    terms = record.split()
    if not terms or terms[0].lower() != "v=spf1":
        return "must start with v=spf1"
    # exp= names a TXT record checkdmarc fetches over DNS; it never counts as a lookup (RFC 7208 §6.2).
    checked = " ".join(t for t in terms if not t.lower().startswith("exp="))
    try:
        # checkdmarc validates every term's syntax before any DNS work; the resolver stops it there.
        parse_spf_record(checked, domain or "example.com", resolver=_NoDnsResolver())
    except _Offline:
        pass
    except SPFError as error:
        return f"is not a valid SPF record: {_without_record(str(error), record)}"
    lookups = spf_lookups(record)
    if lookups > SPF_MAX_LOOKUPS:
        return f"has {lookups} DNS-lookup terms; RFC 7208 allows at most {SPF_MAX_LOOKUPS}"
    endings = [t.lower() for t in terms if t.lower().lstrip("+-~?") == "all"]
    if not endings or endings[-1] not in SPF_ENDINGS:
        return "must end with -all or ~all (never +all, ?all or a bare all, which let anyone send as the domain)"
    return None


def dmarc_problem(record: str, domain: str) -> str | None:
    """Why a DMARC record is unfit, or None. Offline: report addresses are parsed, never looked up."""
    if not record.strip().lower().startswith("v=dmarc1"):
        return "must start with v=DMARC1"
    tags = [part.strip() for part in record.split(";")]
    reports = [t for t in tags if t.split("=", 1)[0].strip().lower() in ("rua", "ruf")]
    rest = "; ".join(t for t in tags if t and t not in reports)
    try:
        # Without rua/ruf, checkdmarc's parser queries nothing (it looks up report domains' MX records).
        parsed = parse_dmarc_record(rest, domain or "example.com", resolver=_NoDnsResolver())
        addresses = [
            parse_dmarc_report_uri(uri)
            for tag in reports
            if tag.split("=", 1)[0].strip().lower() == "rua"
            for uri in tag.split("=", 1)[1].split(",")
        ]
        for tag in reports:
            if tag.split("=", 1)[0].strip().lower() == "ruf":
                for uri in tag.split("=", 1)[1].split(","):
                    parse_dmarc_report_uri(uri)
    except _Offline:
        return "could not be checked offline"
    except (DMARCError, IndexError) as error:
        return f"is not a valid DMARC record: {_without_record(str(error), record)}"
    policy = parsed["tags"]["p"]["value"]
    if policy not in DMARC_POLICIES:
        return "must set p=quarantine or p=reject (p=none only monitors: spoofed mail is still delivered)"
    if not addresses:
        return "must set rua=mailto:<address> so aggregate reports reach someone"
    return None


def _without_record(message: str, record: str) -> str:
    return message.replace(record, "<record>").split(" in: ")[0]


class DkimType(StrEnum):
    TXT = "TXT"
    CNAME = "CNAME"


class MxHost(BaseModel):
    """One mail exchanger of the email provider."""

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)

    host: str = Field(
        max_length=253, pattern=_HOSTNAME.pattern, description="Mail server host name, e.g. mx1.provider.example."
    )
    priority: int = Field(ge=0, le=65535, description="MX preference; lower is tried first.")


class DkimKey(BaseModel):
    """One DKIM selector of the email provider: a TXT key or a CNAME to the provider's key."""

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)

    selector: str = Field(pattern=_SELECTOR.pattern, description="Selector; the record is <selector>._domainkey.")
    type: DkimType = Field(DkimType.CNAME, description="TXT (the key itself) or CNAME (the provider hosts the key).")
    content: str = Field(min_length=1, description="v=DKIM1; k=rsa; p=... for TXT, the provider's host for CNAME.")

    @field_validator("content")
    @classmethod
    def _fits_the_type(cls, content: str, info: ValidationInfo) -> str:
        kind = info.data.get("type")
        if kind is DkimType.TXT and not re.search(r"(^|;)\s*p=", content):
            raise ValueError("a DKIM TXT record carries the public key in a p= tag")
        if kind is DkimType.CNAME and not _HOSTNAME.match(content.rstrip(".")):
            raise ValueError("a DKIM CNAME points to a host name")
        return content


class DnsSpec(BaseModel):
    """The zone and its records; this is the stack config object ``agencyos-infra:dns``.

    An empty ``domain`` means the stack manages no DNS. Once it is set, every email record is required.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)

    domain: str = Field(
        "",
        max_length=253,
        description="The zone's domain, e.g. agencyos.example; empty: no DNS in this stack (checklist "
        "4.domain-setup.1).",
    )
    zone_id: str = Field(
        "", validate_default=True, description="Cloudflare zone id (32 hex digits) of the domain; not a secret."
    )
    proxied: bool = Field(
        True,
        description="Proxy A/CNAME records through Cloudflare (DDoS protection, caching; checklist "
        "4.cdn-configuration-recommended.2); proxied records take TTL 1, automatic.",
    )
    web_ttl: int = Field(
        seconds(DNS_LAUNCH_TTL),
        ge=MIN_TTL,
        le=MAX_TTL,
        description=f"TTL of unproxied A/CNAME records, seconds: {seconds(DNS_LAUNCH_TTL)} during launch "
        f"({DNS_LAUNCH_TTL.item}), {seconds(DNS_NORMAL_TTL)} from T+24h ({DNS_NORMAL_TTL.item}).",
    )
    mail_ttl: int = Field(
        seconds(DNS_NORMAL_TTL),
        ge=MIN_TTL,
        le=MAX_TTL,
        description=f"TTL of TXT and MX records, seconds ({seconds(DNS_NORMAL_TTL)}, checklist 4.domain-setup.2).",
    )
    api_target: str = Field(
        "",
        description="Target of CNAME api: the backend entry point host; empty: the apex, served by the same ingress.",
    )
    mx: tuple[MxHost, ...] = Field(
        (), validate_default=True, description="The email provider's MX hosts (checklist 4.domain-setup.3)."
    )
    spf: str = Field(
        "",
        validate_default=True,
        description="SPF TXT at the apex: v=spf1 ... ending in -all or ~all, at most 10 DNS-lookup terms "
        "(checklist 4.domain-setup.4).",
    )
    dkim: tuple[DkimKey, ...] = Field(
        (),
        validate_default=True,
        description="DKIM keys of the email provider's selectors (checklist 4.domain-setup.4).",
    )
    dmarc: str = Field(
        "",
        validate_default=True,
        description="DMARC TXT at _dmarc: v=DMARC1 with p=quarantine or p=reject and rua=mailto:... "
        "(checklist 4.domain-setup.4).",
    )
    static_edge_ttl: int = Field(
        86400,
        ge=MIN_TTL,
        description="Seconds Cloudflare's edge caches static assets (checklist 4.cdn-configuration-recommended.3).",
    )

    @field_validator("domain")
    @classmethod
    def _is_a_domain(cls, domain: str) -> str:
        if domain and not _HOSTNAME.match(domain):
            raise ValueError("must be a lowercase domain name such as agencyos.example")
        return domain

    @field_validator("zone_id")
    @classmethod
    def _zone_id(cls, zone_id: str, info: ValidationInfo) -> str:
        if info.data.get("domain") and not _ZONE_ID.match(zone_id):
            raise ValueError("must be the Cloudflare zone id of the domain: 32 lowercase hex digits")
        return zone_id

    @field_validator("api_target")
    @classmethod
    def _api_target(cls, target: str) -> str:
        if target and not _HOSTNAME.match(target):
            raise ValueError("must be a host name (a CNAME points to a name, not an address)")
        return target

    @field_validator("mx", "dkim")
    @classmethod
    def _required_with_a_domain(cls, records: tuple[Any, ...], info: ValidationInfo) -> tuple[Any, ...]:
        if info.data.get("domain") and not records:
            raise ValueError("at least one is required once domain is set (checklist 4.domain-setup.3, .4)")
        return records

    @field_validator("spf")
    @classmethod
    def _spf(cls, record: str, info: ValidationInfo) -> str:
        domain = info.data.get("domain")
        if not record and not domain:
            return record
        problem = spf_problem(record, domain or "")
        if problem:
            raise ValueError(problem)
        return record

    @field_validator("dmarc")
    @classmethod
    def _dmarc(cls, record: str, info: ValidationInfo) -> str:
        domain = info.data.get("domain")
        if not record and not domain:
            return record
        problem = dmarc_problem(record, domain or "")
        if problem:
            raise ValueError(problem)
        return record


@dataclass(frozen=True, kw_only=True)
class DnsArgs:
    """Everything the Dns component needs; the provider (its token from CLOUDFLARE_API_TOKEN) goes in ``opts``."""

    spec: DnsSpec
    """The zone, its records and TTLs; ``spec.domain`` must be set."""
    ingress_address: pulumi.Input[str]
    """IPv4 address of the ingress controller's load balancer; another component's output."""

    def __post_init__(self) -> None:
        if not self.spec.domain:
            raise ValueError("spec.domain is required: the Dns component manages one zone")
        if self.ingress_address is None or (isinstance(self.ingress_address, str) and not self.ingress_address):
            raise ValueError("ingress_address is required: A @ and A www point to it")


def _cloudflare() -> Any:
    """pulumi_cloudflare, imported when a zone is built: it takes about 2 s, and the settings need none of it."""
    with warnings.catch_warnings():
        # It warns at import time about its own deprecated aliases (AccessApplication...), used or not.
        warnings.simplefilter("ignore", DeprecationWarning)
        import pulumi_cloudflare

    return pulumi_cloudflare


def static_assets_expression() -> str:
    """Cloudflare rules language: requests for /static/ or a common asset extension."""
    extensions = " ".join(f'"{extension}"' for extension in STATIC_EXTENSIONS)
    return (
        f'(starts_with(http.request.uri.path, "{STATIC_PATH}") or http.request.uri.path.extension in {{{extensions}}})'
    )


class Dns(pulumi.ComponentResource):
    """The zone's web and email records, its TLS/HSTS/compression settings and the static-asset cache rule.

    Cloudflare resources take no labels (record tags need a paid plan), so the shared labels are not applied.
    """

    record_names: pulumi.Output[list[str]]
    """Fully qualified names of the records, A first."""
    zone_id: pulumi.Output[str]
    """The Cloudflare zone id."""

    def __init__(self, name: str, args: DnsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        cloudflare = _cloudflare()
        spec, domain = args.spec, args.spec.domain
        child = pulumi.ResourceOptions(parent=self, depends_on=opts.depends_on if opts else None)
        web_ttl = AUTOMATIC_TTL if spec.proxied else spec.web_ttl
        names: list[str] = []

        def record(key: str, kind: str, host: str, content: pulumi.Input[str], **extra: Any) -> None:
            fqdn = domain if host == "@" else f"{host}.{domain}"
            names.append(fqdn)
            cloudflare.DnsRecord(
                f"{name}-{key}",
                zone_id=spec.zone_id,
                name=fqdn,
                type=kind,
                content=content,
                opts=child,
                **extra,
            )

        web: dict[str, Any] = {"ttl": web_ttl, "proxied": spec.proxied}
        if spec.proxied:
            web["comment"] = "Proxied: Cloudflare sets TTL automatic (1); launch TTL applies when unproxied."
        record("apex-a", "A", "@", args.ingress_address, **web)
        record("www-a", "A", "www", args.ingress_address, **web)
        record("api-cname", "CNAME", "api", spec.api_target or domain, **web)
        for index, mx in enumerate(spec.mx):
            record(f"mx-{index}", "MX", "@", mx.host, priority=mx.priority, ttl=spec.mail_ttl)
        record("spf-txt", "TXT", "@", spec.spf, ttl=spec.mail_ttl)
        for key in spec.dkim:
            # A DKIM CNAME must not be proxied: receivers fetch the provider's TXT key through it.
            dkim_extra: dict[str, Any] = {"proxied": False} if key.type is DkimType.CNAME else {}
            record(
                f"dkim-{key.selector}",
                key.type.value,
                f"{key.selector}._domainkey",
                key.content,
                ttl=spec.mail_ttl,
                **dkim_extra,
            )
        record("dmarc-txt", "TXT", "_dmarc", spec.dmarc, ttl=spec.mail_ttl)

        for setting_id, value in ZONE_SETTINGS.items():
            cloudflare.ZoneSetting(
                f"{name}-{setting_id.replace('_', '-')}",
                zone_id=spec.zone_id,
                setting_id=setting_id,
                value=value,
                opts=child,
            )
        cloudflare.Ruleset(
            f"{name}-static-cache",
            zone_id=spec.zone_id,
            kind="zone",
            phase=CACHE_PHASE,
            name=f"{domain} static assets",
            description="Cache static assets at the edge (checklist 4.cdn-configuration-recommended.3).",
            rules=[
                cloudflare.RulesetRuleArgs(
                    action="set_cache_settings",
                    expression=static_assets_expression(),
                    description="Static assets: cacheable, edge TTL from dns.staticEdgeTtl.",
                    enabled=True,
                    action_parameters=cloudflare.RulesetRuleActionParametersArgs(
                        cache=True,
                        edge_ttl=cloudflare.RulesetRuleActionParametersEdgeTtlArgs(
                            mode="override_origin", default=spec.static_edge_ttl
                        ),
                        browser_ttl=cloudflare.RulesetRuleActionParametersBrowserTtlArgs(mode="respect_origin"),
                    ),
                )
            ],
            opts=child,
        )

        self.record_names = pulumi.Output.from_input(names)
        self.zone_id = pulumi.Output.from_input(spec.zone_id)
        self.register_outputs({"record_names": self.record_names, "zone_id": self.zone_id})
