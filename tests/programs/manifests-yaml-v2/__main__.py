"""A team's manifests kept as YAML, deployed with the v2 yaml components: a file, a glob, a string, objects."""

import pulumi
import pulumi_kubernetes as k8s


def managed_by_pulumi(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
    """The team's transform: every Kubernetes object carries its owner's label."""
    if not args.type_.startswith("kubernetes:") or "metadata" not in args.props:
        return None
    props = dict(args.props)
    metadata = dict(props["metadata"])
    metadata["labels"] = {**(metadata.get("labels") or {}), "managed-by": "pulumi"}
    props["metadata"] = metadata
    return pulumi.ResourceTransformResult(props, args.opts)


app = k8s.yaml.v2.ConfigFile("app", file="manifests/app.yaml")

extra = k8s.yaml.v2.ConfigGroup(
    "extra",
    files=["manifests/extra/*.yaml"],
    yaml="""
apiVersion: networking.gke.io/v1
kind: ManagedCertificate
metadata:
  name: shop-cert
  namespace: shop
spec:
  domains: [shop.example.com]
""",
    objs=[
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "web-api-token", "namespace": "shop"},
            "stringData": {"token": "placeholder-not-a-secret"},
        }
    ],
    resource_prefix="team",
    opts=pulumi.ResourceOptions(depends_on=[app], transforms=[managed_by_pulumi]),
)

# Without a prefix: the children are named after the objects alone.
k8s.yaml.v2.ConfigGroup(
    "bare",
    resource_prefix="",
    yaml="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bare-settings, namespace: shop}\ndata: {A: b}\n",
)

# The team reads the component's objects back, as resources.
pulumi.export("app_kinds", app.resources.apply(lambda resources: sorted(type(r).__name__ for r in resources)))
