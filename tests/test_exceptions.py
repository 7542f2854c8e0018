"""Exceptions (waivers), a baseline and `analyze --state`, through the real CLI on examples/noncompliant.

The example has one Cloud SQL instance breaking eight mandatory policies: an exception exempts one of
them, an expired one exempts nothing, a bad entry is exit 2 naming it, and a baseline of the same run
makes every finding existing (exit 0).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLES, run_cli

EXAMPLE = ("--program", str(EXAMPLES / "noncompliant"))
URN = "urn:pulumi:prod::noncompliant-sql::gcp:sql/databaseInstance:DatabaseInstance::orders-db"
BACKUPS = "gcp-cloudsql-instance-automated-backups"
PUBLIC_IP = "gcp-cloudsql-instance-no-public-ip"


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("baseline") / "main.json"
    result = run_cli("preview", *EXAMPLE, "--json", str(path))
    assert result.returncode == 1, result.stderr
    return path


def _config(tmp_path: Path, exceptions: dict[str, Any]) -> Path:
    path = tmp_path / "policy-config.json"
    path.write_text(json.dumps({"exceptions": exceptions}))
    return path


def _by_policy(report: Path) -> dict[str, dict[str, Any]]:
    return {v["policy"]: v for v in json.loads(report.read_text())["violations"]}


def test_an_exception_exempts_its_policy_on_its_target_and_an_expired_one_does_not(
    tmp_path: Path, baseline: Path
) -> None:
    mandatory = [v for v in _by_policy(baseline).values() if v["enforcementLevel"] == "mandatory"]
    config = _config(
        tmp_path,
        {
            "EXC-1": {
                "reason": "legacy instance",
                "expiresAt": "2999-01-01",
                "match": [{"policies": [BACKUPS], "targets": [URN]}],
            },
            "EXC-2": {
                "reason": "was accepted",
                "expiresAt": "2020-01-01",
                "match": [{"policies": [PUBLIC_IP], "targets": [URN]}],
            },
            "EXC-3": {
                "reason": "stale",
                "match": [{"policies": [BACKUPS], "targets": [URN.replace("orders-db", "gone")]}],
            },
        },
    )
    report = tmp_path / "run.json"
    result = run_cli("preview", *EXAMPLE, "--policy-config", str(config), "--json", str(report))
    assert result.returncode == 1, result.stderr
    found = _by_policy(report)
    assert found[BACKUPS]["outcome"] == "exempted" and not found[BACKUPS]["blocking"]
    assert found[BACKUPS]["exception"] == {"id": "EXC-1", "reason": "legacy instance"}
    assert found[PUBLIC_IP]["outcome"] == "failed" and found[PUBLIC_IP]["blocking"]
    assert found[PUBLIC_IP]["expiredException"] == "EXC-2"
    summary = json.loads(report.read_text())["summary"]
    assert summary["blocking"] == len(mandatory) - 1 and summary["exempted"] == 1
    assert summary["expiredExceptions"] == ["EXC-2"] and summary["unmatchedExceptions"] == ["EXC-3"]
    assert "Exception EXC-2 expired" in result.stderr and "Exception EXC-3 matched no violation" in result.stderr
    assert f"{len(mandatory) - 1} mandatory policy violation(s)" in result.stderr
    assert "status: exempted by EXC-1: legacy instance" in result.stdout


def test_exceptions_exempting_every_mandatory_violation_pass_the_run(tmp_path: Path, baseline: Path) -> None:
    policies = [p for p, v in _by_policy(baseline).items() if v["enforcementLevel"] == "mandatory"]
    config = _config(tmp_path, {"EXC-1": {"reason": "accepted", "match": [{"policies": policies, "targets": [URN]}]}})
    result = run_cli("preview", *EXAMPLE, "--policy-config", str(config))
    assert result.returncode == 0, result.stderr
    assert f"0 blocking: 0 failed, 0 undetermined; 3 advisory, {len(policies)} exempted." in result.stdout


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"match": [{"policies": [BACKUPS], "targets": [URN]}]}, "exceptions.E.reason: missing or blank"),
        (
            {"reason": "  ", "match": [{"policies": [BACKUPS], "targets": [URN]}]},
            "exceptions.E.reason: missing or blank",
        ),
        (
            {"reason": "r", "match": [{"policies": [BACKUPS], "targets": ["orders-db"]}]},
            "'orders-db' is not a resource URN",
        ),
        (
            {"reason": "r", "expiresAt": "31/03/2027", "match": [{"policies": [BACKUPS], "targets": [URN]}]},
            "exceptions.E.expiresAt: must be a date",
        ),
        (
            {"reason": "r", "match": [{"policies": ["gcp-no-such-policy"], "targets": [URN]}]},
            "exceptions.E: policy 'gcp-no-such-policy' is not in the policy pack",
        ),
    ],
)
def test_a_bad_exception_is_exit_2_naming_the_entry(tmp_path: Path, entry: dict[str, Any], message: str) -> None:
    config = _config(tmp_path, {"E": entry})
    result = run_cli(
        "preview", *EXAMPLE, "--policy-config", str(config), "--format", "sarif", "--output", str(tmp_path / "x.sarif")
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"error: --policy-config {config}: invalid exceptions:" in result.stderr, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "x.sarif").exists()


def test_exceptions_new_writes_entries_the_next_run_accepts(tmp_path: Path, baseline: Path) -> None:
    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({"gcp-cloudsql-instance-query-insights": "disabled"}))
    result = run_cli(
        "exceptions",
        "new",
        "--from",
        str(baseline),
        "--reason",
        "replaced in Q1",
        "--policy",
        BACKUPS,
        "--expires",
        "2999-12-31",
        "--output",
        str(config),
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(config.read_text())
    assert document["gcp-cloudsql-instance-query-insights"] == "disabled"
    assert document["exceptions"] == {
        "EXC-1": {
            "reason": "replaced in Q1",
            "expiresAt": "2999-12-31",
            "match": [{"policies": [BACKUPS], "targets": [URN]}],
        }
    }
    report = tmp_path / "run.json"
    assert run_cli("preview", *EXAMPLE, "--policy-config", str(config), "--json", str(report)).returncode == 1
    assert _by_policy(report)[BACKUPS]["outcome"] == "exempted"
    blank = run_cli("exceptions", "new", "--from", str(baseline), "--reason", " ")
    assert blank.returncode == 2 and blank.stderr.startswith("error: --reason: blank")


def test_a_baseline_of_the_same_run_makes_every_finding_existing(tmp_path: Path, baseline: Path) -> None:
    report = tmp_path / "run.json"
    result = run_cli("preview", *EXAMPLE, "--baseline", str(baseline), "--json", str(report))
    assert result.returncode == 0, result.stderr
    violations = json.loads(report.read_text())["violations"]
    assert violations and {v["baselineState"] for v in violations} == {"existing"}
    # One finding fixed since the baseline, one new: the baseline edited as a reviewer reads it.
    document = json.loads(baseline.read_text())
    kept = [v for v in document["violations"] if v["policy"] != BACKUPS]
    gone = {**kept[0], "policy": "gcp-cloudsql-instance-some-fixed-policy"}
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps({**document, "violations": [*kept, gone]}))
    result = run_cli("preview", *EXAMPLE, "--baseline", str(edited), "--json", str(report))
    assert result.returncode == 1, result.stderr
    found = _by_policy(report)
    assert found[BACKUPS]["baselineState"] == "new" and found[BACKUPS]["blocking"]
    assert all(v["baselineState"] == "existing" for p, v in found.items() if p != BACKUPS)
    summary = json.loads(report.read_text())["summary"]
    assert summary["blocking"] == 1 and summary["new"] == 1
    assert [f["policy"] for f in summary["fixed"]] == ["gcp-cloudsql-instance-some-fixed-policy"]


def test_a_baseline_of_another_stack_is_exit_2(tmp_path: Path, baseline: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text(json.dumps({**json.loads(baseline.read_text()), "stack": "staging"}))
    result = run_cli("preview", *EXAMPLE, "--baseline", str(other))
    assert result.returncode == 2 and f"--baseline {other}: a report of stack 'staging'" in result.stderr


@pytest.mark.parametrize("name", ["Pulumi.prod.yaml", "Pulumi.yaml", "__main__.py"])
def test_an_output_naming_an_input_is_refused_before_anything_runs(name: str) -> None:
    target = EXAMPLES / "noncompliant" / name
    before = target.read_bytes()
    result = run_cli("preview", *EXAMPLE, "--format", "sarif", "--output", str(target))
    assert result.returncode == 2 and f"is {name}, an input of this run" in result.stderr, result.stderr
    assert target.read_bytes() == before and result.stdout == ""


def test_an_output_directory_with_a_slash_gets_the_report_under_its_default_name(tmp_path: Path) -> None:
    result = run_cli("preview", *EXAMPLE, "--format", "sarif", "--output", f"{tmp_path}/")
    assert result.returncode == 1, result.stderr
    assert json.loads((tmp_path / "preview-prod.sarif").read_text())["version"] == "2.1.0"
    missing = run_cli("preview", *EXAMPLE, "--format", "sarif", "--output", f"{tmp_path}/missing/")
    assert missing.returncode == 2 and "does not exist" in missing.stderr


def test_a_named_pipe_output_is_written_in_place(tmp_path: Path) -> None:
    import os
    import threading

    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    result = run_cli("preview", *EXAMPLE, "--format", "sarif", "--output", str(fifo))
    reader.join(timeout=60)
    assert result.returncode == 1, result.stderr
    assert fifo.is_fifo() and json.loads(received[0])["version"] == "2.1.0"


STATE_URN = "urn:pulumi:prod::shop::gcp:sql/databaseInstance:DatabaseInstance::orders-db"


def _export(settings: dict[str, Any], **extra: Any) -> dict[str, Any]:
    stack = "urn:pulumi:prod::shop::pulumi:pulumi:Stack::shop-prod"
    provider = "urn:pulumi:prod::shop::pulumi:providers:gcp::default_8_0_0"
    password = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "v1:AAAA"}
    inputs = {"databaseVersion": "POSTGRES_16", "region": "us-central1", "rootPassword": password, "settings": settings}
    return {
        "version": 3,
        "deployment": {
            "manifest": {"time": "2026-01-01T00:00:00Z", "magic": "m", "version": "v3.200.0"},
            "resources": [
                {"urn": stack, "custom": False, "type": "pulumi:pulumi:Stack", "outputs": {}},
                {
                    "urn": provider,
                    "custom": True,
                    "id": "p1",
                    "type": "pulumi:providers:gcp",
                    "inputs": {},
                    "outputs": {},
                },
                {
                    "urn": STATE_URN,
                    "custom": True,
                    "id": "orders-db",
                    "type": "gcp:sql/databaseInstance:DatabaseInstance",
                    "parent": stack,
                    "provider": f"{provider}::p1",
                    "protect": True,
                    "inputs": inputs,
                    "outputs": inputs,
                },
            ],
            **extra,
        },
    }


def test_analyze_judges_a_stack_export_and_reports_pending_operations(tmp_path: Path) -> None:
    state = tmp_path / "prod.json"
    pending = [{"resource": {"urn": "urn:pulumi:prod::shop::gcp:storage/bucket:Bucket::b"}, "type": "creating"}]
    state.write_text(json.dumps(_export({"tier": "db-f1-micro"}, pending_operations=pending), indent=4))
    report = tmp_path / "analysis.json"
    result = run_cli("analyze", "--state", str(state), "--json", str(report))
    assert result.returncode == 1, result.stderr
    assert "pending operation 'creating' on urn:pulumi:prod::shop::gcp:storage/bucket:Bucket::b" in result.stderr
    assert "ciphertext" in result.stderr and "Traceback" not in result.stderr
    document = json.loads(report.read_text())
    assert (document["project"], document["stack"], document["mode"]) == ("shop", "prod", "up")
    violations = [v for v in document["violations"] if v["urn"] == STATE_URN]
    assert BACKUPS in {v["policy"] for v in violations}
    line = next(n for n, text in enumerate(state.read_text().splitlines(), 1) if STATE_URN in text and '"urn"' in text)
    assert all(v["anchor"] == {"path": "prod.json", "line": line} for v in violations)
    [instance] = [r for r in document["resources"] if r["urn"] == STATE_URN]
    assert instance["inputs"]["rootPassword"] == "[secret]" and "rootPassword" in instance["secretPaths"]


def test_analyze_of_a_bad_export_is_exit_2_naming_it(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"version": 2, "deployment": {"resources": []}}))
    result = run_cli("analyze", "--state", str(state))
    assert result.returncode == 2 and result.stderr.startswith(f"error: --state {state}: deployment version 2")
    state.write_text("{")
    result = run_cli("analyze", "--state", str(state))
    assert result.returncode == 2 and "not valid JSON" in result.stderr
