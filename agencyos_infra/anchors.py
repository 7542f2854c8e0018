"""Lines a finding without a source position is pointed at, so every report result has a file and a line.

A stack policy's result (or a resource the SDK could not place) points at the stack file, at the line of
the config key its message names (``agencyos-infra:dns.webTtl``), so it lands in the diff that changed
it; else at the stack file's first line, or ``Pulumi.yaml``'s. A resource judged from a ``pulumi stack
export`` points at its ``"urn"`` line in the export file. Paths are relative to the source root, by default
the git top level (``default_source_root``).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

CONFIG_REFERENCE = re.compile(r"(?<![\w/.:-])([a-z][\w-]*:[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)")
"""A namespaced config key, possibly with a path into its object: ``<namespace>:<key>[.<field>...]``."""
_URN_FIELD = re.compile(r'"urn"\s*:\s*("(?:[^"\\]|\\.)*")')


def stack_file(program_dir: Path | None, stack: str) -> Path | None:
    """``Pulumi.<stack>.yaml`` when it exists, else ``Pulumi.yaml``, else None."""
    if program_dir is None:
        return None
    for candidate in (program_dir / f"Pulumi.{stack}.yaml", program_dir / "Pulumi.yaml"):
        if candidate.is_file():
            return candidate
    return None


def config_key_line(path: Path, message: str) -> int | None:
    """The line of the deepest key of the first config key the message names that the stack file sets."""
    lines = _config_lines(path)
    for reference in CONFIG_REFERENCE.findall(message):
        parts = reference.split(".")
        for depth in range(len(parts), 0, -1):
            line = lines.get(tuple(parts[:depth]))
            if line is not None:
                return line
    return None


@cache
def _config_lines(path: Path) -> dict[tuple[str, ...], int]:
    """1-based lines of every key under ``config:``, by key path (top-level keys keep their namespace)."""
    import yaml

    try:
        root = yaml.compose(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    found: dict[tuple[str, ...], int] = {}
    if not isinstance(root, yaml.MappingNode):
        return found

    def walk(node: yaml.Node, prefix: tuple[str, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    found[(*prefix, key.value)] = key.start_mark.line + 1
                    walk(value, (*prefix, key.value))

    for key, value in root.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "config":
            walk(value, ())
    return found


def urn_line(path: Path, urn: str) -> int | None:
    """The line of ``"urn": "<urn>"`` in a stack export (the first, the resource's own, not a reference)."""
    return _urn_lines(path).get(urn)


@cache
def _urn_lines(path: Path) -> dict[str, int]:
    found: dict[str, int] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return found
    for number, line in enumerate(text.splitlines(), start=1):
        for quoted in _URN_FIELD.findall(line):
            found.setdefault(json.loads(quoted), number)
    return found


def default_source_root(start: Path) -> Path:
    """The git top level of ``start`` (programs live in subdirectories of a repository), else ``start``.

    Code scanning and workflow annotations take paths relative to the repository's root. Where git is
    missing or refuses the checkout (another user's, in a container: "dubious ownership"), the nearest
    directory holding ``.git`` is the top level.
    """
    import shutil
    import subprocess

    git = shutil.which("git")
    if git is not None:
        try:
            result = subprocess.run(
                [git, "-C", str(start), "rev-parse", "--show-toplevel"],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            result = None
        if result is not None and result.returncode == 0 and result.stdout.strip():
            return Path(result.stdout.strip()).resolve()
    start = start.resolve()
    return next((directory for directory in (start, *start.parents) if (directory / ".git").exists()), start)
