"""Renders a preview like ``pulumi preview`` does: the resource tree, counts, policy results; and JSON."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from agencyos_infra.analyzer import PolicyReport, unknown_policy_names
from agencyos_infra.engine import STACK_TYPE, CapturedResource, ProgramRun
from agencyos_infra.wire import UNKNOWN


def _is_default_provider(resource: CapturedResource) -> bool:
    return resource.type.startswith("pulumi:providers:") and resource.name.startswith("default")


def shown_resources(run: ProgramRun) -> list[CapturedResource]:
    """What ``pulumi preview`` lists: everything but the engine's default providers."""
    return [resource for resource in run.resources if not _is_default_provider(resource)]


def render_text(run: ProgramRun, report: PolicyReport | None) -> str:
    mode = "preview: computed outputs unknown" if run.preview else "up mode: outputs known"
    lines = [f"Previewing stack {run.stack} of project {run.project} (offline mock engine, {mode})", ""]
    lines += _tree(shown_resources(run))
    counts = Counter(r.type for r in shown_resources(run) if r.type != STACK_TYPE)
    lines += ["", f"Resources: {sum(counts.values()) + 1} to create"]
    lines += [f"  {count:>3} {type_}" for type_, count in sorted(counts.items())]
    # As the CLI without --debug: the SDK's own debug chatter is not shown.
    shown_log = [entry for entry in run.log if entry.severity != "debug"]
    if shown_log:
        lines += ["", "Diagnostics:"]
        by_resource: dict[str, list[str]] = {}
        for entry in shown_log:
            by_resource.setdefault(entry.urn or _stack_urn(run), []).append(f"{entry.severity}: {entry.message}")
        for urn, messages in by_resource.items():
            parts = urn.split("::")
            lines.append(f"  {parts[2].split('$')[-1]} ({parts[-1]}):" if len(parts) >= 4 else f"  {urn}:")
            lines += [f"    {message}" for message in messages]
    if report is not None:
        lines += ["", f"Policies ({report.pack_name}@v{report.pack_version}, {len(report.policies)} policies):"]
        for level in ("mandatory", "advisory"):
            found = [v for v in sorted_violations(report) if v.enforcement_level == level]
            lines.append(f"  {level.capitalize()} violations: {len(found)}")
            for violation in found:
                lines.append(f"    [{violation.policy}] ({violation.severity}) {violation.urn or '(stack)'}")
                lines += [f"        {text}" for text in violation.message.splitlines()]
                if violation.checklist_item:
                    lines.append(f"        checklist: {violation.checklist_item}")
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


def _stack_urn(run: ProgramRun) -> str:
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


def render_json(run: ProgramRun, report: PolicyReport | None) -> dict[str, Any]:
    """Resources with secrets redacted (paths listed), dependencies, outputs and violations."""
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
                "policy": v.policy,
                "enforcementLevel": v.enforcement_level,
                "severity": v.severity,
                "urn": v.urn,
                "message": v.message,
                "checklistItem": v.checklist_item,
            }
            for v in sorted_violations(report)
        ],
        "remediations": []
        if report is None
        else [{"policy": r.policy, "urn": r.urn, "description": r.description} for r in report.remediations],
    }
