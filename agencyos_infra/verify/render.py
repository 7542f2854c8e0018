"""The verifier's report: a text table, JSON, or Markdown (a PR or release comment)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence

from agencyos_infra.verify.result import Check, Status
from agencyos_infra.verify.target import Target

FORMATS = ("text", "json", "markdown")
_COLUMNS = ("RESULT", "CHECK", "TARGET", "ITEM", "DETAIL")


def verdict(checks: Sequence[Check]) -> str:
    return "fail" if any(c.status is Status.FAIL for c in checks) else "pass"


def summary(target: Target, checks: Sequence[Check]) -> str:
    counts = Counter(c.status for c in checks)
    return (
        f"verify {target.stack} ({target.domain}): {verdict(checks).upper()}: {counts[Status.PASS]} passed, "
        f"{counts[Status.FAIL]} failed, {counts[Status.NOT_TESTED]} not tested"
    )


def render(target: Target, checks: Sequence[Check], form: str) -> str:
    if form == "json":
        return render_json(target, checks)
    if form == "markdown":
        return render_markdown(target, checks)
    return render_text(target, checks)


def _row(check: Check) -> tuple[str, ...]:
    return (check.status.value.upper(), check.name, check.target, check.item, check.detail)


def render_text(target: Target, checks: Sequence[Check]) -> str:
    rows = [_COLUMNS, *(_row(c) for c in checks)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS) - 1)]
    lines = ["  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]]) for row in rows]
    return "\n".join([*lines, "", summary(target, checks)])


def render_json(target: Target, checks: Sequence[Check]) -> str:
    counts = Counter(c.status.value for c in checks)
    document = {
        "stack": target.stack,
        "domain": target.domain,
        "verdict": verdict(checks),
        "counts": {status.value: counts[status.value] for status in Status},
        "checks": [
            {"check": c.name, "target": c.target, "item": c.item, "result": c.status.value, "detail": c.detail}
            for c in checks
        ],
    }
    return json.dumps(document, indent=2)


def render_markdown(target: Target, checks: Sequence[Check]) -> str:
    icon = {Status.PASS: "✅", Status.FAIL: "❌", Status.NOT_TESTED: "⚠️ not tested"}
    lines = [
        f"### {summary(target, checks)}",
        "",
        "| Result | Check | Target | Item | Detail |",
        "|---|---|---|---|---|",
    ]
    ordered = sorted(checks, key=lambda c: [Status.FAIL, Status.NOT_TESTED, Status.PASS].index(c.status))
    for check in ordered:
        cells = [icon[check.status], check.name, f"`{check.target}`", f"`{check.item}`", check.detail]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)
