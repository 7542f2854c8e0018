"""How a policy is tied to the checklist item it enforces, and built with all its metadata.

Every policy carries a :class:`ChecklistItem`; it travels to the engine as the policy's compliance
framework (name, section reference, item text), so reports and the traceability table are
generated from the pack itself, never written by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

FRAMEWORK = "AgencyOS production deployment checklist"
FRAMEWORK_VERSION = "1"

Check = Callable[[ResourceValidationArgs, Mapping[str, Any]], Iterable[str]]
"""A check reads a resource (``props``, ``opts``) and the policy config, and yields messages."""


@dataclass(frozen=True)
class ChecklistItem:
    section: str
    """Where the item sits, e.g. "§2 Database Setup › PostgreSQL Configuration"."""
    item: str
    """The item's own words, e.g. "Enable automated backups (daily retention: 30 days)"."""

    def __str__(self) -> str:
        return f"{self.section}: {self.item}"


def checklist_policy(
    *,
    name: str,
    description: str,
    item: ChecklistItem,
    resource_types: Iterable[str],
    check: Check,
    enforcement: EnforcementLevel,
    severity: Severity,
    remediation: str,
    config: Mapping[str, Mapping[str, Any]] | None = None,
) -> ResourceValidationPolicy:
    """A resource policy that runs ``check`` on the given resource types, with checklist metadata.

    ``config`` is the JSON schema of the policy's properties; each property's ``default`` is used
    when the pack runs without policy config (the CLI only configures a pack when given config).
    """
    types = frozenset(resource_types)
    defaults = {key: schema["default"] for key, schema in (config or {}).items() if "default" in schema}

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type not in types:
            return
        settings = {**defaults, **(args.get_config() or {})}
        for message in check(args, settings):
            report_violation(message, None)

    return ResourceValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=enforcement,
        severity=severity,
        remediation_steps=remediation,
        config_schema=PolicyConfigSchema(properties={key: dict(schema) for key, schema in config.items()})
        if config
        else None,
        framework=PolicyComplianceFramework(
            name=FRAMEWORK, version=FRAMEWORK_VERSION, reference=item.section, specification=item.item
        ),
        tags=[item.section.split(" ")[0]],
    )
