"""``--format markdown``: the preview as a pull-request comment a reviewer reads in ten seconds.

Verdict first (the blocking count), the change in one line (resources to create or read by type: what an
offline run knows; without the stack's state it cannot tell an update or a replace from a create), counts
by level and the summary sentence. Then the blocking violations grouped by checklist section and item (the
item's words), each with its resource, the source line or the stack file's config key line, the message
and the remediation; folded below: undetermined advisory ones, those existing in the baseline, exempted
ones, advisory ones and the baseline's fixed ones.

A comment never exceeds GitHub's limit: past it, the findings that do not fit are counted, not shown, and
only whole findings are dropped, so no list item, table or fold is left open.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from agencyos_infra.analyzer import PolicyReport
from agencyos_infra.baseline import EXISTING, BaselineEntry
from agencyos_infra.engine import STACK_TYPE, ProgramRun
from agencyos_infra.report import Finding, checklist_catalogue, counts, findings, shown_resources, summary_sentence
from agencyos_infra.review import ADVISORY, FAILED, Review

COMMENT_LIMIT = 65_536
"""GitHub's maximum comment body, in characters; measured here in UTF-8 bytes, which are never fewer, so the
comment fits however it is counted."""

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
    fixed = review.fixed(report.violations) if review is not None else []
    head = _head(run, report, every, review)
    groups = _groups(every)
    total = len(every) + len(fixed)
    full = _document(head, groups, fixed, total, total)
    if _size(full) <= max_chars:
        return full
    # The most findings (in the order shown: blocking first) whose comment fits, with the note saying so.
    low, high = 0, total - 1
    while low < high:
        middle = (low + high + 1) // 2
        if _size(_document(head, groups, fixed, middle, total)) <= max_chars:
            low = middle
        else:
            high = middle - 1
    shown = _document(head, groups, fixed, low, total)
    if _size(shown) <= max_chars:
        return shown
    # Not even the head and the note fit: whole lines of the head, then the note, never a cut line.
    note = _omitted_note(total, total)
    kept: list[str] = []
    for line in head:
        if _size("\n".join([*kept, line, "", *note])) + 1 > max_chars:
            break
        kept.append(line)
    return "\n".join([*kept, "", *note]) + "\n"


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _groups(every: list[Finding]) -> list[tuple[str, list[Finding]]]:
    """(title, findings) in the order shown; the first, blocking, is open, the others folded."""
    blocking = [f for f in every if f.blocking]
    existing = [f for f in every if not f.blocking and f.mandatory and f.baseline_state == EXISTING and not f.exemption]
    exempted = [f for f in every if f.exemption is not None]
    rest = [f for f in every if not f.blocking and f not in existing and f not in exempted]
    return [
        ("", blocking),
        ("existing mandatory {violation} (in the baseline, not blocking)", existing),
        ("exempted {violation}", exempted),
        ("advisory {violation}", rest),
    ]


def _head(run: ProgramRun, report: PolicyReport, every: list[Finding], review: Review | None) -> list[str]:
    target = f"stack `{run.stack}` of `{run.project}`"
    total = counts(every, review, report)
    baseline = review is not None and review.baseline is not None
    if total.blocking:
        new = " new" if baseline else ""
        verdict = f"### ❌ {target}: {total.blocking}{new} mandatory policy {_plural(total.blocking, 'violation')}"
    else:
        verdict = f"### ✅ {target}: no{' new' if baseline else ''} mandatory policy violation"
    state = review is not None and review.state_file is not None
    if state:
        what = f"Offline `agencyos-infra analyze` of the deployed state (`{review.state_file.name}`)"  # type: ignore[union-attr]
    else:
        mode = "computed outputs unknown" if run.preview else "up mode, outputs known"
        what = f"Offline `agencyos-infra preview` ({mode})"
    mandatory = sum(1 for f in every if f.mandatory)
    lines = [
        verdict,
        "",
        _change_summary(run, state),
        "",
        f"{what}, policy pack `{report.pack_name}@v{report.pack_version}` ({len(report.policies)} policies). "
        f"{_capitalised(summary_sentence(total, review))}",
        "",
        "| Level | Violations |",
        "| --- | ---: |",
        f"| Mandatory | {mandatory} |",
        f"| Advisory | {len(every) - mandatory} |",
    ]
    if baseline:
        lines += [
            "",
            f"Against the baseline (`{review.baseline.path.name}`): {total.new} new, {total.existing} existing, "  # type: ignore[union-attr]
            f"{total.fixed} fixed. Only new mandatory violations block.",
        ]
    notes = review.advisories(report.violations) if review is not None else []
    if notes:
        lines += ["", *[f"> {_escape(note)}<br>" for note in notes[:-1]], f"> {_escape(notes[-1])}"]
    if report.remediations:
        count = len(report.remediations)
        lines += ["", f"The pack remediated {count} {_plural(count, 'resource property', 'resource properties')}."]
    return lines


MAX_TYPES_SHOWN = 8


def _change_summary(run: ProgramRun, deployed: bool) -> str:
    """``**Changes:** 12 to create (3 `gcp:...`, ...), 1 to read.``: what the run knows of the change."""
    shown = [r for r in shown_resources(run) if r.type != STACK_TYPE]
    created = Counter(r.type for r in shown if not r.external)
    read = sum(1 for r in shown if r.external)
    if deployed:
        label, verb = "**Deployed:**", ""
    else:
        label, verb = "**Changes:**", " to create"
    types = sorted(created.items(), key=lambda item: (-item[1], item[0]))
    listed = ", ".join(f"{count} `{type_}`" for type_, count in types[:MAX_TYPES_SHOWN])
    if len(types) > MAX_TYPES_SHOWN:
        listed += f" and {len(types) - MAX_TYPES_SHOWN} more types"
    total = sum(created.values())
    line = f"{label} {total} {_plural(total, 'resource')}{verb}" + (f" ({listed})" if listed else "")
    if read:
        line += f", {read} read"
    if not deployed:
        line += "; offline, without the stack's state, an update or a replace shows as a create"
    return line + "."


def _document(
    head: list[str], groups: list[tuple[str, list[Finding]]], fixed: list[BaselineEntry], shown: int, total: int
) -> str:
    """The comment with the first ``shown`` findings (fixed ones last) of ``total``."""
    lines = list(head)
    left = shown
    for title, found in groups:
        part, left = found[:left], max(0, left - len(found))
        if not part:
            continue
        if not title:
            lines += _grouped(part, heading=lambda section: f"#### {section}")
            continue
        count = len(part)
        summary = title.format(violation=_plural(count, "violation"))
        lines += ["", f"<details><summary>{count} {summary}</summary>"]
        lines += [*_grouped(part, heading=lambda section: f"**{section}**"), "", "</details>"]
    gone = fixed[:left]
    if gone:
        lines += ["", f"<details><summary>{len(gone)} fixed since the baseline</summary>", ""]
        lines += [f"- `{entry.policy}` · `{entry.urn or 'the stack'}`" for entry in gone]
        lines += ["", "</details>"]
    if shown < total:
        lines += ["", *_omitted_note(total - shown, total)]
    return "\n".join(lines) + "\n"


def _omitted_note(hidden: int, total: int) -> list[str]:
    return [
        f"> ⚠️ {hidden} of {total} findings not shown: this comment would exceed GitHub's limit. "
        "The `--format json` report lists them all."
    ]


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
            if first is not None:  # an unmapped finding's section heading already says so
                lines.append(f"**`{item_id}`** {_escape(_capitalised(first.text))}")
            lines += [_line(finding) for finding in items[item_id]]
            lines.append("")
        lines.pop()
    return lines


def _line(finding: Finding) -> str:
    """One list item: policy, severity, resource, where; the message; the status; the remediation."""
    violation = finding.violation
    if finding.resource is not None:
        resource = f"`{finding.resource.type}` **{_escape(finding.resource.name)}**"
    elif violation.urn:
        resource = f"`{violation.urn}`"
    else:
        resource = "the stack"
    parts = [f"- `{violation.policy}` ({violation.severity}) · {resource} · `{finding.where}`"]
    parts.append(_escape(finding.message))
    if finding.status not in (FAILED, ADVISORY):
        parts.append(f"*{_escape(_capitalised(finding.status))}.*")
    if finding.remediation:
        parts.append(f"Fix: {_escape(finding.remediation)}")
    return "<br>".join(parts)


def _capitalised(text: str) -> str:
    """A sentence starts with a capital letter (a message may start with a lower-case word)."""
    return text[:1].upper() + text[1:]


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
