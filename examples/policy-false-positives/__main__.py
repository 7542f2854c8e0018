"""Ways a team meets the checklist other than this repository does; none may be reported for them.

- Cloud SQL protected at the API and by the protect option, with Pulumi's flag off; and one with only
  Pulumi's flag (gcp-cloudsql-instance-deletion-protection).
- A Redis StatefulSet with TCP and exec probes at 10 s and 5 s, running as uid 10001 with runAsNonRoot and no
  allowPrivilegeEscalation (kubernetes-apps-deployment-probes, kubernetes-apps-deployment-run-as-non-root).
- Images pinned by versions that contain a moving word (7.2-alpine) (kubernetes-apps-deployment-pinned-image).
"""

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

SETTINGS = {"tier": "db-custom-2-4096", "availability_type": "REGIONAL"}

gcp.sql.DatabaseInstance(
    "api-protected",
    database_version="POSTGRES_15",
    deletion_protection=False,
    settings={**SETTINGS, "deletion_protection_enabled": True},
    opts=pulumi.ResourceOptions(protect=True),
)
gcp.sql.DatabaseInstance(
    "pulumi-flag-only",
    database_version="POSTGRES_15",
    deletion_protection=True,
    settings=SETTINGS,
)

k8s.apps.v1.StatefulSet(
    "cache",
    metadata={"name": "cache", "namespace": "data"},
    spec={
        "serviceName": "cache",
        "replicas": 1,
        "selector": {"matchLabels": {"app": "cache"}},
        "template": {
            "metadata": {"labels": {"app": "cache"}},
            "spec": {
                "securityContext": {"runAsNonRoot": True, "runAsUser": 10001},
                "containers": [
                    {
                        "name": "redis",
                        "image": "redis:7.2-alpine",
                        "ports": [{"containerPort": 6379}],
                        "livenessProbe": {"tcpSocket": {"port": 6379}, "periodSeconds": 10},
                        "readinessProbe": {"exec": {"command": ["redis-cli", "ping"]}, "periodSeconds": 5},
                    }
                ],
            },
        },
    },
)
