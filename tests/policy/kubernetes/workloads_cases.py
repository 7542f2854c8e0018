"""Workload cases: a compliant Deployment, Job, HPA, ConfigMap and Namespace, then one change per case."""

from __future__ import annotations

from typing import Any

from agencyos_policy.kubernetes.namespaces import NAMESPACE, NAMESPACE_PATCH
from agencyos_policy.kubernetes.workloads import (
    CONFIG_MAP,
    CRON_JOB,
    DAEMON_SET,
    DEPLOYMENT,
    HPA,
    HPA_V1,
    HPA_V2BETA1,
    HPA_V2BETA2,
    JOB,
    POD,
    STATEFUL_SET,
    patch_of,
)

from agencyos_infra.wire import UNKNOWN
from tests.policy.cases import DELETE, Case, mutate

PROBES = "kubernetes-apps-deployment-probes"
STARTUP = "kubernetes-apps-deployment-startup-probe"
RESOURCES = "kubernetes-apps-deployment-resources"
NON_ROOT = "kubernetes-apps-deployment-run-as-non-root"
ESCALATION = "kubernetes-apps-deployment-no-privilege-escalation"
RESTRICTED = "kubernetes-apps-deployment-restricted-context"
IMAGE = "kubernetes-apps-deployment-pinned-image"
SPREAD = "kubernetes-apps-deployment-zone-spread"
HPA_BOUNDS = "kubernetes-autoscaling-hpa-bounds"
CREDENTIALS = "kubernetes-core-config-no-credentials"
PRODUCTION = "kubernetes-core-config-production-settings"
PSA = "kubernetes-core-namespace-pod-security-restricted"

CONTAINER: dict[str, Any] = {
    "name": "api",
    "image": "europe-docker.pkg.dev/p/app/backend:1.4.2",
    "ports": [{"name": "http", "containerPort": 8000}],
    "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"cpu": "500m", "memory": "512Mi"}},
    "livenessProbe": {"httpGet": {"path": "/health", "port": "http"}, "periodSeconds": 10},
    "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}, "periodSeconds": 5},
    "startupProbe": {"httpGet": {"path": "/health", "port": "http"}, "failureThreshold": 30},
    "securityContext": {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    },
    "env": [{"name": "LOG_LEVEL", "value": "INFO"}],
}
POD_SPEC: dict[str, Any] = {
    "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
    "containers": [CONTAINER],
    "topologySpreadConstraints": [
        {"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway"}
    ],
}
DEPLOYMENT_PROPS: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "api", "namespace": "app"},
    "spec": {
        "selector": {"matchLabels": {"app": "api"}},
        "template": {"metadata": {"labels": {"app": "api"}}, "spec": POD_SPEC},
    },
}
C0 = "spec.template.spec.containers"


def container(**changes: Any) -> dict[str, Any]:
    """The baseline Deployment with its container changed (dotted paths inside the container)."""
    return mutate(DEPLOYMENT_PROPS, {"spec.template.spec.containers": [mutate(CONTAINER, changes)]})


def pod(**changes: Any) -> dict[str, Any]:
    return mutate(DEPLOYMENT_PROPS, {f"spec.template.spec.{k}": v for k, v in changes.items()})


JOB_PROPS = {"metadata": {"name": "migrate"}, "spec": {"template": {"spec": {**POD_SPEC, "restartPolicy": "Never"}}}}
CRON_PROPS = {"spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": {"spec": POD_SPEC}}}}}
HPA_PROPS: dict[str, Any] = {
    "metadata": {"name": "api"},
    "spec": {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"},
        "minReplicas": 2,
        "maxReplicas": 10,
        "metrics": [
            {
                "type": "Resource",
                "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}},
            }
        ],
    },
}
CONFIG_PROPS = {
    "metadata": {"name": "env"},
    "data": {"ENVIRONMENT": "production", "DEBUG": "false", "LOG_LEVEL": "INFO"},
}
HPA_V1_PROPS: dict[str, Any] = {
    "metadata": {"name": "api"},
    "spec": {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"},
        "minReplicas": 2,
        "maxReplicas": 10,
        "targetCPUUtilizationPercentage": 70,
    },
}


def cpu_metric(percent: Any, *, container: str | None = None) -> dict[str, Any]:
    """An autoscaling/v2 (and v2beta2) cpu Utilization metric: of the pods, or of one container."""
    target = {"type": "Utilization", "averageUtilization": percent}
    if container is None:
        return {"type": "Resource", "resource": {"name": "cpu", "target": target}}
    return {"type": "ContainerResource", "containerResource": {"name": "cpu", "container": container, "target": target}}


def hpa(*metrics: dict[str, Any]) -> dict[str, Any]:
    return mutate(HPA_PROPS, {"spec.metrics": list(metrics)})


# Patches: server-side applies of part of an object. What they omit is unchanged, what they set is judged.
DEPLOYMENT_PATCH = patch_of(DEPLOYMENT)
PATCHED_CONTAINER: dict[str, Any] = {"name": "api", "image": "europe-docker.pkg.dev/p/app/backend:1.4.3"}
"""A patch that rolls out a new image and says nothing else: no probes, no resources, no security context."""


def deployment_patch(**changes: Any) -> dict[str, Any]:
    """A DeploymentPatch of the one container, with dotted changes inside the container."""
    return {
        "metadata": {"name": "api"},
        "spec": {"template": {"spec": {"containers": [mutate(PATCHED_CONTAINER, changes)]}}},
    }


def pod_patch(spec: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": {"name": "api"}, "spec": {"template": {"spec": spec}}}


STRIPE_LIVE = "sk_live_" + "51Hx" + "PLACEHOLDERplaceholder0000"  # split: a placeholder, not a key
PEM = "-----BEGIN RSA PRIVATE KEY-----\nplaceholder\n-----END RSA PRIVATE KEY-----"
RANDOM_TOKEN = "Zq8Lw3Xr9Tb2Nf7Kd4Hs6Pm1Vc5Jy0Ga"  # 32 distinct-ish characters: a made-up token

VIOLATIONS: list[tuple[str, str, dict[str, Any], str]] = [
    (PROBES, DEPLOYMENT, container(livenessProbe=DELETE, readinessProbe=DELETE), "no probes"),
    (PROBES, DEPLOYMENT, container(**{"livenessProbe.httpGet.path": "/healthz"}), "liveness on another path"),
    (PROBES, DEPLOYMENT, container(**{"readinessProbe.periodSeconds": DELETE}), "readiness period absent means 10"),
    (PROBES, DEPLOYMENT, container(**{"livenessProbe.periodSeconds": 30}), "liveness too rare"),
    (PROBES, STATEFUL_SET, container(readinessProbe=DELETE), "statefulset without readiness"),
    (PROBES, DEPLOYMENT, container(**{"readinessProbe.periodSeconds": UNKNOWN}), "unknown period"),
    (STARTUP, DEPLOYMENT, container(startupProbe=DELETE), "no startup probe"),
    (RESOURCES, DEPLOYMENT, container(resources=DELETE), "no resources"),
    (RESOURCES, DEPLOYMENT, container(**{"resources.limits": DELETE}), "no limits"),
    (RESOURCES, DEPLOYMENT, container(**{"resources.requests.cpu": "100m"}), "cpu request below"),
    (RESOURCES, DEPLOYMENT, container(**{"resources.limits.memory": "256Mi"}), "memory limit below"),
    (
        RESOURCES,
        JOB,
        mutate(JOB_PROPS, {"spec.template.spec.containers": [mutate(CONTAINER, {"resources": DELETE})]}),
        "job",
    ),
    (RESOURCES, DEPLOYMENT, container(**{"resources.requests.memory": UNKNOWN}), "unknown memory"),
    (NON_ROOT, DEPLOYMENT, pod(securityContext={}), "root: nothing set"),
    (NON_ROOT, DEPLOYMENT, pod(securityContext={"runAsUser": 0}), "runAsUser 0"),
    (NON_ROOT, DEPLOYMENT, container(**{"securityContext.runAsUser": 0}), "container runs as uid 0"),
    (ESCALATION, DEPLOYMENT, container(**{"securityContext.allowPrivilegeEscalation": DELETE}), "escalation absent"),
    (ESCALATION, DEPLOYMENT, container(**{"securityContext.privileged": True}), "privileged"),
    (NON_ROOT, POD, {"spec": {"containers": [mutate(CONTAINER, {})]}}, "bare pod as root"),
    (
        NON_ROOT,
        CRON_JOB,
        mutate(CRON_PROPS, {"spec.jobTemplate.spec.template.spec.securityContext": {}}),
        "cronjob root",
    ),
    (NON_ROOT, DEPLOYMENT, pod(securityContext={"runAsNonRoot": UNKNOWN}), "unknown runAsNonRoot"),
    (RESTRICTED, DEPLOYMENT, container(**{"securityContext.readOnlyRootFilesystem": False}), "writable root"),
    (RESTRICTED, DEPLOYMENT, container(**{"securityContext.capabilities": DELETE}), "capabilities kept"),
    (RESTRICTED, DEPLOYMENT, pod(securityContext={"runAsNonRoot": True}), "no seccomp"),
    (IMAGE, DEPLOYMENT, container(image="nginx:latest"), "latest"),
    (IMAGE, DEPLOYMENT, container(image="nginx"), "untagged"),
    (IMAGE, DEPLOYMENT, container(image="registry.example:5000/team/app"), "registry port, no tag"),
    (
        IMAGE,
        JOB,
        mutate(JOB_PROPS, {"spec.template.spec.containers": [mutate(CONTAINER, {"image": "app:latest"})]}),
        "job",
    ),
    (SPREAD, DEPLOYMENT, pod(topologySpreadConstraints=DELETE), "no spread"),
    (HPA_BOUNDS, HPA, mutate(HPA_PROPS, {"spec.minReplicas": DELETE}), "minReplicas absent means 1"),
    (HPA_BOUNDS, HPA, mutate(HPA_PROPS, {"spec.maxReplicas": 3}), "max below 5"),
    (HPA_BOUNDS, HPA, mutate(HPA_PROPS, {"spec.metrics": DELETE}), "metrics absent means 80 %"),
    (
        HPA_BOUNDS,
        HPA,
        mutate(
            HPA_PROPS,
            {
                "spec.metrics": [
                    {
                        "type": "Resource",
                        "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 85}},
                    }
                ]
            },
        ),
        "85 %",
    ),
    (HPA_BOUNDS, HPA, mutate(HPA_PROPS, {"spec.minReplicas": UNKNOWN}), "unknown min"),
    (HPA_BOUNDS, HPA, hpa(cpu_metric(85, container="app")), "container cpu 85 %"),
    (HPA_BOUNDS, HPA, hpa(cpu_metric(60, container="app"), cpu_metric(85)), "one cpu metric above 70 %"),
    (HPA_BOUNDS, HPA, hpa({"type": UNKNOWN, "resource": {"name": "cpu"}}), "unknown metric type"),
    (HPA_BOUNDS, HPA_V1, mutate(HPA_V1_PROPS, {"spec.targetCPUUtilizationPercentage": DELETE}), "v1 absent is 80 %"),
    (HPA_BOUNDS, HPA_V1, mutate(HPA_V1_PROPS, {"spec.targetCPUUtilizationPercentage": 85}), "v1 85 %"),
    (HPA_BOUNDS, HPA_V1, mutate(HPA_V1_PROPS, {"spec.minReplicas": 1}), "v1 single replica"),
    (HPA_BOUNDS, HPA_V1, mutate(HPA_V1_PROPS, {"spec.targetCPUUtilizationPercentage": UNKNOWN}), "v1 unknown"),
    (HPA_BOUNDS, HPA_V2BETA2, mutate(hpa(cpu_metric(85)), {"spec.maxReplicas": 10}), "v2beta2 85 %"),
    (
        HPA_BOUNDS,
        HPA_V2BETA1,
        hpa({"type": "Resource", "resource": {"name": "cpu", "targetAverageUtilization": 85}}),
        "v2beta1 85 %",
    ),
    (HPA_BOUNDS, patch_of(HPA), {"spec": {"minReplicas": 1}}, "patch sets one replica"),
    (HPA_BOUNDS, patch_of(HPA), {"spec": {"metrics": [cpu_metric(90)]}}, "patch sets 90 %"),
    (HPA_BOUNDS, patch_of(HPA_V1), {"spec": {"targetCPUUtilizationPercentage": 85}}, "v1 patch sets 85 %"),
    (CREDENTIALS, CONFIG_MAP, mutate(CONFIG_PROPS, {"data.STRIPE_API_KEY": STRIPE_LIVE}), "stripe live key"),
    (
        CREDENTIALS,
        CONFIG_MAP,
        mutate(CONFIG_PROPS, {"data.HOOK": "whsec_" + "PLACEHOLDERplaceholder"}),
        "webhook secret",
    ),
    (CREDENTIALS, CONFIG_MAP, mutate(CONFIG_PROPS, {"data.KEY": PEM}), "private key"),
    (
        CREDENTIALS,
        CONFIG_MAP,
        mutate(CONFIG_PROPS, {"data.DATABASE_URL": "postgresql://app:placeholder@10.0.0.3/db"}),
        "url with password",
    ),
    (CREDENTIALS, CONFIG_MAP, mutate(CONFIG_PROPS, {"data.TOKEN": RANDOM_TOKEN}), "random token"),
    (CREDENTIALS, DEPLOYMENT, container(env=[{"name": "STRIPE_API_KEY", "value": STRIPE_LIVE}]), "env stripe key"),
    (CREDENTIALS, CONFIG_MAP, mutate(CONFIG_PROPS, {"data.SENTRY": UNKNOWN}), "unknown value"),
    (CREDENTIALS, patch_of(CONFIG_MAP), {"data": {"STRIPE_API_KEY": STRIPE_LIVE}}, "configmap patch stripe key"),
    (CREDENTIALS, patch_of(CONFIG_MAP), {"data": {"SENTRY": UNKNOWN}}, "configmap patch unknown value"),
    (
        CREDENTIALS,
        DEPLOYMENT_PATCH,
        deployment_patch(env=[{"name": "STRIPE_API_KEY", "value": STRIPE_LIVE}]),
        "deployment patch env stripe key",
    ),
    (PRODUCTION, CONFIG_MAP, mutate(CONFIG_PROPS, {"data.DEBUG": "true"}), "debug in a production config"),
    (PRODUCTION, CONFIG_MAP, mutate(CONFIG_PROPS, {"data.LOG_LEVEL": "DEBUG"}), "debug log level"),
    (
        PRODUCTION,
        DEPLOYMENT,
        container(env=[{"name": "ENVIRONMENT", "value": "production"}, {"name": "DEBUG", "value": "True"}]),
        "env",
    ),
    (
        PRODUCTION,
        patch_of(CONFIG_MAP),
        {"data": {"ENVIRONMENT": "production", "DEBUG": "true"}},
        "configmap patch turns DEBUG on",
    ),
    (
        PRODUCTION,
        patch_of(CONFIG_MAP),
        {"data": {"ENVIRONMENT": "production", "LOG_LEVEL": "DEBUG"}},
        "configmap patch debug log level",
    ),
    (
        PRODUCTION,
        DEPLOYMENT_PATCH,
        deployment_patch(env=[{"name": "ENVIRONMENT", "value": "production"}, {"name": "DEBUG", "value": "on"}]),
        "deployment patch env",
    ),
    (IMAGE, DEPLOYMENT_PATCH, deployment_patch(image="europe-docker.pkg.dev/p/app/backend:latest"), "patch latest"),
    (IMAGE, DEPLOYMENT_PATCH, deployment_patch(image=UNKNOWN), "patch unknown image"),
    (IMAGE, patch_of(STATEFUL_SET), deployment_patch(image="redis"), "statefulset patch untagged"),
    (IMAGE, patch_of(JOB), deployment_patch(image="app:latest"), "job patch latest"),
    (NON_ROOT, DEPLOYMENT_PATCH, deployment_patch(**{"securityContext.runAsUser": 0}), "patch container uid 0"),
    (NON_ROOT, DEPLOYMENT_PATCH, pod_patch({"securityContext": {"runAsUser": 0}}), "patch pod uid 0"),
    (NON_ROOT, DEPLOYMENT_PATCH, pod_patch({"securityContext": {"runAsNonRoot": False}}), "patch runAsNonRoot false"),
    (
        ESCALATION,
        DEPLOYMENT_PATCH,
        deployment_patch(**{"securityContext.allowPrivilegeEscalation": True}),
        "patch allows escalation",
    ),
    (ESCALATION, patch_of(DAEMON_SET), deployment_patch(**{"securityContext.privileged": True}), "daemonset patch"),
    (NON_ROOT, DEPLOYMENT_PATCH, pod_patch({"securityContext": {"runAsUser": UNKNOWN}}), "patch unknown uid"),
    (RESOURCES, DEPLOYMENT_PATCH, deployment_patch(**{"resources.requests.cpu": "100m"}), "patch lowers cpu request"),
    (RESOURCES, DEPLOYMENT_PATCH, deployment_patch(**{"resources.limits.memory": UNKNOWN}), "patch unknown limit"),
    (
        RESOURCES,
        DEPLOYMENT_PATCH,
        deployment_patch(**{"resources.requests.cpu": "1", "resources.limits.cpu": "500m"}),
        "patch limit below request",
    ),
    (
        PROBES,
        DEPLOYMENT_PATCH,
        deployment_patch(**{"livenessProbe.httpGet.path": "/healthz"}),
        "patch moves liveness",
    ),
    (PROBES, DEPLOYMENT_PATCH, deployment_patch(**{"readinessProbe.periodSeconds": 30}), "patch slows readiness"),
    (RESTRICTED, DEPLOYMENT_PATCH, deployment_patch(**{"securityContext.readOnlyRootFilesystem": False}), "patch rw"),
    (PSA, NAMESPACE_PATCH, {"metadata": {"labels": {"pod-security.kubernetes.io/enforce": "privileged"}}}, "patch"),
    (PSA, NAMESPACE, {"metadata": {"name": "app"}}, "no PSA label"),
    (
        PSA,
        NAMESPACE,
        {"metadata": {"name": "app", "labels": {"pod-security.kubernetes.io/enforce": "baseline"}}},
        "baseline",
    ),
]
COMPLIANT: list[tuple[str, str, dict[str, Any], str]] = [
    *[
        (name, DEPLOYMENT, DEPLOYMENT_PROPS, "baseline")
        for name in (PROBES, STARTUP, RESOURCES, NON_ROOT, ESCALATION, RESTRICTED, IMAGE, SPREAD, CREDENTIALS)
    ],
    (PRODUCTION, DEPLOYMENT, DEPLOYMENT_PROPS, "baseline"),
    # runAsNonRoot with a uid is non-root; allowPrivilegeEscalation is another (advisory) policy's concern.
    (
        NON_ROOT,
        DEPLOYMENT,
        mutate(
            container(securityContext={"readOnlyRootFilesystem": True}),
            {"spec.template.spec.securityContext": {"runAsNonRoot": True, "runAsUser": 10001}},
        ),
        "non-root without allowPrivilegeEscalation",
    ),
    (PROBES, DEPLOYMENT, container(**{"livenessProbe.periodSeconds": DELETE}), "liveness period absent means 10"),
    (PROBES, DEPLOYMENT, container(**{"readinessProbe.periodSeconds": 3}), "more frequent readiness"),
    (PROBES, JOB, JOB_PROPS, "jobs need no probes"),
    # Any probe kind at the checklist's periods is a health check (a Redis or Postgres container).
    (
        PROBES,
        STATEFUL_SET,
        container(
            livenessProbe={"tcpSocket": {"port": 6379}, "periodSeconds": 10},
            readinessProbe={"exec": {"command": ["redis-cli", "ping"]}, "periodSeconds": 5},
        ),
        "tcp and exec probes",
    ),
    (
        PROBES,
        DEPLOYMENT,
        container(
            livenessProbe={"grpc": {"port": 5432}, "periodSeconds": 10},
            readinessProbe={"tcpSocket": {"port": 5432}, "periodSeconds": 5},
        ),
        "grpc and tcp probes",
    ),
    (RESOURCES, DEPLOYMENT, container(**{"resources.limits": {"cpu": "1", "memory": "1Gi"}}), "larger limits"),
    (
        RESOURCES,
        DEPLOYMENT,
        container(**{"resources.requests": {"cpu": 0.5, "memory": "268435456"}}),
        "numbers and bytes",
    ),
    (
        RESOURCES,
        DEPLOYMENT,
        container(**{"resources.requests.cpu": "250000000n", "resources.limits.cpu": "500000u"}),
        "nano and micro cores",
    ),
    (
        RESOURCES,
        DEPLOYMENT,
        container(
            **{
                "resources.requests": {"cpu": "2.5e-1", "memory": "0.25Gi"},
                "resources.limits": {"cpu": "5E-1", "memory": "1e9"},
            }
        ),
        "exponents and fractions",
    ),
    (NON_ROOT, DEPLOYMENT, pod(securityContext={"runAsUser": 1000}), "numeric uid above 0"),
    (
        NON_ROOT,
        DEPLOYMENT,
        mutate(container(**{"securityContext.runAsNonRoot": True}), {"spec.template.spec.securityContext": {}}),
        "container level",
    ),
    (NON_ROOT, JOB, JOB_PROPS, "job"),
    (NON_ROOT, CONFIG_MAP, CONFIG_PROPS, "other types are ignored"),
    (IMAGE, DEPLOYMENT, container(image="europe-docker.pkg.dev/p/app/backend@sha256:" + "a" * 64), "digest"),
    (IMAGE, DEPLOYMENT, container(image="registry.example:5000/team/app:2.0"), "registry port and tag"),
    (HPA_BOUNDS, HPA, HPA_PROPS, "2-10 at 70 %"),
    (HPA_BOUNDS, HPA, mutate(HPA_PROPS, {"spec.maxReplicas": 5}), "2-5"),
    (
        HPA_BOUNDS,
        HPA,
        mutate(
            HPA_PROPS,
            {
                "spec.metrics": [
                    {
                        "type": "Resource",
                        "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}},
                    }
                ]
            },
        ),
        "earlier target",
    ),
    (HPA_BOUNDS, HPA, hpa(cpu_metric(60, container="app")), "container cpu 60 %"),
    (HPA_BOUNDS, HPA, hpa(cpu_metric(70), cpu_metric(60, container="app")), "pods and container cpu"),
    (HPA_BOUNDS, HPA_V1, HPA_V1_PROPS, "v1 2-10 at 70 %"),
    (HPA_BOUNDS, HPA_V1, mutate(HPA_V1_PROPS, {"spec.targetCPUUtilizationPercentage": 50}), "v1 earlier target"),
    (HPA_BOUNDS, HPA_V2BETA2, hpa(cpu_metric(65, container="app")), "v2beta2"),
    (
        HPA_BOUNDS,
        HPA_V2BETA1,
        hpa(
            {
                "type": "ContainerResource",
                "containerResource": {"name": "cpu", "container": "app", "targetAverageUtilization": 70},
            }
        ),
        "v2beta1 container",
    ),
    (HPA_BOUNDS, patch_of(HPA), {"spec": {"maxReplicas": 12}}, "patch raises max only"),
    (HPA_BOUNDS, patch_of(HPA_V1), {"spec": {"minReplicas": 3}}, "v1 patch leaves the target"),
    (CREDENTIALS, CONFIG_MAP, CONFIG_PROPS, "plain settings"),
    (
        CREDENTIALS,
        CONFIG_MAP,
        mutate(CONFIG_PROPS, {"data.BACKEND_URL": "https://api.agencyos.example/v1/health-check/status"}),
        "a url",
    ),
    (
        CREDENTIALS,
        CONFIG_MAP,
        mutate(CONFIG_PROPS, {"data.COMMIT": "3f786850e387550fdab836ed7e6dc881de23001b"}),
        "a git sha",
    ),
    (
        CREDENTIALS,
        CONFIG_MAP,
        mutate(CONFIG_PROPS, {"data.KEY_FILE": "/var/run/secrets/agencyos/STRIPE_API_KEY"}),
        "a path",
    ),
    (
        CREDENTIALS,
        DEPLOYMENT,
        container(env=[{"name": "KEY", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]),
        "valueFrom",
    ),
    (PRODUCTION, CONFIG_MAP, mutate(CONFIG_PROPS, {"data.LOG_LEVEL": "WARNING"}), "warning"),
    (CREDENTIALS, patch_of(CONFIG_MAP), {"data": {"LOG_LEVEL": "WARNING"}}, "configmap patch"),
    (
        PRODUCTION,
        patch_of(CONFIG_MAP),
        {"data": {"ENVIRONMENT": "production", "DEBUG": "false", "LOG_LEVEL": "WARNING"}},
        "configmap patch",
    ),
    *[
        (name, DEPLOYMENT_PATCH, deployment_patch(), "patch sets only a pinned image")
        for name in (PROBES, STARTUP, RESOURCES, NON_ROOT, RESTRICTED, IMAGE, CREDENTIALS, PRODUCTION)
    ],
    *[
        (name, DEPLOYMENT_PATCH, {"metadata": {"name": "api"}, "spec": {"replicas": 4}}, "patch scales only")
        for name in (PROBES, RESOURCES, NON_ROOT, IMAGE)
    ],
    (
        RESOURCES,
        DEPLOYMENT_PATCH,
        deployment_patch(**{"resources.limits": {"cpu": "1", "memory": "1Gi"}}),
        "patch raises limits only",
    ),
    (PROBES, DEPLOYMENT_PATCH, deployment_patch(**{"readinessProbe.periodSeconds": 3}), "patch tightens readiness"),
    (NON_ROOT, DEPLOYMENT_PATCH, pod_patch({"securityContext": {"runAsUser": 10002}}), "patch changes the uid"),
    (IMAGE, patch_of(STATEFUL_SET), deployment_patch(), "statefulset patch"),
    (RESOURCES, patch_of(JOB), deployment_patch(), "job patch"),
    (PSA, NAMESPACE_PATCH, {"metadata": {"annotations": {"owner": "platform"}}}, "patch leaves the label"),
    (
        PRODUCTION,
        CONFIG_MAP,
        {"data": {"ENVIRONMENT": "staging", "DEBUG": "true"}},
        "staging config in a non-production stack",
    ),
    (
        PSA,
        NAMESPACE,
        {"metadata": {"name": "app", "labels": {"pod-security.kubernetes.io/enforce": "restricted"}}},
        "restricted",
    ),
]

FAILING = [Case(name, type_, props, note=note) for name, type_, props, note in VIOLATIONS]
FAILING += [
    Case(IMAGE, DEPLOYMENT, container(image=f"ghcr.io/acme/api:{tag}"), note=f"moving tag {tag}")
    for tag in ("main", "stable", "alpine", "nightly")
]
FAILING.append(
    Case(
        IMAGE,
        DEPLOYMENT,
        container(image="ghcr.io/acme/api:release"),
        config={"movingTags": ["latest", "release"]},
        note="a team's own moving tag",
    )
)
FAILING.append(
    Case(
        PROBES,
        DEPLOYMENT,
        DEPLOYMENT_PROPS,
        config={"livenessPath": "/livez", "readinessPath": "/readyz"},
        note="configured paths differ from the probes'",
    )
)
PASSING = [Case(name, type_, props, note=note) for name, type_, props, note in COMPLIANT]
PASSING.append(
    Case(
        PROBES,
        DEPLOYMENT,
        container(**{"livenessProbe.httpGet.path": "/livez", "readinessProbe.httpGet.path": "/readyz"}),
        config={"livenessPath": "/livez", "readinessPath": "/readyz"},
        note="a team's own health paths, set in policy config",
    )
)
