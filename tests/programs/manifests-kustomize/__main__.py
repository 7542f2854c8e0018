"""A team's kustomize overlay for production, deployed with the v1 and the v2 kustomize Directory."""

import pulumi_kubernetes as k8s

k8s.kustomize.Directory("shop", directory="kustomize/overlays/prod")

k8s.kustomize.v2.Directory("shop-v2", directory="kustomize/overlays/prod", namespace="shop")
