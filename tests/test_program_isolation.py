"""The program runs in its own process, as the language host runs it: whatever it does, the engine decides.

Each case is a small program written the way a team's program misbehaves, run through the console entry
point as a user runs it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, run_cli

OPEN_BUCKET = """
import os
import signal

import pulumi
import pulumi_gcp as gcp

bucket = gcp.storage.Bucket("open", location="US", uniform_bucket_level_access=False)
"""


def _program(tmp_path: Path, body: str, *, project_options: str = "") -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "Pulumi.yaml").write_text(f"name: isolated\nruntime:\n  name: python\n{project_options}")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text(OPEN_BUCKET + body)
    return tmp_path


def _preview(program: Path, *extra: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli("preview", "--program", str(program), "--stack", "dev", *extra, env=env)


def test_an_exit_0_after_registering_is_judged_not_a_bypass(tmp_path: Path) -> None:
    result = _preview(_program(tmp_path, "bucket.urn.apply(lambda _: os._exit(0))\n"))
    assert result.returncode == 1, result.stderr
    assert "gcp-storage-bucket-public-access-prevention" in result.stdout


def test_an_exit_with_a_code_or_a_signal_is_exit_2_naming_it(tmp_path: Path) -> None:
    exits = _preview(_program(tmp_path / "seven", "bucket.urn.apply(lambda _: os._exit(7))\n"))
    assert exits.returncode == 2
    assert "exited with code 7" in exits.stderr
    killed = _preview(_program(tmp_path / "kill", "bucket.urn.apply(lambda _: os.kill(os.getpid(), signal.SIGKILL))\n"))
    assert killed.returncode == 2
    assert "killed by signal 9 (SIGKILL)" in killed.stderr


def test_patching_the_analyzer_changes_nothing(tmp_path: Path) -> None:
    patch = (
        "try:\n"
        "    import agencyos_infra.analyzer as analyzer\n"
        "    analyzer.AnalysisSession._collect = lambda self, response, urn: None\n"
        "except ImportError:\n"
        "    pass\n"
    )
    result = _preview(_program(tmp_path, patch))
    assert result.returncode == 1, result.stderr


def test_base_exceptions_and_lost_stdio_are_the_programs_failure(tmp_path: Path) -> None:
    interrupted = _preview(_program(tmp_path / "interrupt", "raise KeyboardInterrupt\n"))
    assert interrupted.returncode == 2
    assert "KeyboardInterrupt" in interrupted.stderr
    assert "Traceback" not in interrupted.stderr
    custom = _preview(_program(tmp_path / "custom", "class Stop(BaseException):\n    pass\nraise Stop('no')\n"))
    assert custom.returncode == 2
    assert "Stop: no" in custom.stderr
    silenced = _preview(_program(tmp_path / "stdio", "import sys\nsys.stdout = None\nsys.stderr = None\n"))
    assert silenced.returncode == 1, silenced.stderr


def test_a_program_that_never_finishes_stops_at_the_timeout(tmp_path: Path) -> None:
    env = {**_environ(), "AGENCYOS_PROGRAM_TIMEOUT": "3"}
    result = _preview(_program(tmp_path, "import time\ntime.sleep(60)\n"), env=env)
    assert result.returncode == 2
    assert "did not finish within 3 s" in result.stderr
    assert "AGENCYOS_PROGRAM_TIMEOUT" in result.stderr


def test_a_bad_timeout_is_refused_before_anything_runs(tmp_path: Path) -> None:
    result = _preview(_program(tmp_path, ""), env={**_environ(), "AGENCYOS_PROGRAM_TIMEOUT": "soon"})
    assert result.returncode == 2
    assert "AGENCYOS_PROGRAM_TIMEOUT='soon'" in result.stderr


def test_the_programs_own_modules_named_like_the_tools_are_imported(tmp_path: Path) -> None:
    program = _program(tmp_path, "import dns, httpx, report\nassert dns.OWN and httpx.OWN and report.OWN\n")
    for name in ("dns", "httpx", "report"):
        (program / f"{name}.py").write_text("OWN = True\n")
    result = _preview(program)
    assert result.returncode == 1, result.stderr  # ran to the end: the open bucket is judged


def test_the_virtualenv_pulumi_yaml_names_runs_the_program(tmp_path: Path) -> None:
    venv = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    # The team's environment has the SDK: this one borrows the tool's packages through a .pth file.
    import sysconfig

    site = next((venv / "lib").glob("python*/site-packages"))
    (site / "tool-packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    marker = f"import sys\nassert sys.prefix == {str(venv)!r}, sys.prefix\n"
    program = _program(tmp_path / "project", marker, project_options=f"  options:\n    virtualenv: {venv}\n")
    result = _preview(program)
    assert result.returncode == 1, result.stderr


def test_a_missing_virtualenv_falls_back_with_a_warning(tmp_path: Path) -> None:
    program = _program(tmp_path, "", project_options="  options:\n    virtualenv: venv\n")
    result = _preview(program)
    assert result.returncode == 1, result.stderr
    assert "virtualenv 'venv' does not exist" in result.stderr


def test_stack_references_read_given_outputs_and_are_unknown_without(tmp_path: Path) -> None:
    body = (
        "network = pulumi.StackReference('acme/network/prod')\n"
        "network.require_output('subnet').apply(lambda subnet: gcp.storage.Bucket(\n"
        "    'from-reference', location='US', public_access_prevention='enforced',\n"
        "    uniform_bucket_level_access=True, name=subnet))\n"
    )
    program = _program(tmp_path, body)
    without = _preview(program)
    assert without.returncode == 1, without.stderr
    assert "--stack-outputs acme/network/prod=FILE" in without.stderr
    outputs = tmp_path / "network.json"
    outputs.write_text('{"subnet": "private-subnet"}')
    given = _preview(program, "--stack-outputs", f"acme/network/prod={outputs}", "--format", "json")
    assert '"from-reference"' in given.stdout, given.stderr
    outputs.write_text('{"other": 1}')
    missing_key = _preview(program, "--stack-outputs", f"acme/network/prod={outputs}")
    assert missing_key.returncode == 2
    assert "acme/network/prod" in missing_key.stderr


def test_a_read_is_in_the_tree_with_typed_outputs_and_never_analyzed(tmp_path: Path) -> None:
    body = (
        "existing = gcp.storage.Bucket.get('legacy', 'legacy-bucket')\n"
        "pulumi.export('legacyUrl', existing.url.apply(lambda url: url.upper()))\n"
    )
    result = _preview(_program(tmp_path, body), "--format", "json")
    assert result.returncode == 1, result.stderr
    assert "Bucket::legacy" in result.stdout
    assert "LEGACY" not in result.stderr


def test_a_closed_reader_ends_the_run_quietly() -> None:
    command = f"{sys.executable} -m agencyos_infra.cli preview --stack prod | head -1"
    result = subprocess.run(["bash", "-c", command], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.stdout.startswith("Previewing stack prod")
    assert "BrokenPipe" not in result.stderr
    assert "Traceback" not in result.stderr


def _environ() -> dict[str, str]:
    import os

    return dict(os.environ)


# A pack whose import starts a helper that outlives any run, and one policy that can be made to hang.
CHILD_STARTING_PACK = """
import os
import subprocess
import time

from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy

helper = subprocess.Popen(["sleep", "600"])
with open(os.environ["HELPER_PID_FILE"], "w") as pid_file:
    pid_file.write(str(helper.pid))


def hang_when_asked(args, report_violation):
    if os.environ.get("POLICY_HANGS"):
        time.sleep(600)


PolicyPack(
    "child-starting",
    policies=[ResourceValidationPolicy(name="hangs", description="hangs when asked", validate=hang_when_asked)],
    enforcement_level=EnforcementLevel.MANDATORY,
)
"""


def _child_starting_pack(tmp_path: Path) -> Path:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\nversion: 0.0.1\ndescription: starts a helper\n")
    (pack / "__main__.py").write_text(CHILD_STARTING_PACK)
    return pack


def _running(pid: int) -> bool:
    """Alive and not a zombie (a killed child this container's init has not reaped yet is not running)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def _wait_for(predicate: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def test_a_pack_that_starts_a_child_neither_hangs_the_run_nor_outlives_it(tmp_path: Path) -> None:
    pid_file = tmp_path / "helper.pid"
    env = {**_environ(), "HELPER_PID_FILE": str(pid_file)}
    result = _preview(_program(tmp_path / "program", ""), "--policy-pack", str(_child_starting_pack(tmp_path)), env=env)
    assert result.returncode == 0, result.stderr  # the helper holds the pack's stdout open: no wait on it
    assert _wait_for(lambda: not _running(int(pid_file.read_text())), 5), "the pack's helper outlived the run"


@pytest.mark.parametrize("sent", [signal.SIGHUP, signal.SIGTERM, signal.SIGQUIT, signal.SIGUSR1], ids=lambda s: s.name)
def test_a_signal_while_a_policy_runs_ends_the_pack_and_what_it_started(tmp_path: Path, sent: signal.Signals) -> None:
    pid_file = tmp_path / "helper.pid"
    env = {**_environ(), "HELPER_PID_FILE": str(pid_file), "POLICY_HANGS": "1"}
    command = [sys.executable, "-m", "agencyos_infra.cli", "preview", "--program", str(_program(tmp_path / "p", ""))]
    command += ["--stack", "dev", "--policy-pack", str(_child_starting_pack(tmp_path))]
    cli = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert _wait_for(pid_file.exists, 60), "the pack never started"
        helper = int(pid_file.read_text())
        time.sleep(1.0)  # the policy is now asleep inside Analyze
        assert cli.poll() is None, cli.communicate()
        cli.send_signal(sent)
        _, stderr = cli.communicate(timeout=30)
    finally:
        if cli.poll() is None:
            cli.kill()
    assert cli.returncode != 0 and "Traceback" not in stderr, stderr
    assert _wait_for(lambda: not _running(helper), 5), f"{sent.name}: the pack's helper outlived the CLI"
    packs = subprocess.run(["pgrep", "-f", f"pulumi.policy .* {tmp_path}"], capture_output=True, text=True)
    assert packs.stdout.strip() == "", f"{sent.name}: a policy pack process outlived the CLI"


def test_the_program_is_told_it_is_a_dry_run_unless_the_user_opts_out(tmp_path: Path) -> None:
    body = (
        "if not pulumi.runtime.is_dry_run():\n"
        "    pulumi.log.warn('SIDE EFFECT: the program acted as on a real update')\n"
    )
    program = _program(tmp_path, body)
    for mode in (("--mode", "preview"), ("--mode", "up")):
        safe = _preview(program, *mode)
        assert safe.returncode == 1, safe.stderr
        assert "SIDE EFFECT" not in safe.stdout + safe.stderr, mode
    opted_in = _preview(program, "--mode", "up", "--program-dry-run", "false")
    assert opted_in.returncode == 1, opted_in.stderr
    assert "SIDE EFFECT" in opted_in.stdout + opted_in.stderr
    refused = _preview(program, "--program-dry-run", "false")  # preview mode: a real update never happens
    assert refused.returncode == 2, refused.stderr
