"""Where the verifier's connections go, and the DNS resolver it asks.

``--resolve HOST:PORT:ADDR`` and ``--connect-to HOST:PORT:ADDR:PORT2`` work as curl's options of the same
names: a connection for HOST:PORT goes to ADDR (and PORT2), while TLS still sends HOST as SNI and checks the
certificate for HOST, and HTTP still sends ``Host: HOST``. Other hosts are looked up with the ``--dns-server``
when one is given (so a zone can be verified on its authoritative server before it propagates), else with
the system's resolver. Every network call has a timeout.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import dns.exception
import dns.nameserver
import dns.rdatatype
import dns.resolver
import httpcore
import httpx

from agencyos_infra.verify.provider_facts import DNS_PORT, HTTPS_PORT


class VerifyUsageError(Exception):
    """A bad flag, file or stack; or a resolver that does not answer. Exit code 2, one message."""


@dataclass(frozen=True)
class Route:
    address: str
    port: int


def _port(text: str, option: str, whole: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise VerifyUsageError(f"{option} {whole}: {text!r} is not a port (1-65535)")
    return int(text)


def _address(text: str, option: str, whole: str) -> str:
    try:
        return str(ipaddress.ip_address(text.removeprefix("[").removesuffix("]")))
    except ValueError:
        raise VerifyUsageError(f"{option} {whole}: {text!r} is not an IP address") from None


def _split_address_port(text: str) -> tuple[str, str]:
    """``ADDR:PORT`` or ``[V6ADDR]:PORT``."""
    if text.startswith("["):
        address, _, rest = text[1:].partition("]")
        return address, rest.removeprefix(":")
    address, _, port = text.rpartition(":")
    return address, port


def parse_resolve(text: str) -> tuple[tuple[str, int], Route]:
    """curl's ``--resolve HOST:PORT:ADDR``."""
    host, sep, rest = text.partition(":")
    port, sep2, address = rest.partition(":")
    if not (host and sep and sep2 and address):
        raise VerifyUsageError(
            f"--resolve {text}: expected HOST:PORT:ADDR, e.g. agencyos.example:{HTTPS_PORT}:203.0.113.7"
        )
    number = _port(port, "--resolve", text)
    return (host.lower().rstrip("."), number), Route(_address(address, "--resolve", text), number)


def parse_connect_to(text: str) -> tuple[tuple[str, int], Route]:
    """curl's ``--connect-to HOST:PORT:ADDR:PORT2`` (ADDR an IP address here)."""
    host, sep, rest = text.partition(":")
    port, sep2, target = rest.partition(":")
    address, target_port = _split_address_port(target)
    if not (host and sep and sep2 and address and target_port):
        raise VerifyUsageError(
            f"--connect-to {text}: expected HOST:PORT:ADDR:PORT2, e.g. agencyos.example:{HTTPS_PORT}:127.0.0.1:8443"
        )
    route = Route(_address(address, "--connect-to", text), _port(target_port, "--connect-to", text))
    return (host.lower().rstrip("."), _port(port, "--connect-to", text)), route


def parse_dns_server(text: str, option: str = "--dns-server") -> tuple[str, int]:
    """``HOST:PORT``, ``[V6]:PORT`` or a bare address (port 53); HOST must be an IP address."""
    try:
        return str(ipaddress.ip_address(text)), DNS_PORT
    except ValueError:
        pass
    address, port = _split_address_port(text)
    if not address or (not port and text.startswith("[") and not text.endswith(":")):
        address, port = text, str(DNS_PORT)  # a bare name, or a bracketed address without a port
    try:
        address = _address(address, option, text)
    except VerifyUsageError as error:
        raise VerifyUsageError(f"{error} (give ADDR, ADDR:PORT or [V6ADDR]:PORT, e.g. 127.0.0.1:53)") from None
    return address, _port(port, option, text)


def make_resolver(server: tuple[str, int] | None, timeout: float) -> dns.resolver.Resolver:
    """dnspython's resolver: the system's, or only ``server``; the whole lookup bounded by ``timeout``."""
    if server is None:
        try:
            resolver = dns.resolver.Resolver()
        except dns.resolver.NoResolverConfiguration:
            raise VerifyUsageError(
                "no system DNS resolver is configured: pass --resolver HOST:PORT (and --dns-server for the zone)"
            ) from None
    else:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [dns.nameserver.Do53Nameserver(server[0], server[1])]
    resolver.lifetime = timeout
    resolver.timeout = timeout
    resolver.cache = None
    return resolver


def describe(resolver: dns.resolver.Resolver) -> str:
    """The resolver's servers as ADDR:PORT, as --dns-server takes them."""
    servers = [
        (f"[{ns.address}]:{ns.port}" if ":" in ns.address else f"{ns.address}:{ns.port}")
        if isinstance(ns, dns.nameserver.Do53Nameserver)
        else str(ns)
        for ns in resolver.nameservers
    ]
    return ", ".join(servers) or "the system resolver"


class OutsideUnresolved(dns.exception.DNSException):
    """A name outside the zone that the recursive resolver could not resolve: no verdict on what needs it."""


class ZoneRouter(dns.resolver.Resolver):
    """The zone's names asked at its own server (fresh records, before the world's caches), every other name
    (SPF includes, CNAME targets outside the zone) at the recursive resolver.

    A dnspython resolver itself, so checkdmarc follows SPF includes through it. A CNAME out of the zone, which an
    authoritative server answers alone, is followed at the recursive resolver, as a resolver would. A name outside
    the zone that the recursive resolver does not answer for (a timeout, no server) is recorded in ``unresolved``
    with the reason, so the checks that needed it say "not tested" instead of failing.
    """

    def __init__(
        self, domain: str, zone: dns.resolver.Resolver | None, recursive: dns.resolver.Resolver, timeout: float
    ) -> None:
        super().__init__(configure=False)
        self.zone_domain = domain.lower().rstrip(".")
        self.zone = zone
        self.recursive = recursive
        self.nameservers = (zone or recursive).nameservers
        self.lifetime = self.timeout = timeout
        self.cache = None
        self.unresolved: dict[str, str] = {}

    def in_zone(self, name: str) -> bool:
        name = name.lower().rstrip(".")
        return name == self.zone_domain or name.endswith(f".{self.zone_domain}")

    def resolver_for(self, name: str) -> dns.resolver.Resolver:
        return self.zone if self.zone is not None and self.in_zone(name) else self.recursive

    def resolve(  # type: ignore[override]
        self, qname: Any, rdtype: Any = "A", *args: Any, raise_on_no_answer: bool = True, **kwargs: Any
    ) -> dns.resolver.Answer:
        name = str(qname).lower().rstrip(".")
        for _ in range(_MAX_CNAME_HOPS):
            inner = self.resolver_for(name)
            try:
                answer = inner.resolve(name, rdtype, raise_on_no_answer=False, lifetime=self.lifetime)
            except (dns.exception.Timeout, dns.resolver.NoNameservers) as error:
                if inner is self.zone:
                    raise
                self.unresolved.setdefault(name, f"{name}: {dns_reason(error)} from {describe(self.recursive)}")
                raise OutsideUnresolved(self.unresolved[name]) from None
            target = _cname_target(answer) if answer.rrset is None else None
            if target is not None and inner is self.zone and not self.in_zone(target):
                name = target
                continue
            if answer.rrset is None and raise_on_no_answer:
                raise dns.resolver.NoAnswer(response=answer.response)
            return answer
        raise dns.resolver.NoAnswer()


_MAX_CNAME_HOPS = 8


def _cname_target(answer: dns.resolver.Answer) -> str | None:
    """Where the CNAME chain of an answer without the asked records ends, if it has one."""
    target = None
    for rrset in answer.response.answer:
        if rrset.rdtype == dns.rdatatype.CNAME:
            target = str(next(iter(rrset)).target).lower().rstrip(".")
    return target


class Unresolved(OSError):
    """A host with no address: the dns-address check says why, the checks needing a connection are blocked."""


class Connector:
    """Opens TCP connections for (host, port) where ``--resolve``/``--connect-to`` or the resolver say."""

    def __init__(
        self,
        routes: Mapping[tuple[str, int], Route],
        resolver: dns.resolver.Resolver | None,
        timeout: float,
    ) -> None:
        self.routes = dict(routes)
        self.resolver = resolver
        self.timeout = timeout

    def route(self, host: str, port: int) -> Route:
        mapped = self.routes.get((host.lower().rstrip("."), port))
        if mapped is not None:
            return mapped
        if self.resolver is None:
            return Route(host, port)
        try:
            answer = self.resolver.resolve(host, "A")
        except dns.exception.DNSException as error:
            raise Unresolved(f"{host} does not resolve ({dns_reason(error)})") from None
        return Route(str(next(iter(answer))), port)

    def connect(self, host: str, port: int) -> socket.socket:
        route = self.route(host, port)
        return socket.create_connection((route.address, route.port), timeout=self.timeout)

    def tls(self, host: str, port: int, context: ssl.SSLContext) -> ssl.SSLSocket:
        """A TLS connection to ``host`` (SNI and name checked as ``host``), wherever its route leads."""
        raw = self.connect(host, port)
        try:
            return context.wrap_socket(raw, server_hostname=host)
        except BaseException:
            raw.close()
            raise

    def http_client(self, verify: ssl.SSLContext) -> httpx.Client:
        """An httpx client whose connections follow this connector's routes; no environment proxies."""
        transport = httpx.HTTPTransport(verify=verify, trust_env=False)
        # httpx has no public hook for where a connection goes; httpcore's pool takes a network backend.
        transport._pool._network_backend = _RoutedBackend(self)
        return httpx.Client(
            transport=transport, timeout=self.timeout, follow_redirects=False, trust_env=False, verify=verify
        )


class _RoutedBackend(httpcore.NetworkBackend):
    """httpcore's synchronous backend, connecting to the connector's route for each (host, port)."""

    def __init__(self, connector: Connector) -> None:
        self._connector = connector
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            route = self._connector.route(host, port)
        except OSError as error:
            raise httpcore.ConnectError(str(error)) from None
        return self._inner.connect_tcp(route.address, route.port, timeout, local_address, socket_options)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        return self._inner.connect_unix_socket(path, timeout, socket_options)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def dns_reason(error: BaseException) -> str:
    if isinstance(error, dns.resolver.NXDOMAIN):
        return "no such name"
    if isinstance(error, dns.resolver.NoAnswer):
        return "no record of that type"
    if isinstance(error, dns.exception.Timeout):
        return "no answer in time"
    return " ".join(str(error).split()) or type(error).__name__
