"""`agencyos-infra preview --format text|json|markdown|sarif [--output FILE]`, run as a user runs it.

The non-compliant examples go through the real CLI and the real pack; the SARIF log is validated
against the OASIS schema (tests/schemas), and each result is checked against the line of the
constructor call that created its resource, found by parsing the program. Paths are relative to the
source root, by default the git top level (this repository's, for the examples).
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlparse
from urllib.request import url2pathname

import jsonschema
import pytest
from agencyos_checklist import catalogue
from agencyos_policy import REGISTRY

from agencyos_infra.analyzer import PolicyPackProcess, PolicyReport
from agencyos_infra.anchors import default_source_root
from agencyos_infra.engine import ProgramRun, SourcePosition, run_program
from agencyos_infra.report import NO_SOURCE_POSITION, Location, source_location
from agencyos_infra.report_markdown import COMMENT_LIMIT, render_markdown
from agencyos_infra.stackconfig import load_stack_config
from tests import report_packs
from tests.conftest import EXAMPLES, POLICY_DIR, REPO, run_cli

SCHEMA = json.loads((REPO / "tests" / "schemas" / "sarif-schema-2.1.0.json").read_text())
NONCOMPLIANT = EXAMPLES / "noncompliant"
ROOT = default_source_root(NONCOMPLIANT)
"""The default source root: the git top level of a clone, else (an unpacked tarball) the program."""
MAIN = (NONCOMPLIANT / "__main__.py").relative_to(ROOT).as_posix()
# The command: the example's stack is prod, the default.
EXAMPLE = ("--program", str(NONCOMPLIANT))


def _preview(*args: str, code: int = 1) -> str:
    result = run_cli("preview", *args)
    assert result.returncode == code, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One run per format of examples/noncompliant, files and stdout kept."""
    directory = tmp_path_factory.mktemp("formats")
    text_with_sarif = _preview(*EXAMPLE, "--format", "sarif", "--output", str(directory / "a.sarif"))
    _preview(*EXAMPLE, "--format", "json", "--output", str(directory / "format.json"))
    _preview(*EXAMPLE, "--json", str(directory / "alias.json"))
    return {
        "text": _preview(*EXAMPLE),
        "text_with_sarif": text_with_sarif,
        "sarif": json.loads((directory / "a.sarif").read_text()),
        "sarif_stdout": _preview(*EXAMPLE, "--format", "sarif"),
        "markdown": _preview(*EXAMPLE, "--format", "markdown"),
        "json": json.loads((directory / "format.json").read_text()),
        "json_file": (directory / "format.json").read_bytes(),
        "alias_file": (directory / "alias.json").read_bytes(),
    }


def _validate_sarif(document: dict[str, Any]) -> None:
    validator = jsonschema.validators.validator_for(SCHEMA)
    validator.check_schema(SCHEMA)
    errors = [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator(SCHEMA, format_checker=validator.FORMAT_CHECKER).iter_errors(document)
    ]
    assert not errors, errors


def _is_constructor(call: ast.Call) -> bool:
    """``gcp.sql.DatabaseInstance(...)``: a class of a provider module (capitalised, reached by attributes)."""
    return (
        isinstance(call.func, ast.Attribute)
        and call.func.attr[:1].isupper()
        and isinstance(call.func.value, ast.Attribute)
    )


def constructor_lines(program: Path) -> dict[str, int]:
    """Resource name -> line of the constructor call that creates it, from the program's syntax tree.

    A helper function that wraps one constructor (``def cache(name, ...): return gcp.redis.Instance(name, ...)``)
    creates its resources at that constructor's line, as the SDK reports it.
    """
    tree = ast.parse(program.read_text())
    helpers = {}
    for function in (node for node in tree.body if isinstance(node, ast.FunctionDef)):
        calls = [node for node in ast.walk(function) if isinstance(node, ast.Call) and _is_constructor(node)]
        if len(calls) == 1:
            helpers[function.name] = calls[0].lineno
    lines = {}
    for call in (node for node in ast.walk(tree) if isinstance(node, ast.Call)):
        if not (call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)):
            continue
        if _is_constructor(call):
            lines[call.args[0].value] = call.lineno
        elif isinstance(call.func, ast.Name) and call.func.id in helpers:
            lines[call.args[0].value] = helpers[call.func.id]
    return lines


def _physical_file(artifact: dict[str, str], root: Path = ROOT) -> Path:
    """The file a result names, resolved as code scanning resolves it: against the checkout (the source root)."""
    assert artifact["uriBaseId"] == "%SRCROOT%" and not urlparse(artifact["uri"]).scheme, artifact
    return Path(url2pathname(urlparse(urljoin(root.as_uri() + "/", artifact["uri"])).path))


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in [key, *_strings(item)]]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return [value] if isinstance(value, str) else []


def _assert_no_machine_path(document: dict[str, Any], *roots: Path) -> None:
    """What is uploaded names no file of this machine: no file:// URI, no absolute path of the checkout."""
    for text in _strings(document):
        assert "file:" not in text, text
        for root in (REPO, *roots):
            assert str(root) not in text, text


def _physical_everywhere(document: dict[str, Any]) -> None:
    """GitHub rejects the whole upload when one result lacks a physical location with a line."""
    for result in document["runs"][0]["results"]:
        [location] = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%", result
        assert physical["region"]["startLine"] >= 1, result


# --- sarif ---------------------------------------------------------------------------------------


def test_sarif_validates_against_the_sarif_2_1_0_schema(outputs: dict[str, Any]) -> None:
    _validate_sarif(outputs["sarif"])
    assert outputs["sarif"]["version"] == "2.1.0"
    # Without --output the log is all of stdout: the text report and the verdict stay out of it.
    assert json.loads(outputs["sarif_stdout"]) == outputs["sarif"]


@pytest.mark.parametrize(("example", "stack"), [("noncompliant", "prod"), ("noncompliant-data", "dev")])
def test_each_sarif_result_points_at_the_constructor_call_of_its_resource(example: str, stack: str) -> None:
    program = EXAMPLES / example
    document = json.loads(_preview("--program", str(program), "--stack", stack, "--format", "sarif"))
    _validate_sarif(document)
    expected = constructor_lines(program / "__main__.py")
    results = document["runs"][0]["results"]
    assert results
    for result in results:
        [location] = result["locations"]
        [logical] = location["logicalLocations"]
        physical = location["physicalLocation"]
        main = (program / "__main__.py").relative_to(ROOT).as_posix()
        assert physical["artifactLocation"] == {"uri": main, "uriBaseId": "%SRCROOT%"}, result
        assert _physical_file(physical["artifactLocation"]) == program / "__main__.py"
        assert physical["region"]["startLine"] == expected[logical["name"]], (logical, expected)
        assert logical["fullyQualifiedName"].endswith(f"::{logical['name']}")


def test_sarif_has_one_rule_per_policy_and_one_result_per_violation(outputs: dict[str, Any]) -> None:
    run = outputs["sarif"]["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "agencyos-infra" and driver["version"]
    # Outside GitHub Actions the repository's page is unknown: absent rather than a path of this machine.
    assert driver.get("informationUri", "https://").startswith("https://")
    rules = driver["rules"]
    assert sorted(rule["id"] for rule in rules) == sorted(REGISTRY)
    for rule in rules:
        spec = REGISTRY[rule["id"]]
        assert rule["shortDescription"]["text"] == spec.description
        assert rule["help"]["text"].startswith(spec.remediation) and spec.item.id in rule["help"]["markdown"]
        assert rule["defaultConfiguration"]["level"] == {"mandatory": "error", "advisory": "warning"}[spec.level.value]
        # GitHub ranks security alerts by it: only the checklist's §8 Security Hardening rules carry one.
        if spec.item.section == "8":
            severity = {"critical": "9.0", "high": "7.5", "medium": "5.0", "low": "2.0"}[spec.severity.value]
            assert rule["properties"]["security-severity"] == severity, rule["id"]
            assert "security" in rule["properties"]["tags"]
        else:
            assert "security-severity" not in rule["properties"] and "security" not in rule["properties"]["tags"]
        assert rule["properties"]["checklistItem"] == spec.item.id
        assert f"checklist-{spec.item.section}" in rule["properties"]["tags"]
    violations = outputs["json"]["violations"]
    results = run["results"]
    assert sorted(
        (r["ruleId"], r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]) for r in results
    ) == sorted((v["policy"], v["urn"]) for v in violations)
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        spec = REGISTRY[result["ruleId"]]
        assert result["level"] == {"mandatory": "error", "advisory": "warning"}[spec.level.value]
        assert f"(checklist {spec.item.id}: {spec.item.text})" in result["message"]["text"]
    assert run["automationDetails"]["id"] == "agencyos-infra/noncompliant-sql/prod/"


def test_sarif_fingerprints_are_unique_and_stable_across_runs(outputs: dict[str, Any]) -> None:
    def fingerprints(document: dict[str, Any]) -> list[str]:
        return [r["partialFingerprints"]["agencyosViolation/v2"] for r in document["runs"][0]["results"]]

    first, second = fingerprints(outputs["sarif"]), fingerprints(json.loads(outputs["sarif_stdout"]))
    assert first == second and len(set(first)) == len(first)


def test_a_fingerprint_is_the_policy_and_urn_so_a_moved_line_keeps_its_alert(tmp_path: Path) -> None:
    """The same finding after an edit above its resource: the same alert in code scanning, at the new line."""
    program = tmp_path / "program"
    program.mkdir()
    for name in ("Pulumi.yaml", "Pulumi.prod.yaml"):
        (program / name).write_text((NONCOMPLIANT / name).read_text())
    source = (NONCOMPLIANT / "__main__.py").read_text()

    def results(text: str) -> dict[tuple[str, str], dict[str, Any]]:
        (program / "__main__.py").write_text(text)
        document = json.loads(_preview("--program", str(program), "--format", "sarif"))
        _validate_sarif(document)
        _assert_no_machine_path(document, tmp_path)
        return {
            (r["ruleId"], r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]): r
            for r in document["runs"][0]["results"]
        }

    before, after = results(source), results("# a comment line\n\n" + source)
    assert before.keys() == after.keys()
    for key, result in before.items():
        assert after[key]["partialFingerprints"] == result["partialFingerprints"], key
        moved = after[key]["locations"][0]["physicalLocation"]["region"]["startLine"]
        assert moved == result["locations"][0]["physicalLocation"]["region"]["startLine"] + 2


def test_source_root_makes_paths_relative_to_it_and_must_contain_the_program(tmp_path: Path) -> None:
    document = json.loads(_preview(*EXAMPLE, "--format", "sarif", "--source-root", str(EXAMPLES)))
    _validate_sarif(document)
    artifacts = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in document["runs"][0]["results"]
    }
    assert artifacts == {"noncompliant/__main__.py"}
    # A root the program is not under would turn every path into a machine path: refused before the run.
    result = run_cli("preview", *EXAMPLE, "--format", "sarif", "--source-root", str(tmp_path))
    assert result.returncode == 2 and result.stdout == "", result.stderr
    assert result.stderr.startswith(f"error: --source-root {tmp_path}: does not contain the program directory")


def test_the_default_source_root_is_the_git_top_level_of_the_program(tmp_path: Path) -> None:
    """Team repositories hold programs in subdirectories: code scanning wants paths from the repository's root."""
    root, program, pack = report_packs.repository(tmp_path)
    args = ("--program", str(program), "--stack", "dev", "--policy-pack", str(pack), "--format", "sarif")
    document = json.loads(_preview(*args))
    _validate_sarif(document)
    _physical_everywhere(document)
    _assert_no_machine_path(document, tmp_path)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in document["runs"][0]["results"]}
    directory = report_packs.PROGRAM_DIR.as_posix()
    assert uris == {f"{directory}/__main__.py", f"{directory}/Pulumi.dev.yaml"}
    # Outside any repository: the program directory.
    shutil.rmtree(root / ".git")
    document = json.loads(_preview(*args))
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in document["runs"][0]["results"]}
    assert uris == {"__main__.py", "Pulumi.dev.yaml"}


def test_a_stack_policys_result_points_at_the_config_key_its_message_names(tmp_path: Path) -> None:
    """It lands in the diff that changed the key; the text report says it has no source position."""
    root, program, pack = report_packs.repository(tmp_path)
    args = ("--program", str(program), "--stack", "dev", "--policy-pack", str(pack))
    log = tmp_path / "log.sarif"
    text = _preview(*args, "--format", "sarif", "--output", str(log))
    [stack_result] = [r for r in json.loads(log.read_text())["runs"][0]["results"] if r["ruleId"] == report_packs.STACK]
    [location] = stack_result["locations"]
    assert location["logicalLocations"][0]["fullyQualifiedName"].split("::")[2] == "pulumi:pulumi:Stack"
    physical = location["physicalLocation"]
    stack_file = program / "Pulumi.dev.yaml"
    line = report_packs.line_of(stack_file, "probe:dbTier:")
    assert _physical_file(physical["artifactLocation"], root) == stack_file
    assert physical["region"]["startLine"] == line
    assert f"source: {report_packs.PROGRAM_DIR.as_posix()}/Pulumi.dev.yaml:{line} ({NO_SOURCE_POSITION})" in text


@pytest.mark.parametrize(
    ("example", "stack"),
    [("compliant-workloads", "prod"), ("noncompliant-workloads", None), ("noncompliant-observability", None)],
)
def test_every_sarif_result_has_a_physical_location_and_no_machine_path(example: str, stack: str | None) -> None:
    """Stack-level results included: without a location GitHub rejects the whole upload."""
    program = EXAMPLES / example
    stack = stack or next(program.glob("Pulumi.*.yaml")).name.split(".")[1]
    result = run_cli("preview", "--program", str(program), "--stack", stack, "--format", "sarif")
    assert result.returncode in (0, 1), result.stderr
    document = json.loads(result.stdout)
    _validate_sarif(document)
    assert document["runs"][0]["results"]
    _physical_everywhere(document)
    _assert_no_machine_path(document)
    for sarif_result in document["runs"][0]["results"]:
        artifact = sarif_result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert _physical_file(artifact).is_file(), artifact


def test_sarif_with_a_baseline_marks_each_result_new_unchanged_or_absent(tmp_path: Path) -> None:
    """One new, the rest unchanged, one fixed (in the baseline, gone from the run)."""
    main = tmp_path / "main.json"
    _preview(*EXAMPLE, "--json", str(main))
    document = json.loads(main.read_text())
    violations = document["violations"]
    new_one = violations.pop(0)
    fixed = {**violations[0], "urn": violations[0]["urn"].replace("orders-db", "old-db")}
    violations.append(fixed)
    main.write_text(json.dumps(document))
    log = json.loads(_preview(*EXAMPLE, "--baseline", str(main), "--format", "sarif", code=1))
    _validate_sarif(log)
    _physical_everywhere(log)
    states = {
        (r["ruleId"], r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]): r["baselineState"]
        for r in log["runs"][0]["results"]
    }
    assert states.pop((new_one["policy"], new_one["urn"])) == "new"
    assert states.pop((fixed["policy"], fixed["urn"])) == "absent"
    assert set(states.values()) == {"unchanged"} and len(states) == len(violations) - 1
    [absent] = [r for r in log["runs"][0]["results"] if r["baselineState"] == "absent"]
    assert absent["kind"] == "pass" and absent["level"] == "none"
    # Its resource is gone: the fixed finding points at the stack file.
    assert absent["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("Pulumi.prod.yaml")


def test_sarif_marks_an_exempted_result_suppressed_with_the_exceptions_reason(tmp_path: Path) -> None:
    config = tmp_path / "policy-config.json"
    urn = "urn:pulumi:prod::noncompliant-sql::gcp:sql/databaseInstance:DatabaseInstance::orders-db"
    policy = "gcp-cloudsql-instance-automated-backups"
    exception = {"reason": "replaced in Q1", "match": [{"policies": [policy], "targets": [urn]}]}
    config.write_text(json.dumps({"exceptions": {"EXC-7": exception}}))
    log = json.loads(_preview(*EXAMPLE, "--policy-config", str(config), "--format", "sarif"))
    _validate_sarif(log)
    suppressed = {r["ruleId"]: r.get("suppressions") for r in log["runs"][0]["results"]}
    assert suppressed.pop(policy) == [
        {"kind": "external", "status": "accepted", "justification": "EXC-7: replaced in Q1"}
    ]
    assert not any(suppressed.values())


def test_an_undetermined_result_says_so_first_in_sarif(tmp_path: Path) -> None:
    _root, program, pack = report_packs.repository(tmp_path)
    log = json.loads(
        _preview("--program", str(program), "--stack", "dev", "--policy-pack", str(pack), "--format", "sarif")
    )
    _validate_sarif(log)
    by_rule = {r["ruleId"]: r for r in log["runs"][0]["results"]}
    undetermined = by_rule[report_packs.UNDETERMINED]
    assert undetermined["message"]["text"].startswith("Undetermined: Cloud SQL instances join a VPC by private IP.")
    assert undetermined["properties"]["outcome"] == "undetermined" and undetermined["level"] == "error"
    assert not by_rule[report_packs.FAILED]["message"]["text"].startswith("Undetermined")
    rules = {rule["id"]: rule for rule in log["runs"][0]["tool"]["driver"]["rules"]}
    assert rules[report_packs.UNDETERMINED]["properties"]["security-severity"] == "7.5"  # §8
    assert "security-severity" not in rules[report_packs.FAILED]["properties"]  # §7


# --- markdown ------------------------------------------------------------------------------------


def test_markdown_is_a_short_comment_verdict_first(outputs: dict[str, Any]) -> None:
    markdown, violations = outputs["markdown"], outputs["json"]["violations"]
    mandatory = [v for v in violations if v["enforcementLevel"] == "mandatory"]
    advisory = [v for v in violations if v["enforcementLevel"] == "advisory"]
    assert mandatory and advisory
    assert (
        markdown.splitlines()[0]
        == f"### ❌ stack `prod` of `noncompliant-sql`: {len(mandatory)} mandatory policy violations"
    )
    assert f"| Mandatory | {len(mandatory)} |" in markdown and f"| Advisory | {len(advisory)} |" in markdown
    assert len(markdown) < COMMENT_LIMIT
    shown, folded = markdown.split("<details>")
    assert folded.count("</details>") == 1
    items = catalogue()
    for violation in mandatory:
        [line] = [line for line in shown.splitlines() if line.startswith(f"- `{violation['policy']}`")]
        assert f"`gcp:sql/databaseInstance:DatabaseInstance` **orders-db** · `{MAIN}:5`" in line
        for sentence in violation["message"].splitlines():  # each sentence, capitalised unless a property path
            sentence = " ".join(sentence.split())
            assert sentence in line or sentence[0].upper() + sentence[1:] in line, (sentence, line)
        item = items[violation["checklistItemId"]]
        # Grouped: under the heading of the item's section, after the item's id and words.
        before = shown[: shown.index(line)]
        assert re.findall(r"^#### (.+)$", before, re.MULTILINE)[-1] == item.path.split(" › ")[0]
        assert re.findall(r"^\*\*`(.+?)`\*\* (.+)$", before, re.MULTILINE)[-1] == (item.id, item.text)
    for violation in advisory:
        assert f"`{violation['policy']}`" in folded and f"`{violation['policy']}`" not in shown


@pytest.fixture(scope="module")
def in_process() -> tuple[ProgramRun, PolicyReport]:
    loaded = load_stack_config(NONCOMPLIANT, "prod")
    with PolicyPackProcess(
        POLICY_DIR, project=loaded.project, stack="prod", config=loaded.config, dry_run=True
    ) as pack:
        session = pack.session()
        run = run_program(
            isolated=False,
            program_dir=loaded.program_dir,
            project=loaded.project,
            stack="dev",
            config=loaded.config,
            preview=True,
            sink=session,
        )
        report = session.finish(run)
    assert run.error is None, run.error
    return run, report


def test_markdown_past_the_limit_shows_what_fits_and_counts_the_rest(
    in_process: tuple[ProgramRun, PolicyReport],
) -> None:
    run, report = in_process
    full = render_markdown(run, report)
    total = len(report.violations)
    whole = set(full.splitlines())
    for limit in (len(full) - 1, len(full) // 2, 1500, 400):  # 400: not even the head fits
        cut = render_markdown(run, report, max_chars=limit)
        assert len(cut.encode()) <= limit
        assert cut.splitlines()[0] == full.splitlines()[0]
        hidden = int(re.search(rf"(\d+) of {total} findings not shown", cut)[1])  # type: ignore[index]
        listed = [line for line in cut.splitlines() if line.startswith("- `")]
        assert hidden == total - len(listed) and hidden > 0
        # Mandatory violations are the last to go.
        assert "<details>" not in cut or len(listed) > len(report.mandatory)
        # Whole lines of the full comment only (a fold's summary counts what it shows, and the note):
        # nothing cut mid-row or mid-fold.
        other = [line for line in cut.splitlines() if line not in whole and "findings not shown" not in line]
        assert all(re.fullmatch(r"<details><summary>\d+ advisory violations?</summary>", line) for line in other)
        assert cut.count("<details>") == cut.count("</details>")


# --- text and json -------------------------------------------------------------------------------


def test_text_shows_each_violations_source_line_and_checklist_item(outputs: dict[str, Any]) -> None:
    items = catalogue()
    for text in (outputs["text"], outputs["text_with_sarif"]):
        blocks = re.split(r"\n(?=    \[)", text.split("Mandatory violations")[1])[1:]
        assert len(blocks) == len(outputs["json"]["violations"])
        for block in blocks:
            policy = block.split("]")[0].strip(" [")
            item = items[REGISTRY[policy].item.id]
            assert f"\n        source: {MAIN}:5\n" in block
            assert f"[{item.id}]: {item.text}" in block
    assert outputs["text"] == outputs["text_with_sarif"]


def test_json_keeps_its_shape_and_gains_the_source_of_each_violation(outputs: dict[str, Any]) -> None:
    document = outputs["json"]
    assert set(document) == {
        "project", "stack", "mode", "diagnostics", "resources", "outputs", "outputSecretPaths",
        "policyPack", "violations", "remediations", "summary",
    }  # fmt: skip
    for violation in document["violations"]:
        assert {"policy", "enforcementLevel", "severity", "urn", "message", "checklistItem"} <= set(violation)
        assert violation["source"] == {"path": MAIN, "line": 5, "column": None}
        assert violation["checklistItemId"] == REGISTRY[violation["policy"]].item.id
    [instance] = [r for r in document["resources"] if r["name"] == "orders-db"]
    assert instance["source"] == {"uri": (NONCOMPLIANT / "__main__.py").as_uri(), "line": 5}


def test_json_flag_is_an_alias_of_format_json_output(outputs: dict[str, Any]) -> None:
    assert outputs["alias_file"] == outputs["json_file"]


# --- usage errors, before any work ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--format", "sarif", "--output", "{tmp}/missing/log.sarif"], "--output {tmp}/missing/log.sarif: directory"),
        (["--format", "markdown", "--output", "{tmp}"], "--output {tmp}: is a directory"),
        (["--json", "{tmp}/missing/out.json"], "--json {tmp}/missing/out.json: directory"),
        (["--json", "{tmp}/a.json", "--format", "sarif"], "--json FILE is short for --format json --output FILE"),
        (["--json", "{tmp}/a.json", "--output", "{tmp}/b.json"], "--json FILE is short for"),
        (["--source-root", "{tmp}/missing"], "--source-root {tmp}/missing: not a directory"),
    ],
)
def test_bad_report_flags_exit_2_before_anything_runs(flags: list[str], message: str, tmp_path: Path) -> None:
    # A stack that does not exist: were the flags checked after the stack file, the error would name it.
    flags = [flag.format(tmp=tmp_path) for flag in flags]
    result = run_cli("preview", "--program", str(NONCOMPLIANT), "--stack", "nope", *flags)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(f"error: {message.format(tmp=tmp_path)}"), result.stderr
    assert result.stdout == "" and not list(tmp_path.iterdir())


def test_source_location_is_relative_to_the_root_or_absolute_outside_it(tmp_path: Path) -> None:
    inside = SourcePosition((tmp_path / "pkg" / "my file.py").as_uri(), 12)
    assert source_location(inside, tmp_path) == Location("pkg/my file.py", 12)
    assert str(source_location(inside, tmp_path)) == "pkg/my file.py:12"
    outside = SourcePosition((REPO / "components" / "database.py").as_uri(), 7, 3)
    located = source_location(outside, tmp_path)
    assert located == Location((REPO / "components" / "database.py").as_posix(), 7, 3, relative=False)
    assert str(located).endswith("database.py:7:3")
    assert source_location(None, tmp_path) is None


def test_sarif_names_the_repository_github_actions_runs_in(tmp_path: Path) -> None:
    env = {**os.environ, "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "agencyos/infra"}
    result = run_cli("preview", *EXAMPLE, "--format", "sarif", env=env)
    assert result.returncode == 1, result.stderr
    assert (
        json.loads(result.stdout)["runs"][0]["tool"]["driver"]["informationUri"] == "https://github.com/agencyos/infra"
    )


def test_a_failed_program_writes_no_report_and_keeps_stdout_for_the_format(tmp_path: Path) -> None:
    for name in ("Pulumi.yaml", "Pulumi.prod.yaml"):
        (tmp_path / name).write_text((NONCOMPLIANT / name).read_text())
    (tmp_path / "__main__.py").write_text(
        (NONCOMPLIANT / "__main__.py").read_text() + '\nraise RuntimeError("the program broke")\n'
    )
    args = ("preview", "--program", str(tmp_path), "--stack", "prod", "--format", "sarif")
    to_file = run_cli(*args, "--output", str(tmp_path / "log.sarif"))
    assert to_file.returncode == 2 and "the program broke" in to_file.stderr, to_file.stderr
    assert not (tmp_path / "log.sarif").exists()
    assert "orders-db" in to_file.stdout  # what was registered, in the text report of the log
    to_stdout = run_cli(*args)
    assert to_stdout.returncode == 2 and to_stdout.stdout == ""
    assert "orders-db" in to_stdout.stderr


def test_sarif_rule_levels_follow_the_policy_config(tmp_path: Path) -> None:
    config = tmp_path / "policy-config.json"
    config.write_text(
        json.dumps(
            {"gcp-cloudsql-instance-no-public-ip": "disabled", "gcp-cloudsql-instance-query-insights": "mandatory"}
        )
    )
    result = run_cli("preview", *EXAMPLE, "--policy-config", str(config), "--format", "sarif")
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    _validate_sarif(document)
    run = document["runs"][0]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert rules["gcp-cloudsql-instance-no-public-ip"]["defaultConfiguration"] == {"enabled": False, "level": "none"}
    assert rules["gcp-cloudsql-instance-query-insights"]["defaultConfiguration"] == {"enabled": True, "level": "error"}
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert "gcp-cloudsql-instance-no-public-ip" not in levels
    assert levels["gcp-cloudsql-instance-query-insights"] == "error"


LIBRARY = """
def database(name):
    import pulumi_gcp as gcp

    return gcp.sql.DatabaseInstance(name, database_version="POSTGRES_16", settings={"tier": "db-f1-micro"})
"""


def test_a_resource_created_by_a_library_outside_the_repository_points_at_the_stack_file(tmp_path: Path) -> None:
    """Its creating line is a path of this machine (site-packages, say): code scanning gets the stack file."""
    library = tmp_path / "library"
    library.mkdir()
    (library / "shared_components.py").write_text(LIBRARY)
    root, program, _pack = report_packs.repository(tmp_path)
    (program / "__main__.py").write_text(
        f"import sys\nsys.path.insert(0, {str(library)!r})\nimport shared_components\n"
        'shared_components.database("orders-db")\n'
    )
    log = json.loads(_preview("--program", str(program), "--stack", "dev", "--format", "sarif"))
    _validate_sarif(log)
    _physical_everywhere(log)
    _assert_no_machine_path(log, tmp_path)
    results = [r for r in log["runs"][0]["results"] if r["locations"][0]["logicalLocations"][0]["name"] == "orders-db"]
    assert results
    for result in results:
        artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert _physical_file(artifact, root) == program / "Pulumi.dev.yaml"


def test_without_git_the_source_root_is_the_directory_holding_dot_git(tmp_path: Path) -> None:
    """A checkout git refuses (another user's, in a container) or a machine without git."""
    _root, program, pack = report_packs.repository(tmp_path)
    env = {**os.environ, "PATH": str(tmp_path / "no-git-here")}  # the CLI runs by absolute interpreter path
    result = run_cli(
        "preview", "--program", str(program), "--stack", "dev", "--policy-pack", str(pack), "--format", "sarif", env=env
    )
    assert result.returncode == 1, result.stderr
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in json.loads(result.stdout)["runs"][0]["results"]
    }
    assert uris == {
        f"{report_packs.PROGRAM_DIR.as_posix()}/__main__.py",
        f"{report_packs.PROGRAM_DIR.as_posix()}/Pulumi.dev.yaml",
    }
