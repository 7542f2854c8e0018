"""Monitoring as a team might write it, without this repository's components, in the forms the checklist allows.

- kube-prometheus-stack from its Helm repository at an exact release, Alertmanager paging Slack and PagerDuty;
  the payment-webhook rule in the chart's ``additionalPrometheusRulesMap`` (a per-second rate times the
  window, below the checklist's count);
- a PrometheusRule (a raw CustomResource) for CPU (node CPU as the complement of idle time, a shorter `for`),
  memory (a percentage) and response time (p99 in milliseconds, stricter than p95 in seconds);
- Cloud Monitoring alert policies for the error rate (load-balancer 5xx over all requests, a ratio) and for
  database connections (Cloud SQL backends, written as plain snake_case dicts), each notifying two channels;
- HTTPS uptime checks on /health for the shop (every minute) and the API (every five minutes), with an alert
  per host: one selecting the host, one built from the check's id (computed at preview);
- application, security and audit log buckets (the audit one kept 400 days and locked), sinks routing by
  filter, the audit sink's destination built from its bucket; Data Access audit logs for all services.
"""

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

PROJECT = "shop-prod"
HOSTS = {"shop": "shop.example.org", "api": "api.example.org"}

k8s.helm.v3.Release(
    "kps",
    chart="kube-prometheus-stack",
    version="79.1.0",
    repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo="https://prometheus-community.github.io/helm-charts"),
    namespace="observability",
    values={
        # Alertmanager pages on Slack and PagerDuty (Cloud Monitoring's channels below are email); credentials are
        # files of a mounted Secret, never values.
        "alertmanager": {
            "config": {
                "route": {"receiver": "oncall"},
                "receivers": [
                    {
                        "name": "oncall",
                        "slack_configs": [{"api_url_file": "/etc/alertmanager/secrets/slack-url", "channel": "#ops"}],
                        "pagerduty_configs": [{"routing_key_file": "/etc/alertmanager/secrets/pagerduty-key"}],
                    }
                ],
            }
        },
        "additionalPrometheusRulesMap": {
            "payments": {
                "groups": [
                    {
                        "name": "payments",
                        "rules": [
                            {
                                "alert": "PaymentWebhooksFailing",
                                "expr": "sum(rate(payment_webhook_failures_total[5m])) * 300 > 8",
                                "labels": {"severity": "critical"},
                            }
                        ],
                    }
                ]
            }
        },
    },
)

k8s.apiextensions.CustomResource(
    "platform-rules",
    api_version="monitoring.coreos.com/v1",
    kind="PrometheusRule",
    metadata={"name": "platform", "namespace": "observability", "labels": {"release": "kps"}},
    spec={
        "groups": [
            {
                "name": "platform",
                "rules": [
                    {
                        "alert": "NodeCpuBusy",
                        "expr": '100 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[2m])) * 100 > 75',
                        "for": "3m",
                    },
                    {
                        "alert": "PodMemoryHigh",
                        "expr": "sum by (pod) (container_memory_working_set_bytes) * 100 "
                        '/ sum by (pod) (kube_pod_container_resource_limits{resource="memory"}) > 85',
                        "for": "5m",
                    },
                    {
                        "alert": "SlowCheckout",
                        "expr": "histogram_quantile(0.99, sum by (le) "
                        "(rate(checkout_request_duration_milliseconds_bucket[5m]))) > 1500",
                        "for": "4m",
                    },
                ],
            }
        ]
    },
)

oncall = gcp.monitoring.NotificationChannel(
    "oncall", type="email", display_name="On-call", labels={"email_address": "oncall@example.org"}
)
team = gcp.monitoring.NotificationChannel(
    "team", type="email", display_name="Team", labels={"email_address": "team@example.org"}
)
channels = [oncall.id, team.id]

LB = 'metric.type="loadbalancing.googleapis.com/https/request_count"'
per_minute = gcp.monitoring.AlertPolicyConditionConditionThresholdAggregationArgs(
    alignment_period="60s", per_series_aligner="ALIGN_RATE", cross_series_reducer="REDUCE_SUM"
)
gcp.monitoring.AlertPolicy(
    "error-rate",
    display_name="5xx above 2% of requests",
    combiner="OR",
    conditions=[
        gcp.monitoring.AlertPolicyConditionArgs(
            display_name="5xx ratio",
            condition_threshold=gcp.monitoring.AlertPolicyConditionConditionThresholdArgs(
                filter=f"{LB} AND metric.label.response_code_class=500",
                denominator_filter=LB,
                aggregations=[per_minute],
                denominator_aggregations=[
                    gcp.monitoring.AlertPolicyConditionConditionThresholdDenominatorAggregationArgs(
                        alignment_period="60s", per_series_aligner="ALIGN_RATE", cross_series_reducer="REDUCE_SUM"
                    )
                ],
                comparison="COMPARISON_GT",
                threshold_value=0.02,
                duration="60s",
            ),
        )
    ],
    notification_channels=channels,
)

gcp.monitoring.AlertPolicy(
    "db-connections",
    display_name="Cloud SQL backends near max_connections",
    combiner="OR",
    conditions=[
        {
            "display_name": "backends",
            "condition_threshold": {
                "filter": 'metric.type="cloudsql.googleapis.com/database/postgresql/num_backends"',
                "comparison": "COMPARISON_GT",
                "threshold_value": 80,
                "duration": "0s",
                "aggregations": [{"alignment_period": "60s", "per_series_aligner": "ALIGN_MEAN"}],
            },
        }
    ],
    notification_channels=channels,
)

UPTIME = 'metric.type="monitoring.googleapis.com/uptime_check/check_passed" AND resource.type="uptime_url"'
checks = {}
for role, host in HOSTS.items():
    checks[role] = gcp.monitoring.UptimeCheckConfig(
        f"uptime-{role}",
        display_name=f"{host} health",
        timeout="10s",
        period="60s" if role == "shop" else "300s",
        monitored_resource=gcp.monitoring.UptimeCheckConfigMonitoredResourceArgs(
            type="uptime_url", labels={"host": host, "project_id": PROJECT}
        ),
        http_check=gcp.monitoring.UptimeCheckConfigHttpCheckArgs(
            path="/health" if role == "shop" else "health", use_ssl=True, validate_ssl=True
        ),
    )


def uptime_alert(name: str, filter_: pulumi.Input[str]) -> gcp.monitoring.AlertPolicy:
    return gcp.monitoring.AlertPolicy(
        name,
        display_name=name,
        combiner="OR",
        conditions=[
            gcp.monitoring.AlertPolicyConditionArgs(
                display_name="failing from more than one location",
                condition_threshold=gcp.monitoring.AlertPolicyConditionConditionThresholdArgs(
                    filter=filter_,
                    comparison="COMPARISON_GT",
                    threshold_value=1,
                    duration="60s",
                    aggregations=[
                        gcp.monitoring.AlertPolicyConditionConditionThresholdAggregationArgs(
                            alignment_period="300s",
                            per_series_aligner="ALIGN_NEXT_OLDER",
                            cross_series_reducer="REDUCE_COUNT_FALSE",
                        )
                    ],
                ),
            )
        ],
        notification_channels=channels,
    )


uptime_alert("shop-down", f'{UPTIME} AND resource.label.host="{HOSTS["shop"]}"')
uptime_alert(
    "api-down", checks["api"].uptime_check_id.apply(lambda check_id: f'{UPTIME} AND metric.label.check_id="{check_id}"')
)

LOCATION = "europe-west1"
buckets = {
    "app": gcp.logging.ProjectBucketConfig(
        "app-logs", project=PROJECT, location=LOCATION, bucket_id="app", retention_days=30
    ),
    "security": gcp.logging.ProjectBucketConfig(
        "security-logs", project=PROJECT, location=LOCATION, bucket_id="security", retention_days=120
    ),
    "audit": gcp.logging.ProjectBucketConfig(
        "audit-logs", project=PROJECT, location=LOCATION, bucket_id="audit", retention_days=400, locked=True
    ),
}
filters = {
    "app": 'resource.type="k8s_container" AND resource.labels.namespace_name="shop" AND NOT logName:"cloudaudit"',
    "security": 'log_id("compute.googleapis.com/firewall") OR jsonPayload.enforcedSecurityPolicy.outcome="DENY"',
    "audit": 'log_id("cloudaudit.googleapis.com/activity") OR log_id("cloudaudit.googleapis.com/data_access")',
}
for kind, bucket in buckets.items():
    gcp.logging.ProjectSink(
        f"{kind}-sink",
        project=PROJECT,
        name=f"{kind}-logs",
        destination=pulumi.Output.concat(
            "logging.googleapis.com/projects/", PROJECT, "/locations/", LOCATION, "/buckets/", bucket.bucket_id
        ),
        filter=filters[kind],
        unique_writer_identity=True,
    )

gcp.projects.IAMAuditConfig(
    "data-access",
    project=PROJECT,
    service="allServices",
    audit_log_configs=[
        gcp.projects.IAMAuditConfigAuditLogConfigArgs(log_type="DATA_READ"),
        gcp.projects.IAMAuditConfigAuditLogConfigArgs(log_type="DATA_WRITE"),
    ],
)

pulumi.export("uptime_checks", {role: check.uptime_check_id for role, check in checks.items()})
