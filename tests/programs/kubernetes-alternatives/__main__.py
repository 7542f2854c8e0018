"""Ways a team meets the checklist other than this repository does; none may be reported for the rule it names.

- kubernetes-core-service-single-load-balancer: an admin LoadBalancer restricted by loadBalancerSourceRanges to
  the office range (policy-config.json's allowedSourceRanges), and internal load balancers under both of GKE's
  annotations.
"""

import pulumi_kubernetes as k8s

PORTS = [{"port": 443, "targetPort": 8443}]

k8s.core.v1.Service(
    "admin-office-only",
    metadata={"name": "admin", "namespace": "ops"},
    spec={
        "type": "LoadBalancer",
        "selector": {"app": "admin"},
        "ports": PORTS,
        "loadBalancerSourceRanges": ["203.0.113.32/28"],
    },
)
k8s.core.v1.Service(
    "grpc-internal",
    metadata={"name": "grpc", "namespace": "ops", "annotations": {"networking.gke.io/load-balancer-type": "Internal"}},
    spec={"type": "LoadBalancer", "selector": {"app": "grpc"}, "ports": PORTS},
)
k8s.core.v1.Service(
    "legacy-internal",
    metadata={
        "name": "legacy",
        "namespace": "ops",
        "annotations": {"cloud.google.com/load-balancer-type": "Internal"},
    },
    spec={"type": "LoadBalancer", "selector": {"app": "legacy"}, "ports": PORTS},
)
# The control: open to the whole internet, so it is reported (the rule runs on this program).
k8s.core.v1.Service(
    "world-open",
    metadata={"name": "open", "namespace": "ops"},
    spec={
        "type": "LoadBalancer",
        "selector": {"app": "open"},
        "ports": PORTS,
        "loadBalancerSourceRanges": ["0.0.0.0/0"],
    },
)

# --- Ingress controllers other than ingress-nginx, configured to the checklist -------------------------------
import json  # noqa: E402

import pulumi_gcp as gcp  # noqa: E402

HEADERS = {
    "Content-Security-Policy": "default-src 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "X-XSS-Protection": "1; mode=block",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def ingress_spec(host: str, service: str) -> dict:
    path = {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": service, "port": {"number": 80}}}}
    return {
        "tls": [{"hosts": [host], "secretName": f"{service}-tls"}],
        "rules": [{"host": host, "http": {"paths": [path]}}],
    }


# NGINX Inc's controller: HSTS, the redirect and the headers in its ConfigMap entries, limits by annotation.
k8s.helm.v3.Release(
    "nginx-inc",
    chart="nginx-ingress",
    version="2.0.1",
    namespace="nginx-ingress",
    repository_opts={"repo": "https://helm.nginx.com/stable"},
    values={
        "controller": {
            "config": {
                "entries": {
                    "hsts": "true",
                    "hsts-max-age": "31536000",
                    "hsts-include-subdomains": "true",
                    "http-snippets": "\n".join(f'add_header {k} "{v}" always;' for k, v in HEADERS.items()),
                }
            }
        }
    },
)
k8s.networking.v1.Ingress(
    "shop-inc",
    metadata={
        "name": "shop",
        "namespace": "shop",
        "annotations": {"nginx.org/limit-req-rate": "100r/m", "cert-manager.io/cluster-issuer": "letsencrypt-prod"},
    },
    spec={"ingressClassName": "nginx", **ingress_spec("shop.example.com", "shop")},
)

# GKE Ingress: the redirect in a FrontendConfig; HSTS, headers and a Cloud Armor throttle in a BackendConfig.
gcp.compute.SecurityPolicy(
    "edge-armor",
    name="edge",
    rules=[
        {
            "action": "throttle",
            "priority": 1000,
            "match": {"versioned_expr": "SRC_IPS_V1", "config": {"src_ip_ranges": ["*"]}},
            "rate_limit_options": {
                "enforce_on_key": "IP",
                "rate_limit_threshold": {"count": 100, "interval_sec": 60},
                "conform_action": "allow",
                "exceed_action": "deny(429)",
            },
        },
        {
            "action": "allow",
            "priority": 2147483647,
            "match": {"versioned_expr": "SRC_IPS_V1", "config": {"src_ip_ranges": ["*"]}},
        },
    ],
)
k8s.apiextensions.CustomResource(
    "blog-frontend",
    api_version="networking.gke.io/v1beta1",
    kind="FrontendConfig",
    metadata={"name": "https-redirect", "namespace": "blog"},
    spec={"redirectToHttps": {"enabled": True}},
)
k8s.apiextensions.CustomResource(
    "blog-backend",
    api_version="cloud.google.com/v1",
    kind="BackendConfig",
    metadata={"name": "blog", "namespace": "blog"},
    spec={
        "securityPolicy": {"name": "edge"},
        "customResponseHeaders": {
            "headers": [
                "Strict-Transport-Security: max-age=63072000; includeSubDomains",
                *(f"{k}: {v}" for k, v in HEADERS.items()),
            ]
        },
    },
)
k8s.core.v1.Service(
    "blog-service",
    metadata={
        "name": "blog",
        "namespace": "blog",
        "annotations": {"cloud.google.com/backend-config": json.dumps({"default": "blog"})},
    },
    spec={"type": "ClusterIP", "selector": {"app": "blog"}, "ports": [{"port": 80, "targetPort": 8080}]},
)
k8s.networking.v1.Ingress(
    "blog-gke",
    metadata={
        "name": "blog",
        "namespace": "blog",
        "annotations": {
            "kubernetes.io/ingress.class": "gce",
            "networking.gke.io/v1beta1.FrontendConfig": "https-redirect",
            "networking.gke.io/managed-certificates": "blog-cert",
        },
    },
    spec=ingress_spec("blog.example.com", "blog"),
)
