"""Cloud Monitoring alert policies written in PromQL on Cloud Monitoring metrics, under their PromQL names
(https://cloud.google.com/monitoring/promql/promql-mapping): GKE utilisation ratios, the load balancer's 5xx share
and p95 latency (milliseconds), Cloud SQL backends, and a log-based metric of failed payment webhooks."""

import pulumi
import pulumi_gcp as gcp

LB = "loadbalancing_googleapis_com:https_request_count"
ALERTS = {
    "cpu": ("avg by (namespace_name, pod_name) (kubernetes_io:container_cpu_limit_utilization) > 0.75", "300s"),
    "memory": ("max by (namespace_name, pod_name) (kubernetes_io:container_memory_limit_utilization) > 0.85", "240s"),
    "errors": (
        f'sum by (url_map_name) (rate({LB}{{response_code_class="500"}}[1m])) / '
        f"sum by (url_map_name) (rate({LB}[1m])) > 0.05",
        "60s",
    ),
    "latency": (
        "histogram_quantile(0.95, sum by (le, url_map_name) "
        "(rate(loadbalancing_googleapis_com:https_total_latencies_bucket[5m]))) > 2000",
        "300s",
    ),
    "db-connections": ("max by (database_id) (cloudsql_googleapis_com:database_postgresql_num_backends) > 85", "0s"),
    "webhooks": ("sum(increase(logging_googleapis_com:user_payment_webhook_failures[5m])) > 10", "0s"),
}

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

for name, (query, duration) in ALERTS.items():
    gcp.monitoring.AlertPolicy(
        name,
        display_name=name,
        combiner="OR",
        severity="CRITICAL",
        notification_channels=channels,
        conditions=[
            gcp.monitoring.AlertPolicyConditionArgs(
                display_name=name,
                condition_prometheus_query_language=gcp.monitoring.AlertPolicyConditionConditionPrometheusQueryLanguageArgs(
                    query=query, duration=duration, evaluation_interval="30s"
                ),
            )
        ],
    )
