"""A quick-start monitoring setup: the chart at whatever version is newest, alert thresholds copied from a blog
post, an uptime check of the home page over HTTP every ten minutes, and a short-lived audit log bucket."""

import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

k8s.helm.v3.Release(
    "kps",
    chart="kube-prometheus-stack",
    repository_opts={"repo": "https://prometheus-community.github.io/helm-charts"},
    namespace="monitoring",
)

k8s.apiextensions.CustomResource(
    "rules",
    api_version="monitoring.coreos.com/v1",
    kind="PrometheusRule",
    metadata={"name": "app-alerts", "namespace": "monitoring"},
    spec={
        "groups": [
            {
                "name": "app",
                "rules": [
                    # CPU above 90 % for ten minutes: later and higher than the checklist's.
                    {
                        "alert": "HighCPU",
                        "expr": "sum(rate(container_cpu_usage_seconds_total[5m])) by (pod) "
                        '/ sum(kube_pod_container_resource_limits{resource="cpu"}) by (pod) > 0.9',
                        "for": "10m",
                    },
                    # 5xx above 5 %, but only after five minutes.
                    {
                        "alert": "Errors",
                        "expr": 'sum(rate(http_requests_total{status=~"5.."}[1m])) / sum(rate(http_requests_total[1m]))'
                        " > 0.05",
                        "for": "5m",
                    },
                    {
                        "alert": "Slow",
                        "expr": "histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket[5m])) by (le))"
                        " > 2",
                        "for": "5m",
                    },
                    # Thirty failures in a quarter of an hour: ten in five minutes go unnoticed.
                    {"alert": "Webhooks", "expr": "sum(increase(payment_webhook_failures_total[15m])) > 30"},
                ],
            }
        ]
    },
)

# The database alert exists, but notifies nobody.
gcp.monitoring.AlertPolicy(
    "db-connections",
    display_name="DB connections",
    combiner="OR",
    conditions=[
        gcp.monitoring.AlertPolicyConditionArgs(
            display_name="backends",
            condition_threshold=gcp.monitoring.AlertPolicyConditionConditionThresholdArgs(
                filter='metric.type="cloudsql.googleapis.com/database/postgresql/num_backends"',
                comparison="COMPARISON_GT",
                threshold_value=90,
                duration="0s",
            ),
        )
    ],
)

email = gcp.monitoring.NotificationChannel("email", type="email", labels={"email_address": "ops@example.com"})
check = gcp.monitoring.UptimeCheckConfig(
    "shop",
    display_name="shop",
    timeout="10s",
    period="600s",
    monitored_resource={"type": "uptime_url", "labels": {"host": "shop.example.com", "project_id": "shop"}},
    http_check={"path": "/", "port": 80},
)
gcp.monitoring.AlertPolicy(
    "shop-down",
    display_name="shop down",
    combiner="OR",
    conditions=[
        {
            "display_name": "check failed",
            "condition_threshold": {
                "filter": 'metric.type="monitoring.googleapis.com/uptime_check/check_passed"',
                "comparison": "COMPARISON_GT",
                "threshold_value": 1,
                "duration": "60s",
            },
        }
    ],
    notification_channels=[email.id],
)

audit = gcp.logging.ProjectBucketConfig(
    "audit-logs", project="shop", location="global", bucket_id="audit", retention_days=7
)
gcp.logging.ProjectSink(
    "audit-sink",
    name="audit",
    destination="logging.googleapis.com/projects/shop/locations/global/buckets/audit",
    filter='logName:"cloudaudit.googleapis.com"',
)
