"""The pack's decode-once analyzer gives exactly the SDK's answers, only faster."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agencyos_infra.analyzer import PolicyPackProcess
from agencyos_infra.engine import run_program
from agencyos_infra.stackconfig import load_stack_config
from tests.conftest import EXAMPLES, POLICY_DIR


def _stock_pack(tmp_path: Path) -> Path:
    """A copy of the pack whose entry point serves pulumi-policy's own analyzer."""
    pack = tmp_path / "stock-pack"
    shutil.copytree(POLICY_DIR, pack, ignore=shutil.ignore_patterns("__pycache__", "venv"))
    main = (pack / "__main__.py").read_text()
    (pack / "__main__.py").write_text(main.replace("decode_once.install()\n", ""))
    assert "decode_once.install()" not in (pack / "__main__.py").read_text()
    return pack


def _violations(pack_dir: Path, program: Path, preview: bool) -> list[tuple[str, str, str, str]]:
    [stack_file] = program.glob("Pulumi.*.yaml")
    stack = stack_file.name.split(".")[1]
    loaded = load_stack_config(program, stack)
    options = {"project": loaded.project, "stack": stack, "config": loaded.config, "dry_run": preview}
    with PolicyPackProcess(pack_dir, **options) as pack:
        session = pack.session()
        run = run_program(
            isolated=False,
            program_dir=loaded.program_dir,
            project=loaded.project,
            stack=stack,
            config=loaded.config,
            preview=preview,
            sink=session,
        )
        assert run.error is None, run.error
        report = session.finish(run)
    return sorted((v.urn, v.policy, v.enforcement_level, v.message) for v in report.violations)


# Resource and stack policies of every provider, failing and passing.
PROGRAMS = ["noncompliant", "compliant-plain", "noncompliant-dns", "noncompliant-workloads", "noncompliant-tls"]


@pytest.fixture(scope="module")
def stock_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _stock_pack(tmp_path_factory.mktemp("stock"))


@pytest.mark.parametrize("program", PROGRAMS)
@pytest.mark.parametrize("preview", [True, False], ids=["preview", "up"])
def test_decode_once_answers_as_the_sdk_does(stock_pack: Path, program: str, preview: bool) -> None:
    ours = _violations(POLICY_DIR, EXAMPLES / program, preview)
    assert ours == _violations(stock_pack, EXAMPLES / program, preview), program
    if program.startswith("noncompliant"):
        assert any(level == "mandatory" for _, _, level, _ in ours)
