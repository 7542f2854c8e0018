"""`agencyos-infra preview --format junit`: JUnit XML as GitLab, Jenkins, Azure DevOps and CircleCI read it.

Read back with junitparser; the failures are exactly the blocking findings (what makes the exit code 1),
exempted and baseline-existing ones are skipped, advisory ones pass with their message.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from junitparser import Failure, JUnitXml, Skipped, TestCase

from tests import report_packs
from tests.conftest import EXAMPLES, run_cli

EXAMPLE = ("--program", str(EXAMPLES / "noncompliant"))
URN = "urn:pulumi:prod::noncompliant-sql::gcp:sql/databaseInstance:DatabaseInstance::orders-db"
BACKUPS = "gcp-cloudsql-instance-automated-backups"


def _junit(tmp_path: Path, *args: str, code: int = 1) -> tuple[JUnitXml, dict[str, Any]]:
    """The JUnit report and the JSON report of the same run."""
    report, document = tmp_path / "junit.xml", tmp_path / "run.json"
    result = run_cli("preview", *args, "--format", "junit", "--output", str(report))
    assert result.returncode == code, result.stdout + result.stderr
    assert run_cli("preview", *args, "--json", str(document)).returncode == code
    return JUnitXml.fromfile(str(report)), json.loads(document.read_text())


def _cases(xml: JUnitXml) -> dict[tuple[str, str], TestCase]:
    return {(case.classname, case.name): case for suite in xml for case in suite}


def _kind(case: TestCase) -> str:
    results = case.result
    if not results:
        return "passed"
    [result] = results
    return {Failure: "failure", Skipped: "skipped"}[type(result)]


def test_junit_has_a_suite_per_policy_and_fails_exactly_the_blocking_findings(tmp_path: Path) -> None:
    xml, document = _junit(tmp_path, *EXAMPLE)
    policies = {suite.name for suite in xml}
    assert len(policies) == len(list(xml)) and BACKUPS in policies
    violations = document["violations"]
    cases = _cases(xml)
    for violation in violations:
        case = cases[(violation["policy"], "gcp:sql/databaseInstance:DatabaseInstance orders-db")]
        expected = "failure" if violation["blocking"] else "passed"
        assert _kind(case) == expected, violation["policy"]
        shown = case.result[0].message if case.result else case.system_out
        assert " ".join(violation["message"].splitlines()[-1].split()[1:]) in shown
        assert (case._elem.get("file"), case._elem.get("line")) == (violation["source"]["path"], "5")
    flagged = {v["policy"] for v in violations}
    for suite in xml:
        if suite.name not in flagged:  # the pack reports no passes: one passing case for the run
            [case] = list(suite)
            assert _kind(case) == "passed" and "no violation" in case.name, suite.name
    assert xml.failures == document["summary"]["blocking"] > 0
    assert xml.tests == len(violations) + len(policies - flagged)
    assert xml.skipped == 0 and xml.errors == 0


def test_junit_skips_exempted_and_baseline_findings_and_disabled_policies(tmp_path: Path) -> None:
    baseline = tmp_path / "main.json"
    run_cli("preview", *EXAMPLE, "--json", str(baseline))
    document = json.loads(baseline.read_text())
    public_ip = next(v for v in document["violations"] if v["policy"] == "gcp-cloudsql-instance-no-public-ip")
    document["violations"] = [public_ip]  # in the baseline: existing
    baseline.write_text(json.dumps(document))
    config = tmp_path / "policy-config.json"
    exception = {"reason": "legacy instance, replaced in Q1", "match": [{"policies": [BACKUPS], "targets": [URN]}]}
    config.write_text(
        json.dumps({"exceptions": {"EXC-1": exception}, "gcp-cloudsql-instance-max-connections": "disabled"})
    )
    xml, report = _junit(tmp_path, *EXAMPLE, "--policy-config", str(config), "--baseline", str(baseline))
    cases = _cases(xml)
    subject = "gcp:sql/databaseInstance:DatabaseInstance orders-db"
    exempted = cases[(BACKUPS, subject)]
    assert _kind(exempted) == "skipped"
    assert exempted.result[0].message == "Exempted by EXC-1: legacy instance, replaced in Q1"
    existing = cases[(public_ip["policy"], subject)]
    assert _kind(existing) == "skipped" and existing.result[0].message.startswith("Existing (in the baseline): ")
    assert _kind(cases[("gcp-cloudsql-instance-max-connections", "disabled")]) == "skipped"
    assert xml.failures == report["summary"]["blocking"]
    assert xml.skipped == 3


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> tuple[JUnitXml, str]:
    _root, program, pack = report_packs.repository(tmp_path_factory.mktemp("probe"))
    args = ("--program", str(program), "--stack", "dev", "--policy-pack", str(pack))
    result = run_cli("preview", *args, "--format", "junit")
    assert result.returncode == 1, result.stderr
    path = tmp_path_factory.mktemp("junit") / "junit.xml"
    path.write_text(result.stdout)
    return JUnitXml.fromfile(str(path)), result.stdout


def test_an_undetermined_result_is_a_failure_of_its_own_type(probe: tuple[JUnitXml, str]) -> None:
    cases = _cases(probe[0])
    [undetermined] = [case for (policy, _), case in cases.items() if policy == report_packs.UNDETERMINED]
    [failure] = undetermined.result
    assert failure.type == "undetermined" and failure.message.startswith("Undetermined: ")
    [failed] = [case for (policy, _), case in cases.items() if policy == report_packs.FAILED]
    assert failed.result[0].type == "mandatory" and not failed.result[0].message.startswith("Undetermined")


def test_a_stack_result_points_at_the_stack_file_and_an_advisory_one_passes(probe: tuple[JUnitXml, str]) -> None:
    xml, text = probe
    cases = _cases(xml)
    stack = cases[(report_packs.STACK, "the stack")]
    assert stack._elem.get("file") == f"{report_packs.PROGRAM_DIR.as_posix()}/Pulumi.dev.yaml"
    [advisory] = [case for (policy, _), case in cases.items() if policy == report_packs.ADVISORY]
    assert _kind(advisory) == "passed" and "50% of the keys" in advisory.system_out
    # The message's BEL character cannot be held by XML 1.0: replaced, so the file parses.
    assert "\x07" not in text and "\ufffd" in advisory.system_out
    assert _kind(cases[(report_packs.QUIET, "2 resources judged: no violation")]) == "passed"
