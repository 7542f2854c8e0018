"""yaml.v3's bound on alias expansion (an "alias bomb" is refused, never expanded), for any PyYAML loader.

The Go YAML decoders the CLI and pulumi-kubernetes use (gopkg.in/yaml.v3, and v2 under sigs.k8s.io/yaml)
refuse a document whose aliases expand past this bound; PyYAML has none, and a 1 KB file hangs it.
"""

from __future__ import annotations

from typing import Any

import yaml

# gopkg.in/yaml.v3's guard against alias bombs (decode.go, allowedAliasRatio): once more than 100 of more
# than 1,000 decoded nodes came from expanding aliases, at most 99 % of them may (falling to 10 % between
# 400,000 and 4,000,000 decoded nodes), else "document contains excessive aliasing". The CLI refuses such a
# file with that error; so does this reader, counting while it composes, before anything is expanded.
_ALIAS_MIN_ALIASED = 100
_ALIAS_MIN_DECODED = 1000
_ALIAS_RATIO_LOW, _ALIAS_RATIO_HIGH = 400_000, 4_000_000


class ExcessiveAliasing(yaml.composer.ComposerError):
    """Aliases past yaml.v3's bound: valid YAML the CLI still refuses (an "alias bomb")."""


def _allowed_alias_ratio(decoded: int) -> float:
    if decoded <= _ALIAS_RATIO_LOW:
        return 0.99
    if decoded >= _ALIAS_RATIO_HIGH:
        return 0.10
    return 0.99 - 0.89 * (decoded - _ALIAS_RATIO_LOW) / (_ALIAS_RATIO_HIGH - _ALIAS_RATIO_LOW)


class AliasBound(yaml.parser.Parser, yaml.composer.Composer):
    """Mixed into a loader before its PyYAML base: counts what yaml.v3 would decode while composing."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)  # type: ignore[call-arg]  # the PyYAML loader it is mixed into
        # What yaml.v3 would decode so far: every node, and how many of them through an alias. PyYAML
        # shares an aliased node instead of copying it, so each node's expanded size is kept (by id: the
        # composed nodes live as long as the loader) and an alias adds its target's.
        self._decoded = 0
        self._aliased = 0
        self._expanded: dict[int, int] = {}
        self._open_sizes: list[int] = []

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            anchor = self.peek_event().anchor
            node = super().compose_node(parent, index)
            size = self._expanded.get(id(node))
            if size is None:  # the anchored node is still being composed: it would contain itself
                raise yaml.composer.ComposerError(None, None, f"anchor '{anchor}' value contains itself", mark)
            self._count(1 + size, size, mark)
            if self._open_sizes:
                self._open_sizes[-1] += 1 + size
            return node
        self._count(1, 0, None)
        self._open_sizes.append(0)
        node = super().compose_node(parent, index)
        size = 1 + self._open_sizes.pop()
        self._expanded[id(node)] = size
        if self._open_sizes:
            self._open_sizes[-1] += size
        return node

    def _count(self, decoded: int, aliased: int, mark: Any) -> None:
        self._decoded += decoded
        self._aliased += aliased
        # Within one expansion the share of aliased nodes only grows and the allowed share only shrinks, so
        # checking once it is counted finds what yaml.v3 finds on the way.
        if (
            self._aliased > _ALIAS_MIN_ALIASED
            and self._decoded > _ALIAS_MIN_DECODED
            and self._aliased / self._decoded > _allowed_alias_ratio(self._decoded)
        ):
            raise ExcessiveAliasing(
                None,
                None,
                f"document contains excessive aliasing ({self._aliased:,} of the first {self._decoded:,} values "
                f"come from aliases `*name` of anchors repeated inside each other; gopkg.in/yaml.v3, the CLI's "
                "parser, refuses this too); write the values out or repeat fewer aliases",
                mark,
            )


class BoundedSafeLoader(AliasBound, yaml.SafeLoader):
    """PyYAML's safe loader under yaml.v3's alias bound (Kubernetes manifests, Helm values files)."""
