"""Property values as the engine marshals them, with secrets, unknowns and resource references.

The resource monitor receives a program's inputs as a protobuf Struct in which secrets, unknowns and
resource references carry the engine's special signatures. :class:`Properties` holds that Struct and
reads it, on first use only, into: the plain value (for display and JSON, secrets still findable by
path), the secret and unknown paths, and the form the engine sends an analyzer (secrets and unknowns
kept, resource references downgraded to their ID or URN, internal ``__`` keys dropped: the engine's
``MarshalOptions{KeepUnknowns, KeepSecrets, SkipInternalKeys}``).

Most Structs need no rewriting for an analyzer; those are passed through untouched, so a preview
pays no Python-level decoding for a resource nobody prints.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from google.protobuf import json_format, struct_pb2

SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
REDACTED = "[secret]"
INTERNAL_PREFIX = "__"
# Signatures whose values an analyzer never receives as such: they must be rewritten first.
_REWRITTEN_SIGNATURES = (RESOURCE_SIG.encode(), OUTPUT_SIG.encode())


def secret(value: Any) -> dict[str, Any]:
    """``value`` marked secret, as the engine marshals it."""
    return {SIG_KEY: SECRET_SIG, "value": value}


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG


def to_struct(values: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(values)
    return struct


class Properties:
    """One resource's properties in every form the tools need, decoded lazily from the wire."""

    def __init__(self, wire: dict[str, Any] | None = None, *, struct: struct_pb2.Struct | None = None) -> None:
        self._wire = wire
        self._struct = struct

    @classmethod
    def from_struct(cls, struct: struct_pb2.Struct) -> Properties:
        return cls(struct=struct)

    @property
    def struct(self) -> struct_pb2.Struct:
        """The wire form, exactly as registered (secrets, unknowns and references marked)."""
        if self._struct is None:
            self._struct = to_struct(self._wire or {})
        return self._struct

    @cached_property
    def _decoded(self) -> tuple[dict[str, Any], dict[str, Any], list[str], list[str]]:
        wire = self._wire
        if wire is None:
            wire = json_format.MessageToDict(self._struct) if self._struct is not None else {}
        secret_paths: list[str] = []
        unknown_paths: list[str] = []
        plain_map: dict[str, Any] = {}
        analyzer_map: dict[str, Any] = {}
        for key, value in wire.items():
            if key.startswith(INTERNAL_PREFIX):
                continue
            plain_map[key], analyzer_map[key] = _read(value, key, secret_paths, unknown_paths, in_secret=False)
        return plain_map, analyzer_map, secret_paths, unknown_paths

    @property
    def plain(self) -> dict[str, Any]:
        return self._decoded[0]

    @property
    def analyzer(self) -> dict[str, Any]:
        return self._decoded[1]

    @property
    def secret_paths(self) -> list[str]:
        return self._decoded[2]

    @property
    def unknown_paths(self) -> list[str]:
        return self._decoded[3]

    def redacted(self) -> dict[str, Any]:
        """Plain values with every secret path replaced, safe to print or write to a file."""
        return _redact(self.plain, "", set(self.secret_paths))

    def analyzer_struct(self) -> struct_pb2.Struct:
        """The Struct an analyzer receives; the wire Struct itself when it needs no rewriting."""
        if self._struct is not None and _passes_through(self._struct):
            return self._struct
        return to_struct(self.analyzer)


def _passes_through(struct: struct_pb2.Struct) -> bool:
    if any(key.startswith(INTERNAL_PREFIX) for key in struct.fields):
        return False
    data = struct.SerializeToString()
    return not any(signature in data for signature in _REWRITTEN_SIGNATURES)


def read_properties(wire: dict[str, Any]) -> Properties:
    """Properties of a Struct already converted with ``json_format.MessageToDict``."""
    return Properties(wire)


def _read(value: Any, path: str, secrets: list[str], unknowns: list[str], *, in_secret: bool) -> tuple[Any, Any]:
    if is_secret(value):
        if not in_secret:
            secrets.append(path)
        plain, analyzer = _read(value.get("value"), path, secrets, unknowns, in_secret=True)
        return plain, analyzer if in_secret else secret(analyzer)
    if isinstance(value, dict) and value.get(SIG_KEY) == RESOURCE_SIG:
        # The engine downgrades references for analyzers: a custom resource to its ID, else its URN.
        reference = value.get("id") or value.get("urn", "")
        if reference == UNKNOWN:
            unknowns.append(path)
        return reference, reference
    if isinstance(value, dict) and value.get(SIG_KEY) == OUTPUT_SIG:
        if "value" not in value:
            unknowns.append(path)
            return UNKNOWN, UNKNOWN
        inner = value["value"]
        if value.get("secret"):
            inner = secret(inner)
        return _read(inner, path, secrets, unknowns, in_secret=in_secret)
    if value == UNKNOWN:
        unknowns.append(path)
        return UNKNOWN, UNKNOWN
    if isinstance(value, dict):
        plain_map, analyzer_map = {}, {}
        for key, item in value.items():
            plain_map[key], analyzer_map[key] = _read(item, f"{path}.{key}", secrets, unknowns, in_secret=in_secret)
        return plain_map, analyzer_map
    if isinstance(value, list):
        pairs = [
            _read(item, f"{path}[{index}]", secrets, unknowns, in_secret=in_secret) for index, item in enumerate(value)
        ]
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
