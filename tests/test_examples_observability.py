"""End to end: independently written monitoring setups (alert rules, uptime checks, log retention) judged by the pack.

`examples/compliant-observability` writes the six alert rules across a kube-prometheus-stack Helm value, a raw
PrometheusRule and Cloud Monitoring policies (stricter thresholds, shorter durations, percent and ratio forms,
node CPU as the complement of idle time, p99 in milliseconds, snake_case dicts), HTTPS /health uptime checks with
an alert per host (one built from the check's computed id), and log buckets kept 30 / 120 / 400 days with the audit
one locked. `examples/noncompliant-observability` is a quick start: an unpinned chart, a looser CPU rule, a slow
error-rate rule, a webhook rule over a quarter of an hour, no memory rule, an alert without channels, a home-page
check over HTTP every ten minutes, and a 7-day unlocked audit bucket.
"""

from __future__ import annotations

import re

from tests.conftest import mandatory_violations, report_sections
from tests.example_runs import BOTH_MODES, assert_passes, assert_rejected, preview_example

RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
CHECK = "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig"
BUCKET = "gcp:logging/projectBucketConfig:ProjectBucketConfig"
EXPECTED = {
    ("kubernetes-helm-release-pinned-chart", "kubernetes:helm.sh/v3:Release", "kps"),
    ("observability-stack-alert-cpu-usage", RULE, "rules"),
    ("observability-stack-alert-error-rate", RULE, "rules"),
    ("observability-stack-alert-payment-webhook-failures", RULE, "rules"),
    ("gcp-monitoring-alertpolicy-notification-channels", "gcp:monitoring/alertPolicy:AlertPolicy", "db-connections"),
    ("gcp-monitoring-uptimecheck-health", CHECK, "shop"),
    ("observability-stack-uptime-check-per-host", CHECK, "shop"),
    ("gcp-logging-stack-log-retention", BUCKET, "audit-logs"),
    ("gcp-logging-bucket-audit-locked", BUCKET, "audit-logs"),
}
STACK_LEVEL = re.compile(r"^\s+\[(?P<policy>[a-z0-9-]+)\] \(\w+\) \(stack\)$", re.MULTILINE)
EXPECTED_MESSAGES = [
    "its threshold must be at most 80% (or the ratio 0.8).",
    "spec.groups[0].rules[0].for must be at most 5m",
    "spec.groups[0].rules[1].for must be at most 1m",
    "it must fire on more than 10 failures in 5m",
    "the stack defines alerting but no rule on memory usage",
    "notificationChannels must name at least one channel",
    "httpCheck.useSsl must be true (HTTPS)",
    "httpCheck.path must be /health",
    "period must be at most 300s.",
    "retentionDays must be at least 365: a sink routes audit logs into this bucket",
    "locked must be true: this bucket receives audit logs",
]


@BOTH_MODES
def test_a_compliant_monitoring_setup_passes(mode: list[str]) -> None:
    result = preview_example("compliant-observability", "prod", mode)
    assert_passes(result)
    assert "Advisory violations: 0" in result.stdout
    for name in ("platform-rules", "error-rate", "db-connections", "uptime-api", "api-down", "audit-sink"):
        assert name in result.stdout, name


@BOTH_MODES
def test_a_noncompliant_monitoring_setup_is_rejected_naming_each_policy(mode: list[str]) -> None:
    result = preview_example("noncompliant-observability", "prod", mode)
    assert_rejected(result)
    section = report_sections(result.stdout)[0]
    assert mandatory_violations(result.stdout) == EXPECTED, result.stdout
    assert STACK_LEVEL.findall(section) == ["observability-stack-alert-memory-usage"], section
    for message in EXPECTED_MESSAGES:
        assert message in section, message
    # Neither the rules' expressions nor the hosts are echoed.
    assert "container_cpu_usage_seconds_total" not in section and "shop.example.com" not in section
