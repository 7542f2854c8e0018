"""Prometheus only, as a team running kube-prometheus-stack writes its alerts (no Cloud Monitoring at all).

- The chart's ``additionalPrometheusRulesMap`` holds node CPU (``100 * (1 - idle)``, ``>=``, a stricter
  ``for: 2m``) and container memory read through a recording rule;
- a ``ConfigGroup`` of PrometheusRule YAML holds the error rate and p95 latency (``sum by (service)``, recording
  rules), database pool use and failed payment webhooks (``>=`` ten in five minutes);
- Alertmanager routes to e-mail, Slack and PagerDuty receivers whose credentials are mounted files.
"""

import pulumi_kubernetes as k8s

RULES = {
    "node": {
        "groups": [
            {
                "name": "node.rules",
                "rules": [
                    {
                        "alert": "NodeCPUHigh",
                        "expr": '100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))) >= 80',
                        "for": "2m",
                        "labels": {"severity": "warning"},
                    },
                    {
                        "record": "namespace_pod:memory_working_set:ratio",
                        "expr": 'sum by (namespace, pod) (container_memory_working_set_bytes{container!=""})'
                        ' / sum by (namespace, pod) (kube_pod_container_resource_limits{resource="memory"})',
                    },
                    {
                        "alert": "PodMemoryHigh",
                        "expr": "namespace_pod:memory_working_set:ratio * 100 > 85",
                        "for": "5m",
                        "labels": {"severity": "warning"},
                    },
                ],
            }
        ]
    }
}

k8s.helm.v3.Release(
    "monitoring",
    chart="kube-prometheus-stack",
    version="77.0.1",
    repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo="https://prometheus-community.github.io/helm-charts"),
    namespace="monitoring",
    create_namespace=True,
    values={
        "grafana": {"enabled": True},
        "alertmanager": {
            "config": {
                "route": {"receiver": "team", "group_by": ["alertname", "service"]},
                "receivers": [
                    {
                        "name": "team",
                        "email_configs": [{"to": "oncall@example.net", "send_resolved": True}],
                        "slack_configs": [{"api_url_file": "/etc/alertmanager/secrets/slack/url", "channel": "#ops"}],
                        "pagerduty_configs": [{"routing_key_file": "/etc/alertmanager/secrets/pagerduty/key"}],
                    }
                ],
            }
        },
        "additionalPrometheusRulesMap": RULES,
    },
)

APP_RULES = """
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: ledger-slo
  namespace: monitoring
  labels:
    release: monitoring
spec:
  groups:
    - name: ledger.recording
      interval: 30s
      rules:
        - record: service:http_requests:rate2m
          expr: sum by (service)(rate(http_requests_total[2m]))
        - record: service:http_errors:rate2m
          expr: sum by (service)(rate(http_requests_total{status=~"5.."}[2m]))
    - name: ledger.alerts
      rules:
        - alert: HighErrorRate
          expr: service:http_errors:rate2m / service:http_requests:rate2m >= 0.05
          for: 1m
          labels:
            severity: critical
        - alert: SlowResponses
          expr: |
            histogram_quantile(0.95,
              sum by (service, le)(rate(http_server_request_duration_seconds_bucket[5m]))
            ) > 2
          for: 5m
        - alert: DatabasePoolNearlyFull
          expr: max by (service)(db_pool_connections_in_use / db_pool_connections_max) * 100 >= 90
        - alert: PaymentWebhooksFailing
          expr: sum(increase(payment_webhook_failures_total[5m])) >= 10
          labels:
            severity: critical
"""

k8s.yaml.v2.ConfigGroup("ledger-rules", yaml=APP_RULES)
