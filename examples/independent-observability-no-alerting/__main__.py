"""A platform stack that collects metrics and keeps logs but defines no alerting (another stack owns the alerts).

- kube-prometheus-stack at a pinned release with the chart's default rules off and a ServiceMonitor for the app:
  scraping only, no PrometheusRule, no Cloud Monitoring policy, no uptime check;
- log buckets for the three retentions (application 45 days, security 120, audit 400 and locked), sinks by
  filter, and Data Access audit logs for Cloud SQL and Cloud Storage.
"""

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

project = gcp.config.project or "ledger-dev"

k8s.helm.v3.Release(
    "metrics",
    chart="kube-prometheus-stack",
    version="77.0.1",
    repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo="https://prometheus-community.github.io/helm-charts"),
    namespace="metrics",
    create_namespace=True,
    values={"defaultRules": {"create": False}, "alertmanager": {"enabled": False}},
)
k8s.apiextensions.CustomResource(
    "ledger-metrics",
    api_version="monitoring.coreos.com/v1",
    kind="ServiceMonitor",
    metadata={"name": "ledger", "namespace": "metrics"},
    spec={"selector": {"matchLabels": {"app": "ledger"}}, "endpoints": [{"port": "metrics", "interval": "30s"}]},
)

RETENTION = {"app": 45, "security": 120, "audit": 400}
FILTERS = {
    "app": 'resource.type="k8s_container" AND NOT logName:"cloudaudit.googleapis.com"',
    "security": 'logName:"compute.googleapis.com%2Ffirewall" OR protoPayload.serviceName="iap.googleapis.com"',
    "audit": 'protoPayload.@type="type.googleapis.com/google.cloud.audit.AuditLog"',
}
for kind, days in RETENTION.items():
    bucket = gcp.logging.ProjectBucketConfig(
        f"{kind}-bucket",
        project=project,
        location="europe-west4",
        bucket_id=f"{kind}-logs",
        retention_days=days,
        locked=kind == "audit",
    )
    gcp.logging.ProjectSink(
        f"{kind}-sink",
        name=f"{kind}-logs",
        destination=pulumi.Output.concat("logging.googleapis.com/", bucket.id),
        filter=FILTERS[kind],
        unique_writer_identity=True,
    )

for service in ("cloudsql.googleapis.com", "storage.googleapis.com"):
    gcp.projects.IAMAuditConfig(
        service.split(".")[0],
        project=project,
        service=service,
        audit_log_configs=[{"log_type": "DATA_READ"}, {"log_type": "DATA_WRITE"}],
    )
