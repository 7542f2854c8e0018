"""`agencyos-infra verify` flags as a new user mistypes them: each message names what was given.

Run through the CLI's own `main`, on the demo stack; nothing here reaches a network but loopback.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agencyos_infra.cli import main
from agencyos_infra.verify.demo import DEMO, OUTPUTS
from agencyos_infra.verify.fixtures import silent_dns_server
from agencyos_infra.verify.network import describe, make_resolver, parse_dns_server
from agencyos_infra.verify.target import load_target


def _usage_error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(["verify", "--stack", "demo", "--program", str(DEMO), *args])
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert out == "" and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err


@pytest.mark.parametrize("value", ["nope", "dns.example", "localhost"])
def test_a_dns_server_without_a_port_that_is_no_address_is_named(
    capsys: pytest.CaptureFixture[str], value: str
) -> None:
    err = _usage_error(capsys, "--dns-server", value)
    assert f"--dns-server {value}: '{value}' is not an IP address" in err, err
    assert "127.0.0.1:53" in err, err  # the shape it takes


@pytest.mark.parametrize(
    ("value", "server"),
    [
        ("[2001:db8::1]", ("2001:db8::1", 53)),
        ("[2001:db8::1]:5353", ("2001:db8::1", 5353)),
        ("192.0.2.1", ("192.0.2.1", 53)),
    ],
)
def test_dns_server_forms(value: str, server: tuple[str, int]) -> None:
    assert parse_dns_server(value) == server


def test_an_ipv6_resolver_is_named_as_the_flag_takes_it() -> None:
    assert describe(make_resolver(("::1", 5353), 1.0)) == "[::1]:5353"
    assert describe(make_resolver(("127.0.0.1", 53), 1.0)) == "127.0.0.1:53"


def test_a_silent_resolver_is_named_with_the_timeout_and_the_fix(capsys: pytest.CaptureFixture[str]) -> None:
    with silent_dns_server() as address:
        err = _usage_error(capsys, "--outputs", str(OUTPUTS), "--dns-server", address, "--timeout", "0.5")
    assert f"the DNS resolver ({address}) did not answer within 0.5 s" in err, err
    assert "--dns-server" in err and "--timeout" in err, err


def test_an_ingress_address_that_is_no_address_is_quoted(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text('{"ingressAddress": "[secret]"}')
    err = _usage_error(capsys, "--outputs", str(outputs))
    assert f"--outputs {outputs}: ingressAddress '[secret]' is not an IP address" in err, err


@pytest.mark.parametrize(
    ("flag", "value", "named"),
    [
        ("--resolve", "agencyos.tset:443:127.0.0.1", "agencyos.tset:443"),
        ("--resolve", "agencyos.test:8443:127.0.0.1", "agencyos.test:8443"),
        ("--connect-to", "ww.agencyos.test:80:127.0.0.1:8080", "ww.agencyos.test:80"),
    ],
)
def test_a_route_for_a_host_or_port_the_verifier_never_connects_to_is_refused(
    capsys: pytest.CaptureFixture[str], flag: str, value: str, named: str
) -> None:
    # Ignored, it would let the verifier check the live platform while the user believes it checks ADDR.
    with silent_dns_server() as address:  # were the route accepted, no query would leave loopback
        err = _usage_error(capsys, "--outputs", str(OUTPUTS), "--dns-server", address, "--timeout", "0.5", flag, value)
    assert err.startswith(f"error: {flag} {value}: the verifier never connects to {named}"), err
    assert "agencyos.test, www.agencyos.test, api.agencyos.test" in err and "443" in err and "80" in err, err


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_outputs_saved_by_windows_powershell_are_read(tmp_path: Path, encoding: str) -> None:
    # `pulumi stack output --json > outputs.json` in Windows PowerShell writes UTF-16 (5.1) or a BOM;
    # JSON readers may accept a byte order mark (RFC 8259, 8.1), and the file is the same document.
    outputs = tmp_path / "outputs.json"
    outputs.write_text('{"ingressAddress": "192.0.2.10"}', encoding=encoding)
    assert load_target(DEMO, "demo", outputs).ingress_address == "192.0.2.10"
