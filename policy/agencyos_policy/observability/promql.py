"""What an alerting rule's PromQL expression says: its threshold comparison, metrics, windows and scale.

Parsed with ``promql_parser`` (Python bindings of GreptimeTeam's Rust PromQL parser), never with regular
expressions: an expression that does not parse is reported as such.

An alert fires where its expression returns series, so the condition is the top-level comparison of
a vector with a number (``expr > 0.8``, or ``0.8 < expr``, through parentheses); ``a or b`` fires on
either branch, so each branch is a condition. A comparison with ``bool`` never filters, and
``and``/``unless`` add a second condition that can hold the alert back: neither is a threshold alert.

Scale: a ratio compared with ``r`` and the same ratio multiplied by a constant ``k`` compared with
``k * r`` are the same rule (a percentage is ``k`` a hundred); ``c - x`` with ``c`` the scale (``1 - ratio``,
``k - percent``) is the complement, and a selector of idle CPU time (``mode="idle"``) or available memory
is already one, so ``available / total < 0.15`` alerts at a use of 0.85.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import promql_parser as pp

COMPARISONS = frozenset({">", ">=", "<", "<=", "==", "!="})
FLIPPED = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "==": "==", "!=": "!="}
GUARDS = frozenset({"and", "unless"})
COMPLEMENT_METRICS = frozenset({"node_memory_MemAvailable_bytes", "node_memory_MemFree_bytes"})
_DURATION_PART = re.compile(r"([0-9]+)(ms|y|w|d|h|m|s)", re.ASCII)


@dataclass(frozen=True)
class Selector:
    """A vector selector: its metric name and label matchers as (label, op, value), op one of = != =~ !~."""

    name: str
    matchers: tuple[tuple[str, str, str], ...]

    def label_values(self, label: str, op: str) -> list[str]:
        return [value for name, kind, value in self.matchers if name == label and kind == op]


@dataclass(frozen=True)
class Condition:
    """One threshold comparison an alert fires on: ``value op threshold``, ``value`` being ``expr``."""

    op: str
    threshold: float
    expr: Any
    scale: float
    """The constant the underlying quantity is multiplied by (a hundred for a percentage of a ratio)."""
    complement: bool
    """Whether ``expr`` measures the complement (idle, available) of what the rule is about."""
    guarded: bool = False
    """Whether ``and``/``unless`` can hold the alert back."""
    bool_modifier: bool = False


def parse(query: str) -> Any | None:
    """The expression's syntax tree, or None when it is not PromQL."""
    try:
        return pp.parse(query)
    except (ValueError, TypeError):
        return None


def expand(expr: Any, records: dict[str, str], depth: int = 3) -> Any:
    """The expression with each recorded series replaced by the expression recording it (``depth`` levels)."""
    recorded = {name: parse(text) for name, text in records.items()}

    def replace(node: Any) -> Any:
        found = recorded.get(node.name or "") if isinstance(node, pp.VectorSelector) else None
        return pp.parse(f"({found})") if found is not None else None

    for _ in range(depth):
        if not any(s.name in recorded for s in selectors(expr)):
            break
        try:
            expr = pp.transform(expr, None, replace)
        except (ValueError, TypeError):
            break  # a recorded series under a range selector: kept as written
    return expr


def duration_seconds(text: str) -> float | None:
    """A Prometheus duration (``90s``, ``1m30s``, ``2h``, ``0``) in seconds, or None when it is not one."""
    if text in ("0", ""):
        return 0.0
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
    return float(sum(int(number) * units[unit] for number, unit in parts))


def _number(node: Any) -> float | None:
    """A literal number (``-x`` of one, parentheses, and arithmetic of literals such as ``4 / 5`` included)."""
    if isinstance(node, pp.NumberLiteral):
        return float(node.val)
    if isinstance(node, pp.ParenExpr):
        return _number(node.expr)
    if isinstance(node, pp.UnaryExpr):
        inner = _number(node.expr)
        return None if inner is None else -inner
    if isinstance(node, pp.BinaryExpr) and str(node.op).strip() in _ARITHMETIC:
        left, right = _number(node.lhs), _number(node.rhs)
        if left is None or right is None or (str(node.op).strip() == "/" and right == 0):
            return None
        return float(_ARITHMETIC[str(node.op).strip()](left, right))
    return None


_ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}


def conditions(expr: Any) -> list[Condition]:
    """The threshold comparisons the alert fires on (empty when there is none)."""
    if isinstance(expr, pp.ParenExpr):
        return conditions(expr.expr)
    if not isinstance(expr, pp.BinaryExpr):
        return []
    op = str(expr.op).strip()
    if op == "or":
        return conditions(expr.lhs) + conditions(expr.rhs)
    if op in GUARDS:
        return [_guarded(c) for c in conditions(expr.lhs)]
    if op not in COMPARISONS:
        return []
    returns_bool = bool(expr.modifier is not None and expr.modifier.return_bool)
    right, left = _number(expr.rhs), _number(expr.lhs)
    if right is not None and left is None:
        side, threshold = expr.lhs, right
    elif left is not None and right is None:
        side, threshold, op = expr.rhs, left, FLIPPED[op]
    else:
        return []
    scale, complement = scale_of(side)
    return [Condition(op, threshold, side, scale, complement, bool_modifier=returns_bool)]


def _guarded(condition: Condition) -> Condition:
    return Condition(
        condition.op, condition.threshold, condition.expr, condition.scale, condition.complement, guarded=True
    )


def scale_of(node: Any) -> tuple[float, bool]:
    """(constant factor, complement) of an expression: see the module docstring."""
    if isinstance(node, pp.ParenExpr):
        return scale_of(node.expr)
    if isinstance(node, pp.AggregateExpr):
        return scale_of(node.expr)
    if isinstance(node, pp.BinaryExpr):
        op, left, right = str(node.op).strip(), _number(node.lhs), _number(node.rhs)
        if op == "*" and right is not None:
            factor, complement = scale_of(node.lhs)
            return factor * right, complement
        if op == "*" and left is not None:
            factor, complement = scale_of(node.rhs)
            return factor * left, complement
        if op == "/" and right is not None and right != 0:
            factor, complement = scale_of(node.lhs)
            return factor / right, complement
        if op == "-" and left is not None:
            factor, complement = scale_of(node.rhs)
            return factor, (not complement) if abs(left - factor) < 1e-9 else complement
        if op in ("+", "-") and right is not None:
            return scale_of(node.lhs)
        (left_scale, complement), (right_scale, _) = scale_of(node.lhs), scale_of(node.rhs)
        if op == "*":
            return left_scale * right_scale, complement
        if op == "/":
            return left_scale / right_scale, complement
        return left_scale, complement
    return 1.0, any(_is_complement(s) for s in selectors(node))


def _is_complement(selector: Selector) -> bool:
    return selector.name in COMPLEMENT_METRICS or "idle" in selector.label_values("mode", "=")


def _children(node: Any) -> list[Any]:
    if isinstance(node, pp.BinaryExpr):
        return [node.lhs, node.rhs]
    if isinstance(node, (pp.ParenExpr, pp.UnaryExpr, pp.SubqueryExpr)):
        return [node.expr]
    if isinstance(node, pp.AggregateExpr):
        return [node.expr] + ([node.param] if node.param is not None else [])
    if isinstance(node, pp.Call):
        return list(node.args)
    if isinstance(node, pp.MatrixSelector):
        return [node.vector_selector]
    return []


def nodes(node: Any) -> Iterator[Any]:
    """Every node of the tree, depth first."""
    yield node
    for child in _children(node):
        yield from nodes(child)


def selectors(node: Any) -> list[Selector]:
    """Every vector selector, with its metric name (from ``__name__`` when written as a matcher)."""
    found = []
    for each in nodes(node):
        if isinstance(each, pp.VectorSelector):
            matchers = tuple(
                (m.name, _MATCH_OPS.get(str(m.op).split(".")[-1].split("(")[0], "="), m.value)
                for m in each.matchers.matchers
            )
            name = each.name or next((v for n, o, v in matchers if n == "__name__" and o == "="), "")
            found.append(Selector(name, matchers))
    return found


_MATCH_OPS = {"Equal": "=", "NotEqual": "!=", "Re": "=~", "NotRe": "!~"}


def windows(node: Any) -> list[float]:
    """The range of every range vector and subquery, in seconds."""
    ranges = [n.range for n in nodes(node) if isinstance(n, (pp.MatrixSelector, pp.SubqueryExpr))]
    return [r.total_seconds() for r in ranges if r is not None]


def offset(node: Any) -> bool:
    """Whether a selector or subquery looks back in time (``offset``, or ``@`` a fixed time)."""
    return any(
        isinstance(n, (pp.VectorSelector, pp.SubqueryExpr)) and (n.offset is not None or n.at is not None)
        for n in nodes(node)
    )


def calls(node: Any, name: str) -> list[Any]:
    """Every call of the function ``name``."""
    return [n for n in nodes(node) if isinstance(n, pp.Call) and n.func.name == name]


def divides_vectors(node: Any) -> bool:
    """Whether a vector is divided by another vector somewhere (a ratio)."""
    return any(
        isinstance(n, pp.BinaryExpr) and str(n.op).strip() == "/" and _number(n.lhs) is None and _number(n.rhs) is None
        for n in nodes(node)
    )


def number_arg(call: Any) -> float | None:
    """The first argument of a call when it is a literal number (histogram_quantile's quantile)."""
    return _number(call.args[0]) if call.args else None


def outer_function(node: Any) -> str | None:
    """The function a counter is read with at the heart of the expression (rate, increase...), if any."""
    for each in nodes(node):
        if isinstance(each, pp.Call) and any(isinstance(a, pp.MatrixSelector) for a in each.args):
            return str(each.func.name)
    return None
