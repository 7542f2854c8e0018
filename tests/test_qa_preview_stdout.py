"""`agencyos-infra preview --format json|sarif|markdown` of a program that prints.

Without --output the report is stdout's alone (README), so a program's own output, whether Python's
print, a raw write to fd 1 or a child process, goes to stderr; the text report keeps it on stdout.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, run_cli

CHATTY = """\
import os
import pulumi_gcp as gcp

print("hello from the program")
os.write(1, b"raw bytes on fd 1\\n")
os.system("echo from a child process")
gcp.storage.Bucket("b", location="EU")
"""


def _project(tmp_path: Path, main: str) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    for stack_file in (EXAMPLES / "noncompliant").glob("Pulumi*.yaml"):
        shutil.copy(stack_file, project)
    (project / "__main__.py").write_text(main)
    return project


@pytest.mark.parametrize("report_format", ["json", "sarif", "markdown"])
def test_a_program_that_prints_leaves_the_report_on_stdout_alone(tmp_path: Path, report_format: str) -> None:
    project = _project(tmp_path, CHATTY)
    result = run_cli("preview", "--program", str(project), "--format", report_format)
    assert result.returncode == 1, result.stderr
    if report_format == "markdown":
        assert result.stdout.startswith("### ❌ stack `prod`"), result.stdout[:200]
    else:
        json.loads(result.stdout)  # the whole of stdout is the document
    for line in ("hello from the program", "raw bytes on fd 1", "from a child process"):
        assert line not in result.stdout
        assert line in result.stderr


def test_a_text_report_keeps_the_program_output_on_stdout(tmp_path: Path) -> None:
    project = _project(tmp_path, CHATTY)
    result = run_cli("preview", "--program", str(project))
    assert result.returncode == 1, result.stderr
    assert "hello from the program" in result.stdout and "Previewing stack prod" in result.stdout
