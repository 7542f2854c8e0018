"""``agencyos-infra verify``: its flags and its handler (exit 0 all pass, 1 a check fails, 2 usage/resolver)."""

from __future__ import annotations

import argparse
import ssl
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agencyos_infra.verify.provider_facts import HTTP_PORT, HTTPS_PORT
from agencyos_infra.verify.render import FORMATS

if TYPE_CHECKING:
    from agencyos_infra.verify.network import Connector, ZoneRouter
    from agencyos_infra.verify.result import Check
    from agencyos_infra.verify.target import Target
    from agencyos_infra.verify.waiting import Group

DEFAULT_TIMEOUT_SECONDS = 10.0


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= 600:
        raise argparse.ArgumentTypeError(f"{text} must be more than 0 and at most 600 seconds")
    return value


def _duration(text: str) -> float:
    from agencyos_infra.verify.waiting import parse_duration

    try:
        return parse_duration(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_parser(commands: Any) -> None:
    """The ``verify`` subcommand on the CLI's subparsers."""
    verify = commands.add_parser(
        "verify",
        help="check the live platform (DNS, TLS, HTTP) against the go-live checklist",
        description="Checks the live platform of a stack against the checklist: DNS records and email "
        "authentication, TLS certificates and protocols, HTTPS redirects, HSTS, security headers, health "
        "endpoints, CORS and (with --probe-rate-limit) rate limits. Exit 0: all pass; 1: a check fails; "
        "2: bad usage or a resolver that does not answer.",
    )
    verify.add_argument("--stack", default="prod", help="stack name; reads Pulumi.<stack>.yaml (default: prod)")
    verify.add_argument(
        "--program",
        type=Path,
        default=None,
        help="Pulumi project directory (default: the nearest Pulumi.yaml at or above the working directory)",
    )
    verify.add_argument(
        "--outputs",
        type=Path,
        default=None,
        help="the stack's outputs, saved by `pulumi stack output --json > FILE` (ingressAddress: the A records' "
        "address, or the origin a proxied zone must not reveal)",
    )
    verify.add_argument(
        "--dns-server",
        metavar="HOST:PORT",
        default=None,
        help="ask this DNS server (an IP address, port 53 by default) instead of the system resolver; the "
        "hosts' addresses for TLS and HTTP come from it too. Only the zone's names are asked there",
    )
    verify.add_argument(
        "--resolver",
        metavar="HOST:PORT",
        default=None,
        help="the recursive resolver for names outside the zone (SPF includes, CNAME targets; default: the "
        "system's); a name it cannot resolve leaves the checks that need it not tested",
    )
    verify.add_argument(
        "--wait",
        metavar="DURATION",
        type=_duration,
        default=None,
        help="right after a deploy: run failing checks again, with backoff, until they pass or DURATION "
        "(e.g. 90s, 20m, 1h) has passed; a progress line per round on stderr",
    )
    verify.add_argument(
        "--ca-bundle", type=Path, default=None, help="PEM file of extra trusted CA certificates (system trust kept)"
    )
    verify.add_argument(
        "--resolve",
        metavar="HOST:PORT:ADDR",
        action="append",
        default=[],
        help=f"connect to ADDR for HOST:PORT (as curl; HOST one of the stack's hosts, PORT {HTTPS_PORT} or "
        f"{HTTP_PORT}); SNI and Host stay HOST. Repeatable",
    )
    verify.add_argument(
        "--connect-to",
        metavar="HOST:PORT:ADDR:PORT2",
        action="append",
        default=[],
        help=f"connect to ADDR:PORT2 for HOST:PORT (as curl; HOST one of the stack's hosts, PORT {HTTPS_PORT} or "
        f"{HTTP_PORT}); SNI and Host stay HOST. Repeatable",
    )
    verify.add_argument(
        "--probe-rate-limit",
        action="store_true",
        help="send requests past the checklist's rate limits to an auth path and the API; expects 429 "
        "(leaves this machine's address limited for up to a minute)",
    )
    verify.add_argument("--format", choices=FORMATS, default="text", help="report format (default: text)")
    verify.add_argument(
        "--timeout",
        type=_positive_seconds,
        default=DEFAULT_TIMEOUT_SECONDS,
        help=f"seconds allowed to each DNS query, connection and request (default: {DEFAULT_TIMEOUT_SECONDS:g})",
    )
    verify.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    verify.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from agencyos_infra.cli import EXIT_ERROR, EXIT_OK, EXIT_VIOLATIONS, UsageError, _default_program
    from agencyos_infra.verify.dns_checks import check_reachable
    from agencyos_infra.verify.http_checks import rate_limit_checks
    from agencyos_infra.verify.network import (
        Connector,
        VerifyUsageError,
        ZoneRouter,
        make_resolver,
        parse_connect_to,
        parse_dns_server,
        parse_resolve,
    )
    from agencyos_infra.verify.render import render, verdict
    from agencyos_infra.verify.target import load_target
    from agencyos_infra.verify.tls_checks import unverified_context, verifying_context
    from agencyos_infra.verify.waiting import Progress, converge

    try:
        given = [("--resolve", value, *parse_resolve(value)) for value in args.resolve]
        given += [("--connect-to", value, *parse_connect_to(value)) for value in args.connect_to]
        routes = {where: route for _, _, where, route in given}
        server = parse_dns_server(args.dns_server) if args.dns_server is not None else None
        recursive = parse_dns_server(args.resolver, "--resolver") if args.resolver is not None else None
        verifying = verifying_context(args.ca_bundle)
        target = load_target(args.program or _default_program(), args.stack, args.outputs)
        _refuse_unused_routes(given, target.hosts)
        zone = make_resolver(server, args.timeout) if server is not None else None
        router = ZoneRouter(target.domain, zone, make_resolver(recursive, args.timeout), args.timeout)
        # The zone's own server must answer; a recursive resolver that does not only leaves checks not tested.
        check_reachable(router.resolver_for(target.domain), target.domain)
    except (VerifyUsageError, UsageError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR

    connector = Connector(routes, router if server is not None else None, args.timeout)
    outcome = converge(_groups(target, router, connector, verifying), args.wait, Progress(sys.stderr))
    checks = outcome.checks
    if args.probe_rate_limit:
        # Once, last, after the wait: it leaves this address limited for up to a minute.
        with connector.http_client(unverified_context()) as client:
            checks = [*checks, *rate_limit_checks(target, client)]
    print(render(target, checks, args.format))
    return EXIT_VIOLATIONS if verdict(checks) == "fail" else EXIT_OK


def _groups(target: Target, router: ZoneRouter, connector: Connector, verifying: ssl.SSLContext) -> list[Group]:
    """DNS, then TLS (a host whose name failed is that failure's), then HTTP (a host without TLS is TLS's)."""
    from agencyos_infra.verify.dns_checks import dns_checks
    from agencyos_infra.verify.http_checks import http_checks
    from agencyos_infra.verify.result import Status
    from agencyos_infra.verify.tls_checks import https_blockers, tls_checks, unverified_context
    from agencyos_infra.verify.waiting import Group

    def tls(done: Mapping[str, Sequence[Check]]) -> list[Check]:
        names = frozenset(c.target for c in done["dns"] if c.name == "dns-address" and c.status is Status.FAIL)
        return tls_checks(target, connector, verifying, names)

    def http(done: Mapping[str, Sequence[Check]]) -> list[Check]:
        with connector.http_client(unverified_context()) as client:
            return http_checks(target, client, https_blockers(list(done["tls"])))

    return [Group("dns", lambda _: dns_checks(target, router)), Group("tls", tls), Group("http", http)]


def _refuse_unused_routes(given: list[tuple[str, str, tuple[str, int], Any]], hosts: tuple[str, ...]) -> None:
    """A route the verifier never takes is a typo: ignored, the live platform would be checked instead of ADDR."""
    from agencyos_infra.verify.network import VerifyUsageError
    from agencyos_infra.verify.provider_facts import HTTP_PORT, HTTPS_PORT

    used = {(host.lower().rstrip("."), port) for host in hosts for port in (HTTPS_PORT, HTTP_PORT)}
    for flag, value, (host, port), _ in given:
        if (host, port) not in used:
            raise VerifyUsageError(
                f"{flag} {value}: the verifier never connects to {host}:{port}; it connects to "
                f"{', '.join(hosts)} on ports {HTTPS_PORT} and {HTTP_PORT} (the stack's hosts): fix the host or port"
            )
