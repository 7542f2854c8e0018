"""Someone else's compliant edge: plain pulumi_kubernetes, dicts and *Args, no component of this repository.

ingress-nginx from its Helm chart (pinned) with the checklist's headers given inline through the chart's own
``controller.addHeaders`` (the chart makes the add-headers ConfigMap), HSTS for two years, HTTPS redirect
left at its default; the controller's config written in YAML style (booleans, not strings). A ClusterIssuer
for Let's Encrypt. Two Ingresses: the shop at 1 request a second (60 a minute, under the 100 allowed) and
its login and signup paths at 3 a minute (under 5); a stricter Content-Security-Policy and Referrer-Policy
than the checklist's. One internal load balancer for a back-office tool, which the internet never reaches.
"""

import pulumi_kubernetes as k8s

NGINX = "nginx.ingress.kubernetes.io"

k8s.core.v1.Namespace(
    "edge",
    metadata={"name": "edge", "labels": {"pod-security.kubernetes.io/enforce": "restricted"}},
)
k8s.helm.v3.Release(
    "controller",
    chart="ingress-nginx",
    version="4.13.5",
    namespace="edge",
    repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo="https://kubernetes.github.io/ingress-nginx"),
    values={
        "controller": {
            "config": {"hsts": True, "hsts-max-age": 63072000, "hsts-include-subdomains": True},
            "addHeaders": {
                "Content-Security-Policy": "default-src 'none'; img-src 'self'; script-src 'self'",
                "X-Frame-Options": "DENY",
                "X-Content-Type-Options": "nosniff",
                "X-XSS-Protection": "1; mode=block",
                "Referrer-Policy": "no-referrer",
            },
            "service": {"externalTrafficPolicy": "Local"},
        }
    },
)
k8s.apiextensions.CustomResource(
    "letsencrypt",
    api_version="cert-manager.io/v1",
    kind="ClusterIssuer",
    metadata={"name": "letsencrypt"},
    spec={
        "acme": {
            "server": "https://acme-v02.api.letsencrypt.org/directory",
            "email": "ops@shop.example",
            "privateKeySecretRef": {"name": "letsencrypt-account"},
            "solvers": [{"http01": {"ingress": {"ingressClassName": "nginx"}}}],
        }
    },
)


def ingress(name: str, paths: list[str], annotations: dict[str, str]) -> None:
    k8s.networking.v1.Ingress(
        name,
        metadata=k8s.meta.v1.ObjectMetaArgs(
            name=name,
            namespace="shop",
            annotations={"cert-manager.io/cluster-issuer": "letsencrypt", **annotations},
        ),
        spec=k8s.networking.v1.IngressSpecArgs(
            ingress_class_name="nginx",
            tls=[k8s.networking.v1.IngressTLSArgs(hosts=["shop.example"], secret_name=f"{name}-tls")],
            rules=[
                k8s.networking.v1.IngressRuleArgs(
                    host="shop.example",
                    http=k8s.networking.v1.HTTPIngressRuleValueArgs(
                        paths=[
                            k8s.networking.v1.HTTPIngressPathArgs(
                                path=path,
                                path_type="Prefix",
                                backend=k8s.networking.v1.IngressBackendArgs(
                                    service=k8s.networking.v1.IngressServiceBackendArgs(
                                        name="shop", port=k8s.networking.v1.ServiceBackendPortArgs(number=8080)
                                    )
                                ),
                            )
                            for path in paths
                        ]
                    ),
                )
            ],
        ),
    )


ingress("shop", ["/"], {f"{NGINX}/limit-rps": "1"})
ingress("shop-login", ["/login", "/signup"], {f"{NGINX}/limit-rpm": "3"})

k8s.core.v1.Service(
    "backoffice",
    metadata={
        "name": "backoffice",
        "namespace": "shop",
        "annotations": {"networking.gke.io/load-balancer-type": "Internal"},
    },
    spec={"type": "LoadBalancer", "selector": {"app": "backoffice"}, "ports": [{"port": 443, "targetPort": 8443}]},
)
