"""``--format github``: GitHub Actions workflow commands, so findings show as annotations on the pull
request's changed lines without code scanning.

One command per violation, at the line a CI shows it at (``Finding.pointed``: the resource's creating line,
else the config key's line in the stack file, else the stack file), the path relative to the source root
(the git top level by default, as GitHub wants):

- ``::error`` for a blocking violation (mandatory, not exempted, not in the baseline; an undetermined one
  too, its title saying so);
- ``::warning`` for an advisory one;
- ``::notice`` for a mandatory one that does not block: exempted (with the exception) or existing in the
  baseline.

Values are escaped as the runner's toolkit escapes them (``@actions/core`` ``toCommandValue``): in the
message ``%``, ``\\r`` and ``\\n``; in properties also ``:`` and ``,``. GitHub shows at most 10 errors and
10 warnings per step in a pull request's files view: blocking findings come first.
"""

from __future__ import annotations

from pathlib import Path

from agencyos_infra.analyzer import PolicyReport
from agencyos_infra.baseline import EXISTING
from agencyos_infra.engine import ProgramRun
from agencyos_infra.report import Finding, counts, findings, summary_sentence
from agencyos_infra.review import ADVISORY, UNDETERMINED, Review


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: str | int | None) -> str:
    """``::name key=value,...::message``, each part escaped; properties that are None are left out."""
    given = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items() if value is not None)
    return f"::{name}{' ' + given if given else ''}::{escape_data(message)}"


def render_github(
    run: ProgramRun, report: PolicyReport, *, source_root: Path | None = None, review: Review | None = None
) -> str:
    found = findings(run, report, source_root, review)
    ordered = sorted(found, key=lambda f: (not f.blocking, f.outcome == ADVISORY))
    lines = [_annotation(finding) for finding in ordered]
    if review is not None:
        lines += [command("warning", note, title="Policy exception") for note in review.advisories(report.violations)]
    total = counts(found, review, report)
    lines.append(
        command(
            "error" if total.blocking else "notice",
            f"Stack {run.stack} of {run.project}: {summary_sentence(total, review)}",
            title="agencyos-infra policy pack",
        )
    )
    return "\n".join(lines) + "\n"


def _annotation(finding: Finding) -> str:
    violation = finding.violation
    if finding.blocking:
        name = "error"
    elif finding.outcome == ADVISORY or (finding.outcome == UNDETERMINED and not finding.mandatory):
        name = "warning"
    else:
        name = "notice"
    title = violation.policy
    if finding.outcome == UNDETERMINED:
        title += " (undetermined)"
    elif finding.exemption is not None:
        title += f" (exempted by {finding.exemption.id})"
    elif finding.baseline_state == EXISTING:
        title += " (existing)"
    parts = [finding.message]
    resource = finding.resource
    parts.append(
        f"Resource: {resource.type} {resource.name}" if resource else f"Resource: {violation.urn or 'the stack'}"
    )
    if finding.remediation:
        parts.append(f"Remediation: {finding.remediation}")
    if violation.checklist_item:
        parts.append(f"Checklist: {violation.checklist_item}")
    if finding.exemption is not None:
        parts.append(f"Exempted by {finding.exemption.id}: {finding.exemption.reason}")
    pointed = finding.pointed
    # A file outside the repository (not relative) would annotate nothing: the annotation stays on the run.
    located = pointed is not None and pointed.relative
    return command(
        name,
        "\n".join(parts),
        file=pointed.path if located and pointed else None,
        line=pointed.line if located and pointed else None,
        col=pointed.column or None if located and pointed else None,
        title=title,
    )
