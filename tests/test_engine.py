"""The offline engine: URNs, secrets, unknowns, default providers, isolation, stack config."""

from __future__ import annotations

import base64
import os
import textwrap
from pathlib import Path

import pytest

from agencyos_infra.engine import run_program
from agencyos_infra.stackconfig import (
    SECRET_PLACEHOLDER,
    encrypt_value,
    load_stack_config,
    passphrase_key,
)
from agencyos_infra.wire import REDACTED, SECRET_SIG, SIG_KEY, UNKNOWN, read_properties
from tests.conftest import EXAMPLES, run_repo_stack

NESTED_PROGRAM = """
import pulumi
import pulumi_random as random

class Inner(pulumi.ComponentResource):
    def __init__(self, name, opts=None):
        super().__init__("test:index:Inner", name, None, opts)
        self.token = random.RandomPassword(f"{name}-token", length=12, opts=pulumi.ResourceOptions(parent=self)).result
        self.register_outputs({})

class Outer(pulumi.ComponentResource):
    def __init__(self, name, opts=None):
        super().__init__("test:index:Outer", name, None, opts)
        self.inner = Inner(f"{name}-inner", pulumi.ResourceOptions(parent=self))
        self.register_outputs({})

outer = Outer("outer")
pulumi.export("token", outer.inner.token)
pulumi.export("message", pulumi.Config().get("message"))
pulumi.export("apiKey", pulumi.Config().get_secret("apiKey"))
"""


def _project(tmp_path: Path, program: str, stack_yaml: str = "config: {}\n") -> Path:
    (tmp_path / "Pulumi.yaml").write_text("name: nested\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text(stack_yaml)
    (tmp_path / "__main__.py").write_text(textwrap.dedent(program))
    return tmp_path


def _run(directory: Path, stack: str = "dev", preview: bool = False):
    loaded = load_stack_config(directory, stack)
    return run_program(
        loaded.program_dir,
        project=loaded.project,
        stack=stack,
        config=loaded.config,
        secret_keys=loaded.secret_keys,
        preview=preview,
    )


def test_urns_carry_the_whole_parent_type_chain(tmp_path: Path) -> None:
    run = _run(_project(tmp_path, NESTED_PROGRAM))
    assert run.error is None, run.error
    urns = {r.name: r.urn for r in run.resources}
    assert urns["outer"] == "urn:pulumi:dev::nested::test:index:Outer::outer"
    assert urns["outer-inner"] == "urn:pulumi:dev::nested::test:index:Outer$test:index:Inner::outer-inner"
    assert urns["outer-inner-token"] == (
        "urn:pulumi:dev::nested::test:index:Outer$test:index:Inner$random:index/randomPassword:RandomPassword"
        "::outer-inner-token"
    )


def test_additional_secret_outputs_are_honoured(tmp_path: Path) -> None:
    run = _run(_project(tmp_path, NESTED_PROGRAM))
    [token] = run.of_type("random:index/randomPassword:RandomPassword")
    assert {"result", "bcryptHash"} <= set(token.additional_secret_outputs)
    assert "result" in token.outputs.secret_paths
    # The program's export derived from it stays secret end to end.
    assert "token" in run.stack_outputs.secret_paths
    assert len(run.stack_outputs.plain["token"]) == 12


def test_default_providers_stand_in_for_the_engines(tmp_path: Path) -> None:
    run = _run(_project(tmp_path, NESTED_PROGRAM, "config:\n  random:someSetting: x\n"))
    [provider] = run.of_type("pulumi:providers:random")
    assert provider.name.startswith("default_") and provider.inputs.plain["someSetting"] == "x"
    [token] = run.of_type("random:index/randomPassword:RandomPassword")
    assert token.provider_urn == provider.urn


def test_explicit_providers_are_used_as_given() -> None:
    run = _run(EXAMPLES / "compliant-plain")
    assert run.error is None, run.error
    [provider] = run.of_type("pulumi:providers:gcp")
    assert provider.name == "europe"
    assert {r.provider_urn for r in run.of_type("gcp:sql/databaseInstance:DatabaseInstance")} == {provider.urn}


def test_preview_mode_marks_computed_values_unknown() -> None:
    run = _run(EXAMPLES / "compliant-plain", preview=True)
    assert run.error is None, run.error
    [primary] = [r for r in run.of_type("gcp:sql/databaseInstance:DatabaseInstance") if r.name == "ledger"]
    assert "settings.ipConfiguration.privateNetwork" in primary.inputs.unknown_paths
    assert primary.inputs.analyzer["settings"]["ipConfiguration"]["privateNetwork"] == UNKNOWN
    [replica] = [r for r in run.of_type("gcp:sql/databaseInstance:DatabaseInstance") if r.name == "ledger-read"]
    assert "masterInstanceName" in replica.inputs.unknown_paths
    assert primary.urn in replica.property_dependencies["masterInstanceName"]


def test_runs_in_one_process_do_not_leak() -> None:
    first, second = run_repo_stack("prod"), run_repo_stack("staging")
    third = run_repo_stack("prod")
    # Registration order varies (the SDK registers from several threads); the set of URNs does not.
    assert sorted(r.urn for r in first.resources) == sorted(r.urn for r in third.resources)
    assert all(r.urn.startswith("urn:pulumi:staging::") for r in second.resources)


def test_program_errors_are_reported_not_raised(tmp_path: Path) -> None:
    run = _run(_project(tmp_path, "raise ValueError('broken program')\n"))
    assert run.error == "ValueError: broken program (at __main__.py:1)"  # where, in the program's own file


def test_wire_reading_keeps_secrets_unknowns_and_references_apart() -> None:
    props = read_properties(
        {
            "password": {SIG_KEY: SECRET_SIG, "value": "hunter2"},
            "nested": {"list": [1, UNKNOWN]},
            "ref": {SIG_KEY: "5cf8f73096256a8f31e491e813e4eb8e", "urn": "urn:x", "id": "id-1"},
        }
    )
    assert props.secret_paths == ["password"] and props.unknown_paths == ["nested.list[1]"]
    assert props.plain["password"] == "hunter2" and props.redacted()["password"] == REDACTED
    assert props.analyzer["password"] == {SIG_KEY: SECRET_SIG, "value": "hunter2"}
    assert props.analyzer["ref"] == "id-1"


SALT = base64.b64decode("c2FsdHNhbHRzYWx0")


def _encrypted_stack(tmp_path: Path, passphrase: str) -> Path:
    key = passphrase_key(passphrase, SALT)
    check = encrypt_value(key, "pulumi")
    secret = encrypt_value(key, "s3cr3t-value")
    stack_yaml = (
        f"secretsprovider: passphrase\nencryptionsalt: v1:{base64.b64encode(SALT).decode()}:{check}\n"
        f"config:\n  nested:message: hello\n  nested:apiKey:\n    secure: {secret}\n"
    )
    return _project(tmp_path, NESTED_PROGRAM, stack_yaml)


def test_secure_values_decrypt_with_the_passphrase(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = _encrypted_stack(tmp_path, "correct horse")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "correct horse")
    loaded = load_stack_config(directory, "dev")
    assert loaded.config["nested:apiKey"] == "s3cr3t-value" and loaded.secret_keys == ["nested:apiKey"]
    run = _run(directory)
    assert run.stack_outputs.plain["apiKey"] == "s3cr3t-value" and "apiKey" in run.stack_outputs.secret_paths
    assert run.stack_outputs.plain["message"] == "hello"


def test_without_passphrase_secure_values_are_secret_placeholders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = _encrypted_stack(tmp_path, "correct horse")
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE", raising=False)
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE_FILE", raising=False)
    loaded = load_stack_config(directory, "dev")
    assert loaded.config["nested:apiKey"] == SECRET_PLACEHOLDER and loaded.undecrypted_keys == ["nested:apiKey"]
    run = _run(directory)
    assert "apiKey" in run.stack_outputs.secret_paths


def test_working_directory_is_restored_after_a_run(tmp_path: Path) -> None:
    before = os.getcwd()
    _run(_project(tmp_path, NESTED_PROGRAM))
    assert os.getcwd() == before


def test_secret_provider_config_stays_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = passphrase_key("pp", SALT)
    stack_yaml = (
        f"encryptionsalt: v1:{base64.b64encode(SALT).decode()}:{encrypt_value(key, 'pulumi')}\n"
        f"config:\n  random:token:\n    secure: {encrypt_value(key, 'provider-credential')}\n"
    )
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "pp")
    run = _run(_project(tmp_path, NESTED_PROGRAM, stack_yaml))
    [provider] = run.of_type("pulumi:providers:random")
    assert provider.inputs.secret_paths == ["token"] and provider.inputs.redacted()["token"] == REDACTED
