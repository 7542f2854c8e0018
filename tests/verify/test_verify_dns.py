"""The verifier's DNS checks against a loopback dnslib server: a compliant zone passes, each break fails its check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from agencyos_infra.verify.dns_checks import check_reachable, dns_checks
from agencyos_infra.verify.fixtures import (
    PROXY_EDGE_ADDRESS,
    Zone,
    compliant_zone,
    dns_server,
    silent_dns_server,
    spf_with_lookups,
)
from agencyos_infra.verify.network import VerifyUsageError, ZoneRouter, make_resolver, parse_dns_server
from agencyos_infra.verify.result import Check, Status
from agencyos_infra.verify.target import Target
from tests.verify.demo_target import DEMO_TARGET

DOMAIN = DEMO_TARGET.domain
TIMEOUT = 3.0


def run(target: Target, zone: Zone) -> list[Check]:
    """The zone's authoritative server and a recursive resolver over the same world, as on the internet."""
    with dns_server(zone, target.domain) as zone_address, dns_server(zone) as resolver_address:
        router = ZoneRouter(
            target.domain,
            make_resolver(parse_dns_server(zone_address), TIMEOUT),
            make_resolver(parse_dns_server(resolver_address), TIMEOUT),
            TIMEOUT,
        )
        check_reachable(router.resolver_for(target.domain), target.domain)
        return dns_checks(target, router)


def failures(checks: list[Check]) -> list[Check]:
    return [c for c in checks if c.status is not Status.PASS]


def test_the_compliant_zone_passes_every_dns_check() -> None:
    checks = run(DEMO_TARGET, compliant_zone(DEMO_TARGET))
    assert failures(checks) == []
    assert [(c.name, c.target, c.item) for c in checks] == [
        ("dns-address", DOMAIN, "4.domain-setup.2"),
        ("dns-address", f"www.{DOMAIN}", "4.domain-setup.2"),
        ("dns-address", f"api.{DOMAIN}", "4.domain-setup.2"),
        ("dns-mx", DOMAIN, "4.domain-setup.3"),
        ("dns-spf", DOMAIN, "4.domain-setup.4"),
        ("dns-dkim", f"s1._domainkey.{DOMAIN}", "4.domain-setup.4"),
        ("dns-dmarc", f"_dmarc.{DOMAIN}", "4.domain-setup.4"),
    ]
    assert "-all, 1 DNS lookup(s)" in checks[4].detail


def _too_many_lookups(zone: Zone) -> Zone:
    record, included = spf_with_lookups(DOMAIN, 11)
    zone = zone.set(DOMAIN, "TXT", record)
    for name, value in included.items():
        zone = zone.set(name, "TXT", value)
    return zone


def _ten_lookups(zone: Zone) -> Zone:
    record, included = spf_with_lookups(DOMAIN, 10)
    zone = zone.set(DOMAIN, "TXT", record)
    for name, value in included.items():
        zone = zone.set(name, "TXT", value)
    return zone


BREAKS: dict[str, tuple[Callable[[Zone], Zone], str, str, str]] = {
    # break: (zone change, failing check, its target, words of its detail)
    "wrong A": (
        lambda z: z.set(f"www.{DOMAIN}", "A", "192.0.2.9"),
        "dns-address",
        f"www.{DOMAIN}",
        "resolves to 192.0.2.9, not the ingressAddress 127.0.0.1",
    ),
    "api CNAME elsewhere": (
        lambda z: z.set(f"api.{DOMAIN}", "CNAME", "elsewhere.test").set("elsewhere.test", "A", "192.0.2.10"),
        "dns-address",
        f"api.{DOMAIN}",
        "192.0.2.10",
    ),
    "www missing": (lambda z: z.set(f"www.{DOMAIN}", "A"), "dns-address", f"www.{DOMAIN}", "no such name"),
    "no MX": (lambda z: z.set(DOMAIN, "MX"), "dns-mx", DOMAIN, "lookup failed"),
    "MX not the stack's": (lambda z: z.set(DOMAIN, "MX", "10 mx.other.test"), "dns-mx", DOMAIN, "dns.mx"),
    "SPF +all": (
        lambda z: z.set(DOMAIN, "TXT", "v=spf1 include:spf.mail.agencyos.test +all"),
        "dns-spf",
        DOMAIN,
        "+all",
    ),
    "SPF ?all": (lambda z: z.set(DOMAIN, "TXT", "v=spf1 ?all"), "dns-spf", DOMAIN, "must be -all or ~all"),
    "SPF missing": (lambda z: z.set(DOMAIN, "TXT"), "dns-spf", DOMAIN, "SPF"),
    "SPF over 10 lookups": (_too_many_lookups, "dns-spf", DOMAIN, "11/10"),
    "DKIM missing": (lambda z: z.set(f"s1._domainkey.{DOMAIN}", "TXT"), "dns-dkim", f"s1._domainkey.{DOMAIN}", ""),
    "DKIM without key": (
        lambda z: z.set(f"s1._domainkey.{DOMAIN}", "TXT", "v=DKIM1; k=rsa; p="),
        "dns-dkim",
        f"s1._domainkey.{DOMAIN}",
        "no DKIM key",
    ),
    "DMARC p=none": (
        lambda z: z.set(f"_dmarc.{DOMAIN}", "TXT", "v=DMARC1; p=none; rua=mailto:d@agencyos.test"),
        "dns-dmarc",
        f"_dmarc.{DOMAIN}",
        "p=none",
    ),
    "DMARC missing": (lambda z: z.set(f"_dmarc.{DOMAIN}", "TXT"), "dns-dmarc", f"_dmarc.{DOMAIN}", "DMARC"),
}


@pytest.mark.parametrize("name", sorted(BREAKS))
def test_each_break_fails_exactly_its_check(name: str) -> None:
    change, check, target, words = BREAKS[name]
    failing = failures(run(DEMO_TARGET, change(compliant_zone(DEMO_TARGET))))
    assert [(c.name, c.target, c.status) for c in failing] == [(check, target, Status.FAIL)], failing
    assert words in failing[0].detail, failing[0].detail


def test_spf_at_ten_lookups_and_softfail_pass() -> None:
    assert failures(run(DEMO_TARGET, _ten_lookups(compliant_zone(DEMO_TARGET)))) == []
    softfail = compliant_zone(DEMO_TARGET).set(DOMAIN, "TXT", "v=spf1 include:spf.mail.agencyos.test ~all")
    spf = next(c for c in run(DEMO_TARGET, softfail) if c.name == "dns-spf")
    assert spf.status is Status.PASS and spf.detail.startswith("~all")


def test_dkim_through_a_cname_passes() -> None:
    zone = compliant_zone(DEMO_TARGET)
    key = zone.records[(f"s1._domainkey.{DOMAIN}", "TXT")][0]
    zone = zone.set(f"s1._domainkey.{DOMAIN}", "TXT").set(f"s1._domainkey.{DOMAIN}", "CNAME", "s1.dkim.mail.test")
    zone = zone.set("s1.dkim.mail.test", "TXT", key)
    assert failures(run(DEMO_TARGET, zone)) == []


PROXIED = replace(DEMO_TARGET, proxied=True, proxy_cidrs=("104.16.0.0/13",))


def test_a_proxied_zone_passes_on_the_proxys_addresses_not_the_origin() -> None:
    checks = [c for c in run(PROXIED, compliant_zone(PROXIED)) if c.name == "dns-address"]
    assert {c.status for c in checks} == {Status.PASS}
    assert all(PROXY_EDGE_ADDRESS in c.detail and "not the origin" in c.detail for c in checks)


def test_a_proxied_zone_revealing_the_origin_fails() -> None:
    zone = compliant_zone(PROXIED).set(f"www.{DOMAIN}", "A", str(PROXIED.ingress_address))
    failing = failures(run(PROXIED, zone))
    assert [(c.name, c.target) for c in failing] == [("dns-address", f"www.{DOMAIN}")]
    assert "reveals the origin" in failing[0].detail


def test_a_proxied_zone_outside_the_proxys_ranges_fails() -> None:
    zone = compliant_zone(PROXIED).set(DOMAIN, "A", "198.51.100.7")
    failing = failures(run(PROXIED, zone))
    # api is a CNAME to the apex: it follows it.
    assert [(c.name, c.target) for c in failing] == [("dns-address", DOMAIN), ("dns-address", f"api.{DOMAIN}")]
    assert "outside the proxy's trustedProxyCidrs" in failing[0].detail


def test_without_outputs_an_unproxied_address_is_not_tested_never_passed() -> None:
    target = replace(DEMO_TARGET, ingress_address=None)
    addresses = [c for c in run(target, compliant_zone(DEMO_TARGET)) if c.name == "dns-address"]
    assert {c.status for c in addresses} == {Status.NOT_TESTED}
    assert "--outputs" in addresses[0].detail


def test_an_unreachable_resolver_is_a_usage_error_not_a_hang() -> None:
    with silent_dns_server() as address:
        resolver = make_resolver(parse_dns_server(address), 0.5)
        with pytest.raises(VerifyUsageError, match="did not answer"):
            check_reachable(resolver, DOMAIN)


def test_a_domain_the_resolver_does_not_know_still_counts_as_an_answer() -> None:
    with dns_server(Zone()) as address:
        check_reachable(make_resolver(parse_dns_server(address), TIMEOUT), DOMAIN)


def test_connections_follow_the_dns_server_when_one_is_given() -> None:
    """With --dns-server, TLS and HTTP connect where that server says; routes (--resolve) still win."""
    from agencyos_infra.verify.network import Connector, Route

    with dns_server(compliant_zone(replace(DEMO_TARGET, ingress_address="127.0.0.2"))) as address:
        resolver = make_resolver(parse_dns_server(address), TIMEOUT)
        routes = Connector({(DOMAIN, 443): Route("127.0.0.9", 8443)}, resolver, TIMEOUT)
        assert routes.route(f"WWW.{DOMAIN}", 443) == Route("127.0.0.2", 443)
        assert routes.route(f"api.{DOMAIN}", 80) == Route("127.0.0.2", 80)  # through the api CNAME
        assert routes.route(DOMAIN, 443) == Route("127.0.0.9", 8443)
        with pytest.raises(OSError, match="does not resolve"):
            routes.route("unknown.invalid", 443)
    assert Connector({}, None, TIMEOUT).route("agencyos.example", 443) == Route("agencyos.example", 443)
