"""``--format junit``: the policy results as JUnit XML, the test report GitLab, Jenkins, Azure DevOps and
CircleCI show without a plugin.

One test suite per policy of the pack. The pack reports violations, not passes (a policy's Analyze answer
says nothing about the resources it found compliant or did not apply to), so each suite has one test case
per resource the policy judged non-compliant, and, when it found none, one passing case for the whole run:

- a blocking violation (mandatory, not exempted, not in the baseline) is a ``failure``; an undetermined one
  (the pack could not decide on an unknown value) a failure of type ``undetermined``, its message starting
  ``Undetermined: ``;
- an exempted violation is ``skipped`` with the exception's id and reason, and so is a mandatory one that
  is in the baseline (existing, not blocking);
- an advisory violation passes, its message in ``system-out``;
- a policy the config disabled is one skipped case.

So the report's failures are exactly what makes the exit code 1.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path

from agencyos_infra.analyzer import PolicyInfo, PolicyReport
from agencyos_infra.baseline import EXISTING
from agencyos_infra.engine import STACK_TYPE, ProgramRun
from agencyos_infra.report import Finding, findings, shown_resources
from agencyos_infra.review import UNDETERMINED, Review


def render_junit(
    run: ProgramRun,
    report: PolicyReport,
    *,
    source_root: Path | None = None,
    levels: Mapping[str, str] | None = None,
    review: Review | None = None,
) -> str:
    levels = levels or {}
    by_policy: dict[str, list[Finding]] = {}
    for finding in findings(run, report, source_root, review):
        by_policy.setdefault(finding.violation.policy, []).append(finding)
    # What the pack's Analyze saw: custom resources the program manages (reads are not judged).
    judged = sum(1 for r in shown_resources(run) if r.custom and not r.external and r.type != STACK_TYPE)
    root = ET.Element("testsuites", name=f"agencyos-infra {run.project}/{run.stack}")
    for name in sorted(report.policies):
        policy = report.policies[name]
        suite = ET.SubElement(root, "testsuite", name=name)
        level = levels.get(name, policy.enforcement_level)
        if level == "disabled" and name not in by_policy:
            case = _case(suite, name, "disabled")
            ET.SubElement(case, "skipped", message="Disabled by the policy config.")
        elif name not in by_policy:
            _case(suite, name, _clean_run(policy, judged))
        for finding in by_policy.get(name, []):
            _finding_case(suite, finding)
        _count(suite)
    for attribute in ("tests", "failures", "errors", "skipped"):
        root.set(attribute, str(sum(int(suite.get(attribute, "0")) for suite in root)))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _clean_run(policy: PolicyInfo, judged: int) -> str:
    if policy.is_stack_policy:
        return "the stack: no violation"
    return f"{judged} {'resource' if judged == 1 else 'resources'} judged: no violation"


def _case(suite: ET.Element, classname: str, name: str, finding: Finding | None = None) -> ET.Element:
    case = ET.SubElement(suite, "testcase", classname=classname, name=name, time="0")
    pointed = finding.pointed if finding is not None else None
    if pointed is not None:
        # GitLab and CircleCI link a case to its file; the line is their `file:line` convention.
        case.set("file", pointed.path)
        case.set("line", str(pointed.line))
    return case


def _finding_case(suite: ET.Element, finding: Finding) -> None:
    violation = finding.violation
    if finding.resource is not None:
        subject = _xml(f"{finding.resource.type} {finding.resource.name}")
    else:
        subject = _xml(violation.urn or "the stack")
    case = _case(suite, violation.policy, subject, finding)
    message = _xml(finding.message)
    details = _xml(
        "\n".join(
            line
            for line in (
                message,
                f"Resource: {violation.urn or '(stack)'}",
                f"Where: {finding.where}",
                f"Checklist: {violation.checklist_item}" if violation.checklist_item else "",
                f"Remediation: {finding.remediation}" if finding.remediation else "",
                f"Status: {finding.status}",
            )
            if line
        )
    )
    if finding.exemption is not None:
        reason = _xml(f"Exempted by {finding.exemption.id}: {finding.exemption.reason}")
        ET.SubElement(case, "skipped", message=reason).text = details
    elif finding.mandatory and finding.baseline_state == EXISTING:
        ET.SubElement(case, "skipped", message=f"Existing (in the baseline): {message}").text = details
    elif finding.blocking:
        kind = UNDETERMINED if finding.outcome == UNDETERMINED else "mandatory"
        ET.SubElement(case, "failure", message=message, type=kind).text = details
    else:
        ET.SubElement(case, "system-out").text = details


# XML 1.0 cannot hold these even escaped; a message carrying one would make the file unparseable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _count(suite: ET.Element) -> None:
    cases = list(suite.iter("testcase"))
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(1 for case in cases if case.find("failure") is not None)))
    suite.set("errors", "0")
    suite.set("skipped", str(sum(1 for case in cases if case.find("skipped") is not None)))
    suite.set("time", "0")
