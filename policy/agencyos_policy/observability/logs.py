"""Cloud Logging policies: logs kept as long as 6.application-monitoring.2 asks, Data Access audit
logs on where user data and payments live, and a locked audit trail (8.compliance-auditing.3).

Written from the ``gcp:logging/*`` and IAM audit-config schemas. Log buckets are ``*BucketConfig``
resources (project, folder, organization, billing account) and the built-in ``_Default`` (the provider's default
retention unless configured) and ``_Required`` (400 days, immutable) buckets; a sink routes into a log bucket when its
``destination`` is ``logging.googleapis.com/<parent>/locations/<location>/buckets/<id>`` or is computed
from a bucket resource (its property dependency). Sinks to Cloud Storage, BigQuery or Pub/Sub are not
log buckets and are not judged here. Absent ``retentionDays`` is the provider's default retention;
absent ``locked`` is false; a ``disabled`` sink routes nothing.

What a bucket receives is read from the filters of the sinks routing into it (exclusions are not
subtracted, so an exclusion never lowers what a bucket is judged for):

- **audit**: a filter that selects (not negated by ``NOT``, ``-``, ``!=`` or ``!~``) a term mentioning
  ``audit`` (``logName:"cloudaudit.googleapis.com"``, ``protoPayload.@type=...AuditLog``, an
  application's ``category="audit"``);
- **security**: otherwise a term mentioning ``security`` (Cloud Armor's ``enforcedSecurityPolicy``,
  Security Command Center), ``firewall``, ``auth`` (authentication and authorisation events,
  8.compliance-auditing.3.1; not ``author``), ``ids.googleapis.com`` or ``iap.googleapis.com``;
- **application**: any other filter. An empty filter routes everything, audit logs included; a filter
  unknown at preview is judged as audit (the longest retention), so it cannot pass on less.

Policies:

- ``gcp-logging-stack-log-retention`` (mandatory, 6.application-monitoring.2): each bucket keeps what it
  receives at least the class's days; a configured ``_Default`` bucket at least the application's days;
  and where the stack turns on Data Access audit logs (which land in ``_Default``, not ``_Required``),
  some bucket keeping the audit days receives audit logs: a log bucket, or a Cloud Storage bucket (a sink
  whose ``destination`` is ``storage.googleapis.com/<name>``) whose ``retentionPolicy`` keeps objects the
  audit days and ``isLocked`` (Bucket Lock: the archive Google documents for compliance, tamper-proof too). A
  stack without buckets, sinks or audit configs keeps Cloud Logging's defaults (audit logs in ``_Required``)
  and is not judged.
- ``gcp-logging-stack-data-access-audit-logs`` (advisory, 8.compliance-auditing.3 "Audit logging
  enabled"): where the stack holds data in Cloud SQL, Cloud Storage or Secret Manager, ``DATA_READ`` and
  ``DATA_WRITE`` are enabled for that service (or ``allServices``) by an ``IAMAuditConfig`` (project,
  folder or organization) or the ``auditConfigs`` of an IAM policy. Advisory: Google Cloud's Admin
  Activity audit logs (who changed what, admin actions included) are always on and cannot be turned
  off, so the checklist's "Audit logging enabled" holds without any configuration; Data Access logs
  (who read or wrote the data) go beyond its words, at a cost per entry, and often live in an
  organization-level configuration outside the stack. So a stack is judged where it configures audit
  logging itself (an audit config or an IAM policy's ``auditConfigs``): then every data service it holds
  is covered; one that configures none leaves audit configuration to its organization or folder.
- ``gcp-logging-bucket-audit-locked`` (mandatory, 8.compliance-auditing.3.4 "Tamper-proof audit
  trail"): a bucket that receives audit logs is ``locked``. Entries in a log bucket cannot be edited,
  but an unlocked bucket's retention can be cut to a day or the bucket deleted by any project owner,
  erasing the trail; locking is the provider's control that makes both impossible.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from agencyos_checklist.numbers import LOG_RETENTION_APPLICATION, LOG_RETENTION_AUDIT, LOG_RETENTION_SECURITY, Stated
from pulumi_policy import Severity

from agencyos_policy.gcp.cloudsql import INSTANCE as SQL_INSTANCE
from agencyos_policy.gcp.secretmanager import SECRET
from agencyos_policy.gcp.storage import BUCKET as STORAGE_BUCKET
from agencyos_policy.observability.provider_facts import (
    DEFAULT_BUCKET_RETENTION_DAYS,
    REQUIRED_BUCKET_RETENTION_DAYS,
)
from agencyos_policy.props import ABSENT, UNKNOWN, items, lookup, unknown_message
from agencyos_policy.registry import ADVISORY, MANDATORY, Param, StackSubject, stack_policy

BUCKET_CONFIGS = (
    "gcp:logging/projectBucketConfig:ProjectBucketConfig",
    "gcp:logging/folderBucketConfig:FolderBucketConfig",
    "gcp:logging/organizationBucketConfig:OrganizationBucketConfig",
    "gcp:logging/billingAccountBucketConfig:BillingAccountBucketConfig",
)
SINKS = (
    "gcp:logging/projectSink:ProjectSink",
    "gcp:logging/folderSink:FolderSink",
    "gcp:logging/organizationSink:OrganizationSink",
    "gcp:logging/billingAccountSink:BillingAccountSink",
)
AUDIT_CONFIGS = (
    "gcp:projects/iAMAuditConfig:IAMAuditConfig",
    "gcp:folder/iamAuditConfig:IamAuditConfig",
    "gcp:organizations/iamAuditConfig:IamAuditConfig",
)
IAM_POLICIES = (
    "gcp:projects/iAMPolicy:IAMPolicy",
    "gcp:folder/iAMPolicy:IAMPolicy",
    "gcp:organizations/iAMPolicy:IAMPolicy",
)
DEFAULT_BUCKET, REQUIRED_BUCKET = "_Default", "_Required"
AUDIT, SECURITY, APPLICATION = "audit", "security", "application"
ALL_SERVICES = "allServices"
DATA_ACCESS = frozenset({"DATA_READ", "DATA_WRITE"})
# Type of a resource holding data -> the service whose Data Access audit logs record its reads and writes.
DATA_SERVICES = {
    SQL_INSTANCE: "cloudsql.googleapis.com",
    STORAGE_BUCKET: "storage.googleapis.com",
    SECRET: "secretmanager.googleapis.com",
}
SECURITY_TERMS = ("security", "firewall", "ids.googleapis.com", "iap.googleapis.com")
# Authentication and authorisation (auth, authn, authz, authentication, authorization, oauth), not words that only
# begin the same way (author, authority, authoring).
_AUTH = re.compile(r"auth(?:n|z|entic|oriz|(?![a-z]))")
_DESTINATION = re.compile(
    r"^logging\.googleapis\.com/(?P<parent>.+)/locations/(?P<location>[^/]+)/buckets/(?P<id>[^/]+)$"
)
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\(|\)|[^\s()"]+')
_OPERATOR_END = ("=", ":", "~", ">", "<")


def days_param(stated: Stated[str], description: str) -> Param:
    schema = {"type": "string", "pattern": "^[0-9]+d$", "default": stated.value, "description": description}
    return Param(schema, stated)


def _days(text: str) -> int:
    return int(text.rstrip("d"))


# --- what a filter routes ----------------------------------------------------------------------------------


def _terms(filter_: str) -> Iterator[tuple[str, bool]]:
    """(term, negated) of each comparison or bare value of a logging query."""
    tokens = _TOKEN.findall(filter_)
    negations, pending, index = [False], False, 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if token.upper() == "NOT":
            pending = not pending
        elif token == "(":
            negations.append(negations[-1] ^ pending)
            pending = False
        elif token == ")":
            if len(negations) > 1:
                negations.pop()
        elif token.upper() in ("AND", "OR"):
            pending = False
        else:
            term = token
            if term.endswith(_OPERATOR_END) and index < len(tokens) and tokens[index] not in ("(", ")"):
                term += tokens[index]
                index += 1
            negated = negations[-1] ^ pending ^ term.startswith("-") ^ ("!=" in term or "!~" in term)
            pending = False
            yield term, negated


def log_class(filter_: Any) -> str:
    """What a sink's filter routes, by its most retained class: audit, security or application."""
    if filter_ is UNKNOWN or filter_ in (ABSENT, "") or not isinstance(filter_, str):
        return AUDIT
    selected = [term.lower() for term, negated in _terms(filter_) if not negated]
    if any("audit" in term for term in selected):
        return AUDIT
    if any(word in term for term in selected for word in SECURITY_TERMS) or any(_AUTH.search(t) for t in selected):
        return SECURITY
    return APPLICATION


# --- buckets and sinks ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    resource: Any
    bucket_id: Any
    location: Any
    retention: Any
    """Days, or UNKNOWN."""

    @property
    def urn(self) -> str | None:
        return self.resource.urn if self.resource is not None else None


def _buckets(subject: StackSubject) -> list[Bucket]:
    found = []
    for resource in subject.of_type(*BUCKET_CONFIGS):
        retention = lookup(resource.props, "retentionDays")
        if retention is ABSENT:
            retention = DEFAULT_BUCKET_RETENTION_DAYS
        elif retention is not UNKNOWN:
            try:
                retention = float(retention)
            except (TypeError, ValueError):
                retention = 0
        bucket_id, location = lookup(resource.props, "bucketId"), lookup(resource.props, "location")
        found.append(Bucket(resource, bucket_id, location, retention))
    return found


def _target(sink: Any, buckets: list[Bucket]) -> Bucket | Any | None:
    """The log bucket a sink routes into, None when its destination is not a log bucket, or UNKNOWN."""
    for urns in (getattr(sink, "property_dependencies", None) or {}).get("destination", []):
        urn = getattr(urns, "urn", urns)
        for bucket in buckets:
            if bucket.resource.urn == urn:
                return bucket
    destination = lookup(sink.props, "destination")
    if destination is UNKNOWN:
        return UNKNOWN
    match = _DESTINATION.match(destination) if isinstance(destination, str) else None
    if match is None:
        return None
    for bucket in buckets:
        if bucket.bucket_id == match["id"] and bucket.location in (match["location"], UNKNOWN):
            return bucket
    if match["id"] == REQUIRED_BUCKET:
        return Bucket(None, REQUIRED_BUCKET, match["location"], REQUIRED_BUCKET_RETENTION_DAYS)
    if match["id"] == DEFAULT_BUCKET:
        return Bucket(None, DEFAULT_BUCKET, match["location"], DEFAULT_BUCKET_RETENTION_DAYS)
    return UNKNOWN  # a bucket another stack configures: its retention cannot be read here


@dataclass(frozen=True)
class Route:
    sink: Any
    kind: str
    bucket: Bucket | Any


def _routes(subject: StackSubject, buckets: list[Bucket]) -> list[Route]:
    routes = []
    for sink in subject.of_type(*SINKS):
        if lookup(sink.props, "disabled") is True:
            continue
        target = _target(sink, buckets)
        if target is not None:
            routes.append(Route(sink, log_class(lookup(sink.props, "filter")), target))
    return routes


_STORAGE_DESTINATION = re.compile(r"^storage\.googleapis\.com/(?P<name>[^/]+)$")
SECONDS_PER_DAY = 86400


def _locked_archive_days(bucket: Any) -> float:
    """Days a Cloud Storage bucket's locked retention policy keeps every object (0 unless locked and known)."""
    if lookup(bucket.props, "retentionPolicy", "isLocked") is not True:
        return 0.0
    period = lookup(bucket.props, "retentionPolicy", "retentionPeriod")
    try:
        return float(str(period).removesuffix("s")) / SECONDS_PER_DAY
    except ValueError:
        return 0.0


def _audit_archive_days(subject: StackSubject) -> float:
    """The longest locked retention of the Cloud Storage buckets of this stack that sinks route audit logs to."""
    storage = subject.of_type(STORAGE_BUCKET)
    longest = 0.0
    for sink in subject.of_type(*SINKS):
        if lookup(sink.props, "disabled") is True or log_class(lookup(sink.props, "filter")) != AUDIT:
            continue
        linked = {
            getattr(u, "urn", u) for u in (getattr(sink, "property_dependencies", None) or {}).get("destination", [])
        }
        destination = lookup(sink.props, "destination")
        match = _STORAGE_DESTINATION.match(destination) if isinstance(destination, str) else None
        for bucket in storage:
            if bucket.urn in linked or (match is not None and lookup(bucket.props, "name") == match["name"]):
                longest = max(longest, _locked_archive_days(bucket))
    return longest


DAYS_KEYS = {APPLICATION: "applicationDays", SECURITY: "securityDays", AUDIT: "auditDays"}
"""The policy config key that sets each kind's least retention (named in messages: the provider's default bucket
retention, in the same message, would otherwise read as the application logs' days)."""


def _required_days(config: Any) -> dict[str, int]:
    return {kind: _days(config[key]) for kind, key in DAYS_KEYS.items()}


def _data_access_enabled(subject: StackSubject) -> dict[Any, set[Any]]:
    """Service -> the log types its audit configs enable (UNKNOWN keys or values where computed)."""
    enabled: dict[Any, set[Any]] = {}
    for config in subject.of_type(*AUDIT_CONFIGS):
        service = lookup(config.props, "service")
        listed = items(config.props, "auditLogConfigs")
        types = {UNKNOWN} if listed is UNKNOWN else {lookup(c, "logType") for c in listed or []}
        enabled.setdefault(service, set()).update(types)
    for policy in subject.of_type(*IAM_POLICIES):
        data = lookup(policy.props, "policyData")
        if data is UNKNOWN:
            enabled.setdefault(UNKNOWN, set()).add(UNKNOWN)
            continue
        try:
            document = json.loads(data) if isinstance(data, str) else {}
        except ValueError:
            continue
        for entry in document.get("auditConfigs", []) if isinstance(document, dict) else []:
            types = {c.get("logType") for c in entry.get("auditLogConfigs", []) if isinstance(c, dict)}
            enabled.setdefault(entry.get("service"), set()).update(types)
    return enabled


@stack_policy(
    name="gcp-logging-stack-log-retention",
    item=LOG_RETENTION_AUDIT.item,
    level=MANDATORY,
    severity=Severity.HIGH,
    description=f"Log buckets keep what they receive at least as long as the checklist asks: application logs "
    f"{LOG_RETENTION_APPLICATION.value}, security logs {LOG_RETENTION_SECURITY.value}, audit logs "
    f"{LOG_RETENTION_AUDIT.value} (classified by the filters of the sinks routing into them).",
    remediation="Set retentionDays of each log bucket to the days of the most retained class its sinks route to it "
    "(or route audit logs to a bucket of their own), and route Data Access audit logs to such a bucket.",
    resource_types=(*BUCKET_CONFIGS, *SINKS, *AUDIT_CONFIGS, STORAGE_BUCKET),
    config={
        "applicationDays": days_param(LOG_RETENTION_APPLICATION, "Least retention of application logs, in days."),
        "securityDays": days_param(LOG_RETENTION_SECURITY, "Least retention of security logs, in days."),
        "auditDays": days_param(LOG_RETENTION_AUDIT, "Least retention of audit logs, in days."),
    },
    tags=("logging",),
)
def log_retention(subject: StackSubject) -> Iterator[tuple[str, str | None]]:
    buckets = _buckets(subject)
    routes = _routes(subject, buckets)
    audit_configs = _data_access_enabled(subject)
    if not buckets and not routes and not audit_configs:
        return
    needed = _required_days(subject.config)
    for route in routes:
        if route.bucket is UNKNOWN:
            yield (
                "destination is computed or names a bucket this stack does not configure, so the retention of the "
                f"{route.kind} logs it routes cannot be proven; route to a ProjectBucketConfig of this stack.",
                route.sink.urn,
            )
        elif route.bucket.retention is UNKNOWN:
            yield unknown_message("retentionDays"), route.bucket.urn or route.sink.urn
        elif route.bucket.retention < needed[route.kind]:
            yield (
                f"retentionDays must be at least {needed[route.kind]}: a sink routes {route.kind} logs into this "
                f"bucket (policy config `{DAYS_KEYS[route.kind]}`; absent means {DEFAULT_BUCKET_RETENTION_DAYS} days).",
                route.bucket.urn or route.sink.urn,
            )
    for bucket in buckets:
        default = bucket.bucket_id == DEFAULT_BUCKET and bucket.retention is not UNKNOWN
        if default and bucket.retention < needed[APPLICATION]:
            yield f"retentionDays of _Default must be at least {needed[APPLICATION]}.", bucket.urn
    data_access = any(types & DATA_ACCESS or UNKNOWN in types for types in audit_configs.values())
    kept = [r for r in routes if r.kind == AUDIT and r.bucket is not UNKNOWN and r.bucket.retention is not UNKNOWN]
    configured_default = [b for b in buckets if b.bucket_id == DEFAULT_BUCKET and b.retention is not UNKNOWN]
    if (
        data_access
        and not any(r.bucket.retention >= needed[AUDIT] for r in kept)
        and not any(b.retention >= needed[AUDIT] for b in configured_default)
        and _audit_archive_days(subject) < needed[AUDIT]
    ):
        yield (
            "the stack turns on Data Access audit logs, which land in _Default, but no log bucket keeping "
            f"{needed[AUDIT]} days receives audit logs; add a sink with a cloudaudit.googleapis.com filter to one "
            "(or to a Cloud Storage bucket whose locked retention policy keeps them as long).",
            None,
        )


@stack_policy(
    name="gcp-logging-stack-data-access-audit-logs",
    item="8.compliance-auditing.3",
    level=ADVISORY,
    severity=Severity.MEDIUM,
    description="Where the stack configures audit logging and holds data in Cloud SQL, Cloud Storage or Secret "
    "Manager, Data Access audit logs (DATA_READ and DATA_WRITE) are enabled for that service or allServices, so "
    "every read and write of user data and payment credentials is on record.",
    remediation="Add a projects.IAMAuditConfig per service (cloudsql.googleapis.com, storage.googleapis.com, "
    "secretmanager.googleapis.com), or one for allServices, with auditLogConfigs DATA_READ and DATA_WRITE.",
    resource_types=(*DATA_SERVICES, *AUDIT_CONFIGS, *IAM_POLICIES),
    tags=("logging", "audit"),
)
def data_access_audit_logs(subject: StackSubject) -> Iterator[tuple[str, str | None]]:
    enabled = _data_access_enabled(subject)
    if not enabled:
        return
    everywhere = enabled.get(ALL_SERVICES, set())
    unknown = UNKNOWN in enabled or any(UNKNOWN in types for types in enabled.values())
    seen: set[str] = set()
    for resource in subject.resources:
        service = DATA_SERVICES.get(resource.resource_type)
        if service is None or service in seen:
            continue
        seen.add(service)
        if (enabled.get(service, set()) | everywhere) >= DATA_ACCESS:
            continue
        if unknown and subject.mandatory:
            yield (
                f"audit configs are computed at preview, so Data Access logs of {service} cannot be proven.",
                resource.urn,
            )
        elif not unknown:
            yield (
                f"Data Access audit logs (DATA_READ and DATA_WRITE) should be enabled for {service}, which holds this "
                "resource's data; they are off unless an audit config turns them on.",
                resource.urn,
            )


@stack_policy(
    name="gcp-logging-bucket-audit-locked",
    item="8.compliance-auditing.3.4",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="Log buckets that receive audit logs are locked, so their retention cannot be shortened nor the "
    "bucket deleted: a tamper-proof audit trail.",
    remediation="Set locked to true on the audit log bucket (irreversible: set its retention first).",
    resource_types=(*BUCKET_CONFIGS, *SINKS),
    tags=("logging", "audit"),
)
def audit_bucket_locked(subject: StackSubject) -> Iterator[tuple[str, str | None]]:
    judged: set[Any] = set()
    for route in _routes(subject, _buckets(subject)):
        if route.kind != AUDIT or route.bucket is UNKNOWN or route.bucket.resource is None:
            continue
        urn = route.bucket.urn
        if urn in judged:
            continue
        judged.add(urn)
        locked = lookup(route.bucket.resource.props, "locked")
        if locked is UNKNOWN:
            yield unknown_message("locked"), urn
        elif locked is not True:
            yield "locked must be true: this bucket receives audit logs; absent means unlocked.", urn
