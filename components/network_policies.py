"""Network policies of the application namespace (checklist §8 Infrastructure Security, inside the cluster).

Everything is denied both ways by default; then, explicitly: the ingress controller's namespace to
the workloads' HTTP ports; DNS to kube-dns; the database and Redis private addresses on their ports;
the GKE metadata server (Workload Identity tokens); and HTTPS to addresses outside the private
ranges: Google APIs (Secret Manager, Cloud Storage, Logging) and the payment and AI providers the
backend calls. Enforced by GKE Dataplane V2.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s
from agencyos_checklist.numbers import FIREWALL_HTTP_PORT, FIREWALL_HTTPS_PORT

from components.labels import Labels

TYPE = "agencyos:workloads:NetworkPolicies"
POSTGRES_PORT = 5432
# Memorystore serves TLS on 6378 and plain text on 6379.
REDIS_PORTS = (6378, 6379)
DNS_PORT = 53
# The GKE metadata server as Dataplane V2 sees it, and the classic metadata address.
METADATA_SERVER = (("169.254.169.252/32", 988), ("169.254.169.254/32", FIREWALL_HTTP_PORT.value))
PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"


@dataclass(frozen=True, kw_only=True)
class NetworkPoliciesArgs:
    """The namespace, who may call in, and the private addresses of the data tier."""

    namespace: pulumi.Input[str]
    """The application namespace (``Workloads.namespace``)."""
    labels: Labels
    """Labels for every policy."""
    ingress_namespace: str
    """Namespace of the ingress controller, allowed to the workloads' ports."""
    ports: Mapping[str, int]
    """Workload -> container port the ingress controller may reach (``Workloads.ports``)."""
    database_ip: pulumi.Input[str]
    """Private IP of the Cloud SQL primary."""
    redis_ip: pulumi.Input[str]
    """Private IP of the Memorystore instance."""

    def __post_init__(self) -> None:
        if not self.ingress_namespace:
            raise ValueError("ingress_namespace is required")
        if not self.ports:
            raise ValueError("ports needs at least one workload")


class NetworkPolicies(pulumi.ComponentResource):
    """Default deny in and out, then the few flows the application needs."""

    names: list[pulumi.Output[str]]
    """Names of the NetworkPolicies, default deny first."""

    def __init__(self, name: str, args: NetworkPoliciesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self, depends_on=opts.depends_on if opts else None)
        labels = {**args.labels, "app.kubernetes.io/part-of": "agencyos", "app.kubernetes.io/managed-by": "pulumi"}
        everyone = k8s.meta.v1.LabelSelectorArgs()

        def policy(role: str, spec: k8s.networking.v1.NetworkPolicySpecArgs) -> pulumi.Output[str]:
            resource = k8s.networking.v1.NetworkPolicy(
                f"{name}-{role}",
                metadata=k8s.meta.v1.ObjectMetaArgs(name=role, namespace=args.namespace, labels=labels),
                spec=spec,
                opts=child,
            )
            return resource.metadata.name

        def tcp(*ports: int) -> list[k8s.networking.v1.NetworkPolicyPortArgs]:
            return [k8s.networking.v1.NetworkPolicyPortArgs(protocol="TCP", port=port) for port in ports]

        def to_ip(address: pulumi.Input[str]) -> k8s.networking.v1.NetworkPolicyPeerArgs:
            cidr = pulumi.Output.concat(address, "/32")
            return k8s.networking.v1.NetworkPolicyPeerArgs(ip_block=k8s.networking.v1.IPBlockArgs(cidr=cidr))

        self.names = [
            policy(
                "default-deny-all",
                k8s.networking.v1.NetworkPolicySpecArgs(pod_selector=everyone, policy_types=["Ingress", "Egress"]),
            ),
            policy(
                "allow-ingress-controller",
                k8s.networking.v1.NetworkPolicySpecArgs(
                    pod_selector=everyone,
                    policy_types=["Ingress"],
                    ingress=[
                        k8s.networking.v1.NetworkPolicyIngressRuleArgs(
                            from_=[
                                k8s.networking.v1.NetworkPolicyPeerArgs(
                                    namespace_selector=k8s.meta.v1.LabelSelectorArgs(
                                        match_labels={NAMESPACE_NAME_LABEL: args.ingress_namespace}
                                    )
                                )
                            ],
                            ports=tcp(*sorted(set(args.ports.values()))),
                        )
                    ],
                ),
            ),
            policy(
                "allow-dns",
                k8s.networking.v1.NetworkPolicySpecArgs(
                    pod_selector=everyone,
                    policy_types=["Egress"],
                    egress=[
                        k8s.networking.v1.NetworkPolicyEgressRuleArgs(
                            to=[
                                k8s.networking.v1.NetworkPolicyPeerArgs(
                                    namespace_selector=k8s.meta.v1.LabelSelectorArgs(
                                        match_labels={NAMESPACE_NAME_LABEL: "kube-system"}
                                    ),
                                    pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels={"k8s-app": "kube-dns"}),
                                )
                            ],
                            ports=[
                                k8s.networking.v1.NetworkPolicyPortArgs(protocol=protocol, port=DNS_PORT)
                                for protocol in ("UDP", "TCP")
                            ],
                        )
                    ],
                ),
            ),
            policy(
                "allow-data-tier",
                k8s.networking.v1.NetworkPolicySpecArgs(
                    pod_selector=everyone,
                    policy_types=["Egress"],
                    egress=[
                        k8s.networking.v1.NetworkPolicyEgressRuleArgs(
                            to=[to_ip(args.database_ip)], ports=tcp(POSTGRES_PORT)
                        ),
                        k8s.networking.v1.NetworkPolicyEgressRuleArgs(
                            to=[to_ip(args.redis_ip)], ports=tcp(*REDIS_PORTS)
                        ),
                    ],
                ),
            ),
            policy(
                "allow-metadata-server",
                k8s.networking.v1.NetworkPolicySpecArgs(
                    pod_selector=everyone,
                    policy_types=["Egress"],
                    egress=[
                        k8s.networking.v1.NetworkPolicyEgressRuleArgs(
                            to=[
                                k8s.networking.v1.NetworkPolicyPeerArgs(
                                    ip_block=k8s.networking.v1.IPBlockArgs(cidr=cidr)
                                )
                            ],
                            ports=tcp(port),
                        )
                        for cidr, port in METADATA_SERVER
                    ],
                ),
            ),
            policy(
                "allow-https-egress",
                k8s.networking.v1.NetworkPolicySpecArgs(
                    pod_selector=everyone,
                    policy_types=["Egress"],
                    egress=[
                        k8s.networking.v1.NetworkPolicyEgressRuleArgs(
                            to=[
                                k8s.networking.v1.NetworkPolicyPeerArgs(
                                    ip_block=k8s.networking.v1.IPBlockArgs(
                                        cidr="0.0.0.0/0", except_=list(PRIVATE_RANGES)
                                    )
                                )
                            ],
                            ports=tcp(FIREWALL_HTTPS_PORT.value),
                        )
                    ],
                ),
            ),
        ]
        self.register_outputs({"names": self.names})
