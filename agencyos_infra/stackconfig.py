"""Reads a Pulumi project and one of its stacks' config as ``pulumi preview --stack S`` does, rules included.

Every rule below is the CLI's, taken from its source (pulumi/pulumi):

- Reading: ``sdk/go/common/workspace/loaders.go`` (LoadProject, LoadProjectStack: UTF-8 BOM stripped, the
  whole document must have string keys, bare stack keys are put in the project's namespace) and
  ``sdk/go/common/resource/config/key.go`` (keys are ``<namespace>:<name>`` or ``<namespace>:config:<name>``).
- ``Pulumi.yaml``: ``sdk/go/common/workspace/project.go`` (ValidateProject's schema, shorthand values,
  ``config: <dir>`` meaning ``stackConfigDir``, Project.Validate: types, ``items`` for arrays, defaults of
  the declared type, keys of other namespaces only with ``value:``) and ``pkg/engine/project.go`` (``main:``).
- Merge and validation: ``pkg/workspace/config.go`` (mergeConfig, validateStackConfigValue): project
  ``value:``/``default:`` fill keys the stack does not set; a project-namespace key declared without either
  and not set fails ("Stack 'S' is missing configuration value ..."); a typed key's value must have the
  declared type (workspace.ValidateConfigValue: an integer may be written as a string that parses as one,
  a boolean as the string ``true``/``false``); a ``secret: true`` typed key must be ``secure:``.
- Values: ``sdk/go/common/resource/config/{value,object,plaintext}.go``: scalars become their text, objects
  and arrays compact JSON with sorted keys (Go's encoding/json, HTML characters escaped), a top-level null
  the empty string; a ``{secure: ...}`` anywhere inside a value is decrypted and marks the whole key secret.
- Secrets: ``pkg/secrets/passphrase/manager.go`` and ``config/crypt.go`` (passphrase from
  ``PULUMI_CONFIG_PASSPHRASE``, else the file named by ``PULUMI_CONFIG_PASSPHRASE_FILE``, whitespace-trimmed;
  ``encryptionsalt`` is ``v1:<salt b64>:<ciphertext of "pulumi">``; values are ``v1:<nonce b64>:<b64>``).
- Stack tags (sent to policy packs in ConfigureStack): ``pkg/backend/stack.go``
  GetEnvironmentTagsForCurrentStack: ``pulumi:project``, ``pulumi:runtime``, ``pulumi:description`` (when
  Pulumi.yaml has one) and the entries of the ``pulumi:tags`` config object. The git tags it also adds
  (``vcs:*``) are left out: they describe a checkout, not the stack.

YAML is read as Go's gopkg.in/yaml.v3 reads it, the parser the CLI uses. PyYAML with a loader whose scalar
resolution is a port of yaml.v3's ``resolve()`` was chosen over ruamel.yaml: yaml.v3 is not plain YAML 1.2
core either (``010`` is octal 8, ``1_000`` is 1000, ``0b101`` is 5, ``09`` is the float 9), so a 1.2 library
would be less faithful, and PyYAML is already a dependency. So: only ``true``/``True``/``TRUE`` and the
``false`` forms are booleans (``yes``, ``on``, ``no`` stay strings), ``10:00`` stays a string, timestamps
become Go's ``time.Time.String()`` text as the CLI passes them on (local time zone taken as UTC), a
mapping key given twice is refused ("mapping key ... already defined"), and so are yaml.v3's alias bombs
("document contains excessive aliasing": past 1,000 values, at most 99 % may come from aliases) and an anchor
holding its own alias.

Where this loader is deliberately kinder than the CLI: without a passphrase, ``secure:`` values become a
placeholder that stays secret (the CLI would stop and ask), and their type is then not checked. Secrets whose
key a service holds (Pulumi Cloud, the default when a stack file has neither ``secretsprovider`` nor
``encryptionsalt``; ``gcpkms://``, ``awskms://``, ``azurekeyvault://``, ``hashivault://``: pkg/secrets/service
and pkg/secrets/cloud, ``pkg/cmd/pulumi/stack/secrets.go`` GetSecretsManager) cannot be decrypted offline:
they are placeholders too, said once among the warnings. A placeholder is text of the key's declared type
(``[secret]``, ``0``, ``false``, ``[]``, ``{}``), so ``require_secret_int`` and friends still read it.
A stack file that does not exist is an error (the CLI would look the stack up in its backend). Both ``x``
and ``<project>:x`` in one stack file is an error (the CLI keeps one of the two at random). ESC
``environment:`` imports cannot be resolved offline: a warning.

Every problem raises :class:`StackConfigError` with one line naming the file, the key and the fix.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import hashlib
import json
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from agencyos_infra.yaml_bound import AliasBound, ExcessiveAliasing

SECRET_PLACEHOLDER = "[secret]"
_PBKDF2_ITERATIONS = 1_000_000
_KEY_BYTES = 32
_NONCE_BYTES = 12
_SALT_CHECK_PLAINTEXT = "pulumi"
_TYPES = ("string", "integer", "boolean", "array", "object")
_STACK_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
_DECLARATION_FIELDS = {"type", "items", "description", "secret", "default", "value"}


class StackConfigError(ValueError):
    """The project or stack file cannot be used; the message says which file, which key and what to do."""


@dataclass
class StackConfig:
    project: str
    stack: str
    program_dir: Path
    config: dict[str, str] = field(default_factory=dict)
    secret_keys: list[str] = field(default_factory=list)
    #: Secure keys the passphrase provider would decrypt, but no passphrase is set: placeholders.
    undecrypted_keys: list[str] = field(default_factory=list)
    #: Secure keys whose key is held by a service offline cannot reach (Pulumi Cloud, a cloud KMS, Vault):
    #: placeholders, said once among ``warnings``.
    unreachable_secret_keys: list[str] = field(default_factory=list)
    #: The stack's tags as the CLI sends them to policy packs (ConfigureStack): pulumi:project,
    #: pulumi:runtime, pulumi:description and the ``pulumi:tags`` config object.
    tags: dict[str, str] = field(default_factory=dict)
    #: What the CLI would warn about (null values, ESC environments); print them, they do not stop a run.
    warnings: list[str] = field(default_factory=list)
    #: ``main:`` resolved (a directory, or a file whose directory is ``program_dir``).
    main: Path | None = None
    project_file: Path | None = None
    stack_file: Path | None = None


def load_stack_config(program_dir: Path, stack: str) -> StackConfig:
    """Project name, the program's main directory and the stack's config, checked as the CLI checks them."""
    try:
        return _load(Path(program_dir), stack)
    except RecursionError:
        raise StackConfigError(
            f"{program_dir}: the stack's config values are nested too deeply to read; flatten them"
        ) from None


def _load(program_dir: Path, stack: str) -> StackConfig:
    project_file = _project_file(program_dir)
    project = _Project(project_file, _read_yaml(project_file, what="project file"))
    stack = _short_stack_name(stack, project.name)
    main = project.main_path()
    stack_file = _stack_file(project, stack)
    stack_doc = _read_yaml(stack_file, what="stack file")
    result = StackConfig(
        project=project.name,
        stack=stack,
        program_dir=main if main.is_dir() else main.parent,
        main=main,
        project_file=project_file,
        stack_file=stack_file,
    )
    values = _stack_values(project, stack_file, stack_doc, result)
    _decrypt(project, stack_file, stack_doc, values, result)
    _merge_project_config(project, stack_file, stack, values)
    _validate(project, stack_file, stack, values)
    for full_key in sorted(values):
        value = values[full_key]
        result.config[full_key] = value.text(stack_file, full_key)
        if value.secure:
            result.secret_keys.append(full_key)
    result.tags = _tags(project, stack_file, values)
    return result


# --- Secrets (passphrase provider) -------------------------------------------------------------------------


def passphrase_key(passphrase: str, salt: bytes) -> bytes:
    """The passphrase provider's key: PBKDF2-SHA256, 1,000,000 iterations, 32 bytes."""
    return hashlib.pbkdf2_hmac(
        "sha256", passphrase.encode("utf-8", "surrogateescape"), salt, _PBKDF2_ITERATIONS, _KEY_BYTES
    )


def decrypt_value(key: bytes, ciphertext: str) -> str:
    """Decrypt ``v1:<nonce b64>:<ciphertext+tag b64>`` (AES-256-GCM)."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce, sealed = _parse_ciphertext(ciphertext)
    try:
        plaintext = AESGCM(key).decrypt(nonce, sealed, None)
    except InvalidTag:
        raise StackConfigError("a secure value does not decrypt with this passphrase") from None
    return plaintext.decode("utf-8", "replace")


def encrypt_value(key: bytes, plaintext: str, nonce: bytes | None = None) -> str:
    """The inverse of :func:`decrypt_value`, for writing test fixtures."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = nonce or os.urandom(_NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), None)
    return f"v1:{base64.b64encode(nonce).decode()}:{base64.b64encode(sealed).decode()}"


def _parse_ciphertext(ciphertext: str) -> tuple[bytes, bytes]:
    """symmetricCrypter.DecryptValue's checks, before any key is needed."""
    parts = ciphertext.split(":")
    if len(parts) != 3:
        raise StackConfigError("a secure value is not in the v1:<nonce>:<ciphertext> format (bad value)")
    if parts[0] != "v1":
        raise StackConfigError(f"a secure value has the unknown version {parts[0]!r} (expected v1)")
    try:
        nonce = base64.b64decode(parts[1], validate=True)
        sealed = base64.b64decode(parts[2], validate=True)
    except (binascii.Error, ValueError):
        raise StackConfigError("a secure value is not valid base64 (bad value)") from None
    if len(nonce) != _NONCE_BYTES:
        raise StackConfigError("a secure value's nonce has the wrong size (bad value)")
    return nonce, sealed


class _Cipher:
    """A ``{secure: <ciphertext>}`` inside a stack value, replaced by its plaintext once decrypted."""

    __slots__ = ("ciphertext", "placeholder", "plaintext")

    def __init__(self, ciphertext: str) -> None:
        self.ciphertext = ciphertext
        self.plaintext: str | None = None
        #: What the program sees while it cannot be decrypted: text of the key's declared type.
        self.placeholder = SECRET_PLACEHOLDER

    def shown(self) -> str:
        return self.plaintext if self.plaintext is not None else self.placeholder


def _ciphers(value: Any, path: str = "") -> list[tuple[str, _Cipher]]:
    found: list[tuple[str, _Cipher]] = []
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, _Cipher):
            found.append((where, item))
        elif isinstance(item, dict):
            stack.extend((f"{where}.{k}", v) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((f"{where}[{i}]", v) for i, v in enumerate(item))
    return found


def _decrypt(
    project: _Project, stack_file: Path, stack_doc: dict[str, Any], values: dict[str, _Value], result: StackConfig
) -> None:
    """Decrypt every secure value the passphrase provider can; otherwise leave placeholders, still secret."""
    secured = [(key, path, cipher) for key, value in values.items() for path, cipher in _ciphers(value.obj)]
    _typed_placeholders(project, secured)
    salt_state = stack_doc.get("encryptionsalt")
    service = _secrets_service(stack_file, stack_doc.get("secretsprovider"), salt_state, secured)
    if service is not None:
        keys = sorted({key for key, _, _ in secured})
        result.unreachable_secret_keys.extend(keys)
        result.warnings.append(
            f"{stack_file}: the stack's secrets are encrypted by {service}, which cannot be reached offline: "
            f"{', '.join(keys)} reached the program as placeholders of their declared type, marked secret; "
            "everything else is judged as given"
        )
        return
    salt = _salt(stack_file, salt_state) if salt_state is not None else None
    for key, path, cipher in secured:
        try:
            _parse_ciphertext(cipher.ciphertext)
        except StackConfigError as error:
            raise StackConfigError(
                f"{stack_file}: {key}{path}: {error}; set it again with `pulumi config set --secret`"
            ) from None
    if not secured:
        return
    passphrase, source = _passphrase()
    if passphrase is None or salt is None:
        if passphrase is not None:
            raise StackConfigError(
                f"{stack_file}: {secured[0][0]} is encrypted but the stack has no encryptionsalt, so no passphrase "
                "decrypts it; set it again with `pulumi config set --secret`"
            )
        result.undecrypted_keys.extend(sorted({key for key, _, _ in secured}))
        return
    key_bytes = passphrase_key(passphrase, salt)
    try:
        check = decrypt_value(key_bytes, str(salt_state).split(":", 2)[2])
    except StackConfigError:
        check = None
    if check != _SALT_CHECK_PLAINTEXT:
        raise StackConfigError(
            f"{stack_file}: cannot decrypt {secured[0][0]}: the passphrase from {source} does not decrypt this "
            "stack's secrets (incorrect passphrase: it does not match the stack's encryptionsalt); set "
            "PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE to this stack's passphrase"
        )
    for key, path, cipher in secured:
        try:
            cipher.plaintext = decrypt_value(key_bytes, cipher.ciphertext)
        except StackConfigError:
            raise StackConfigError(
                f"{stack_file}: {key}{path} does not decrypt with this stack's passphrase (it was encrypted with "
                "another one); set it again with `pulumi config set --secret`"
            ) from None


_CLOUD_KEEPERS = {  # the gocloud.dev drivers pkg/secrets/cloud registers, by URL scheme
    "gcpkms": "Google Cloud KMS",
    "awskms": "AWS KMS",
    "azurekeyvault": "Azure Key Vault",
    "hashivault": "HashiCorp Vault",
}
# Placeholders by the type Pulumi.yaml declares for a key: what require_int/bool/object read without failing.
_TYPED_PLACEHOLDERS = {"integer": "0", "boolean": "false", "array": "[]", "object": "{}"}


def _secrets_service(
    stack_file: Path, provider: Any, salt_state: Any, secured: list[tuple[str, str, _Cipher]]
) -> str | None:
    """The secrets service holding the stack's key, when it is not a passphrase (GetSecretsManager's choice).

    A ``secretsprovider`` URL is a cloud KMS whose data key (``encryptedkey``) only the KMS unwraps. With
    neither that nor an ``encryptionsalt`` the stack is on its backend's default, Pulumi Cloud, whose
    ciphertexts are the service's own bytes in base64 (pkg/secrets/service), not ``v1:<nonce>:<ciphertext>``.
    """
    if not secured:
        return None  # the CLI loads no secrets manager for a config without secure values
    if provider is not None and str(provider) not in ("", "default", "passphrase"):
        url = str(provider)
        scheme = url.split("://", 1)[0] if "://" in url else ""
        if scheme not in _CLOUD_KEEPERS:
            raise StackConfigError(
                f"{stack_file}: secretsprovider {url!r} is not a secrets provider the CLI knows; use passphrase, "
                f"default (Pulumi Cloud) or a {', '.join(f'{name}://' for name in _CLOUD_KEEPERS)} URL"
            )
        return f"{_CLOUD_KEEPERS[scheme]} ({url})"
    if salt_state is not None or any(cipher.ciphertext.startswith("v1:") for _, _, cipher in secured):
        return None  # the passphrase provider's
    for key, path, cipher in secured:
        try:
            base64.b64decode(cipher.ciphertext, validate=True)
        except (binascii.Error, ValueError):
            raise StackConfigError(
                f"{stack_file}: {key}{path}: a secure value is neither a Pulumi Cloud ciphertext (base64) nor "
                "in the passphrase provider's v1:<nonce>:<ciphertext> format (bad value); set it again with "
                "`pulumi config set --secret`"
            ) from None
    return "Pulumi Cloud (the stack's default secrets provider)"


def _typed_placeholders(project: _Project, secured: list[tuple[str, str, _Cipher]]) -> None:
    declared = {project.full_key(key, project.file): declaration for key, declaration in project.config.items()}
    for key, path, cipher in secured:
        declared_type = declared.get(key, {}).get("type")
        if not path and declared_type in _TYPED_PLACEHOLDERS:
            cipher.placeholder = _TYPED_PLACEHOLDERS[declared_type]


def _salt(stack_file: Path, state: Any) -> bytes:
    """symmetricCrypterFromPhraseAndState's checks on ``encryptionsalt``."""
    fix = "restore it from version control or recreate the stack's secrets with `pulumi stack change-secrets-provider`"
    parts = state.split(":", 2) if isinstance(state, str) else []
    if len(parts) != 3 or parts[0] != "v1":
        raise StackConfigError(f"{stack_file}: encryptionsalt is not in the v1:<salt>:<check> format; {fix}")
    try:
        salt = base64.b64decode(parts[1], validate=True)
        _parse_ciphertext(parts[2])
    except (binascii.Error, ValueError):
        raise StackConfigError(
            f"{stack_file}: encryptionsalt is malformed (bad base64 or check value); {fix}"
        ) from None
    return salt


def _passphrase() -> tuple[str | None, str]:
    if "PULUMI_CONFIG_PASSPHRASE" in os.environ:
        return os.environ["PULUMI_CONFIG_PASSPHRASE"], "PULUMI_CONFIG_PASSPHRASE"
    path = os.environ.get("PULUMI_CONFIG_PASSPHRASE_FILE")
    if not path:
        return None, ""
    try:
        text = Path(path).read_bytes().decode("utf-8", "surrogateescape")
    except OSError as error:
        raise StackConfigError(
            f"PULUMI_CONFIG_PASSPHRASE_FILE={path}: cannot read it ({error.strerror or error}); point it at the "
            "file holding the stack's passphrase or unset it"
        ) from None
    return text.strip(), f"PULUMI_CONFIG_PASSPHRASE_FILE ({path})"


# --- Files -------------------------------------------------------------------------------------------------


def _project_file(program_dir: Path) -> Path:
    for candidate in ("Pulumi.yaml", "Pulumi.yml"):
        if (program_dir / candidate).is_file():
            return program_dir / candidate
    raise StackConfigError(f"{program_dir} is not a Pulumi project: it has no Pulumi.yaml")


def _short_stack_name(stack: str, project: str) -> str:
    """``org/project/stack`` or ``org/stack`` as the CLI accepts them; the stack file uses the last part."""
    parts = stack.split("/")
    if len(parts) == 3 and parts[1] != project:
        raise StackConfigError(f"stack {stack!r} belongs to project {parts[1]!r}, not {project!r}")
    qualified = len(parts) in (2, 3) and all(part and part.strip(".") for part in parts)
    return parts[-1] if qualified else stack


def _stack_file(project: _Project, stack: str) -> Path:
    if not _STACK_NAME.fullmatch(stack):
        raise StackConfigError(f"{stack!r} is not a valid stack name: use up to 100 letters, digits, '-', '_' or '.'")
    config_dir = project.stack_config_dir()
    suffix = project.file.suffix
    stack_file = config_dir / f"Pulumi.{stack}{suffix}"
    if stack_file.exists() and not stack_file.is_file():
        # A directory, a device or a pipe under that name: reading it would fail, hang or never end.
        kind = "a directory" if stack_file.is_dir() else "not a regular file (a device or a pipe)"
        raise StackConfigError(f"{stack_file}: the stack file is {kind}; it must be a YAML file")
    if not stack_file.is_file():
        existing = sorted(p.name[len("Pulumi.") : -len(suffix)] for p in config_dir.glob(f"Pulumi.*{suffix}"))
        existing = [name for name in existing if name and (config_dir / f"Pulumi.{name}{suffix}").is_file()]
        known = f"; existing stacks: {', '.join(existing)}" if existing else ""
        raise StackConfigError(
            f"no stack file Pulumi.{stack}{suffix} in {config_dir}: create it (`pulumi stack init {stack}`) "
            f"or pick another --stack{known}"
        )
    return stack_file


def _read_yaml(path: Path, *, what: str) -> dict[str, Any]:
    """Parse one file as yaml.v3 would, refusing what the CLI's loaders refuse."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise StackConfigError(f"{path}: cannot read the {what} ({error.strerror or error})") from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise StackConfigError(
            f"{path}: the {what} is not UTF-8 text (byte {raw[error.start]:#04x} at offset {error.start}); "
            "it must be YAML"
        ) from None
    try:
        document = yaml.load(text, Loader=_GoYamlLoader)
        _check_string_keys(path, document)
    except ExcessiveAliasing as error:
        raise StackConfigError(f"{path}: the {what} is refused: {_one_line(error)}") from None
    except yaml.YAMLError as error:
        raise StackConfigError(f"{path}: not valid YAML ({_one_line(error)})") from None
    except RecursionError:
        raise StackConfigError(f"{path}: values are nested too deeply to read; flatten them") from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise StackConfigError(f"{path}: the {what} must be a mapping at the top level, not {_kind(document)}")
    return document


def _one_line(error: yaml.YAMLError) -> str:
    if isinstance(error, yaml.MarkedYAMLError):
        problem = error.problem or error.context or "syntax error"
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        return " ".join(f"{where}{problem}".split())
    return " ".join(str(error).split())


def _check_string_keys(path: Path, document: Any) -> None:
    """SimplifyMarshalledValue: every mapping key in the document must be a string."""
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if not isinstance(key, str):
                    shown = "null" if key is None else json.dumps(key) if isinstance(key, bool) else repr(key)
                    raise StackConfigError(
                        f"{path}: {where or 'the top level'} has the key {shown}, but keys must be strings "
                        "(expected only string keys); quote it or write it as `<namespace>:<name>`"
                    )
                stack.append((f"{where}.{key}" if where else key, value))
        elif isinstance(item, list):
            stack.extend((f"{where}[{i}]", value) for i, value in enumerate(item))


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


# --- Pulumi.yaml --------------------------------------------------------------------------------------------


class _Project:
    """Pulumi.yaml, checked as LoadProjectBytes checks it (schema subset, shorthand rewrite, Validate)."""

    def __init__(self, path: Path, doc: dict[str, Any]) -> None:
        self.file = path
        self.dir = path.parent
        name = doc.get("name")
        if not isinstance(name, str) or not name:
            raise StackConfigError(
                f"{path}: project is missing a non-empty string 'name' attribute; add `name: <project>`"
            )
        self.name = name
        for attribute in ("main", "stackConfigDir", "description"):
            if doc.get(attribute) is not None and not isinstance(doc[attribute], str):
                raise StackConfigError(f"{path}: '{attribute}' must be a string, not {_kind(doc[attribute])}")
        self.description: str | None = doc.get("description")
        self.runtime = self._runtime(doc.get("runtime"))
        self.stack_dir: str | None = doc.get("stackConfigDir")
        config = doc.get("config")
        if isinstance(config, str):  # RewriteConfigPathIntoStackConfigDir: the old spelling of stackConfigDir
            if self.stack_dir is not None:
                raise StackConfigError(
                    f"{path}: should not use both config and stackConfigDir to define the stack directory; "
                    "use only stackConfigDir"
                )
            self.stack_dir, config = config, None
        if config is not None and not isinstance(config, dict):
            raise StackConfigError(
                f"{path}: 'config' must be a mapping of keys to declarations, not {_kind(config)}; "
                "write `config:` followed by `  key: {type: string}` entries"
            )
        self.main = doc.get("main")
        self.config: dict[str, dict[str, Any]] = {
            key: self._declaration(key, declaration) for key, declaration in (config or {}).items()
        }

    def _runtime(self, runtime: Any) -> str:
        if isinstance(runtime, dict):
            runtime = runtime.get("name")
        if runtime is None:
            raise StackConfigError(f"{self.file}: project is missing a 'runtime' attribute; add `runtime: python`")
        if not isinstance(runtime, str) or not runtime:
            raise StackConfigError(f"{self.file}: 'runtime' must name the language, e.g. `runtime: python`")
        if runtime != "python":
            # The CLI would start that language's host; this tool runs Python programs only.
            raise StackConfigError(f"{self.file}: runtime {runtime!r} is not supported here: only python programs run")
        return runtime

    def namespaced(self, key: str) -> bool:
        return ":" not in key or key.startswith(f"{self.name}:")

    def full_key(self, key: str, file: Path) -> str:
        return _parse_key(key if ":" in key else f"{self.name}:{key}", file)

    def _declaration(self, key: str, declaration: Any) -> dict[str, Any]:
        where = f"{self.file}: config key '{key}'"
        if isinstance(declaration, str | int | list):
            # RewriteShorthandConfigValues: a plain value is a default in the project's namespace, else a value.
            return {"default" if self.namespaced(key) else "value": declaration}
        if not isinstance(declaration, dict):
            raise StackConfigError(
                f"{where} must be a string, integer, boolean, list or a declaration like {{type: string}}, "
                f"not {_kind(declaration)}"
            )
        unknown = sorted(set(declaration) - _DECLARATION_FIELDS)
        if unknown:
            raise StackConfigError(
                f"{where}: '{unknown[0]}' is not allowed; a declaration has only "
                f"{', '.join(sorted(_DECLARATION_FIELDS))} (an object default goes under `default:`)"
            )
        declared_type = declaration.get("type")
        if declared_type is not None and declared_type not in _TYPES:
            raise StackConfigError(f"{where}: type must be one of {', '.join(_TYPES)}, not {declared_type!r}")
        if declaration.get("description") is not None and not isinstance(declaration["description"], str):
            raise StackConfigError(f"{where}: description must be a string")
        if not isinstance(declaration.get("secret", False), bool):
            raise StackConfigError(f"{where}: secret must be true or false")
        if "items" in declaration:
            self._items(where, declaration["items"])
        if declaration.get("default") is not None and declaration.get("value") is not None:
            raise StackConfigError(f"{where} cannot have both a 'default' and 'value' attribute; keep one")
        if self.namespaced(key):
            if declared_type == "array" and declaration.get("items") is None:
                raise StackConfigError(
                    f"{where} declares an array but does not specify the underlying type via the 'items' "
                    "attribute; add e.g. `items: {type: string}`"
                )
            default = declaration.get("default")
            items = declaration.get("items")
            if declared_type is not None and default is not None and not _matches(declared_type, items, default):
                raise StackConfigError(
                    f"{where}: the default value is not of the expected type '{_type_name(declared_type, items)}'"
                )
        else:
            if declared_type is not None:
                raise StackConfigError(
                    f"{where} is not namespaced by the project and should not define a type; the provider "
                    f"checks it. Give only `value:`, or set it in the stack files"
                )
            if declaration.get("default") is not None:
                raise StackConfigError(
                    f"{where} is not namespaced by the project and should not define a default value; "
                    "use the 'value' attribute instead of 'default'"
                )
            if declaration.get("value") is None:
                raise StackConfigError(
                    f"{where} is namespaced and must provide an attribute 'value'; set it in the stack files "
                    "instead if it differs per stack"
                )
        return declaration

    def _items(self, where: str, items: Any) -> None:
        depth = 0
        while items is not None:
            depth += 1
            if not isinstance(items, dict) or items.get("type") not in _TYPES or set(items) - {"type", "items"}:
                raise StackConfigError(
                    f"{where}: items must be {{type: <{'|'.join(_TYPES)}>}} (with items: for an array of arrays)"
                )
            if items["type"] == "array" and items.get("items") is None:
                raise StackConfigError(f"{where}: an array items type needs its own 'items'")
            items = items.get("items")
            if depth > 100:
                raise StackConfigError(f"{where}: items are nested too deeply")

    def main_path(self) -> Path:
        main = (self.dir / self.main).resolve() if self.main else self.dir.resolve()
        if not main.exists():
            raise StackConfigError(
                f"{self.file}: project 'main' could not be read: {main} does not exist; fix `main:` "
                "(a directory or file relative to Pulumi.yaml) or remove it"
            )
        if main.is_dir() and not (main / "__main__.py").is_file():
            # The Python language host runs a directory's __main__.py; without one it fails with
            # "can't find '__main__' module", which names neither the file nor the fix.
            raise StackConfigError(
                f"{self.file}: no __main__.py in {main}: add the program there, or set `main:` to the program's "
                "file or directory"
            )
        return main

    def stack_config_dir(self) -> Path:
        directory = self.dir / self.stack_dir if self.stack_dir else self.dir
        if self.stack_dir and not directory.is_dir():
            raise StackConfigError(f"{self.file}: stackConfigDir {directory} is not a directory")
        return directory


def _parse_key(key: str, file: Path) -> str:
    """config.ParseKey: ``<namespace>:<name>`` or ``<namespace>:config:<name>`` (normalised to the first)."""
    parts = key.split(":")
    if len(parts) == 2 or (len(parts) == 3 and parts[1] == "config" and parts[0] and parts[2]):
        return f"{parts[0]}:{parts[-1]}"
    raise StackConfigError(
        f"{file}: could not parse {key} as a configuration key (configuration keys should be of the form "
        "`<namespace>:<name>`)"
    )


# --- Stack values -------------------------------------------------------------------------------------------


class _Value:
    """config.Value: a string, or (``is_object``) a JSON value; ``secure`` when it holds any ciphertext."""

    __slots__ = ("is_object", "obj", "secure", "source")

    def __init__(self, obj: Any, *, is_object: bool, secure: bool, source: str) -> None:
        self.obj = obj
        self.is_object = is_object
        self.secure = secure
        self.source = source  # "stack" or "project"

    def decrypted(self) -> bool:
        return all(cipher.plaintext is not None for _, cipher in _ciphers(self.obj))

    def content(self) -> Any:
        """What validateStackConfigValue checks: the text, or the parsed JSON of an object."""
        if self.is_object:
            return _plain(self.obj)
        return self.text_unchecked()

    def text_unchecked(self) -> str:
        obj = self.obj
        if isinstance(obj, _Cipher):
            return obj.shown()
        if isinstance(obj, str):
            return str(obj)
        return _go_json(obj)

    def text(self, file: Path, key: str) -> str:
        try:
            return self.text_unchecked()
        except _Unrepresentable as error:
            raise StackConfigError(
                f"{file}: {key}: {error} cannot be passed to a program (json: unsupported value); quote it"
            ) from None


def _plain(obj: Any) -> Any:
    if isinstance(obj, _Cipher):
        return obj.shown()
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    return obj


def _objectify(value: Any) -> Any:
    """unmarshalObject: ``{secure: <string>}`` anywhere becomes ciphertext."""
    if isinstance(value, dict):
        if len(value) == 1 and isinstance(value.get("secure"), str):
            return _Cipher(value["secure"])
        return {k: _objectify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_objectify(v) for v in value]
    return value


def _stack_value(raw: Any) -> _Value:
    obj = _objectify(raw)
    secure = bool(_ciphers(obj))
    if raw is None:  # yaml.v3 leaves a null config.Value at its zero value: the empty string
        return _Value("", is_object=False, secure=False, source="stack")
    if isinstance(obj, dict | list):
        return _Value(obj, is_object=True, secure=secure, source="stack")
    if isinstance(obj, _GoTime):
        return _Value(str(obj), is_object=False, secure=False, source="stack")
    return _Value(obj, is_object=False, secure=secure, source="stack")


def _project_value(raw: Any) -> _Value:
    """createConfigValue: strings, integers and booleans as text, anything else as JSON."""
    if isinstance(raw, _GoTime):
        raw = raw.rfc3339
    if isinstance(raw, str | bool) or (isinstance(raw, int) and -(2**63) <= raw < 2**63):
        return _Value(raw, is_object=False, secure=False, source="project")
    return _Value(_rfc3339_times(raw), is_object=True, secure=False, source="project")


def _rfc3339_times(value: Any) -> Any:
    if isinstance(value, _GoTime):
        return value.rfc3339
    if isinstance(value, dict):
        return {k: _rfc3339_times(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rfc3339_times(v) for v in value]
    return value


def _stack_values(
    project: _Project, stack_file: Path, stack_doc: dict[str, Any], result: StackConfig
) -> dict[str, _Value]:
    config = stack_doc.get("config")
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise StackConfigError(
            f"{stack_file}: 'config' must be a mapping of `<namespace>:<key>: value` entries, not {_kind(config)}"
        )
    if stack_doc.get("environment") is not None:
        result.warnings.append(
            f"{stack_file}: the stack imports ESC environments ('environment:'); their values cannot be read "
            "offline and are not applied"
        )
    values: dict[str, _Value] = {}
    written: dict[str, str] = {}
    nulls: list[str] = []
    for key, raw in config.items():
        full_key = project.full_key(key, stack_file)
        if full_key in written:
            raise StackConfigError(
                f"{stack_file}: {full_key} is set twice (as '{written[full_key]}' and as '{key}'); keep one"
            )
        written[full_key] = key
        if raw is None:
            nulls.append(full_key)
        values[full_key] = _stack_value(raw)
    if nulls:
        result.warnings.append(
            f"{stack_file}: no value for configuration key(s) {', '.join(nulls)}; this is treated as an empty "
            'string `""` (set them to `""` to avoid this warning)'
        )
    return values


def _merge_project_config(project: _Project, stack_file: Path, stack: str, values: dict[str, _Value]) -> None:
    """mergeConfig: project values and defaults fill what the stack does not set; required keys must be set."""
    missing: list[str] = []
    for key in sorted(project.config):
        declaration = project.config[key]
        full_key = project.full_key(key, project.file)
        if full_key in values:
            continue
        value = declaration.get("default")
        if value is None:
            value = declaration.get("value")
        if value is None:
            if full_key.split(":", 1)[0] == project.name:
                missing.append(full_key)
            continue
        values[full_key] = _project_value(value)
    if missing:
        quoted = [f"'{key}'" for key in missing]
        listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f" and {quoted[-1]}"
        raise StackConfigError(
            f"{stack_file}: Stack '{stack}' is missing configuration value{'s' if len(missing) > 1 else ''} "
            f"{listed} (declared in {project.file.name} without a default); set "
            f"{'each' if len(missing) > 1 else 'it'} with `pulumi config set --stack {stack} <key> <value>` "
            f"or give the declaration a `default:`"
        )


def _validate(project: _Project, stack_file: Path, stack: str, values: dict[str, _Value]) -> None:
    """validateStackConfigValues: typed keys must be of their type; ``secret: true`` keys must be secure."""
    for key in sorted(project.config):
        declaration = project.config[key]
        declared_type = declaration.get("type")
        if declared_type is None:
            continue
        full_key = project.full_key(key, project.file)
        value = values.get(full_key)
        if value is None:
            continue
        file = stack_file if value.source == "stack" else project.file
        if declaration.get("secret") and not value.secure:
            raise StackConfigError(
                f"{file}: Stack '{stack}' with configuration key '{key}' must be encrypted as it's secret; set "
                f"it with `pulumi config set --secret --stack {stack} {full_key} <value>`"
            )
        if not value.decrypted():
            continue  # no passphrase: the value cannot be seen, so its type cannot be checked
        try:
            content = value.content()
        except _Unrepresentable as error:
            raise StackConfigError(f"{file}: {full_key}: {error} cannot be passed to a program; quote it") from None
        if not _matches(declared_type, declaration.get("items"), content):
            type_name = _type_name(declared_type, declaration.get("items"))
            raise StackConfigError(
                f"{file}: Stack '{stack}' with configuration key '{key}' must be of type '{type_name}'"
                f"{_type_hint(type_name)}"
            )


def _type_hint(type_name: str) -> str:
    hints = {
        "string": "; quote the value or write it as text",
        "integer": "; write a whole number such as 10",
        "boolean": "; write true or false (yes/no/on/off are strings)",
        "object": "; write a mapping of keys to values",
    }
    return hints.get(type_name, "; write a YAML list of items of that type")


def _type_name(declared_type: str, items: dict[str, Any] | None) -> str:
    """InferFullTypeName."""
    if items is not None:
        return f"array<{_type_name(items['type'], items.get('items'))}>"
    return declared_type


_ATOI = re.compile(r"[+-]?[0-9]+")


def _matches(declared_type: str, items: dict[str, Any] | None, value: Any) -> bool:
    """workspace.ValidateConfigValue on Go values (JSON numbers are floats there; whole ones are integers)."""
    if declared_type == "string":
        return isinstance(value, str)
    if declared_type == "integer":
        if isinstance(value, bool):
            return False
        if isinstance(value, int):
            return True
        if isinstance(value, float):
            return math.isfinite(value) and value.is_integer()
        return isinstance(value, str) and bool(_ATOI.fullmatch(value)) and -(2**63) <= int(value) < 2**63
    if declared_type == "boolean":
        return isinstance(value, bool) or value in ("true", "false")
    if declared_type == "object":
        return isinstance(value, dict)
    if not isinstance(value, list) or items is None:
        return False
    return all(_matches(items["type"], items.get("items"), item) for item in value)


def _tags(project: _Project, stack_file: Path, values: dict[str, _Value]) -> dict[str, str]:
    tags = {"pulumi:project": project.name, "pulumi:runtime": project.runtime}
    if project.description is not None:
        tags["pulumi:description"] = project.description
    configured = values.get("pulumi:tags")
    if configured is not None:
        content = configured.content() if configured.is_object else None
        if not isinstance(content, dict):
            raise StackConfigError(f"{stack_file}: pulumi:tags must be an object of strings")
        for name, tag in content.items():
            if not isinstance(tag, str):
                raise StackConfigError(f"{stack_file}: pulumi:tags[{name}] must be a string; quote it")
            tags[name] = tag
    return tags


# --- Go encoding/json ---------------------------------------------------------------------------------------


class _Unrepresentable(ValueError):
    pass


_HTML_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_HTML_ESCAPE = re.compile("[<>&\u2028\u2029]")


def _go_json(value: Any) -> str:
    """json.Marshal: compact, map keys sorted, <>& escaped, floats in Go's shortest form."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, _Cipher):
        value = value.shown()
    if isinstance(value, str):
        return _HTML_ESCAPE.sub(lambda m: _HTML_ESCAPES[m.group()], json.dumps(str(value), ensure_ascii=False))
    if isinstance(value, list):
        return "[" + ",".join(_go_json(item) for item in value) + "]"
    return "{" + ",".join(f"{_go_json(k)}:{_go_json(value[k])}" for k in sorted(value)) + "}"


def _go_float(number: float) -> str:
    if not math.isfinite(number):
        raise _Unrepresentable(f"the number {number}")
    magnitude = abs(number)
    if magnitude != 0 and (magnitude < 1e-6 or magnitude >= 1e21):
        mantissa, exponent = repr(number).split("e")
        return f"{mantissa}e{exponent[0]}{exponent[1:].lstrip('0') or '0'}"
    text = format(Decimal(repr(number)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- YAML as gopkg.in/yaml.v3 reads it ---------------------------------------------------------------------

_PLAIN_TAG = "tag:agencyos-infra:yaml.v3-plain"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_DOT_FLOAT = re.compile(r"\.[0-9]+([eE][-+]?[0-9]+)?")
_RESOLVE_MAP: dict[str, Any] = {
    **dict.fromkeys(("true", "True", "TRUE"), True),
    **dict.fromkeys(("false", "False", "FALSE"), False),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), None),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
}
_DIGITS = {2: "01", 8: "01234567", 10: "0123456789", 16: "0123456789abcdefABCDEF"}


class _GoTime(str):
    """A YAML timestamp: ``str()`` is Go's time.Time.String(), ``rfc3339`` its JSON encoding."""

    rfc3339: str


_TS_DATE = r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
_TS_TIME = r"([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[.,]([0-9]+))?"
_TIMESTAMPS = (
    re.compile(rf"{_TS_DATE}[Tt]{_TS_TIME}(Z|[+-][0-9]{{2}}:[0-9]{{2}})"),
    re.compile(rf"{_TS_DATE} {_TS_TIME}()"),
    re.compile(rf"{_TS_DATE}()()()()()"),
)


def _go_timestamp(text: str) -> _GoTime | None:
    """yaml.v3 parseTimestamp with its four layouts, rendered as Go renders a time (local zone taken as UTC)."""
    for pattern in _TIMESTAMPS:
        match = pattern.fullmatch(text)
        if match:
            break
    else:
        return None
    year, month, day = (int(g) for g in match.groups()[:3])
    hour, minute, second = (int(g or 0) for g in match.groups()[3:6])
    fraction, zone = (match.group(7) or "")[:9], match.group(8) or "Z"
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]):
        return None
    if hour > 23 or minute > 59 or second > 59:
        return None
    if zone != "Z" and (int(zone[1:3]) > 24 or int(zone[4:6]) > 60):
        return None
    offset = 0 if zone == "Z" else (1 if zone[0] == "+" else -1) * (int(zone[1:3]) * 60 + int(zone[4:6]))
    fraction = fraction.rstrip("0")
    clock = f"{year:04d}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}:{second:02d}" + (
        f".{fraction}" if fraction else ""
    )
    sign, hours, minutes = "-" if offset < 0 else "+", abs(offset) // 60, abs(offset) % 60
    numeric = f"{sign}{hours:02d}{minutes:02d}"
    result = _GoTime(f"{clock} {numeric} {'UTC' if offset == 0 else numeric}")
    result.rfc3339 = clock.replace(" ", "T") + ("Z" if offset == 0 else f"{sign}{hours:02d}:{minutes:02d}")
    return result


def _go_parse_int(text: str, *, signed: bool) -> int | None:
    """strconv.ParseInt/ParseUint with base 0 (0x, 0o, 0b prefixes; a leading 0 means octal)."""
    body, sign = text, 1
    if signed and body and body[0] in "+-":
        sign, body = (-1 if body[0] == "-" else 1), body[1:]
    base = 10
    if body[:2] in ("0x", "0X"):
        base, body = 16, body[2:]
    elif body[:2] in ("0b", "0B"):
        base, body = 2, body[2:]
    elif body[:2] in ("0o", "0O"):
        base, body = 8, body[2:]
    elif body[:1] == "0" and len(body) > 1:
        base, body = 8, body[1:]
    if not body or any(c not in _DIGITS[base] for c in body):
        return None
    number = sign * int(body, base)
    low, high = (-(2**63), 2**63 - 1) if signed else (0, 2**64 - 1)
    return number if low <= number <= high else None


def _go_resolve(text: str, *, plain: bool = True) -> Any:
    """yaml.v3 resolve() for an untagged plain scalar."""
    if text in _RESOLVE_MAP:
        return _RESOLVE_MAP[text]
    hint = text[:1]
    if hint == ".":
        if _DOT_FLOAT.fullmatch(text):
            number = float(text)
            if math.isfinite(number):
                return number
    elif hint and hint in "+-0123456789":
        if plain:
            timestamp = _go_timestamp(text)
            if timestamp is not None:
                return timestamp
        digits = text.replace("_", "")
        for signed in (True, False):
            integer = _go_parse_int(digits, signed=signed)
            if integer is not None:
                return integer
        if _YAML_FLOAT.fullmatch(digits):
            number = float(digits)
            if math.isfinite(number):
                return number
    return text


class _GoYamlLoader(AliasBound, yaml.SafeLoader):
    """PyYAML's safe parser with yaml.v3's scalar resolution, duplicate-key check, alias bound and lenient
    unknown tags."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode and implicit[0]:
            return _MERGE_TAG if value == "<<" else _PLAIN_TAG
        return super().resolve(kind, value, implicit)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: dict[tuple[str, str], int] = {}
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                ident = (key_node.id, key_node.value)
                if ident in seen:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f'mapping key "{key_node.value}" already defined at line {seen[ident] + 1}',
                        key_node.start_mark,
                    )
                seen[ident] = key_node.start_mark.line
        return super().construct_mapping(node, deep)


def _construct_plain(loader: _GoYamlLoader, node: Any) -> Any:
    return _go_resolve(loader.construct_scalar(node))


def _explicit(kinds: tuple[type, ...], tag: str) -> Callable[[_GoYamlLoader, Any], Any]:
    def construct(loader: _GoYamlLoader, node: Any) -> Any:
        text = loader.construct_scalar(node)
        value = _go_resolve(text, plain=tag == "timestamp")
        if tag == "float" and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kinds) or (tag == "int" and isinstance(value, bool)):
            raise yaml.constructor.ConstructorError(None, None, f"cannot decode `{text}` as a !!{tag}", node.start_mark)
        return value

    return construct


def _construct_binary(loader: _GoYamlLoader, node: Any) -> str:
    try:
        return base64.b64decode(loader.construct_scalar(node)).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        raise yaml.constructor.ConstructorError(
            None, None, "!!binary value contains invalid base64 data", node.start_mark
        ) from None


def _construct_unknown_tag(loader: _GoYamlLoader, node: Any) -> Any:
    """yaml.v3 decodes a value with a tag it does not know by its node kind; so do we."""
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


_GoYamlLoader.add_constructor(_PLAIN_TAG, _construct_plain)
_GoYamlLoader.add_constructor("tag:yaml.org,2002:int", _explicit((int,), "int"))
_GoYamlLoader.add_constructor("tag:yaml.org,2002:float", _explicit((float,), "float"))
_GoYamlLoader.add_constructor("tag:yaml.org,2002:bool", _explicit((bool,), "bool"))
_GoYamlLoader.add_constructor("tag:yaml.org,2002:null", _explicit((type(None),), "null"))
_GoYamlLoader.add_constructor("tag:yaml.org,2002:timestamp", _explicit((_GoTime,), "timestamp"))
_GoYamlLoader.add_constructor("tag:yaml.org,2002:binary", _construct_binary)
_GoYamlLoader.add_constructor(None, _construct_unknown_tag)
for _tag in ("set", "omap", "pairs"):
    _GoYamlLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _construct_unknown_tag)
