"""Stack config read and checked as `pulumi preview --stack S` does (pkg/workspace/config.go and friends).

Each case builds a throw-away project; every refusal must be a StackConfigError naming the file and the key,
never another exception.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from agencyos_infra.stackconfig import (
    SECRET_PLACEHOLDER,
    StackConfig,
    StackConfigError,
    encrypt_value,
    load_stack_config,
    passphrase_key,
)

REPO = Path(__file__).resolve().parent.parent
SALT = b"saltsaltsalt"
PASSPHRASE = "correct horse"

PROJECT = """\
name: proj
runtime: python
description: A test project.
config:
  region:
    type: string
  size:
    type: integer
    default: 10
  debug:
    type: boolean
    default: false
  zones:
    type: array
    items: {type: string}
    default: []
  db:
    type: object
    default: {}
  gcp:project:
    value: from-project
"""
SECRET_PROJECT = PROJECT + "  token:\n    type: string\n    secret: true\n"


@pytest.fixture(autouse=True)
def _no_passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE", raising=False)
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE_FILE", raising=False)


def _write(directory: Path, project: str | bytes, stack: str | bytes, main: str | None = "__main__.py") -> Path:
    for name, content in (("Pulumi.yaml", project), ("Pulumi.dev.yaml", stack)):
        path = directory / name
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
    if main:
        (directory / main).write_text("")
    return directory


def _load(tmp_path: Path, stack: str | bytes, project: str | bytes = PROJECT) -> StackConfig:
    return load_stack_config(_write(tmp_path, project, stack), "dev")


def _refused(tmp_path: Path, stack: str | bytes, project: str | bytes = PROJECT, *names: str) -> str:
    """The error message of a refused load; it must name the given file(s) and keys."""
    with pytest.raises(StackConfigError) as caught:
        _load(tmp_path, stack, project)
    message = str(caught.value)
    for name in names:
        assert name in message, message
    return message


def _key() -> bytes:
    return passphrase_key(PASSPHRASE, SALT)


def _salt_line(key: bytes | None = None) -> str:
    return f"encryptionsalt: v1:{base64.b64encode(SALT).decode()}:{encrypt_value(key or _key(), 'pulumi')}\n"


# --- The CLI's rules -----------------------------------------------------------------------------------------


def test_project_defaults_and_values_fill_what_the_stack_does_not_set(tmp_path: Path) -> None:
    loaded = _load(tmp_path, "config:\n  proj:region: europe-west1\n")
    assert loaded.config["proj:region"] == "europe-west1"
    assert loaded.config["proj:size"] == "10" and loaded.config["proj:debug"] == "false"
    assert loaded.config["proj:zones"] == "[]" and loaded.config["proj:db"] == "{}"
    assert loaded.config["gcp:project"] == "from-project"


def test_stack_values_override_project_values(tmp_path: Path) -> None:
    loaded = _load(
        tmp_path,
        "config:\n  proj:region: r\n  gcp:project: mine\n  size: 20\n",
        PROJECT,
    )
    assert loaded.config["gcp:project"] == "mine" and loaded.config["proj:size"] == "20"


def test_a_declared_key_without_default_must_be_set(tmp_path: Path) -> None:
    message = _refused(tmp_path, "config: {}\n", PROJECT, "Pulumi.dev.yaml", "proj:region", "pulumi config set")
    assert "Stack 'dev' is missing configuration value 'proj:region'" in message


def test_all_missing_keys_are_named_at_once(tmp_path: Path) -> None:
    project = "name: proj\nruntime: python\nconfig:\n  b:\n    type: string\n  a:\n    type: integer\n"
    message = _refused(tmp_path, "config: {}\n", project, "Pulumi.dev.yaml")
    assert "missing configuration values 'proj:a' and 'proj:b'" in message


def test_keys_of_other_namespaces_are_not_required(tmp_path: Path) -> None:
    project = "name: proj\nruntime: python\nconfig:\n  gcp:region:\n    value: us-central1\n"
    assert _load(tmp_path, "config: {}\n", project).config == {"gcp:region": "us-central1"}


def test_shorthand_values_are_defaults_in_the_project_namespace_and_values_elsewhere(tmp_path: Path) -> None:
    project = "name: proj\nruntime: python\nconfig:\n  tier: small\n  gcp:zone: a\n  flags: [x, y]\n"
    assert _load(tmp_path, "config: {}\n", project).config == {
        "proj:tier": "small",
        "gcp:zone": "a",
        "proj:flags": '["x","y"]',
    }


@pytest.mark.parametrize(
    ("key", "value", "type_name"),
    [
        ("size", "ten", "integer"),
        ("size", "2.5", "integer"),
        ("size", "[1]", "integer"),
        ("debug", "yes", "boolean"),
        ("debug", "on", "boolean"),
        ("debug", "1", "boolean"),
        ("region", "[a]", "string"),
        ("region", "{a: b}", "string"),
        ("zones", "a", "array<string>"),
        ("zones", "[1, a]", "array<string>"),
        ("db", "[]", "object"),
        ("db", "text", "object"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused(tmp_path: Path, key: str, value: str, type_name: str) -> None:
    region = "" if key == "region" else "  proj:region: r\n"
    stack = f"config:\n{region}  proj:{key}: {value}\n"
    message = _refused(tmp_path, stack, PROJECT, "Pulumi.dev.yaml", f"'{key}'")
    assert f"must be of type '{type_name}'" in message


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("size", '"10"', "10"),  # an integer may be a string that parses as one (ValidateConfigValue)
        ("size", "010", "8"),  # yaml.v3 reads a leading zero as octal
        ("size", "1_000", "1000"),
        ("size", "-3", "-3"),
        ("debug", "true", "true"),
        ("debug", "True", "true"),
        ("debug", '"false"', "false"),
        ("region", "10", "10"),  # any scalar is a string to the CLI
        ("region", "10:00", "10:00"),
        ("region", "yes", "yes"),
        ("zones", "[a, b]", '["a","b"]'),
        ("db", "{tier: x, diskSizeGb: 100}", '{"diskSizeGb":100,"tier":"x"}'),
    ],
)
def test_values_of_the_declared_type_are_accepted(tmp_path: Path, key: str, value: str, expected: str) -> None:
    region = "" if key == "region" else "  proj:region: r\n"
    loaded = _load(tmp_path, f"config:\n{region}  proj:{key}: {value}\n")
    assert loaded.config[f"proj:{key}"] == expected


def test_arrays_of_integers_check_their_items(tmp_path: Path) -> None:
    project = "name: proj\nruntime: python\nconfig:\n  ports:\n    type: array\n    items: {type: integer}\n"
    assert _load(tmp_path, "config:\n  proj:ports: [80, 443]\n", project).config["proj:ports"] == "[80,443]"
    _refused(tmp_path, "config:\n  proj:ports: [80, http]\n", project, "Pulumi.dev.yaml", "'ports'", "array<integer>")


def test_a_secret_key_in_plain_text_is_refused(tmp_path: Path) -> None:
    message = _refused(
        tmp_path,
        "config:\n  proj:region: r\n  proj:token: plain\n",
        SECRET_PROJECT,
        "Pulumi.dev.yaml",
        "'token'",
        "--secret",
    )
    assert "must be encrypted as it's secret" in message


def test_a_secret_key_left_to_its_default_is_refused_as_the_cli_does(tmp_path: Path) -> None:
    project = SECRET_PROJECT + "    default: none\n"
    _refused(tmp_path, "config:\n  proj:region: r\n", project, "Pulumi.yaml", "'token'", "must be encrypted")


def test_a_secure_secret_key_is_accepted_and_decrypted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", PASSPHRASE)
    stack = f"{_salt_line()}config:\n  proj:region: r\n  proj:token:\n    secure: {encrypt_value(_key(), 'hunter2')}\n"
    loaded = _load(tmp_path, stack, SECRET_PROJECT)
    assert loaded.config["proj:token"] == "hunter2" and loaded.secret_keys == ["proj:token"]
    assert loaded.undecrypted_keys == []


def test_nested_secure_values_are_decrypted_and_the_whole_key_is_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", PASSPHRASE)
    secret = encrypt_value(_key(), "pw")
    stack = (
        f"{_salt_line()}config:\n  proj:region: r\n  proj:token:\n    secure: {encrypt_value(_key(), 't')}\n"
        f"  proj:db:\n    tier: x\n    users:\n      - name: app\n        password:\n          secure: {secret}\n"
    )
    loaded = _load(tmp_path, stack, SECRET_PROJECT)
    assert json.loads(loaded.config["proj:db"]) == {"tier": "x", "users": [{"name": "app", "password": "pw"}]}
    assert "proj:db" in loaded.secret_keys


def test_without_a_passphrase_secrets_are_placeholders_still_secret(tmp_path: Path) -> None:
    stack = (
        f"{_salt_line()}config:\n  proj:region: r\n  proj:token:\n    secure: {encrypt_value(_key(), 't')}\n"
        f"  proj:db:\n    password:\n      secure: {encrypt_value(_key(), 'pw')}\n"
    )
    loaded = _load(tmp_path, stack, SECRET_PROJECT)
    assert loaded.config["proj:token"] == SECRET_PLACEHOLDER
    assert json.loads(loaded.config["proj:db"]) == {"password": SECRET_PLACEHOLDER}
    assert loaded.undecrypted_keys == ["proj:db", "proj:token"] and set(loaded.secret_keys) == set(
        loaded.undecrypted_keys
    )


def test_another_secrets_provider_leaves_placeholders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", PASSPHRASE)
    stack = "secretsprovider: gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k\n"
    stack += "config:\n  proj:region: r\n  proj:token:\n    secure: AAAAAA==\n"
    loaded = _load(tmp_path, stack, SECRET_PROJECT)
    # The KMS holds the key, not a passphrase: said once among the warnings, not as a missing passphrase.
    assert loaded.unreachable_secret_keys == ["proj:token"] and loaded.undecrypted_keys == []
    assert loaded.config["proj:token"] == SECRET_PLACEHOLDER and loaded.secret_keys == ["proj:token"]


# --- YAML as the CLI reads it (gopkg.in/yaml.v3) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10:00", "10:00"),
        ("yes", "yes"),
        ("no", "no"),
        ("on", "on"),
        ("off", "off"),
        ("y", "y"),
        ("TRUE", "true"),
        ("tRue", "tRue"),
        ("010", "8"),
        ("0x1F", "31"),
        ("0b101", "5"),
        ("09", "9"),
        ("1.50", "1.5"),
        ("1e3", "1000"),
        ("2024-01-15", "2024-01-15 00:00:00 +0000 UTC"),
        ("2024-01-15T10:00:00+01:00", "2024-01-15 10:00:00 +0100 +0100"),
        ("2024-02-30", "2024-02-30"),
        ("~", ""),
        ('"010"', "010"),
        ("<x>&", "<x>&"),
    ],
)
def test_scalars_are_read_as_yaml_v3_reads_them(tmp_path: Path, text: str, expected: str) -> None:
    project = "name: proj\nruntime: python\n"
    loaded = _load(tmp_path, f"config:\n  proj:value: {text}\n", project)
    assert loaded.config["proj:value"] == expected


def test_objects_are_go_json(tmp_path: Path) -> None:
    project = "name: proj\nruntime: python\n"
    stack = "config:\n  proj:value:\n    z: <b>\n    a: [1, 2.5, null, yes, true, 2024-01-15]\n"
    assert _load(tmp_path, stack, project).config["proj:value"] == (
        '{"a":[1,2.5,null,"yes",true,"2024-01-15 00:00:00 +0000 UTC"],"z":"\\u003cb\\u003e"}'
    )


def test_bare_and_legacy_keys_are_namespaced(tmp_path: Path) -> None:
    project = "name: proj\nruntime: python\n"
    loaded = _load(tmp_path, "config:\n  plain: a\n  gcp:config:zone: b\n", project)
    assert loaded.config == {"proj:plain": "a", "gcp:zone": "b"}


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    message = _refused(tmp_path, "config:\n  proj:region: a\n  proj:region: b\n", PROJECT, "Pulumi.dev.yaml")
    assert 'mapping key "proj:region" already defined at line 2' in message


def test_duplicate_keys_inside_values_are_refused(tmp_path: Path) -> None:
    stack = "config:\n  proj:region: r\n  proj:db:\n    tier: a\n    tier: b\n"
    _refused(tmp_path, stack, PROJECT, "Pulumi.dev.yaml", 'mapping key "tier" already defined')


def test_a_key_set_bare_and_namespaced_is_refused(tmp_path: Path) -> None:
    _refused(tmp_path, "config:\n  region: a\n  proj:region: b\n", PROJECT, "Pulumi.dev.yaml", "proj:region", "twice")


def test_duplicate_keys_in_the_project_are_refused(tmp_path: Path) -> None:
    _refused(tmp_path, "config: {}\n", "name: proj\nname: other\n", "Pulumi.yaml", "already defined")


def test_deeply_nested_values_are_read(tmp_path: Path) -> None:
    project = "name: proj\nruntime: python\n"
    loaded = _load(tmp_path, "config:\n  proj:deep: " + "[" * 200 + "1" + "]" * 200 + "\n", project)
    assert loaded.config["proj:deep"] == "[" * 200 + "1" + "]" * 200


@pytest.mark.parametrize("depth", [1_000, 5_000])
def test_too_deeply_nested_values_are_a_clear_error(tmp_path: Path, depth: int) -> None:
    project = "name: proj\nruntime: python\n"
    _refused(tmp_path, "config:\n  proj:deep: " + "[" * depth + "]" * depth + "\n", project, "Pulumi.dev.yaml", "deep")


# --- Malformed inputs: StackConfigError naming the file (and key), nothing else ----------------------------


@pytest.mark.parametrize(
    ("stack", "names"),
    [
        ("config:\n  - a\n  - b\n", ("Pulumi.dev.yaml", "'config'", "a list")),
        ("config: just text\n", ("Pulumi.dev.yaml", "'config'", "a string")),
        ("config:\n  10: x\n", ("Pulumi.dev.yaml", "config", "10", "string")),
        ("config:\n  null: x\n", ("Pulumi.dev.yaml", "null", "string")),
        ("config:\n  ~: x\n", ("Pulumi.dev.yaml", "null")),
        ("config:\n  true: x\n", ("Pulumi.dev.yaml", "true")),
        ("config:\n  proj:db:\n    1: x\n", ("Pulumi.dev.yaml", "config.proj:db", "1")),
        ("config:\n  a:b:c: x\n", ("Pulumi.dev.yaml", "a:b:c", "<namespace>:<name>")),
        ("- a\n- b\n", ("Pulumi.dev.yaml", "mapping at the top level")),
        ("just text\n", ("Pulumi.dev.yaml", "mapping at the top level")),
        ("config: [unclosed\n", ("Pulumi.dev.yaml", "not valid YAML", "line")),
        ("config:\n  proj:x: !!int abc\n", ("Pulumi.dev.yaml", "not valid YAML", "!!int")),
        ("config:\n  proj:x: .inf\n", ("Pulumi.dev.yaml", "proj:x", "inf")),
    ],
)
def test_malformed_stack_files_are_refused_clearly(tmp_path: Path, stack: str, names: tuple[str, ...]) -> None:
    message = _refused(tmp_path, stack, "name: proj\nruntime: python\n", *names)
    assert "\n" not in message


def test_a_binary_stack_file_is_refused(tmp_path: Path) -> None:
    _refused(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", PROJECT, "Pulumi.dev.yaml", "not UTF-8")


def test_control_characters_are_refused(tmp_path: Path) -> None:
    _refused(tmp_path, b"config:\n  proj:region: a\x00b\n", PROJECT, "Pulumi.dev.yaml", "not valid YAML")


def test_an_empty_stack_file_is_an_empty_config(tmp_path: Path) -> None:
    assert _load(tmp_path, "", "name: proj\nruntime: python\n").config == {}


def test_a_utf8_bom_is_ignored(tmp_path: Path) -> None:
    loaded = _load(tmp_path, "\ufeffconfig:\n  proj:region: é\n".encode(), "name: proj\nruntime: python\n")
    assert loaded.config == {"proj:region": "é"}


@pytest.mark.parametrize(
    ("project", "names"),
    [
        ("- a\n- b\n", ("Pulumi.yaml", "mapping at the top level")),
        ("runtime: python\n", ("Pulumi.yaml", "'name'")),
        ("name: ''\n", ("Pulumi.yaml", "'name'")),
        ("name: [a]\n", ("Pulumi.yaml", "'name'")),
        ("name: proj\nruntime: python\nconfig:\n  - a\n  - b\n", ("Pulumi.yaml", "'config'", "a list")),
        ("name: proj\nruntime: python\nconfig:\n  10: {type: string}\n", ("Pulumi.yaml", "10", "string")),
        ("name: proj\nruntime: python\nconfig:\n  x: 1.5\n", ("Pulumi.yaml", "'x'")),
        ("name: proj\nruntime: python\nconfig:\n  x:\n", ("Pulumi.yaml", "'x'")),
        ("name: proj\nruntime: python\nconfig:\n  x: {type: str}\n", ("Pulumi.yaml", "'x'", "type must be one of")),
        ("name: proj\nruntime: python\nconfig:\n  x: {type: array}\n", ("Pulumi.yaml", "'x'", "'items'")),
        ("name: proj\nruntime: python\nconfig:\n  x: {type: array, items: string}\n", ("Pulumi.yaml", "'x'", "items")),
        (
            "name: proj\nruntime: python\nconfig:\n  x: {type: integer, default: ten}\n",
            ("Pulumi.yaml", "'x'", "'integer'"),
        ),
        (
            "name: proj\nruntime: python\nconfig:\n  x: {type: string, default: 10}\n",
            ("Pulumi.yaml", "'x'", "'string'"),
        ),
        ("name: proj\nruntime: python\nconfig:\n  x: {default: a, value: b}\n", ("Pulumi.yaml", "'x'", "both")),
        ("name: proj\nruntime: python\nconfig:\n  x: {tier: a}\n", ("Pulumi.yaml", "'x'", "'tier'")),
        (
            "name: proj\nruntime: python\nconfig:\n  gcp:project: {type: string}\n",
            ("Pulumi.yaml", "'gcp:project'", "type"),
        ),
        (
            "name: proj\nruntime: python\nconfig:\n  gcp:project: {default: a}\n",
            ("Pulumi.yaml", "'gcp:project'", "'value'"),
        ),
        (
            "name: proj\nruntime: python\nconfig:\n  gcp:project: {description: d}\n",
            ("Pulumi.yaml", "'gcp:project'", "'value'"),
        ),
        ("name: proj\nruntime: python\nconfig: a\nstackConfigDir: b\n", ("Pulumi.yaml", "stackConfigDir")),
        ("name: proj\nruntime: python\nmain: missing/\n", ("Pulumi.yaml", "'main'", "missing")),
        ("name: proj\nruntime: python\nmain: [a]\n", ("Pulumi.yaml", "'main'")),
        ("name: proj\nruntime: [python]\n", ("Pulumi.yaml", "'runtime'")),
    ],
)
def test_malformed_projects_are_refused_clearly(tmp_path: Path, project: str, names: tuple[str, ...]) -> None:
    _refused(tmp_path, "config: {}\n", project, *names)


def test_main_names_the_program_directory(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    loaded = load_stack_config(
        _write(tmp_path, "name: proj\nruntime: python\nmain: src\n", "", main="src/__main__.py"), "dev"
    )
    assert loaded.program_dir == (tmp_path / "src").resolve()


def test_a_config_string_is_the_stack_config_directory(tmp_path: Path) -> None:
    (tmp_path / "stacks").mkdir()
    (tmp_path / "Pulumi.yaml").write_text("name: proj\nruntime: python\nconfig: stacks\n")
    (tmp_path / "stacks" / "Pulumi.dev.yaml").write_text("config:\n  proj:a: b\n")
    (tmp_path / "__main__.py").write_text("")
    assert load_stack_config(tmp_path, "dev").config == {"proj:a": "b"}


@pytest.mark.parametrize("main", [None, "src"])
def test_a_program_directory_without_main_py_names_the_fix(tmp_path: Path, main: str | None) -> None:
    (tmp_path / "src").mkdir()
    project = "name: proj\nruntime: python\n" + (f"main: {main}\n" if main else "")
    with pytest.raises(StackConfigError, match=r"Pulumi\.yaml: no __main__\.py in .*set `main:`"):
        load_stack_config(_write(tmp_path, project, "", main=None), "dev")


def test_a_missing_stack_names_the_existing_ones(tmp_path: Path) -> None:
    with pytest.raises(StackConfigError, match=r"no stack file Pulumi\.nope\.yaml.*existing stacks: dev"):
        load_stack_config(_write(tmp_path, PROJECT, ""), "nope")


def test_a_stack_name_cannot_be_a_path(tmp_path: Path) -> None:
    with pytest.raises(StackConfigError, match="not a valid stack name"):
        load_stack_config(_write(tmp_path, PROJECT, ""), "../dev")


# --- Secrets: malformed and wrong ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ciphertext",
    ["not-a-ciphertext", "v2:AAAAAAAAAAAAAAAA:AAAA", "v1:!!!:AAAA", "v1:AAAA:AAAA", "v1:AAAAAAAAAAAAAAAA:A"],
)
def test_a_bad_secure_value_names_the_key(tmp_path: Path, ciphertext: str) -> None:
    stack = f"{_salt_line()}config:\n  proj:region: r\n  proj:token:\n    secure: {ciphertext}\n"
    _refused(tmp_path, stack, SECRET_PROJECT, "Pulumi.dev.yaml", "proj:token", "pulumi config set --secret")


def test_a_bad_nested_secure_value_names_the_key_and_path(tmp_path: Path) -> None:
    stack = f"{_salt_line()}config:\n  proj:region: r\n  proj:db:\n    pw:\n      secure: nope\n"
    _refused(tmp_path, stack, PROJECT, "Pulumi.dev.yaml", "proj:db.pw")


@pytest.mark.parametrize(
    "salt",
    ["nope", "v2:c2FsdA==:v1:AAAAAAAAAAAAAAAA:AAAA", "v1:!!!:v1:AAAAAAAAAAAAAAAA:AAAA", "v1:c2FsdA==:garbage", "12"],
)
def test_a_bad_encryptionsalt_is_refused(tmp_path: Path, salt: str) -> None:
    _refused(
        tmp_path, f"encryptionsalt: {salt}\nconfig:\n  proj:region: r\n", PROJECT, "Pulumi.dev.yaml", "encryptionsalt"
    )


def test_a_missing_passphrase_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE_FILE", str(tmp_path / "absent.txt"))
    stack = f"{_salt_line()}config:\n  proj:region: r\n  proj:token:\n    secure: {encrypt_value(_key(), 't')}\n"
    _refused(tmp_path, stack, SECRET_PROJECT, "PULUMI_CONFIG_PASSPHRASE_FILE", "absent.txt")


def test_the_passphrase_file_is_read_and_trimmed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pp.txt").write_text(f"  {PASSPHRASE}\n\n")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE_FILE", str(tmp_path / "pp.txt"))
    stack = f"{_salt_line()}config:\n  proj:region: r\n  proj:token:\n    secure: {encrypt_value(_key(), 't')}\n"
    assert _load(tmp_path, stack, SECRET_PROJECT).config["proj:token"] == "t"


def test_a_wrong_passphrase_names_the_file_and_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "wrong")
    stack = f"{_salt_line()}config:\n  proj:region: r\n  proj:token:\n    secure: {encrypt_value(_key(), 't')}\n"
    message = _refused(tmp_path, stack, SECRET_PROJECT, "Pulumi.dev.yaml", "proj:token", "PULUMI_CONFIG_PASSPHRASE")
    assert "does not decrypt" in message and "incorrect passphrase" in message


def test_a_value_encrypted_for_another_stack_names_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", PASSPHRASE)
    other = encrypt_value(passphrase_key("other", SALT), "t")
    stack = f"{_salt_line()}config:\n  proj:region: r\n  proj:token:\n    secure: {other}\n"
    _refused(tmp_path, stack, SECRET_PROJECT, "Pulumi.dev.yaml", "proj:token", "does not decrypt")


# --- Stack tags ------------------------------------------------------------------------------------------------


def test_stack_tags_are_the_clis(tmp_path: Path) -> None:
    project = "name: proj\nruntime:\n  name: python\ndescription: d\nconfig:\n  pulumi:tags:\n    value: {team: a}\n"
    loaded = _load(tmp_path, "config:\n  pulumi:tags: {owner: b}\n", project)
    assert loaded.tags == {
        "pulumi:project": "proj",
        "pulumi:runtime": "python",
        "pulumi:description": "d",
        "owner": "b",
    }


def test_stack_tags_must_be_strings(tmp_path: Path) -> None:
    _refused(
        tmp_path,
        "config:\n  pulumi:tags: {n: 1}\n",
        "name: proj\nruntime: python\n",
        "Pulumi.dev.yaml",
        "pulumi:tags[n]",
    )


# --- The repository's own stacks -----------------------------------------------------------------------------

REPO_STACKS = sorted([*REPO.glob("Pulumi.*.yaml"), *(REPO / "examples").glob("*/Pulumi.*.yaml")], key=lambda p: str(p))


@pytest.mark.parametrize("stack_file", REPO_STACKS, ids=lambda p: str(p.relative_to(REPO)))
def test_repository_stacks_pass_the_clis_config_rules(stack_file: Path) -> None:
    """Depends on the repository's Pulumi.yaml and stack files, not only on the loader."""
    stack = stack_file.name[len("Pulumi.") : -len(".yaml")]
    loaded = load_stack_config(stack_file.parent, stack)
    assert loaded.project and loaded.stack == stack and loaded.warnings == []
