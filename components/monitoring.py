"""Metrics, dashboards and alerts on GKE: checklist §6 Infrastructure Monitoring and Alerting Rules.

kube-prometheus-stack, installed by Helm from prometheus-community at a pinned release, runs the
Prometheus Operator, Prometheus (persistent volume, retention by age and by size), Alertmanager,
Grafana, kube-state-metrics and node-exporter. Every pod of the stack has resource requests and limits.

Namespaces: the stack runs in its own namespace at Pod Security ``baseline`` (enforced; ``restricted``
audited and warned, so drift toward it is visible). node-exporter alone needs the host: it reads the
node's /proc, /sys and root file system through hostPath volumes with hostNetwork and hostPID, which
every Pod Security level but ``privileged`` refuses. It therefore runs in a second namespace labelled
``privileged`` that holds nothing else, instead of lowering the whole stack's namespace.

Secrets: Grafana's admin password is generated (pulumi_random), secret end to end, in a Kubernetes
Secret the chart reads (``grafana.admin.existingSecret``); it is never in the Helm values. Alertmanager's
credentials (Slack webhook URL, PagerDuty routing key, SMTP password) are read from Secret Manager at
deploy time into a Kubernetes Secret mounted into Alertmanager (``alertmanagerSpec.secrets``) and named
by the ``*_file`` fields of its configuration; the Helm values hold only file paths. Rotating one of
them in Secret Manager takes a ``pulumi up`` to reach the cluster.

The six alerting rules of checklist 6.alerting-rules are one PrometheusRule, labelled with the
release so the chart's Prometheus selects it. Each threshold and duration is a setting whose default is
the checklist's (agencyos_checklist.numbers) and which may be stricter, never looser. The application
must export, on its pods' ``http`` port at ``/metrics`` (scraped by the PodMonitor below):

- ``http_requests_total`` (counter, label ``status`` with the HTTP status code),
- ``http_request_duration_seconds_bucket`` (histogram of request durations, in seconds),
- ``db_pool_connections_in_use`` and ``db_pool_connections_max`` (gauges of its SQLAlchemy pool),
- ``payment_webhook_failures_total`` (counter of payment webhooks it failed to process).

CPU and memory come from cAdvisor (kubelet) over the limits kube-state-metrics reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s
import pulumi_random as random
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
    Stated,
    integers,
)
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel

from components.dashboards import key_metrics
from components.iam import ACCOUNT_ID
from components.labels import Labels
from components.patterns import DNS_LABEL, EMAIL, SECRET_ID

TYPE = "agencyos:observability:Monitoring"
CHART = "kube-prometheus-stack"
CHART_REPOSITORY = "https://prometheus-community.github.io/helm-charts"
# Chart 88.5.3 ships Prometheus Operator v0.93.1 and Grafana chart 12.11.1; bump deliberately, with its
# UPGRADE.md (major chart versions change CRDs, which Helm does not upgrade by itself).
CHART_VERSION = "88.5.3"
# The Helm release name: the chart's Prometheus selects rules and monitors labelled release=<it>.
RELEASE_NAME = "kube-prometheus-stack"
MONITORING_API = "monitoring.coreos.com/v1"
GRAFANA_ADMIN_SECRET = "grafana-admin"
GRAFANA_ADMIN_USER = "admin"
GRAFANA_SERVICE_ACCOUNT = "grafana"
RECEIVERS_SECRET = "alertmanager-receivers"
# The operator mounts each Secret of alertmanagerSpec.secrets at this path, one file per key.
SECRETS_MOUNT = "/etc/alertmanager/secrets"
SLACK_KEY = "slack-webhook-url"
PAGERDUTY_KEY = "pagerduty-routing-key"
SMTP_PASSWORD_KEY = "smtp-password"
DASHBOARD_LABEL = "grafana_dashboard"
RULE_NAME = "agencyos-checklist-alerts"
PSA_STACK = "baseline"
PSA_HOST = "privileged"
GKE_SA_ANNOTATION = "iam.gke.io/gcp-service-account"
# Grafana reads Cloud Monitoring (Memorystore's memory) as its own Google identity, read-only.
MONITORING_VIEWER = "roles/monitoring.viewer"
WORKLOAD_IDENTITY_USER = "roles/iam.workloadIdentityUser"
GRAFANA_PASSWORD_LENGTH = 32
# rate() windows of the rules: four scrapes at the chart's 30 s interval, short enough that each
# rule's `for` (not the window) decides how long a condition must last.
RATE_WINDOW = "2m"
_EXACT_VERSION = r"^[0-9]+\.[0-9]+\.[0-9]+$"
_DURATION = re.compile(r"^([0-9]+)(ms|s|m|h)$", re.ASCII)
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}

# Requests and limits of every pod of the stack: sized for one small cluster (two app workloads, a few
# nodes); Prometheus' memory grows with series, raise it with the cluster.
RESOURCES: dict[str, dict[str, dict[str, str]]] = {
    "prometheus": {"requests": {"cpu": "200m", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "2Gi"}},
    "alertmanager": {"requests": {"cpu": "20m", "memory": "64Mi"}, "limits": {"cpu": "200m", "memory": "128Mi"}},
    "grafana": {"requests": {"cpu": "50m", "memory": "192Mi"}, "limits": {"cpu": "300m", "memory": "384Mi"}},
    "sidecar": {"requests": {"cpu": "20m", "memory": "64Mi"}, "limits": {"cpu": "100m", "memory": "128Mi"}},
    "operator": {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"cpu": "200m", "memory": "384Mi"}},
    "reloader": {"requests": {"cpu": "20m", "memory": "32Mi"}, "limits": {"cpu": "100m", "memory": "64Mi"}},
    "kube-state-metrics": {"requests": {"cpu": "20m", "memory": "64Mi"}, "limits": {"cpu": "200m", "memory": "192Mi"}},
    "node-exporter": {"requests": {"cpu": "20m", "memory": "32Mi"}, "limits": {"cpu": "200m", "memory": "64Mi"}},
}


def duration_seconds(value: str) -> float:
    """A Prometheus duration of one unit (``750ms``, ``30s``, ``2m``, ``1h``) in seconds."""
    match = _DURATION.match(value)
    if match is None:
        raise ValueError("must be a duration such as 30s, 2m or 1h (one number and unit ms, s, m or h)")
    return int(match[1]) * _UNIT_SECONDS[match[2]]


def _duration(value: str) -> str:
    duration_seconds(value)
    return value


Duration = Annotated[str, AfterValidator(_duration)]


def _at_most(stated: Stated[str]) -> AfterValidator:
    """A duration no longer than the checklist's ``stated`` one."""

    def check(value: str) -> str:
        if duration_seconds(value) > duration_seconds(stated.value):
            raise ValueError(f"must be at most {stated.value} (checklist {stated.item}: {stated.quote})")
        return value

    return AfterValidator(check)


class Receiver(StrEnum):
    """Where Alertmanager sends notifications (checklist 6.uptime-monitoring.2.3: Email, Slack, PagerDuty)."""

    EMAIL = "email"
    SLACK = "slack"
    PAGERDUTY = "pagerduty"
    """Pages for critical alerts only; the other receivers get every alert."""


class Severity(StrEnum):
    CRITICAL = "critical"
    """Pages the on-call engineer (PagerDuty)."""
    WARNING = "warning"
    """Notifies the team (Slack, email)."""


class MonitoringSpec(BaseModel):
    """Metrics stack, alert thresholds and receivers. Stack config object ``agencyos-infra:monitoring``."""

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)

    namespace: str = Field("monitoring", pattern=DNS_LABEL, description="Namespace of the metrics stack.")
    node_exporter_namespace: str = Field(
        "monitoring-node-exporter",
        pattern=DNS_LABEL,
        description="Namespace of node-exporter alone: it needs host access (Pod Security privileged).",
    )
    chart_version: str = Field(
        CHART_VERSION,
        pattern=_EXACT_VERSION,
        description="kube-prometheus-stack Helm chart version, exact (no range, no latest).",
    )
    prometheus_retention: str = Field(
        "15d", pattern=r"^[0-9]+(h|d|w)$", description="How long Prometheus keeps samples (e.g. 15d)."
    )
    prometheus_storage_gb: int = Field(
        64,
        ge=8,
        le=2048,
        description="Persistent volume of Prometheus, in GiB; the oldest samples also go past nine tenths of it.",
    )
    alertmanager_storage_gb: int = Field(
        2, ge=1, le=64, description="Persistent volume of Alertmanager (silences, notification log), in GiB."
    )
    cpu_percent: int = Field(
        ALERT_CPU_PERCENT.value,
        gt=0,
        le=ALERT_CPU_PERCENT.value,
        description=f"CPU alert: container CPU above this % of its limit (checklist {ALERT_CPU_PERCENT.item}).",
    )
    cpu_for: Annotated[Duration, _at_most(ALERT_CPU_FOR)] = Field(
        ALERT_CPU_FOR.value, description=f"CPU alert: for at least this long (checklist {ALERT_CPU_FOR.item})."
    )
    memory_percent: int = Field(
        ALERT_MEMORY_PERCENT.value,
        gt=0,
        le=ALERT_MEMORY_PERCENT.value,
        description=f"Memory alert: working set above this % of the limit (checklist {ALERT_MEMORY_PERCENT.item}).",
    )
    memory_for: Annotated[Duration, _at_most(ALERT_MEMORY_FOR)] = Field(
        ALERT_MEMORY_FOR.value, description=f"Memory alert: for this long (checklist {ALERT_MEMORY_FOR.item})."
    )
    error_rate_percent: int = Field(
        ALERT_ERROR_RATE_PERCENT.value,
        gt=0,
        le=ALERT_ERROR_RATE_PERCENT.value,
        description=f"Error-rate alert: 5xx responses above this % of requests (checklist "
        f"{ALERT_ERROR_RATE_PERCENT.item}).",
    )
    error_rate_for: Annotated[Duration, _at_most(ALERT_ERROR_RATE_FOR)] = Field(
        ALERT_ERROR_RATE_FOR.value,
        description=f"Error-rate alert: for this long (checklist {ALERT_ERROR_RATE_FOR.item}).",
    )
    latency_p95: Annotated[Duration, _at_most(ALERT_LATENCY_P95)] = Field(
        ALERT_LATENCY_P95.value,
        description=f"Latency alert: p95 response time above this (checklist {ALERT_LATENCY_P95.item}).",
    )
    latency_for: Annotated[Duration, _at_most(ALERT_LATENCY_FOR)] = Field(
        ALERT_LATENCY_FOR.value, description=f"Latency alert: for this long (checklist {ALERT_LATENCY_FOR.item})."
    )
    db_pool_percent: int = Field(
        ALERT_DB_POOL_PERCENT.value,
        gt=0,
        le=ALERT_DB_POOL_PERCENT.value,
        description=f"Database alert: connections in use above this % of the pool (checklist "
        f"{ALERT_DB_POOL_PERCENT.item}).",
    )
    db_pool_for: Duration = Field(
        "0s",
        description="Database alert: for this long; the checklist states no duration, so 0s (fires on the first "
        "evaluation above the threshold).",
    )
    webhook_failures: int = Field(
        integers(ALERT_WEBHOOK_FAILURES)[0],
        ge=0,
        le=integers(ALERT_WEBHOOK_FAILURES)[0],
        description=f"Payment-webhook alert: more failures than this within webhookWindow (checklist "
        f"{ALERT_WEBHOOK_FAILURES.item}).",
    )
    webhook_window: Annotated[Duration, _at_most(ALERT_WEBHOOK_WINDOW)] = Field(
        ALERT_WEBHOOK_WINDOW.value,
        description=f"Payment-webhook alert: the window failures are counted in (checklist "
        f"{ALERT_WEBHOOK_WINDOW.item}).",
    )
    runbook_base_url: str = Field(
        "docs/runbooks",
        pattern=r"^(https://[^\s]+|[A-Za-z0-9._/-]+)$",
        description="Where the incident runbooks live (the repository's docs/runbooks, or its web URL); each "
        "alert's runbook_url is a file under it.",
    )
    receivers: tuple[Receiver, ...] = Field(
        (),
        description="Alertmanager receivers: email, slack, pagerduty (each needs its fields below); empty: alerts "
        "are only visible in Alertmanager and Grafana.",
    )
    email_to: tuple[Annotated[str, Field(pattern=EMAIL)], ...] = Field(
        (), description="With email: the addresses alerts are sent to."
    )
    email_from: str | None = Field(None, pattern=EMAIL, description="With email: the sender address.")
    smtp_smarthost: str | None = Field(
        None,
        pattern=r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?:[0-9]{1,5}$",
        description="With email: the SMTP server as host:port (STARTTLS required), e.g. smtp.sendgrid.net:587.",
    )
    smtp_username: str | None = Field(None, min_length=1, description="With email: the SMTP user name.")
    smtp_password_secret: str | None = Field(
        None, pattern=SECRET_ID, description="With email: Secret Manager secret id holding the SMTP password."
    )
    slack_webhook_secret: str | None = Field(
        None, pattern=SECRET_ID, description="With slack: Secret Manager secret id holding the Slack webhook URL."
    )
    slack_channel: str | None = Field(
        None,
        pattern=r"^#[a-z0-9_-]{1,80}$",
        description="With slack: the channel (e.g. #alerts); unset: the webhook's own channel.",
    )
    pagerduty_routing_key_secret: str | None = Field(
        None,
        pattern=SECRET_ID,
        description="With pagerduty: Secret Manager secret id holding the PagerDuty Events API v2 routing key.",
    )

    @field_validator("receivers")
    @classmethod
    def _unique(cls, receivers: tuple[Receiver, ...]) -> tuple[Receiver, ...]:
        if len(set(receivers)) != len(receivers):
            raise ValueError("must not repeat a receiver")
        return receivers

    @model_validator(mode="after")
    def _receivers_complete(self) -> MonitoringSpec:
        # Every receiver is either fully configured or not configured at all: a half-configured one would
        # be accepted by Alertmanager and then fail at the first alert.
        needs = {
            Receiver.EMAIL: ("email_to", "email_from", "smtp_smarthost", "smtp_username", "smtp_password_secret"),
            Receiver.SLACK: ("slack_webhook_secret",),
            Receiver.PAGERDUTY: ("pagerduty_routing_key_secret",),
        }
        optional = {Receiver.SLACK: ("slack_channel",)}
        problems = []
        for receiver, fields in needs.items():
            enabled = receiver in self.receivers
            for name in fields + optional.get(receiver, ()):
                given = bool(getattr(self, name))
                if enabled and not given and name in fields:
                    problems.append(f"{to_camel(name)} is required with {receiver.value} in receivers")
                elif given and not enabled:
                    problems.append(
                        f"{to_camel(name)} is only used with {receiver.value} in receivers: add {receiver.value} "
                        "to receivers or remove it"
                    )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def secret_ids(self) -> dict[str, str]:
        """Key of the receivers' Kubernetes Secret -> the Secret Manager secret id it is read from."""
        ids = {
            SLACK_KEY: self.slack_webhook_secret,
            PAGERDUTY_KEY: self.pagerduty_routing_key_secret,
            SMTP_PASSWORD_KEY: self.smtp_password_secret,
        }
        return {key: secret for key, secret in ids.items() if secret}


@dataclass(frozen=True, kw_only=True)
class MonitoringArgs:
    """Settings and placement; the Kubernetes provider comes in ``opts.providers``."""

    project: str
    """GCP project: Secret Manager secrets are read from it, Grafana's Google identity lives in it."""
    name_prefix: str
    """Physical Google names (Grafana's service account) start with this."""
    labels: Labels
    """Shared labels, on every Kubernetes object and the chart's."""
    app_namespace: str
    """The application's namespace: its containers are what the CPU and memory rules and dashboards watch,
    its backend's pods are scraped."""
    workload_identity_pool: pulumi.Input[str]
    """The cluster's Workload Identity pool (``<project>.svc.id.goog``): Grafana's KSA acts as its GSA."""
    spec: MonitoringSpec = field(default_factory=lambda: MonitoringSpec.model_validate({}))
    """Chart, retention, alert thresholds and receivers; defaults are the checklist's."""

    def __post_init__(self) -> None:
        if not ACCOUNT_ID.match(grafana_account_id(self.name_prefix)):
            raise ValueError("name_prefix is too long for Grafana's service account id (at most 22 characters)")
        if self.spec.namespace == self.spec.node_exporter_namespace:
            raise ValueError("spec.namespace and spec.node_exporter_namespace must differ: node-exporter is isolated")


def grafana_account_id(prefix: str) -> str:
    return f"{prefix}-grafana"


class Monitoring(pulumi.ComponentResource):
    """kube-prometheus-stack by Helm, the checklist's alert rules, Grafana dashboards and alert receivers."""

    namespace: pulumi.Output[str]
    """The metrics stack's namespace."""
    release: k8s.helm.v3.Release
    """The kube-prometheus-stack Helm release."""
    grafana_admin_password: pulumi.Output[str]
    """Grafana's admin password (user ``admin``), secret."""
    alert_names: tuple[str, ...]
    """The alerting rules of the PrometheusRule, in checklist order."""

    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        spec = args.spec
        # depends_on is not inherited from the parent: every child gets the component's.
        child = pulumi.ResourceOptions(parent=self, depends_on=opts.depends_on if opts else None)
        common = {**args.labels, "app.kubernetes.io/part-of": "agencyos", "app.kubernetes.io/managed-by": "pulumi"}
        secret_child = pulumi.ResourceOptions.merge(
            child, pulumi.ResourceOptions(additional_secret_outputs=["data", "stringData"])
        )

        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=spec.namespace, labels={**common, **_pod_security(PSA_STACK)}),
            opts=child,
        )
        # node-exporter's hostPath, hostNetwork and hostPID are refused by every level but privileged;
        # this namespace holds node-exporter only, so the exception covers nothing else.
        host_namespace = k8s.core.v1.Namespace(
            f"{name}-node-exporter-namespace",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=spec.node_exporter_namespace, labels={**common, **_pod_security(PSA_HOST)}
            ),
            opts=child,
        )
        self.namespace = namespace.metadata.name

        password = random.RandomPassword(
            f"{name}-grafana-admin-password",
            length=GRAFANA_PASSWORD_LENGTH,
            special=False,
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(additional_secret_outputs=["result"])),
        )
        self.grafana_admin_password = pulumi.Output.secret(password.result)
        admin = k8s.core.v1.Secret(
            f"{name}-grafana-admin",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=GRAFANA_ADMIN_SECRET, namespace=self.namespace, labels=common),
            type="Opaque",
            string_data={"admin-user": GRAFANA_ADMIN_USER, "admin-password": self.grafana_admin_password},
            opts=secret_child,
        )
        after_secrets: list[pulumi.Resource] = [admin, host_namespace]
        if credentials := spec.secret_ids():
            # Read at deploy time; the values stay secret in the state and reach only this Secret.
            data: dict[str, pulumi.Input[str]] = {
                key: pulumi.Output.secret(
                    gcp.secretmanager.get_secret_version_output(secret=secret_id, project=args.project).apply(
                        lambda version: version.secret_data
                    )
                )
                for key, secret_id in credentials.items()
            }
            after_secrets.append(
                k8s.core.v1.Secret(
                    f"{name}-alertmanager-receivers",
                    metadata=k8s.meta.v1.ObjectMetaArgs(name=RECEIVERS_SECRET, namespace=self.namespace, labels=common),
                    type="Opaque",
                    string_data=data,
                    opts=secret_child,
                )
            )

        grafana_email = self._grafana_identity(name, args, child)
        self.release = k8s.helm.v3.Release(
            f"{name}-kube-prometheus-stack",
            name=RELEASE_NAME,
            chart=CHART,
            version=spec.chart_version,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=CHART_REPOSITORY),
            namespace=self.namespace,
            values=chart_values(spec, common, project=args.project, grafana_email=grafana_email),
            # Roll back a failed upgrade instead of leaving a half-applied release.
            atomic=True,
            cleanup_on_fail=True,
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=after_secrets)),
        )
        # The PrometheusRule and PodMonitor CRDs come with the release.
        after_release = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[self.release]))
        selected = {**common, "release": RELEASE_NAME}
        rules = alert_rules(spec, args.app_namespace)
        k8s.apiextensions.CustomResource(
            f"{name}-alert-rules",
            api_version=MONITORING_API,
            kind="PrometheusRule",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=RULE_NAME, namespace=self.namespace, labels=selected),
            spec={"groups": [{"name": "agencyos.checklist", "rules": rules}]},
            opts=after_release,
        )
        self.alert_names = tuple(rule["alert"] for rule in rules)
        k8s.apiextensions.CustomResource(
            f"{name}-backend-monitor",
            api_version=MONITORING_API,
            kind="PodMonitor",
            metadata=k8s.meta.v1.ObjectMetaArgs(name="agencyos-backend", namespace=self.namespace, labels=selected),
            spec={
                "namespaceSelector": {"matchNames": [args.app_namespace]},
                "selector": {"matchLabels": {"app.kubernetes.io/name": "backend"}},
                "podMetricsEndpoints": [{"port": "http", "path": "/metrics"}],
            },
            opts=after_release,
        )
        for dashboard in key_metrics(args.app_namespace):
            k8s.core.v1.ConfigMap(
                f"{name}-dashboard-{dashboard.uid}",
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    name=f"dashboard-{dashboard.uid}",
                    namespace=self.namespace,
                    labels={**common, DASHBOARD_LABEL: "1"},
                ),
                data={f"{dashboard.uid}.json": dashboard.json(args.project)},
                opts=child,
            )
        self.register_outputs(
            {
                "namespace": self.namespace,
                "grafana_admin_password": self.grafana_admin_password,
                "alert_names": list(self.alert_names),
            }
        )

    def _grafana_identity(self, name: str, args: MonitoringArgs, child: pulumi.ResourceOptions) -> str:
        """Grafana's Google service account (Cloud Monitoring viewer), bound to its KSA; returns its email."""
        account = gcp.serviceaccount.Account(
            f"{name}-grafana",
            project=args.project,
            account_id=grafana_account_id(args.name_prefix),
            display_name=f"{args.name_prefix} grafana",
            description="Grafana reads Cloud Monitoring metrics (Memorystore, Cloud SQL) for the dashboards.",
            opts=child,
        )
        gcp.projects.IAMMember(
            f"{name}-grafana-monitoring-viewer",
            project=args.project,
            role=MONITORING_VIEWER,
            member=pulumi.Output.concat("serviceAccount:", account.email),
            opts=child,
        )
        gcp.serviceaccount.IAMMember(
            f"{name}-grafana-workload-identity",
            service_account_id=account.name,
            role=WORKLOAD_IDENTITY_USER,
            member=pulumi.Output.format(
                "serviceAccount:{0}[{1}/{2}]", args.workload_identity_pool, args.spec.namespace, GRAFANA_SERVICE_ACCOUNT
            ),
            opts=child,
        )
        # Known before the account exists, so the chart's values stay known at preview.
        return f"{grafana_account_id(args.name_prefix)}@{args.project}.iam.gserviceaccount.com"


def _pod_security(level: str) -> dict[str, str]:
    """Pod Security Admission labels: ``level`` enforced; restricted audited and warned, to show the gap."""
    return {
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
    }


def _ratio(percent: int) -> str:
    """A percentage as the ratio PromQL compares (75 -> 0.75)."""
    return format(percent * 0.01, "g")


def _runbook(spec: MonitoringSpec, page: str) -> str:
    return f"{spec.runbook_base_url.rstrip('/')}/{page}"


def alert_rules(spec: MonitoringSpec, app_namespace: str) -> list[dict[str, Any]]:
    """The six rules of checklist 6.alerting-rules, in its order, with the spec's thresholds and durations."""
    app = f'namespace="{app_namespace}", container!="", container!="POD"'

    def limits(resource: str) -> str:
        return f'kube_pod_container_resource_limits{{namespace="{app_namespace}", resource="{resource}"}}'

    by = "sum by (namespace, pod, container)"
    window = RATE_WINDOW
    requests = f"sum(rate(http_requests_total[{window}]))"
    failing = f'sum(rate(http_requests_total{{status=~"5.."}}[{window}]))'
    rules = [
        _rule(
            "HighCpuUsage",
            f"{by} (rate(container_cpu_usage_seconds_total{{{app}}}[{window}])) / {by} ({limits('cpu')}) "
            f"> {_ratio(spec.cpu_percent)}",
            spec.cpu_for,
            Severity.WARNING,
            f"Container {{{{ $labels.pod }}}}/{{{{ $labels.container }}}} uses more than {spec.cpu_percent}% of its "
            f"CPU limit",
            ALERT_CPU_PERCENT,
            _runbook(spec, "incident-response.md"),
        ),
        _rule(
            "HighMemoryUsage",
            f"{by} (container_memory_working_set_bytes{{{app}}}) / {by} ({limits('memory')}) "
            f"> {_ratio(spec.memory_percent)}",
            spec.memory_for,
            Severity.WARNING,
            f"Container {{{{ $labels.pod }}}}/{{{{ $labels.container }}}} uses more than {spec.memory_percent}% of "
            f"its memory limit",
            ALERT_MEMORY_PERCENT,
            _runbook(spec, "incident-response.md"),
        ),
        _rule(
            "HighErrorRate",
            f"{failing} / {requests} > {_ratio(spec.error_rate_percent)}",
            spec.error_rate_for,
            Severity.CRITICAL,
            f"More than {spec.error_rate_percent}% of API requests fail with a 5xx status",
            ALERT_ERROR_RATE_PERCENT,
            _runbook(spec, "incident-response.md"),
        ),
        _rule(
            "HighResponseTimeP95",
            "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket"
            f"[{window}]))) > {duration_seconds(spec.latency_p95):g}",
            spec.latency_for,
            Severity.WARNING,
            f"The API's p95 response time is above {spec.latency_p95}",
            ALERT_LATENCY_P95,
            _runbook(spec, "incident-response.md"),
        ),
        _rule(
            "DatabasePoolNearlyExhausted",
            "sum by (pod) (db_pool_connections_in_use) / sum by (pod) (db_pool_connections_max) "
            f"> {_ratio(spec.db_pool_percent)}",
            spec.db_pool_for,
            Severity.CRITICAL,
            f"Pod {{{{ $labels.pod }}}} uses more than {spec.db_pool_percent}% of its database connection pool",
            ALERT_DB_POOL_PERCENT,
            _runbook(spec, "incident-response.md"),
        ),
        _rule(
            "PaymentWebhookFailures",
            f"sum(increase(payment_webhook_failures_total[{spec.webhook_window}])) > {spec.webhook_failures}",
            "0s",
            Severity.CRITICAL,
            f"More than {spec.webhook_failures} payment webhooks failed in {spec.webhook_window}",
            ALERT_WEBHOOK_FAILURES,
            _runbook(spec, "incident-response.md"),
        ),
    ]
    return rules


def _rule(
    alert: str,
    expr: str,
    for_: str,
    severity: Severity,
    summary: str,
    stated: Stated[int] | Stated[str],
    runbook: str,
) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "alert": alert,
        "expr": expr,
        "labels": {"severity": severity.value},
        "annotations": {
            "summary": summary,
            "description": f"Checklist {stated.item}: {stated.quote}.",
            "runbook_url": runbook,
        },
    }
    # A zero duration fires on the first evaluation: written as no `for` at all, Prometheus' own default.
    if duration_seconds(for_) > 0:
        rule["for"] = for_
    return rule


def alertmanager_config(spec: MonitoringSpec) -> dict[str, Any]:
    """Routes and receivers; credentials are files of the mounted Secret, never values.

    Merged by Helm into the chart's default configuration (its inhibit rules and templates stay): every
    alert goes to the team (email, Slack), critical ones also page (PagerDuty); the chart's always-firing
    Watchdog goes nowhere.
    """

    def secret_file(key: str) -> str:
        return f"{SECRETS_MOUNT}/{RECEIVERS_SECRET}/{key}"

    team: dict[str, Any] = {"name": "team"}
    if Receiver.EMAIL in spec.receivers:
        team["email_configs"] = [
            {
                "to": ", ".join(spec.email_to),
                "from": spec.email_from,
                "smarthost": spec.smtp_smarthost,
                "auth_username": spec.smtp_username,
                "auth_password_file": secret_file(SMTP_PASSWORD_KEY),
                "require_tls": True,
                "send_resolved": True,
            }
        ]
    if Receiver.SLACK in spec.receivers:
        slack: dict[str, Any] = {"api_url_file": secret_file(SLACK_KEY), "send_resolved": True}
        if spec.slack_channel:
            slack["channel"] = spec.slack_channel
        team["slack_configs"] = [slack]
    receivers: list[dict[str, Any]] = [{"name": "null"}]
    routes: list[dict[str, Any]] = [{"receiver": "null", "matchers": ['alertname = "Watchdog"']}]
    if Receiver.PAGERDUTY in spec.receivers:
        receivers.append(
            {
                "name": "oncall",
                "pagerduty_configs": [{"routing_key_file": secret_file(PAGERDUTY_KEY), "send_resolved": True}],
            }
        )
        # continue: the team hears about what pages, through the catch-all route below.
        routes.append({"receiver": "oncall", "matchers": [f'severity = "{Severity.CRITICAL.value}"'], "continue": True})
    has_team = len(team) > 1
    if has_team:
        receivers.append(team)
        routes.append({"receiver": "team"})
    return {
        "route": {
            "receiver": "team" if has_team else "null",
            "group_by": ["alertname", "namespace"],
            "repeat_interval": "4h",
            "routes": routes,
        },
        "receivers": receivers,
    }


def chart_values(spec: MonitoringSpec, labels: Labels, *, project: str, grafana_email: str) -> dict[str, Any]:
    """kube-prometheus-stack's values: resources, persistence, secrets by reference, isolated node-exporter."""
    storage_gib = spec.prometheus_storage_gb
    return {
        "commonLabels": dict(labels),
        "crds": {"enabled": True},
        "prometheus-node-exporter": {
            "namespaceOverride": spec.node_exporter_namespace,
            "resources": RESOURCES["node-exporter"],
        },
        "kube-state-metrics": {"resources": RESOURCES["kube-state-metrics"]},
        "prometheusOperator": {
            "resources": RESOURCES["operator"],
            "prometheusConfigReloader": {"resources": RESOURCES["reloader"]},
        },
        "prometheus": {
            "prometheusSpec": {
                "retention": spec.prometheus_retention,
                # Drop the oldest blocks before the volume fills, leaving a tenth of it for the WAL.
                "retentionSize": f"{int(storage_gib * 0.9)}GiB",
                "resources": RESOURCES["prometheus"],
                "storageSpec": _volume(storage_gib),
            }
        },
        "alertmanager": {
            "config": alertmanager_config(spec),
            "alertmanagerSpec": {
                "secrets": [RECEIVERS_SECRET] if spec.secret_ids() else [],
                "resources": RESOURCES["alertmanager"],
                "storage": _volume(spec.alertmanager_storage_gb),
            },
        },
        "grafana": {
            # The admin credentials come from the Secret this component writes, never from values.
            "admin": {"existingSecret": GRAFANA_ADMIN_SECRET, "userKey": "admin-user", "passwordKey": "admin-password"},
            "resources": RESOURCES["grafana"],
            "serviceAccount": {
                "create": True,
                "name": GRAFANA_SERVICE_ACCOUNT,
                "annotations": {GKE_SA_ANNOTATION: grafana_email},
            },
            "sidecar": {
                "resources": RESOURCES["sidecar"],
                # Dashboards from this namespace only: no other team's ConfigMap can rewrite ours.
                "dashboards": {
                    "enabled": True,
                    "label": DASHBOARD_LABEL,
                    "labelValue": "1",
                    "searchNamespace": spec.namespace,
                },
            },
            "additionalDataSources": [
                {
                    "name": "Google Cloud Monitoring",
                    "type": "stackdriver",
                    "uid": "cloud-monitoring",
                    "access": "proxy",
                    # Workload Identity: the metadata server answers as Grafana's service account.
                    "jsonData": {"authenticationType": "gce", "defaultProject": project},
                }
            ],
        },
    }


def _volume(gib: int) -> dict[str, Any]:
    """A ReadWriteOnce claim on the cluster's default StorageClass (GKE: balanced persistent disk)."""
    return {
        "volumeClaimTemplate": {
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": f"{gib}Gi"}}}
        }
    }
