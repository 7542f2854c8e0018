"""The shared semantics of a rule, written once, so a check reads as a line or two of intent.

- Absent means the provider's documented default: each rule takes that ``default``.
- Unknown (computed, at preview) cannot pass a mandatory rule: it is reported as an undetermined
  result (``Undetermined: ...``, naming the value), never left to the SDK (which would downgrade the
  policy to an advisory "can't run during preview"). Where the value's origin can prove the rule (see
  ``agencyos_policy.origins``) the rule passes a ``proof``, and the analyzer decides from the origin.
  An advisory rule lets an unknown value pass.
- Numbers are compared with bounds that come from the policy's config (the checklist's numbers).
- Messages name the property path and what it must be, never the value (validators see secrets).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, overload

from agencyos_policy.origins import Proof, Unresolved
from agencyos_policy.props import ABSENT, UNKNOWN, dotted, lookup, unknown_message
from agencyos_policy.registry import Finding, Subject

Path = tuple[str | int, ...]


def number(value: Any) -> float | None:
    """A property as a number (the engine sends numbers as floats, some providers as strings)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


@overload
def unknown(subject: Subject, path: Path, proof: None = None) -> Iterator[str]: ...
@overload
def unknown(subject: Subject, path: Path, proof: Proof) -> Iterator[Finding]: ...


def unknown(subject: Subject, path: Path, proof: Proof | None = None) -> Iterator[Finding]:
    """The undetermined result for an unknown value at ``path`` (only mandatory rules report it); with a
    ``proof``, a question the analyzer answers from the value's origin, when the value itself is set (an
    object computed as a whole could leave it out: the provider's default)."""
    if not subject.mandatory:
        return
    if proof is not None and (len(path) == 1 or lookup(subject.props, *path[:-1]) is not UNKNOWN):
        yield Unresolved(path, proof)
    else:
        yield unknown_message(*path)


@overload
def expect(
    subject: Subject,
    path: Path,
    ok: Callable[[Any], bool],
    requirement: str,
    *,
    default: Any = ABSENT,
    absent_means: str | None = None,
    proof: None = None,
) -> Iterator[str]: ...
@overload
def expect(
    subject: Subject,
    path: Path,
    ok: Callable[[Any], bool],
    requirement: str,
    *,
    default: Any = ABSENT,
    absent_means: str | None = None,
    proof: Proof,
) -> Iterator[Finding]: ...


def expect(
    subject: Subject,
    path: Path,
    ok: Callable[[Any], bool],
    requirement: str,
    *,
    default: Any = ABSENT,
    absent_means: str | None = None,
    proof: Proof | None = None,
) -> Iterator[Finding]:
    """A violation unless ``ok(value)``; an absent value is judged as ``default`` (the provider's); an unknown
    one is undetermined, unless its origin meets ``proof``."""
    value = lookup(subject.props, *path)
    if value is UNKNOWN:
        yield from unknown(subject, path, proof)
        return
    absent = value is ABSENT
    if not ok(default if absent else value):
        verb = "must" if subject.mandatory else "should"
        note = f"; it is not set, and absent means {absent_means}" if absent and absent_means else ""
        yield f"{dotted(*path)} {verb} {requirement}{note}."


def at_least(
    subject: Subject, path: Path, minimum: float, *, unit: str = "", default: Any = ABSENT, absent_means: str = ""
) -> Iterator[str]:
    """A violation unless the number at ``path`` (or the provider ``default``) is at least ``minimum``."""

    def ok(value: Any) -> bool:
        amount = number(value)
        return amount is not None and amount >= minimum

    yield from expect(subject, path, ok, f"be at least {minimum:g}{unit}", default=default, absent_means=absent_means)


def is_set(subject: Subject, path: Path, requirement: str) -> Iterator[str]:
    """A violation when ``path`` is absent or empty; a value computed during the update counts as set."""
    if lookup(subject.props, *path) in (ABSENT, ""):
        verb = "must" if subject.mandatory else "should"
        yield f"{dotted(*path)} {verb} {requirement}."
