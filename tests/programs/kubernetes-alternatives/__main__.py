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
