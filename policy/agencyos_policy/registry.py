"""The policy registry: each policy is declared at its check, with all its metadata.

    @instance_policy(
        name="gcp-cloudsql-instance-backup-window",   # <vendor>-<service>-<resource>-<requirement>
        item="7.database-backups.1",                  # checklist item id (agencyos_checklist)
        level=MANDATORY, severity=Severity.MEDIUM,
        description="...", remediation="...",
        applies=primary_instance,                     # which resources of the type it judges
        config={"startTime": time_of_day(DB_BACKUP_START_TIME_UTC, "Backup start, HH:MM UTC.")},
    )
    def backup_window(subject: Subject) -> Iterator[str]: ...

Registration fails at import when the name breaks the scheme, is taken, or the item id is not in
the checklist, so a policy without its metadata cannot load. Config parameters are built from the
catalogue's stated numbers, so a policy's defaults are the checklist's. The item travels to the
engine as the policy's compliance framework (reference: section path and item id; specification:
the item's words), so reports and tables are generated from the pack.

A policy's config values are AgencyOS's numbers and names (the checklist's, by default); a team adopting the
pack for another application overrides them in the pack's policy config. A check reads them from
``Subject.config``; every violation message that states a value the check read names its key (``(policy config
`startTime`)``, appended by :func:`naming_config` unless the message names it already), so a reader knows what
to change. Every policy's description ends with the checklist words it enforces (``quote``, by default the
item's text, word for word: registration refuses words the item does not say); a policy that enforces what
no checklist line says is advisory, and its description calls the line it cites related.

Every mandatory policy's config also takes ``undeterminedAtPreview`` (``mandatory``, the default, or
``advisory``): how its undetermined results (a value unknown at preview, ``Undetermined: ...``) are
reported in a preview. They block like a failure unless a team chooses advisory; outside a preview
(``pulumi up``) they always keep the policy's level. The pack's analyzer (``decode_once.py``) applies it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from agencyos_checklist import Item, Stated
from agencyos_checklist import item as checklist_item
from pulumi_policy import (
    EnforcementLevel,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    PolicyResourceOptions,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from agencyos_policy.origins import Unresolved

FRAMEWORK = "AgencyOS production deployment checklist"
FRAMEWORK_VERSION = "1"
VENDORS = ("gcp", "kubernetes", "cloudflare", "stack", "observability")
CROSS_PROVIDER: dict[str, tuple[str, ...]] = {"observability": ("gcp", "kubernetes")}
"""Vendors whose rules a team may write in several providers' resources (an alert: a PrometheusRule or an
AlertPolicy), with those providers."""
NAME_SCHEME = re.compile(rf"^({'|'.join(VENDORS)})-[a-z0-9]+-[a-z0-9]+-[a-z0-9]+(-[a-z0-9]+)*$")
"""<vendor>-<service>-<resource>-<requirement>, lowercase words joined by hyphens."""
MANDATORY, ADVISORY = EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY


@dataclass(frozen=True)
class Subject:
    """What a check judges: one resource's inputs and options, the policy's config, and its level."""

    resource_type: str
    props: Any
    """Inputs in the engine's camelCase; read them with ``agencyos_policy.props.lookup`` or the rules."""
    opts: PolicyResourceOptions
    config: Mapping[str, Any]
    """The policy's config: schema defaults (the checklist's numbers) overridden by pack config."""
    mandatory: bool
    """Whether the policy is mandatory: then an unknown value cannot pass."""
    name: str = ""
    """The resource's logical name: what Pulumi auto-names it from when ``props`` has no ``name``."""


Finding = str | Unresolved
"""What a check yields: a violation's message, or an unknown value its origin may decide."""
Check = Callable[[Subject], Iterable[Finding]]
"""Yields one message per violation (messages never echo property values), or an :class:`Unresolved`."""
DEFERRED = "unresolved"
"""The attribute of ``ResourceValidationArgs`` where the pack's analyzer collects a check's :class:`Unresolved`
findings, to answer them in AnalyzeStack from their origins. Without it they are undetermined at once."""
Applies = Callable[[Subject], bool]


def every_resource(_subject: Subject) -> bool:
    return True


class ReadConfig(Mapping[str, Any]):
    """A policy's config that remembers which keys a check read, in order: the keys its messages name."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = dict(values)
        self.read: list[str] = []

    def __getitem__(self, key: str) -> Any:
        value = self._values[key]
        if key not in self.read:
            self.read.append(key)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def _shows(message: str, value: Any) -> bool:
    """Whether a message states a config value: each of its numbers as a whole number (a duration's without its
    unit, a float's without ".0", never one inside a longer number), or, with none, its text; a list, every element
    (one of the moving tags is not the list)."""
    if isinstance(value, (list, tuple)):
        return bool(value) and all(_shows(message, part) for part in value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    numbers = re.findall(r"[0-9]+(?:\.[0-9]+)?", text)
    if not numbers:
        return bool(text) and text in message
    return all(re.search(rf"(?<![0-9.]){re.escape(n)}(?![0-9]|\.[0-9])", message) for n in numbers)


def naming_config(message: str, config: ReadConfig) -> str:
    """The message with the key of each config value it states appended (``(policy config `startTime`)``), for
    the values the check read. A message that names its keys itself (``policy config ...``) is kept, as is an
    undetermined result (about a value, not a bound); ``undeterminedAtPreview`` sets no bound."""
    if message.startswith("Undetermined") or "policy config" in message:
        return message
    keys = [key for key in config.read if key != UNDETERMINED_AT_PREVIEW and _shows(message, config[key])]
    if not keys:
        return message
    named = ", ".join(f"`{key}`" for key in keys)
    return f"{message.rstrip().rstrip('.')} (policy config {named})."


@dataclass(frozen=True)
class Param:
    """One property of a policy's config schema, with the stated number its default comes from."""

    schema: Mapping[str, Any]
    stated: Stated[Any] | None = None
    item: str | None = None
    """The checklist item the value comes from when no single stated number is its default (a list of ports
    the checklist names, a value it implies); None with no ``stated``: AgencyOS's own choice, or the policy's item."""

    @property
    def source(self) -> str | None:
        """Id of the checklist item the value comes from, if any."""
        return self.stated.item if self.stated is not None else self.item


def bound(stated: Stated[int], description: str) -> Param:
    """An integer threshold whose default is the checklist's number."""
    return Param({"type": "integer", "minimum": 0, "default": stated.value, "description": description}, stated)


def text(stated: Stated[str], description: str, pattern: str | None = None) -> Param:
    """A name or text value (a Redis version, an eviction policy, a URL) whose default is the checklist's words."""
    schema: dict[str, Any] = {"type": "string", "minLength": 1, "default": stated.value, "description": description}
    return Param({**schema, **({"pattern": pattern} if pattern else {})}, stated)


UNDETERMINED_AT_PREVIEW = "undeterminedAtPreview"
UNDETERMINED_LEVEL = Param(
    {
        "type": "string",
        "enum": ["mandatory", "advisory"],
        "default": "mandatory",
        "description": "How this policy's undetermined results (a value unknown at preview) are reported in a "
        "preview: mandatory (they block, as a failure does) or advisory. Outside a preview they keep the policy's "
        "level.",
    }
)


def undetermined_advisory(config: Mapping[str, Any] | None, dry_run: bool) -> bool:
    """Whether a mandatory policy's undetermined results are reported as advisory in this run."""
    return dry_run and (config or {}).get(UNDETERMINED_AT_PREVIEW) == "advisory"


def time_of_day(stated: Stated[str], description: str) -> Param:
    """An HH:MM (UTC) time whose default is the checklist's time."""
    schema = {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "default": stated.value}
    return Param({**schema, "description": description}, stated)


@dataclass(frozen=True)
class PolicySpec:
    """A registered policy: its check and everything a report or a reviewer needs about it."""

    name: str
    item: Item
    level: EnforcementLevel
    severity: Severity
    description: str
    remediation: str
    resource_types: frozenset[str]
    check: Check
    applies: Applies = every_resource
    config: Mapping[str, Param] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    quote: str = ""
    """The checklist's words the policy enforces (cited at the end of ``description``)."""

    @property
    def defaults(self) -> dict[str, Any]:
        return {key: param.schema["default"] for key, param in self.config.items() if "default" in param.schema}

    def validate(self, args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type not in self.resource_types:
            return
        config = ReadConfig({**self.defaults, **(args.get_config() or {})})
        subject = Subject(args.resource_type, args.props, args.opts, config, self.level is MANDATORY, args.name)
        if not self.applies(subject):
            return
        deferred = getattr(args, DEFERRED, None)
        for finding in self.check(subject):
            if isinstance(finding, Unresolved):
                if isinstance(deferred, list):
                    deferred.append(finding)
                    continue
                finding = finding.answer(None) or ""
            if finding:
                report_violation(naming_config(finding, config), None)

    def metadata(self, *extra_tags: str) -> dict[str, Any]:
        """What the engine shows of the policy: description, level, severity, remediation, config, checklist item."""
        vendor, service = self.name.split("-")[:2]
        return {
            "name": self.name,
            "description": self.description,
            "enforcement_level": self.level,
            "severity": self.severity,
            "remediation_steps": self.remediation,
            "config_schema": PolicyConfigSchema(properties={k: dict(p.schema) for k, p in self.config.items()})
            if self.config
            else None,
            "framework": PolicyComplianceFramework(
                name=FRAMEWORK,
                version=FRAMEWORK_VERSION,
                reference=f"{self.item.path} [{self.item.id}]",
                specification=self.item.statement,
            ),
            "tags": [vendor, service, f"checklist-{self.item.section}", *extra_tags, *self.tags],
        }

    def build(self) -> ResourceValidationPolicy:
        policy = ResourceValidationPolicy(validate=self.validate, **self.metadata())
        # The types it judges: the pack's analyzer (decode_once.py) skips the others, as validate would.
        policy.resource_types = self.resource_types  # type: ignore[attr-defined]
        return policy


REGISTRY: dict[str, PolicySpec] = {}
"""Every registered policy by name, in registration order."""


def resource_policy(
    *,
    name: str,
    item: str,
    level: EnforcementLevel,
    severity: Severity,
    description: str,
    remediation: str,
    resource_types: Iterable[str],
    applies: Applies = every_resource,
    config: Mapping[str, Param] | None = None,
    tags: Iterable[str] = (),
    quote: str | None = None,
) -> Callable[[Check], Check]:
    """Registers the decorated check as a resource policy (see the module docstring)."""

    def register(check: Check) -> Check:
        known = _known_item(name, item)
        cited = _cited(name, known, quote)
        _register(
            PolicySpec(
                name=name,
                item=known,
                level=level,
                severity=severity,
                description=_citing(description, level, cited),
                quote=cited,
                remediation=remediation,
                # A frozenset subclass (a type family matched by pattern, e.g. every IAM resource) is kept as is.
                resource_types=resource_types if isinstance(resource_types, frozenset) else frozenset(resource_types),
                check=check,
                applies=applies,
                config=_with_undetermined_level(level, config),
                tags=tuple(tags),
            )
        )
        return check

    return register


def _with_undetermined_level(level: EnforcementLevel, config: Mapping[str, Param] | None) -> dict[str, Param]:
    """A mandatory policy's config takes ``undeterminedAtPreview`` beside its own parameters."""
    return {**(config or {}), **({UNDETERMINED_AT_PREVIEW: UNDETERMINED_LEVEL} if level is MANDATORY else {})}


def _known_item(name: str, item: str) -> Item:
    """The checklist item a policy enforces; its name is checked first, so a bad name is the error shown."""
    if not NAME_SCHEME.match(name):
        raise ValueError(f"policy name {name!r} must follow <vendor>-<service>-<resource>-<requirement>")
    return checklist_item(item)


def _cited(name: str, item: Item, quote: str | None) -> str:
    """The checklist words a policy cites: the item's text unless ``quote`` names words of its details or code."""
    if quote is None:
        return item.text
    if not any(quote in words for words in (item.text, *item.details, *item.code)):
        raise ValueError(f"policy {name!r} quotes {quote!r}, which checklist item {item.id} does not say")
    return quote


CITES = 'Checklist: "{quote}".'
RELATED = 'Related checklist line: "{quote}".'
"""How a description ends: a mandatory policy enforces the line it cites; an advisory one goes beyond it."""


def _citing(description: str, level: EnforcementLevel, quote: str) -> str:
    return f"{description} {(CITES if level is MANDATORY else RELATED).format(quote=quote)}"


def _register(spec: PolicySpec) -> None:
    if spec.name in REGISTRY:
        raise ValueError(f"policy name {spec.name!r} is registered twice")
    REGISTRY[spec.name] = spec


def build_policies() -> list[ResourceValidationPolicy]:
    """The pulumi_policy objects of every registered policy."""
    return [spec.build() for spec in REGISTRY.values()]


@dataclass(frozen=True)
class StackSubject:
    """What a stack check judges: every resource of the stack (outputs; inputs echoed at preview)."""

    resources: tuple[Any, ...]
    """``pulumi_policy.PolicyResource`` objects: ``resource_type``, ``props``, ``urn``, ``name``."""
    config: Mapping[str, Any]
    mandatory: bool

    def of_type(self, *types: str) -> list[Any]:
        return [resource for resource in self.resources if resource.resource_type in types]


StackCheck = Callable[[StackSubject], Iterable[tuple[str, str | None]]]
"""Yields (message, URN of the resource it is about, or None for the stack)."""


@dataclass(frozen=True)
class StackPolicySpec(PolicySpec):
    """A registered stack policy: a rule that spans resources (``resource_types`` are the types it reads)."""

    stack_check: StackCheck | None = None

    def validate_stack(self, args: StackValidationArgs, report_violation: ReportViolation) -> None:
        assert self.stack_check is not None
        config = ReadConfig({**self.defaults, **(args.get_config() or {})})
        subject = StackSubject(tuple(args.resources), config, self.level is MANDATORY)
        for message, urn in self.stack_check(subject):
            report_violation(naming_config(message, config), urn)

    def build(self) -> StackValidationPolicy:  # type: ignore[override]
        return StackValidationPolicy(validate=self.validate_stack, **self.metadata("stack"))


def stack_policy(
    *,
    name: str,
    item: str,
    level: EnforcementLevel,
    severity: Severity,
    description: str,
    remediation: str,
    resource_types: Iterable[str],
    config: Mapping[str, Param] | None = None,
    tags: Iterable[str] = (),
    quote: str | None = None,
) -> Callable[[StackCheck], StackCheck]:
    """Registers the decorated check as a stack policy: for rules that span resources."""

    def register(check: StackCheck) -> StackCheck:
        known = _known_item(name, item)
        cited = _cited(name, known, quote)
        _register(
            StackPolicySpec(
                name=name,
                item=known,
                level=level,
                severity=severity,
                description=_citing(description, level, cited),
                quote=cited,
                remediation=remediation,
                resource_types=frozenset(resource_types),
                check=lambda _subject: (),
                config=_with_undetermined_level(level, config),
                tags=tuple(tags),
                stack_check=check,
            )
        )
        return check

    return register
