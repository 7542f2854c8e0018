"""Secrets as the CLI keeps them: on Pulumi Cloud (the default) or a cloud KMS, offline sees placeholders.

Most real stacks have neither ``secretsprovider`` nor ``encryptionsalt`` and hold the service's base64
ciphertexts (``secure: AAABA...``); KMS stacks hold ``v1:`` ciphertexts under a data key only the KMS unwraps.
Neither can be decrypted offline: the program gets a placeholder of the key's declared type, marked secret,
the run says so once, and every resource is judged.
"""

from __future__ import annotations

import base64
import json
import os
import textwrap
from pathlib import Path

import pytest

from agencyos_infra.stackconfig import (
    SECRET_PLACEHOLDER,
    StackConfigError,
    encrypt_value,
    load_stack_config,
    passphrase_key,
)
from tests.conftest import run_cli

PROJECT = """\
name: orders
runtime: python
config:
  rootPassword:
    type: string
    secret: true
  replicaCount:
    type: integer
    secret: true
  maintenance:
    type: boolean
    default: true
  admin:
    type: object
"""

# A team's database stack: the root password, the replica count and the admin user all come from secrets.
PROGRAM = """
import pulumi
import pulumi_gcp as gcp

config = pulumi.Config()
admin = config.require_secret_object("admin")
instance = gcp.sql.DatabaseInstance(
    "orders-db",
    database_version="POSTGRES_15",
    root_password=config.require_secret("rootPassword"),
    settings=gcp.sql.DatabaseInstanceSettingsArgs(
        tier="db-custom-2-4096",
        ip_configuration=gcp.sql.DatabaseInstanceSettingsIpConfigurationArgs(ipv4_enabled=True),
    ),
)
gcp.sql.User(
    "orders-admin",
    instance=instance.name,
    name=admin.apply(lambda a: a["name"]),
    password=admin.apply(lambda a: a["password"]),
)
pulumi.export("replicas", config.require_secret_int("replicaCount"))
"""

SERVICE_CIPHERTEXT = base64.b64encode(b"\x00\x00\x01\x03" + bytes(range(48))).decode()  # "AAABAwAB..."
KMS_KEY = bytes(range(32))  # stands for the data key only the KMS could unwrap
PASSPHRASE_SALT = b"orders-salt!"


def _stack_config(ciphertext: str) -> str:
    return (
        "config:\n"
        "  gcp:project: acme-orders\n"
        f"  orders:rootPassword:\n    secure: {ciphertext}\n"
        f"  orders:replicaCount:\n    secure: {ciphertext}\n"
        "  orders:admin:\n    name: orders-admin\n"
        f"    password:\n      secure: {ciphertext}\n"
    )


PULUMI_CLOUD_STACK = _stack_config(SERVICE_CIPHERTEXT)
GCPKMS_STACK = (
    "secretsprovider: gcpkms://projects/acme/locations/global/keyRings/pulumi/cryptoKeys/stacks\n"
    f"encryptedkey: {base64.b64encode(b'wrapped-by-kms' * 4).decode()}\n"
) + _stack_config(encrypt_value(KMS_KEY, "s3cr3t"))


def _passphrase_stack() -> str:
    key = passphrase_key("orders passphrase", PASSPHRASE_SALT)
    salt = f"v1:{base64.b64encode(PASSPHRASE_SALT).decode()}:{encrypt_value(key, 'pulumi')}"
    return f"encryptionsalt: {salt}\n" + _stack_config(encrypt_value(key, "7"))


def _program(directory: Path, stack: str, project: str = PROJECT, program: str = PROGRAM) -> Path:
    (directory / "Pulumi.yaml").write_text(project)
    (directory / "Pulumi.prod.yaml").write_text(stack)
    (directory / "__main__.py").write_text(textwrap.dedent(program))
    return directory


@pytest.fixture(autouse=True)
def _no_passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE", raising=False)
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE_FILE", raising=False)


def _preview(program: Path, report: Path, env: dict[str, str] | None = None) -> tuple[int, str, dict]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_CONFIG_PASSPHRASE")}
    result = run_cli(
        "preview",
        "--program",
        str(program),
        "--stack",
        "prod",
        "--json",
        str(report),
        env={**environment, **(env or {})},
    )
    document = json.loads(report.read_text()) if report.exists() else {}
    return result.returncode, result.stderr, document


def _judged(document: dict) -> None:
    """The program ran whole and the pack judged it: the public-IP instance is a mandatory violation."""
    names = {r["name"] for r in document["resources"]}
    assert {"orders-db", "orders-admin"} <= names, names
    assert any(
        v["policy"] == "gcp-cloudsql-instance-no-public-ip" and v["enforcementLevel"] == "mandatory"
        for v in document["violations"]
    ), document["violations"]
    [instance] = [r for r in document["resources"] if r["name"] == "orders-db"]
    [user] = [r for r in document["resources"] if r["name"] == "orders-admin"]
    assert "rootPassword" in instance["secretPaths"] and "password" in user["secretPaths"]
    assert document["outputs"]["replicas"] == "[secret]" and "replicas" in document["outputSecretPaths"]


@pytest.mark.parametrize(
    ("stack", "service"),
    [(PULUMI_CLOUD_STACK, "Pulumi Cloud"), (GCPKMS_STACK, "Google Cloud KMS")],
    ids=["pulumi-cloud", "gcpkms"],
)
def test_a_stack_whose_secrets_a_service_holds_is_judged_and_said_once(
    tmp_path: Path, stack: str, service: str
) -> None:
    (tmp_path / "program").mkdir()
    program = _program(tmp_path / "program", stack)
    code, stderr, document = _preview(program, tmp_path / "report.json")
    assert code == 1, stderr  # a verdict, not a refusal of the stack file
    _judged(document)
    said = [line for line in stderr.splitlines() if "cannot be reached offline" in line]
    assert len(said) == 1 and service in said[0], stderr
    for key in ("orders:rootPassword", "orders:replicaCount", "orders:admin"):
        assert key in said[0], said
    assert "PULUMI_CONFIG_PASSPHRASE" not in stderr and "v1:<nonce>" not in stderr


def test_a_passphrase_stack_without_its_passphrase_keeps_its_message(tmp_path: Path) -> None:
    (tmp_path / "program").mkdir()
    program = _program(tmp_path / "program", _passphrase_stack())
    code, stderr, document = _preview(program, tmp_path / "report.json")
    assert code == 1, stderr
    _judged(document)
    for key in ("orders:rootPassword", "orders:replicaCount", "orders:admin"):
        assert f"warning: {key} is encrypted and PULUMI_CONFIG_PASSPHRASE is not set" in stderr, stderr
    assert "cannot be reached offline" not in stderr


def test_a_passphrase_stack_with_a_wrong_passphrase_is_still_refused(tmp_path: Path) -> None:
    (tmp_path / "program").mkdir()
    program = _program(tmp_path / "program", _passphrase_stack())
    code, stderr, _ = _preview(program, tmp_path / "report.json", {"PULUMI_CONFIG_PASSPHRASE": "not it"})
    assert code == 2 and "Pulumi.prod.yaml" in stderr and "incorrect passphrase" in stderr, stderr


# --- The stack file, read ---------------------------------------------------------------------------------------


def test_placeholders_have_the_declared_type_and_stay_secret(tmp_path: Path) -> None:
    stack = PULUMI_CLOUD_STACK + f"  orders:maintenance:\n    secure: {SERVICE_CIPHERTEXT}\n"
    loaded = load_stack_config(_program(tmp_path, stack), "prod")
    assert loaded.config["orders:rootPassword"] == SECRET_PLACEHOLDER
    assert loaded.config["orders:replicaCount"] == "0" and loaded.config["orders:maintenance"] == "false"
    # A secure value inside an object: the CLI decrypts it in place and the whole key is secret.
    assert json.loads(loaded.config["orders:admin"]) == {"name": "orders-admin", "password": SECRET_PLACEHOLDER}
    assert set(loaded.secret_keys) == {
        "orders:rootPassword",
        "orders:replicaCount",
        "orders:maintenance",
        "orders:admin",
    }
    assert loaded.unreachable_secret_keys == sorted(loaded.secret_keys) and loaded.undecrypted_keys == []
    assert loaded.config["gcp:project"] == "acme-orders"


def test_a_whole_object_secret_has_an_object_placeholder(tmp_path: Path) -> None:
    stack = PULUMI_CLOUD_STACK.replace(
        "  orders:admin:\n    name: orders-admin\n", f"  orders:admin:\n    secure: {SERVICE_CIPHERTEXT}\n    x: 1\n"
    ).replace(f"    password:\n      secure: {SERVICE_CIPHERTEXT}\n", "")
    # {secure, x} is not a secure value (only a map of the single key `secure` is): it is a plain object.
    loaded = load_stack_config(_program(tmp_path, stack), "prod")
    assert json.loads(loaded.config["orders:admin"]) == {"secure": SERVICE_CIPHERTEXT, "x": 1}
    assert "orders:admin" not in loaded.secret_keys
    only_secure = stack.replace("    x: 1\n", "")
    loaded = load_stack_config(_program(tmp_path, only_secure), "prod")
    assert loaded.config["orders:admin"] == "{}" and "orders:admin" in loaded.secret_keys


@pytest.mark.parametrize("scheme", ["gcpkms", "awskms", "azurekeyvault", "hashivault"])
def test_every_kms_the_cli_supports_gives_placeholders(tmp_path: Path, scheme: str) -> None:
    stack = GCPKMS_STACK.replace("gcpkms://projects/acme/locations/global/keyRings/pulumi/cryptoKeys/", f"{scheme}://")
    loaded = load_stack_config(_program(tmp_path, stack), "prod")
    assert loaded.config["orders:rootPassword"] == SECRET_PLACEHOLDER and "orders:rootPassword" in loaded.secret_keys
    [warning] = [w for w in loaded.warnings if "cannot be reached offline" in w]
    assert f"{scheme}://stacks" in warning


def test_a_pulumi_cloud_stack_ignores_a_passphrase_set_for_other_stacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "for the dev stacks")
    loaded = load_stack_config(_program(tmp_path, PULUMI_CLOUD_STACK), "prod")
    assert loaded.unreachable_secret_keys == ["orders:admin", "orders:replicaCount", "orders:rootPassword"]


def test_a_stack_without_secrets_says_nothing_about_them(tmp_path: Path) -> None:
    stack = "config:\n  orders:rootPassword: plain\n"
    project = "name: orders\nruntime: python\n"
    loaded = load_stack_config(_program(tmp_path, stack, project), "prod")
    assert loaded.warnings == [] and loaded.unreachable_secret_keys == []


def test_a_pulumi_cloud_ciphertext_that_is_not_base64_names_the_key(tmp_path: Path) -> None:
    stack = PULUMI_CLOUD_STACK.replace(
        f"password:\n      secure: {SERVICE_CIPHERTEXT}", "password:\n      secure: AAAB-not!"
    )
    with pytest.raises(StackConfigError) as caught:
        load_stack_config(_program(tmp_path, stack), "prod")
    assert "Pulumi.prod.yaml" in str(caught.value) and "orders:admin.password" in str(caught.value)


def test_an_unknown_secrets_provider_is_refused(tmp_path: Path) -> None:
    stack = "secretsprovider: vaultwarden://key\n" + PULUMI_CLOUD_STACK
    with pytest.raises(StackConfigError, match=r"vaultwarden://key.*not a secrets provider the CLI knows") as caught:
        load_stack_config(_program(tmp_path, stack), "prod")
    assert "Pulumi.prod.yaml" in str(caught.value)
