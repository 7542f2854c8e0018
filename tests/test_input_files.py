"""Input files a run reads besides the program: --baseline, `exceptions new --from/--output`, `analyze --state`.

Each bad file is exit 2 with one line naming the option, the file and what is wrong, never an unexpected
error; `exceptions new` never overwrites its report and never adds an exception the file already has.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli

PROGRAM = '''"""One Cloud SQL instance with backups off: mandatory violations to report and accept."""

import pulumi_gcp as gcp

gcp.sql.DatabaseInstance(
    "ledger",
    database_version="POSTGRES_16",
    settings=gcp.sql.DatabaseInstanceSettingsArgs(
        tier="db-custom-1-3840",
        backup_configuration=gcp.sql.DatabaseInstanceSettingsBackupConfigurationArgs(enabled=False),
    ),
)
'''
DEEP = "[" * 100_000 + "]" * 100_000


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("ledger")
    (directory / "Pulumi.yaml").write_text("name: ledger\nruntime: python\n")
    (directory / "Pulumi.dev.yaml").write_text("config:\n  gcp:project: ledger-dev\n  gcp:region: europe-west1\n")
    (directory / "__main__.py").write_text(PROGRAM)
    return directory


@pytest.fixture(scope="module")
def report(program: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "dev.json"
    result = run_cli("preview", "--program", str(program), "--stack", "dev", "--json", str(path))
    assert result.returncode == 1, result.stderr
    assert any(v["enforcementLevel"] == "mandatory" for v in json.loads(path.read_text())["violations"])
    return path


def _preview(program: Path, *args: str) -> tuple[int, str]:
    result = run_cli("preview", "--program", str(program), "--stack", "dev", *args)
    return result.returncode, result.stderr


def _one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "unexpected" not in stderr and "Traceback" not in stderr, stderr
    return lines[0]


def test_a_baseline_nested_too_deep_is_refused_naming_it(program: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "deep.json"
    baseline.write_text(DEEP)
    code, stderr = _preview(program, "--baseline", str(baseline))
    assert code == 2
    assert _one_error_line(stderr) == f"error: --baseline {baseline}: nested more than 128 levels deep; flatten it"


def test_exceptions_new_from_or_output_nested_too_deep_is_refused_naming_it(report: Path, tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text(DEEP)
    result = run_cli("exceptions", "new", "--from", str(deep), "--reason", "x")
    assert result.returncode == 2
    assert _one_error_line(result.stderr) == f"error: --from {deep}: nested more than 128 levels deep; flatten it"
    result = run_cli("exceptions", "new", "--from", str(report), "--reason", "x", "--output", str(deep))
    assert result.returncode == 2
    assert _one_error_line(result.stderr) == f"error: --output {deep}: nested more than 128 levels deep; flatten it"
    assert deep.read_text() == DEEP


def test_a_state_nested_too_deep_is_refused_naming_it(tmp_path: Path) -> None:
    state = tmp_path / "deep.json"
    state.write_text(DEEP)
    result = run_cli("analyze", "--state", str(state))
    assert result.returncode == 2
    assert _one_error_line(result.stderr) == f"error: --state {state}: nested more than 128 levels deep; flatten it"


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"runs": [{"results": [{"ruleId": "p", "locations": "x"}]}]}, "runs[0].results[0].locations: must be a list"),
        ({"runs": [{"results": [{"ruleId": 7, "locations": []}]}]}, "runs[0].results[0].ruleId: must be a string"),
        ({"version": "2.1.0", "runs": [None]}, "runs[0]: must be an object"),
        (
            {"runs": [{"results": [{"ruleId": "p", "locations": [{"logicalLocations": [3]}]}]}]},
            "runs[0].results[0].locations[0].logicalLocations[0]: must be an object",
        ),
        ({"runs": "all"}, "runs: must be a list"),
        ({"violations": [{"policy": "p", "urn": 5}]}, "violations[0].urn: must be a string"),
        ({"violations": [{"urn": "u"}]}, "violations[0]: 'policy' is a required property"),
        ({"violations": {}}, "violations: must be a list"),
    ],
)
def test_a_baseline_of_the_wrong_shape_names_the_field(
    program: Path, tmp_path: Path, document: object, problem: str
) -> None:
    baseline = tmp_path / "baseline.sarif"
    baseline.write_text(json.dumps(document))
    code, stderr = _preview(program, "--baseline", str(baseline))
    assert code == 2
    assert _one_error_line(stderr) == f"error: --baseline {baseline}: {problem}"


def test_a_baseline_with_both_faults_names_one_of_them(program: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.sarif"
    baseline.write_text(json.dumps({"runs": [{"results": [{"ruleId": 7, "locations": "x"}]}]}))
    code, stderr = _preview(program, "--baseline", str(baseline))
    assert code == 2
    line = _one_error_line(stderr)
    assert line in {
        f"error: --baseline {baseline}: runs[0].results[0].locations: must be a list",
        f"error: --baseline {baseline}: runs[0].results[0].ruleId: must be a string",
    }


def test_a_well_formed_baseline_still_makes_every_finding_existing(program: Path, report: Path, tmp_path: Path) -> None:
    sarif = tmp_path / "main.sarif"
    code, stderr = _preview(program, "--format", "sarif", "--output", str(sarif))
    assert code == 1, stderr
    for baseline in (report, sarif):
        code, stderr = _preview(program, "--baseline", str(baseline))
        assert code == 0, stderr


def test_exceptions_new_refuses_to_write_over_its_report(report: Path, tmp_path: Path) -> None:
    copy = tmp_path / "R.json"
    copy.write_text(report.read_text())
    (tmp_path / "link.json").hardlink_to(copy)
    for output in (copy, tmp_path / "." / "R.json", tmp_path / "link.json"):
        result = run_cli("exceptions", "new", "--from", str(copy), "--reason", "x", "--output", str(output))
        assert result.returncode == 2
        assert _one_error_line(result.stderr) == (
            f"error: --output {output}: must not be the --from report; name the policy config file"
        )
        assert copy.read_text() == report.read_text()


def test_exceptions_new_twice_adds_nothing_the_second_time(report: Path, tmp_path: Path) -> None:
    config = tmp_path / "policy-config.json"
    arguments = ("exceptions", "new", "--from", str(report), "--reason", "legacy", "--output", str(config))
    first = run_cli(*arguments)
    assert first.returncode == 0, first.stderr
    written = config.read_text()
    exceptions = json.loads(written)["exceptions"]
    assert first.stderr.strip() == f"{config}: added {', '.join(exceptions)}"
    second = run_cli(*arguments)
    assert second.returncode == 0, second.stderr
    assert second.stderr.strip() == f"nothing to add: every violation is already covered by {', '.join(exceptions)}"
    assert config.read_text() == written


def test_exceptions_new_adds_only_what_the_file_does_not_cover(report: Path, tmp_path: Path) -> None:
    mandatory = sorted(
        {v["policy"] for v in json.loads(report.read_text())["violations"] if v["enforcementLevel"] == "mandatory"}
    )
    assert len(mandatory) >= 2
    config = tmp_path / "policy-config.json"
    base = ("exceptions", "new", "--from", str(report), "--reason", "legacy", "--output", str(config))
    assert run_cli(*base, "--policy", mandatory[0]).returncode == 0
    result = run_cli(*base)
    assert result.returncode == 0, result.stderr
    exceptions = json.loads(config.read_text())["exceptions"]
    added = [f"EXC-{n}" for n in range(2, len(mandatory) + 1)]
    assert result.stderr.strip() == f"{config}: added {', '.join(added)} (already covered by EXC-1)"
    assert sorted(e["match"][0]["policies"][0] for e in exceptions.values()) == mandatory


def test_an_expired_exception_does_not_count_as_covering(report: Path, tmp_path: Path) -> None:
    violation = next(v for v in json.loads(report.read_text())["violations"] if v["enforcementLevel"] == "mandatory")
    config = tmp_path / "policy-config.json"
    expired = {
        "reason": "was",
        "expiresAt": "2020-01-01",
        "match": [{"policies": [violation["policy"]], "targets": [violation["urn"]]}],
    }
    config.write_text(json.dumps({"exceptions": {"EXC-1": expired}}))
    result = run_cli(
        "exceptions",
        "new",
        "--from",
        str(report),
        "--reason",
        "x",
        "--policy",
        violation["policy"],
        "--output",
        str(config),
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == f"{config}: added EXC-2"


def test_exceptions_new_into_a_missing_directory_names_it(report: Path) -> None:
    output = Path("/missing/dir/x.json")
    result = run_cli("exceptions", "new", "--from", str(report), "--reason", "x", "--output", str(output))
    assert result.returncode == 2
    assert _one_error_line(result.stderr) == f"error: --output {output}: directory /missing/dir does not exist"
