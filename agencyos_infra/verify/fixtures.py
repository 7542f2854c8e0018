"""Loopback fixtures of the live platform: a DNS server (dnslib) and HTTPS + HTTP servers (a trustme CA).

The tests and ``make verify-demo`` run the verifier against them; nothing here touches the internet.
``Platform`` starts a compliant platform for a :class:`Target`; ``Zone`` and ``Site`` fields break one
property at a time (a zone without MX, SPF ``+all``, an expired certificate, HSTS missing...).

Two DNS servers, as on the internet: the zone's own (authoritative: it answers for the zone's names, follows
CNAMEs inside the zone, answers a CNAME out of the zone alone and refuses names outside it) and a recursive
one that answers for every name of the fixture's world (the zone and the names it refers to: SPF includes,
CNAME targets). A ``Zone`` holds the world's records; ``later`` swaps them while the servers run, as
propagation does after a deploy. One HTTPS server answers for every host (its one certificate names them all); the
verifier reaches it through ``--connect-to HOST:<https port>:127.0.0.1:PORT`` and the plain HTTP server
through ``HOST:<http port>:...``, as curl would.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import re
import socket
import ssl
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from agencyos_checklist.numbers import (
    AUTH_RATE_LIMIT_RPM,
    DNS_LAUNCH_TTL,
    GLOBAL_RATE_LIMIT_RPM,
    HSTS_MAX_AGE_SECONDS,
    LIVENESS_PATH,
    READINESS_PATH,
    SECURITY_HEADERS,
    seconds,
)

from agencyos_infra.verify.provider_facts import HTTP_PORT, HTTPS_PORT, TXT_STRING_MAX
from agencyos_infra.verify.target import Target

LOOPBACK = "127.0.0.1"
INCLUDED_SPF = "v=spf1 ip4:192.0.2.0/24 -all"
# Documentation prefix standing in for the proxy's (Cloudflare's) anycast addresses in a proxied zone.
PROXY_EDGE_ADDRESS = "104.16.0.1"
# A 2048-bit-sized DKIM key's shape: what matters to the verifier is a TXT with a non-empty p= tag.
DKIM_KEY = base64.b64encode(b"agencyos-verify-fixture-public-key" * 4).decode()
RATE_WINDOW_SECONDS = 60


# --- DNS ---------------------------------------------------------------------------------------------------


@dataclass
class Zone:
    """Records by (lowercase name without the final dot, type) -> the values in zone-file text."""

    records: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def set(self, name: str, rtype: str, *values: str) -> Zone:
        """A copy with ``name``'s ``rtype`` records replaced (no values: removed)."""
        records = dict(self.records)
        records.pop((name, rtype), None)
        if values:
            records[(name, rtype)] = list(values)
        return Zone(records)


def compliant_zone(target: Target) -> Zone:
    """Records that pass every DNS check for ``target``: its own settings' MX, SPF, DKIM and DMARC."""
    zone = Zone()
    address = PROXY_EDGE_ADDRESS if target.proxied else (target.ingress_address or LOOPBACK)
    for name in target.dns_names:
        if name == f"api.{target.domain}":
            zone = zone.set(name, "CNAME", target.domain)
        else:
            zone = zone.set(name, "A", address)
    zone = zone.set(target.domain, "MX", *(f"{m.priority} {m.host}" for m in target.mx))
    zone = zone.set(target.domain, "TXT", target.spf)
    for include in re.findall(r"(?:^|\s)[+?~-]?include:(\S+)", target.spf):
        zone = zone.set(include.lower(), "TXT", INCLUDED_SPF)
    for selector in target.dkim_selectors:
        zone = zone.set(f"{selector}._domainkey.{target.domain}", "TXT", f"v=DKIM1; k=rsa; p={DKIM_KEY}")
    return zone.set(f"_dmarc.{target.domain}", "TXT", target.dmarc)


def spf_with_lookups(domain: str, count: int) -> tuple[str, dict[str, str]]:
    """An SPF record that makes ``count`` DNS lookups, and the TXT records of the names it includes."""
    names = [f"spf{n}.{domain}" for n in range(count)]
    return "v=spf1 " + " ".join(f"include:{n}" for n in names) + " -all", {n: INCLUDED_SPF for n in names}


class _ZoneResolver:
    """Answers from ``zone``; with ``authority`` (a domain) only for that domain's names, as its server does."""

    def __init__(self, zone: Zone, authority: str | None = None) -> None:
        self.zone = zone
        self.authority = authority

    def _inside(self, name: str) -> bool:
        return self.authority is None or name == self.authority or name.endswith(f".{self.authority}")

    def resolve(self, request: Any, handler: Any) -> Any:
        from dnslib import QTYPE, RCODE

        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        qtype = QTYPE[request.q.qtype]
        if not self._inside(name):
            reply.header.rcode = RCODE.REFUSED  # not its zone: an authoritative server does not recurse
            return reply
        records = self.zone.records
        for _ in range(8):  # CNAME chains (inside the zone only, for an authoritative server)
            if not self._inside(name):
                break
            if (name, qtype) in records:
                reply.add_answer(*(_rr(name, qtype, value) for value in records[(name, qtype)]))
                break
            if qtype != "CNAME" and (name, "CNAME") in records:
                target = records[(name, "CNAME")][0].rstrip(".").lower()
                reply.add_answer(_rr(name, "CNAME", target))
                name = target
                continue
            break
        if not reply.rr and self._inside(name) and not any(key[0] == name for key in records):
            reply.header.rcode = RCODE.NXDOMAIN
        return reply


def _rr(name: str, rtype: str, value: str) -> Any:
    from dnslib import CNAME, MX, QTYPE, RR, TXT, A

    rdata: Any
    if rtype == "A":
        rdata = A(value)
    elif rtype == "CNAME":
        rdata = CNAME(value)
    elif rtype == "MX":
        priority, host = value.split()
        rdata = MX(host, int(priority))
    elif rtype == "TXT":
        # A TXT string is limited in length: longer records are split, as zone files split them.
        rdata = TXT([value[i : i + TXT_STRING_MAX].encode() for i in range(0, len(value), TXT_STRING_MAX)])
    else:
        raise ValueError(f"fixture zones hold A, CNAME, MX and TXT records, not {rtype}")
    return RR(name, getattr(QTYPE, rtype), rdata=rdata, ttl=seconds(DNS_LAUNCH_TTL))


@contextlib.contextmanager
def dns_server(zone: Zone, authority: str | None = None, later: Later | None = None) -> Iterator[str]:
    """A UDP DNS server for ``zone`` on a free loopback port; yields ``127.0.0.1:PORT``.

    With ``authority`` it is that domain's authoritative server, else a recursive resolver for every name.
    """
    from dnslib.server import DNSLogger, DNSServer

    answers = _ZoneResolver(zone, authority)
    server = DNSServer(answers, address=LOOPBACK, port=0, logger=DNSLogger(logf=lambda _: None))
    server.start_thread()
    timer = None
    if later is not None and later.zone is not None:
        timer = threading.Timer(later.after, setattr, (answers, "zone", later.zone))
        timer.daemon = True
        timer.start()
    try:
        yield f"{LOOPBACK}:{server.server.server_address[1]}"
    finally:
        if timer is not None:
            timer.cancel()
        server.stop()
        server.server.server_close()


@dataclass(frozen=True)
class Later:
    """What the platform becomes ``after`` seconds (records propagated, a certificate issued, pods ready)."""

    after: float
    zone: Zone | None = None
    site: Site | None = None


@contextlib.contextmanager
def silent_dns_server() -> Iterator[str]:
    """A bound UDP port that never answers: an unreachable resolver."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((LOOPBACK, 0))
        yield f"{LOOPBACK}:{sock.getsockname()[1]}"


# --- HTTPS and HTTP ------------------------------------------------------------------------------------------


class Certificate(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    EXPIRING = "expiring"
    """Valid, but for only 5 more days."""
    WRONG_NAME = "wrong-name"


class Cors(StrEnum):
    STRICT = "strict"
    """Allowed origins only (the frontend hosts), with credentials."""
    WILDCARD = "wildcard"
    """``*`` with credentials allowed: the break."""
    REFLECT = "reflect"
    """Any Origin echoed with credentials allowed: the other break."""


def _accept_legacy_tls(context: ssl.SSLContext) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the point is to accept a deprecated protocol
        context.minimum_version = ssl.TLSVersion.TLSv1_1
    context.set_ciphers("DEFAULT:@SECLEVEL=0")  # OpenSSL 3 refuses TLS below 1.2 at its default level


@dataclass(frozen=True)
class Site:
    """How the HTTPS and HTTP servers behave; the defaults are compliant."""

    certificate: Certificate = Certificate.VALID
    hsts: str | None = f"max-age={HSTS_MAX_AGE_SECONDS}; includeSubDomains"
    headers: tuple[tuple[str, str], ...] = tuple((h, s.value) for h, s in SECURITY_HEADERS.items())
    redirect: bool = True
    health_status: int = 200
    ready_delay: float = 0.0
    rate_limited: bool = True
    #: Status of a request past the limit (ingress-nginx answers 503 unless limit-req-status-code is set).
    limit_status: int = 429
    cors: Cors = Cors.STRICT
    accept_legacy_tls: bool = False
    """Also accept TLS 1.1 (and below, as far as the local OpenSSL goes)."""
    accept_tls13: bool = True

    def without_header(self, name: str) -> Site:
        return replace(self, headers=tuple((h, v) for h, v in self.headers if h != name))


class _Limiter:
    """Per-minute request counts per limit class, like the ingress' limit-rpm with burst multiplier 1."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.windows: dict[str, tuple[float, int]] = {}

    def allow(self, key: str, limit: int) -> bool:
        with self.lock:
            start, count = self.windows.get(key, (time.monotonic(), 0))
            if time.monotonic() - start >= RATE_WINDOW_SECONDS:
                start, count = time.monotonic(), 0
            self.windows[key] = (start, count + 1)
            return count < limit


@dataclass
class _Live:
    """The site the servers behave as now (``Later`` replaces it while they run)."""

    site: Site


def _https_handler(live: _Live, target: Target, limiter: _Limiter) -> type[BaseHTTPRequestHandler]:
    allowed_origins = {f"https://{host}" for host in target.frontend_hosts}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # one response, several writes: no 40 ms delayed-ACK stalls

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            if live.site.rate_limited:
                auth = any(path.startswith(prefix) for prefix in target.auth_paths)
                key, limit = ("auth", AUTH_RATE_LIMIT_RPM.value) if auth else ("global", GLOBAL_RATE_LIMIT_RPM.value)
                if not limiter.allow(key, limit):
                    self._send(live.site.limit_status, b"slow down\n")
                    return
            status = 200
            if path == LIVENESS_PATH.value:
                status = live.site.health_status
            elif path == READINESS_PATH.value:
                time.sleep(live.site.ready_delay)
            self._send(status, b"ok\n" if status == 200 else b"unhealthy\n")

        def do_OPTIONS(self) -> None:
            self._send(204, b"")

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            if live.site.hsts is not None:
                self.send_header("Strict-Transport-Security", live.site.hsts)
            for name, value in live.site.headers:
                self.send_header(name, value)
            origin = self.headers.get("Origin")
            if origin and live.site.cors is Cors.WILDCARD:
                self.send_header("Access-Control-Allow-Origin", "*")
                self.send_header("Access-Control-Allow-Credentials", "true")
            elif origin and (live.site.cors is Cors.REFLECT or origin in allowed_origins):
                self.send_header("Access-Control-Allow-Origin", origin)
                self.send_header("Access-Control-Allow-Credentials", "true")
                self.send_header("Vary", "Origin")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def _redirect_handler(live: _Live) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # one response, several writes: no 40 ms delayed-ACK stalls

        def do_GET(self) -> None:
            host = (self.headers.get("Host") or "").split(":")[0]
            body = b"" if live.site.redirect else b"plain http\n"
            self.send_response(308 if live.site.redirect else 200)
            if live.site.redirect:
                self.send_header("Location", f"https://{host}{self.path}")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    tls: ssl.SSLContext | None = None

    def finish_request(self, request: Any, client_address: Any) -> None:
        # The handshake happens in the request's thread, so a client that never completes it blocks nobody.
        request.settimeout(10)
        if self.tls is not None:
            try:
                request = self.tls.wrap_socket(request, server_side=True)
            except (OSError, ValueError):
                return
            # wrap_socket detached the socket socketserver closes: close the TLS one.
            with request:
                super().finish_request(request, client_address)
            return
        super().finish_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client hanging up mid-request is expected (timeouts, refused protocols)


@contextlib.contextmanager
def _serve(server: _Server) -> Iterator[int]:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _server_context(site: Site, target: Target, ca: Any) -> ssl.SSLContext:
    now = datetime.datetime.now(datetime.UTC)
    names = list(target.hosts)
    if site.certificate is Certificate.EXPIRED:
        leaf = ca.issue_cert(
            *names, not_before=now - datetime.timedelta(days=60), not_after=now - datetime.timedelta(days=1)
        )
    elif site.certificate is Certificate.EXPIRING:
        leaf = ca.issue_cert(*names, not_after=now + datetime.timedelta(days=5))
    elif site.certificate is Certificate.WRONG_NAME:
        leaf = ca.issue_cert("other.invalid")
    else:
        # About a Let's Encrypt certificate's lifetime, rather than trustme's default of centuries.
        leaf = ca.issue_cert(*names, not_after=now + datetime.timedelta(weeks=12))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    leaf.configure_cert(context)
    if site.accept_legacy_tls:
        _accept_legacy_tls(context)
    else:
        context.minimum_version = ssl.TLSVersion.TLSv1_2
    if not site.accept_tls13:
        context.maximum_version = ssl.TLSVersion.TLSv1_2
    return context


@dataclass(frozen=True)
class Endpoints:
    """Where a running Platform listens, and the verifier flags that reach it."""

    dns_server: str
    """The zone's authoritative server (``--dns-server``)."""
    resolver: str
    """The recursive resolver (``--resolver``)."""
    https_port: int
    http_port: int
    ca_bundle: Path
    hosts: tuple[str, ...]

    def connect_to(self) -> list[str]:
        """``--connect-to`` values sending every host's HTTPS and HTTP ports to the loopback servers."""
        return [
            f"{host}:{public}:{LOOPBACK}:{local}"
            for host in self.hosts
            for public, local in ((HTTPS_PORT, self.https_port), (HTTP_PORT, self.http_port))
        ]

    def cli_args(self) -> list[str]:
        args = ["--dns-server", self.dns_server, "--resolver", self.resolver, "--ca-bundle", str(self.ca_bundle)]
        for value in self.connect_to():
            args += ["--connect-to", value]
        return args


@contextlib.contextmanager
def platform(
    target: Target, zone: Zone | None = None, site: Site | None = None, later: Later | None = None
) -> Iterator[Endpoints]:
    """DNS, HTTPS and HTTP servers for ``target`` on loopback ports, compliant unless ``zone``/``site`` break it.

    ``later`` replaces the zone and/or the site after a delay, as a platform converges after ``pulumi up``.
    """
    import trustme

    live = _Live(site or Site())
    world = zone or compliant_zone(target)
    ca = trustme.CA()
    https = _Server((LOOPBACK, 0), _https_handler(live, target, _Limiter()))
    https.tls = _server_context(live.site, target, ca)
    http = _Server((LOOPBACK, 0), _redirect_handler(live))
    timer = None
    if later is not None and later.site is not None:
        changed = later.site
        # The next handshake gets the new certificate; the next request the new behaviour.
        timer = threading.Timer(later.after, _become, (live, https, changed, _server_context(changed, target, ca)))
        timer.daemon = True
        timer.start()
    with (
        tempfile.TemporaryDirectory(prefix="verify-ca-") as directory,
        dns_server(world, target.domain, later) as zone_address,
        dns_server(world, None, later) as resolver_address,
        _serve(https) as https_port,
        _serve(http) as http_port,
    ):
        bundle = Path(directory) / "ca.pem"
        ca.cert_pem.write_to_path(str(bundle))
        try:
            yield Endpoints(zone_address, resolver_address, https_port, http_port, bundle, target.hosts)
        finally:
            if timer is not None:
                timer.cancel()


def _become(live: _Live, https: _Server, site: Site, context: ssl.SSLContext) -> None:
    https.tls = context
    live.site = site
