"""Alerting-rule and uptime stack cases: a compliant PrometheusRule (or set of AlertPolicies), then one change
per case; compliant alternatives (stricter, percent or ratio, complements, Cloud Monitoring, other containers)."""

from __future__ import annotations

import copy
from typing import Any

import yaml
from agencyos_policy.gcp.cloudsql import INSTANCE as SQL_INSTANCE
from agencyos_policy.kubernetes.helm import HELM_RELEASE
from agencyos_policy.kubernetes.tls import INGRESS
from agencyos_policy.kubernetes.workloads import DEPLOYMENT
from agencyos_policy.observability.monitoring import ALERT_POLICY, UPTIME_CHECK
from agencyos_policy.observability.rules import CONFIG_GROUP, PROMETHEUS_RULE

from agencyos_infra.wire import UNKNOWN
from tests.policy.cases import Case
from tests.policy.stack_cases import STACK
from tests.policy.stack_cases import stack as bare_stack

CPU = "observability-stack-alert-cpu-usage"
MEMORY = "observability-stack-alert-memory-usage"
ERRORS = "observability-stack-alert-error-rate"
LATENCY = "observability-stack-alert-p95-latency"
DATABASE = "observability-stack-alert-database-connections"
WEBHOOKS = "observability-stack-alert-payment-webhook-failures"
SIX = (CPU, MEMORY, ERRORS, LATENCY, DATABASE, WEBHOOKS)
UPTIME = "observability-stack-uptime-check-per-host"

SECRET = "gcp:secretmanager/secret:Secret"
DATABASE_INSTANCE = (SQL_INSTANCE, {"databaseVersion": "POSTGRES_15", "settings": {"tier": "db-custom-2-4096"}})
STRIPE_SECRET = (SECRET, {"secretId": "shop-stripe-webhook-secret"})
CONCERNS = (DATABASE_INSTANCE, STRIPE_SECRET)
"""What the application's stack has beside its rules: a database and payments, so every one of the six is due."""


def stack(*resources: tuple[str, Any]) -> dict[str, Any]:
    """A stack of ``resources`` and the application's concerns (a database, payments)."""
    return bare_stack(*resources, *CONCERNS)


# The baseline: a team's own rules, at the checklist's numbers, in a mix of percent and ratio forms.
RULES: dict[str, dict[str, Any]] = {
    CPU: {
        "alert": "CpuHigh",
        "expr": '100 * sum by (pod) (rate(container_cpu_usage_seconds_total{namespace="shop"}[5m])) '
        '/ sum by (pod) (kube_pod_container_resource_limits{namespace="shop", resource="cpu"}) > 80',
        "for": "5m",
    },
    MEMORY: {
        "alert": "MemoryHigh",
        "expr": 'sum by (pod) (container_memory_working_set_bytes{namespace="shop"}) '
        '/ sum by (pod) (kube_pod_container_resource_limits{namespace="shop", resource="memory"}) > 0.85',
        "for": "5m",
    },
    ERRORS: {
        "alert": "ErrorRateHigh",
        "expr": 'sum(rate(http_requests_total{code=~"5.."}[1m])) / sum(rate(http_requests_total[1m])) > 0.05',
        "for": "1m",
    },
    LATENCY: {
        "alert": "SlowResponses",
        "expr": "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 2",
        "for": "5m",
    },
    DATABASE: {
        "alert": "PoolNearlyFull",
        "expr": "sum(db_pool_connections_in_use) / sum(db_pool_connections_max) * 100 > 90",
    },
    WEBHOOKS: {"alert": "WebhooksFailing", "expr": "sum(increase(payment_webhook_failures_total[5m])) > 10"},
}


def prometheus_rule(rules: dict[str, dict[str, Any]] | None = None, **changes: dict[str, Any] | None) -> tuple:
    """The PrometheusRule with the baseline rules; ``changes`` replace (or, None, remove) a policy's rule."""
    chosen = copy.deepcopy(rules or RULES)
    for policy, rule in changes.items():
        name = {"cpu": CPU, "memory": MEMORY, "errors": ERRORS, "latency": LATENCY}.get(policy, policy)
        name = {"database": DATABASE, "webhooks": WEBHOOKS}.get(policy, name)
        if rule is None:
            chosen.pop(name)
        else:
            chosen[name] = rule
    return (
        PROMETHEUS_RULE,
        {
            "apiVersion": "monitoring.coreos.com/v1",
            "kind": "PrometheusRule",
            "metadata": {"name": "shop-alerts", "namespace": "monitoring", "labels": {"release": "kps"}},
            "spec": {"groups": [{"name": "shop", "rules": [{"record": "x:y", "expr": "sum(up)"}, *chosen.values()]}]},
        },
    )


def rule(base: str, **fields: Any) -> dict[str, Any]:
    """The baseline rule of policy ``base`` with ``fields`` changed (None removes one)."""
    changed = {**RULES[base], **fields}
    return {k: v for k, v in changed.items() if v is not None}


def threshold_condition(filter_: str, value: float, **extra: Any) -> dict[str, Any]:
    return {
        "displayName": "c",
        "conditionThreshold": {
            "filter": filter_,
            "comparison": "COMPARISON_GT",
            "thresholdValue": value,
            "duration": "60s",
            **extra,
        },
    }


def alert_policy(*conditions: dict[str, Any], channels: Any = ("projects/p/notificationChannels/1",)) -> tuple:
    props: dict[str, Any] = {"displayName": "a", "combiner": "OR", "conditions": list(conditions)}
    if channels is not None:
        props["notificationChannels"] = list(channels) if isinstance(channels, tuple) else channels
    return (ALERT_POLICY, props)


LB = 'metric.type="loadbalancing.googleapis.com/https/'
# The same six rules in Cloud Monitoring, at the checklist's numbers.
CM: dict[str, dict[str, Any]] = {
    CPU: threshold_condition('metric.type="kubernetes.io/container/cpu/limit_utilization"', 0.8, duration="300s"),
    MEMORY: threshold_condition(
        'metric.type="kubernetes.io/container/memory/limit_utilization" AND resource.type="k8s_container"',
        0.85,
        duration="300s",
    ),
    ERRORS: threshold_condition(
        LB + 'request_count" AND metric.label.response_code_class=500',
        0.05,
        denominatorFilter=LB + 'request_count"',
        aggregations=[{"alignmentPeriod": "60s", "perSeriesAligner": "ALIGN_RATE"}],
        denominatorAggregations=[{"alignmentPeriod": "60s", "perSeriesAligner": "ALIGN_RATE"}],
    ),
    LATENCY: threshold_condition(
        LB + 'total_latencies"',
        2000,
        duration="300s",
        aggregations=[{"alignmentPeriod": "60s", "perSeriesAligner": "ALIGN_PERCENTILE_95"}],
    ),
    DATABASE: threshold_condition(
        'metric.type="cloudsql.googleapis.com/database/postgresql/num_backends"', 90, duration="0s"
    ),
    WEBHOOKS: threshold_condition(
        'metric.type="logging.googleapis.com/user/payment-webhook-failures"',
        10,
        duration="0s",
        aggregations=[{"alignmentPeriod": "300s", "perSeriesAligner": "ALIGN_DELTA"}],
    ),
}


def cm_stack(**changes: dict[str, Any] | None) -> dict[str, Any]:
    conditions = {**CM, **changes}
    return stack(*(alert_policy(c) for c in conditions.values() if c is not None))


def cm(policy: str, **fields: Any) -> dict[str, Any]:
    condition = copy.deepcopy(CM[policy])
    condition["conditionThreshold"].update(fields)
    return condition


RECORDED_ERRORS = (
    PROMETHEUS_RULE,
    {
        "spec": {
            "groups": [
                {"name": "rec", "rules": [{"record": "job:http_errors:ratio_1m", "expr": RULES[ERRORS]["expr"][:-7]}]}
            ]
        }
    },
)

APP = (DEPLOYMENT, {"metadata": {"name": "shop"}, "spec": {"template": {"spec": {"containers": []}}}})
BASE = stack(prometheus_rule())

# (policy, stack, note): each fails its policy, and no other of the six.
ALERT_VIOLATIONS: list[tuple[str, dict[str, Any], str]] = [
    (CPU, stack(prometheus_rule(cpu=None)), "cpu rule missing"),
    (CPU, stack(prometheus_rule(cpu=rule(CPU, expr=RULES[CPU]["expr"].replace("> 80", "> 90")))), "cpu at 90%"),
    (CPU, stack(prometheus_rule(cpu=rule(CPU, **{"for": "10m"}))), "cpu for 10m"),
    (CPU, stack(prometheus_rule(cpu=rule(CPU, expr=RULES[CPU]["expr"].replace("> 80", "< 80")))), "cpu below"),
    (CPU, stack(prometheus_rule(cpu=rule(CPU, expr=UNKNOWN))), "cpu expr unknown at preview"),
    (CPU, stack(prometheus_rule(cpu=rule(CPU, **{"for": UNKNOWN}))), "cpu for unknown at preview"),
    (CPU, stack(prometheus_rule(cpu=rule(CPU, expr="sum(rate(container_cpu_usage_seconds_total[1h])) > 0.5"))), "1h"),
    (CPU, stack(prometheus_rule(cpu=rule(CPU, expr=RULES[CPU]["expr"].replace("> 80", "> bool 80")))), "bool"),
    (CPU, stack(prometheus_rule(cpu=rule(CPU, expr=RULES[CPU]["expr"].replace("[5m]", "[5m] offset 1h")))), "offset"),
    (MEMORY, stack(prometheus_rule(memory=None)), "memory rule missing"),
    (MEMORY, stack(prometheus_rule(memory=rule(MEMORY, expr=RULES[MEMORY]["expr"][:-4] + "0.9"))), "memory 90%"),
    (MEMORY, stack(prometheus_rule(memory=rule(MEMORY, **{"for": "15m"}))), "memory for 15m"),
    (
        MEMORY,
        stack(prometheus_rule(memory=rule(MEMORY, expr="container_memory_working_set_bytes > 0.85"))),
        "bytes, not a ratio",
    ),
    (
        MEMORY,
        stack(prometheus_rule(memory=rule(MEMORY, expr="container_memory_working_set_bytes / ignoring(x) y < 0.85"))),
        "use below the threshold",
    ),
    (ERRORS, stack(prometheus_rule(errors=None)), "error-rate rule missing"),
    (
        ERRORS,
        stack(prometheus_rule(errors=rule(ERRORS, expr="job:http_errors:ratio_1m > 0.1")), RECORDED_ERRORS),
        "a recorded error ratio at 10%",
    ),
    (ERRORS, stack(prometheus_rule(errors=rule(ERRORS, expr=RULES[ERRORS]["expr"][:-4] + "0.1"))), "10%"),
    (ERRORS, stack(prometheus_rule(errors=rule(ERRORS, **{"for": "5m"}))), "error rate for 5m"),
    (ERRORS, stack(prometheus_rule(errors=rule(ERRORS, expr=RULES[ERRORS]["expr"].replace("[1m]", "[10m]")))), "10m"),
    (
        ERRORS,
        stack(prometheus_rule(errors=rule(ERRORS, expr=RULES[ERRORS]["expr"].replace('code=~"5.."', 'code=~"4.."')))),
        "4xx is not the error rate: no rule",
    ),
    (
        ERRORS,
        stack(prometheus_rule(errors=rule(ERRORS, expr="sum(rate(http_requests_total{code=~'5..'}[1m])) > 5"))),
        "errors per second, not a rate of requests",
    ),
    (
        ERRORS,
        stack(
            prometheus_rule(
                errors=rule(ERRORS, expr=RULES[ERRORS]["expr"] + " and sum(rate(http_requests_total[1m])) > 1")
            )
        ),
        "held back by a traffic guard",
    ),
    (LATENCY, stack(prometheus_rule(latency=None)), "latency rule missing"),
    (LATENCY, stack(prometheus_rule(latency=rule(LATENCY, expr=RULES[LATENCY]["expr"][:-1] + "3"))), "3s"),
    (LATENCY, stack(prometheus_rule(latency=rule(LATENCY, expr=RULES[LATENCY]["expr"].replace("0.95", "0.5")))), "p50"),
    (LATENCY, stack(prometheus_rule(latency=rule(LATENCY, **{"for": "6m"}))), "latency for 6m"),
    (DATABASE, stack(prometheus_rule(database=None)), "database rule missing"),
    (DATABASE, stack(prometheus_rule(database=rule(DATABASE, expr=RULES[DATABASE]["expr"][:-2] + "95"))), "95%"),
    (DATABASE, stack(prometheus_rule(database=rule(DATABASE, **{"for": "5m"}))), "for 5m: no duration stated"),
    (
        DATABASE,
        stack(prometheus_rule(database=rule(DATABASE, expr="sum(db_pool_connections_in_use) > 19"))),
        "an absolute count above 90% of the pool of 20",
    ),
    (
        DATABASE,
        stack(
            prometheus_rule(database=rule(DATABASE, expr="sum(pg_stat_activity_count) > 80")),
            (SQL_INSTANCE, {"settings": {"databaseFlags": [{"name": "max_connections", "value": "50"}]}}),
        ),
        "an absolute count above 90% of the instance's max_connections flag",
    ),
    (WEBHOOKS, stack(prometheus_rule(webhooks=None)), "webhook rule missing"),
    (WEBHOOKS, stack(prometheus_rule(webhooks=rule(WEBHOOKS, expr=RULES[WEBHOOKS]["expr"][:-2] + "20"))), "20"),
    (
        WEBHOOKS,
        stack(prometheus_rule(webhooks=rule(WEBHOOKS, expr=RULES[WEBHOOKS]["expr"].replace("[5m]", "[1m]")))),
        "10 a minute is 50 in 5 minutes",
    ),
    (
        WEBHOOKS,
        stack(prometheus_rule(webhooks=rule(WEBHOOKS, expr="sum(rate(payment_webhook_failures_total[5m])) > 1"))),
        "one a second",
    ),
    (WEBHOOKS, stack(prometheus_rule(webhooks=rule(WEBHOOKS, **{"for": "5m"}))), "webhook for 5m"),
    # Cloud Monitoring forms.
    (CPU, cm_stack(**{CPU: cm(CPU, thresholdValue=0.9)}), "cm cpu 0.9"),
    (CPU, cm_stack(**{CPU: cm(CPU, thresholdValue=80)}), "cm cpu 80 on a ratio metric never fires"),
    (CPU, cm_stack(**{CPU: cm(CPU, comparison="COMPARISON_LT")}), "cm cpu below"),
    (CPU, cm_stack(**{CPU: cm(CPU, duration="600s")}), "cm cpu 10 minutes"),
    (CPU, cm_stack(**{CPU: cm(CPU, trigger={"count": 3})}), "cm cpu on three series at once"),
    (CPU, cm_stack(**{CPU: cm(CPU, trigger={"percent": 50})}), "cm cpu on half the series"),
    (CPU, cm_stack(**{CPU: cm(CPU, thresholdValue=UNKNOWN)}), "cm threshold unknown at preview"),
    (MEMORY, cm_stack(**{MEMORY: cm(MEMORY, duration=UNKNOWN)}), "cm memory duration unknown at preview"),
    (ERRORS, cm_stack(**{ERRORS: cm(ERRORS, denominatorFilter=None)}), "cm errors without a denominator"),
    (LATENCY, cm_stack(**{LATENCY: cm(LATENCY, thresholdValue=2500)}), "cm latency 2.5 s"),
    (
        LATENCY,
        cm_stack(**{LATENCY: cm(LATENCY, aggregations=[{"alignmentPeriod": "60s", "perSeriesAligner": "ALIGN_MEAN"}])}),
        "cm mean latency",
    ),
    (DATABASE, cm_stack(**{DATABASE: cm(DATABASE, thresholdValue=95)}), "cm 95 backends of 100"),
    (
        WEBHOOKS,
        cm_stack(
            **{WEBHOOKS: cm(WEBHOOKS, aggregations=[{"alignmentPeriod": "300s", "perSeriesAligner": "ALIGN_RATE"}])}
        ),
        "cm webhook one a second",
    ),
]
STACK_UNKNOWN = stack((PROMETHEUS_RULE, {"spec": {"groups": UNKNOWN}}))
ALERT_PASSES: list[tuple[str, dict[str, Any], str]] = [
    *[(policy, BASE, "baseline") for policy in SIX],
    *[(policy, cm_stack(), "cloud monitoring") for policy in SIX],
    *[(policy, stack(APP), "no alerting: not judged") for policy in SIX],
    (CPU, stack(prometheus_rule(cpu=rule(CPU, expr=RULES[CPU]["expr"].replace("> 80", "> 70"), **{"for": "2m"}))), ""),
    (
        CPU,
        stack(
            prometheus_rule(
                cpu=rule(CPU, expr='100 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m])) * 100 > 80')
            )
        ),
        "node CPU as the complement of idle",
    ),
    (
        CPU,
        stack(prometheus_rule(cpu=rule(CPU, expr=RULES[CPU]["expr"].replace("> 80", ">= 0.8").replace("100 *", "")))),
        "",
    ),
    (CPU, stack(prometheus_rule(cpu=rule(CPU, expr="0.8 < sum(rate(process_cpu_seconds_total[1m]))"))), "number first"),
    (CPU, cm_stack(**{CPU: cm(CPU, trigger={"count": 1})}), "cm trigger on one series"),
    (
        MEMORY,
        stack(
            prometheus_rule(
                memory=rule(MEMORY, expr="node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes * 100 < 15")
            )
        ),
        "available memory below 15%",
    ),
    (
        MEMORY,
        stack(
            prometheus_rule(
                memory=rule(MEMORY, expr="(1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes) > 0.8")
            )
        ),
        "1 - available",
    ),
    (ERRORS, stack(prometheus_rule(errors=rule(ERRORS, **{"for": "30s"}))), "shorter for"),
    (
        ERRORS,
        stack(prometheus_rule(errors=rule(ERRORS, expr='job:http_errors:ratio_1m{job="api"} > 0.05')), RECORDED_ERRORS),
        "an alert on a recorded series, read through its recording rule",
    ),
    (
        ERRORS,
        stack(
            prometheus_rule(
                errors=rule(
                    ERRORS,
                    expr='sum(rate(nginx_ingress_controller_requests{status=~"5[0-9][0-9]"}[2m])) '
                    "/ sum(rate(nginx_ingress_controller_requests[2m])) * 100 >= 2",
                )
            )
        ),
        "ingress-nginx, percent, a window of four scrapes",
    ),
    (
        LATENCY,
        stack(
            prometheus_rule(
                latency=rule(
                    LATENCY,
                    expr="histogram_quantile(0.99, sum by (le) (rate(http_server_latency_milliseconds_bucket[5m]))) "
                    "> 1500",
                )
            )
        ),
        "p99 in milliseconds",
    ),
    (DATABASE, stack(prometheus_rule(database=rule(DATABASE, expr="sum(pg_stat_activity_count) > 80"))), "of 100"),
    (
        DATABASE,
        stack(prometheus_rule(database=rule(DATABASE, expr="sum(db_pool_connections_in_use) > 18"))),
        "absolute, 90% of the pool",
    ),
    (
        WEBHOOKS,
        stack(prometheus_rule(webhooks=rule(WEBHOOKS, expr=RULES[WEBHOOKS]["expr"].replace("[5m]", "[1h]")))),
        "",
    ),
    (
        WEBHOOKS,
        stack(prometheus_rule(webhooks=rule(WEBHOOKS, expr="sum(rate(payment_webhook_errors_total[5m])) * 300 > 10"))),
        "a rate times the window",
    ),
    # One loose rule and one compliant rule of the same signal: the compliant one counts.
    (
        CPU,
        stack(prometheus_rule(), prometheus_rule(cpu=rule(CPU, **{"for": "1h"}))),
        "a second, looser rule beside a compliant one",
    ),
    # Rules in a ConfigGroup, or in kube-prometheus-stack's values.
    *[
        (
            policy,
            stack((CONFIG_GROUP, {"objs": [prometheus_rule()[1]]})),
            "config group",
        )
        for policy in SIX
    ],
    *[
        (
            policy,
            stack(
                (
                    HELM_RELEASE,
                    {
                        "chart": "kube-prometheus-stack",
                        "version": "77.0.0",
                        "values": {"additionalPrometheusRulesMap": {"shop": prometheus_rule()[1]["spec"]}},
                    },
                )
            ),
            "helm values",
        )
        for policy in SIX
    ],
    # Cloud Monitoring's PromQL condition reads like a PrometheusRule.
    (
        ERRORS,
        stack(
            prometheus_rule(errors=None),
            alert_policy(
                {"conditionPrometheusQueryLanguage": {"query": RULES[ERRORS]["expr"], "duration": "60s"}},
            ),
        ),
        "cloud monitoring promql",
    ),
    (
        LATENCY,
        cm_stack(
            **{
                LATENCY: cm(
                    LATENCY,
                    thresholdValue=1000,
                    aggregations=[
                        {
                            "alignmentPeriod": "60s",
                            "perSeriesAligner": "ALIGN_DELTA",
                            "crossSeriesReducer": "REDUCE_PERCENTILE_99",
                        }
                    ],
                )
            }
        ),
        "cm p99 reducer",
    ),
]

# --- rules as other teams write them (independent tests) -----------------------------------------------------


def config_group_yaml(*changes_and_texts: Any, as_list: bool = False, **changes: dict[str, Any] | None) -> tuple:
    """A ConfigGroup whose ``yaml`` text (or a list of texts) holds the PrometheusRule, after a Service."""
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "shop"}}
    text = yaml.safe_dump_all([service, prometheus_rule(**changes)[1]])
    return (CONFIG_GROUP, {"yaml": [text] if as_list else text})


ALERT_VIOLATIONS += [
    (
        CPU,
        stack(config_group_yaml(cpu=rule(CPU, expr=RULES[CPU]["expr"].replace("> 80", "> 90")))),
        "a ConfigGroup's yaml text with a looser CPU rule",
    ),
    (MEMORY, stack(config_group_yaml(memory=None)), "a ConfigGroup's yaml text without a memory rule"),
    (
        CPU,
        stack(prometheus_rule(cpu=None), (CONFIG_GROUP, {"yaml": UNKNOWN})),
        "no CPU rule but a ConfigGroup's yaml unknown at preview",
    ),
]


def pool_rule(expr: str) -> dict[str, Any]:
    return {"alert": "PoolNearlyFull", "expr": expr}


HIKARI = "max by (pool) (hikaricp_connections_active) / max by (pool) (hikaricp_connections_max)"
OTEL_POOL = 'sum(db_client_connection_count{state="used"}) / sum(db_client_connection_max)'
ALERT_VIOLATIONS += [
    (DATABASE, stack(prometheus_rule(database=pool_rule(f"{HIKARI} > 0.95"))), "HikariCP pool at 95%"),
    (DATABASE, stack(prometheus_rule(database=pool_rule(f"{OTEL_POOL} * 100 > 92"))), "OpenTelemetry pool at 92%"),
    (
        DATABASE,
        stack(prometheus_rule(database=pool_rule("sum(hikaricp_connections_active) > 19"))),
        "HikariCP: 19 of a pool of 20",
    ),
]
WEBHOOK_BY_LABEL = 'sum(increase(webhook_deliveries_total{provider="stripe", status="failed"}[5m]))'
WEBHOOK_5XX = 'sum(increase(http_requests_total{handler="/webhooks/paypal", status=~"5.."}[5m]))'
ALERT_VIOLATIONS += [
    (WEBHOOKS, stack(prometheus_rule(webhooks=pool_rule(f"{WEBHOOK_BY_LABEL} > 20"))), "failures by label, 20"),
    (WEBHOOKS, stack(prometheus_rule(webhooks=pool_rule(f"{WEBHOOK_5XX} > 15"))), "5xx on the webhook route, 15"),
    (
        WEBHOOKS,
        stack(
            prometheus_rule(webhooks=pool_rule('sum(increase(webhook_deliveries_total{status="delivered"}[5m])) > 10'))
        ),
        "deliveries that succeeded are not failures",
    ),
]


def chart(values: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return (HELM_RELEASE, {"chart": "kube-prometheus-stack", "version": "77.0.0", "values": values})


def listed(**changes: dict[str, Any] | None) -> list[dict[str, Any]]:
    """kube-prometheus-stack's list form of extra rules: [{name, groups}]."""
    return [{"name": "shop", **prometheus_rule(**changes)[1]["spec"]}]


LOOSE_CPU = rule(CPU, expr=RULES[CPU]["expr"].replace("> 80", "> 95"))
ALERT_VIOLATIONS += [
    (CPU, stack(chart({"additionalPrometheusRules": listed(cpu=LOOSE_CPU)})), "the chart's rule list, CPU at 95%"),
    (
        CPU,
        stack(
            chart(
                {
                    "additionalPrometheusRulesMap": {"shop": prometheus_rule(cpu=LOOSE_CPU)[1]["spec"]},
                    "additionalPrometheusRules": listed(),
                }
            )
        ),
        "with a rules map the chart ignores the list",
    ),
]
ALERT_PASSES += [
    *[(policy, stack(chart({"additionalPrometheusRules": listed()})), "the chart's rule list") for policy in SIX],
    *[
        (policy, stack(chart({"additionalPrometheusRulesMap": {}, "additionalPrometheusRules": listed()})), "empty map")
        for policy in SIX
    ],
]


def grouped(interval: Any, policy: str | None = None) -> dict[str, Any]:
    """The baseline rules, with ``policy``'s rule (or all) in a group of its own evaluated every ``interval``."""
    kind, props = prometheus_rule()
    props = copy.deepcopy(props)
    if policy is None:
        props["spec"]["groups"][0]["interval"] = interval
    else:
        props["spec"]["groups"][0]["rules"].remove(RULES[policy])
        props["spec"]["groups"].append({"name": "slow", "interval": interval, "rules": [RULES[policy]]})
    return stack((kind, props))


ALERT_VIOLATIONS += [
    (ERRORS, grouped("2m", ERRORS), "the error-rate rule evaluated every 2m"),
    (CPU, grouped("10m", CPU), "the CPU rule evaluated every 10m"),
    (WEBHOOKS, grouped("5m", WEBHOOKS), "the webhook rule evaluated every 5m"),
    (CPU, grouped(UNKNOWN, CPU), "an evaluation interval unknown at preview"),
]
ALERT_PASSES += [
    *[(policy, grouped("30s"), "a group evaluated every 30s") for policy in SIX],
    *[(policy, grouped("1m"), "every minute (Prometheus's default)") for policy in SIX],
    (CPU, grouped("5m", CPU), "CPU evaluated every 5m: its stated duration"),
]
ALERT_VIOLATIONS += [
    (
        CPU,
        stack(prometheus_rule(cpu=rule(CPU, expr="sum by (pod) (rate(container_cpu_usage_seconds_total[5m])) > 0.8"))),
        "container CPU in cores, not over its limit",
    ),
    (
        CPU,
        stack(prometheus_rule(cpu=rule(CPU, expr=RULES[CPU]["expr"].replace("> 80", "* 0 > 80")))),
        "multiplied by zero: never fires (and no crash)",
    ),
]
ALERT_PASSES += [
    (
        CPU,
        stack(
            prometheus_rule(
                cpu=rule(
                    CPU,
                    expr="sum by (pod) (rate(container_cpu_usage_seconds_total[5m])) / sum by (pod) "
                    '(kube_pod_container_resource_requests{resource="cpu"}) >= 0.8',
                )
            )
        ),
        "container CPU over its request",
    ),
]
ALERT_PASSES += [
    (CPU, stack(prometheus_rule(cpu=rule(CPU, expr=RULES[CPU]["expr"].replace("> 80", "> 160 / 2")))), "80 as 160/2"),
]
ALERT_VIOLATIONS += [
    (CPU, stack(prometheus_rule(cpu=rule(CPU, expr=RULES[CPU]["expr"].replace("> 80", "> 90 + 5")))), "95 as 90+5"),
]
# Cloud Monitoring's PromQL conditions on its own metrics (https://cloud.google.com/monitoring/promql/promql-mapping).
LB_REQUESTS = "loadbalancing_googleapis_com:https_request_count"
GMP: dict[str, tuple[str, str]] = {
    CPU: ("avg by (pod_name) (kubernetes_io:container_cpu_limit_utilization) > 0.8", "300s"),
    MEMORY: ("max by (pod_name) (kubernetes_io:container_memory_limit_utilization) * 100 >= 85", "300s"),
    ERRORS: (
        f'sum(rate({LB_REQUESTS}{{response_code_class="500"}}[1m])) / sum(rate({LB_REQUESTS}[1m])) > 0.05',
        "60s",
    ),
    LATENCY: (
        "histogram_quantile(0.95, sum by (le) (rate(loadbalancing_googleapis_com:https_total_latencies_bucket[5m])))"
        " > 2000",
        "300s",
    ),
    DATABASE: ("max(cloudsql_googleapis_com:database_postgresql_num_backends) > 90", "0s"),
    WEBHOOKS: ("sum(increase(logging_googleapis_com:user_payment_webhook_failures[5m])) > 10", "0s"),
}


def gmp_stack(**changes: tuple[str, str]) -> dict[str, Any]:
    """The six rules as Cloud Monitoring PromQL conditions on Cloud Monitoring metrics; ``changes`` by policy."""
    chosen = {**GMP, **changes}
    return stack(
        *(
            alert_policy({"conditionPrometheusQueryLanguage": {"query": query, "duration": duration}})
            for query, duration in chosen.values()
        )
    )


ALERT_PASSES += [(policy, gmp_stack(), "Cloud Monitoring metrics in PromQL conditions") for policy in SIX]
ALERT_VIOLATIONS += [
    (CPU, gmp_stack(**{CPU: (GMP[CPU][0].replace("0.8", "0.9"), "300s")}), "PromQL: CPU utilisation at 90%"),
    (MEMORY, gmp_stack(**{MEMORY: (GMP[MEMORY][0], "600s")}), "PromQL: memory for 10 minutes"),
    (ERRORS, gmp_stack(**{ERRORS: (GMP[ERRORS][0].replace("0.05", "0.1"), "60s")}), "PromQL: 10% of 5xx"),
    (LATENCY, gmp_stack(**{LATENCY: (GMP[LATENCY][0].replace("2000", "2500"), "300s")}), "PromQL: 2.5 s in ms"),
    (DATABASE, gmp_stack(**{DATABASE: (GMP[DATABASE][0].replace("90", "95"), "0s")}), "PromQL: 95 backends"),
]


def combined_policy(combiner: Any, together: tuple[str, ...] = (CPU, MEMORY)) -> dict[str, Any]:
    """The Cloud Monitoring baseline with the conditions of ``together`` in one policy under ``combiner``."""
    others = [alert_policy(c) for name, c in CM.items() if name not in together]
    joined = alert_policy(*(CM[name] for name in together))
    return stack(*others, (joined[0], {**joined[1], "combiner": combiner}))


ALERT_PASSES += [
    *[(policy, combined_policy("OR"), "CPU and memory in one policy, either opens an incident") for policy in SIX],
    *[(policy, combined_policy("AND", (CPU,)), "AND over a single condition") for policy in SIX],
]
COMBINED_FAILING = [
    *[
        Case(policy, STACK, combined_policy("AND"), note="CPU and memory ANDed: neither fires alone")
        for policy in (CPU, MEMORY)
    ],
    *[
        Case(policy, STACK, combined_policy("AND_WITH_MATCHING_RESOURCE"), note="ANDed on the same resource")
        for policy in (CPU, MEMORY)
    ],
    *[Case(policy, STACK, combined_policy(UNKNOWN), note="combiner unknown at preview") for policy in (CPU, MEMORY)],
]
SUMMARY = 'max by (uri) (http_server_requests_seconds{quantile="0.95", uri!~"/health|/ready"})'
ALERT_VIOLATIONS += [
    (LATENCY, stack(prometheus_rule(latency=rule(LATENCY, expr=f"{SUMMARY} > 3"))), "summary p95 over 3 s"),
    (
        LATENCY,
        stack(prometheus_rule(latency=rule(LATENCY, expr=SUMMARY.replace("0.95", "0.5") + " > 1"))),
        "summary median",
    ),
    (
        LATENCY,
        stack(prometheus_rule(latency=rule(LATENCY, expr='rpc_latency_ms{quantile="0.99"} > 2500'))),
        "summary p99 in milliseconds, 2.5 s",
    ),
]
ALERT_PASSES += [
    (LATENCY, stack(prometheus_rule(latency=rule(LATENCY, expr=f"{SUMMARY} > 2"))), "a summary's p95 (Micrometer)"),
    (
        LATENCY,
        stack(prometheus_rule(latency=rule(LATENCY, expr='rpc_latency_ms{quantile="0.99"} > 1500'))),
        "a summary's p99 in milliseconds",
    ),
]
GOOD = 'sum(rate(http_requests_total{status!~"5.."}[1m])) / sum(rate(http_requests_total[1m]))'
ALERT_VIOLATIONS += [
    (ERRORS, stack(prometheus_rule(errors=rule(ERRORS, expr=f"{GOOD} < 0.9"))), "success ratio below 90%"),
    (ERRORS, stack(prometheus_rule(errors=rule(ERRORS, expr=f"{GOOD} > 0.95"))), "fires while all is well"),
    (
        ERRORS,
        stack(prometheus_rule(errors=rule(ERRORS, expr=f"{GOOD} < 0.95", **{"for": "5m"}))),
        "success ratio for 5 minutes",
    ),
]
ALERT_PASSES += [
    (ERRORS, stack(prometheus_rule(errors=rule(ERRORS, expr=f"{GOOD} < 0.95"))), "success ratio (availability)"),
    (
        ERRORS,
        stack(
            prometheus_rule(
                errors=rule(
                    ERRORS,
                    expr='100 * sum(rate(http_requests_total{code=~"2..|3.."}[1m])) '
                    "/ sum(rate(http_requests_total[1m])) <= 97",
                )
            )
        ),
        "share of 2xx/3xx in percent, stricter",
    ),
    (ERRORS, stack(prometheus_rule(errors=rule(ERRORS, expr=f"1 - {GOOD} > 0.05"))), "one minus the success ratio"),
    (WEBHOOKS, stack(prometheus_rule(webhooks=pool_rule(f"{WEBHOOK_BY_LABEL} > 10"))), "failures by a label"),
    (WEBHOOKS, stack(prometheus_rule(webhooks=pool_rule(f"{WEBHOOK_5XX} >= 10"))), "5xx on the webhook route"),
    (DATABASE, stack(prometheus_rule(database=pool_rule(f"{HIKARI} > 0.9"))), "HikariCP pool (Micrometer)"),
    (DATABASE, stack(prometheus_rule(database=pool_rule(f"{OTEL_POOL} * 100 >= 85"))), "OpenTelemetry pool"),
    (
        DATABASE,
        stack(
            prometheus_rule(
                database=pool_rule(
                    'sum(db_client_connections_usage{state="used"}) / sum(db_client_connections_max) > 0.9'
                )
            )
        ),
        "OpenTelemetry pool (semantic conventions up to v1.24)",
    ),
    (DATABASE, stack(prometheus_rule(database=pool_rule("sum(hikaricp_connections_active) > 18"))), "18 of 20"),
    (DATABASE, stack(prometheus_rule(database=pool_rule("sum(pg_stat_database_numbackends) > 90"))), "server"),
    *[(policy, stack(config_group_yaml()), "a ConfigGroup's yaml text") for policy in SIX],
    *[(policy, stack(config_group_yaml(as_list=True)), "a ConfigGroup's list of yaml texts") for policy in SIX],
]
# --- uptime per host -------------------------------------------------------------------------------------------

HOST = "shop.example.com"
INGRESS_PROPS: dict[str, Any] = {
    "metadata": {"name": "shop", "namespace": "shop"},
    "spec": {"rules": [{"host": HOST}, {"host": "*.shop.example.com"}], "tls": [{"hosts": [HOST]}]},
}
CHECK_PROPS: dict[str, Any] = {
    "displayName": "shop",
    "monitoredResource": {"type": "uptime_url", "labels": {"host": HOST, "project_id": "p"}},
    "httpCheck": {"path": "/health", "useSsl": True, "validateSsl": True},
    "period": "60s",
}
UPTIME_ALERT = alert_policy(
    threshold_condition(
        'metric.type="monitoring.googleapis.com/uptime_check/check_passed" AND resource.type="uptime_url"',
        1,
        comparison="COMPARISON_GT",
    )
)


def _with(props: dict[str, Any], **changes: Any) -> dict[str, Any]:
    changed = copy.deepcopy(props)
    for path, value in changes.items():
        node = changed
        *parents, leaf = path.split("__")
        for key in parents:
            node = node[key]
        if value is None:
            node.pop(leaf)
        else:
            node[leaf] = value
    return changed


UPTIME_VIOLATIONS: list[tuple[dict[str, Any], str]] = [
    (
        stack(
            (INGRESS, INGRESS_PROPS),
            (INGRESS, _with(INGRESS_PROPS, metadata__name="api", spec__rules=[{"host": "api.example.com"}])),
            (UPTIME_CHECK, CHECK_PROPS),
            UPTIME_ALERT,
        ),
        "an Ingress host without a check, in a stack that checks another",
    ),
    (stack((INGRESS, INGRESS_PROPS), (UPTIME_CHECK, _with(CHECK_PROPS, httpCheck__path="/")), UPTIME_ALERT), "on /"),
    (stack((INGRESS, INGRESS_PROPS), (UPTIME_CHECK, _with(CHECK_PROPS, period="600s")), UPTIME_ALERT), "600s"),
    (stack((UPTIME_CHECK, _with(CHECK_PROPS, httpCheck__useSsl=False)), UPTIME_ALERT), "a host checked over HTTP only"),
    (
        stack(
            (INGRESS, INGRESS_PROPS),
            (UPTIME_CHECK, _with(CHECK_PROPS, httpCheck=None, tcpCheck={"port": 443})),
            UPTIME_ALERT,
        ),
        "a TCP check is no health check",
    ),
    (stack((INGRESS, INGRESS_PROPS), (UPTIME_CHECK, CHECK_PROPS)), "no alert on the check"),
    (
        stack(
            (INGRESS, INGRESS_PROPS),
            (UPTIME_CHECK, CHECK_PROPS),
            (ALERT_POLICY, {**UPTIME_ALERT[1], "notificationChannels": []}),
        ),
        "an alert without channels",
    ),
    (
        stack(
            (UPTIME_CHECK, CHECK_PROPS),
            alert_policy(
                threshold_condition(
                    'metric.type="monitoring.googleapis.com/uptime_check/check_passed" '
                    'AND resource.label.host="other.example.com"',
                    1,
                )
            ),
        ),
        "an alert on another host",
    ),
    (stack((INGRESS, _with(INGRESS_PROPS, spec__rules=UNKNOWN)), (UPTIME_CHECK, CHECK_PROPS), UPTIME_ALERT), "unknown"),
]
UPTIME_PASSES: list[tuple[dict[str, Any], str]] = [
    (stack((INGRESS, INGRESS_PROPS), (UPTIME_CHECK, CHECK_PROPS), UPTIME_ALERT), "check and alert"),
    (stack((INGRESS, INGRESS_PROPS), (UPTIME_CHECK, _with(CHECK_PROPS, period=None)), UPTIME_ALERT), "default 300s"),
    (
        stack(
            (INGRESS, INGRESS_PROPS),
            (UPTIME_CHECK, CHECK_PROPS),
            alert_policy(
                threshold_condition(
                    'metric.type="monitoring.googleapis.com/uptime_check/check_passed" '
                    f'AND resource.label.host="{HOST}"',
                    1,
                )
            ),
        ),
        "an alert on the host",
    ),
    (stack((INGRESS, INGRESS_PROPS)), "no monitoring in the stack: not judged"),
    (
        stack((INGRESS, INGRESS_PROPS), UPTIME_ALERT),
        "alerting but no uptime check: uptime monitored elsewhere (another stack, a third-party service)",
    ),
    (
        stack((INGRESS, _with(INGRESS_PROPS, spec__ingressClassName="gce-internal")), UPTIME_ALERT),
        "an internal Ingress is not public",
    ),
]

# A stack of uptime checks and their alerts (6.uptime-monitoring) leaves the six alerting rules to another stack.
UPTIME_ONLY = stack((UPTIME_CHECK, CHECK_PROPS), UPTIME_ALERT)
CPU_CONDITION = threshold_condition('metric.type="kubernetes.io/container/cpu/limit_utilization"', 0.95)
UPTIME_AND_CPU = stack(
    (UPTIME_CHECK, CHECK_PROPS),
    (ALERT_POLICY, {**UPTIME_ALERT[1], "conditions": [*UPTIME_ALERT[1]["conditions"], CPU_CONDITION]}),
)
UPTIME_FILTER_UNKNOWN = copy.deepcopy(UPTIME_ALERT[1])
UPTIME_FILTER_UNKNOWN["conditions"][0]["conditionThreshold"]["filter"] = UNKNOWN
ALERT_PASSES += [(policy, UPTIME_ONLY, "uptime alerts only: the six live in another stack") for policy in SIX]

# Cloud Run's utilisation distributions (ratios), aligned to a percentile, are CPU and memory rules.
RUN = 'metric.type="run.googleapis.com/container/'
RUN_AGGREGATION = [{"alignmentPeriod": "60s", "perSeriesAligner": "ALIGN_PERCENTILE_99"}]
RUN_CPU = threshold_condition(RUN + 'cpu/utilizations"', 0.8, duration="300s", aggregations=RUN_AGGREGATION)
RUN_MEMORY = threshold_condition(RUN + 'memory/utilizations"', 0.85, duration="300s", aggregations=RUN_AGGREGATION)
LOOSE_RUN_CPU = threshold_condition(RUN + 'cpu/utilizations"', 0.95, duration="300s", aggregations=RUN_AGGREGATION)
RUN_CPU_PROMQL = rule(
    CPU,
    expr="histogram_quantile(0.99, sum by (le) (rate(run_googleapis_com:container_cpu_utilizations_bucket[5m]))) > 0.8",
)
ALERT_PASSES += [
    (CPU, cm_stack(**{CPU: RUN_CPU}), "Cloud Run CPU utilisations at 0.8"),
    (MEMORY, cm_stack(**{MEMORY: RUN_MEMORY}), "Cloud Run memory utilisations at 0.85"),
    (CPU, stack(prometheus_rule(cpu=RUN_CPU_PROMQL)), "Cloud Run CPU utilisations in PromQL"),
]
ALERT_VIOLATIONS += [
    (CPU, cm_stack(**{CPU: LOOSE_RUN_CPU}), "Cloud Run CPU utilisations at 0.95: looser, not missing"),
]

# A rule is demanded only where the stack has its concern: a database, payments.
CLOUD_RUN = "gcp:cloudrunv2/service:Service"


def cloud_run(*variables: str) -> tuple[str, dict[str, Any]]:
    """A Cloud Run service whose container sets ``variables`` from Secret Manager."""
    ref = {"secretKeyRef": {"secret": "s", "version": "latest"}}
    envs = [{"name": name, "valueSource": ref} for name in variables]
    return CLOUD_RUN, {"name": "shop", "template": {"containers": [{"image": "shop:1.4.2", "envs": envs}]}}


POSTGRES_SET = (
    "kubernetes:apps/v1:StatefulSet",
    {"spec": {"template": {"spec": {"containers": [{"name": "db", "image": "postgres:16.4"}]}}}},
)
WEBHOOK_INGRESS = (
    INGRESS,
    {"spec": {"rules": [{"host": "shop.example.com", "http": {"paths": [{"path": "/api/webhooks/stripe"}]}}]}},
)
NO_DATABASE_RULE = prometheus_rule(database=None)
NO_WEBHOOK_RULE = prometheus_rule(webhooks=None)
ALERT_PASSES += [
    (DATABASE, bare_stack(NO_DATABASE_RULE, STRIPE_SECRET), "no database: its connections rule is not demanded"),
    (DATABASE, bare_stack(NO_DATABASE_RULE, cloud_run("REDIS_URL")), "a cache is not a database"),
    (WEBHOOKS, bare_stack(NO_WEBHOOK_RULE, DATABASE_INSTANCE), "no payments: the webhook rule is not demanded"),
    (WEBHOOKS, bare_stack(NO_WEBHOOK_RULE, cloud_run("DATABASE_URL")), "an app without payment variables"),
]
ALERT_VIOLATIONS += [
    (DATABASE, bare_stack(NO_DATABASE_RULE, cloud_run("DATABASE_URL")), "Cloud Run with DATABASE_URL"),
    (DATABASE, bare_stack(NO_DATABASE_RULE, POSTGRES_SET), "a self-hosted Postgres"),
    (WEBHOOKS, bare_stack(NO_WEBHOOK_RULE, cloud_run("STRIPE_API_KEY")), "Cloud Run with a Stripe key"),
    (WEBHOOKS, bare_stack(NO_WEBHOOK_RULE, WEBHOOK_INGRESS), "an Ingress routing the Stripe webhook"),
    (
        WEBHOOKS,
        bare_stack(prometheus_rule(webhooks=rule(WEBHOOKS, expr=RULES[WEBHOOKS]["expr"][:-2] + "20"))),
        "a webhook rule is judged even where payments are not detected",
    ),
]
UPTIME_ONLY_FAILING = [
    *[
        Case(policy, STACK, UPTIME_AND_CPU, note="an uptime alert with a CPU condition defines alerting")
        for policy in SIX
    ],
    *[
        Case(policy, STACK, stack((ALERT_POLICY, UPTIME_FILTER_UNKNOWN)), note="a computed filter, not from a check")
        for policy in SIX
    ],
]

FAILING = [
    *UPTIME_ONLY_FAILING,
    *COMBINED_FAILING,
    *[Case(policy, STACK, props, note=note) for policy, props, note in ALERT_VIOLATIONS],
    *[Case(policy, STACK, STACK_UNKNOWN, note="rule groups unknown at preview") for policy in SIX],
    *[Case(UPTIME, STACK, props, note=note) for props, note in UPTIME_VIOLATIONS],
]
PASSING = [
    *[Case(policy, STACK, props, note=note) for policy, props, note in ALERT_PASSES],
    *[Case(UPTIME, STACK, props, note=note) for props, note in UPTIME_PASSES],
]
