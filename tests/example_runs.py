"""Shared scaffolding of the end-to-end example tests (``tests/test_examples_*.py``): each example program is
previewed through the CLI, in both modes, and judged by the real pack."""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import EXAMPLES, mandatory_violations, run_cli

BOTH_MODES = pytest.mark.parametrize("mode", [["--mode", "up"], ["--mode", "preview"]], ids=["up", "preview"])
"""Parametrizes a test's ``mode`` by the CLI's two modes."""


def preview_example(name: str, stack: str, mode: list[str]) -> subprocess.CompletedProcess[str]:
    """``preview`` of ``examples/<name>`` on ``stack`` in ``mode``."""
    return run_cli("preview", "--program", str(EXAMPLES / name), "--stack", stack, *mode)


def assert_passes(result: subprocess.CompletedProcess[str]) -> None:
    """The preview succeeded with no mandatory violation."""
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Mandatory violations: 0" in result.stdout
    assert not mandatory_violations(result.stdout)


def assert_rejected(result: subprocess.CompletedProcess[str]) -> None:
    """The preview failed on mandatory violations."""
    assert result.returncode == 1, result.stdout + result.stderr
