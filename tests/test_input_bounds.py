"""Inputs built to exhaust the reader (an alias bomb, JSON nested 100,000 deep) stop at once with exit 2 and
one line naming the file, as the real CLI refuses them, never a hang or a bare RecursionError."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from agencyos_infra.stackconfig import load_stack_config
from tests.conftest import REPO

PROJECT = "name: proj\nruntime: python\n"
# Far more than the reader needs: a hang is caught as a failure, not waited for.
SECONDS = 60


def _alias_bomb(levels: int = 8, fan_out: int = 9) -> str:
    """The classic "billion laughs" as a stack file: each anchor's list holds ``fan_out`` aliases of the one
    before, ``levels`` deep, so the last value expands to 9**9 strings."""
    lines = ["config:", "  proj:level_0: &level_0 [" + ", ".join(['"laugh"'] * fan_out) + "]"]
    for level in range(1, levels + 1):
        aliases = ", ".join([f"*level_{level - 1}"] * fan_out)
        lines.append(f"  proj:level_{level}: &level_{level} [{aliases}]")
    return "\n".join(lines) + "\n"


def _project(directory: Path, project: str = PROJECT, stacks: dict[str, str] | None = None) -> Path:
    (directory / "Pulumi.yaml").write_text(project)
    (directory / "__main__.py").write_text("")
    for stack, text in (stacks or {}).items():
        (directory / f"Pulumi.{stack}.yaml").write_text(text)
    return directory


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agencyos_infra.cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=SECONDS,
        check=False,
    )


def _one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr and "RecursionError" not in result.stderr
    return lines[0]


# --- YAML aliases -----------------------------------------------------------------------------------------------


def test_the_bomb_is_about_a_kilobyte_of_text() -> None:
    # The input of the report this guards against: small on disk, 9**9 values once expanded.
    assert 900 <= len(_alias_bomb().encode()) <= 1_300


def test_an_alias_bomb_stack_file_is_refused_at_once_naming_the_file(tmp_path: Path) -> None:
    program = _project(tmp_path, stacks={"bomb": _alias_bomb()})
    line = _one_error_line(_cli("preview", "--program", str(program), "--stack", "bomb"))
    assert str(program / "Pulumi.bomb.yaml") in line and "excessive aliasing" in line, line


def test_an_alias_bomb_project_file_is_refused_naming_it(tmp_path: Path) -> None:
    # Pulumi.yaml is read by the same reader: the same anchors as defaults of declared keys.
    bomb = _alias_bomb().replace("config:\n", "").replace("  proj:", "  ").replace(": &", ":\n    default: &")
    program = _project(tmp_path, PROJECT + "config:\n" + bomb, {"dev": ""})
    line = _one_error_line(_cli("preview", "--program", str(program), "--stack", "dev"))
    assert str(program / "Pulumi.yaml") in line and "excessive aliasing" in line, line


def test_an_anchor_that_contains_its_own_alias_is_refused(tmp_path: Path) -> None:
    program = _project(tmp_path, stacks={"dev": "config:\n  proj:loop: &loop [1, *loop]\n"})
    line = _one_error_line(_cli("preview", "--program", str(program), "--stack", "dev"))
    assert "Pulumi.dev.yaml" in line and "anchor 'loop' value contains itself" in line, line


def test_a_file_with_a_few_aliases_loads_with_them_expanded(tmp_path: Path) -> None:
    stack = (
        "config:\n"
        "  proj:base: &base {tier: db-custom-2-7680, diskSize: 20}\n"
        "  proj:primary: *base\n"
        "  proj:replicas: [*base, *base]\n"
        "  proj:analytics:\n    <<: *base\n    diskSize: 50\n"
        "  proj:region: &region europe-west1\n"
        "  gcp:region: *region\n"
    )
    loaded = load_stack_config(_project(tmp_path, stacks={"dev": stack}), "dev")
    base = {"tier": "db-custom-2-7680", "diskSize": 20}
    assert json.loads(loaded.config["proj:primary"]) == base
    assert json.loads(loaded.config["proj:replicas"]) == [base, base]
    assert json.loads(loaded.config["proj:analytics"]) == {**base, "diskSize": 50}
    assert loaded.config["gcp:region"] == "europe-west1"


def test_aliases_expanding_to_thousands_of_values_still_load(tmp_path: Path) -> None:
    # Four levels of four: 2,273 values from 33 written, under yaml.v3's bound (at most 99 % from aliases).
    loaded = load_stack_config(_project(tmp_path, stacks={"dev": _alias_bomb(levels=4, fan_out=4)}), "dev")
    assert json.loads(loaded.config["proj:level_4"]) == [[[[["laugh"] * 4] * 4] * 4] * 4] * 4


# --- JSON nesting -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [100_000, 300])
def test_a_deeply_nested_policy_config_is_one_line_naming_the_file(tmp_path: Path, depth: int) -> None:
    # 100,000 levels break the JSON reader itself; 300 read but break the pack's Configure further on.
    config = tmp_path / "policy-config.json"
    config.write_text('{"gcp-cloudsql-instance-backup-retention": ' + '{"a": ' * depth + "1" + "}" * depth + "}")
    (tmp_path / "program").mkdir()
    program = _project(tmp_path / "program", stacks={"dev": "config: {}\n"})
    line = _one_error_line(_cli("preview", "--program", str(program), "--stack", "dev", "--policy-config", str(config)))
    assert f"--policy-config {config}" in line and "nested more than" in line, line


def _manifest_bomb() -> str:
    """The same anchors inside a Kubernetes object (a ConfigMap's data) and a Helm values file."""
    body = _alias_bomb().replace("config:\n", "").replace("  proj:", "  ")
    return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: laughs\ndata:\n" + body


HELM_CHART = Path(__file__).resolve().parent / "programs" / "manifests-helm" / "charts" / "shop-web"


@pytest.mark.parametrize(
    ("kind", "program", "named"),
    [
        ("yaml v1", 'k8s.yaml.ConfigFile("cf", file="bomb.yaml")', "v1 ConfigFile"),
        ("yaml v2", 'k8s.yaml.v2.ConfigFile("cf", file="bomb.yaml")', "bomb.yaml"),
        (
            "helm values",
            f'k8s.helm.v4.Chart("web", chart={str(HELM_CHART)!r}, value_yaml_files=[pulumi.FileAsset("bomb.yaml")])',
            "the values file bomb.yaml",
        ),
    ],
    ids=["yaml-v1", "yaml-v2", "helm-values"],
)
def test_an_alias_bomb_in_a_manifest_or_values_file_fails_the_program_at_once(
    tmp_path: Path, kind: str, program: str, named: str
) -> None:
    # pulumi-kubernetes decodes manifests and Helm values with Go YAML decoders that refuse such aliasing.
    directory = _project(tmp_path, stacks={"dev": ""})
    (directory / "bomb.yaml").write_text(_manifest_bomb())
    (directory / "__main__.py").write_text(f"import pulumi\nimport pulumi_kubernetes as k8s\n{program}\n")
    result = _cli("preview", "--program", str(directory), "--stack", "dev")
    assert result.returncode == 2, kind + result.stdout + result.stderr
    assert "excessive aliasing" in result.stderr and named in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("shape", ["directory", "device"])
def test_a_stack_file_that_is_not_a_regular_file_is_refused_as_such(tmp_path: Path, shape: str) -> None:
    program = _project(tmp_path, stacks={"dev": ""})
    odd = program / "Pulumi.odd.yaml"
    if shape == "directory":
        odd.mkdir()
    else:
        odd.symlink_to("/dev/zero")  # read to the end, it never ends
    line = _one_error_line(_cli("preview", "--program", str(program), "--stack", "odd"))
    assert str(odd) in line and ("not a regular file" in line or "is a directory" in line), line
    assert "create it" not in line  # it exists: nothing to create
