"""``make verify-demo``: the verifier against a compliant loopback platform for examples/verify-demo.

Starts the fixtures (a DNS server for agencyos.test, HTTPS and HTTP servers with a trustme CA) and runs
``agencyos-infra verify --stack demo`` at them, as an operator would run it against the live platform:
``--dns-server`` for the zone's names and ``--resolver`` for the others, ``--connect-to`` because the
servers listen on free loopback ports, ``--ca-bundle`` for the test CA. Prints the command (ports vary) and the report.
"""

from __future__ import annotations

import sys
from pathlib import Path

from agencyos_infra.cli import REPOSITORY, handle_interrupts, main
from agencyos_infra.verify.provider_facts import HTTP_PORT, HTTPS_PORT

DEMO = REPOSITORY / "examples" / "verify-demo"
OUTPUTS = DEMO / "outputs.json"


def demo_args(extra: list[str]) -> list[str]:
    return ["verify", "--stack", "demo", "--program", str(DEMO), "--outputs", str(OUTPUTS), *extra]


def run(argv: list[str]) -> int:
    # Imported here, after the interrupt handlers: loading the stack's settings takes a while.
    from agencyos_infra.verify.fixtures import platform
    from agencyos_infra.verify.target import load_target

    target = load_target(DEMO, "demo", OUTPUTS)
    with platform(target) as endpoints:
        args = demo_args([*endpoints.cli_args(), "--probe-rate-limit", *argv])
        shown = " ".join(a if not a.startswith("/") else str(Path(a).relative_to(REPOSITORY)) for a in args[:7])
        routes = f"HOST:{HTTPS_PORT}:127.0.0.1:{endpoints.https_port} (and :{HTTP_PORT} to {endpoints.http_port})"
        rest = " ".join(["--probe-rate-limit", *argv])
        print(
            f"$ agencyos-infra {shown} --dns-server {endpoints.dns_server} --resolver {endpoints.resolver} "
            "--ca-bundle CA.pem "
            f"--connect-to {routes} for each host {rest}",
            flush=True,
        )
        return main(args)


if __name__ == "__main__":
    handle_interrupts()
    sys.exit(run(sys.argv[1:]))
