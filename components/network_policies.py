"""Network policies of the application namespace (checklist §8 Infrastructure Security, inside the cluster).

Everything is denied both ways by default; then, explicitly: the ingress controller's namespace to
the workloads' HTTP ports and to cert-manager's HTTP-01 solver pods (Let's Encrypt challenges for the
app's Ingresses are answered in this namespace); the metrics stack's namespace, when there is one, to
the workloads' ports (Prometheus scrapes ``/metrics``); DNS to kube-dns; the data tier on the
PostgreSQL and Redis ports; the GKE metadata server (Workload Identity tokens); HTTPS to addresses
outside the private ranges: Google APIs (Secret Manager, Cloud Storage, Logging) and the payment and AI
providers the backend calls; and, when the stack sets a mail relay, its submission port there too.
Enforced by GKE Dataplane V2.

The data tier is addressed by the private services access range it is allocated from, not by the
primary's address: Cloud SQL read replicas (and a Memorystore read endpoint) get addresses of their
own in that range, failover must not need a policy change, and the range is known before anything
exists, so the policies are complete (and checkable) at preview. Only the database and Redis ports
are open to it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.labels import Labels
from components.provider_facts import (
    ACME_HTTP01_SOLVER_LABEL,
    ACME_HTTP01_SOLVER_PORT,
    DNS_PORT,
    GCE_METADATA_SERVER,
    GKE_METADATA_SERVER,
    HTTPS_PORT,
    POSTGRES_PORT,
    REDIS_PORTS,
)

TYPE = "agencyos:workloads:NetworkPolicies"
METADATA_SERVER = (GKE_METADATA_SERVER, GCE_METADATA_SERVER)
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
    data_tier_cidr: str
    """Private services access range Cloud SQL and Memorystore take their addresses from
    (``agencyos-infra:network.privateServicesCidr``)."""
    metrics_namespace: str | None = None
    """Namespace of the Prometheus that scrapes the workloads (``Monitoring``), if the stack has one."""
    smtp_port: int | None = None
    """Port of the mail relay the backend sends through (``WorkloadsSpec.smtp``), if the stack sets one."""

    def __post_init__(self) -> None:
        if not self.ingress_namespace:
            raise ValueError("ingress_namespace is required")
        if not self.ports:
            raise ValueError("ports needs at least one workload")
        try:
            data_tier = ipaddress.ip_network(self.data_tier_cidr)
        except ValueError:
            raise ValueError("data_tier_cidr must be a CIDR such as 10.30.0.0/16") from None
        if not data_tier.is_private:
            raise ValueError("data_tier_cidr must be a private range (private services access)")


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

        def from_namespace(namespace: str) -> k8s.networking.v1.NetworkPolicyPeerArgs:
            return k8s.networking.v1.NetworkPolicyPeerArgs(
                namespace_selector=k8s.meta.v1.LabelSelectorArgs(match_labels={NAMESPACE_NAME_LABEL: namespace})
            )

        workload_ports = tcp(*sorted(set(args.ports.values())))
        # Addresses outside the private ranges: Google APIs and the third parties the app calls.
        public = k8s.networking.v1.NetworkPolicyPeerArgs(
            ip_block=k8s.networking.v1.IPBlockArgs(cidr="0.0.0.0/0", except_=list(PRIVATE_RANGES))
        )
        data_tier = k8s.networking.v1.NetworkPolicyPeerArgs(
            ip_block=k8s.networking.v1.IPBlockArgs(cidr=args.data_tier_cidr)
        )

        def allow_in(
            role: str, namespace: str, ports: list[k8s.networking.v1.NetworkPolicyPortArgs], pods: Any = everyone
        ) -> pulumi.Output[str]:
            rule = k8s.networking.v1.NetworkPolicyIngressRuleArgs(from_=[from_namespace(namespace)], ports=ports)
            return policy(
                role,
                k8s.networking.v1.NetworkPolicySpecArgs(pod_selector=pods, policy_types=["Ingress"], ingress=[rule]),
            )

        def allow_out(role: str, *rules: k8s.networking.v1.NetworkPolicyEgressRuleArgs) -> pulumi.Output[str]:
            return policy(
                role,
                k8s.networking.v1.NetworkPolicySpecArgs(
                    pod_selector=everyone, policy_types=["Egress"], egress=list(rules)
                ),
            )

        kube_dns = k8s.networking.v1.NetworkPolicyPeerArgs(
            namespace_selector=k8s.meta.v1.LabelSelectorArgs(match_labels={NAMESPACE_NAME_LABEL: "kube-system"}),
            pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels={"k8s-app": "kube-dns"}),
        )
        solver_pods = k8s.meta.v1.LabelSelectorArgs(match_labels=dict([ACME_HTTP01_SOLVER_LABEL]))
        self.names = [
            policy(
                "default-deny-all",
                k8s.networking.v1.NetworkPolicySpecArgs(pod_selector=everyone, policy_types=["Ingress", "Egress"]),
            ),
            allow_in("allow-ingress-controller", args.ingress_namespace, workload_ports),
            allow_in("allow-acme-http01-solver", args.ingress_namespace, tcp(ACME_HTTP01_SOLVER_PORT), solver_pods),
            *(
                [allow_in("allow-metrics-scrape", args.metrics_namespace, workload_ports)]
                if args.metrics_namespace
                else []
            ),
            allow_out(
                "allow-dns",
                k8s.networking.v1.NetworkPolicyEgressRuleArgs(
                    to=[kube_dns],
                    ports=[
                        k8s.networking.v1.NetworkPolicyPortArgs(protocol=protocol, port=DNS_PORT)
                        for protocol in ("UDP", "TCP")
                    ],
                ),
            ),
            allow_out(
                "allow-data-tier",
                k8s.networking.v1.NetworkPolicyEgressRuleArgs(to=[data_tier], ports=tcp(POSTGRES_PORT)),
                k8s.networking.v1.NetworkPolicyEgressRuleArgs(to=[data_tier], ports=tcp(*REDIS_PORTS)),
            ),
            allow_out(
                "allow-metadata-server",
                *(
                    k8s.networking.v1.NetworkPolicyEgressRuleArgs(
                        to=[k8s.networking.v1.NetworkPolicyPeerArgs(ip_block=k8s.networking.v1.IPBlockArgs(cidr=cidr))],
                        ports=tcp(port),
                    )
                    for cidr, port in METADATA_SERVER
                ),
            ),
            allow_out(
                "allow-https-egress", k8s.networking.v1.NetworkPolicyEgressRuleArgs(to=[public], ports=tcp(HTTPS_PORT))
            ),
            *(
                [
                    allow_out(
                        "allow-smtp-egress",
                        k8s.networking.v1.NetworkPolicyEgressRuleArgs(to=[public], ports=tcp(args.smtp_port)),
                    )
                ]
                if args.smtp_port is not None
                else []
            ),
        ]
        self.register_outputs({"names": self.names})
