"""Uptime monitoring as its own stack: one HTTPS /health check a minute per public host, an alert on each
check (its filter built from the check's computed id) paging e-mail, Slack and PagerDuty. The six alerting
rules are the cluster stack's concern, so this stack is judged on uptime only."""

import pulumi
import pulumi_gcp as gcp

project = gcp.config.project or "ledger-dev"
HOSTS = ("ledger.example.net", "api.ledger.example.net")

channels = [
    gcp.monitoring.NotificationChannel(
        "email", type="email", display_name="on-call", labels={"email_address": "oncall@example.net"}
    ).id,
    gcp.monitoring.NotificationChannel(
        "slack",
        type="slack",
        display_name="#status",
        labels={"channel_name": "#status"},
        sensitive_labels={"auth_token": pulumi.Output.secret("xoxb-placeholder")},
    ).id,
    gcp.monitoring.NotificationChannel(
        "pagerduty",
        type="pagerduty",
        display_name="PagerDuty",
        sensitive_labels={"service_key": pulumi.Output.secret("pd-placeholder")},
    ).id,
]

for host in HOSTS:
    name = host.split(".")[0]
    check = gcp.monitoring.UptimeCheckConfig(
        f"{name}-health",
        display_name=f"{host} /health",
        timeout="10s",
        period="60s",
        http_check=gcp.monitoring.UptimeCheckConfigHttpCheckArgs(
            path="/health",
            port=443,
            use_ssl=True,
            validate_ssl=True,
            accepted_response_status_codes=[
                gcp.monitoring.UptimeCheckConfigHttpCheckAcceptedResponseStatusCodeArgs(status_class="STATUS_CLASS_2XX")
            ],
        ),
        monitored_resource=gcp.monitoring.UptimeCheckConfigMonitoredResourceArgs(
            type="uptime_url", labels={"host": host, "project_id": project}
        ),
    )
    gcp.monitoring.AlertPolicy(
        f"{name}-down",
        display_name=f"{host} is down",
        combiner="OR",
        notification_channels=channels,
        conditions=[
            gcp.monitoring.AlertPolicyConditionArgs(
                display_name="uptime check failing from two regions",
                condition_threshold=gcp.monitoring.AlertPolicyConditionConditionThresholdArgs(
                    filter=pulumi.Output.concat(
                        'metric.type="monitoring.googleapis.com/uptime_check/check_passed" AND '
                        'resource.type="uptime_url" AND metric.label.check_id="',
                        check.uptime_check_id,
                        '"',
                    ),
                    comparison="COMPARISON_GT",
                    threshold_value=1,
                    duration="60s",
                    aggregations=[
                        gcp.monitoring.AlertPolicyConditionConditionThresholdAggregationArgs(
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
