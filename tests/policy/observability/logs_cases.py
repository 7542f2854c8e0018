"""Cloud Logging stack cases: application, security and audit buckets with their sinks, Data Access audit configs;
one change per case; compliant alternatives (longer retention, allServices, an IAM policy's auditConfigs)."""

from __future__ import annotations

import json
from typing import Any

from agencyos_policy.gcp.cloudsql import INSTANCE as SQL_INSTANCE
from agencyos_policy.gcp.secretmanager import SECRET
from agencyos_policy.gcp.storage import BUCKET as STORAGE_BUCKET
from agencyos_policy.kubernetes.workloads import DEPLOYMENT

from agencyos_infra.wire import UNKNOWN
from tests.policy.cases import Case
from tests.policy.stack_cases import STACK, stack

RETENTION = "gcp-logging-stack-log-retention"
DATA_ACCESS = "gcp-logging-stack-data-access-audit-logs"
LOCKED = "gcp-logging-bucket-audit-locked"
LOG_BUCKET = "gcp:logging/projectBucketConfig:ProjectBucketConfig"
SINK = "gcp:logging/projectSink:ProjectSink"
FOLDER_SINK = "gcp:logging/folderSink:FolderSink"
AUDIT_CONFIG = "gcp:projects/iAMAuditConfig:IAMAuditConfig"
IAM_POLICY = "gcp:projects/iAMPolicy:IAMPolicy"
AUDIT_FILTER = (
    'logName:"cloudaudit.googleapis.com" OR protoPayload.@type="type.googleapis.com/google.cloud.audit.AuditLog"'
)
SECURITY_FILTER = 'log_id("compute.googleapis.com/firewall") OR jsonPayload.enforcedSecurityPolicy.name:*'
APP_FILTER = 'resource.type="k8s_container" AND resource.labels.namespace_name="shop"'


def bucket(bucket_id: str, days: Any = None, **extra: Any) -> tuple[str, dict[str, Any]]:
    props: dict[str, Any] = {"project": "p", "location": "global", "bucketId": bucket_id, **extra}
    if days is not None:
        props["retentionDays"] = days
    return (LOG_BUCKET, props)


def sink(name: str, bucket_id: str, filter_: Any, kind: str = SINK) -> tuple[str, dict[str, Any]]:
    destination = f"logging.googleapis.com/projects/p/locations/global/buckets/{bucket_id}"
    props: dict[str, Any] = {"name": name, "destination": destination}
    if filter_ is not None:
        props["filter"] = filter_
    return (kind, props)


def audit_config(service: str, *log_types: str) -> tuple[str, dict[str, Any]]:
    return (AUDIT_CONFIG, {"project": "p", "service": service, "auditLogConfigs": [{"logType": t} for t in log_types]})


APP = [bucket("app", 30), sink("app", "app", APP_FILTER)]
SECURITY = [bucket("security", 90), sink("security", "security", SECURITY_FILTER)]
AUDIT = [bucket("audit", 365, locked=True), sink("audit", "audit", AUDIT_FILTER)]
BASE = stack(*APP, *SECURITY, *AUDIT)
DATA = [
    (SQL_INSTANCE, {"databaseVersion": "POSTGRES_16"}),
    (STORAGE_BUCKET, {"name": "uploads"}),
    (SECRET, {"secretId": "k"}),
]
AUDITED = [
    audit_config(s, "DATA_READ", "DATA_WRITE", "ADMIN_READ")
    for s in ("cloudsql.googleapis.com", "storage.googleapis.com", "secretmanager.googleapis.com")
]

RETENTION_VIOLATIONS: list[tuple[dict[str, Any], str]] = [
    (stack(*APP, *SECURITY, bucket("audit", 7, locked=True), AUDIT[1]), "audit logs kept 7 days"),
    (stack(*APP, *SECURITY, bucket("audit", locked=True), AUDIT[1]), "audit bucket at the default 30 days"),
    (stack(*APP, *SECURITY, bucket("audit", 364, locked=True), AUDIT[1]), "a day short"),
    (stack(*APP, bucket("security", 30), SECURITY[1], *AUDIT), "security logs kept 30 days"),
    (stack(bucket("app", 7), APP[1], *SECURITY, *AUDIT), "application logs kept 7 days"),
    (stack(bucket("all", 90), sink("all", "all", None)), "a sink without a filter routes audit logs too"),
    (stack(bucket("all", 90), sink("all", "all", "")), "an empty filter routes everything"),
    (
        stack(
            *APP, bucket("x", 30), sink("x", "x", 'severity>=ERROR AND logName:"cloudaudit.googleapis.com%2Factivity"')
        ),
        "errors of audit logs",
    ),
    (
        stack(bucket("app", 30), (SINK, {"name": "app", "destination": UNKNOWN, "filter": APP_FILTER})),
        "destination unknown",
    ),
    (stack(bucket("audit", UNKNOWN, locked=True), AUDIT[1]), "retention unknown at preview"),
    (stack(APP[0], (SINK, {**APP[1][1], "filter": UNKNOWN})), "a filter unknown at preview is judged as audit"),
    (stack(bucket("_Default", 7)), "_Default cut to 7 days"),
    (stack(*APP, *SECURITY, *AUDITED), "Data Access logs on, but only _Default receives them"),
    (
        stack(bucket("app", 30), sink("audit", "app", AUDIT_FILTER, FOLDER_SINK)),
        "a folder sink of audit logs into a 30-day bucket",
    ),
]


def archive(days: Any, locked: Any = True) -> list[tuple[str, dict[str, Any]]]:
    """Audit logs routed to a Cloud Storage bucket whose retention policy keeps them ``days`` days."""
    policy: dict[str, Any] = {"retentionPeriod": str(days * 86400) if isinstance(days, int) else days}
    if locked is not None:
        policy["isLocked"] = locked
    storage = (STORAGE_BUCKET, {"name": "audit-archive", "location": "EU", "retentionPolicy": policy})
    routed = (SINK, {"name": "archive", "destination": "storage.googleapis.com/audit-archive", "filter": AUDIT_FILTER})
    return [storage, routed]


RETENTION_VIOLATIONS += [
    (stack(*APP, *SECURITY, *archive(365, locked=None), *AUDITED), "Data Access logs archived to an unlocked bucket"),
    (stack(*APP, *SECURITY, *archive(90), *AUDITED), "Data Access logs archived 90 days"),
    (stack(*APP, *SECURITY, *archive(UNKNOWN), *AUDITED), "an archive whose retention is unknown at preview"),
    (stack(*APP, *SECURITY, *archive(365, UNKNOWN), *AUDITED), "an archive whose lock is unknown at preview"),
]
AUTHORS_FILTER = 'resource.type="k8s_container" AND resource.labels.container_name="authors-api"'
RETENTION_VIOLATIONS += [
    (stack(bucket("auth", 30), sink("auth", "auth", 'jsonPayload.event="authentication_failed"')), "logins, 30 days"),
    (stack(bucket("oauth", 30), sink("oauth", "oauth", 'httpRequest.requestUrl:"/oauth/callback"')), "OAuth, 30 days"),
]
RETENTION_PASSES: list[tuple[dict[str, Any], str]] = [
    (stack(bucket("authors", 30), sink("authors", "authors", AUTHORS_FILTER)), "an authors service is an application"),
    (stack(*APP, *SECURITY, *archive(365), *AUDITED), "Data Access logs archived to a locked Cloud Storage bucket"),
    (stack(*APP, *SECURITY, *archive(400), *AUDITED), "Data Access logs archived 400 days"),
    (BASE, "application 30, security 90, audit 365"),
    (stack(*APP, *SECURITY, bucket("audit", 3650, locked=True), AUDIT[1]), "audit kept ten years"),
    (stack(bucket("app", 400), APP[1]), "longer application retention"),
    (stack(bucket("app"), APP[1]), "application logs at the default 30 days"),
    (
        stack(bucket("app", 30), sink("app", "app", f'{APP_FILTER} AND NOT logName:"cloudaudit.googleapis.com"')),
        "audit excluded",
    ),
    (
        stack(bucket("app", 30), sink("app", "app", f'{APP_FILTER} -logName:"cloudaudit.googleapis.com%2Factivity"')),
        "minus",
    ),
    (stack(*BASE["resources"], *AUDITED), "Data Access logs on and routed to the audit bucket"),
    (stack(bucket("_Default", 365), *AUDITED), "Data Access logs kept in _Default for a year"),
    (
        stack(*APP, (SINK, {"name": "s", "destination": "storage.googleapis.com/archive", "filter": AUDIT_FILTER})),
        "not a log bucket",
    ),
    (stack((SINK, {**APP[1][1], "disabled": True}), bucket("app", 1)), "a disabled sink routes nothing"),
    (stack((DEPLOYMENT, {"metadata": {"name": "shop"}})), "no logging configured: Cloud Logging's defaults"),
]

DATA_VIOLATIONS: list[tuple[dict[str, Any], str]] = [
    (stack(DATA[0], audit_config("cloudsql.googleapis.com", "DATA_READ")), "reads only"),
    (stack(DATA[1], audit_config("cloudsql.googleapis.com", "DATA_READ", "DATA_WRITE")), "another service"),
    (stack(*DATA, *AUDITED[:2]), "Secret Manager left out"),
]
DATA_PASSES: list[tuple[dict[str, Any], str]] = [
    (stack(*DATA, *AUDITED), "each service"),
    (stack(*DATA, audit_config("allServices", "DATA_READ", "DATA_WRITE")), "allServices"),
    (
        stack(
            *DATA,
            (
                IAM_POLICY,
                {
                    "project": "p",
                    "policyData": json.dumps(
                        {
                            "bindings": [],
                            "auditConfigs": [
                                {
                                    "service": "allServices",
                                    "auditLogConfigs": [{"logType": "DATA_READ"}, {"logType": "DATA_WRITE"}],
                                }
                            ],
                        }
                    ),
                },
            ),
        ),
        "an IAM policy's auditConfigs",
    ),
    (stack(*APP), "no data services: not judged"),
    (stack(*DATA), "no audit config in the stack: left to the organization, not judged"),
    (
        stack(DATA[2], (AUDIT_CONFIG, {"service": UNKNOWN, "auditLogConfigs": [{"logType": "DATA_READ"}]})),
        "a service unknown at preview passes an advisory rule",
    ),
]

LOCKED_VIOLATIONS: list[tuple[dict[str, Any], str]] = [
    (stack(*APP, *SECURITY, bucket("audit", 365), AUDIT[1]), "audit bucket unlocked (absent)"),
    (stack(*APP, *SECURITY, bucket("audit", 365, locked=False), AUDIT[1]), "audit bucket unlocked"),
    (stack(bucket("audit", 365, locked=UNKNOWN), AUDIT[1]), "lock unknown at preview"),
]
LOCKED_PASSES: list[tuple[dict[str, Any], str]] = [
    (BASE, "audit bucket locked; the others may stay adjustable"),
    (stack(*APP, *SECURITY), "no audit bucket"),
]

FAILING = [
    *[Case(RETENTION, STACK, props, note=note) for props, note in RETENTION_VIOLATIONS],
    *[Case(DATA_ACCESS, STACK, props, note=note) for props, note in DATA_VIOLATIONS],
    *[Case(LOCKED, STACK, props, note=note) for props, note in LOCKED_VIOLATIONS],
]
PASSING = [
    *[Case(RETENTION, STACK, props, note=note) for props, note in RETENTION_PASSES],
    *[Case(DATA_ACCESS, STACK, props, note=note) for props, note in DATA_PASSES],
    *[Case(LOCKED, STACK, props, note=note) for props, note in LOCKED_PASSES],
]
