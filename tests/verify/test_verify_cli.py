"""``agencyos-infra verify`` end to end against the loopback fixtures: exit codes, formats, usage errors."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from agencyos_checklist import catalogue

from agencyos_infra.cli import REPOSITORY, main
from agencyos_infra.verify.demo import DEMO, OUTPUTS, demo_args
from agencyos_infra.verify.fixtures import Site, compliant_zone, platform, silent_dns_server
from tests.verify.demo_target import DEMO_TARGET


def verify(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_compliant_platform_exits_0_and_every_check_names_a_checklist_item(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with platform(DEMO_TARGET) as endpoints:
        code, out, err = verify(capsys, *demo_args([*endpoints.cli_args(), "--format", "json", "--probe-rate-limit"]))
    assert (code, err) == (0, "")
    report = json.loads(out)
    assert report["verdict"] == "pass" and report["stack"] == "demo" and report["domain"] == "agencyos.test"
    assert report["counts"] == {"pass": len(report["checks"]), "fail": 0, "not tested": 0}
    names = {check["check"] for check in report["checks"]}
    assert names == {
        *("dns-address", "dns-mx", "dns-spf", "dns-dkim", "dns-dmarc"),
        *("tls-certificate", "tls-expiry", "tls-modern", "tls-legacy"),
        *("http-redirect", "http-hsts", "http-headers", "http-health", "http-cors", "rate-limit"),
    }
    items = catalogue()
    assert all(check["item"] in items for check in report["checks"])


def test_a_break_exits_1_and_the_text_table_says_which_check_and_item(capsys: pytest.CaptureFixture[str]) -> None:
    with platform(DEMO_TARGET, site=Site(hsts=None)) as endpoints:
        code, out, err = verify(capsys, *demo_args(endpoints.cli_args()))
    assert (code, err) == (1, "")
    header, *rows = out.splitlines()
    assert header.split() == ["RESULT", "CHECK", "TARGET", "ITEM", "DETAIL"]
    failing = [row.split()[:4] for row in rows if row.startswith("FAIL")]
    assert failing == [
        ["FAIL", "http-hsts", f"https://{host}/", "8.application-security.1.1"] for host in DEMO_TARGET.hosts
    ]
    assert out.rstrip().endswith(
        f"verify demo (agencyos.test): FAIL: {len(rows) - 2 - 3} passed, 3 failed, 0 not tested"
    )


def test_markdown_lists_failures_first(capsys: pytest.CaptureFixture[str]) -> None:
    zone = compliant_zone(DEMO_TARGET).set("agencyos.test", "MX")
    with platform(DEMO_TARGET, zone=zone) as endpoints:
        code, out, _ = verify(capsys, *demo_args([*endpoints.cli_args(), "--format", "markdown"]))
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("### verify demo (agencyos.test): FAIL: ")
    assert lines[2:4] == ["| Result | Check | Target | Item | Detail |", "|---|---|---|---|---|"]
    assert lines[4].startswith("| ❌ | dns-mx | `agencyos.test` | `4.domain-setup.3` |")
    assert all(line.startswith("| ✅ |") for line in lines[5:])


def test_the_installed_command_runs_the_demo_as_make_verify_demo_does() -> None:
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "agencyos_infra.verify.demo"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("$ agencyos-infra verify --stack demo --program examples/verify-demo")
    assert "PASS: " in done.stdout and ", 0 failed, 0 not tested" in done.stdout
    # The README shows this run: the same lines, but for ports, dates and timings.
    readme = (REPOSITORY / "README.md").read_text()
    shown = readme.split("Its output (ports and\ndates vary per run):\n\n```text\n", 1)[1].split("```", 1)[0]
    assert _shape(shown) == _shape(done.stdout), "README's verify-demo output is stale: paste `make verify-demo`"


def _shape(output: str) -> list[str]:
    return [re.sub(r"[0-9]+", "N", line) for line in output.strip().splitlines()]


def _usage(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, out, err = verify(capsys, "verify", "--program", str(DEMO), *args)
    assert code == 2, (out, err)
    assert out == "" and "Traceback" not in err
    assert len(err.strip().splitlines()) <= 3, err
    return err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--stack", "nope"], "no stack file Pulumi.nope.yaml"),
        (["--stack", "demo", "--resolve", "agencyos.test:443"], "expected HOST:PORT:ADDR"),
        (["--stack", "demo", "--resolve", "agencyos.test:https:127.0.0.1"], "is not a port"),
        (["--stack", "demo", "--resolve", "agencyos.test:443:localhost"], "'localhost' is not an IP address"),
        (["--stack", "demo", "--connect-to", "agencyos.test:443:127.0.0.1"], "expected HOST:PORT:ADDR:PORT2"),
        (["--stack", "demo", "--dns-server", "dns.example:53"], "'dns.example' is not an IP address"),
        (["--stack", "demo", "--dns-server", "127.0.0.1:99999"], "is not a port"),
        (["--stack", "demo", "--outputs", "missing.json"], "--outputs missing.json: cannot be read"),
        (["--stack", "demo", "--ca-bundle", "missing.pem"], "--ca-bundle missing.pem: not a readable PEM"),
    ],
)
def test_usage_errors_exit_2_with_one_message(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert message in _usage(capsys, *args)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON"),
        ("[]", "expected the object"),
        ('{"ingressAddress": "[secret]"}', "ingressAddress '[secret]' is not an IP address"),
        ('{"other": 1}', "no ingressAddress string"),
    ],
)
def test_bad_outputs_files_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, message: str
) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(content)
    assert message in _usage(capsys, "--stack", "demo", "--outputs", str(outputs))


def test_invalid_stack_settings_exit_2_naming_the_field(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text(
        (DEMO / "Pulumi.yaml").read_text().replace("main: ../..", f"main: {DEMO.parent.parent}")
    )
    stack = (DEMO / "Pulumi.demo.yaml").read_text().replace("p=reject", "p=none")
    (tmp_path / "Pulumi.demo.yaml").write_text(stack)
    err = verify(capsys, "verify", "--program", str(tmp_path), "--stack", "demo")[2]
    assert "agencyos-infra:dns.dmarc" in err and "p=quarantine or p=reject" in err


def test_an_unreachable_resolver_exits_2_quickly(capsys: pytest.CaptureFixture[str]) -> None:
    with silent_dns_server() as address:
        err = _usage(capsys, "--stack", "demo", "--outputs", str(OUTPUTS), "--dns-server", address, "--timeout", "0.5")
    assert re.search(r"the DNS resolver \(127\.0\.0\.1:[0-9]+.*\) did not answer", err), err


@pytest.mark.parametrize(
    ("args", "message"), [(["--format", "xml"], "invalid choice: 'xml'"), (["--timeout", "0"], "must be more than 0")]
)
def test_bad_flags_exit_2_from_argparse(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["verify", "--stack", "demo", *args])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_the_repositorys_prod_stack_is_read() -> None:
    """prod's settings reach the verifier: a proxied zone, the proxy's ranges, apex, www and api."""
    from agencyos_infra.cli import REPOSITORY
    from agencyos_infra.verify.target import load_target

    prod = load_target(REPOSITORY, "prod", None)
    assert prod.proxied and prod.proxy_cidrs and prod.hosts == (prod.domain, f"www.{prod.domain}", f"api.{prod.domain}")


def _stack_with_spf(tmp_path: Path, spf: str) -> Path:
    """The demo stack, its SPF including a name outside the zone (as real zones include their mail provider's)."""
    (tmp_path / "Pulumi.yaml").write_text(
        (DEMO / "Pulumi.yaml").read_text().replace("main: ../..", f"main: {DEMO.parent.parent}")
    )
    stack = (DEMO / "Pulumi.demo.yaml").read_text().replace("include:spf.mail.agencyos.test", spf)
    (tmp_path / "Pulumi.demo.yaml").write_text(stack)
    return tmp_path


def test_names_outside_the_zone_go_to_the_resolver_not_the_zones_server(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The zone's server refuses _spf.mail-provider.test; the recursive resolver answers it: SPF passes."""
    program = _stack_with_spf(tmp_path, "include:_spf.mail-provider.test")
    from agencyos_infra.verify.target import load_target

    target = load_target(program, "demo", OUTPUTS)
    with platform(target) as endpoints:
        argv = ["verify", "--stack", "demo", "--program", str(program), "--outputs", str(OUTPUTS)]
        code, out, err = verify(capsys, *argv, *endpoints.cli_args(), "--format", "json")
    assert (code, err) == (0, ""), out
    [spf] = [c for c in json.loads(out)["checks"] if c["check"] == "dns-spf"]
    assert spf["result"] == "pass" and "1 DNS lookup(s)" in spf["detail"], spf


def test_an_unreachable_recursive_resolver_leaves_what_needs_it_not_tested(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    program = _stack_with_spf(tmp_path, "include:_spf.mail-provider.test")
    from agencyos_infra.verify.target import load_target

    target = load_target(program, "demo", OUTPUTS)
    with platform(target) as endpoints, silent_dns_server() as silent:
        args = endpoints.cli_args()
        args[args.index("--resolver") + 1] = silent
        argv = ["verify", "--stack", "demo", "--program", str(program), "--outputs", str(OUTPUTS), "--timeout", "0.5"]
        code, out, err = verify(capsys, *argv, *args, "--format", "json")
    assert (code, err) == (0, ""), out  # not tested is never a failure, nor a pass
    report = json.loads(out)
    assert report["counts"]["fail"] == 0 and report["counts"]["not tested"] == 1, report["counts"]
    [spf] = [c for c in report["checks"] if c["result"] == "not tested"]
    assert spf["check"] == "dns-spf" and "_spf.mail-provider.test" in spf["detail"] and silent in spf["detail"]


def test_wait_passes_once_the_platform_converges_and_without_it_the_first_round_fails(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from agencyos_infra.verify.fixtures import Certificate, Later

    # Right after `pulumi up`: www not yet in DNS, the certificate not yet issued (an expired one served).
    zone = compliant_zone(DEMO_TARGET).set("www.agencyos.test", "A")
    converged = Later(after=1.5, zone=compliant_zone(DEMO_TARGET), site=Site())
    with platform(DEMO_TARGET, zone=zone, site=Site(certificate=Certificate.EXPIRED), later=converged) as endpoints:
        code, out, err = verify(capsys, *demo_args([*endpoints.cli_args(), "--timeout", "1", "--format", "json"]))
        assert code == 1 and err == ""
        failing = {(c["check"], c["target"]) for c in json.loads(out)["checks"] if c["result"] == "fail"}
        assert ("dns-address", "www.agencyos.test") in failing and ("tls-expiry", "agencyos.test") in failing
        code, out, err = verify(capsys, *demo_args([*endpoints.cli_args(), "--timeout", "1", "--wait", "20s"]))
    assert code == 0, out + err
    assert out.rstrip().endswith("0 failed, 0 not tested")
    rounds = err.strip().splitlines()
    assert len(rounds) >= 2 and rounds[0].startswith("verify --wait: round 1: ") and "failing" in rounds[0], err
    assert "next round in 1s" in rounds[0] and rounds[-1].startswith("verify --wait: round "), err
    assert rounds[-1].split(": ")[2].startswith("none failing"), err


def test_wait_reports_what_still_fails_at_the_deadline(capsys: pytest.CaptureFixture[str]) -> None:
    with platform(DEMO_TARGET, site=Site(hsts=None)) as endpoints:
        code, out, err = verify(capsys, *demo_args([*endpoints.cli_args(), "--wait", "2s"]))
    assert code == 1
    assert "verify --wait: deadline 2s reached after" in err and "3 failing (http-hsts x3)" in err, err
    assert "3 failed" in out.splitlines()[-1]


@pytest.mark.parametrize("value", ["0", "soon", "3h", "-5s"])
def test_a_bad_wait_is_a_usage_error(capsys: pytest.CaptureFixture[str], value: str) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["verify", "--stack", "demo", "--wait", value])
    assert exited.value.code == 2 and "--wait" in capsys.readouterr().err
