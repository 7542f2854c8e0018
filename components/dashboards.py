"""Grafana dashboards as code: checklist 6.infrastructure-monitoring.3 "Key metrics to track".

A small builder (a panel is a title, a unit and its queries; a dashboard lays its panels out on
Grafana's 24-column grid) instead of exported JSON blobs, so every query is reviewable in a diff and
the layout cannot drift between panels. Each dashboard becomes a ConfigMap labelled for the Grafana
sidecar of kube-prometheus-stack (components/monitoring.py), which loads it at start and on change.

Queries are PromQL against the chart's Prometheus (node-exporter, kubelet/cAdvisor, kube-state-metrics,
and the backend's own metrics), except Redis: Memorystore is managed, its memory is a Cloud Monitoring
metric, queried through Grafana's Google Cloud Monitoring data source.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

PROMETHEUS = {"type": "prometheus", "uid": "prometheus"}
"""The chart's provisioned Prometheus data source (kube-prometheus-stack's ``sidecar.datasources.uid``)."""
CLOUD_MONITORING = {"type": "stackdriver", "uid": "cloud-monitoring"}
"""Google Cloud Monitoring data source provisioned by components/monitoring.py (Workload Identity)."""
GRID_COLUMNS = 24
PANEL_HEIGHT = 8
# Grafana's dashboard JSON schema version these dashboards are written against (Grafana 11/12 migrate older ones).
SCHEMA_VERSION = 39
# Grafana picks a window of at least four scrapes for rate(); never shorter than the scrape interval.
RATE = "$__rate_interval"


@dataclass(frozen=True)
class Query:
    """One series query: PromQL (``expr``) or a Cloud Monitoring metric type (``metric_type``)."""

    legend: str
    expr: str = ""
    metric_type: str = ""
    aligner: str = "ALIGN_MEAN"

    def target(self, ref_id: str, project: str) -> dict[str, Any]:
        if self.expr:
            return {"refId": ref_id, "datasource": PROMETHEUS, "expr": self.expr, "legendFormat": self.legend}
        return {
            "refId": ref_id,
            "datasource": CLOUD_MONITORING,
            "queryType": "timeSeriesList",
            "timeSeriesList": {
                "projectName": project,
                "filters": ["metric.type", "=", self.metric_type],
                "perSeriesAligner": self.aligner,
                "crossSeriesReducer": "REDUCE_NONE",
                "groupBys": [],
            },
            "aliasBy": self.legend,
        }


@dataclass(frozen=True)
class Panel:
    """A time-series panel: its title, the unit of its values and its queries."""

    title: str
    unit: str
    queries: tuple[Query, ...]
    description: str = ""
    width: int = GRID_COLUMNS // 2

    def render(self, panel_id: int, x: int, y: int, project: str) -> dict[str, Any]:
        refs = [chr(ord("A") + i) for i in range(len(self.queries))]
        sources = {json.dumps(q.target("A", project)["datasource"], sort_keys=True) for q in self.queries}
        return {
            "id": panel_id,
            "type": "timeseries",
            "title": self.title,
            "description": self.description,
            # One data source per panel, or Grafana's "-- Mixed --" when a panel queries both.
            "datasource": json.loads(sources.pop())
            if len(sources) == 1
            else {"type": "datasource", "uid": "-- Mixed --"},
            "gridPos": {"h": PANEL_HEIGHT, "w": self.width, "x": x, "y": y},
            "fieldConfig": {"defaults": {"unit": self.unit}, "overrides": []},
            "options": {"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["lastNotNull", "max"]}},
            "targets": [q.target(ref, project) for ref, q in zip(refs, self.queries, strict=True)],
        }


@dataclass(frozen=True)
class Dashboard:
    """A dashboard: a stable uid (links survive renames), a title and panels laid out left to right."""

    uid: str
    title: str
    panels: tuple[Panel, ...]
    tags: tuple[str, ...] = field(default=("agencyos", "checklist-6"))

    def render(self, project: str) -> dict[str, Any]:
        rendered, x, y = [], 0, 0
        for panel_id, panel in enumerate(self.panels, start=1):
            if x + panel.width > GRID_COLUMNS:
                x, y = 0, y + PANEL_HEIGHT
            rendered.append(panel.render(panel_id, x, y, project))
            x += panel.width
        return {
            "uid": self.uid,
            "title": self.title,
            "tags": list(self.tags),
            "timezone": "utc",
            "editable": False,
            "schemaVersion": SCHEMA_VERSION,
            "refresh": "30s",
            "time": {"from": "now-6h", "to": "now"},
            "templating": {"list": []},
            "annotations": {"list": []},
            "panels": rendered,
        }

    def json(self, project: str) -> str:
        return json.dumps(self.render(project), indent=2, sort_keys=True)


def _app(namespace: str) -> str:
    """Label matcher of the application's containers (pause and pod-level cgroups excluded)."""
    return f'namespace="{namespace}", container!="", container!="POD"'


def key_metrics(app_namespace: str) -> tuple[Dashboard, ...]:
    """The checklist's key metrics: services, HTTP, data tier, nodes' disks."""
    app = _app(app_namespace)
    by_container = "sum by (pod, container)"
    services = Dashboard(
        uid="agencyos-services",
        title="AgencyOS / Services: CPU and memory",
        panels=(
            Panel(
                "CPU per service (cores)",
                "cores",
                (
                    Query(
                        "{{pod}}/{{container}}",
                        f"{by_container} (rate(container_cpu_usage_seconds_total{{{app}}}[{RATE}]))",
                    ),
                ),
                "checklist 6.infrastructure-monitoring.3.1",
            ),
            Panel(
                "CPU per service (share of limit)",
                "percentunit",
                (
                    Query(
                        "{{pod}}/{{container}}",
                        f"{by_container} (rate(container_cpu_usage_seconds_total{{{app}}}[{RATE}])) / "
                        f'{by_container} (kube_pod_container_resource_limits{{namespace="{app_namespace}", '
                        'resource="cpu"})',
                    ),
                ),
            ),
            Panel(
                "Memory per service (working set)",
                "bytes",
                (Query("{{pod}}/{{container}}", f"{by_container} (container_memory_working_set_bytes{{{app}}})"),),
                "checklist 6.infrastructure-monitoring.3.1",
            ),
            Panel(
                "Memory per service (share of limit)",
                "percentunit",
                (
                    Query(
                        "{{pod}}/{{container}}",
                        f"{by_container} (container_memory_working_set_bytes{{{app}}}) / "
                        f'{by_container} (kube_pod_container_resource_limits{{namespace="{app_namespace}", '
                        'resource="memory"})',
                    ),
                ),
            ),
        ),
    )
    latency = "sum by (le) (rate(http_request_duration_seconds_bucket[" + RATE + "]))"
    http = Dashboard(
        uid="agencyos-http",
        title="AgencyOS / HTTP: latency and errors",
        panels=(
            Panel(
                "Request latency p50 / p95 / p99",
                "s",
                tuple(
                    Query(legend, f"histogram_quantile({quantile}, {latency})")
                    for legend, quantile in (("p50", "0.5"), ("p95", "0.95"), ("p99", "0.99"))
                ),
                "checklist 6.infrastructure-monitoring.3.2",
            ),
            Panel(
                "Error rate 4xx / 5xx (share of requests)",
                "percentunit",
                tuple(
                    Query(
                        f"{klass}xx",
                        f'sum(rate(http_requests_total{{status=~"{klass}.."}}[{RATE}])) / '
                        f"sum(rate(http_requests_total[{RATE}]))",
                    )
                    for klass in ("4", "5")
                ),
                "checklist 6.infrastructure-monitoring.3.3",
            ),
            Panel(
                "Requests per second by status",
                "reqps",
                (Query("{{status}}", f"sum by (status) (rate(http_requests_total[{RATE}]))"),),
            ),
            Panel(
                "Failed payment webhooks",
                "short",
                (Query("failures", f"sum(increase(payment_webhook_failures_total[{RATE}]))"),),
            ),
        ),
    )
    data = Dashboard(
        uid="agencyos-data",
        title="AgencyOS / Data tier: database pool and Redis",
        panels=(
            Panel(
                "Database connection pool use (share of pool)",
                "percentunit",
                (
                    Query(
                        "{{pod}}",
                        "sum by (pod) (db_pool_connections_in_use) / sum by (pod) (db_pool_connections_max)",
                    ),
                ),
                "checklist 6.infrastructure-monitoring.3.4",
            ),
            Panel(
                "Database connections in use",
                "short",
                (
                    Query("in use {{pod}}", "sum by (pod) (db_pool_connections_in_use)"),
                    Query("pool size {{pod}}", "sum by (pod) (db_pool_connections_max)"),
                ),
            ),
            Panel(
                "Redis memory use (ratio of maxmemory)",
                "percentunit",
                (Query("{{resource.label.instance_id}}", metric_type="redis.googleapis.com/stats/memory/usage_ratio"),),
                "checklist 6.infrastructure-monitoring.3.5 (Memorystore, from Cloud Monitoring)",
            ),
            Panel(
                "Redis memory used",
                "bytes",
                (Query("{{resource.label.instance_id}}", metric_type="redis.googleapis.com/stats/memory/usage"),),
            ),
        ),
    )
    # node-exporter's devices and file systems; the exclusions match the chart's own collector flags.
    device = 'device!~"^(loop|ram|fd).*"'
    filesystem = 'fstype!~"^(tmpfs|overlay|squashfs)$"'
    disks = Dashboard(
        uid="agencyos-disks",
        title="AgencyOS / Disks: I/O and space",
        panels=(
            Panel(
                "Disk read / write throughput per node",
                "Bps",
                (
                    Query(
                        "read {{instance}}", f"sum by (instance) (rate(node_disk_read_bytes_total{{{device}}}[{RATE}]))"
                    ),
                    Query(
                        "write {{instance}}",
                        f"sum by (instance) (rate(node_disk_written_bytes_total{{{device}}}[{RATE}]))",
                    ),
                ),
                "checklist 6.infrastructure-monitoring.3.6",
            ),
            Panel(
                "Disk I/O utilisation per node",
                "percentunit",
                (Query("{{instance}} {{device}}", f"rate(node_disk_io_time_seconds_total{{{device}}}[{RATE}])"),),
            ),
            Panel(
                "File system space used per node",
                "percentunit",
                (
                    Query(
                        "{{instance}} {{mountpoint}}",
                        f"1 - node_filesystem_avail_bytes{{{filesystem}}} / node_filesystem_size_bytes{{{filesystem}}}",
                    ),
                ),
                "checklist 6.infrastructure-monitoring.3.6",
            ),
            Panel(
                "Persistent volumes used",
                "percentunit",
                (
                    Query(
                        "{{namespace}}/{{persistentvolumeclaim}}",
                        "kubelet_volume_stats_used_bytes / kubelet_volume_stats_capacity_bytes",
                    ),
                ),
            ),
        ),
    )
    return services, http, data, disks
