"""Someone else's compliant application tier: plain pulumi_kubernetes and pulumi_gcp, dicts and *Args.

A namespace under the restricted Pod Security Standard; three Deployments:

- ``api``, the backend, written with ``*Args`` classes, exactly at the checklist (requests 250m/256Mi,
  limits 500m/512Mi, liveness /health every 10 s, readiness /ready every 5 s), image pinned by digest,
  ``runAsNonRoot`` on the pod;
- ``worker``, written as camelCase dict literals (as ported from YAML), image pinned by tag, probes more
  frequent than the checklist asks;
- ``reports``, snake_case dicts, a larger-but-allowed limit (1 CPU, 1 GiB) and non-root by ``runAsUser``
  alone (no ``runAsNonRoot``).

Autoscalers: the backend at 2-10 pods and 70 % CPU, the worker stricter (3-12 pods, 60 %). A ConfigMap of
non-secret settings for production. Two Secret Manager secrets, one rotated every 90 days and one every
30, each notifying a Pub/Sub topic the Secret Manager service agent may publish to.
"""

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

NAMESPACE = "shop"
API_IMAGE = "europe-west1-docker.pkg.dev/example-prod/shop/api@sha256:" + "3f" * 32
WORKER_IMAGE = "europe-west1-docker.pkg.dev/example-prod/shop/worker:2.14.1"
REPORTS_IMAGE = "ghcr.io/example/reports:v0.9.3"

namespace = k8s.core.v1.Namespace(
    "shop",
    metadata=k8s.meta.v1.ObjectMetaArgs(
        name=NAMESPACE,
        labels={
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/audit": "restricted",
            "pod-security.kubernetes.io/warn": "restricted",
        },
    ),
)
in_namespace = pulumi.ResourceOptions(depends_on=[namespace])

# Deny all ingress and egress in the namespace by default; the platform team adds the allows.
k8s.networking.v1.NetworkPolicy(
    "default-deny",
    metadata={"name": "default-deny", "namespace": NAMESPACE},
    spec={"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
    opts=in_namespace,
)

settings = k8s.core.v1.ConfigMap(
    "app-settings",
    metadata={"name": "app-settings", "namespace": NAMESPACE},
    data={
        "PROJECT_NAME": "Shop",
        "ENVIRONMENT": "production",
        "DEBUG": "false",
        "LOG_LEVEL": "INFO",
        "BACKEND_URL": "https://api.shop.example.com",
        "FRONTEND_URL": "https://shop.example.com",
        "CORS_ORIGINS": "https://shop.example.com,https://www.shop.example.com",
        "PAYPAL_MODE": "live",
        "DB_POOL_SIZE": "20",
        "DB_MAX_OVERFLOW": "10",
        "ACCESS_TOKEN_EXPIRE_MINUTES": "15",
        "SECRETS_DIR": "/var/run/secrets/shop",
    },
    opts=in_namespace,
)


def restricted_container_context() -> k8s.core.v1.SecurityContextArgs:
    return k8s.core.v1.SecurityContextArgs(
        allow_privilege_escalation=False,
        read_only_root_filesystem=True,
        capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]),
    )


def zone_spread(app: str) -> list[k8s.core.v1.TopologySpreadConstraintArgs]:
    return [
        k8s.core.v1.TopologySpreadConstraintArgs(
            max_skew=1,
            topology_key="topology.kubernetes.io/zone",
            when_unsatisfiable="ScheduleAnyway",
            label_selector=k8s.meta.v1.LabelSelectorArgs(match_labels={"app": app}),
        )
    ]


# The backend, exactly at the checklist, with *Args classes.
api_labels = {"app": "api", "tier": "backend"}
api = k8s.apps.v1.Deployment(
    "api",
    metadata=k8s.meta.v1.ObjectMetaArgs(name="api", namespace=NAMESPACE, labels=api_labels),
    spec=k8s.apps.v1.DeploymentSpecArgs(
        replicas=2,
        selector=k8s.meta.v1.LabelSelectorArgs(match_labels={"app": "api"}),
        template=k8s.core.v1.PodTemplateSpecArgs(
            metadata=k8s.meta.v1.ObjectMetaArgs(labels=api_labels),
            spec=k8s.core.v1.PodSpecArgs(
                security_context=k8s.core.v1.PodSecurityContextArgs(
                    run_as_non_root=True,
                    run_as_user=10001,
                    run_as_group=10001,
                    fs_group=10001,
                    seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
                ),
                topology_spread_constraints=zone_spread("api"),
                containers=[
                    k8s.core.v1.ContainerArgs(
                        name="api",
                        image=API_IMAGE,
                        ports=[k8s.core.v1.ContainerPortArgs(name="http", container_port=8000)],
                        env_from=[
                            k8s.core.v1.EnvFromSourceArgs(
                                config_map_ref=k8s.core.v1.ConfigMapEnvSourceArgs(name="app-settings")
                            )
                        ],
                        resources=k8s.core.v1.ResourceRequirementsArgs(
                            requests={"cpu": "250m", "memory": "256Mi"},
                            limits={"cpu": "500m", "memory": "512Mi"},
                        ),
                        liveness_probe=k8s.core.v1.ProbeArgs(
                            http_get=k8s.core.v1.HTTPGetActionArgs(path="/health", port="http"),
                            period_seconds=10,
                        ),
                        readiness_probe=k8s.core.v1.ProbeArgs(
                            http_get=k8s.core.v1.HTTPGetActionArgs(path="/ready", port="http"),
                            period_seconds=5,
                        ),
                        startup_probe=k8s.core.v1.ProbeArgs(
                            http_get=k8s.core.v1.HTTPGetActionArgs(path="/health", port="http"),
                            period_seconds=5,
                            failure_threshold=30,
                        ),
                        security_context=restricted_container_context(),
                        volume_mounts=[k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp")],
                    )
                ],
                volumes=[k8s.core.v1.VolumeArgs(name="tmp", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs())],
            ),
        ),
    ),
    opts=pulumi.ResourceOptions(depends_on=[namespace, settings]),
)

# The worker, as camelCase dict literals ported from a YAML manifest; probes tighter than required.
worker = k8s.apps.v1.Deployment(
    "worker",
    metadata={"name": "worker", "namespace": NAMESPACE, "labels": {"app": "worker"}},
    spec={
        "replicas": 3,
        "selector": {"matchLabels": {"app": "worker"}},
        "template": {
            "metadata": {"labels": {"app": "worker"}},
            "spec": {
                "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
                "topologySpreadConstraints": [
                    {
                        "maxSkew": 1,
                        "topologyKey": "topology.kubernetes.io/zone",
                        "whenUnsatisfiable": "ScheduleAnyway",
                        "labelSelector": {"matchLabels": {"app": "worker"}},
                    }
                ],
                "containers": [
                    {
                        "name": "worker",
                        "image": WORKER_IMAGE,
                        "args": ["--queue", "default"],
                        "ports": [{"name": "metrics", "containerPort": 9100}],
                        "envFrom": [{"configMapRef": {"name": "app-settings"}}],
                        "resources": {
                            "requests": {"cpu": "250m", "memory": "256Mi"},
                            "limits": {"cpu": "500m", "memory": "512Mi"},
                        },
                        "livenessProbe": {
                            "httpGet": {"path": "/health", "port": 9100},
                            "periodSeconds": 5,
                            "timeoutSeconds": 2,
                        },
                        "readinessProbe": {"httpGet": {"path": "/ready", "port": 9100}, "periodSeconds": 3},
                        "startupProbe": {"httpGet": {"path": "/health", "port": 9100}, "failureThreshold": 30},
                        "securityContext": {
                            "runAsUser": 10001,
                            "allowPrivilegeEscalation": False,
                            "readOnlyRootFilesystem": True,
                            "capabilities": {"drop": ["ALL"]},
                        },
                    }
                ],
            },
        },
    },
    opts=pulumi.ResourceOptions(depends_on=[namespace, settings]),
)

# Reports: a larger limit than the checklist's (allowed: the checklist's limits are a floor) and
# non-root by runAsUser alone, on the container; probe period absent on liveness (defaults to 10 s).
reports = k8s.apps.v1.Deployment(
    "reports",
    metadata={"name": "reports", "namespace": NAMESPACE, "labels": {"app": "reports"}},
    spec={
        "replicas": 2,
        "selector": {"match_labels": {"app": "reports"}},
        "template": {
            "metadata": {"labels": {"app": "reports"}},
            "spec": {
                "topology_spread_constraints": [
                    {
                        "max_skew": 1,
                        "topology_key": "topology.kubernetes.io/zone",
                        "when_unsatisfiable": "ScheduleAnyway",
                        "label_selector": {"match_labels": {"app": "reports"}},
                    }
                ],
                "containers": [
                    {
                        "name": "reports",
                        "image": REPORTS_IMAGE,
                        "ports": [{"name": "http", "container_port": 8080}],
                        "env": [
                            {"name": "ENVIRONMENT", "value": "production"},
                            {"name": "LOG_LEVEL", "value": "WARNING"},
                            {"name": "REPORTS_BUCKET", "value": "example-prod-reports"},
                        ],
                        "resources": {
                            "requests": {"cpu": "250m", "memory": "256Mi"},
                            "limits": {"cpu": "1", "memory": "1Gi"},
                        },
                        "liveness_probe": {"http_get": {"path": "/health", "port": "http"}},
                        "readiness_probe": {"http_get": {"path": "/ready", "port": "http"}, "period_seconds": 5},
                        "startup_probe": {"http_get": {"path": "/health", "port": "http"}, "failure_threshold": 20},
                        "security_context": {
                            "run_as_user": 20000,
                            "run_as_group": 20000,
                            "allow_privilege_escalation": False,
                            "read_only_root_filesystem": True,
                            "capabilities": {"drop": ["ALL"]},
                            "seccomp_profile": {"type": "RuntimeDefault"},
                        },
                    }
                ],
            },
        },
    },
    opts=in_namespace,
)

for app in ("api", "worker", "reports"):
    k8s.policy.v1.PodDisruptionBudget(
        f"{app}-pdb",
        metadata={"name": app, "namespace": NAMESPACE},
        spec=k8s.policy.v1.PodDisruptionBudgetSpecArgs(
            min_available=1,
            selector=k8s.meta.v1.LabelSelectorArgs(match_labels={"app": app}),
        ),
        opts=in_namespace,
    )

# The backend autoscaler, exactly the checklist: 2-10 pods at 70 % CPU (*Args).
k8s.autoscaling.v2.HorizontalPodAutoscaler(
    "api-hpa",
    metadata=k8s.meta.v1.ObjectMetaArgs(name="api", namespace=NAMESPACE),
    spec=k8s.autoscaling.v2.HorizontalPodAutoscalerSpecArgs(
        scale_target_ref=k8s.autoscaling.v2.CrossVersionObjectReferenceArgs(
            api_version="apps/v1", kind="Deployment", name=api.metadata.name
        ),
        min_replicas=2,
        max_replicas=10,
        metrics=[
            k8s.autoscaling.v2.MetricSpecArgs(
                type="Resource",
                resource=k8s.autoscaling.v2.ResourceMetricSourceArgs(
                    name="cpu",
                    target=k8s.autoscaling.v2.MetricTargetArgs(type="Utilization", average_utilization=70),
                ),
            )
        ],
    ),
)

# The worker's autoscaler, stricter: more pods, a lower CPU target, plus a memory metric (dicts).
k8s.autoscaling.v2.HorizontalPodAutoscaler(
    "worker-hpa",
    metadata={"name": "worker", "namespace": NAMESPACE},
    spec={
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "worker"},
        "minReplicas": 3,
        "maxReplicas": 12,
        "metrics": [
            {
                "type": "Resource",
                "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}},
            },
            {
                "type": "Resource",
                "resource": {"name": "memory", "target": {"type": "Utilization", "averageUtilization": 75}},
            },
        ],
    },
    opts=pulumi.ResourceOptions(depends_on=[worker]),
)

# Secret Manager: rotation notices go to a topic the Secret Manager service agent may publish to.
project = gcp.organizations.get_project()
rotation_topic = gcp.pubsub.Topic("secret-rotation", name="shop-secret-rotation")
publisher = gcp.pubsub.TopicIAMMember(
    "secret-rotation-publisher",
    topic=rotation_topic.name,
    role="roles/pubsub.publisher",
    member=f"serviceAccount:service-{project.number}@gcp-sa-secretmanager.iam.gserviceaccount.com",
)

# 90 days exactly, dict literals.
stripe_key = gcp.secretmanager.Secret(
    "stripe-api-key",
    secret_id="shop-stripe-api-key",
    replication={"auto": {}},
    topics=[{"name": rotation_topic.id}],
    rotation={"rotation_period": f"{90 * 86400}s", "next_rotation_time": "2030-01-01T00:00:00Z"},
    labels={"app": "shop", "environment": "production"},
    opts=pulumi.ResourceOptions(depends_on=[publisher]),
)

# 30 days, stricter, with *Args classes.
webhook_secret = gcp.secretmanager.Secret(
    "stripe-webhook-secret",
    gcp.secretmanager.SecretArgs(
        secret_id="shop-stripe-webhook-secret",
        replication=gcp.secretmanager.SecretReplicationArgs(auto=gcp.secretmanager.SecretReplicationAutoArgs()),
        topics=[gcp.secretmanager.SecretTopicArgs(name=rotation_topic.id)],
        rotation=gcp.secretmanager.SecretRotationArgs(
            rotation_period="2592000s", next_rotation_time="2030-01-15T00:00:00Z"
        ),
        labels={"app": "shop", "environment": "production"},
    ),
    opts=pulumi.ResourceOptions(depends_on=[publisher]),
)

pulumi.export("namespace", namespace.metadata.name)
pulumi.export("secrets", [stripe_key.id, webhook_secret.id])
