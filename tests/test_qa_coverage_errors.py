"""docs/checklist-coverage.yaml broken by an edit: one line naming the file, line and column, and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from agencyos_infra.coverage import CoverageError, load_records


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("a:\n  provisioned: [\n", "line 3, column 1"),
        ("a: b\n  c: d\n", "line 2, column 4"),
        ("a: *missing\n", "line 1, column 4"),
    ],
)
def test_a_yaml_syntax_error_is_one_line_with_its_position(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "checklist-coverage.yaml"
    path.write_text(text)
    with pytest.raises(CoverageError) as raised:
        load_records(path)
    message = str(raised.value)
    assert "\n" not in message, message
    assert message.startswith(f"{path}: not valid YAML at {where}: "), message
