"""Where an unknown value comes from: the resources of the stack it is computed from.

In preview a value computed from a resource the stack creates is unknown, and a mandatory rule cannot
pass on it. Sometimes the origin alone decides: a node pool's service account computed from an account
the stack creates is that account, never the Compute Engine default one. What the engine tells an
analyzer about origins is what the Pulumi CLI tells it, nothing more:

- ``Analyze`` (one resource, as it is registered) carries no dependencies at all;
- ``AnalyzeStack`` (once, every resource) carries each resource's ``propertyDependencies``: for each
  *top-level* input property, the URNs of the resources its value was computed from. Not which output
  of them, and not which nested field (``nodeConfig``'s dependencies cover all of ``nodeConfig``).

So a check that meets an unknown whose origin may decide yields an :class:`Unresolved` instead of a
message. The pack's analyzer (``decode_once.py``) keeps it from ``Analyze`` and answers it in
``AnalyzeStack`` with the property's origin; anywhere else (a policy run without that analyzer, a
resource AnalyzeStack never saw) it is reported undetermined, never passed.

What is provable from URNs alone, and why it is enough:

- The unknown leaf itself is set (its parent object is known): a whole object computed elsewhere could
  leave the leaf out, which means the provider's default.
- Every dependency of its top-level property is a resource *of this stack* of the expected type, and is
  *created* by this update: its outputs hold its create inputs (a read whose id is unknown at preview
  has empty outputs, and a read of an existing resource has known outputs, so it never makes a value
  unknown). Any other dependency (a project, a random suffix, another stack) could be what made the
  value unknown, so nothing is proven.
- Then the value is computed from outputs of resources this update creates, and of nothing else. Each
  proof below states why no such value can break its rule; a program would have to compute a
  violating literal inside an ``apply`` on those outputs, which no rule can see through.
- At ``pulumi up`` the dependencies are created before the resource is registered, so ``Analyze`` sees
  the real value and judges it: the proof only spares the preview a result the update will check.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from agencyos_policy.props import ABSENT, lookup, unknown_message

Path = tuple[str | int, ...]


def type_of(urn: str) -> str:
    """A resource's type token, from its URN (``urn:pulumi:stack::project::parent$type::name``)."""
    parts = urn.split("::")
    return parts[2].split("$")[-1] if len(parts) >= 4 else ""


def name_of(urn: str) -> str:
    return urn.split("::")[-1]


@dataclass(frozen=True)
class Source:
    """One resource a property depends on; ``props`` (its outputs) is None when it is not in the stack."""

    urn: str
    props: Any = None

    @property
    def type(self) -> str:
        return type_of(self.urn)

    def __str__(self) -> str:
        return f"{self.type} {name_of(self.urn)!r}"


Origin = tuple[Source, ...]
"""The resources a top-level property's value is computed from (its property dependencies)."""


@dataclass(frozen=True)
class Proof:
    """When an origin proves a rule holds for an unknown value, and in words for the message."""

    holds: Callable[[Origin], bool]
    description: str


def created(resource_types: tuple[str, ...], create_input: str, description: str) -> Proof:
    """Proven when every dependency is a resource of one of ``resource_types`` this update creates.

    ``create_input`` is an input those types require: it is in a created resource's outputs at preview
    (echoed or unknown) and absent from a read the engine could not perform.
    """

    def holds(origin: Origin) -> bool:
        return bool(origin) and all(
            source.type in resource_types
            and source.props is not None
            and lookup(source.props, create_input) is not ABSENT
            for source in origin
        )

    return Proof(holds, description)


@dataclass(frozen=True)
class Unresolved:
    """An unknown value at ``path`` whose origin may prove the rule: yielded by a check instead of a message."""

    path: Path
    proof: Proof

    def answer(self, origin: Origin | None) -> str | None:
        """None when ``origin`` proves the rule holds, else the undetermined result naming value and origin."""
        if origin is not None and self.proof.holds(origin):
            return None
        return unknown_message(*self.path, origin=describe(origin)) + f" It passes when {self.proof.description}."


def describe(origin: Origin | None) -> str:
    if not origin:
        return ""
    return ", ".join(str(source) for source in origin)


class StackOrigins:
    """Each resource's property dependencies as AnalyzeStack gives them, and the outputs of the resources named."""

    def __init__(self, dependencies: Mapping[str, Mapping[str, Sequence[str]]], outputs: Callable[[str], Any]) -> None:
        self._dependencies = dependencies
        self._outputs = outputs
        """The outputs of a resource of the stack by URN, None for a URN that is not in it."""

    def of(self, urn: str, path: Path) -> Origin | None:
        """What ``path`` of resource ``urn`` is computed from; None when the resource is not in the stack."""
        if urn not in self._dependencies:
            return None
        return tuple(Source(dep, self._outputs(dep)) for dep in self._dependencies[urn].get(str(path[0]), ()))
