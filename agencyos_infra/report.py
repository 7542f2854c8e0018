"""Renders a preview like ``pulumi preview`` does: the resource tree, counts, policy results; and JSON.

Also the model the other formats (``report_markdown``, ``report_sarif``) render: each violation as a
``Finding`` with its resource, the source position that created it (relative to the source root) and
its checklist item.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

from agencyos_infra import anchors
from agencyos_infra.analyzer import PolicyReport, Violation, unknown_policy_names
from agencyos_infra.baseline import EXISTING, NEW
from agencyos_infra.engine import STACK_TYPE, CapturedResource, ProgramRun, SourcePosition
from agencyos_infra.exceptions import PolicyException
from agencyos_infra.review import (
    ADVISORY,
    EXEMPTED,
    FAILED,
    UNDETERMINED,
    UNDETERMINED_PREFIX,
    Counts,
    Review,
    is_undetermined,
)
from agencyos_infra.wire import UNKNOWN

NO_SOURCE_POSITION = "no source position"
"""Shown where the engine got none (stack policies, resources the SDK could not place): never guessed."""


@dataclass(frozen=True)
class Location:
    """Where the program created a resource: a path relative to the source root when the file is under it."""

    path: str
    """POSIX path relative to the source root, or the file's absolute path (or URI) when outside it."""
    line: int
    column: int = 0
    """1-based; 0 when the SDK did not send one (the Python SDK sends lines only)."""
    relative: bool = True

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" + (f":{self.column}" if self.column else "")


def source_location(position: SourcePosition | None, root: Path | None) -> Location | None:
    """The SDK's ``sourcePosition`` (a ``file://`` URI, line, column) as a path relative to ``root``."""
    if position is None or position.line <= 0:
        return None
    parsed = urlparse(position.path)
    if parsed.scheme not in ("file", ""):
        return Location(position.path, position.line, position.column, relative=False)
    path = Path(url2pathname(unquote(parsed.path)) if parsed.scheme else position.path)
    if root is not None and path.is_absolute():
        try:
            return Location(path.relative_to(root).as_posix(), position.line, position.column)
        except ValueError:
            pass  # a file outside the root (a library's component): its absolute path says where
    return Location(path.as_posix(), position.line, position.column, relative=not path.is_absolute())


_CHECKLIST_REFERENCE = re.compile(r"^(?P<path>.*?) \[(?P<id>[^\[\]]+)\](?:: (?P<statement>.*))?$", re.DOTALL)


@dataclass(frozen=True)
class ChecklistRef:
    """A policy's checklist item, from its compliance framework: ``<path> [<id>]: <statement>``."""

    id: str
    path: str
    """Section › subsection › parent items, e.g. ``§7 Backup & Disaster Recovery › Database Backups``."""
    statement: str
    """The item with its details, as the pack states it."""

    @property
    def section(self) -> str:
        return self.path.split(" › ", 1)[0]

    @property
    def text(self) -> str:
        """The item's own words (without its details) when the checklist knows the id, else the statement."""
        item = checklist_catalogue().get(self.id)
        return item.text if item is not None else self.statement


@cache
def checklist_catalogue() -> Mapping[str, Any]:
    """The checklist's items by id, in document order (empty when the checklist is not installed)."""
    try:
        from agencyos_checklist import catalogue
    except ImportError:  # another project's pack and no checklist installed: the statement stands
        return {}
    return catalogue()


def checklist_ref(checklist_item: str) -> ChecklistRef | None:
    match = _CHECKLIST_REFERENCE.match(checklist_item or "")
    if match is None:
        return None
    return ChecklistRef(match["id"], match["path"], match["statement"] or "")


@dataclass(frozen=True)
class Finding:
    """One violation with what a reviewer needs beside it: the resource, its source line, its checklist item.

    And its judgement (``agencyos_infra.review``): the exception that exempts it (or the expired one that
    no longer does), whether it is new or in the baseline, whether the pack could not decide it.
    """

    violation: Violation
    resource: CapturedResource | None
    location: Location | None
    checklist: ChecklistRef | None
    anchor: Location | None = None
    """Where to point without a source position: the config key's line in the stack file, the stack file,
    or the resource's line in the stack export it was judged from."""
    exemption: PolicyException | None = None
    expired_exception: PolicyException | None = None
    baseline_state: str | None = None
    """``new`` or ``existing`` with a baseline, else None."""
    remediation: str = ""

    @property
    def where(self) -> str:
        if self.location:
            return str(self.location)
        return f"{self.anchor} ({NO_SOURCE_POSITION})" if self.anchor else NO_SOURCE_POSITION

    @property
    def pointed(self) -> Location | None:
        """The line a CI shows the finding at: the source position inside the source root, else the anchor."""
        if self.location is not None and (self.location.relative or self.anchor is None):
            return self.location
        return self.anchor or self.location

    @property
    def undetermined(self) -> bool:
        return is_undetermined(self.violation.message)

    @property
    def message(self) -> str:
        """The violation's message on one line; an undetermined result's starts with ``Undetermined: ``
        (the SDK puts the policy's description before the pack's mark)."""
        message = " ".join(_capitalised(" ".join(line.split())) for line in self.violation.message.splitlines())
        message = " ".join(message.split())
        if self.undetermined and not message.startswith(UNDETERMINED_PREFIX):
            message = UNDETERMINED_PREFIX + message.replace(UNDETERMINED_PREFIX, "", 1)
        return message

    @property
    def mandatory(self) -> bool:
        return self.violation.enforcement_level == "mandatory"

    @property
    def outcome(self) -> str:
        """exempted, undetermined, failed (mandatory) or advisory."""
        if self.exemption is not None:
            return EXEMPTED
        if self.undetermined:
            return UNDETERMINED
        return FAILED if self.mandatory else ADVISORY

    @property
    def blocking(self) -> bool:
        """Mandatory, not exempted, not already in the baseline: what makes the exit code 1."""
        return self.mandatory and self.exemption is None and self.baseline_state != EXISTING

    @property
    def status(self) -> str:
        """The judgement in words, for every report."""
        parts = [self.outcome]
        if self.outcome == UNDETERMINED:
            parts[0] += (
                f" ({'mandatory' if self.mandatory else 'advisory'}: a value was unknown, nothing showed it passes)"
            )
        if self.exemption is not None:
            parts[0] += f" by {self.exemption.id}: {self.exemption.reason}"
        elif self.expired_exception is not None:
            parts.append(f"exception {self.expired_exception.id} expired on {self.expired_exception.expires_at}")
        if self.baseline_state is not None:
            parts.append("existing (in the baseline)" if self.baseline_state == EXISTING else "new")
        return "; ".join(parts)


_PLAIN_WORD = re.compile(r"^[a-z]+(?=[\s,;:]|$)")


def _capitalised(sentence: str) -> str:
    """A sentence that starts with a plain word starts with a capital (the pack's checks write their part after
    the policy's description in lower case); one that starts with a property path (``settings.tier``) keeps it."""
    return sentence[:1].upper() + sentence[1:] if _PLAIN_WORD.match(sentence) else sentence


def findings(
    run: ProgramRun, report: PolicyReport, source_root: Path | None = None, review: Review | None = None
) -> list[Finding]:
    """The report's violations in a stable order; paths relative to ``source_root`` (default: the program)."""
    review = review or Review()
    root = source_root or run.program_dir or (review.state_file.parent if review.state_file else None)
    resources = run.by_urn()
    stack_path = anchors.stack_file(run.program_dir, run.stack)
    found = []
    for violation in sorted_violations(report):
        resource = resources.get(violation.urn)
        location = source_location(resource.source if resource else None, root)
        anchor = None
        if location is None or not location.relative:  # a library's file outside the root: point in the repo too
            anchor = _anchor(violation.urn, violation.message, resource, review, stack_path, root, stack_urn(run))
        policy = report.policies.get(violation.policy)
        found.append(
            Finding(
                violation,
                resource,
                location,
                checklist_ref(violation.checklist_item),
                anchor=anchor,
                exemption=review.exemption(violation.policy, violation.urn),
                expired_exception=review.expired_exemption(violation.policy, violation.urn),
                baseline_state=review.baseline_state(violation.policy, violation.urn),
                # The pack's steps only: the description restated as a fix would tell the reader nothing.
                remediation=_capitalised(" ".join(policy.remediation.split())) if policy else "",
            )
        )
    return found


def _anchor(
    urn: str,
    message: str,
    resource: CapturedResource | None,
    review: Review,
    stack_path: Path | None,
    root: Path | None,
    fallback_urn: str,
) -> Location | None:
    stack_level = resource is None or resource.type == STACK_TYPE
    if stack_path is not None and (stack_level or review.state_file is None):
        return file_location(stack_path, anchors.config_key_line(stack_path, message) or 1, root)
    if review.state_file is not None:
        urn = resource.urn if resource is not None else urn or fallback_urn
        return file_location(review.state_file, anchors.urn_line(review.state_file, urn) or 1, root)
    return None


def entry_anchor(
    run: ProgramRun, urn: str, message: str, source_root: Path | None, review: Review | None
) -> Location | None:
    """Where a finding of another run (a baseline's, now fixed) points: its resource's line if it still
    exists, else the stack file (or the export) as for a stack policy's result."""
    review = review or Review()
    root = source_root or run.program_dir or (review.state_file.parent if review.state_file else None)
    resource = run.by_urn().get(urn)
    location = source_location(resource.source if resource else None, root)
    if location is not None and location.relative:
        return location
    stack_path = anchors.stack_file(run.program_dir, run.stack)
    return _anchor(urn, message, resource, review, stack_path, root, stack_urn(run))


def file_location(path: Path, line: int, root: Path | None) -> Location:
    """A file on disk as a Location, relative to ``root`` when under it."""
    return source_location(SourcePosition(path.resolve().as_uri(), line), root.resolve() if root else None) or Location(
        path.as_posix(), line
    )


def counts(found: list[Finding], review: Review | None, report: PolicyReport) -> Counts:
    """The summary line of every report."""
    fixed = len(review.fixed(report.violations)) if review else 0
    return Counts(
        failed=sum(1 for f in found if f.outcome == FAILED),
        undetermined=sum(1 for f in found if f.outcome == UNDETERMINED),
        advisory=sum(1 for f in found if f.outcome == ADVISORY),
        exempted=sum(1 for f in found if f.outcome == EXEMPTED),
        existing=sum(1 for f in found if f.baseline_state == EXISTING),
        new=sum(1 for f in found if f.baseline_state == NEW),
        fixed=fixed,
        blocking=sum(1 for f in found if f.blocking),
    )


def summary_sentence(total: Counts, review: Review | None) -> str:
    """``2 blocking: 1 failed, 1 undetermined; 3 advisory, 1 exempted; 1 new, 2 existing, 1 fixed.``"""
    sentence = (
        f"{total.blocking} blocking: {total.failed} failed, {total.undetermined} undetermined; "
        f"{total.advisory} advisory, {total.exempted} exempted"
    )
    if review is not None and review.baseline is not None:
        sentence += f"; against the baseline {total.new} new, {total.existing} existing, {total.fixed} fixed"
    return sentence + "."


def _is_default_provider(resource: CapturedResource) -> bool:
    return resource.type.startswith("pulumi:providers:") and resource.name.startswith("default")


def shown_resources(run: ProgramRun) -> list[CapturedResource]:
    """What ``pulumi preview`` lists: everything but the engine's default providers."""
    return [resource for resource in run.resources if not _is_default_provider(resource)]


def render_text(
    run: ProgramRun, report: PolicyReport | None, source_root: Path | None = None, review: Review | None = None
) -> str:
    if review is not None and review.state_file is not None:
        lines = [
            f"Analysing the deployed state of stack {run.stack} of project {run.project} ({review.state_file.name})"
        ]
        change = "deployed"
    else:
        mode = "preview: computed outputs unknown" if run.preview else "up mode: outputs known"
        lines = [f"Previewing stack {run.stack} of project {run.project} (offline mock engine, {mode})"]
        change = "to create"
    lines += ["", *_tree(shown_resources(run))]
    shown = shown_resources(run)
    by_type = Counter(r.type for r in shown if r.type != STACK_TYPE)
    lines += ["", f"Resources: {len(shown)} {change}"]
    lines += [f"  {count:>3} {type_}" for type_, count in sorted(by_type.items())]
    # As the CLI without --debug: the SDK's own debug chatter is not shown.
    shown_log = [entry for entry in run.log if entry.severity != "debug"]
    if shown_log:
        lines += ["", "Diagnostics:"]
        by_resource: dict[str, list[str]] = {}
        for entry in shown_log:
            by_resource.setdefault(entry.urn or stack_urn(run), []).append(f"{entry.severity}: {entry.message}")
        for urn, messages in by_resource.items():
            parts = urn.split("::")
            lines.append(f"  {parts[2].split('$')[-1]} ({parts[-1]}):" if len(parts) >= 4 else f"  {urn}:")
            lines += [f"    {message}" for message in messages]
    if report is not None:
        lines += ["", f"Policies ({report.pack_name}@v{report.pack_version}, {len(report.policies)} policies):"]
        every = findings(run, report, source_root, review)
        for level in ("mandatory", "advisory"):
            found = [f for f in every if f.violation.enforcement_level == level]
            lines.append(f"  {level.capitalize()} violations: {len(found)}")
            for finding in found:
                violation = finding.violation
                lines.append(f"    [{violation.policy}] ({violation.severity}) {violation.urn or '(stack)'}")
                lines += [f"        {text}" for text in violation.message.splitlines()]
                lines.append(f"        source: {finding.where}")
                if violation.checklist_item:
                    lines.append(f"        checklist: {violation.checklist_item}")
                if finding.status not in (FAILED, ADVISORY):
                    lines.append(f"        status: {finding.status}")
        lines.append(f"  Result: {summary_sentence(counts(every, review, report), review)}")
        if review is not None:
            lines += [f"  {note}" for note in review.advisories(report.violations)]
            fixed = review.fixed(report.violations)
            if fixed:
                lines.append(f"  Fixed since the baseline: {len(fixed)}")
                lines += [f"    [{entry.policy}] {entry.urn or '(stack)'}" for entry in fixed]
        if report.remediations:
            lines.append(f"  Remediations applied: {len(report.remediations)}")
            for remediation in report.remediations:
                lines.append(f"    [{remediation.policy}] {remediation.urn}: {remediation.description}")
    if run.stack_outputs.plain:
        lines += ["", "Outputs:"]
        for key, value in sorted(run.stack_outputs.redacted().items()):
            lines.append(f"    {key}: {_display(value)}")
    return "\n".join(lines)


def sorted_violations(report: PolicyReport) -> list[Any]:
    """Violations in a stable order: resources are registered (and judged) from several threads."""
    return sorted(report.violations, key=lambda v: (v.urn, v.policy, v.message))


def stack_urn(run: ProgramRun) -> str:
    return next((r.urn for r in run.resources if r.type == STACK_TYPE), "")


def unknown_policy_warnings(policy_config: Any, report: PolicyReport) -> list[str]:
    """Config for names the pack lacks is passed on by the CLI, silently; say so, since it configures nothing."""
    if not isinstance(policy_config, Mapping):
        return []
    names = unknown_policy_names(policy_config, report.policies)
    return [f"policy config names {name!r}, which pack {report.pack_name} does not have" for name in names]


def _display(value: Any) -> str:
    return str(_shown(value))


def _shown(value: Any) -> Any:
    """A value as the CLI prints it: unknowns, nested ones too, as output<unknown>."""
    if value == UNKNOWN:
        return "output<unknown>"
    if isinstance(value, dict):
        return {key: _shown(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shown(item) for item in value]
    return value


def _tree(resources: list[CapturedResource]) -> list[str]:
    children: dict[str, list[CapturedResource]] = {}
    for resource in sorted(resources, key=lambda r: (r.type, r.name)):
        children.setdefault(resource.parent, []).append(resource)
    type_width = max((len(r.type) for r in resources), default=10) + 6
    lines = [f"     {'Type':<{type_width}} Name"]

    def walk(resource: CapturedResource, prefix: str, last: bool, root: bool) -> None:
        branch = "" if root else ("└─ " if last else "├─ ")
        flags = " [protected]" if resource.protect else ""
        label = f"{prefix}{branch}{resource.type}"
        lines.append(f" +   {label:<{type_width}} {resource.name}{flags}")
        kids = children.get(resource.urn, [])
        for index, kid in enumerate(kids):
            walk(kid, prefix + ("" if root else ("   " if last else "│  ")), index == len(kids) - 1, False)

    roots = [r for r in resources if not r.parent or r.parent not in {x.urn for x in resources}]
    for root in roots:
        walk(root, "", True, True)
    return lines


def render_json(
    run: ProgramRun, report: PolicyReport | None, source_root: Path | None = None, review: Review | None = None
) -> dict[str, Any]:
    """Resources with secrets redacted (paths listed), dependencies, outputs and violations.

    Each violation's ``source`` is the position of the code that created its resource (path relative
    to the source root, line, column or null), or null where the engine got none.
    """
    return {
        "project": run.project,
        "stack": run.stack,
        "mode": "preview" if run.preview else "up",
        "diagnostics": [
            {"severity": e.severity, "message": e.message, "urn": e.urn} for e in run.log if e.severity != "debug"
        ],
        "resources": [
            {
                "type": r.type,
                "name": r.name,
                "urn": r.urn,
                "custom": r.custom,
                "parent": r.parent,
                "provider": r.provider,
                "protect": r.protect,
                "retainOnDelete": r.retain_on_delete,
                "deletedWith": r.deleted_with,
                "ignoreChanges": r.ignore_changes,
                "additionalSecretOutputs": r.additional_secret_outputs,
                "dependencies": sorted(r.dependencies),
                "propertyDependencies": {key: sorted(urns) for key, urns in r.property_dependencies.items()},
                "deleteBeforeReplace": r.delete_before_replace,
                "aliases": sorted(r.aliases),
                "customTimeouts": r.custom_timeouts,
                "source": None if r.source is None else {"uri": r.source.path, "line": r.source.line},
                "inputs": r.inputs.redacted(),
                "secretPaths": r.inputs.secret_paths,
                "unknownPaths": r.inputs.unknown_paths,
                "outputSecretPaths": r.outputs.secret_paths,
            }
            # The SDK registers from several threads, so registration order varies between runs.
            for r in sorted(run.resources, key=lambda resource: resource.urn)
        ],
        "outputs": run.stack_outputs.redacted(),
        "outputSecretPaths": run.stack_outputs.secret_paths,
        "policyPack": None if report is None else {"name": report.pack_name, "version": report.pack_version},
        "violations": []
        if report is None
        else [
            {
                "policy": f.violation.policy,
                "enforcementLevel": f.violation.enforcement_level,
                "severity": f.violation.severity,
                "urn": f.violation.urn,
                "message": f.violation.message,
                "checklistItem": f.violation.checklist_item,
                "checklistItemId": f.checklist.id if f.checklist else None,
                "source": None
                if f.location is None
                else {"path": f.location.path, "line": f.location.line, "column": f.location.column or None},
                "anchor": None if f.anchor is None else {"path": f.anchor.path, "line": f.anchor.line},
                "outcome": f.outcome,
                "blocking": f.blocking,
                "exception": None if f.exemption is None else {"id": f.exemption.id, "reason": f.exemption.reason},
                "expiredException": None if f.expired_exception is None else f.expired_exception.id,
                "baselineState": f.baseline_state,
            }
            for f in findings(run, report, source_root, review)
        ],
        "summary": None if report is None else _summary_json(run, report, source_root, review),
        "remediations": []
        if report is None
        else [{"policy": r.policy, "urn": r.urn, "description": r.description} for r in report.remediations],
    }


def _summary_json(
    run: ProgramRun, report: PolicyReport, source_root: Path | None, review: Review | None
) -> dict[str, Any]:
    total = counts(findings(run, report, source_root, review), review, report)
    return {
        **dataclasses.asdict(total),
        "fixed": []
        if review is None
        else [
            {"policy": e.policy, "urn": e.urn, "enforcementLevel": e.enforcement_level}
            for e in review.fixed(report.violations)
        ],
        "expiredExceptions": [] if review is None else [e.id for e in review.expired()],
        "unmatchedExceptions": [] if review is None else [e.id for e in review.unmatched(report.violations)],
        "stateFile": None if review is None or review.state_file is None else review.state_file.name,
    }
