"""One monitoring setup and its variants, picked by the stack's ``variant`` setting (one stack file each).

The baseline (stack ``dev``) meets the checklist exactly: a PrometheusRule (CustomResource) for CPU, memory,
error rate, p95 latency and payment webhooks, a Cloud Monitoring policy on Cloud SQL connections, an HTTPS
/health uptime check every 5 minutes with its alert, email/Slack/PagerDuty channels, log buckets kept
30 / 90 / 365 days (audit locked) and Data Access audit logs.

- ``stricter``: everything tighter (90-day application logs, 400-day audit logs, a check every 60 s, lower
  thresholds, shorter durations): passes.
- ``missing-rule`` (no memory rule), ``looser-threshold`` (CPU 90 %), ``longer-for`` (p95 for 10 minutes),
  ``less-than`` (the error rate compared with ``<``), ``uptime-root`` (the check probes ``/``),
  ``uptime-600s`` (every 10 minutes), ``audit-7-days``, ``audit-unlocked``, ``no-channels`` (the database
  alert notifies nobody), ``slow-evaluation`` (the error-rate rule's group evaluated every 10 minutes): each
  breaks one checklist rule.
- ``unknown-threshold``, ``unknown-for``, ``unknown-retention``, ``unknown-locked``, ``unknown-period``: a value a
  mandatory rule depends on is computed from another resource's output (unknown at preview, known at up).
- ``default-retention``, ``default-period``: the application bucket's retention and the check's period left to
  the provider's defaults (30 days, 300 s): pass.
"""

from typing import Any

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

variant = pulumi.Config().get("variant") or "baseline"
strict = variant == "stricter"
project = gcp.config.project or "ledger-dev"
HOST = "ledger.example.net"

# Computed at deploy time: unknown during a preview, the given value once the API is enabled.
api = gcp.projects.Service("monitoring-api", project=project, service="monitoring.googleapis.com")


def computed(value: Any) -> pulumi.Output[Any]:
    return api.id.apply(lambda _: value)


def maybe_computed(name: str, value: Any) -> Any:
    return computed(value) if variant == f"unknown-{name}" else value


cpu = 70 if strict else 90 if variant == "looser-threshold" else 80
error_op = "<" if variant == "less-than" else ">"
rules = [
    {
        "alert": "ContainerCpuHigh",
        "expr": "sum by (namespace, pod) (rate(container_cpu_usage_seconds_total[2m])) / sum by (namespace, pod) "
        f'(kube_pod_container_resource_limits{{resource="cpu"}}) * 100 > {cpu}',
        "for": maybe_computed("for", "3m" if strict else "5m"),
    },
    {
        "alert": "ContainerMemoryHigh",
        "expr": "sum by (namespace, pod) (container_memory_working_set_bytes) / sum by (namespace, pod) "
        f'(kube_pod_container_resource_limits{{resource="memory"}}) > {0.75 if strict else 0.85}',
        "for": "5m",
    },
    {
        "alert": "ErrorRateHigh",
        "expr": 'sum(rate(nginx_ingress_controller_requests{status=~"5.."}[2m])) / '
        f"sum(rate(nginx_ingress_controller_requests[2m])) {error_op} {0.02 if strict else 0.05}",
        "for": "1m",
    },
    {
        "alert": "P95LatencyHigh",
        "expr": "histogram_quantile(0.95, sum by (le) (rate(nginx_ingress_controller_request_duration_seconds_bucket"
        f"[5m]))) > {1 if strict else 2}",
        "for": "10m" if variant == "longer-for" else "5m",
    },
    {
        "alert": "PaymentWebhookFailures",
        "expr": f"sum(increase(payment_webhook_failures_total[5m])) > {5 if strict else 10}",
    },
]
if variant == "missing-rule":
    rules = [r for r in rules if r["alert"] != "ContainerMemoryHigh"]
groups = [{"name": "ledger", "rules": rules}]
if variant == "slow-evaluation":
    # The error-rate rule in a group of its own, evaluated every ten minutes.
    groups = [
        {"name": "ledger", "rules": [r for r in rules if r["alert"] != "ErrorRateHigh"]},
        {"name": "ledger-errors", "interval": "10m", "rules": [r for r in rules if r["alert"] == "ErrorRateHigh"]},
    ]
k8s.apiextensions.CustomResource(
    "ledger-alerts",
    api_version="monitoring.coreos.com/v1",
    kind="PrometheusRule",
    metadata={"name": "ledger-alerts", "namespace": "monitoring", "labels": {"release": "kube-prometheus-stack"}},
    spec={"groups": groups},
)

channels = [
    gcp.monitoring.NotificationChannel(
        "email", type="email", display_name="on-call", labels={"email_address": "oncall@example.net"}
    ).id,
    gcp.monitoring.NotificationChannel(
        "slack",
        type="slack",
        display_name="#ops",
        labels={"channel_name": "#ops"},
        sensitive_labels={"auth_token": pulumi.Output.secret("xoxb-placeholder")},
    ).id,
    gcp.monitoring.NotificationChannel(
        "pagerduty",
        type="pagerduty",
        display_name="PagerDuty",
        sensitive_labels={"service_key": pulumi.Output.secret("pd-placeholder")},
    ).id,
]

gcp.monitoring.AlertPolicy(
    "db-connections",
    display_name="Cloud SQL connections near max_connections (100)",
    combiner="OR",
    notification_channels=[] if variant == "no-channels" else channels,
    conditions=[
        {
            "display_name": "num_backends > 90",
            "condition_threshold": {
                "filter": 'metric.type="cloudsql.googleapis.com/database/postgresql/num_backends" '
                'AND resource.type="cloudsql_database"',
                "comparison": "COMPARISON_GT",
                "threshold_value": maybe_computed("threshold", 80 if strict else 90),
                "duration": "0s",
                "aggregations": [{"alignment_period": "60s", "per_series_aligner": "ALIGN_MAX"}],
            },
        }
    ],
)

period = {"stricter": "60s", "uptime-600s": "600s"}.get(variant, "300s")
check_args: dict[str, Any] = {
    "display_name": "ledger health",
    "timeout": "10s",
    "http_check": {"path": "/" if variant == "uptime-root" else "/health", "use_ssl": True, "validate_ssl": True},
    "monitored_resource": {"type": "uptime_url", "labels": {"host": HOST, "project_id": project}},
}
if variant != "default-period":
    check_args["period"] = maybe_computed("period", period)
check = gcp.monitoring.UptimeCheckConfig("ledger-health", **check_args)
gcp.monitoring.AlertPolicy(
    "ledger-down",
    display_name="ledger down",
    combiner="OR",
    notification_channels=channels,
    conditions=[
        {
            "display_name": "check failing",
            "condition_threshold": {
                "filter": f'metric.type="monitoring.googleapis.com/uptime_check/check_passed" '
                f'AND resource.type="uptime_url" AND resource.label.host="{HOST}"',
                "comparison": "COMPARISON_GT",
                "threshold_value": 1,
                "duration": "60s",
                "aggregations": [
                    {
                        "alignment_period": "1200s",
                        "per_series_aligner": "ALIGN_NEXT_OLDER",
                        "cross_series_reducer": "REDUCE_COUNT_FALSE",
                        "group_by_fields": ["resource.label.*"],
                    }
                ],
            },
        }
    ],
)

audit_days = {"stricter": 400, "audit-7-days": 7}.get(variant, 365)
buckets = {
    "app": {"retention_days": 90 if strict else 30},
    "security": {"retention_days": 90},
    "audit": {
        "retention_days": maybe_computed("retention", audit_days),
        "locked": maybe_computed("locked", variant != "audit-unlocked"),
    },
}
if variant == "default-retention":
    del buckets["app"]["retention_days"]
filters = {
    "app": 'resource.type="k8s_container"',
    "security": 'jsonPayload.enforcedSecurityPolicy.outcome="DENY"',
    "audit": 'logName:"cloudaudit.googleapis.com"',
}
for kind, settings in buckets.items():
    bucket = gcp.logging.ProjectBucketConfig(
        f"{kind}-logs", project=project, location="global", bucket_id=f"{kind}-logs", **settings
    )
    gcp.logging.ProjectSink(
        f"{kind}-sink",
        name=f"{kind}-logs",
        destination=bucket.id.apply(lambda id_: f"logging.googleapis.com/{id_}"),
        filter=filters[kind],
        unique_writer_identity=True,
    )
gcp.projects.IAMAuditConfig(
    "audit-all",
    project=project,
    service="allServices",
    audit_log_configs=[{"log_type": "DATA_READ"}, {"log_type": "DATA_WRITE"}],
)
