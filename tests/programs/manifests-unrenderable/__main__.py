"""Third-party charts and a manifest fetched at deploy time: nothing offline can render them."""

import pulumi_kubernetes as k8s

k8s.helm.v4.Chart(
    "ingress-nginx",
    chart="ingress-nginx",
    version="4.11.3",
    namespace="ingress-nginx",
    repository_opts=k8s.helm.v4.RepositoryOptsArgs(repo="https://kubernetes.github.io/ingress-nginx"),
)

k8s.helm.v3.Chart(
    "cert-manager",
    k8s.helm.v3.ChartOpts(
        chart="cert-manager",
        version="v1.16.1",
        namespace="cert-manager",
        fetch_opts=k8s.helm.v3.FetchOpts(repo="https://charts.jetstack.io"),
        values={"installCRDs": True},
    ),
)

k8s.yaml.v2.ConfigFile("operator", file="https://example.com/operator/v1.2.0/operator.yaml")
