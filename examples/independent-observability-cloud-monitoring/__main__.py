"""Cloud Monitoring and Cloud Logging only, as a team without Prometheus writes them (typed *Args classes).

- Six AlertPolicies with metric-threshold conditions: GKE container CPU and memory limit utilisation (ratios),
  the load balancer's 5xx share (a ``denominator_filter`` over all requests), its p95 latency in
  milliseconds, Cloud SQL backends against max_connections (100, set in the database's stack), and a log-based metric
  counting failed payment webhooks (its metric type built from the metric resource's name);
- email, Slack and PagerDuty notification channels on every policy;
- an HTTPS /health uptime check with an alert built from the check's computed id;
- application (30 days), security (90 days) and audit (365 days, locked) log buckets, the
  sinks' destinations built from the buckets' ids and the audit filter from the project resource's output;
- Data Access audit logs for all services.
"""

import pulumi
import pulumi_gcp as gcp

Condition = gcp.monitoring.AlertPolicyConditionArgs
Threshold = gcp.monitoring.AlertPolicyConditionConditionThresholdArgs
Aggregation = gcp.monitoring.AlertPolicyConditionConditionThresholdAggregationArgs
DenominatorAggregation = gcp.monitoring.AlertPolicyConditionConditionThresholdDenominatorAggregationArgs

project = gcp.config.project or "ledger-dev"
HOST = "ledger.example.net"

logging_api = gcp.projects.Service("logging-api", project=project, service="logging.googleapis.com")

email = gcp.monitoring.NotificationChannel(
    "oncall-email", display_name="On-call e-mail", type="email", labels={"email_address": "oncall@example.net"}
)
slack = gcp.monitoring.NotificationChannel(
    "ops-slack",
    display_name="#ops",
    type="slack",
    labels={"channel_name": "#ops"},
    sensitive_labels=gcp.monitoring.NotificationChannelSensitiveLabelsArgs(
        auth_token=pulumi.Config().get_secret("slackToken") or pulumi.Output.secret("xoxb-placeholder")
    ),
)
pager = gcp.monitoring.NotificationChannel(
    "pagerduty",
    display_name="PagerDuty",
    type="pagerduty",
    sensitive_labels=gcp.monitoring.NotificationChannelSensitiveLabelsArgs(
        service_key=pulumi.Config().get_secret("pagerdutyKey") or pulumi.Output.secret("pd-placeholder")
    ),
)
CHANNELS = [email.id, slack.id, pager.id]


def threshold_policy(name: str, title: str, condition: Threshold) -> gcp.monitoring.AlertPolicy:
    return gcp.monitoring.AlertPolicy(
        name,
        display_name=title,
        combiner="OR",
        notification_channels=CHANNELS,
        conditions=[Condition(display_name=title, condition_threshold=condition)],
    )


def mean(period: str = "60s") -> list[Aggregation]:
    return [Aggregation(alignment_period=period, per_series_aligner="ALIGN_MEAN")]


threshold_policy(
    "cpu",
    "Container CPU above 80% of its limit for 5 minutes",
    Threshold(
        filter='resource.type = "k8s_container" AND metric.type = "kubernetes.io/container/cpu/limit_utilization"',
        comparison="COMPARISON_GT",
        threshold_value=0.8,
        duration="300s",
        aggregations=mean(),
    ),
)
threshold_policy(
    "memory",
    "Container memory above 85% of its limit for 5 minutes",
    Threshold(
        filter='resource.type = "k8s_container" AND metric.type = "kubernetes.io/container/memory/limit_utilization"',
        comparison="COMPARISON_GT",
        threshold_value=0.85,
        duration="300s",
        aggregations=mean(),
        trigger={"count": 1},
    ),
)
threshold_policy(
    "errors",
    "5xx above 5% of requests for 1 minute",
    Threshold(
        filter='metric.type = "loadbalancing.googleapis.com/https/request_count" AND resource.type = '
        '"https_lb_rule" AND metric.labels.response_code_class = 500',
        denominator_filter='metric.type = "loadbalancing.googleapis.com/https/request_count" AND resource.type = '
        '"https_lb_rule"',
        comparison="COMPARISON_GT",
        threshold_value=0.05,
        duration="60s",
        aggregations=[
            Aggregation(alignment_period="60s", per_series_aligner="ALIGN_RATE", cross_series_reducer="REDUCE_SUM")
        ],
        denominator_aggregations=[
            DenominatorAggregation(
                alignment_period="60s", per_series_aligner="ALIGN_RATE", cross_series_reducer="REDUCE_SUM"
            )
        ],
    ),
)
threshold_policy(
    "latency",
    "p95 latency above 2 s for 5 minutes",
    Threshold(
        filter='metric.type = "loadbalancing.googleapis.com/https/total_latencies" AND resource.type = "https_lb_rule"',
        comparison="COMPARISON_GT",
        threshold_value=2000,
        duration="300s",
        aggregations=[Aggregation(alignment_period="60s", per_series_aligner="ALIGN_PERCENTILE_95")],
    ),
)

# The database is another stack's; Cloud SQL's max_connections there is the checklist's 100.
threshold_policy(
    "db-connections",
    "Cloud SQL connections above 85 (of max_connections 100)",
    Threshold(
        filter='metric.type = "cloudsql.googleapis.com/database/postgresql/num_backends" AND '
        'resource.type = "cloudsql_database"',
        comparison="COMPARISON_GT",
        threshold_value=85,
        duration="0s",
        aggregations=[
            Aggregation(alignment_period="60s", per_series_aligner="ALIGN_MAX", cross_series_reducer="REDUCE_SUM")
        ],
    ),
)

webhook_failures = gcp.logging.Metric(
    "payment-webhook-failures",
    name="payment_webhook_failures",
    filter='resource.type="k8s_container" AND jsonPayload.event="payment_webhook" AND severity>=ERROR',
    metric_descriptor=gcp.logging.MetricMetricDescriptorArgs(metric_kind="DELTA", value_type="INT64"),
)
threshold_policy(
    "webhooks",
    "More than 10 failed payment webhooks in 5 minutes",
    Threshold(
        filter=pulumi.Output.concat(
            'resource.type = "k8s_container" AND metric.type = "logging.googleapis.com/user/',
            webhook_failures.name,
            '"',
        ),
        comparison="COMPARISON_GT",
        threshold_value=10,
        duration="0s",
        aggregations=[
            Aggregation(alignment_period="300s", per_series_aligner="ALIGN_DELTA", cross_series_reducer="REDUCE_SUM")
        ],
    ),
)

check = gcp.monitoring.UptimeCheckConfig(
    "ledger-health",
    display_name="ledger /health",
    timeout="10s",
    period="300s",
    http_check=gcp.monitoring.UptimeCheckConfigHttpCheckArgs(path="/health", port=443, use_ssl=True, validate_ssl=True),
    monitored_resource=gcp.monitoring.UptimeCheckConfigMonitoredResourceArgs(
        type="uptime_url", labels={"host": HOST, "project_id": project}
    ),
)
gcp.monitoring.AlertPolicy(
    "ledger-down",
    display_name="ledger is down",
    combiner="OR",
    notification_channels=CHANNELS,
    conditions=[
        Condition(
            display_name="uptime check failing",
            condition_threshold=Threshold(
                filter=pulumi.Output.concat(
                    'metric.type = "monitoring.googleapis.com/uptime_check/check_passed" AND '
                    'resource.type = "uptime_url" AND metric.labels.check_id = "',
                    check.uptime_check_id,
                    '"',
                ),
                comparison="COMPARISON_GT",
                threshold_value=1,
                duration="60s",
                aggregations=[
                    Aggregation(
                        alignment_period="1200s",
                        per_series_aligner="ALIGN_NEXT_OLDER",
                        cross_series_reducer="REDUCE_COUNT_FALSE",
                        group_by_fields=["resource.label.*"],
                    )
                ],
            ),
        )
    ],
)

app_bucket = gcp.logging.ProjectBucketConfig(
    "app-logs", project=project, location="global", bucket_id="app-logs", retention_days=30
)
security_bucket = gcp.logging.ProjectBucketConfig(
    "security-logs", project=project, location="global", bucket_id="security-logs", retention_days=90
)
audit_bucket = gcp.logging.ProjectBucketConfig(
    "audit-logs", project=project, location="global", bucket_id="audit-logs", retention_days=365, locked=True
)


def destination(bucket: gcp.logging.ProjectBucketConfig) -> pulumi.Output[str]:
    return pulumi.Output.concat("logging.googleapis.com/", bucket.id)


gcp.logging.ProjectSink(
    "app-sink",
    name="app-logs",
    destination=destination(app_bucket),
    filter='resource.type="k8s_container" AND resource.labels.namespace_name="ledger"',
    unique_writer_identity=True,
)
gcp.logging.ProjectSink(
    "security-sink",
    name="security-logs",
    destination=destination(security_bucket),
    filter='resource.type="http_load_balancer" AND jsonPayload.enforcedSecurityPolicy.outcome="DENY"',
    unique_writer_identity=True,
)
gcp.logging.ProjectSink(
    "audit-sink",
    name="audit-logs",
    destination=destination(audit_bucket),
    filter=pulumi.Output.concat('logName:"projects/', logging_api.project, '/logs/cloudaudit.googleapis.com"'),
    unique_writer_identity=True,
)
gcp.projects.IAMAuditConfig(
    "all-services",
    project=project,
    service="allServices",
    audit_log_configs=[
        gcp.projects.IAMAuditConfigAuditLogConfigArgs(log_type=t) for t in ("ADMIN_READ", "DATA_READ", "DATA_WRITE")
    ],
)
