"""A team's Cloud Run service behind an HTTPS load balancer, alerting in Cloud Monitoring.

CPU and memory are watched on Cloud Run's utilisation distributions (p99 over the instances) at the checklist's
80 % and 85 % for five minutes; errors and p95 latency on the load balancer. The service keeps no database and
takes no payments, so no database-connections or payment-webhook rule is due.
"""

import pulumi_gcp as gcp

CHANNELS = ["projects/example-dev/notificationChannels/oncall"]
RUN = 'resource.type="cloud_run_revision" AND metric.type="run.googleapis.com/container/'
LB = 'resource.type="https_lb_rule" AND metric.type="loadbalancing.googleapis.com/https/'
P99 = [{"alignment_period": "60s", "per_series_aligner": "ALIGN_PERCENTILE_99"}]

gcp.cloudrunv2.Service(
    "catalogue",
    location="europe-west1",
    template={"containers": [{"image": "europe-docker.pkg.dev/example-dev/app/catalogue:2.3.1"}]},
)


def alert(name: str, condition: dict) -> None:
    gcp.monitoring.AlertPolicy(
        name,
        display_name=name,
        combiner="OR",
        notification_channels=CHANNELS,
        conditions=[{"display_name": name, "condition_threshold": condition}],
    )


alert(
    "run-cpu",
    {
        "filter": RUN + 'cpu/utilizations"',
        "comparison": "COMPARISON_GT",
        "threshold_value": 0.8,
        "duration": "300s",
        "aggregations": P99,
    },
)
alert(
    "run-memory",
    {
        "filter": RUN + 'memory/utilizations"',
        "comparison": "COMPARISON_GT",
        "threshold_value": 0.85,
        "duration": "300s",
        "aggregations": P99,
    },
)
alert(
    "lb-errors",
    {
        "filter": LB + 'request_count" AND metric.label.response_code_class=500',
        "denominator_filter": LB + 'request_count"',
        "comparison": "COMPARISON_GT",
        "threshold_value": 0.05,
        "duration": "60s",
        "aggregations": [{"alignment_period": "60s", "per_series_aligner": "ALIGN_RATE"}],
        "denominator_aggregations": [{"alignment_period": "60s", "per_series_aligner": "ALIGN_RATE"}],
    },
)
alert(
    "lb-latency",
    {
        "filter": LB + 'total_latencies"',
        "comparison": "COMPARISON_GT",
        "threshold_value": 2000,
        "duration": "300s",
        "aggregations": [{"alignment_period": "60s", "per_series_aligner": "ALIGN_PERCENTILE_95"}],
    },
)
