"""`agencyos-infra preview --output FILE` where no file can be written, or the write fails half way.

The path is checked before anything runs (exit 2, nothing printed), and a report is written whole or
not at all, so a CI step never uploads half a SARIF log or keeps a stale one it thinks is new.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agencyos_infra.cli import UsageError, _check_writable, _write_report
from tests.conftest import EXAMPLES, run_cli


def test_an_output_in_a_directory_no_file_can_be_created_in_is_refused_before_anything_runs(tmp_path: Path) -> None:
    # /proc refuses new files even to root, for whom os.access says every directory is writable.
    result = run_cli(
        "preview", "--program", str(EXAMPLES / "noncompliant"), "--format", "sarif", "--output", "/proc/x.sarif"
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("error: --output /proc/x.sarif: not writable"), result.stderr
    assert result.stdout == ""


def test_the_writability_probe_leaves_nothing_behind(tmp_path: Path) -> None:
    _check_writable(tmp_path / "report.sarif")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(UsageError, match="not writable"):
        _check_writable(Path("/proc/report.sarif"))


def test_a_failed_write_keeps_the_previous_report_and_leaves_no_partial_file(tmp_path: Path) -> None:
    report = tmp_path / "preview.sarif"
    report.write_text("previous run\n")
    # Fails past the first megabyte, as a full disk fails a write half way.
    with pytest.raises(UnicodeEncodeError):
        _write_report(report, "x" * 2**20 + "\ud800")
    assert report.read_text() == "previous run\n"
    assert [p.name for p in tmp_path.iterdir()] == ["preview.sarif"]
    _write_report(report, "new run\n")
    assert report.read_text() == "new run\n"
    assert [p.name for p in tmp_path.iterdir()] == ["preview.sarif"]


def test_a_report_path_that_is_a_symlink_is_written_through(tmp_path: Path) -> None:
    # As `>` and write_text do: the link stays, its target gets the report.
    (tmp_path / "reports").mkdir()
    target = tmp_path / "reports" / "preview.sarif"
    link = tmp_path / "preview.sarif"
    link.symlink_to(target)
    _write_report(link, "report\n")
    assert link.is_symlink() and target.read_text() == "report\n"
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["preview.sarif"]
