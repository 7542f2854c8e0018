"""DNS checks (checklist §4 Domain Setup), asked of the ``--dns-server`` or the system resolver with dnspython.

Web records (4.domain-setup.2): apex, ``www``, ``api`` and every public host resolve. Unproxied, to exactly
the ``ingressAddress`` output. Proxied through Cloudflare (``dns.proxied``), the zone answers with
Cloudflare's anycast addresses instead: then each name must resolve, never to the origin's address (which
would bypass the proxy and its DDoS protection), and, when ``ingress.trustedProxyCidrs`` lists the proxy's
ranges, only to addresses inside them.

Email (4.domain-setup.3, .4): MX present and the stack's hosts and priorities; SPF evaluated by checkdmarc
through the same resolver (its includes followed, at most 10 DNS lookups, ending in ``-all``/``~all``);
every DKIM selector of the stack has a key (a TXT with ``p=``, CNAMEs followed); DMARC ``p=quarantine`` or
``p=reject`` (checkdmarc's parser).

Every query goes through a :class:`ZoneRouter`: the zone's names to ``--dns-server``, the others (an SPF
include such as ``_spf.google.com``, a CNAME target outside the zone) to ``--resolver``. A check that needed
a name outside the zone the resolver could not resolve is "not tested", with the name and the reason.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from functools import partial
from typing import Any

import dns.exception
import dns.resolver

from agencyos_infra.verify.network import VerifyUsageError, ZoneRouter, describe, dns_reason
from agencyos_infra.verify.result import Check, failed, judged, not_tested, passed
from agencyos_infra.verify.target import Target

ITEM_RECORDS = "4.domain-setup.2"
ITEM_MX = "4.domain-setup.3"
ITEM_EMAIL_AUTH = "4.domain-setup.4"
# RFC 7208 §4.6.4, and the qualifiers of an `all` that does not let anyone send as the domain.
SPF_MAX_LOOKUPS = 10
SPF_ENDINGS = {"fail": "-all", "softfail": "~all"}
SPF_QUALIFIERS = {**SPF_ENDINGS, "pass": "+all", "neutral": "?all"}
DMARC_POLICIES = ("quarantine", "reject")


def check_reachable(resolver: dns.resolver.Resolver, domain: str) -> None:
    """Fail fast (exit 2) when the resolver does not answer at all; NXDOMAIN or no record is an answer."""
    try:
        resolver.resolve(domain, "SOA", raise_on_no_answer=False)
    except dns.resolver.NXDOMAIN:
        return
    except (dns.exception.Timeout, dns.resolver.NoNameservers) as error:
        raise VerifyUsageError(
            f"the DNS resolver ({describe(resolver)}) did not answer within {resolver.lifetime:g} s: "
            f"{dns_reason(error)}; check --dns-server (or --resolver, or the system resolver) and the network, "
            "or raise --timeout"
        ) from None
    except dns.exception.DNSException as error:
        raise VerifyUsageError(f"the DNS resolver ({describe(resolver)}) failed: {dns_reason(error)}") from None


def dns_checks(target: Target, resolver: ZoneRouter) -> list[Check]:
    import checkdmarc.utils

    # checkdmarc caches answers by name for the whole process, whatever the resolver: start clean.
    checkdmarc.utils.DNS_CACHE.clear()
    resolver.unresolved.clear()
    runs: list[Callable[[], Check]] = [partial(_address_check, target, name, resolver) for name in target.dns_names]
    runs += [partial(_mx_check, target, resolver), partial(_spf_check, target, resolver)]
    runs += [partial(_dkim_check, target, selector, resolver) for selector in target.dkim_selectors]
    runs.append(partial(_dmarc_check, target, resolver))
    return [_unless_unresolved(resolver, run) for run in runs]


def _unless_unresolved(resolver: ZoneRouter, run: Callable[[], Check]) -> Check:
    """The check's result, or "not tested" when it needed a name outside the zone that did not resolve."""
    before = set(resolver.unresolved)
    check = run()
    missed = [reason for name, reason in resolver.unresolved.items() if name not in before]
    if not missed:
        return check
    return not_tested(
        check.name, check.target, check.item, f"needs names outside the zone the resolver did not answer: {missed[0]}"
    )


def _lookup(resolver: dns.resolver.Resolver, name: str, rtype: str) -> list[Any]:
    return list(resolver.resolve(name, rtype))


def _guarded(name: str, target: str, item: str, check: Callable[[], Check]) -> Check:
    try:
        return check()
    except dns.exception.DNSException as error:
        return failed(name, target, item, f"lookup failed: {dns_reason(error)}")


def _address_check(target: Target, name: str, resolver: dns.resolver.Resolver) -> Check:
    def check() -> Check:
        addresses = sorted({str(r) for r in _lookup(resolver, name, "A")})
        seen = ", ".join(addresses)
        origin = target.ingress_address
        if not target.proxied:
            if origin is None:
                return not_tested(
                    "dns-address", name, ITEM_RECORDS, f"resolves to {seen}; pass --outputs for ingressAddress"
                )
            problem = None if addresses == [origin] else f"resolves to {seen}, not the ingressAddress {origin}"
            return judged("dns-address", name, ITEM_RECORDS, problem, f"A {seen} (ingressAddress)")
        if origin is not None and origin in addresses:
            return failed("dns-address", name, ITEM_RECORDS, f"proxied zone reveals the origin {origin}")
        networks = [ipaddress.ip_network(c) for c in target.proxy_cidrs]
        outside = [a for a in addresses if networks and not any(ipaddress.ip_address(a) in n for n in networks)]
        if outside:
            return failed(
                "dns-address", name, ITEM_RECORDS, f"{', '.join(outside)} outside the proxy's trustedProxyCidrs"
            )
        where = " in trustedProxyCidrs" if networks else ""
        compared = "not the origin" if origin is not None else "origin not compared: no --outputs"
        return passed("dns-address", name, ITEM_RECORDS, f"A {seen} (proxied{where}; {compared})")

    return _guarded("dns-address", name, ITEM_RECORDS, check)


def _mx_check(target: Target, resolver: dns.resolver.Resolver) -> Check:
    def check() -> Check:
        found = sorted(
            (r.preference, str(r.exchange).rstrip(".").lower()) for r in _lookup(resolver, target.domain, "MX")
        )
        seen = ", ".join(f"{p} {h}" for p, h in found)
        expected = sorted((m.priority, m.host.lower()) for m in target.mx)
        problem = None
        if not found:
            problem = "no MX record"
        elif expected and found != expected:
            problem = f"MX {seen}; the stack's dns.mx is {', '.join(f'{p} {h}' for p, h in expected)}"
        return judged("dns-mx", target.domain, ITEM_MX, problem, f"MX {seen}")

    return _guarded("dns-mx", target.domain, ITEM_MX, check)


def _spf_check(target: Target, resolver: dns.resolver.Resolver) -> Check:
    import checkdmarc.spf

    result = checkdmarc.spf.check_spf(target.domain, resolver=resolver, timeout=resolver.lifetime)
    lookups = result.get("dns_lookups")
    if not result.get("valid"):
        return failed("dns-spf", target.domain, ITEM_EMAIL_AUTH, _one_line(result.get("error", "invalid SPF")))
    ending = result.get("parsed", {}).get("all")
    problem = None
    if lookups is None or lookups > SPF_MAX_LOOKUPS:
        problem = f"{lookups} DNS lookups; RFC 7208 allows {SPF_MAX_LOOKUPS}"
    elif ending not in SPF_ENDINGS:
        shown = SPF_QUALIFIERS.get(ending or "", "no all")
        problem = f"ends in {shown}: must be -all or ~all (else anyone may send as the domain)"
    detail = f"{SPF_QUALIFIERS.get(ending or '', '')}, {lookups} DNS lookup(s) of {SPF_MAX_LOOKUPS}"
    return judged("dns-spf", target.domain, ITEM_EMAIL_AUTH, problem, detail)


def _dkim_check(target: Target, selector: str, resolver: dns.resolver.Resolver) -> Check:
    name = f"{selector}._domainkey.{target.domain}"

    def check() -> Check:
        texts = [b"".join(r.strings).decode("utf-8", "replace") for r in _lookup(resolver, name, "TXT")]
        keys = [t for t in texts if _tag(t, "p")]
        problem = None if keys else "no DKIM key (a TXT with a non-empty p=)"
        return judged("dns-dkim", name, ITEM_EMAIL_AUTH, problem, "DKIM key published")

    return _guarded("dns-dkim", name, ITEM_EMAIL_AUTH, check)


def _dmarc_check(target: Target, resolver: dns.resolver.Resolver) -> Check:
    import checkdmarc.dmarc

    name = f"_dmarc.{target.domain}"
    result = checkdmarc.dmarc.check_dmarc(target.domain, resolver=resolver, timeout=resolver.lifetime)
    if not result.get("valid"):
        return failed("dns-dmarc", name, ITEM_EMAIL_AUTH, _one_line(str(result.get("error", "invalid DMARC"))))
    policy = result["tags"]["p"]["value"]
    problem = None if policy in DMARC_POLICIES else f"p={policy}: must be quarantine or reject"
    return judged("dns-dmarc", name, ITEM_EMAIL_AUTH, problem, f"p={policy}")


def _tag(record: str, tag: str) -> str:
    for part in record.split(";"):
        key, _, value = part.partition("=")
        if key.strip().lower() == tag:
            return value.strip()
    return ""


def _one_line(text: str) -> str:
    return " ".join(str(text).split())
