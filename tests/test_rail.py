"""The rail as a user meets it: every way a program, a pack or a file can go wrong is exit 2 with a
message (never a traceback or a hang), every registered resource is judged, and the pack receives
what the engine sends. Programs and packs here are written in the test, without our components.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import types
from pathlib import Path

import pytest

from agencyos_infra.analyzer import PackManifest, PolicyConfig, PolicyInfo, PolicyPackError, reconcile_policy_config
from agencyos_infra.engine import run_program
from tests.conftest import REPO, run_cli

POLICY_DIR = REPO / "policy"
NONCOMPLIANT_SQL = """
import pulumi_gcp as gcp
gcp.sql.DatabaseInstance("db", database_version="POSTGRES_16", settings={"tier": "db-f1-micro"})
"""


def _program(tmp_path: Path, body: str, name: str = "probe") -> Path:
    directory = tmp_path / name
    directory.mkdir()
    (directory / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\n")
    (directory / "Pulumi.dev.yaml").write_text("config:\n  gcp:project: probe-project\n  gcp:region: europe-west1\n")
    (directory / "__main__.py").write_text(textwrap.dedent(body))
    return directory


def _pack(tmp_path: Path, body: str, name: str = "pack") -> Path:
    directory = tmp_path / name
    directory.mkdir()
    (directory / "PulumiPolicy.yaml").write_text("runtime: python\nversion: 0.0.1\ndescription: test pack\n")
    (directory / "__main__.py").write_text(textwrap.dedent(body))
    return directory


def _preview(program: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli("preview", "--program", str(program), "--stack", "dev", *args, env=env)


def _clean(result: subprocess.CompletedProcess[str]) -> str:
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    return output


# -- programs -------------------------------------------------------------------------------------


def test_a_program_that_exits_0_after_registering_is_still_judged(tmp_path: Path) -> None:
    program = _program(tmp_path, NONCOMPLIANT_SQL + "import sys\nsys.exit(0)\n")
    result = _preview(program)
    assert result.returncode == 1, _clean(result)
    assert "[gcp-cloudsql-instance-no-public-ip]" in result.stdout


def test_a_program_that_exits_non_zero_is_exit_2_naming_the_code(tmp_path: Path) -> None:
    result = _preview(_program(tmp_path, NONCOMPLIANT_SQL + "import sys\nsys.exit(3)\n"))
    assert result.returncode == 2 and "exited with code 3" in _clean(result)


def test_a_program_that_raises_is_exit_2_with_its_message(tmp_path: Path) -> None:
    result = _preview(_program(tmp_path, "raise RuntimeError('boom in the program')\n"))
    assert result.returncode == 2 and "RuntimeError: boom in the program" in _clean(result)


def test_two_resources_with_one_urn_are_refused(tmp_path: Path) -> None:
    body = "import pulumi_random as random\n" + "random.RandomString('same', length=8)\n" * 2
    result = _preview(_program(tmp_path, body))
    assert result.returncode == 2 and "Duplicate resource URN" in _clean(result)


def test_program_logs_are_shown_as_diagnostics(tmp_path: Path) -> None:
    body = "import pulumi\npulumi.log.warn('disk is small')\npulumi.log.error('no region given')\n"
    result = _preview(_program(tmp_path, body))
    output = _clean(result)
    assert "Diagnostics:" in output and "warning: disk is small" in output and "error: no region given" in output


def test_data_sources_answer_with_their_declared_types(tmp_path: Path) -> None:
    body = """
    import pulumi, pulumi_gcp as gcp, pulumi_random as random
    project = gcp.organizations.get_project()
    zones = gcp.compute.get_zones_output(region="europe-west1")
    shuffle = random.RandomShuffle("order", inputs=["a", "b"])
    pulumi.export("number", project.number)
    pulumi.export("zones", zones.names)
    pulumi.export("shuffled", shuffle.results)
    """
    program = _program(tmp_path, body)
    for preview in (True, False):
        run = run_program(isolated=False, program_dir=program, project="probe", stack="dev", config={}, preview=preview)
        assert run.error is None, run.error
        outputs = run.stack_outputs.plain
        assert isinstance(outputs["number"], str) and outputs["number"].isdigit()
        assert isinstance(outputs["zones"], list) and all(isinstance(zone, str) for zone in outputs["zones"])
        if preview:
            assert "shuffled" in run.stack_outputs.unknown_paths  # computed by the provider
        else:
            assert isinstance(outputs["shuffled"], list) and all(isinstance(item, str) for item in outputs["shuffled"])


def test_preview_is_the_default_and_up_mode_knows_outputs(tmp_path: Path) -> None:
    body = "import pulumi, pulumi_gcp as gcp\nb = gcp.storage.Bucket('b', location='EU')\npulumi.export('url', b.url)\n"
    program = _program(tmp_path, body)
    preview = _preview(program)
    assert "preview: computed outputs unknown" in preview.stdout and "url: output<unknown>" in preview.stdout
    up = _preview(program, "--mode", "up")
    assert "url: https://" in up.stdout, up.stdout


def test_json_is_deterministic(tmp_path: Path) -> None:
    body = """
    import pulumi, pulumi_random as random
    parts = [random.RandomString(f"part-{i}", length=4) for i in range(8)]
    joined = random.RandomString("joined", length=4, keepers={f"k{i}": p.result for i, p in enumerate(parts)})
    """
    program = _program(tmp_path, body)
    first, second = tmp_path / "one.json", tmp_path / "two.json"
    assert _preview(program, "--json", str(first)).returncode == 0
    assert _preview(program, "--json", str(second)).returncode == 0
    assert first.read_bytes() == second.read_bytes()
    [joined] = [r for r in json.loads(first.read_text())["resources"] if r["name"] == "joined"]
    assert joined["dependencies"] == sorted(joined["dependencies"]) and len(joined["dependencies"]) == 8


def test_json_to_an_unwritable_place_fails_before_anything_runs(tmp_path: Path) -> None:
    program = _program(tmp_path, NONCOMPLIANT_SQL)
    result = _preview(program, "--json", str(tmp_path / "no" / "such" / "dir" / "out.json"))
    assert result.returncode == 2 and "does not exist" in _clean(result)
    assert result.stdout == ""  # nothing ran, so nothing looks like a violation run


@pytest.mark.parametrize(
    "body",
    [
        "import time\ntime.sleep(60)\n",
        "import time\nt = time.time()\nwhile time.time() - t < 60: pass\n",
        # A program that ignores Ctrl-C: the tool, not the program, decides, and ends the program's group.
        "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\ntime.sleep(60)\n",
    ],
)
def test_ctrl_c_is_a_clean_exit(tmp_path: Path, body: str) -> None:
    # A sleeping, a busy and a deaf program: each runs in a process of its own, out of the terminal's reach.
    program = _program(tmp_path, body)
    process = subprocess.Popen(
        [sys.executable, "-m", "agencyos_infra.cli", "preview", "--program", str(program), "--stack", "dev"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(4)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=20)
    assert process.returncode == 130 and "interrupted" in stderr
    assert "Traceback" not in stdout + stderr


# -- packs ----------------------------------------------------------------------------------------

PROBE_PACK = """
import json
from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy, StackValidationPolicy

def seen(args, report_violation):
    if args.resource_type == "gcp:storage/bucket:Bucket":
        o = args.opts
        report_violation(json.dumps({
            "props": sorted(args.props.keys()),
            "deleteBeforeReplace": o.delete_before_replace,
            "aliases": list(o.aliases),
            "timeouts": [o.custom_timeouts.create_seconds, o.custom_timeouts.update_seconds,
                         o.custom_timeouts.delete_seconds],
            "protect": o.protect,
            "tags": dict(args.stack_tags or {}),
        }, sort_keys=True))

def stack(args, report_violation):
    for r in args.resources:
        if r.resource_type == "pulumi:pulumi:Stack" or r.resource_type.startswith("probe:"):
            report_violation(r.resource_type + " " + json.dumps(dict(r.props), sort_keys=True))

PolicyPack(name="probe", enforcement_level=EnforcementLevel.ADVISORY, policies=[
    ResourceValidationPolicy(name="probe-seen", description="what Analyze sees", validate=seen),
    StackValidationPolicy(name="probe-stack", description="what AnalyzeStack sees", validate=stack),
])
"""


def test_the_pack_receives_options_outputs_and_no_internal_keys(tmp_path: Path) -> None:
    body = """
    import pulumi, pulumi_gcp as gcp
    class Box(pulumi.ComponentResource):
        def __init__(self, name):
            super().__init__("probe:index:Box", name)
            self.register_outputs({"size": 3})
    Box("box")
    gcp.storage.Bucket("b", location="EU", opts=pulumi.ResourceOptions(
        delete_before_replace=True, protect=True, aliases=[pulumi.Alias(name="old-b")],
        custom_timeouts=pulumi.CustomTimeouts(create="5m", delete="1h")))
    pulumi.export("answer", 42)
    """
    result = _preview(_program(tmp_path, body), "--policy-pack", str(_pack(tmp_path, PROBE_PACK)))
    output = _clean(result)
    assert result.returncode == 0, output
    seen = json.loads(next(line for line in output.splitlines() if line.strip().startswith('{"aliases"')))
    assert seen["deleteBeforeReplace"] is True and seen["protect"] is True
    assert seen["aliases"] == ["urn:pulumi:dev::probe::gcp:storage/bucket:Bucket::old-b"]
    assert seen["timeouts"] == [300.0, 0.0, 3600.0]
    assert not [key for key in seen["props"] if key.startswith("__")]
    assert seen["tags"]["pulumi:project"] == "probe" and seen["tags"]["pulumi:runtime"] == "python"
    assert "pulumi:pulumi:Stack" in output and '{"answer": 42' in output  # stack outputs reach AnalyzeStack
    assert 'probe:index:Box {"size": 3' in output  # a component's registered outputs too


def test_a_policy_that_raises_is_exit_2_naming_it(tmp_path: Path) -> None:
    pack = _pack(
        tmp_path,
        """
        from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy
        def fine(args, report_violation):
            pass
        def boom(args, report_violation):
            raise RuntimeError("policy bug")
        PolicyPack(name="raises", enforcement_level=EnforcementLevel.MANDATORY, policies=[
            ResourceValidationPolicy(name="fine-always", description="fine", validate=fine),
            ResourceValidationPolicy(name="raises-always", description="raises", validate=boom)])
        """,
    )
    result = _preview(_program(tmp_path, NONCOMPLIANT_SQL), "--policy-pack", str(pack))
    output = _clean(result)
    assert result.returncode == 2, output
    assert "policy raises-always raised an exception" in output and "policy bug" in output


def test_a_pack_that_dies_mid_run_is_exit_2(tmp_path: Path) -> None:
    pack = _pack(
        tmp_path,
        """
        import os
        from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy
        def die(args, report_violation):
            os._exit(7)
        PolicyPack(name="dies", enforcement_level=EnforcementLevel.MANDATORY,
                   policies=[ResourceValidationPolicy(name="dies-always", description="dies", validate=die)])
        """,
    )
    result = _preview(_program(tmp_path, NONCOMPLIANT_SQL), "--policy-pack", str(pack))
    assert result.returncode == 2 and "exited with code 7" in _clean(result)


def test_a_noisy_pack_does_not_hang(tmp_path: Path) -> None:
    pack = _pack(
        tmp_path,
        """
        import sys
        from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy
        sys.stderr.write("E" * 1048576)
        def chatty(args, report_violation):
            print("x" * 65536)
            sys.stderr.write("y" * 65536 + "\\n")
        PolicyPack(name="noisy", enforcement_level=EnforcementLevel.MANDATORY,
                   policies=[ResourceValidationPolicy(name="noisy-never-fails", description="n", validate=chatty)])
        """,
    )
    body = "import pulumi_random as random\n" + "".join(f"random.RandomString('s{i}', length=4)\n" for i in range(20))
    result = _preview(_program(tmp_path, body), "--policy-pack", str(pack))
    assert result.returncode == 0, _clean(result)


def test_a_pack_that_never_starts_times_out_with_its_stderr(tmp_path: Path) -> None:
    stuck = "import sys, time\nsys.stderr.write('stuck importing\\n')\nsys.stderr.flush()\ntime.sleep(120)\n"
    pack = _pack(tmp_path, stuck)
    env = {**os.environ, "AGENCYOS_POLICY_PACK_START_TIMEOUT": "3"}
    result = _preview(_program(tmp_path, NONCOMPLIANT_SQL), "--policy-pack", str(pack), env=env)
    output = _clean(result)
    assert result.returncode == 2 and "did not start within 3 s" in output and "stuck importing" in output


@pytest.mark.parametrize("variable", ["AGENCYOS_POLICY_PACK_START_TIMEOUT", "AGENCYOS_POLICY_PACK_CALL_TIMEOUT"])
@pytest.mark.parametrize("value", ["abc", "-1", "0", "inf"])
def test_a_bad_timeout_variable_is_refused_naming_it(tmp_path: Path, variable: str, value: str) -> None:
    result = _preview(_program(tmp_path, NONCOMPLIANT_SQL), env={**os.environ, variable: value})
    output = _clean(result)
    assert result.returncode == 2 and f"{variable}={value!r}: must be a positive number of seconds" in output


def test_a_pack_that_fails_to_import_shows_its_stderr(tmp_path: Path) -> None:
    pack = _pack(tmp_path, "import no_such_module_here\n")
    result = _preview(_program(tmp_path, NONCOMPLIANT_SQL), "--policy-pack", str(pack))
    output = result.stdout + result.stderr
    assert result.returncode == 2 and "exited with code 1 before it started" in output
    assert "No module named 'no_such_module_here'" in output  # the pack's own traceback, shown as its stderr


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [("- runtime: python\n", "expected a mapping"), ("runtime: nodejs\n", "runtime must be python")],
)
def test_a_malformed_pack_manifest_is_exit_2(tmp_path: Path, manifest: str, expected: str) -> None:
    pack = _pack(tmp_path, "")
    (pack / "PulumiPolicy.yaml").write_text(manifest)
    result = _preview(_program(tmp_path, NONCOMPLIANT_SQL), "--policy-pack", str(pack))
    assert result.returncode == 2 and expected in _clean(result)


def test_the_pack_runs_with_its_own_virtualenv_when_it_has_one(tmp_path: Path) -> None:
    pack = _pack(tmp_path, "")
    assert PackManifest.read(pack).python(pack) == sys.executable
    python = pack / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("")
    assert PackManifest.read(pack).python(pack) == str(python)
    (pack / "PulumiPolicy.yaml").write_text("runtime:\n  name: python\n  options:\n    virtualenv: env2\n")
    declared = pack / "env2" / "bin" / "python"
    declared.parent.mkdir(parents=True)
    declared.write_text("")
    assert PackManifest.read(pack).python(pack) == str(declared)


def test_a_remediating_policy_changes_the_inputs_and_is_reported(tmp_path: Path) -> None:
    pack = _pack(
        tmp_path,
        """
        from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy
        def fix(args):
            if args.resource_type == "gcp:storage/bucket:Bucket":
                return {**args.props, "uniformBucketLevelAccess": True}
        def check(args, report_violation):
            if args.resource_type == "gcp:storage/bucket:Bucket" and not args.props.get("uniformBucketLevelAccess"):
                report_violation("uniform access is off")
        PolicyPack(name="fixer", enforcement_level=EnforcementLevel.MANDATORY, policies=[
            ResourceValidationPolicy(name="fixer-uniform-access", description="uniform access",
                                     validate=check, remediate=fix, enforcement_level=EnforcementLevel.REMEDIATE)])
        """,
    )
    report = tmp_path / "out.json"
    body = "import pulumi_gcp as gcp\ngcp.storage.Bucket('b', location='EU')\n"
    result = _preview(_program(tmp_path, body), "--policy-pack", str(pack), "--json", str(report))
    assert result.returncode == 0, _clean(result)
    assert "Remediations applied: 1" in result.stdout and "[fixer-uniform-access]" in result.stdout
    [bucket] = [r for r in json.loads(report.read_text())["resources"] if r["name"] == "b"]
    assert bucket["inputs"]["uniformBucketLevelAccess"] is True


# -- policy config --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('"mandatory"', "expected a JSON object"),
        ('{"all": "sometimes"}', "not a valid enforcement level"),
        ('{"gcp-cloudsql-instance-backup-retention": 3}', "must be an enforcement level or an object"),
    ],
)
def test_a_malformed_policy_config_is_exit_2(tmp_path: Path, content: str, expected: str) -> None:
    config = tmp_path / "config.json"
    config.write_text(content)
    result = _preview(_program(tmp_path, NONCOMPLIANT_SQL), "--policy-config", str(config))
    assert result.returncode == 2 and expected in _clean(result)


def _policy(name: str, level: str = "advisory", **schema: dict) -> PolicyInfo:
    return PolicyInfo(name, "", level, "low", "", "", dict(schema))


def test_policy_config_merges_defaults_initial_config_then_the_file() -> None:
    policies = {
        "a": _policy("a", count={"type": "integer", "minimum": 1, "default": 30}),
        "b": _policy("b", "mandatory"),
    }
    merged = reconcile_policy_config(
        policies,
        {"a": PolicyConfig("", {"count": 40})},
        {"all": PolicyConfig("disabled", {}), "b": PolicyConfig("mandatory", {})},
    )
    assert merged["a"] == PolicyConfig("disabled", {"count": 40})
    assert merged["b"] == PolicyConfig("mandatory", {})
    with pytest.raises(PolicyPackError, match=r"a.count: 0 is less than the minimum of 1"):
        reconcile_policy_config(policies, {}, {"a": PolicyConfig("", {"count": 0})})
    with pytest.raises(PolicyPackError, match=r"a.count: 'x' is not of type 'integer'"):
        reconcile_policy_config(policies, {}, {"a": PolicyConfig("", {"count": "x"})})


def test_an_unexpected_error_is_one_line_and_debug_shows_the_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from agencyos_infra import cli

    def broken(_args: object) -> int:
        raise LookupError("something nobody planned for")

    monkeypatch.setattr(cli, "preview", broken)
    assert cli.main(["preview"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == (
        "error: unexpected LookupError: something nobody planned for (run with --debug for the traceback)"
    )
    assert cli.main(["--debug", "preview"]) == 2
    assert "Traceback (most recent call last)" in capsys.readouterr().err
    assert cli.main(["preview", "--debug"]) == 2
    assert "Traceback (most recent call last)" in capsys.readouterr().err


def test_internal_keys_never_reach_an_analyzer() -> None:
    from google.protobuf import json_format

    from agencyos_infra.wire import Properties, to_struct

    struct = to_struct({"__defaults": ["name"], "name": "x", "nested": {"__kept": 1}})
    sent = json_format.MessageToDict(Properties.from_struct(struct).analyzer_struct())
    assert sent == {"name": "x", "nested": {"__kept": 1}}  # SkipInternalKeys drops top-level keys only
    plain = to_struct({"name": "x"})
    assert Properties.from_struct(plain).analyzer_struct() is plain  # nothing to rewrite: passed through


def test_a_valid_policy_config_is_remembered_by_content_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    policies = {"a": _policy("a", count={"type": "integer", "minimum": 1, "default": 30})}
    reconcile_policy_config(policies, {}, {})
    remembered = list((tmp_path / "agencyos-infra" / "valid-policy-config").iterdir())
    assert len(remembered) == 1
    reconcile_policy_config(policies, {}, {})  # the same content: nothing new to remember
    assert list((tmp_path / "agencyos-infra" / "valid-policy-config").iterdir()) == remembered
    with pytest.raises(PolicyPackError, match=r"a.count: 0 is less than the minimum of 1"):
        reconcile_policy_config(policies, {}, {"a": PolicyConfig("", {"count": 0})})


def _declared_kind(annotation: object) -> type:
    """The Python type a declared output's value has on the wire: str, int, bool, float, list or dict."""
    import collections.abc
    import typing

    while True:
        origin, args = typing.get_origin(annotation), typing.get_args(annotation)
        if getattr(origin, "__name__", "") in ("Output", "Input") and args:
            annotation = args[0]
        elif origin in (typing.Union, types.UnionType):
            annotation = next(a for a in args if a is not type(None))
        else:
            break
    if origin in (list, collections.abc.Sequence):
        return list
    if origin in (dict, collections.abc.Mapping) or not isinstance(annotation, type):
        return dict
    return annotation if annotation in (str, int, bool, float) else dict


def test_up_mode_gives_every_declared_output_a_value_of_its_type(tmp_path: Path) -> None:
    # Except a scalar input the program left out: the provider's default, which no SDK declares, stays absent.
    import pulumi_gcp as gcp

    from agencyos_infra.mocks import _args_class, _declared_fields, _is_scalar, _provider_assigned

    body = """
    import pulumi_gcp as gcp
    gcp.sql.DatabaseInstance("db", database_version="POSTGRES_16", settings={"tier": "db-custom-2-4096"})
    gcp.redis.Instance("cache", memory_size_gb=1)
    """
    run = run_program(
        isolated=False, program_dir=_program(tmp_path, body), project="probe", stack="dev", config={}, preview=False
    )
    assert run.error is None, run.error
    for token, cls in (
        ("gcp:sql/databaseInstance:DatabaseInstance", gcp.sql.DatabaseInstance),
        ("gcp:redis/instance:Instance", gcp.redis.Instance),
    ):
        [captured] = run.of_type(token)
        outputs = captured.outputs.plain
        settable = _declared_fields(_args_class(token) or object)
        defaulted = {
            wire_name
            for wire_name, annotation in _declared_fields(cls).items()
            if wire_name in settable
            and wire_name not in captured.inputs.plain
            and _is_scalar(annotation)
            and not _provider_assigned(wire_name)
        }
        assert defaulted and not defaulted & set(outputs), (captured.urn, defaulted & set(outputs))
        for wire_name, annotation in _declared_fields(cls).items():
            if wire_name in defaulted:
                continue
            kind = _declared_kind(annotation)
            value = outputs.get(wire_name)
            assert value is not None, (captured.urn, wire_name)
            if wire_name not in captured.inputs.plain:  # an input echoes what the program gave
                # Numbers travel as protobuf doubles: an integer output arrives as 1.0.
                number = kind in (int, float) and isinstance(value, float) and (kind is float or value.is_integer())
                assert isinstance(value, kind) or number, (
                    captured.urn,
                    wire_name,
                    kind,
                )


def test_main_naming_a_file_runs_that_file(tmp_path: Path) -> None:
    program = _program(tmp_path, "raise RuntimeError('the directory was run, not main')\n")
    (program / "infra.py").write_text(NONCOMPLIANT_SQL)
    (program / "Pulumi.yaml").write_text("name: probe\nruntime: python\nmain: infra.py\n")
    result = _preview(program)
    assert result.returncode == 1, _clean(result)
    assert "[gcp-cloudsql-instance-no-public-ip]" in result.stdout


def test_a_pack_traceback_is_quoted_never_printed_as_ours(tmp_path: Path) -> None:
    pack = _pack(tmp_path, "def broken(:\n")
    result = _preview(_program(tmp_path, NONCOMPLIANT_SQL), "--policy-pack", str(pack))
    assert result.returncode == 2
    assert "  | SyntaxError" in result.stderr
    assert not [line for line in result.stderr.splitlines() if line.startswith("Traceback")]


def test_config_too_large_for_the_pack_environment_names_the_key(tmp_path: Path) -> None:
    program = _program(tmp_path, NONCOMPLIANT_SQL)
    (program / "Pulumi.dev.yaml").write_text(f"config:\n  probe:token: {'x' * 140_000}\n")
    result = _preview(program)
    assert result.returncode == 2 and "PULUMI_CONFIG" in _clean(result) and "'probe:token'" in result.stderr


def test_a_remediation_that_fails_names_its_policy(tmp_path: Path) -> None:
    pack = _pack(
        tmp_path,
        """
        from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy
        def fine(args, report_violation):
            pass
        PolicyPack(name="weird", enforcement_level=EnforcementLevel.MANDATORY, policies=[
            ResourceValidationPolicy(name="weird-fixer", description="w", validate=fine,
                remediate=lambda args: "not a dict", enforcement_level=EnforcementLevel.REMEDIATE)])
        """,
    )
    result = _preview(_program(tmp_path, NONCOMPLIANT_SQL), "--policy-pack", str(pack))
    output = _clean(result)
    assert result.returncode == 2 and "policy weird-fixer raised an exception during Remediate" in output
    assert "the program failed" not in output


def test_the_default_pack_does_not_depend_on_the_working_directory(tmp_path: Path) -> None:
    program = _program(tmp_path, NONCOMPLIANT_SQL)
    result = run_cli("preview", "--stack", "dev", cwd=program)  # no policy/ beside this program
    assert result.returncode == 1 and "agencyos-production-checklist" in _clean(result)
    outside = tmp_path / "not-a-project"
    outside.mkdir()
    result = run_cli("preview", "--stack", "dev", cwd=outside)
    assert result.returncode == 2 and "no Pulumi.yaml" in _clean(result)


def test_a_failing_program_thread_is_one_line_per_thread(tmp_path: Path) -> None:
    body = """
    import threading
    def work(i):
        raise ValueError(f"bad {i}")
    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    """
    result = _preview(_program(tmp_path, body))
    output = _clean(result)
    assert result.returncode == 2 and "a thread of the program failed: ValueError: bad 1 (at __main__.py:4)" in output


def test_a_fully_qualified_stack_name_reads_the_stack_file(tmp_path: Path) -> None:
    program = _program(tmp_path, NONCOMPLIANT_SQL)
    assert _clean(run_cli("preview", "--program", str(program), "--stack", "acme/probe/dev")).count("Stack") >= 1
    result = run_cli("preview", "--program", str(program), "--stack", "acme/other/dev")
    assert result.returncode == 2 and "belongs to project 'other'" in _clean(result)


TRANSFORMS = """
import pulumi, pulumi_gcp as gcp

def harden(args):
    if args.type_ == "gcp:storage/bucket:Bucket":
        props = {**args.props, "uniformBucketLevelAccess": True, "publicAccessPrevention": "enforced"}
        return pulumi.ResourceTransformResult(props=props, opts=args.opts)

def weaken(args):
    if args.type_ == "gcp:storage/bucket:Bucket":
        props = {**args.props, "publicAccessPrevention": "inherited"}
        return pulumi.ResourceTransformResult(props=props, opts=args.opts)

class Box(pulumi.ComponentResource):
    def __init__(self, name, opts=None):
        super().__init__("probe:index:Box", name, None, opts)
        gcp.storage.Bucket(f"{name}-inner", location="EU", opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})

MODE = "{mode}"
if MODE == "resource":
    gcp.storage.Bucket("b", location="EU", opts=pulumi.ResourceOptions(transforms=[harden]))
elif MODE == "stack":
    pulumi.runtime.register_resource_transform(harden)
    gcp.storage.Bucket("b", location="EU")
elif MODE == "parent":
    Box("box", pulumi.ResourceOptions(transforms=[harden]))
else:
    gcp.storage.Bucket("b", location="EU", uniform_bucket_level_access=True, public_access_prevention="enforced",
                       opts=pulumi.ResourceOptions(transforms=[weaken]))
"""


@pytest.mark.parametrize(("mode", "expected"), [("resource", 0), ("stack", 0), ("parent", 0), ("weaken", 1)])
def test_transforms_run_before_the_pack_judges(tmp_path: Path, mode: str, expected: int) -> None:
    result = _preview(_program(tmp_path, TRANSFORMS.replace("{mode}", mode)))
    output = _clean(result)
    assert result.returncode == expected, output
    if expected:
        assert "[gcp-storage-bucket-public-access-prevention]" in output
