"""The Monitoring component in the prod stack: kube-prometheus-stack pinned by Helm, the six alert rules,
dashboards as code, Alertmanager receivers fed from Secret Manager, and a secret Grafana password."""

from __future__ import annotations

import json
from typing import Any

import promql_parser
import pytest
from agencyos_checklist.numbers import (
    ALERT_CPU_FOR,
    ALERT_CPU_PERCENT,
    ALERT_DB_POOL_PERCENT,
    ALERT_ERROR_RATE_FOR,
    ALERT_ERROR_RATE_PERCENT,
    ALERT_LATENCY_FOR,
    ALERT_LATENCY_P95,
    ALERT_MEMORY_FOR,
    ALERT_MEMORY_PERCENT,
    ALERT_WEBHOOK_FAILURES,
    ALERT_WEBHOOK_WINDOW,
    integers,
    seconds,
)
from agencyos_policy.kubernetes.helm import version_problem
from pydantic import ValidationError

from agencyos_infra.engine import CapturedResource, ProgramRun, run_program
from agencyos_infra.stackconfig import load_stack_config
from components.dashboards import GRID_COLUMNS, key_metrics
from components.monitoring import (
    CHART_REPOSITORY,
    CHART_VERSION,
    RELEASE_NAME,
    RESOURCES,
    MonitoringArgs,
    MonitoringSpec,
    alert_rules,
    alertmanager_config,
)
from stacks.settings import NAMESPACE, SettingsError, settings_from_config
from tests.conftest import REPO

COMPONENT = "agencyos:observability:Monitoring"
RELEASE = "kubernetes:helm.sh/v3:Release"
RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
POD_MONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor"
K8S_NAMESPACE = "kubernetes:core/v1:Namespace"
SECRET = "kubernetes:core/v1:Secret"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
PASSWORD = "random:index/randomPassword:RandomPassword"
PROVIDER = "pulumi:providers:kubernetes"
# What the mock engine answers for a Secret Manager version's data (agencyos_infra.mocks: <function>-<field>).
MOCK_SECRET_DATA = "getSecretVersion-secretData"
VALID = {
    "gcp:project": "agencyos-prod",
    "gcp:region": "us-central1",
    f"{NAMESPACE}:environment": "production",
    f"{NAMESPACE}:namePrefix": "agencyos-prod",
}
SLACK_ONLY = {"receivers": ["slack"], "slackWebhookSecret": "alerts-slack-webhook"}


def _run(monitoring: dict[str, Any] | None = None) -> ProgramRun:
    loaded = load_stack_config(REPO, "prod")
    overrides = {} if monitoring is None else {f"{NAMESPACE}:monitoring": json.dumps(monitoring)}
    return run_program(
        isolated=False,
        program_dir=loaded.program_dir,
        project=loaded.project,
        stack="prod",
        config={**loaded.config, **overrides},
        secret_keys=loaded.secret_keys,
        preview=False,
    )


@pytest.fixture(scope="module")
def prod() -> ProgramRun:
    run = _run()
    assert run.error is None, run.error
    return run


def _mine(run: ProgramRun, type_: str) -> list[CapturedResource]:
    """Resources of a type this component made (other components install Helm charts, Secrets, ConfigMaps too)."""
    [component] = run.of_type(COMPONENT)
    return [r for r in run.of_type(type_) if r.parent == component.urn]


def _one(run: ProgramRun, type_: str, name: str | None = None) -> CapturedResource:
    found = [r for r in _mine(run, type_) if name is None or r.inputs.plain["metadata"]["name"] == name]
    assert len(found) == 1, [r.urn for r in found]
    return found[0]


def _values(run: ProgramRun) -> dict[str, Any]:
    values: dict[str, Any] = _one(run, RELEASE).inputs.plain["values"]
    return values


def _rules(run: ProgramRun) -> dict[str, dict[str, Any]]:
    [group] = _one(run, RULE).inputs.plain["spec"]["groups"]
    return {rule["alert"]: rule for rule in group["rules"]}


# The release, its namespaces and its values.


def test_kube_prometheus_stack_is_a_pinned_helm_release(prod: ProgramRun) -> None:
    release = _one(prod, RELEASE).inputs.plain
    assert release["chart"] == "kube-prometheus-stack" and release["repositoryOpts"] == {"repo": CHART_REPOSITORY}
    assert release["version"] == CHART_VERSION and version_problem(CHART_VERSION) is None
    assert release["name"] == RELEASE_NAME and release["namespace"] == "monitoring"
    assert release["atomic"] is True and release.get("createNamespace") is not True
    values = release["values"]
    for part in ("prometheus", "alertmanager", "grafana"):
        assert values.get(part, {}).get("enabled", True) is True, part


def test_the_stack_runs_at_baseline_and_only_node_exporter_gets_host_access(prod: ProgramRun) -> None:
    levels = {
        n.inputs.plain["metadata"]["name"]: n.inputs.plain["metadata"]["labels"] for n in _mine(prod, K8S_NAMESPACE)
    }
    assert set(levels) == {"monitoring", "monitoring-node-exporter"}
    assert levels["monitoring"]["pod-security.kubernetes.io/enforce"] == "baseline"
    assert levels["monitoring-node-exporter"]["pod-security.kubernetes.io/enforce"] == "privileged"
    for labels in levels.values():
        assert labels["pod-security.kubernetes.io/audit"] == labels["pod-security.kubernetes.io/warn"] == "restricted"
        assert labels["environment"] == "production" and labels["managed-by"] == "pulumi"
    assert _values(prod)["prometheus-node-exporter"]["namespaceOverride"] == "monitoring-node-exporter"


def test_every_pod_of_the_stack_has_requests_and_limits(prod: ProgramRun) -> None:
    values = _values(prod)
    placed = {
        "prometheus": values["prometheus"]["prometheusSpec"]["resources"],
        "alertmanager": values["alertmanager"]["alertmanagerSpec"]["resources"],
        "grafana": values["grafana"]["resources"],
        "sidecar": values["grafana"]["sidecar"]["resources"],
        "operator": values["prometheusOperator"]["resources"],
        "reloader": values["prometheusOperator"]["prometheusConfigReloader"]["resources"],
        "kube-state-metrics": values["kube-state-metrics"]["resources"],
        "node-exporter": values["prometheus-node-exporter"]["resources"],
    }
    assert placed == RESOURCES
    for pod, resources in placed.items():
        assert set(resources) == {"requests", "limits"}, pod
        for kind in ("requests", "limits"):
            assert set(resources[kind]) == {"cpu", "memory"}, (pod, kind)


def test_prometheus_and_alertmanager_persist_and_prometheus_retains_by_age_and_size(prod: ProgramRun) -> None:
    values = _values(prod)
    spec = values["prometheus"]["prometheusSpec"]
    assert spec["retention"] == "15d" and spec["retentionSize"] == "57GiB"  # nine tenths of 64 GiB
    claim = spec["storageSpec"]["volumeClaimTemplate"]["spec"]
    assert claim == {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "64Gi"}}}
    claim = values["alertmanager"]["alertmanagerSpec"]["storage"]["volumeClaimTemplate"]["spec"]
    assert claim["resources"]["requests"]["storage"] == "2Gi"


def test_staging_keeps_a_smaller_prometheus_volume() -> None:
    staging = settings_from_config(load_stack_config(REPO, "staging").config)
    assert staging.monitoring.prometheus_storage_gb == 32
    assert staging.monitoring.pagerduty_routing_key_secret is None  # staging pages no one


# Grafana's admin password.


def test_grafana_admin_password_is_generated_and_secret_end_to_end(prod: ProgramRun) -> None:
    password = _one(prod, PASSWORD)
    assert "result" in password.additional_secret_outputs
    secret = _one(prod, SECRET, "grafana-admin")
    assert secret.inputs.plain["metadata"]["namespace"] == "monitoring"
    assert any(path.startswith("stringData") for path in secret.inputs.secret_paths), secret.inputs.secret_paths
    assert {"data", "stringData"} <= set(secret.additional_secret_outputs)
    generated = password.outputs.plain["result"]
    assert secret.inputs.plain["stringData"] == {"admin-user": "admin", "admin-password": generated}
    values = _values(prod)
    assert values["grafana"]["admin"] == {
        "existingSecret": "grafana-admin",
        "userKey": "admin-user",
        "passwordKey": "admin-password",
    }
    release = _one(prod, RELEASE)
    assert generated not in json.dumps(release.inputs.plain) and "adminPassword" not in json.dumps(values)
    assert secret.urn in release.dependencies
    assert "grafanaAdminPassword" in prod.stack_outputs.secret_paths
    assert prod.stack_outputs.plain["grafanaAdminPassword"] == generated


# The alert rules.


def test_the_six_checklist_rules_at_the_checklists_thresholds(prod: ProgramRun) -> None:
    rule = _one(prod, RULE).inputs.plain
    assert rule["apiVersion"] == "monitoring.coreos.com/v1" and rule["kind"] == "PrometheusRule"
    # The chart's Prometheus selects rules by the release label (ruleSelectorNilUsesHelmValues: true).
    assert rule["metadata"]["labels"]["release"] == RELEASE_NAME and rule["metadata"]["namespace"] == "monitoring"
    rules = _rules(prod)
    expected = {
        "HighCpuUsage": ("container_cpu_usage_seconds_total", ALERT_CPU_PERCENT.value / 100, ALERT_CPU_FOR.value),
        "HighMemoryUsage": (
            "container_memory_working_set_bytes",
            ALERT_MEMORY_PERCENT.value / 100,
            ALERT_MEMORY_FOR.value,
        ),
        "HighErrorRate": ("http_requests_total", ALERT_ERROR_RATE_PERCENT.value / 100, ALERT_ERROR_RATE_FOR.value),
        "HighResponseTimeP95": (
            "http_request_duration_seconds_bucket",
            seconds(ALERT_LATENCY_P95),
            ALERT_LATENCY_FOR.value,
        ),
        "DatabasePoolNearlyExhausted": ("db_pool_connections_in_use", ALERT_DB_POOL_PERCENT.value / 100, None),
        "PaymentWebhookFailures": ("payment_webhook_failures_total", integers(ALERT_WEBHOOK_FAILURES)[0], None),
    }
    assert list(rules) == list(expected)
    for alert, (metric, threshold, for_) in expected.items():
        rule = rules[alert]
        assert rule.get("for") == for_, alert
        comparison = _comparison(rule["expr"])
        assert comparison == (">", pytest.approx(threshold)), alert
        assert metric in _metrics(rule["expr"]), alert
    assert 'status=~"5.."' in rules["HighErrorRate"]["expr"]
    assert "histogram_quantile(0.95," in rules["HighResponseTimeP95"]["expr"]
    assert "db_pool_connections_max" in _metrics(rules["DatabasePoolNearlyExhausted"]["expr"])
    assert f"[{ALERT_WEBHOOK_WINDOW.value}]" in rules["PaymentWebhookFailures"]["expr"]
    assert 'namespace="agencyos"' in rules["HighCpuUsage"]["expr"]


def test_rules_carry_severity_summary_and_a_runbook(prod: ProgramRun) -> None:
    rules = _rules(prod)
    severities = {alert: rule["labels"]["severity"] for alert, rule in rules.items()}
    assert severities == {
        "HighCpuUsage": "warning",
        "HighMemoryUsage": "warning",
        "HighErrorRate": "critical",
        "HighResponseTimeP95": "warning",
        "DatabasePoolNearlyExhausted": "critical",
        "PaymentWebhookFailures": "critical",
    }
    for alert, rule in rules.items():
        annotations = rule["annotations"]
        assert annotations["summary"] and "{{" not in annotations["description"], alert
        assert annotations["runbook_url"] == "docs/runbooks/incident-response.md", alert
        assert annotations["description"].startswith("Checklist 6.alerting-rules."), alert


def test_thresholds_and_durations_follow_the_settings() -> None:
    spec = MonitoringSpec.model_validate(
        {
            "cpuPercent": 70,
            "cpuFor": "2m",
            "errorRatePercent": 2,
            "errorRateFor": "30s",
            "latencyP95": "1500ms",
            "dbPoolPercent": 75,
            "dbPoolFor": "1m",
            "webhookFailures": 3,
            "webhookWindow": "2m",
            "runbookBaseUrl": "https://github.com/agencyos/agencyos-infra/blob/main/docs/runbooks/",
        }
    )
    rules = {rule["alert"]: rule for rule in alert_rules(spec, "app")}
    assert _comparison(rules["HighCpuUsage"]["expr"]) == (">", pytest.approx(0.7))
    assert rules["HighCpuUsage"]["for"] == "2m" and 'namespace="app"' in rules["HighCpuUsage"]["expr"]
    assert _comparison(rules["HighErrorRate"]["expr"]) == (">", pytest.approx(0.02))
    assert rules["HighErrorRate"]["for"] == "30s"
    assert _comparison(rules["HighResponseTimeP95"]["expr"]) == (">", pytest.approx(1.5))
    assert _comparison(rules["DatabasePoolNearlyExhausted"]["expr"]) == (">", pytest.approx(0.75))
    assert rules["DatabasePoolNearlyExhausted"]["for"] == "1m"
    assert rules["PaymentWebhookFailures"]["expr"].endswith("[2m])) > 3")
    assert rules["HighMemoryUsage"]["annotations"]["runbook_url"] == (
        "https://github.com/agencyos/agencyos-infra/blob/main/docs/runbooks/incident-response.md"
    )


@pytest.mark.parametrize(
    ("override", "field", "expected"),
    [
        ({"cpuPercent": ALERT_CPU_PERCENT.value + 1}, "cpuPercent", "less than or equal to"),
        ({"cpuFor": "6m"}, "cpuFor", f"must be at most {ALERT_CPU_FOR.value}"),
        ({"memoryPercent": ALERT_MEMORY_PERCENT.value + 1}, "memoryPercent", "less than or equal to"),
        ({"memoryFor": "1h"}, "memoryFor", f"must be at most {ALERT_MEMORY_FOR.value}"),
        ({"errorRatePercent": ALERT_ERROR_RATE_PERCENT.value + 1}, "errorRatePercent", "less than or equal to"),
        ({"errorRateFor": "2m"}, "errorRateFor", f"must be at most {ALERT_ERROR_RATE_FOR.value}"),
        ({"latencyP95": "3s"}, "latencyP95", f"must be at most {ALERT_LATENCY_P95.value}"),
        ({"latencyFor": "301s"}, "latencyFor", f"must be at most {ALERT_LATENCY_FOR.value}"),
        ({"dbPoolPercent": ALERT_DB_POOL_PERCENT.value + 1}, "dbPoolPercent", "less than or equal to"),
        ({"webhookFailures": integers(ALERT_WEBHOOK_FAILURES)[0] + 1}, "webhookFailures", "less than or equal to"),
        ({"webhookWindow": "1h"}, "webhookWindow", f"must be at most {ALERT_WEBHOOK_WINDOW.value}"),
        ({"cpuFor": "5 minutes"}, "cpuFor", "must be a duration such as"),
        ({"chartVersion": "^88.0.0"}, "chartVersion", "should match pattern"),
        ({"chartVersion": "latest"}, "chartVersion", "should match pattern"),
        ({"threshold": 1}, "threshold", "unknown key"),
    ],
)
def test_looser_or_malformed_settings_are_refused(override: dict[str, Any], field: str, expected: str) -> None:
    with pytest.raises(SettingsError) as error:
        settings_from_config({**VALID, f"{NAMESPACE}:monitoring": json.dumps(override)})
    assert f"{NAMESPACE}:monitoring.{field}" in str(error.value) and expected in str(error.value), str(error.value)


def test_the_defaults_are_the_checklists() -> None:
    spec = settings_from_config(VALID).monitoring
    assert (spec.cpu_percent, spec.cpu_for) == (ALERT_CPU_PERCENT.value, ALERT_CPU_FOR.value)
    assert (spec.memory_percent, spec.memory_for) == (ALERT_MEMORY_PERCENT.value, ALERT_MEMORY_FOR.value)
    assert (spec.error_rate_percent, spec.error_rate_for) == (
        ALERT_ERROR_RATE_PERCENT.value,
        ALERT_ERROR_RATE_FOR.value,
    )
    assert (spec.latency_p95, spec.latency_for) == (ALERT_LATENCY_P95.value, ALERT_LATENCY_FOR.value)
    assert spec.db_pool_percent == ALERT_DB_POOL_PERCENT.value
    assert (spec.webhook_failures, spec.webhook_window) == (
        integers(ALERT_WEBHOOK_FAILURES)[0],
        ALERT_WEBHOOK_WINDOW.value,
    )
    assert spec.receivers == ()


def test_the_backend_is_scraped_by_a_pod_monitor_the_chart_selects(prod: ProgramRun) -> None:
    monitor = _one(prod, POD_MONITOR).inputs.plain
    assert monitor["metadata"]["labels"]["release"] == RELEASE_NAME
    assert monitor["spec"] == {
        "namespaceSelector": {"matchNames": ["agencyos"]},
        "selector": {"matchLabels": {"app.kubernetes.io/name": "backend"}},
        "podMetricsEndpoints": [{"port": "http", "path": "/metrics"}],
    }
    release = _one(prod, RELEASE)
    for custom in (_one(prod, POD_MONITOR), _one(prod, RULE)):
        assert release.urn in custom.dependencies, custom.urn  # their CRDs come with the release


# Alertmanager's receivers.


def test_receivers_credentials_come_from_secret_manager_by_file_never_by_value(prod: ProgramRun) -> None:
    secret = _one(prod, SECRET, "alertmanager-receivers")
    data = secret.inputs.plain["stringData"]
    assert set(data) == {"slack-webhook-url", "pagerduty-routing-key", "smtp-password"}
    assert set(data.values()) == {MOCK_SECRET_DATA}  # each read from its Secret Manager version
    assert any(path.startswith("stringData") for path in secret.inputs.secret_paths), secret.inputs.secret_paths
    assert {"data", "stringData"} <= set(secret.additional_secret_outputs)
    values = _values(prod)
    assert MOCK_SECRET_DATA not in json.dumps(_one(prod, RELEASE).inputs.plain)
    alertmanager = values["alertmanager"]
    assert alertmanager["alertmanagerSpec"]["secrets"] == ["alertmanager-receivers"]
    receivers = {r["name"]: r for r in alertmanager["config"]["receivers"]}
    mount = "/etc/alertmanager/secrets/alertmanager-receivers"
    [slack] = receivers["team"]["slack_configs"]
    assert slack == {"api_url_file": f"{mount}/slack-webhook-url", "send_resolved": True, "channel": "#alerts"}
    [email] = receivers["team"]["email_configs"]
    assert email["auth_password_file"] == f"{mount}/smtp-password" and email["require_tls"] is True
    assert email["to"] == "oncall@agencyos.example" and email["smarthost"] == "smtp.sendgrid.net:587"
    [pagerduty] = receivers["oncall"]["pagerduty_configs"]
    assert pagerduty == {"routing_key_file": f"{mount}/pagerduty-routing-key", "send_resolved": True}
    for forbidden in ("api_url", "routing_key", "service_key", "auth_password"):
        assert f'"{forbidden}"' not in json.dumps(alertmanager), forbidden
    assert secret.urn in _one(prod, RELEASE).dependencies


def test_critical_alerts_page_and_every_alert_reaches_the_team(prod: ProgramRun) -> None:
    route = _values(prod)["alertmanager"]["config"]["route"]
    assert route["receiver"] == "team"
    assert route["routes"] == [
        {"receiver": "null", "matchers": ['alertname = "Watchdog"']},
        {"receiver": "oncall", "matchers": ['severity = "critical"'], "continue": True},
        {"receiver": "team"},
    ]


def test_without_receivers_nothing_is_read_and_alerts_stay_in_alertmanager() -> None:
    config = alertmanager_config(MonitoringSpec.model_validate({}))
    assert config["receivers"] == [{"name": "null"}] and config["route"]["receiver"] == "null"
    assert MonitoringSpec.model_validate({}).secret_ids() == {}
    spec = MonitoringSpec.model_validate(SLACK_ONLY)
    assert spec.secret_ids() == {"slack-webhook-url": "alerts-slack-webhook"}
    receivers = {r["name"]: r for r in alertmanager_config(spec)["receivers"]}
    assert set(receivers) == {"null", "team"} and "email_configs" not in receivers["team"]


def test_slack_only_reads_only_its_secret() -> None:
    run = _run(SLACK_ONLY)
    assert run.error is None, run.error
    secret = _one(run, SECRET, "alertmanager-receivers")
    assert set(secret.inputs.plain["stringData"]) == {"slack-webhook-url"}
    routes = _values(run)["alertmanager"]["config"]["route"]["routes"]
    assert [r["receiver"] for r in routes] == ["null", "team"]


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"receivers": ["slack"]}, "slackWebhookSecret is required with slack in receivers"),
        ({"receivers": ["pagerduty"]}, "pagerdutyRoutingKeySecret is required with pagerduty in receivers"),
        (
            {"receivers": ["email"], "emailTo": ["oncall@agencyos.example"]},
            "emailFrom is required with email in receivers",
        ),
        ({"slackWebhookSecret": "alerts-slack-webhook"}, "slackWebhookSecret is only used with slack in receivers"),
        ({"slackChannel": "#alerts"}, "slackChannel is only used with slack in receivers"),
        ({"smtpPasswordSecret": "smtp"}, "smtpPasswordSecret is only used with email in receivers"),
        ({"receivers": ["slack", "slack"], "slackWebhookSecret": "x"}, "must not repeat a receiver"),
        ({"receivers": ["sms"]}, "'email', 'slack' or 'pagerduty'"),
        ({**SLACK_ONLY, "slackWebhookSecret": "projects/p/secrets/x"}, "should match pattern"),
    ],
)
def test_half_configured_receivers_are_refused(override: dict[str, Any], expected: str) -> None:
    with pytest.raises(SettingsError) as error:
        settings_from_config({**VALID, f"{NAMESPACE}:monitoring": json.dumps(override)})
    assert expected in str(error.value) and f"{NAMESPACE}:monitoring" in str(error.value), str(error.value)


def test_args_refuse_a_prefix_too_long_for_grafanas_account() -> None:
    with pytest.raises(ValueError, match="too long for Grafana's service account id"):
        MonitoringArgs(
            project="p", name_prefix="a" * 23, labels={}, app_namespace="agencyos", workload_identity_pool="p.svc"
        )
    with pytest.raises(ValidationError):
        MonitoringSpec.model_validate({"receivers": ["slack"]})


# Dashboards.


def _dashboards(run: ProgramRun) -> dict[str, dict[str, Any]]:
    found = {}
    for config_map in _mine(run, CONFIG_MAP):
        plain = config_map.inputs.plain
        assert plain["metadata"]["labels"]["grafana_dashboard"] == "1", config_map.urn
        assert plain["metadata"]["namespace"] == "monitoring", config_map.urn
        [(key, text)] = plain["data"].items()
        dashboard = json.loads(text)
        assert key == f"{dashboard['uid']}.json", config_map.urn
        found[dashboard["uid"]] = dashboard
    return found


def test_dashboards_are_configmaps_the_sidecar_loads(prod: ProgramRun) -> None:
    assert set(_dashboards(prod)) == {"agencyos-services", "agencyos-http", "agencyos-data", "agencyos-disks"}
    sidecar = _values(prod)["grafana"]["sidecar"]["dashboards"]
    assert sidecar["enabled"] is True and (sidecar["label"], sidecar["labelValue"]) == ("grafana_dashboard", "1")
    assert sidecar["searchNamespace"] == "monitoring"


def test_dashboards_cover_the_checklists_key_metrics(prod: ProgramRun) -> None:
    queries = []
    for dashboard in _dashboards(prod).values():
        for panel in dashboard["panels"]:
            for target in panel["targets"]:
                queries.append(target.get("expr") or target["timeSeriesList"]["filters"][-1])
    text = "\n".join(queries)
    for needle in (
        "container_cpu_usage_seconds_total",  # 6.infrastructure-monitoring.3.1
        "container_memory_working_set_bytes",
        "histogram_quantile(0.5,",  # 3.2
        "histogram_quantile(0.95,",
        "histogram_quantile(0.99,",
        'http_requests_total{status=~"4.."}',  # 3.3
        'http_requests_total{status=~"5.."}',
        "db_pool_connections_in_use",  # 3.4
        "redis.googleapis.com/stats/memory/usage_ratio",  # 3.5
        "node_disk_read_bytes_total",  # 3.6
        "node_disk_written_bytes_total",
        "node_filesystem_avail_bytes",
    ):
        assert needle in text, needle


def test_dashboard_json_is_well_formed_and_its_promql_parses() -> None:
    for dashboard in key_metrics("agencyos"):
        rendered = json.loads(dashboard.json("agencyos-prod"))
        panels = rendered["panels"]
        assert [p["id"] for p in panels] == list(range(1, len(panels) + 1)), dashboard.uid
        cells: set[tuple[int, int]] = set()
        for panel in panels:
            grid = panel["gridPos"]
            assert grid["x"] >= 0 and grid["x"] + grid["w"] <= GRID_COLUMNS, panel["title"]
            mine = {
                (x, y) for x in range(grid["x"], grid["x"] + grid["w"]) for y in range(grid["y"], grid["y"] + grid["h"])
            }
            assert not cells & mine, f"{panel['title']} overlaps another panel"
            cells |= mine
            assert panel["targets"] and panel["fieldConfig"]["defaults"]["unit"], panel["title"]
            for target in panel["targets"]:
                if "expr" in target:
                    # Grafana substitutes $__rate_interval before Prometheus sees the query.
                    promql_parser.parse(target["expr"].replace("$__rate_interval", "1m"))
                    assert target["datasource"] == {"type": "prometheus", "uid": "prometheus"}
                else:
                    assert target["timeSeriesList"]["projectName"] == "agencyos-prod"


def test_grafana_reads_cloud_monitoring_as_its_own_google_identity(prod: ProgramRun) -> None:
    grafana = _values(prod)["grafana"]
    email = "agencyos-prod-grafana@agencyos-prod.iam.gserviceaccount.com"
    assert grafana["serviceAccount"]["annotations"] == {"iam.gke.io/gcp-service-account": email}
    [source] = grafana["additionalDataSources"]
    assert source["uid"] == "cloud-monitoring" and source["jsonData"]["authenticationType"] == "gce"
    [viewer] = _mine(prod, "gcp:projects/iAMMember:IAMMember")
    assert viewer.inputs.plain["role"] == "roles/monitoring.viewer"
    [binding] = _mine(prod, "gcp:serviceaccount/iAMMember:IAMMember")
    assert binding.inputs.plain["member"] == "serviceAccount:agencyos-prod.svc.id.goog[monitoring/grafana]"


def test_kubernetes_objects_go_to_the_clusters_provider(prod: ProgramRun) -> None:
    [component] = prod.of_type(COMPONENT)
    [provider] = prod.of_type(PROVIDER)
    children = [r for r in prod.resources if r.parent == component.urn]
    for child in children:
        assert child.name.startswith("monitoring-"), child.urn
        if child.type.startswith("kubernetes:"):
            assert child.provider_urn == provider.urn, child.urn
    outputs = prod.stack_outputs.plain
    assert outputs["monitoringNamespace"] == "monitoring" and len(outputs["alertRules"]) == len(_rules(prod))


def _comparison(expr: str) -> tuple[str, float]:
    """The top-level comparison of an alert expression, as Prometheus parses it: (operator, number)."""
    node = promql_parser.parse(expr)
    assert isinstance(node, promql_parser.BinaryExpr) and isinstance(node.rhs, promql_parser.NumberLiteral), expr
    return str(node.op), node.rhs.val


def _metrics(expr: str) -> set[str]:
    """Every metric name an expression selects."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector) and node.name:
            found.add(node.name)
        for attribute in ("lhs", "rhs", "expr", "vector_selector", "param"):
            child = getattr(node, attribute, None)
            if child is not None and not isinstance(child, str | int | float):
                walk(child)
        for arg in getattr(node, "args", None) or ():
            walk(arg)

    walk(promql_parser.parse(expr))
    return found


def test_the_expression_helpers_see_what_prometheus_sees() -> None:
    assert _comparison("sum(rate(x[2m])) / sum(rate(y[2m])) > 0.05") == (">", 0.05)
    assert _metrics('histogram_quantile(0.95, sum by (le) (rate(a_bucket{s="1"}[2m]))) > 2') == {"a_bucket"}
    assert _metrics("sum(a) / sum(b) > 1") == {"a", "b"}
    with pytest.raises(AssertionError):
        _comparison("sum(a) > bool 1 or vector(0)")
