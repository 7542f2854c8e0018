"""Which Python runs the program: the one the Pulumi CLI's Python language host would choose.

From ``runtime.options`` in Pulumi.yaml, as ``sdk/python/toolchain`` resolves them: ``toolchain`` is
``pip``, ``uv`` or ``poetry``, or unset (auto: ``uv.lock`` found upwards means uv, ``poetry.lock`` means
poetry, else pip); ``virtualenv`` is relative to the project root. With pip and no virtualenv the CLI
runs ``python3`` from PATH (``PULUMI_PYTHON_CMD`` overrides); offline that is the tool's own
interpreter, which has the Pulumi SDK. The CLI would create a missing uv or poetry environment; offline
nothing is installed, so a missing environment is an error naming the command that creates it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

_TOOLCHAINS = ("pip", "uv", "poetry")
_POETRY_TIMEOUT_S = 30


class InterpreterError(ValueError):
    """The program's interpreter cannot be found or used; the message names the option and the fix."""


def _venv_python(venv: Path) -> Path | None:
    for candidate in (venv / "bin" / "python", venv / "Scripts" / "python.exe"):
        if candidate.is_file():
            return candidate
    return None


def _search_up(start: Path, name: str) -> Path | None:
    for directory in (start, *start.parents):
        if (directory / name).exists():
            return directory
    return None


def _runtime_options(project_file: Path) -> dict[str, Any]:
    import yaml

    document = yaml.safe_load(project_file.read_text(encoding="utf-8")) or {}
    runtime = document.get("runtime") if isinstance(document, dict) else None
    options = runtime.get("options") if isinstance(runtime, dict) else None
    if options is None:
        return {}
    if not isinstance(options, dict):
        raise InterpreterError(f"{project_file}: runtime.options must be a mapping")
    return options


def program_python(project_file: Path, program_dir: Path) -> tuple[str, str | None]:
    """The interpreter for the program of ``project_file`` (Pulumi.yaml) whose main is in ``program_dir``,
    and a warning when the environment it names is not there and this tool's interpreter stands in."""
    options = _runtime_options(project_file)
    root = project_file.parent
    for key in ("toolchain", "virtualenv"):
        if key in options and not isinstance(options[key], str):
            raise InterpreterError(f"{project_file}: runtime.options.{key} must be a string")
    toolchain = options.get("toolchain")
    if toolchain is not None and toolchain not in _TOOLCHAINS:
        raise InterpreterError(
            f"{project_file}: unsupported runtime.options.toolchain {toolchain!r}; use pip, uv or poetry"
        )
    virtualenv = options.get("virtualenv")
    if toolchain is None:
        if _search_up(program_dir, "uv.lock"):
            toolchain = "uv"
        elif _search_up(program_dir, "poetry.lock"):
            toolchain = "poetry"
        else:
            toolchain = "pip"
    if toolchain == "uv":
        return _uv_python(project_file, root, virtualenv), None
    if toolchain == "poetry":
        return _poetry_python(project_file, program_dir), None
    if virtualenv:
        venv = Path(virtualenv) if Path(virtualenv).is_absolute() else root / virtualenv
        python = _venv_python(venv)
        if python is not None:
            return str(python), None
        if venv.exists():
            raise InterpreterError(
                f"{project_file}: the 'virtualenv' option is set to {virtualenv!r}, but {venv} doesn't appear to "
                f"be a virtual environment (no bin/python); recreate it: python3 -m venv {venv}"
            )
        # A fresh checkout has no virtualenv yet (`pulumi install` makes it): this tool's interpreter stands in.
        return sys.executable, (
            f"{project_file}: virtualenv {virtualenv!r} does not exist ({venv}); the program runs with this "
            f"tool's interpreter ({sys.executable}); create it with `pulumi install` to run with its own packages"
        )
    command = os.environ.get("PULUMI_PYTHON_CMD")
    if command:
        found = shutil.which(command)
        if found is None:
            raise InterpreterError(f"PULUMI_PYTHON_CMD={command!r} is not on PATH; unset it or fix PATH")
        return found, None
    return sys.executable, None


def _uv_python(project_file: Path, root: Path, virtualenv: str | None) -> str:
    if virtualenv:
        venv = Path(virtualenv) if Path(virtualenv).is_absolute() else root / virtualenv
    else:
        near = _search_up(root, "uv.lock") or _search_up(root, "pyproject.toml") or root
        environment = os.environ.get("UV_PROJECT_ENVIRONMENT")
        venv = near / environment if environment else near / ".venv"
    python = _venv_python(venv)
    if python is None:
        raise InterpreterError(
            f"{project_file}: toolchain uv: the virtual environment {venv} does not exist; "
            "create it with `uv sync` (the Pulumi CLI would; offline nothing is installed)"
        )
    return str(python)


def _poetry_python(project_file: Path, program_dir: Path) -> str:
    poetry = shutil.which("poetry")
    if poetry is not None:
        try:
            found = subprocess.run(
                [poetry, "env", "info", "--path"],
                cwd=program_dir,
                capture_output=True,
                text=True,
                timeout=_POETRY_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            found = None
        if found is not None and found.returncode == 0:
            python = _venv_python(Path(found.stdout.strip()))
            if python is not None:
                return str(python)
    in_project = _venv_python(program_dir / ".venv")
    if in_project is not None:
        return str(in_project)
    raise InterpreterError(
        f"{project_file}: toolchain poetry: no environment found (poetry env info --path, or .venv in "
        f"{program_dir}); create it with `poetry install`"
    )
