"""`agencyos-infra preview --format github`: workflow commands, read back as the Actions runner reads them.

Each line is parsed into its command, properties and message and unescaped as the runner unescapes them
(`%25`, `%0D`, `%0A`, and in properties `%3A`, `%2C`); paths are relative to the repository's root.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from agencyos_infra.report_github import command, escape_data, escape_property
from tests import report_packs
from tests.conftest import EXAMPLES, run_cli

COMMAND = re.compile(r"^::(?P<name>[a-z]+)(?: (?P<properties>[^:]*))?::(?P<message>.*)$")


def _unescape(text: str, *, property_value: bool = False) -> str:
    pairs = [("%0D", "\r"), ("%0A", "\n")] + ([("%3A", ":"), ("%2C", ",")] if property_value else [])
    for escaped, plain in [*pairs, ("%25", "%")]:
        text = text.replace(escaped, plain)
    return text


def parse(line: str) -> tuple[str, dict[str, str], str]:
    match = COMMAND.match(line)
    assert match is not None, line
    properties = {}
    for pair in filter(None, (match["properties"] or "").split(",")):
        key, _, value = pair.partition("=")
        properties[key] = _unescape(value, property_value=True)
    return match["name"], properties, _unescape(match["message"])


def test_escaping_is_the_runners() -> None:
    assert escape_data("50%\r\nnext: a, b") == "50%25%0D%0Anext: a, b"
    assert escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"
    line = command("error", "two\nlines 100%", file="dir,x/a:b.py", line=3, col=None, title="t: 1, 2")
    assert line == "::error file=dir%2Cx/a%3Ab.py,line=3,title=t%3A 1%2C 2::two%0Alines 100%25"
    assert parse(line) == ("error", {"file": "dir,x/a:b.py", "line": "3", "title": "t: 1, 2"}, "two\nlines 100%")


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[tuple[str, dict[str, str], str]]]:
    # A directory name with the characters properties must escape.
    root, program, pack = report_packs.repository(tmp_path_factory.mktemp("probe"), Path("infra") / "team,a:b")
    result = run_cli(
        "preview", "--program", str(program), "--stack", "dev", "--policy-pack", str(pack), "--format", "github"
    )
    assert result.returncode == 1, result.stderr
    return root, program, [parse(line) for line in result.stdout.splitlines()]


def test_each_finding_is_an_annotation_at_its_line_relative_to_the_repository(
    probe: tuple[Path, Path, list[tuple[str, dict[str, str], str]]],
) -> None:
    root, program, commands = probe
    by_title = {properties.get("title", ""): (name, properties, message) for name, properties, message in commands}
    name, properties, message = by_title[report_packs.FAILED]
    assert name == "error"
    assert properties["file"] == "infra/team,a:b/__main__.py" and (root / properties["file"]).is_file()
    assert properties["line"] == str(report_packs.line_of(program / "__main__.py", '"orders-db"'))
    assert message.startswith("Cloud SQL instances take automated backups.")
    assert "Remediation: Set settings.backupConfiguration.enabled to true." in message
    assert "Checklist: §7 Backup & Disaster Recovery" in message
    # Undetermined: an error still (mandatory, nothing showed it passes), and it says so.
    name, properties, message = by_title[f"{report_packs.UNDETERMINED} (undetermined)"]
    assert name == "error" and message.startswith("Undetermined: ")
    # Advisory: a warning; its %, newline and commas survive the escaping.
    name, properties, message = by_title[report_packs.ADVISORY]
    assert name == "warning"
    assert "Labels cover 50% of the keys: app, env Add team: owner, then 100%." in message
    assert properties["line"] == str(report_packs.line_of(program / "__main__.py", '"assets"'))
    # A stack policy's: the config key's line in the stack file.
    name, properties, _ = by_title[report_packs.STACK]
    assert properties["file"] == "infra/team,a:b/Pulumi.dev.yaml"
    assert properties["line"] == str(report_packs.line_of(program / "Pulumi.dev.yaml", "probe:dbTier:"))
    # Blocking first (GitHub shows the first 10 errors of a step), the verdict last.
    names = [name for name, _, _ in commands]
    assert names == [*sorted(names[:-1], key=lambda n: n != "error"), "error"]
    assert commands[-1][2] == "Stack dev of probe: 3 blocking: 2 failed, 1 undetermined; 1 advisory, 0 exempted."


def test_a_mandatory_finding_that_does_not_block_is_a_notice(tmp_path: Path) -> None:
    urn = "urn:pulumi:prod::noncompliant-sql::gcp:sql/databaseInstance:DatabaseInstance::orders-db"
    policy = "gcp-cloudsql-instance-automated-backups"
    config = tmp_path / "policy-config.json"
    exception = {"reason": "replaced in Q1", "match": [{"policies": [policy], "targets": [urn]}]}
    config.write_text(json.dumps({"exceptions": {"EXC-1": exception}}))
    program = EXAMPLES / "noncompliant"
    result = run_cli("preview", "--program", str(program), "--policy-config", str(config), "--format", "github")
    assert result.returncode == 1, result.stderr
    commands = [parse(line) for line in result.stdout.splitlines()]
    [(name, properties, message)] = [c for c in commands if c[1].get("title", "").startswith(policy)]
    assert name == "notice" and properties["title"] == f"{policy} (exempted by EXC-1)"
    assert "Exempted by EXC-1: replaced in Q1" in message
    assert all(properties["file"] == "examples/noncompliant/__main__.py" for _, properties, _ in commands[:-1])
