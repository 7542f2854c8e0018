"""Reads a Pulumi project and one of its stacks' config the way the CLI hands it to a program.

Values become strings keyed ``namespace:key`` (objects and arrays JSON-encoded). ``secure:`` values
are decrypted when the stack uses the passphrase secrets provider and ``PULUMI_CONFIG_PASSPHRASE``
(or ``PULUMI_CONFIG_PASSPHRASE_FILE``) is set; otherwise they become a placeholder that stays marked
secret, so a program still runs and still treats them as secrets.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SECRET_PLACEHOLDER = "[secret]"
_PBKDF2_ITERATIONS = 1_000_000
_KEY_BYTES = 32
_SALT_CHECK_PLAINTEXT = "pulumi"


class StackConfigError(ValueError):
    """The project or stack file cannot be used; the message says which file and why."""


@dataclass
class StackConfig:
    project: str
    stack: str
    program_dir: Path
    config: dict[str, str] = field(default_factory=dict)
    secret_keys: list[str] = field(default_factory=list)
    undecrypted_keys: list[str] = field(default_factory=list)


def load_stack_config(program_dir: Path, stack: str) -> StackConfig:
    """Project name, the program's main directory and the stack's config, ready for the engine."""
    project_file = _project_file(program_dir)
    project = _read_yaml(project_file)
    name = project.get("name")
    if not isinstance(name, str) or not name:
        raise StackConfigError(f"{project_file}: `name` is required")
    main_dir = (program_dir / str(project.get("main") or ".")).resolve()
    config_dir = program_dir / str(project.get("stackConfigDir") or ".")
    stack_file = config_dir / f"Pulumi.{stack}.yaml"
    if not stack_file.is_file():
        raise StackConfigError(f"no stack file {stack_file.name} in {config_dir}: create it or pick another --stack")
    stack_doc = _read_yaml(stack_file)
    result = StackConfig(project=name, stack=stack, program_dir=main_dir)

    for key, declaration in (project.get("config") or {}).items():
        if isinstance(declaration, dict) and "default" in declaration:
            result.config[_full_key(name, key)] = _as_config_string(declaration["default"])
        elif not isinstance(declaration, dict):
            result.config[_full_key(name, key)] = _as_config_string(declaration)

    decrypt = _decrypter(stack_doc, stack_file)
    for key, value in (stack_doc.get("config") or {}).items():
        full_key = _full_key(name, key)
        if isinstance(value, dict) and set(value) == {"secure"}:
            result.secret_keys.append(full_key)
            plaintext = decrypt(str(value["secure"])) if decrypt else None
            if plaintext is None:
                result.undecrypted_keys.append(full_key)
            result.config[full_key] = plaintext if plaintext is not None else SECRET_PLACEHOLDER
        else:
            result.config[full_key] = _as_config_string(value)
    return result


def _project_file(program_dir: Path) -> Path:
    for candidate in ("Pulumi.yaml", "Pulumi.yml"):
        if (program_dir / candidate).is_file():
            return program_dir / candidate
    raise StackConfigError(f"{program_dir} is not a Pulumi project: it has no Pulumi.yaml")


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise StackConfigError(f"{path}: not valid YAML ({error})") from None
    if not isinstance(document, dict):
        raise StackConfigError(f"{path}: expected a mapping at the top level")
    return document


def _full_key(project: str, key: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _as_config_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def _decrypter(stack_doc: dict[str, Any], stack_file: Path):
    """A decrypt function for the passphrase provider, or None when secrets cannot be decrypted."""
    salt_state = stack_doc.get("encryptionsalt")
    if stack_doc.get("secretsprovider") not in (None, "passphrase") or not salt_state:
        return None
    passphrase = os.environ.get("PULUMI_CONFIG_PASSPHRASE")
    passphrase_file = os.environ.get("PULUMI_CONFIG_PASSPHRASE_FILE")
    if passphrase is None and passphrase_file:
        passphrase = Path(passphrase_file).read_text().rstrip("\n")
    if passphrase is None:
        return None
    parts = str(salt_state).split(":", 2)
    if len(parts) != 3 or parts[0] != "v1":
        raise StackConfigError(f"{stack_file}: encryptionsalt is not in the v1 format")
    key = passphrase_key(passphrase, base64.b64decode(parts[1]))
    if decrypt_value(key, parts[2]) != _SALT_CHECK_PLAINTEXT:
        raise StackConfigError(f"{stack_file}: PULUMI_CONFIG_PASSPHRASE does not decrypt this stack's secrets")
    return lambda ciphertext: decrypt_value(key, ciphertext)


def passphrase_key(passphrase: str, salt: bytes) -> bytes:
    """The passphrase provider's key: PBKDF2-SHA256, 1,000,000 iterations, 32 bytes."""
    return hashlib.pbkdf2_hmac("sha256", passphrase.encode(), salt, _PBKDF2_ITERATIONS, _KEY_BYTES)


def decrypt_value(key: bytes, ciphertext: str) -> str:
    """Decrypt ``v1:<nonce b64>:<ciphertext+tag b64>`` (AES-256-GCM)."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    parts = ciphertext.split(":")
    if len(parts) != 3 or parts[0] != "v1":
        raise StackConfigError("a secure value is not in the v1:<nonce>:<ciphertext> format")
    try:
        plaintext = AESGCM(key).decrypt(base64.b64decode(parts[1]), base64.b64decode(parts[2]), None)
    except InvalidTag:
        raise StackConfigError("a secure value does not decrypt with this passphrase") from None
    return plaintext.decode()


def encrypt_value(key: bytes, plaintext: str, nonce: bytes | None = None) -> str:
    """The inverse of :func:`decrypt_value`, for writing test fixtures."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = nonce or os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), None)
    return f"v1:{base64.b64encode(nonce).decode()}:{base64.b64encode(sealed).decode()}"
