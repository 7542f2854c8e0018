"""Test programs of the forms real teams write (``tests/programs/``), previewed through the CLI with the real pack.

``cloud-run-alerts`` alerts on Cloud Run's CPU and memory utilisations at the checklist's thresholds and keeps no
database and takes no payments: none of the six alert rules is reported. With a stricter policy config, its CPU
rule is reported as looser (its threshold beside the config's), never as missing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.conftest import REPO, REPORTED_VIOLATION, run_cli

PROGRAM = REPO / "tests" / "programs" / "cloud-run-alerts"
SIX = {
    f"observability-stack-alert-{name}"
    for name in ("cpu-usage", "memory-usage", "error-rate", "p95-latency", "database-connections")
} | {"observability-stack-alert-payment-webhook-failures"}
STACK_LEVEL_VIOLATION = r"^\s+\[(?P<policy>[a-z0-9-]+)\] \(\w+\) \(stack\)$"


def _preview(*extra: str) -> str:
    result = run_cli("preview", "--program", str(PROGRAM), "--stack", "dev", "--mode", "preview", *extra)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return result.stdout


def _reported(stdout: str) -> set[str]:
    stack_level = {m["policy"] for m in re.finditer(STACK_LEVEL_VIOLATION, stdout, re.MULTILINE)}
    return stack_level | {m["policy"] for m in REPORTED_VIOLATION.finditer(stdout)}


def test_cloud_run_utilisation_rules_meet_the_checklist_and_absent_concerns_are_not_demanded() -> None:
    stdout = _preview()
    for name in ("catalogue", "run-cpu", "run-memory"):
        assert f" {name}" in stdout, name
    assert not _reported(stdout) & SIX, stdout


def test_a_stricter_config_reports_the_cloud_run_rule_as_looser_not_missing(tmp_path: Path) -> None:
    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({"observability-stack-alert-cpu-usage": {"thresholdPercent": 70}}))
    stdout = _preview("--policy-config", str(config))
    assert _reported(stdout) & SIX == {"observability-stack-alert-cpu-usage"}, stdout
    assert "threshold 0.8, the policy config says 0.7 (policy config thresholdPercent)" in stdout, stdout
    assert "no rule on CPU usage" not in stdout
