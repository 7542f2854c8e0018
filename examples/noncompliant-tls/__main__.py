"""Someone else's quick-start TLS: each resource breaks one rule of checklist §5 (or dependency pinning).

Both Let's Encrypt ClusterIssuers exist. ``no-tls`` serves plain HTTP; ``partial-tls`` leaves one of its
hosts out of its certificate; ``staging-cert`` names the staging issuer (browsers do not trust it); the
``cert-manager`` release floats to whatever chart is newest.
"""

import pulumi
import pulumi_kubernetes as k8s

release = k8s.helm.v3.Release(
    "cert-manager",
    chart="cert-manager",
    namespace="cert-manager",
    create_namespace=True,
    repository_opts={"repo": "https://charts.jetstack.io"},
    values={"installCRDs": True},
)
for name, server in (
    ("letsencrypt-prod", "https://acme-v02.api.letsencrypt.org/directory"),
    ("letsencrypt-staging", "https://acme-staging-v02.api.letsencrypt.org/directory"),
):
    k8s.apiextensions.CustomResource(
        name,
        api_version="cert-manager.io/v1",
        kind="ClusterIssuer",
        metadata={"name": name},
        spec={
            "acme": {
                "server": server,
                "privateKeySecretRef": {"name": name},
                "solvers": [{"http01": {"ingress": {"class": "nginx"}}}],
            }
        },
        opts=pulumi.ResourceOptions(depends_on=[release]),
    )


def rule(host: str) -> dict[str, object]:
    backend = {"service": {"name": "web", "port": {"number": 80}}}
    return {"host": host, "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]}}


def ingress(name: str, issuer: str, tls: list[dict[str, object]] | None, hosts: list[str]) -> None:
    spec: dict[str, object] = {"ingressClassName": "nginx", "rules": [rule(h) for h in hosts]}
    if tls is not None:
        spec["tls"] = tls
    k8s.networking.v1.Ingress(
        name,
        # Rate-limited (checklist §8), so each Ingress breaks only the TLS rule its name says.
        metadata={
            "name": name,
            "annotations": {"cert-manager.io/cluster-issuer": issuer, "nginx.ingress.kubernetes.io/limit-rpm": "60"},
        },
        spec=spec,
    )


ingress("no-tls", "letsencrypt-prod", None, ["blog.example.org"])
ingress(
    "partial-tls",
    "letsencrypt-prod",
    [{"hosts": ["www.example.org"], "secretName": "www-tls"}],
    ["www.example.org", "admin.example.org"],
)
ingress(
    "staging-cert",
    "letsencrypt-staging",
    [{"hosts": ["beta.example.org"], "secretName": "beta-tls"}],
    ["beta.example.org"],
)
