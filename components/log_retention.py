"""Log buckets, routing and Data Access audit logs: checklist §6 log retention, §8 Compliance & Auditing.

Named ``log_retention`` rather than ``logging`` so it never shadows the standard library's module.

Three Cloud Logging buckets, each kept at least as long as the checklist asks (6.application-monitoring.2)
and protected:

- **application** (``LOG_RETENTION_APPLICATION``): every container log of the application's namespace.
- **security** (``LOG_RETENTION_SECURITY``): what a security investigation reads first, the traffic at the edge and the
  network's decisions: the ingress controller's access and error logs (every request with its client IP,
  status, 401/403/429 answers of the auth paths' rate limits), VPC flow logs of the cluster subnet,
  firewall rule logs, and load balancer requests judged by a Cloud Armor security policy.
- **audit** (``LOG_RETENTION_AUDIT``, **locked**): every Cloud Audit Log (Admin Activity, Data Access, System Event,
  Policy Denied: who changed or read what, IAM changes included) and the application's own audit events
  (structured entries whose ``jsonPayload.category`` names an audit category: authentication, payments,
  admin actions; 8.compliance-auditing.3.1 to .3.3). Locked, its retention can never be shortened and it
  cannot be deleted while it holds entries: the tamper-proof trail of 8.compliance-auditing.3.4.

Sinks route by filter; a log bucket in the sink's own project needs no writer identity and no grant
(LogSink.writerIdentity: "Sinks that have a destination that is a log bucket in the same project as the
sink do not have a writer_identity and no additional permissions are required"). Exclusions keep the
routed entries out of the ``_Default`` bucket, so nothing is stored (and billed) twice; user-defined
log-based metrics still count excluded entries. Admin Activity and System Event audit logs also stay in
``_Required`` (400 days), which nothing can exclude.

Data Access audit logs (off by default in Google Cloud) are enabled for the services that hold user data,
payment credentials or the way in for administrators (``DATA_ACCESS_SERVICES``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated

import pulumi
import pulumi_gcp as gcp
from agencyos_checklist.numbers import (
    LOG_RETENTION_APPLICATION,
    LOG_RETENTION_AUDIT,
    LOG_RETENTION_SECURITY,
    Stated,
    seconds,
)
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from components.naming import check_name_prefix
from components.patterns import DNS_LABEL

TYPE = "agencyos:observability:Logs"
SECONDS_PER_DAY = 86400
# Cloud Logging keeps a bucket's entries for 1 to 3650 days.
MAX_RETENTION_DAYS = 3650
AUDIT_LOG_TYPES = ("ADMIN_READ", "DATA_READ", "DATA_WRITE")
# Why each service: Cloud SQL holds the users' and the payments' records (reads of instances, exports,
# users and backups are logged; statement-level auditing would be pgAudit inside PostgreSQL); Cloud
# Storage the users' uploads and the database exports (every object read and write); Secret Manager the
# payment providers' and every other credential (each secret access); Memorystore the sessions and
# the AUTH string (GetAuthString is a data read); IAP the administrators' only SSH path to the
# bastion (each tunnel opened: admin actions, 8.compliance-auditing.3.3).
DATA_ACCESS_SERVICES = (
    "cloudsql.googleapis.com",
    "storage.googleapis.com",
    "secretmanager.googleapis.com",
    "redis.googleapis.com",
    "iap.googleapis.com",
)
AUDIT_CATEGORIES = ("auth", "payment", "admin")
_SERVICE = re.compile(r"^[a-z][a-z0-9-]*(\.[a-z0-9-]+)*\.googleapis\.com$", re.ASCII)
_DNS_LABEL = re.compile(DNS_LABEL, re.ASCII)
_LOCATION = re.compile(r"^(global|[a-z]+-[a-z]+[0-9]+)$", re.ASCII)
_CATEGORY = re.compile(r"^[a-z][a-z0-9_-]{0,62}$", re.ASCII)


class LogKind(StrEnum):
    """The buckets, by what they keep."""

    APPLICATION = "application"
    SECURITY = "security"
    AUDIT = "audit"


RETENTION: dict[LogKind, Stated[str]] = {
    LogKind.APPLICATION: LOG_RETENTION_APPLICATION,
    LogKind.SECURITY: LOG_RETENTION_SECURITY,
    LogKind.AUDIT: LOG_RETENTION_AUDIT,
}
"""Each bucket's least retention, as the checklist states it (6.application-monitoring.2)."""


def checklist_days(kind: LogKind) -> int:
    """The checklist's retention of a kind of log, in days."""
    return seconds(RETENTION[kind]) // SECONDS_PER_DAY


def _service(value: str) -> str:
    if not _SERVICE.match(value):
        raise ValueError("must be a Google API service name such as cloudsql.googleapis.com")
    return value


def _category(value: str) -> str:
    if not _CATEGORY.match(value):
        raise ValueError("must be a lowercase word such as auth (letters, digits, - and _)")
    return value


Service = Annotated[str, AfterValidator(_service)]
Category = Annotated[str, AfterValidator(_category)]


def _retention_field(kind: LogKind, what: str) -> int:
    days = checklist_days(kind)
    return Field(
        days,
        ge=days,
        le=MAX_RETENTION_DAYS,
        description=f"Days the {what} bucket keeps each entry, at least the checklist's "
        f"(checklist {RETENTION[kind].item}).",
    )


class LogsSpec(BaseModel):
    """Log buckets, routing and audit logging. Stack config object ``agencyos-infra:logs``."""

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)

    location: str | None = Field(
        None,
        description="Location of the log buckets (a region or global); unset means the stack's region, so the "
        "logs stay beside the data they describe.",
    )
    application_retention_days: int = _retention_field(LogKind.APPLICATION, "application")
    security_retention_days: int = _retention_field(LogKind.SECURITY, "security")
    audit_retention_days: int = _retention_field(LogKind.AUDIT, "audit")
    data_access_services: tuple[Service, ...] = Field(
        DATA_ACCESS_SERVICES,
        min_length=1,
        description="Services whose Data Access audit logs (ADMIN_READ, DATA_READ, DATA_WRITE) are enabled: those "
        "holding user data, payment credentials or admin access (checklist 8.compliance-auditing.3).",
    )
    audit_categories: tuple[Category, ...] = Field(
        AUDIT_CATEGORIES,
        min_length=1,
        description="Values of jsonPayload.category that make an application log entry an audit event, kept in "
        "the audit bucket: authentication, payments, admin actions (checklist 8.compliance-auditing.3.1-3.3).",
    )
    exclude_routed_from_default: bool = Field(
        True,
        description="Keep the entries routed to these buckets out of the _Default bucket, so none is stored twice.",
    )

    @field_validator("location")
    @classmethod
    def _is_location(cls, location: str | None) -> str | None:
        if location is not None and not _LOCATION.match(location):
            raise ValueError("must be global or a region such as us-central1")
        return location

    @field_validator("data_access_services", "audit_categories")
    @classmethod
    def _unique(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(values)) != len(values):
            raise ValueError("must not repeat an entry")
        return values

    def retention_days(self, kind: LogKind) -> int:
        """The configured retention of one bucket."""
        return {
            LogKind.APPLICATION: self.application_retention_days,
            LogKind.SECURITY: self.security_retention_days,
            LogKind.AUDIT: self.audit_retention_days,
        }[kind]


@dataclass(frozen=True, kw_only=True)
class LogRetentionArgs:
    """Where the logs come from. Ordering (the Logging API) goes in ``opts``."""

    name_prefix: str
    """Bucket, sink and exclusion names start with this, e.g. agencyos-prod."""
    project: str
    """GCP project whose logs are routed and whose audit config is set."""
    region: str
    """The stack's region: the buckets' location unless the spec names one."""
    app_namespace: str
    """Kubernetes namespace of the application (its containers' logs are the application logs)."""
    ingress_namespace: str
    """Namespace of the ingress controller (its access logs are security logs)."""
    spec: LogsSpec = field(default_factory=lambda: LogsSpec.model_validate({}))
    """Retention, lock, audit services and categories; defaults meet the checklist."""

    def __post_init__(self) -> None:
        check_name_prefix(self.name_prefix)
        if not self.project or not self.region:
            raise ValueError("project and region are required")
        for name in ("app_namespace", "ingress_namespace"):
            if not _DNS_LABEL.match(getattr(self, name)):
                raise ValueError(f"{name} must be a Kubernetes namespace name (a DNS label)")

    @property
    def location(self) -> str:
        return self.spec.location or self.region


def application_filter(namespace: str) -> str:
    """Container logs of the application's namespace."""
    return f'resource.type="k8s_container" AND resource.labels.namespace_name="{namespace}"'


def security_filter(ingress_namespace: str) -> str:
    """The edge's requests, the network's flows and firewall decisions, Cloud Armor's verdicts."""
    return " OR ".join(
        (
            f'(resource.type="k8s_container" AND resource.labels.namespace_name="{ingress_namespace}")',
            'log_id("compute.googleapis.com/vpc_flows")',
            'log_id("compute.googleapis.com/firewall")',
            '(resource.type="http_load_balancer" AND jsonPayload.enforcedSecurityPolicy.name:*)',
        )
    )


def audit_filter(namespace: str, categories: tuple[str, ...]) -> str:
    """Every Cloud Audit Log, and the application's audit events."""
    wanted = " OR ".join(f'jsonPayload.category="{category}"' for category in categories)
    return f'logName:"cloudaudit.googleapis.com" OR ({application_filter(namespace)} AND ({wanted}))'


# Only Data Access audit logs leave _Default: the other audit logs land in _Required anyway.
DATA_ACCESS_LOG = 'log_id("cloudaudit.googleapis.com/data_access")'


class LogRetention(pulumi.ComponentResource):
    """The application, security and audit log buckets, their sinks, and Data Access audit logs."""

    bucket_ids: dict[str, pulumi.Output[str]]
    """Kind (application, security, audit) -> bucket id (the short name, e.g. agencyos-prod-audit-logs)."""
    sink_names: dict[str, pulumi.Output[str]]
    """Kind -> name of the sink routing to its bucket."""
    audited_services: list[str]
    """Services with Data Access audit logs enabled."""

    def __init__(self, name: str, args: LogRetentionArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        spec, prefix = args.spec, args.name_prefix
        child = pulumi.ResourceOptions(parent=self, depends_on=opts.depends_on if opts else None)
        filters = {
            LogKind.APPLICATION: application_filter(args.app_namespace),
            LogKind.SECURITY: security_filter(args.ingress_namespace),
            LogKind.AUDIT: audit_filter(args.app_namespace, spec.audit_categories),
        }
        descriptions = {
            LogKind.APPLICATION: "Container logs of the application (checklist 6.application-monitoring.2).",
            LogKind.SECURITY: "Edge requests, VPC flows, firewall and Cloud Armor decisions (checklist "
            "6.application-monitoring.2).",
            LogKind.AUDIT: "Cloud Audit Logs and the application's audit events (checklist 6.application-monitoring.2, "
            "8.compliance-auditing.3).",
        }
        self.bucket_ids = {}
        self.sink_names = {}
        for kind in LogKind:
            bucket = gcp.logging.ProjectBucketConfig(
                f"{name}-{kind.value}",
                project=args.project,
                location=args.location,
                bucket_id=f"{prefix}-{kind.value}-logs",
                description=descriptions[kind],
                retention_days=spec.retention_days(kind),
                # Locking is irreversible, and it is the point of the audit bucket: its retention can never
                # be shortened nor the bucket deleted while it holds entries (8.compliance-auditing.3.4). Set
                # auditRetentionDays before the first deployment. The other buckets stay adjustable.
                locked=kind is LogKind.AUDIT,
                # Buckets hold the logs: never deleted by a stack change (a locked one could not be anyway).
                opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(protect=True)),
            )
            destination = pulumi.Output.concat(
                "logging.googleapis.com/projects/",
                args.project,
                "/locations/",
                args.location,
                "/buckets/",
                bucket.bucket_id,
            )
            sink = gcp.logging.ProjectSink(
                f"{name}-{kind.value}-sink",
                project=args.project,
                name=f"{prefix}-{kind.value}-logs",
                description=f"Routes {kind.value} logs to their bucket.",
                destination=destination,
                filter=filters[kind],
                # A same-project log bucket takes no writer identity (see the module docstring).
                unique_writer_identity=True,
                opts=child,
            )
            self.bucket_ids[kind.value] = bucket.bucket_id
            self.sink_names[kind.value] = sink.name

        if spec.exclude_routed_from_default:
            excluded = {
                LogKind.APPLICATION: filters[LogKind.APPLICATION],
                LogKind.SECURITY: filters[LogKind.SECURITY],
                LogKind.AUDIT: DATA_ACCESS_LOG,
            }
            for kind, exclusion in excluded.items():
                # A project exclusion applies to the _Default sink only: the sinks above still route these.
                gcp.logging.ProjectExclusion(
                    f"{name}-{kind.value}-default-exclusion",
                    project=args.project,
                    name=f"{prefix}-{kind.value}-logs-routed",
                    description=f"Stored in the {kind.value} bucket instead of _Default.",
                    filter=exclusion,
                    opts=child,
                )

        self.audited_services = list(spec.data_access_services)
        for service in spec.data_access_services:
            gcp.projects.IAMAuditConfig(
                f"{name}-audit-{service}",
                project=args.project,
                service=service,
                audit_log_configs=[
                    gcp.projects.IAMAuditConfigAuditLogConfigArgs(log_type=log_type) for log_type in AUDIT_LOG_TYPES
                ],
                opts=child,
            )
        self.register_outputs(
            {"bucket_ids": self.bucket_ids, "sink_names": self.sink_names, "audited_services": self.audited_services}
        )
