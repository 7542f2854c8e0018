"""Cases whose verdict an unknown value's origin decides: a small stack with property dependencies.

An ``OriginCase`` is a judged resource (wire-form props, unknowns as the engine's sentinel) and the
resources of its stack, with the judged resource's property dependencies naming them. ``origin_run`` makes
it a ProgramRun, so the pack judges it over gRPC as in a preview: Analyze per resource (no dependencies),
then AnalyzeStack with every resource's outputs and property dependencies.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from agencyos_infra.engine import CapturedResource, ProgramRun
from agencyos_infra.wire import read_properties

PASS, FAIL, UNDETERMINED = "pass", "fail", "undetermined"
SUBJECT = "subject"


def urn(resource_type: str, name: str) -> str:
    return f"urn:pulumi:test::test::{resource_type}::{name}"


@dataclass(frozen=True)
class OriginCase:
    policy: str
    resource_type: str
    props: Mapping[str, Any]
    """The judged resource's inputs (its outputs too: a preview echoes them)."""
    depends: Mapping[str, tuple[str, ...]]
    """Its property dependencies: a property's sources by name in ``stack``, or full URNs of resources not in it."""
    outcome: str
    """PASS, FAIL or UNDETERMINED: what the policy reports on the judged resource."""
    note: str
    stack: Mapping[str, tuple[str, Mapping[str, Any]]] = field(default_factory=dict)
    """The other resources of the stack by name: (type, outputs at preview)."""


def origin_run(case: OriginCase) -> ProgramRun:
    resources = []
    for name, (resource_type, outputs) in case.stack.items():
        props = read_properties(json.loads(json.dumps(outputs)))
        resources.append(CapturedResource(resource_type, name, urn(resource_type, name), True, "", props, props))
    by_name = {resource.name: resource.urn for resource in resources}
    dependencies = {key: [by_name.get(source, source) for source in sources] for key, sources in case.depends.items()}
    props = read_properties(json.loads(json.dumps(case.props)))
    subject = CapturedResource(
        case.resource_type,
        SUBJECT,
        urn(case.resource_type, SUBJECT),
        True,
        "",
        props,
        props,
        dependencies=sorted({u for urns in dependencies.values() for u in urns}),
        property_dependencies=dependencies,
        protect=True,
    )
    return ProgramRun("test", "test", True, [*resources, subject], read_properties({}))


def case_id(case: OriginCase) -> str:
    return f"{case.policy}:{case.note}"
