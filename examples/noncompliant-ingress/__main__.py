"""A quick-start edge, as tutorials write it: the pack must reject each resource for what its name says.

- ``controller``: ingress-nginx with snippet annotations allowed and HSTS off;
- ``snippet-headers``: headers set by a configuration-snippet annotation;
- ``unlimited``: an Ingress without a rate limit;
- ``admin-lb``: a second public Service of type LoadBalancer.
"""

import pulumi_kubernetes as k8s

k8s.helm.v3.Release(
    "controller",
    chart="ingress-nginx",
    version="4.13.5",
    namespace="ingress-nginx",
    create_namespace=True,
    repository_opts={"repo": "https://kubernetes.github.io/ingress-nginx"},
    values={
        "controller": {
            "config": {
                "allow-snippet-annotations": "true",
                "hsts": "false",
                "add-headers": "ingress-nginx/custom-headers",
            }
        }
    },
)
k8s.core.v1.ConfigMap(
    "custom-headers",
    metadata={"name": "custom-headers", "namespace": "ingress-nginx"},
    data={
        "Content-Security-Policy": "default-src 'self'",
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "X-XSS-Protection": "1; mode=block",
        "Referrer-Policy": "strict-origin-when-cross-origin",
    },
)

# The issuer the Ingresses name exists, so each is rejected only for what its own name says.
k8s.apiextensions.CustomResource(
    "letsencrypt-prod",
    api_version="cert-manager.io/v1",
    kind="ClusterIssuer",
    metadata={"name": "letsencrypt-prod"},
    spec={
        "acme": {
            "server": "https://acme-v02.api.letsencrypt.org/directory",
            "email": "ops@quickstart.example",
            "privateKeySecretRef": {"name": "letsencrypt-prod-account"},
            "solvers": [{"http01": {"ingress": {"ingressClassName": "nginx"}}}],
        }
    },
)


def ingress(name: str, annotations: dict[str, str]) -> None:
    k8s.networking.v1.Ingress(
        name,
        metadata={
            "name": name,
            "namespace": "web",
            "annotations": {"cert-manager.io/cluster-issuer": "letsencrypt-prod", **annotations},
        },
        spec={
            "ingressClassName": "nginx",
            "tls": [{"hosts": [f"{name}.web.example"], "secretName": f"{name}-tls"}],
            "rules": [
                {
                    "host": f"{name}.web.example",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "web", "port": {"number": 80}}},
                            }
                        ]
                    },
                }
            ],
        },
    )


ingress(
    "snippet-headers",
    {
        "nginx.ingress.kubernetes.io/limit-rpm": "100",
        "nginx.ingress.kubernetes.io/configuration-snippet": 'more_set_headers "X-Frame-Options: DENY";',
    },
)
ingress("unlimited", {})
k8s.core.v1.Service(
    "admin-lb",
    metadata={"name": "admin", "namespace": "web"},
    spec={"type": "LoadBalancer", "selector": {"app": "admin"}, "ports": [{"port": 8443}]},
)
