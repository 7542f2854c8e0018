"""Cloud Monitoring resource cases: an alert policy routed to channels, an HTTPS /health uptime check; one change
per case; compliant alternatives (a shorter period, the default period, a path without its slash)."""

from __future__ import annotations

from typing import Any

from agencyos_policy.kubernetes.helm import HELM_CHART, HELM_RELEASE
from agencyos_policy.observability.monitoring import ALERT_POLICY, UPTIME_CHECK

from agencyos_infra.wire import UNKNOWN
from tests.policy.cases import DELETE, Case, mutate
from tests.policy.stack_cases import STACK, stack

CHANNELS = "gcp-monitoring-alertpolicy-notification-channels"
HEALTH = "gcp-monitoring-uptimecheck-health"
VALIDATE = "gcp-monitoring-uptimecheck-validate-ssl"
PINNED = "kubernetes-helm-release-pinned-chart"

ALERT: dict[str, Any] = {
    "displayName": "API down",
    "combiner": "OR",
    "conditions": [
        {
            "displayName": "check fails",
            "conditionThreshold": {
                "filter": 'metric.type="monitoring.googleapis.com/uptime_check/check_passed"',
                "comparison": "COMPARISON_GT",
                "thresholdValue": 1,
                "duration": "60s",
            },
        }
    ],
    "notificationChannels": ["projects/p/notificationChannels/123", "projects/p/notificationChannels/456"],
}
CHECK: dict[str, Any] = {
    "displayName": "api",
    "monitoredResource": {"type": "uptime_url", "labels": {"host": "api.example.com", "project_id": "p"}},
    "httpCheck": {"path": "/health", "useSsl": True, "validateSsl": True, "port": 443},
    "period": "300s",
    "timeout": "10s",
}
# kube-prometheus-stack, as teams install it (the chart the checklist's Prometheus and Grafana come from).
KUBE_PROMETHEUS_STACK: dict[str, Any] = {
    "name": "kps",
    "chart": "kube-prometheus-stack",
    "version": "77.0.0",
    "repositoryOpts": {"repo": "https://prometheus-community.github.io/helm-charts"},
    "namespace": "monitoring",
}

VIOLATIONS: list[tuple[str, str, dict[str, Any], str]] = [
    (CHANNELS, ALERT_POLICY, mutate(ALERT, {"notificationChannels": DELETE}), "no channels"),
    (CHANNELS, ALERT_POLICY, mutate(ALERT, {"notificationChannels": []}), "empty channels"),
    (CHANNELS, ALERT_POLICY, mutate(ALERT, {"notificationChannels": UNKNOWN}), "channel list unknown at preview"),
    (CHANNELS, ALERT_POLICY, mutate(ALERT, {"enabled": False}), "a disabled policy notifies nobody"),
    (HEALTH, UPTIME_CHECK, mutate(CHECK, {"httpCheck.path": "/"}), "on /"),
    (HEALTH, UPTIME_CHECK, mutate(CHECK, {"httpCheck.path": DELETE}), "path absent is /"),
    (HEALTH, UPTIME_CHECK, mutate(CHECK, {"httpCheck.path": "/ready"}), "readiness instead of liveness"),
    (HEALTH, UPTIME_CHECK, mutate(CHECK, {"httpCheck.useSsl": False}), "plain HTTP"),
    (HEALTH, UPTIME_CHECK, mutate(CHECK, {"httpCheck.useSsl": DELETE}), "useSsl absent is HTTP"),
    (HEALTH, UPTIME_CHECK, mutate(CHECK, {"period": "600s"}), "every 10 minutes"),
    (HEALTH, UPTIME_CHECK, mutate(CHECK, {"period": "900s"}), "every 15 minutes"),
    (HEALTH, UPTIME_CHECK, mutate(CHECK, {"period": UNKNOWN}), "period unknown at preview"),
    (HEALTH, UPTIME_CHECK, mutate(CHECK, {"httpCheck.path": UNKNOWN}), "path unknown at preview"),
    (HEALTH, UPTIME_CHECK, mutate(CHECK, {"httpCheck": DELETE, "tcpCheck": {"port": 25}, "period": "900s"}), "TCP 15m"),
    (VALIDATE, UPTIME_CHECK, mutate(CHECK, {"httpCheck.validateSsl": DELETE}), "certificate not validated"),
    (VALIDATE, UPTIME_CHECK, mutate(CHECK, {"httpCheck.validateSsl": False}), "validation off"),
    (PINNED, HELM_RELEASE, mutate(KUBE_PROMETHEUS_STACK, {"version": DELETE}), "kube-prometheus-stack unpinned"),
    (PINNED, HELM_CHART, mutate(KUBE_PROMETHEUS_STACK, {"version": ">=77"}), "kube-prometheus-stack range"),
]
PASSES: list[tuple[str, str, dict[str, Any], str]] = [
    (CHANNELS, ALERT_POLICY, ALERT, "two channels"),
    (CHANNELS, ALERT_POLICY, mutate(ALERT, {"enabled": True}), "enabled, as when absent"),
    (CHANNELS, ALERT_POLICY, mutate(ALERT, {"notificationChannels": [UNKNOWN]}), "a channel id computed at preview"),
    (HEALTH, UPTIME_CHECK, CHECK, "every 5 minutes"),
    (HEALTH, UPTIME_CHECK, mutate(CHECK, {"period": "60s"}), "every minute"),
    (HEALTH, UPTIME_CHECK, mutate(CHECK, {"period": DELETE}), "period absent is 300s"),
    (HEALTH, UPTIME_CHECK, mutate(CHECK, {"httpCheck.path": "health"}), "the provider prepends the slash"),
    (HEALTH, UPTIME_CHECK, mutate(CHECK, {"httpCheck": DELETE, "tcpCheck": {"port": 25}}), "a TCP check, period only"),
    (VALIDATE, UPTIME_CHECK, CHECK, "validated"),
    (PINNED, HELM_RELEASE, KUBE_PROMETHEUS_STACK, "kube-prometheus-stack pinned"),
    (PINNED, HELM_CHART, KUBE_PROMETHEUS_STACK, "kube-prometheus-stack v4 chart pinned"),
]

FAILING = [Case(policy, kind, props, note=note) for policy, kind, props, note in VIOLATIONS]
PASSING = [Case(policy, kind, props, note=note) for policy, kind, props, note in PASSES]

# --- channel kinds (a stack policy) -----------------------------------------------------------------------------

KINDS = "observability-stack-alert-channel-kinds"
CHANNEL = "gcp:monitoring/notificationChannel:NotificationChannel"
ALERTMANAGER_CONFIG = "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig"


def _channels(*kinds: str) -> list[tuple[str, dict[str, Any]]]:
    return [(CHANNEL, {"type": kind, "labels": {}}) for kind in kinds]


def _alertmanager(*configs: str) -> tuple[str, dict[str, Any]]:
    receivers = [{"name": key, key: [{}]} for key in configs]
    return (HELM_RELEASE, {**KUBE_PROMETHEUS_STACK, "values": {"alertmanager": {"config": {"receivers": receivers}}}})


KIND_VIOLATIONS: list[tuple[dict[str, Any], str]] = [
    (stack(*_channels("email")), "email only"),
    (stack(*_channels("email", "slack")), "no PagerDuty"),
    (stack(_alertmanager("email_configs", "slack_configs")), "Alertmanager without PagerDuty"),
]
KIND_PASSES: list[tuple[dict[str, Any], str]] = [
    (stack(*_channels("email", "slack", "pagerduty")), "Cloud Monitoring channels"),
    (stack(*_channels("email"), _alertmanager("slack_configs", "pagerduty_configs")), "both forms together"),
    (
        stack(
            (
                ALERTMANAGER_CONFIG,
                {
                    "spec": {
                        "receivers": [
                            {"name": "all", "emailConfigs": [{}], "slackConfigs": [{}], "pagerdutyConfigs": [{}]}
                        ]
                    }
                },
            )
        ),
        "an AlertmanagerConfig",
    ),
    (stack(*_channels("email", UNKNOWN)), "a kind unknown at preview"),
    (stack((ALERT_POLICY, ALERT)), "no channels defined here: not judged"),
]

FAILING += [Case(KINDS, STACK, props, note=note) for props, note in KIND_VIOLATIONS]
PASSING += [Case(KINDS, STACK, props, note=note) for props, note in KIND_PASSES]
