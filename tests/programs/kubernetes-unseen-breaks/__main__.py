"""A quick start on GKE that breaks the checklist in ways the pack once did not see; each is reported.

- Self-hosted data stores: a Redis StatefulSet with no volume claim, no AOF and no password
  (kubernetes-apps-redis-persistence, kubernetes-apps-redis-auth), and a PostgreSQL StatefulSet with trust
  authentication and no backup CronJob in the stack (kubernetes-apps-postgres-auth, kubernetes-apps-postgres-backup).
- cert-manager installed by its chart with the chart's default values, which install no CRDs
  (kubernetes-helm-release-cert-manager-crds).
"""

import pulumi
import pulumi_kubernetes as k8s


def stateful_set(name: str, container: dict, claims: list | None = None) -> None:
    spec = {
        "serviceName": name,
        "replicas": 1,
        "selector": {"matchLabels": {"app": name}},
        "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [container]}},
    }
    if claims:
        spec["volumeClaimTemplates"] = claims
    k8s.apps.v1.StatefulSet(name, metadata={"name": name, "namespace": "data"}, spec=spec)


stateful_set("sessions", {"name": "redis", "image": "redis:7.2.5", "ports": [{"containerPort": 6379}]})
stateful_set(
    "orders-db",
    {
        "name": "postgres",
        "image": "postgres:16.4",
        "env": [{"name": "POSTGRES_HOST_AUTH_METHOD", "value": "trust"}],
        "volumeMounts": [{"name": "data", "mountPath": "/var/lib/postgresql/data"}],
    },
    claims=[
        {
            "metadata": {"name": "data"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "50Gi"}}},
        }
    ],
)

k8s.helm.v3.Release(
    "cert-manager",
    chart="cert-manager",
    version="v1.19.4",
    namespace="cert-manager",
    create_namespace=True,
    repository_opts={"repo": "https://charts.jetstack.io"},
    opts=pulumi.ResourceOptions(),
)

# --- Ingress controllers other than ingress-nginx, at their defaults --------------------------------------------


def ingress(name: str, namespace: str, annotations: dict, ingress_class: str | None = None) -> None:
    path = {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": name, "port": {"number": 80}}}}
    spec = {
        "tls": [{"hosts": [f"{name}.example.com"], "secretName": f"{name}-tls"}],
        "rules": [{"host": f"{name}.example.com", "http": {"paths": [path]}}],
    }
    if ingress_class:
        spec["ingressClassName"] = ingress_class
    k8s.networking.v1.Ingress(
        name, metadata={"name": name, "namespace": namespace, "annotations": annotations}, spec=spec
    )


# NGINX Inc's controller with its chart's defaults (no HSTS, no headers) and an Ingress turning the redirect off
# with no rate limit.
k8s.helm.v3.Release(
    "nginx-inc",
    chart="nginx-ingress",
    version="2.0.1",
    namespace="nginx-ingress",
    repository_opts={"repo": "https://helm.nginx.com/stable"},
)
ingress("store", "shop", {"nginx.org/ssl-redirect": "false"}, "nginx")
# GKE Ingress with nothing configuring its load balancer: HTTP served, no headers, no Cloud Armor.
ingress("docs", "docs", {"kubernetes.io/ingress.class": "gce"})
# Traefik: not judged, so named.
ingress("status", "ops", {}, "traefik")
