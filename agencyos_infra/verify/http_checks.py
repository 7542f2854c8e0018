"""HTTP checks of every public host, with httpx (checklist §8 Application Security, §10 Go-Live Verification).

- ``http-redirect`` (8.application-security.1.2): ``http://HOST/`` answers a redirect to ``https://HOST/``.
- ``http-hsts`` (8.application-security.1.1): ``Strict-Transport-Security`` with ``max-age`` of at least a
  year and ``includeSubDomains``.
- ``http-headers`` (8.application-security.2): every security header of the checklist, with its value.
- ``http-health`` (10.pre-launch-smoke-tests.1): ``/health`` and ``/ready`` answer 200 within the 2 s the
  checklist allows a response (6.alerting-rules.4).
- ``http-cors`` (1.additional-production-variables.1, CORS_ORIGINS): a credentialed request from a foreign
  Origin never gets ``Access-Control-Allow-Origin: *``, nor its own origin echoed with credentials allowed.
- ``rate-limit`` (8.application-security.3), only with ``--probe-rate-limit``: on the first API host,
  requests to an auth path beyond the checklist's auth limit, then to ``/`` beyond the global limit, get 429.
  The probe sends at most twice the limit (ingress-nginx lets a burst of one limit through at once) and stops
  at the first 429; it runs last, since it leaves the verifier's address limited for up to a minute.

HTTPS requests do not verify the chain (``tls-certificate`` does): a bad certificate fails that check only.
A host without a TLS connection (``blockers``, from the TLS checks) gets its HTTPS checks "not tested: <the
failed check> failed"; when ``/`` does not answer, ``http-hsts`` fails and ``http-headers`` is not tested.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from functools import partial

import httpx
from agencyos_checklist.numbers import (
    ALERT_LATENCY_P95,
    AUTH_RATE_LIMIT_RPM,
    GLOBAL_RATE_LIMIT_RPM,
    HSTS_MAX_AGE_SECONDS,
    LIVENESS_PATH,
    READINESS_PATH,
    SECURITY_HEADERS,
    Stated,
    seconds,
)

from agencyos_infra.verify.result import Check, blocked, failed, judged, passed
from agencyos_infra.verify.target import Target

ITEM_REDIRECT = "8.application-security.1.2"
ITEM_HSTS = "8.application-security.1.1"
ITEM_HEADERS = SECURITY_HEADERS["X-Frame-Options"].item
ITEM_HEALTH = "10.pre-launch-smoke-tests.1"
ITEM_CORS = "1.additional-production-variables.1"
ITEM_RATE_LIMIT = GLOBAL_RATE_LIMIT_RPM.item
RESPONSE_SECONDS = seconds(ALERT_LATENCY_P95)
REDIRECTS = (301, 302, 303, 307, 308)
TOO_MANY_REQUESTS = 429
# An origin no deployment allows (RFC 6761 reserves .invalid), sent with a cookie: a credentialed request.
FOREIGN_ORIGIN = "https://verify-probe.invalid"
PROBE_COOKIE = "agencyos_verify_probe=1"


def http_checks(target: Target, client: httpx.Client, blockers: Mapping[str, str] | None = None) -> list[Check]:
    """Every host's checks; ``blockers``: host -> the failed check that leaves it without a TLS connection."""
    checks: list[Check] = []
    for host in target.hosts:
        home = f"https://{host}/"
        health = [f"https://{host}{path}" for path in (LIVENESS_PATH.value, READINESS_PATH.value)]
        by = (blockers or {}).get(host)
        if by == "dns-address":
            checks.append(blocked("http-redirect", f"http://{host}/", ITEM_REDIRECT, by))
        else:
            redirect = partial(_redirect, client, host)
            checks.append(_guarded("http-redirect", f"http://{host}/", ITEM_REDIRECT, redirect))
        if by is not None:
            checks += [blocked("http-hsts", home, ITEM_HSTS, by), blocked("http-headers", home, ITEM_HEADERS, by)]
            checks += [blocked("http-health", url, ITEM_HEALTH, by) for url in health]
            checks.append(blocked("http-cors", home, ITEM_CORS, by))
            continue
        try:
            response = client.get(home)
        except httpx.HTTPError as error:
            checks.append(failed("http-hsts", home, ITEM_HSTS, f"no response: {_reason(error)}"))
            checks.append(blocked("http-headers", home, ITEM_HEADERS, "http-hsts"))
        else:
            checks += [_hsts(home, response), _headers(home, response)]
        checks += [_guarded("http-health", url, ITEM_HEALTH, partial(_health, client, url)) for url in health]
        checks.append(_guarded("http-cors", home, ITEM_CORS, partial(_cors, client, home)))
    return checks


def rate_limit_checks(target: Target, client: httpx.Client) -> list[Check]:
    host = target.api_hosts[0]
    probes = [(f"https://{host}{path}", AUTH_RATE_LIMIT_RPM) for path in target.auth_paths[:1]]
    probes.append((f"https://{host}/", GLOBAL_RATE_LIMIT_RPM))
    return [_guarded("rate-limit", url, ITEM_RATE_LIMIT, partial(_rate, client, url, limit)) for url, limit in probes]


def _guarded(name: str, url: str, item: str, check: Callable[[], Check]) -> Check:
    try:
        return check()
    except httpx.HTTPError as error:
        return failed(name, url, item, f"no response: {_reason(error)}")


def _redirect(client: httpx.Client, host: str) -> Check:
    url = f"http://{host}/"
    response = client.get(url)
    location = response.headers.get("Location", "")
    problem = None
    if response.status_code not in REDIRECTS:
        problem = f"answered {response.status_code}, not a redirect to https://"
    elif not location.startswith(f"https://{host}/") and location != f"https://{host}":
        problem = f"redirects to {location or 'nowhere'}, not https://{host}/"
    return judged("http-redirect", url, ITEM_REDIRECT, problem, f"{response.status_code} -> {location}")


def _hsts(url: str, response: httpx.Response) -> Check:
    value = response.headers.get("Strict-Transport-Security")
    if value is None:
        return failed("http-hsts", url, ITEM_HSTS, "no Strict-Transport-Security header")
    directives = {
        key.strip().lower(): raw.strip().strip('"')
        for key, _, raw in (part.partition("=") for part in value.split(";"))
        if key.strip()
    }
    age = directives.get("max-age", "")
    problems = []
    if not age.isdigit() or int(age) < HSTS_MAX_AGE_SECONDS:
        problems.append(f"max-age {age or 'missing'} < {HSTS_MAX_AGE_SECONDS} (one year)")
    if "includesubdomains" not in directives:
        problems.append("no includeSubDomains")
    return judged("http-hsts", url, ITEM_HSTS, "; ".join(problems) or None, value)


def _headers(url: str, response: httpx.Response) -> Check:
    problems = []
    for name, stated in SECURITY_HEADERS.items():
        value = response.headers.get(name)
        if value is None:
            problems.append(f"{name} missing")
        elif _normal(value) != _normal(stated.value):
            problems.append(f"{name}: {value!r}, expected {stated.value!r}")
    return judged(
        "http-headers", url, ITEM_HEADERS, "; ".join(problems) or None, f"all {len(SECURITY_HEADERS)} present"
    )


def _health(client: httpx.Client, url: str) -> Check:
    started = time.monotonic()
    response = client.get(url)
    elapsed = time.monotonic() - started
    took = f"{response.status_code} in {elapsed:.2f} s"
    problem = None
    if response.status_code != httpx.codes.OK:
        problem = f"answered {took}, not 200"
    elif elapsed > RESPONSE_SECONDS:
        problem = f"answered {took}: slower than {RESPONSE_SECONDS} s"
    return judged("http-health", url, ITEM_HEALTH, problem, took)


def _cors(client: httpx.Client, url: str) -> Check:
    response = client.get(url, headers={"Origin": FOREIGN_ORIGIN, "Cookie": PROBE_COOKIE})
    allow_origin = response.headers.get("Access-Control-Allow-Origin")
    credentials = response.headers.get("Access-Control-Allow-Credentials", "").strip().lower() == "true"
    problem = None
    if allow_origin is not None and allow_origin.strip() == "*":
        problem = "answers Access-Control-Allow-Origin: * to a credentialed request"
    elif allow_origin is not None and allow_origin.strip() == FOREIGN_ORIGIN and credentials:
        problem = f"echoes any Origin ({FOREIGN_ORIGIN}) with Access-Control-Allow-Credentials: true"
    seen = f"Access-Control-Allow-Origin {allow_origin}" if allow_origin else "no Access-Control-Allow-Origin"
    return judged("http-cors", url, ITEM_CORS, problem, f"foreign credentialed Origin: {seen}")


def _rate(client: httpx.Client, url: str, limit: Stated[int]) -> Check:
    budget = 2 * limit.value
    statuses: dict[int, int] = {}
    for sent in range(1, budget + 1):
        status = client.get(url).status_code
        statuses[status] = statuses.get(status, 0) + 1
        if status == TOO_MANY_REQUESTS:
            return passed("rate-limit", url, ITEM_RATE_LIMIT, f"429 after {sent} requests (limit {limit.quote})")
    seen = ", ".join(f"{count}x {status}" for status, count in sorted(statuses.items()))
    hint = ""
    if httpx.codes.SERVICE_UNAVAILABLE in statuses:
        hint = "; 503 is ingress-nginx's default limit-req-status-code: set it to 429"
    return failed("rate-limit", url, ITEM_RATE_LIMIT, f"no 429 in {budget} requests ({seen}); {limit.quote}{hint}")


def _normal(value: str) -> str:
    return " ".join(value.split()).lower()


def _reason(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__
