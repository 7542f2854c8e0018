"""The verifier's TLS and HTTP checks against loopback HTTPS/HTTP servers with a trustme CA.

A compliant site passes every check; each break (one property of ``Site``) fails its check and no other.
"""

from __future__ import annotations

import ssl
from dataclasses import replace

import httpx
import pytest

from agencyos_infra.verify import tls_checks as tls
from agencyos_infra.verify.fixtures import Certificate, Cors, Endpoints, Site, platform
from agencyos_infra.verify.http_checks import http_checks, rate_limit_checks
from agencyos_infra.verify.network import Connector, parse_connect_to, parse_resolve
from agencyos_infra.verify.result import Check, Status
from tests.verify.demo_target import DEMO_TARGET

TIMEOUT = 5.0
HOSTS = DEMO_TARGET.hosts


def connector(endpoints: Endpoints) -> Connector:
    return Connector(dict(parse_connect_to(v) for v in endpoints.connect_to()), None, TIMEOUT)


def run(site: Site, *, probe: bool = False, trusted: bool = True) -> list[Check]:
    with platform(DEMO_TARGET, site=site) as endpoints:
        routes = connector(endpoints)
        verifying = tls.verifying_context(endpoints.ca_bundle if trusted else None)
        checks = tls.tls_checks(DEMO_TARGET, routes, verifying)
        with routes.http_client(tls.unverified_context()) as client:
            checks += http_checks(DEMO_TARGET, client)
            if probe:
                checks += rate_limit_checks(DEMO_TARGET, client)
    return checks


def failures(checks: list[Check]) -> list[Check]:
    return [c for c in checks if c.status is not Status.PASS]


def test_a_compliant_site_passes_every_check_on_every_host() -> None:
    checks = run(Site(), probe=True)
    assert failures(checks) == []
    per_host = ["tls-certificate", "tls-expiry", "tls-modern", "tls-legacy"]
    per_host += ["http-redirect", "http-hsts", "http-headers", "http-health", "http-health", "http-cors"]
    names = [c.name for c in checks]
    assert names == per_host[:4] * len(HOSTS) + per_host[4:] * len(HOSTS) + ["rate-limit", "rate-limit"]
    targets = {c.target for c in checks}
    for host in HOSTS:
        assert {
            host,
            f"http://{host}/",
            f"https://{host}/",
            f"https://{host}/health",
            f"https://{host}/ready",
        } <= targets
    assert {c.target for c in checks if c.name == "rate-limit"} == {
        f"https://{DEMO_TARGET.api_hosts[0]}{DEMO_TARGET.auth_paths[0]}",
        f"https://{DEMO_TARGET.api_hosts[0]}/",
    }
    rate = [c.detail for c in checks if c.name == "rate-limit"]
    assert rate[0].startswith("429 after 6 requests"), rate  # the auth limit is 5 a minute


# break: (site, failing check names on every host, words of the first failure's detail)
BREAKS: dict[str, tuple[Site, set[str], str]] = {
    # One fault, one failed check: the chain fails only for its expiry, so tls-certificate is not tested.
    "expired certificate": (Site(certificate=Certificate.EXPIRED), {"tls-expiry"}, "expired"),
    "certificate expiring in 5 days": (Site(certificate=Certificate.EXPIRING), {"tls-expiry"}, "within 14 days"),
    "certificate for another name": (Site(certificate=Certificate.WRONG_NAME), {"tls-certificate"}, "mismatch"),
    "TLS 1.3 refused": (Site(accept_tls13=False), {"tls-modern"}, "TLS 1.3 refused"),
    "HTTP not redirected": (Site(redirect=False), {"http-redirect"}, "answered 200, not a redirect"),
    "HSTS missing": (Site(hsts=None), {"http-hsts"}, "no Strict-Transport-Security"),
    "HSTS shorter than a year": (Site(hsts="max-age=86400; includeSubDomains"), {"http-hsts"}, "max-age 86400 <"),
    "HSTS without subdomains": (Site(hsts="max-age=63072000"), {"http-hsts"}, "no includeSubDomains"),
    "CSP missing": (Site().without_header("Content-Security-Policy"), {"http-headers"}, "Content-Security-Policy"),
    "X-Frame-Options SAMEORIGIN": (
        replace(Site().without_header("X-Frame-Options"), headers=(("X-Frame-Options", "SAMEORIGIN"),)),
        {"http-headers"},
        "X-Frame-Options: 'SAMEORIGIN', expected 'DENY'",
    ),
    "/health 500": (Site(health_status=500), {"http-health"}, "answered 500"),
    "CORS * with credentials": (Site(cors=Cors.WILDCARD), {"http-cors"}, "Access-Control-Allow-Origin: *"),
    "CORS echoing any origin with credentials": (Site(cors=Cors.REFLECT), {"http-cors"}, "echoes any Origin"),
}


@pytest.mark.parametrize("name", sorted(BREAKS))
def test_each_break_fails_its_check_on_every_host(name: str) -> None:
    site, expected, words = BREAKS[name]
    checks = run(site)
    failing = [c for c in checks if c.status is Status.FAIL]
    assert {c.name for c in failing} == expected, failing
    blocked = [c for c in failures(checks) if c.status is not Status.FAIL]
    assert all(c.blocked_by in expected for c in blocked), blocked
    assert {h for h in HOSTS if any(h in c.target for c in failing)} == set(HOSTS)
    assert words in failing[0].detail, failing[0].detail


def test_a_certificate_from_an_unknown_ca_is_not_trusted() -> None:
    failing = failures(run(Site(), trusted=False))
    assert {c.name for c in failing} == {"tls-certificate"}
    assert "certificate verify failed" in failing[0].detail or "unable to get local issuer" in failing[0].detail


def test_a_slow_ready_fails_only_ready() -> None:
    failing = failures(run(Site(ready_delay=2.3)))
    assert {(c.name, c.target.rsplit("/", 1)[1]) for c in failing} == {("http-health", "ready")}
    assert "slower than 2 s" in failing[0].detail


def test_legacy_tls_accepted_fails_when_the_local_openssl_can_offer_it() -> None:
    if tls.cannot_offer("TLSv1_1") is not None:
        pytest.skip(f"this OpenSSL cannot offer TLS 1.1: {tls.cannot_offer('TLSv1_1')}")
    failing = failures(run(Site(accept_legacy_tls=True)))
    assert {c.name for c in failing} == {"tls-legacy"}
    assert "TLS 1.1" in failing[0].detail and "accepted: must be refused" in failing[0].detail


def test_legacy_tls_the_local_openssl_cannot_offer_is_not_tested_never_passed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tls, "cannot_offer", lambda v: "the local OpenSSL cannot offer it" if v == "TLSv1" else None)
    legacy = [c for c in run(Site()) if c.name == "tls-legacy"]
    assert {c.status for c in legacy} == {Status.NOT_TESTED}
    assert legacy[0].detail == "TLS 1.1 refused; TLS 1.0 not tested: the local OpenSSL cannot offer it"


def test_cannot_offer_reports_a_protocol_this_python_does_not_know() -> None:
    assert tls.cannot_offer("TLSv9") is not None
    assert tls.cannot_offer("TLSv1_2") is None


@pytest.mark.parametrize(
    ("site", "words"),
    [
        (Site(rate_limited=False), "no 429 in 10 requests (10x 200)"),
        (Site(limit_status=503), "no 429 in 10 requests (5x 200, 5x 503); Auth endpoints: 5 req/min per IP; 503 is"),
    ],
    ids=["no limit", "limited with 503"],
)
def test_rate_limit_without_429_fails(site: Site, words: str) -> None:
    failing = failures(run(site, probe=True))
    assert {c.name for c in failing} == {"rate-limit"}
    assert words in failing[0].detail, failing[0].detail


def test_routes_keep_sni_and_host_as_curls_resolve_does() -> None:
    """A --resolve route for HOST:PORT: the connection goes to ADDR, the certificate is checked for HOST."""
    host = HOSTS[-1]
    with platform(DEMO_TARGET) as endpoints:
        key, route = parse_resolve(f"{host.upper()}:{endpoints.https_port}:127.0.0.1")
        assert key == (host, endpoints.https_port) and route.port == endpoints.https_port
        routes = Connector({key: route}, None, TIMEOUT)
        with routes.http_client(tls.verifying_context(endpoints.ca_bundle)) as client:
            response = client.get(f"https://{host}:{endpoints.https_port}/health")
        assert response.status_code == 200
        with routes.tls(host, endpoints.https_port, tls.verifying_context(endpoints.ca_bundle)) as sock:
            assert sock.server_hostname == host
        # The certificate names the demo hosts only: a host it does not name fails even on the same route.
        other = Connector({("other.invalid", endpoints.https_port): route}, None, TIMEOUT)
        with (
            pytest.raises(ssl.SSLCertVerificationError),
            other.tls("other.invalid", endpoints.https_port, tls.verifying_context(endpoints.ca_bundle)),
        ):
            pass
        with other.http_client(tls.verifying_context(endpoints.ca_bundle)) as client, pytest.raises(httpx.ConnectError):
            client.get(f"https://other.invalid:{endpoints.https_port}/")


def test_an_expired_certificate_is_one_failure_per_host_and_its_chain_is_not_tested() -> None:
    checks = run(Site(certificate=Certificate.EXPIRED))
    chain = [c for c in checks if c.name == "tls-certificate"]
    assert {(c.status, c.detail) for c in chain} == {(Status.NOT_TESTED, "tls-expiry failed")}
    # The protocol versions still run against a certificate that does not verify.
    assert {c.status for c in checks if c.name in ("tls-modern", "tls-legacy")} <= {Status.PASS, Status.NOT_TESTED}
    assert {c.status for c in checks if c.name == "tls-modern"} == {Status.PASS}


def test_a_host_without_tls_fails_once_and_its_https_checks_are_not_tested() -> None:
    with platform(DEMO_TARGET) as endpoints:
        routes = connector(endpoints)
    # The servers are gone: nothing listens on the routed ports any more.
    checks = tls.tls_checks(DEMO_TARGET, routes, tls.verifying_context(None))
    with routes.http_client(tls.unverified_context()) as client:
        checks += http_checks(DEMO_TARGET, client, tls.https_blockers(checks))
    host = HOSTS[0]
    mine = [c for c in checks if host == c.target or f"//{host}/" in c.target]
    failed = [c.name for c in mine if c.status is Status.FAIL]
    assert failed == ["tls-certificate", "http-redirect"], mine  # port 443 and port 80: two faults
    assert {c.detail for c in mine if c.status is Status.NOT_TESTED} == {"tls-certificate failed"}
