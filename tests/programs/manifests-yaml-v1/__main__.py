"""A team's manifests kept as YAML, deployed with the v1 yaml module: one file, a glob, and inline text."""

import pulumi
import pulumi_kubernetes as k8s

app = k8s.yaml.ConfigFile("app", file="manifests/app.yaml")


def managed_by_pulumi(obj: dict, opts: pulumi.ResourceOptions) -> None:
    """The team's transformation: every object carries its owner's label."""
    obj.setdefault("metadata", {}).setdefault("labels", {})["managed-by"] = "pulumi"


extra = k8s.yaml.ConfigGroup(
    "extra",
    files=["manifests/extra/*.yaml"],
    yaml=[
        """
apiVersion: networking.gke.io/v1
kind: ManagedCertificate
metadata:
  name: shop-cert
  namespace: shop
spec:
  domains: [shop.example.com]
"""
    ],
    transformations=[managed_by_pulumi],
    resource_prefix="team",
    opts=pulumi.ResourceOptions(depends_on=[app]),
)
