"""``--format sarif``: the preview as a SARIF 2.1.0 log for code scanning.

One rule per policy of the pack (description, remediation as help, level from its enforcement,
``security-severity`` from its severity) and one result per violation, at the line of the program that
created the resource (``%SRCROOT%``-relative), with the resource's URN as its logical location. A
violation without a source position (a stack policy's, or a resource the SDK could not place) has the
logical location only. Validated against the OASIS schema in tests/schemas.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from agencyos_infra.analyzer import PolicyInfo, PolicyReport
from agencyos_infra.engine import ProgramRun
from agencyos_infra.report import Finding, checklist_ref, findings, stack_urn
from agencyos_infra.review import Review

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
TOOL_NAME = "agencyos-infra"
README = Path(__file__).resolve().parent.parent / "README.md"

# GitHub's scale (0.1-10): critical over 9.0, high 7.0-8.9, medium 4.0-6.9, low 0.1-3.9.
SECURITY_SEVERITY = {"critical": "9.0", "high": "7.5", "medium": "5.0", "low": "2.0"}
LEVEL = {"mandatory": "error", "remediate": "error", "advisory": "warning", "disabled": "none"}
FINGERPRINT = "agencyosViolation/v1"
"""Policy, URN and message: stable across runs and line moves; a different stack is a different alert."""


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
    root = source_root or run.program_dir
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
    sarif_run: dict[str, Any] = {
        "tool": {"driver": driver},
        # One category per stack, so prod's alerts are not closed by staging's upload.
        "automationDetails": {"id": f"{TOOL_NAME}/{run.project}/{run.stack}/"},
        "columnKind": "unicodeCodePoints",
        "results": [_result(run, finding, index) for finding in findings(run, report, source_root, review)],
    }
    if root is not None:
        sarif_run["originalUriBaseIds"] = {SRCROOT: {"uri": root.resolve().as_uri() + "/"}}
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
    if policy.severity in SECURITY_SEVERITY:
        properties["security-severity"] = SECURITY_SEVERITY[policy.severity]
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


def _result(run: ProgramRun, finding: Finding, index: Mapping[str, int]) -> dict[str, Any]:
    violation = finding.violation
    urn = violation.urn or stack_urn(run)
    logical = {"name": urn.rsplit("::", 1)[-1], "fullyQualifiedName": urn, "kind": "resource"}
    location: dict[str, Any] = {"logicalLocations": [logical]}
    if finding.location is not None:
        region: dict[str, int] = {"startLine": finding.location.line}
        if finding.location.column:
            region["startColumn"] = finding.location.column
        artifact: dict[str, str] = {"uri": finding.location.path}
        if finding.location.relative:
            artifact["uriBaseId"] = SRCROOT
        else:
            artifact["uri"] = _absolute_uri(finding.location.path)
        location["physicalLocation"] = {"artifactLocation": artifact, "region": region}
    message = " ".join(violation.message.split())
    if finding.checklist:
        message += f" (checklist {finding.checklist.id}: {finding.checklist.text})"
    fingerprint = hashlib.sha256("\0".join([violation.policy, urn, violation.message]).encode()).hexdigest()
    result: dict[str, Any] = {
        "ruleId": violation.policy,
        "level": LEVEL.get(violation.enforcement_level, "warning"),
        "message": {"text": message},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT: fingerprint[:32]},
        "properties": {"enforcementLevel": violation.enforcement_level, "severity": violation.severity},
    }
    if violation.policy in index:
        result["ruleIndex"] = index[violation.policy]
    if finding.checklist:
        result["properties"]["checklistItem"] = finding.checklist.id
    return result


def _absolute_uri(path: str) -> str:
    return Path(path).as_uri() if Path(path).is_absolute() else path


def _version() -> str:
    try:
        return metadata.version(TOOL_NAME)
    except metadata.PackageNotFoundError:
        return ""


def _information_uri() -> str:
    """The repository's page when GitHub Actions names it, else this tool's README when it is on disk."""
    server, repository = os.environ.get("GITHUB_SERVER_URL"), os.environ.get("GITHUB_REPOSITORY")
    if server and repository:
        return f"{server}/{repository}"
    return README.as_uri() if README.is_file() else ""
