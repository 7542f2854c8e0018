"""The files the Pulumi CLI reads are valid and agree with each other."""

from __future__ import annotations

import re
import tomllib

import yaml

from tests.conftest import POLICY_DIR, REPO


def _requirements(path) -> dict[str, str]:
    """Requirement name → line; local paths (the pack's catalogue, ``./policy``) are not PyPI packages."""
    lines = [line.split("#")[0].strip() for line in path.read_text().splitlines()]
    return {re.split(r"[<>=~!]", line)[0].lower(): line for line in lines if line and not line.startswith("./")}


def test_pulumi_yaml_runs_python_with_pip_requirements() -> None:
    project = yaml.safe_load((REPO / "Pulumi.yaml").read_text())
    assert project["name"] == "agencyos-infra" and project["description"]
    assert project["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": ".venv"}}
    assert (REPO / "requirements.txt").is_file()  # what `pulumi install` reads with toolchain pip


def test_program_requirements_are_bounded_and_match_pyproject() -> None:
    program = _requirements(REPO / "requirements.txt")
    declared = {
        re.split(r"[<>=~!]", dep)[0].lower(): dep
        for dep in tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    }
    for name, line in program.items():
        assert "<" in line and ">=" in line, line
        assert declared.get(name) == line, name
    for name in ("pulumi", "pulumi-gcp", "pulumi-kubernetes", "pulumi-cloudflare", "pulumi-random", "pydantic"):
        assert name in program
    # The program installs the checklist catalogue from the pack's tree, which must be installable.
    assert "./policy" in (REPO / "requirements.txt").read_text().split()
    assert (POLICY_DIR / "pyproject.toml").is_file()


def test_policy_pack_files() -> None:
    pack = yaml.safe_load((POLICY_DIR / "PulumiPolicy.yaml").read_text())
    assert pack["runtime"]["name"] == "python" and re.fullmatch(r"\d+\.\d+\.\d+", str(pack["version"]))
    requirements = _requirements(POLICY_DIR / "requirements.txt")
    assert set(requirements) == {"pulumi", "pulumi-policy", "promql-parser", "cel-python"}
    assert all("<" in line for line in requirements.values())
    # The pack's entry point only assembles the pack: no policy logic lives there.
    main = (POLICY_DIR / "__main__.py").read_text()
    assert "def " not in main and "PolicyPack(" in main


def test_stack_files_only_set_declared_or_provider_keys() -> None:
    declared = set(yaml.safe_load((REPO / "Pulumi.yaml").read_text())["config"])
    for stack_file in REPO.glob("Pulumi.*.yaml"):
        for key in yaml.safe_load(stack_file.read_text())["config"]:
            namespace, _, name = key.partition(":")
            assert namespace == "gcp" or name in declared, f"{stack_file.name}: {key}"
