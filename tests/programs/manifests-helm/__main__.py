"""A team's own chart from the repository, deployed twice: with helm.v3.Chart and with helm.v4.Chart."""

import pulumi
import pulumi_kubernetes as k8s

namespace = k8s.core.v1.Namespace(
    "shop",
    metadata={
        "name": "shop",
        "labels": {
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/audit": "restricted",
            "pod-security.kubernetes.io/warn": "restricted",
        },
    },
)

k8s.helm.v3.Chart(
    "storefront",
    k8s.helm.v3.LocalChartOpts(
        path="charts/shop-web",
        namespace="shop",
        values={"image": {"tag": "3.2.1"}},
    ),
    opts=pulumi.ResourceOptions(depends_on=[namespace]),
)

k8s.helm.v4.Chart(
    "checkout",
    chart="./charts/shop-web",
    namespace="shop",
    value_yaml_files=[pulumi.FileAsset("values-prod.yaml")],
    values={"replicas": 4},
    opts=pulumi.ResourceOptions(depends_on=[namespace]),
)

# The same chart installed as a Release (a custom resource; its objects are rendered from the local chart).
k8s.helm.v3.Release(
    "payments",
    chart="./charts/shop-web",
    namespace="shop",
    values={"image": {"tag": "3.2.1"}},
    opts=pulumi.ResourceOptions(depends_on=[namespace]),
)
