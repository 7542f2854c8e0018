"""``--format markdown``: the preview as a pull-request comment a reviewer reads in ten seconds.

Verdict first, counts by level, then the mandatory violations grouped by checklist section and item
(the item's words, the resource, the message, the file and line); advisory ones folded. A comment
never exceeds GitHub's limit: past it, the violations that do not fit are counted, not shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from agencyos_infra.analyzer import PolicyReport
from agencyos_infra.engine import STACK_TYPE, ProgramRun
from agencyos_infra.report import Finding, checklist_catalogue, findings, shown_resources
from agencyos_infra.review import Review

COMMENT_LIMIT = 65_536
"""GitHub's maximum comment body, in characters."""

NOT_MAPPED = "Not mapped to a checklist item"


def render_markdown(
    run: ProgramRun,
    report: PolicyReport,
    *,
    source_root: Path | None = None,
    max_chars: int = COMMENT_LIMIT,
    review: Review | None = None,
) -> str:
    every = findings(run, report, source_root, review)
    mandatory = [f for f in every if f.violation.enforcement_level == "mandatory"]
    advisory = [f for f in every if f.violation.enforcement_level != "mandatory"]
    head = _head(run, report, len(mandatory), len(advisory))
    full = _document(head, mandatory, advisory, len(every))
    if len(full) <= max_chars:
        return full
    # The longest prefix of the violations (mandatory first) whose comment fits, with the note saying so.
    low, high = 0, len(every)
    while low < high:
        middle = (low + high + 1) // 2
        if (
            len(_document(head, mandatory[:middle], advisory[: max(0, middle - len(mandatory))], len(every)))
            <= max_chars
        ):
            low = middle
        else:
            high = middle - 1
    shown = _document(head, mandatory[:low], advisory[: max(0, low - len(mandatory))], len(every))
    return shown if len(shown) <= max_chars else shown[: max_chars - 1] + "…"


def _head(run: ProgramRun, report: PolicyReport, mandatory: int, advisory: int) -> list[str]:
    target = f"stack `{run.stack}` of `{run.project}`"
    if mandatory:
        verdict = f"### ❌ {target}: {mandatory} mandatory policy {_plural(mandatory, 'violation')}"
    else:
        verdict = f"### ✅ {target}: no mandatory policy violation"
    resources = sum(1 for r in shown_resources(run) if r.type != STACK_TYPE)
    mode = "computed outputs unknown" if run.preview else "up mode, outputs known"
    lines = [
        verdict,
        "",
        f"Offline `agencyos-infra preview` ({mode}) of {resources} {_plural(resources, 'resource')}, "
        f"policy pack `{report.pack_name}@v{report.pack_version}` ({len(report.policies)} policies).",
        "",
        "| Level | Violations |",
        "| --- | ---: |",
        f"| Mandatory | {mandatory} |",
        f"| Advisory | {advisory} |",
    ]
    if report.remediations:
        count = len(report.remediations)
        lines += ["", f"The pack remediated {count} {_plural(count, 'resource property', 'resource properties')}."]
    return lines


def _document(head: list[str], mandatory: list[Finding], advisory: list[Finding], total: int) -> str:
    lines = list(head)
    if mandatory:
        lines += _grouped(mandatory, heading=lambda section: f"#### {section}")
    if advisory:
        count = len(advisory)
        lines += ["", f"<details><summary>{count} advisory {_plural(count, 'violation')}</summary>"]
        lines += [*_grouped(advisory, heading=lambda section: f"**{section}**"), "", "</details>"]
    shown = len(mandatory) + len(advisory)
    if shown < total:
        lines += [
            "",
            f"> ⚠️ {total - shown} of {total} violations not shown: this comment would exceed GitHub's limit. "
            "`agencyos-infra preview --format json` lists them all.",
        ]
    return "\n".join(lines) + "\n"


def _grouped(found: list[Finding], heading: Callable[[str], str]) -> list[str]:
    order = {item_id: index for index, item_id in enumerate(checklist_catalogue())}
    by_section: dict[str, dict[str, list[Finding]]] = {}
    for finding in found:
        section = finding.checklist.section if finding.checklist else NOT_MAPPED
        by_section.setdefault(section, {}).setdefault(finding.checklist.id if finding.checklist else "", []).append(
            finding
        )
    lines: list[str] = []
    for section in sorted(by_section, key=_section_order):
        lines += ["", heading(_escape(section)), ""]
        items = by_section[section]
        for item_id in sorted(items, key=lambda i: (order.get(i, len(order)), i)):
            first = items[item_id][0].checklist
            lines.append(f"**`{item_id}`** {_escape(first.text)}" if first else f"**{NOT_MAPPED}**")
            lines += [_line(finding) for finding in items[item_id]]
            lines.append("")
        lines.pop()
    return lines


def _line(finding: Finding) -> str:
    violation = finding.violation
    if finding.resource is not None:
        resource = f"`{finding.resource.type}` **{_escape(finding.resource.name)}**"
    elif violation.urn:
        resource = f"`{violation.urn}`"
    else:
        resource = "the stack"
    message = _escape(" ".join(violation.message.split()))
    return f"- `{violation.policy}` ({violation.severity}) · {resource} · `{finding.where}`<br>{message}"


def _section_order(section: str) -> tuple[int, int, str]:
    numbered = re.match(r"§(\d+)", section)
    if numbered:
        return (0, int(numbered[1]), section)
    return (2 if section == NOT_MAPPED else 1, 0, section)


def _escape(text: str) -> str:
    """Plain text that stays plain: no HTML, so a message cannot open a tag or close the fold."""
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _plural(count: int, singular: str, plural: str | None = None) -> str:
    return singular if count == 1 else (plural or f"{singular}s")
