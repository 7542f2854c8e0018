"""Property values as the engine marshals them, with secrets, unknowns and resource references.

The resource monitor receives a program's inputs as a protobuf Struct in which secrets, unknowns and
resource references carry the engine's special signatures. This module reads that form once into:
the plain value (for display and JSON, secrets still findable by path), the secret and unknown
paths, and the form the engine sends an analyzer (secrets kept, unknowns kept, resource references
downgraded to their ID or URN, which a policy pack can deserialize).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from google.protobuf import struct_pb2

SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
REDACTED = "[secret]"


def secret(value: Any) -> dict[str, Any]:
    """``value`` marked secret, as the engine marshals it."""
    return {SIG_KEY: SECRET_SIG, "value": value}


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG


@dataclass
class Properties:
    """One resource's properties in every form the tools need."""

    plain: dict[str, Any] = field(default_factory=dict)
    analyzer: dict[str, Any] = field(default_factory=dict)
    secret_paths: list[str] = field(default_factory=list)
    unknown_paths: list[str] = field(default_factory=list)

    def redacted(self) -> dict[str, Any]:
        """Plain values with every secret path replaced, safe to print or write to a file."""
        return _redact(self.plain, "", set(self.secret_paths))

    def analyzer_struct(self) -> struct_pb2.Struct:
        struct = struct_pb2.Struct()
        struct.update(self.analyzer)
        return struct


def read_properties(wire: dict[str, Any]) -> Properties:
    """Read a Struct already converted with ``json_format.MessageToDict``."""
    result = Properties()
    for key, value in wire.items():
        plain, analyzer = _read(value, key, result, in_secret=False)
        result.plain[key] = plain
        result.analyzer[key] = analyzer
    return result


def _read(value: Any, path: str, out: Properties, *, in_secret: bool) -> tuple[Any, Any]:
    if is_secret(value):
        if not in_secret:
            out.secret_paths.append(path)
        plain, analyzer = _read(value.get("value"), path, out, in_secret=True)
        return plain, analyzer if in_secret else secret(analyzer)
    if isinstance(value, dict) and value.get(SIG_KEY) == RESOURCE_SIG:
        # The engine downgrades references for analyzers: a custom resource to its ID, else its URN.
        reference = value.get("id") or value.get("urn", "")
        if reference == UNKNOWN:
            out.unknown_paths.append(path)
        return reference, reference
    if isinstance(value, dict) and value.get(SIG_KEY) == OUTPUT_SIG:
        if "value" not in value:
            out.unknown_paths.append(path)
            return UNKNOWN, UNKNOWN
        inner = value["value"]
        if value.get("secret"):
            inner = secret(inner)
        return _read(inner, path, out, in_secret=in_secret)
    if value == UNKNOWN:
        out.unknown_paths.append(path)
        return UNKNOWN, UNKNOWN
    if isinstance(value, dict):
        plain_map, analyzer_map = {}, {}
        for key, item in value.items():
            plain_map[key], analyzer_map[key] = _read(item, f"{path}.{key}", out, in_secret=in_secret)
        return plain_map, analyzer_map
    if isinstance(value, list):
        pairs = [_read(item, f"{path}[{index}]", out, in_secret=in_secret) for index, item in enumerate(value)]
        return [plain for plain, _ in pairs], [analyzer for _, analyzer in pairs]
    return value, value


def _redact(value: Any, path: str, secret_paths: set[str]) -> Any:
    if path in secret_paths:
        return REDACTED
    if isinstance(value, dict):
        return {key: _redact(item, f"{path}.{key}" if path else key, secret_paths) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact(item, f"{path}[{index}]", secret_paths) for index, item in enumerate(value)]
    return value
