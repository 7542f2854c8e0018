"""Reading resource properties the way a policy must: absent, unknown and known kept apart.

During preview the SDK's proxy raises ``UnknownValueError`` on any touch of an unknown value, and
the SDK then turns the whole policy into an advisory "can't run during preview" note. Reading
through :func:`lookup` catches that, so every policy decides explicitly what an unknown means.

A mandatory rule's result is pass, fail or *undetermined*: a violation whose message starts with
:data:`UNDETERMINED_PREFIX`, saying which value was unknown. Every such message is made by
:func:`undetermined` (or :func:`unknown_message`), so reports recognise it by that one prefix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from pulumi_policy.proxy import (
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
)

# The engine's sentinels for unknown values, named by the SDK; they also reach policies unproxied (in-process).
UNKNOWN_SENTINELS: Final = frozenset(
    {UNKNOWN_STRING_VALUE, UNKNOWN_BOOLEAN_VALUE, UNKNOWN_NUMBER_VALUE, UNKNOWN_ARRAY_VALUE, UNKNOWN_OBJECT_VALUE}
)


class _Marker:
    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name


ABSENT: Final = _Marker("ABSENT")
"""The property is not set: the provider's documented default applies."""
UNKNOWN: Final = _Marker("UNKNOWN")
"""The property is set from a value computed during the update, unknown at preview."""


def lookup(props: Any, *path: str | int) -> Any:
    """The value at ``path``, or ABSENT, or UNKNOWN. Never raises for missing or unknown values."""
    node = props
    for key in path:
        if node is None:
            return ABSENT
        try:
            if isinstance(key, int):
                if not isinstance(node, Sequence) or isinstance(node, str) or key >= len(node):
                    return ABSENT
            elif not isinstance(node, Mapping):
                return ABSENT
            node = node[key]
        except KeyError:
            return ABSENT
        except UnknownValueError:
            return UNKNOWN
        if isinstance(node, str) and node in UNKNOWN_SENTINELS:
            return UNKNOWN
    return ABSENT if node is None else node


def items(props: Any, *path: str | int) -> list[Any] | Any:
    """The list at ``path`` as a plain list of elements (each read with :func:`lookup`)."""
    value = lookup(props, *path)
    if value is ABSENT or value is UNKNOWN:
        return value
    return [lookup(value, index) for index in range(len(value))]


def dotted(*path: str | int) -> str:
    """A property path as it reads in a message, e.g. settings.databaseFlags[0]."""
    text = ""
    for key in path:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else key)
    return text


UNDETERMINED_PREFIX: Final = "Undetermined: "
"""How a violation says no value decided it: reports count these apart (agencyos_infra.review reads it)."""


def undetermined(text: str) -> str:
    """A mandatory result that neither passes nor fails: ``text`` names the value that was unknown."""
    return f"{UNDETERMINED_PREFIX}{text}"


def is_undetermined(message: str) -> bool:
    """Whether a check's message is an undetermined result (the SDK may put the description on the line before)."""
    return any(line.startswith(UNDETERMINED_PREFIX) for line in message.splitlines()[:2])


def unknown_message(*path: str | int, origin: str = "") -> str:
    """The undetermined result for the unknown value at ``path``; ``origin`` says what it is computed from."""
    source = f" from {origin}" if origin else ""
    return undetermined(
        f"{dotted(*path)} is computed{source} and unknown during preview, so compliance cannot be proven; "
        "set it from a literal or a value known before the update."
    )
