"""``--format sarif``: the preview as a SARIF 2.1.0 log that GitHub code scanning accepts whole.

One rule per policy of the pack (description, remediation as help, level from its enforcement) and one
result per violation. Every result has a physical location (code scanning rejects the whole upload
otherwise), relative to ``%SRCROOT%`` (the git top level by default): the line of the program that created
the resource; a stack policy's result (or one without a source position) at the stack file, at the line
of the config key its message names; a resource judged from a stack export at its line in the export.
The URN is the logical location. No machine path appears: ``%SRCROOT%`` is described, not given a
``file://`` URI, and ``informationUri`` is the repository's page or absent.

``security-severity`` (GitHub's security ranking) is given only to security rules: those whose checklist
item is in §8 Security Hardening. An exempted violation carries a SARIF suppression (the exception's id and
reason); with ``--baseline`` each result has ``baselineState`` ``new`` or ``unchanged``, and each baseline
finding this run no longer has is a result with ``baselineState`` ``absent`` (kind ``pass``).
Validated against the OASIS schema in tests/schemas.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from agencyos_infra.analyzer import PolicyInfo, PolicyReport
from agencyos_infra.baseline import FIXED, SARIF_STATE, BaselineEntry
from agencyos_infra.engine import ProgramRun
from agencyos_infra.report import ChecklistRef, Finding, Location, checklist_ref, entry_anchor, findings, stack_urn
from agencyos_infra.review import Review

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
TOOL_NAME = "agencyos-infra"
SECURITY_SECTION = "8"
"""The checklist's §8 Security Hardening: its rules are security rules (``security-severity``)."""

# GitHub's scale (0.1-10): critical over 9.0, high 7.0-8.9, medium 4.0-6.9, low 0.1-3.9.
SECURITY_SEVERITY = {"critical": "9.0", "high": "7.5", "medium": "5.0", "low": "2.0"}
LEVEL = {"mandatory": "error", "remediate": "error", "advisory": "warning", "disabled": "none"}
FINGERPRINT = "agencyosViolation/v2"
"""Policy and URN (v1 also hashed the message): stable across runs and line moves; a different stack is a
different alert."""


def render_sarif(
    run: ProgramRun,
    report: PolicyReport,
    *,
    source_root: Path | None = None,
    levels: Mapping[str, str] | None = None,
    review: Review | None = None,
) -> dict[str, Any]:
    """The SARIF log; ``levels`` are the policies' effective enforcement levels (after policy config)."""
    levels = levels or {}
    policies = sorted(report.policies.values(), key=lambda policy: policy.name)
    index = {policy.name: position for position, policy in enumerate(policies)}
    driver: dict[str, Any] = {
        "name": TOOL_NAME,
        "rules": [_rule(policy, levels.get(policy.name, policy.enforcement_level)) for policy in policies],
        "properties": {"policyPack": {"name": report.pack_name, "version": report.pack_version}},
    }
    information = _information_uri()
    if information:
        driver["informationUri"] = information
    version = _version()
    if version:
        driver["version"] = driver["semanticVersion"] = version
    found = findings(run, report, source_root, review)
    prints = _fingerprints(found)
    results = [_result(run, finding, index, fingerprint) for finding, fingerprint in zip(found, prints, strict=True)]
    if review is not None and review.baseline is not None:
        results += [_absent(run, entry, index, source_root, review) for entry in review.fixed(report.violations)]
    sarif_run: dict[str, Any] = {
        "tool": {"driver": driver},
        # One category per stack, so prod's alerts are not closed by staging's upload.
        "automationDetails": {"id": f"{TOOL_NAME}/{run.project}/{run.stack}/"},
        "columnKind": "unicodeCodePoints",
        # Described, not located: a file:// URI would publish this machine's paths; code scanning resolves
        # relative URIs against the checkout.
        "originalUriBaseIds": {SRCROOT: {"description": {"text": "The repository's top level (--source-root)."}}},
        "results": results,
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [sarif_run]}


def _rule(policy: PolicyInfo, level: str) -> dict[str, Any]:
    item = checklist_ref(policy.checklist_item)
    remediation = policy.remediation.strip() or policy.description
    checklist_text = f"Checklist item {item.id} ({item.path}): {item.statement}" if item else ""
    checklist_markdown = f"Checklist item `{item.id}` ({item.path}): {item.statement}" if item else ""
    vendor, _, rest = policy.name.partition("-")
    properties: dict[str, Any] = {
        "tags": sorted(
            {"infrastructure-as-code", "pulumi", vendor, rest.split("-")[0]}
            | ({f"checklist-{item.id.split('.')[0]}"} if item else set())
        ),
        "severity": policy.severity,
    }
    if is_security_rule(item) and policy.severity in SECURITY_SEVERITY:
        properties["security-severity"] = SECURITY_SEVERITY[policy.severity]
        properties["tags"] = sorted({*properties["tags"], "security"})
    if item:
        properties["checklistItem"] = item.id
    return {
        "id": policy.name,
        "name": policy.name,
        "shortDescription": {"text": policy.description},
        "fullDescription": {"text": " ".join(filter(None, [policy.description, checklist_text]))},
        "help": {
            "text": "\n\n".join(filter(None, [remediation, checklist_text])),
            "markdown": "\n\n".join(filter(None, [remediation, checklist_markdown])),
        },
        "defaultConfiguration": {"enabled": level != "disabled", "level": LEVEL.get(level, "warning")},
        "properties": properties,
    }


def is_security_rule(item: ChecklistRef | None) -> bool:
    """A policy enforcing an item of the checklist's §8 Security Hardening."""
    return item is not None and item.id.split(".", 1)[0] == SECURITY_SECTION


def _fingerprints(found: list[Finding]) -> list[str]:
    """Policy and URN (as the baseline matches): stable across runs, message edits and line moves.

    A policy reporting one resource twice gets an ordinal, in the findings' stable order.
    """
    seen: dict[tuple[str, str], int] = {}
    prints = []
    for finding in found:
        key = (finding.violation.policy, finding.violation.urn)
        seen[key] = seen.get(key, 0) + 1
        prints.append(_fingerprint(*key, seen[key]))
    return prints


def _fingerprint(policy: str, urn: str, ordinal: int = 1) -> str:
    parts = [policy, urn] + ([str(ordinal)] if ordinal > 1 else [])
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def _physical(location: Location) -> dict[str, Any]:
    region: dict[str, int] = {"startLine": location.line}
    if location.column:
        region["startColumn"] = location.column
    artifact = {"uri": location.path, "uriBaseId": SRCROOT} if location.relative else {"uri": location.path}
    return {"artifactLocation": artifact, "region": region}


def _location(urn: str, pointed: Location | None) -> dict[str, Any]:
    logical = {"name": urn.rsplit("::", 1)[-1], "fullyQualifiedName": urn, "kind": "resource"}
    location: dict[str, Any] = {"logicalLocations": [logical]}
    if pointed is not None:
        location["physicalLocation"] = _physical(pointed)
    return location


def _result(run: ProgramRun, finding: Finding, index: Mapping[str, int], fingerprint: str) -> dict[str, Any]:
    violation = finding.violation
    urn = violation.urn or stack_urn(run)
    message = finding.message
    if finding.checklist:
        message += f" (checklist {finding.checklist.id}: {finding.checklist.text})"
    result: dict[str, Any] = {
        "ruleId": violation.policy,
        "level": LEVEL.get(violation.enforcement_level, "warning"),
        "message": {"text": message},
        "locations": [_location(urn, finding.pointed)],
        "partialFingerprints": {FINGERPRINT: fingerprint},
        "properties": {
            "enforcementLevel": violation.enforcement_level,
            "severity": violation.severity,
            "outcome": finding.outcome,
            "blocking": finding.blocking,
        },
    }
    if violation.policy in index:
        result["ruleIndex"] = index[violation.policy]
    if finding.checklist:
        result["properties"]["checklistItem"] = finding.checklist.id
    if finding.exemption is not None:
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": f"{finding.exemption.id}: {finding.exemption.reason}",
            }
        ]
    if finding.baseline_state is not None:
        result["baselineState"] = SARIF_STATE[finding.baseline_state]
    return result


def _absent(
    run: ProgramRun, entry: BaselineEntry, index: Mapping[str, int], source_root: Path | None, review: Review
) -> dict[str, Any]:
    """A baseline finding this run no longer has: reported as gone, never as a problem."""
    urn = entry.urn or stack_urn(run)
    result: dict[str, Any] = {
        "ruleId": entry.policy,
        "kind": "pass",
        "level": "none",
        "message": {"text": f"Fixed since the baseline: {' '.join(entry.message.split()) or entry.policy}"},
        "locations": [_location(urn, entry_anchor(run, entry.urn, entry.message, source_root, review))],
        "partialFingerprints": {FINGERPRINT: _fingerprint(entry.policy, entry.urn)},
        "baselineState": SARIF_STATE[FIXED],
        "properties": {"enforcementLevel": entry.enforcement_level, "outcome": FIXED},
    }
    if entry.policy in index:
        result["ruleIndex"] = index[entry.policy]
    return result


def _version() -> str:
    try:
        return metadata.version(TOOL_NAME)
    except metadata.PackageNotFoundError:
        return ""


def _information_uri() -> str:
    """The repository's page when GitHub Actions names it, else the package's home page, else none.

    Never a local path: the log is uploaded and shared.
    """
    server, repository = os.environ.get("GITHUB_SERVER_URL"), os.environ.get("GITHUB_REPOSITORY")
    if server and repository:
        return f"{server}/{repository}"
    try:
        meta = metadata.metadata(TOOL_NAME)
    except metadata.PackageNotFoundError:
        return ""
    urls = [meta["Home-page"] or ""] if "Home-page" in meta else []
    urls += [entry.split(",", 1)[-1].strip() for entry in meta.get_all("Project-URL") or []]
    return next((url for url in urls if url.startswith("https://")), "")
