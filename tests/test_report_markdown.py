"""`agencyos-infra preview --format markdown`: the pull-request comment, through the CLI.

The change in one line, new vs existing against a baseline, each finding with its source or config line,
its remediation and its checklist item, undetermined results shown as such, and a program with thousands
of findings cut at GitHub's comment limit into valid markup that says how many were left out.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from agencyos_infra.report_markdown import COMMENT_LIMIT
from tests import report_packs
from tests.conftest import EXAMPLES, run_cli

NONCOMPLIANT = EXAMPLES / "noncompliant"


def _markdown(*args: str, code: int = 1) -> str:
    result = run_cli("preview", *args, "--format", "markdown")
    assert result.returncode == code, result.stdout + result.stderr
    return result.stdout


def _assert_valid_markup(comment: str) -> None:
    """No fold left open, no code fence left open, every table row whole."""
    assert comment.count("<details>") == comment.count("</details>"), comment[-500:]
    assert comment.count("<summary>") == comment.count("</summary>")
    assert comment.count("```") % 2 == 0
    for line in comment.splitlines():
        if line.startswith("|"):
            assert line.endswith("|") and line.count("|") == 3, line


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> str:
    _root, program, pack = report_packs.repository(tmp_path_factory.mktemp("probe"))
    return _markdown("--program", str(program), "--stack", "dev", "--policy-pack", str(pack))


def test_the_comment_opens_with_the_verdict_and_the_change_in_one_line(probe: str) -> None:
    lines = probe.splitlines()
    assert lines[0] == "### ❌ stack `dev` of `probe`: 3 mandatory policy violations"
    [change] = [line for line in lines if line.startswith("**Changes:**")]
    types = "1 `gcp:sql/databaseInstance:DatabaseInstance`, 1 `gcp:storage/bucket:Bucket`"
    assert change.startswith(f"**Changes:** 2 resources to create ({types})")
    assert "3 blocking: 2 failed, 1 undetermined; 1 advisory, 0 exempted." in probe
    _assert_valid_markup(probe)


def test_each_finding_has_its_line_remediation_and_checklist_item_in_sentences(probe: str) -> None:
    directory = report_packs.PROGRAM_DIR.as_posix()
    [backups] = [line for line in probe.splitlines() if line.startswith(f"- `{report_packs.FAILED}`")]
    assert f"**orders-db** · `{directory}/__main__.py:4`" in backups
    assert backups.endswith("<br>Fix: Set settings.backupConfiguration.enabled to true.")
    before = probe[: probe.index(backups)]
    assert re.findall(r"^#### (.+)$", before, re.MULTILINE)[-1] == "§7 Backup & Disaster Recovery"
    assert re.findall(r"^\*\*`(.+?)`\*\* ", before, re.MULTILINE)[-1] == "7.database-backups.1"
    # A stack policy's finding: the line of the config key its message names, in the stack file.
    [tier] = [line for line in probe.splitlines() if line.startswith(f"- `{report_packs.STACK}`")]
    assert f"`{directory}/Pulumi.dev.yaml:4 (no source position)`" in tier
    # The pack wrote "the stack config ..." and "set settings...": each sentence starts with a capital.
    assert "<br>The database tier is a dedicated one. The stack config probe:dbTier is" in tier
    [private] = [line for line in probe.splitlines() if line.startswith(f"- `{report_packs.UNDETERMINED}`")]
    assert "<br>Fix: Set settings.ipConfiguration.privateNetwork to the VPC." in private
    # No remediation given: no "Fix" restating the description.
    [labels] = [line for line in probe.splitlines() if line.startswith(f"- `{report_packs.ADVISORY}`")]
    assert "Fix:" not in labels


def test_an_undetermined_finding_is_shown_as_such(probe: str) -> None:
    [private] = [line for line in probe.splitlines() if line.startswith(f"- `{report_packs.UNDETERMINED}`")]
    assert "<br>Undetermined: Cloud SQL instances join a VPC by private IP." in private
    assert "<br>*Undetermined (mandatory: a value was unknown, nothing showed it passes).*" in private


def test_with_a_baseline_only_new_findings_block_and_existing_and_fixed_are_folded(tmp_path: Path) -> None:
    baseline = tmp_path / "main.json"
    run_cli("preview", "--program", str(NONCOMPLIANT), "--json", str(baseline))
    document = json.loads(baseline.read_text())
    mandatory = [v for v in document["violations"] if v["enforcementLevel"] == "mandatory"]
    new = mandatory[0]
    fixed = {**mandatory[1], "urn": mandatory[1]["urn"].replace("orders-db", "old-db")}
    document["violations"] = [v for v in document["violations"] if v is not new] + [fixed]
    baseline.write_text(json.dumps(document))
    comment = _markdown("--program", str(NONCOMPLIANT), "--baseline", str(baseline))
    _assert_valid_markup(comment)
    assert comment.splitlines()[0] == "### ❌ stack `prod` of `noncompliant-sql`: 1 new mandatory policy violation"
    assert f"Against the baseline (`main.json`): 1 new, {len(document['violations']) - 1} existing, 1 fixed." in comment
    shown, folded = comment.split("<details>", 1)
    [blocking] = [line for line in shown.splitlines() if line.startswith("- `")]
    assert blocking.startswith(f"- `{new['policy']}`")
    existing = len(mandatory) - 1
    assert f"<details><summary>{existing} existing mandatory violations (in the baseline, not blocking)</summary>" in (
        comment
    )
    assert "*Failed; existing (in the baseline).*" in folded
    assert f"<details><summary>1 fixed since the baseline</summary>\n\n- `{fixed['policy']}` · `{fixed['urn']}`" in (
        comment
    )
    # Everything existing: nothing new blocks, and the verdict says so.
    everything = tmp_path / "all.json"
    run_cli("preview", "--program", str(NONCOMPLIANT), "--json", str(everything))
    calm = _markdown("--program", str(NONCOMPLIANT), "--baseline", str(everything), code=0)
    assert calm.splitlines()[0] == "### ✅ stack `prod` of `noncompliant-sql`: no new mandatory policy violation"


MANY = """
import pulumi_gcp as gcp

for index in range({count}):
    gcp.sql.DatabaseInstance(f"db-{{index}}", database_version="POSTGRES_16", settings={{"tier": "db-f1-micro"}})
"""


def test_a_comment_past_githubs_limit_keeps_whole_findings_and_counts_the_rest(tmp_path: Path) -> None:
    program = tmp_path / "many"
    program.mkdir()
    (program / "Pulumi.yaml").write_text("name: many\nruntime: python\n")
    (program / "Pulumi.dev.yaml").write_text("config:\n  gcp:project: many-project\n  gcp:region: europe-west1\n")
    (program / "__main__.py").write_text(textwrap.dedent(MANY.format(count=250)))
    report = tmp_path / "run.json"
    assert run_cli("preview", "--program", str(program), "--stack", "dev", "--json", str(report)).returncode == 1
    violations = json.loads(report.read_text())["violations"]
    comment = _markdown("--program", str(program), "--stack", "dev")
    assert len(comment.encode()) <= COMMENT_LIMIT < sum(len(v["message"]) for v in violations)
    _assert_valid_markup(comment)
    listed = [line for line in comment.splitlines() if line.startswith("- `")]
    match = re.search(rf"^> ⚠️ (\d+) of {len(violations)} findings not shown: ", comment, re.MULTILINE)
    assert match is not None and int(match[1]) == len(violations) - len(listed) > 0
    # Whole findings only: each listed one ends with its remediation, and blocking ones go last.
    assert all("<br>Fix: " in line and line.endswith(".") for line in listed)
    assert "advisory" not in "".join(re.findall(r"<summary>(.*?)</summary>", comment))


def test_the_comment_on_a_deployed_state_says_what_is_deployed(tmp_path: Path) -> None:
    from tests.test_exceptions import STATE_URN, _export

    state = tmp_path / "prod.json"
    state.write_text(json.dumps(_export({"tier": "db-f1-micro"}), indent=4))
    result = run_cli("analyze", "--state", str(state), "--format", "markdown")
    assert result.returncode == 1, result.stderr
    comment = result.stdout
    _assert_valid_markup(comment)
    assert "\n**Deployed:** 1 resource (1 `gcp:sql/databaseInstance:DatabaseInstance`).\n" in comment
    assert "Offline `agencyos-infra analyze` of the deployed state (`prod.json`)" in comment
    line = next(n for n, text in enumerate(state.read_text().splitlines(), 1) if STATE_URN in text and '"urn"' in text)
    assert f"**orders-db** · `prod.json:{line} (no source position)`" in comment
