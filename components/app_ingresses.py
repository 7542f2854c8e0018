"""The application's Ingresses: checklist §8 Application Security (rate limits) and §5 (TLS by cert-manager).

Three Ingresses of the ``nginx`` class, each with TLS for every one of its hosts from the cert-manager
ClusterIssuer (annotation ``cert-manager.io/cluster-issuer``), each in its own Secret (cert-manager makes one
Certificate per Ingress and TLS secret; two Ingresses sharing one would fight over it):

- ``frontend``: the web hosts, ``/`` to the frontend Service;
- ``api``: the API hosts, ``/`` to the backend Service;
- ``api-auth``: the auth paths on the API hosts to the backend Service; nginx serves the longest matching
  prefix, so these paths take this Ingress' stricter limit.

Each carries the per-client-IP limit (``limit-rpm``) with a burst multiplier of 1, so no client gets more
than the limit in a minute from one controller pod. No snippet annotation anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.ingress import INGRESS_CLASS, IngressSpec
from components.labels import Labels
from components.workloads import SERVICE_PORT

TYPE = "agencyos:ingress:AppIngresses"
NGINX = "nginx.ingress.kubernetes.io"
CLUSTER_ISSUER_ANNOTATION = "cert-manager.io/cluster-issuer"
DEFAULT_CLUSTER_ISSUER = "letsencrypt-prod"


@dataclass(frozen=True, kw_only=True)
class AppIngressesArgs:
    """What to route where; the Kubernetes provider and the controller dependency come in ``opts``."""

    namespace: pulumi.Input[str]
    """The application's namespace (``Workloads.namespace``)."""
    service_names: Mapping[str, pulumi.Input[str]]
    """Workload (backend, frontend) -> ClusterIP Service name (``Workloads.service_names``)."""
    labels: Labels
    """Shared labels, on every Ingress."""
    spec: IngressSpec
    """Hosts, auth paths and limits (``agencyos-infra:ingress``)."""
    cluster_issuer: str = DEFAULT_CLUSTER_ISSUER
    """The cert-manager ClusterIssuer that signs each Ingress' certificate (``Certificates.cluster_issuer``)."""
    ingress_class: str = INGRESS_CLASS
    """The controller's IngressClass (``IngressController.ingress_class``)."""

    def __post_init__(self) -> None:
        missing = {"backend", "frontend"} - set(self.service_names)
        if missing:
            raise ValueError(f"service_names needs {', '.join(sorted(missing))}")
        if not self.cluster_issuer:
            raise ValueError("cluster_issuer must name a ClusterIssuer")


def rate_limit(requests_per_minute: int) -> dict[str, str]:
    """ingress-nginx annotations for a per-client-IP limit of ``requests_per_minute``, no burst beyond it."""
    return {f"{NGINX}/limit-rpm": str(requests_per_minute), f"{NGINX}/limit-burst-multiplier": "1"}


class AppIngresses(pulumi.ComponentResource):
    """The frontend, API and API-auth Ingresses: TLS by cert-manager, per-IP rate limits."""

    names: dict[str, pulumi.Output[str]]
    """Role (frontend, api, api-auth) -> Ingress name."""

    def __init__(self, name: str, args: AppIngressesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        spec = args.spec
        self._args = args
        self._child = pulumi.ResourceOptions(parent=self, depends_on=opts.depends_on if opts else None)
        self._common = {
            **args.labels,
            "app.kubernetes.io/part-of": "agencyos",
            "app.kubernetes.io/managed-by": "pulumi",
        }
        self.names = {
            "frontend": self._ingress(name, "frontend", spec.frontend_hosts, ("/",), "frontend", spec.rate_limit_rpm),
            "api": self._ingress(name, "api", spec.api_hosts, ("/",), "backend", spec.rate_limit_rpm),
            "api-auth": self._ingress(
                name, "api-auth", spec.api_hosts, spec.auth_paths, "backend", spec.auth_rate_limit_rpm
            ),
        }
        self.register_outputs({"names": self.names})

    def _ingress(
        self, name: str, role: str, hosts: Sequence[str], paths: Sequence[str], workload: str, rpm: int
    ) -> pulumi.Output[str]:
        args = self._args
        backend = k8s.networking.v1.IngressBackendArgs(
            service=k8s.networking.v1.IngressServiceBackendArgs(
                name=args.service_names[workload], port=k8s.networking.v1.ServiceBackendPortArgs(number=SERVICE_PORT)
            )
        )
        ingress = k8s.networking.v1.Ingress(
            f"{name}-{role}",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=role,
                namespace=args.namespace,
                labels={**self._common, "app.kubernetes.io/name": role},
                annotations={CLUSTER_ISSUER_ANNOTATION: args.cluster_issuer, **rate_limit(rpm)},
            ),
            spec=k8s.networking.v1.IngressSpecArgs(
                ingress_class_name=args.ingress_class,
                tls=[k8s.networking.v1.IngressTLSArgs(hosts=list(hosts), secret_name=f"{role}-tls")],
                rules=[
                    k8s.networking.v1.IngressRuleArgs(
                        host=host,
                        http=k8s.networking.v1.HTTPIngressRuleValueArgs(
                            paths=[
                                k8s.networking.v1.HTTPIngressPathArgs(path=path, path_type="Prefix", backend=backend)
                                for path in paths
                            ]
                        ),
                    )
                    for host in hosts
                ],
            ),
            opts=self._child,
        )
        return ingress.metadata.name
