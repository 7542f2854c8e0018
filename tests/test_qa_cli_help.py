"""`agencyos-infra --help` and `agencyos-infra preview --help`: what a new user reads first.

The help describes the whole tool (not one subcommand's module docstring), in plain text, with the exit
codes every subcommand keeps.
"""

from __future__ import annotations

import pytest

from agencyos_infra.cli import main


def _help(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    with pytest.raises(SystemExit) as exited:
        main([*args, "--help"])
    assert exited.value.code == 0
    return " ".join(capsys.readouterr().out.split())


def test_the_top_level_help_describes_every_command_and_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    text = _help(capsys)
    assert "``" not in text, text  # reStructuredText of a docstring, not help
    for command in ("preview", "verify", "checklist"):
        assert f"{command} " in text
    assert "130" in text and "0:" in text and "2:" in text, text


def test_the_preview_help_says_what_it_does_and_its_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    text = _help(capsys, "preview")
    assert "policy pack" in text.split("options:")[0], text
    assert "1: mandatory violation" in text and "130" in text, text
