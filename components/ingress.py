"""The edge's ingress controller: checklist §8 Application Security (HTTPS only, HSTS, headers, rate limits).

ingress-nginx, installed by Helm at a pinned chart version in its own namespace (Pod Security
``restricted``), behind one Service of type LoadBalancer on a reserved regional static IP (``address``,
which DNS points at). Its controller configuration makes every host HTTPS only: HTTP is redirected to
HTTPS (``ssl-redirect``, and ``force-ssl-redirect`` for hosts whose TLS ends before the controller), HSTS
for one year with subdomains, and the checklist's security headers added to every response from a
ConfigMap (``add-headers``), never from snippet annotations, which stay refused
(``allow-snippet-annotations: "false"``): snippets let any Ingress author rewrite the controller's nginx
configuration, a known CVE class (CVE-2021-25742, CVE-2023-5044, CVE-2025-1974).

Rate limits are not a controller-wide setting in ingress-nginx: its ConfigMap has no default request rate
(only a ``http-snippet``, a snippet). The per-IP limits are therefore annotations on every Ingress
(components/app_ingresses.py). They count per controller replica, and they see the client's address only
because the Service keeps it (``externalTrafficPolicy: Local``) or, behind a proxy such as Cloudflare,
because the controller trusts that proxy's header from its ranges only (``trustedProxyCidrs``).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Annotated

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s
from agencyos_checklist.numbers import (
    AUTH_RATE_LIMIT_RPM,
    GLOBAL_RATE_LIMIT_RPM,
    HSTS_MAX_AGE_SECONDS,
    SECURITY_HEADERS,
)
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from components.labels import Labels
from components.naming import check_name_prefix
from components.patterns import DNS_LABEL, HOSTNAME
from components.provider_facts import TOO_MANY_REQUESTS

TYPE = "agencyos:ingress:IngressController"
CHART = "ingress-nginx"
CHART_REPOSITORY = "https://kubernetes.github.io/ingress-nginx"
# Chart 4.14.1 ships controller v1.14.1 (kubernetes/ingress-nginx releases); bump deliberately, with its notes.
CHART_VERSION = "4.14.1"
# The Helm release name: the chart names its objects after it (Service ingress-nginx-controller).
RELEASE_NAME = "ingress-nginx"
INGRESS_CLASS = "nginx"
HEADERS_CONFIG_MAP = "security-headers"
PSA_LEVEL = "restricted"
# Two controller pods, so a node drain or a rollout never leaves the edge without one.
CONTROLLER_REPLICAS = 2
_HOST = re.compile(HOSTNAME, re.ASCII)
_PATH = re.compile(r"^/[A-Za-z0-9._~/-]*$", re.ASCII)


def _host(value: str) -> str:
    if not _HOST.match(value):
        raise ValueError("must be a lowercase DNS name such as app.agencyos.example (no scheme, port or wildcard)")
    return value


def _path(value: str) -> str:
    if not _PATH.match(value) or "//" in value:
        raise ValueError("must be an absolute URL path such as /api/auth/login")
    return value


def _cidr(value: str) -> str:
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise ValueError("must be an IP network in CIDR form with host bits clear, e.g. 173.245.48.0/20") from None
    if value.endswith("/0"):
        raise ValueError("must not be the whole internet: trust only the proxy's ranges")
    return value


Host = Annotated[str, AfterValidator(_host)]
UrlPath = Annotated[str, AfterValidator(_path)]
Cidr = Annotated[str, AfterValidator(_cidr)]


class IngressSpec(BaseModel):
    """The edge's hosts, auth paths and limits. Stack config object ``agencyos-infra:ingress``."""

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)

    chart_version: str = Field(
        CHART_VERSION,
        pattern=r"^[0-9]+\.[0-9]+\.[0-9]+$",
        description="ingress-nginx Helm chart version, pinned (exact semver, no range).",
    )
    frontend_hosts: tuple[Host, ...] = Field(
        ("app.agencyos.example",), min_length=1, description="Hosts the web app answers on (FRONTEND_URL's host)."
    )
    api_hosts: tuple[Host, ...] = Field(
        ("api.agencyos.example",), min_length=1, description="Hosts the API answers on (BACKEND_URL's host)."
    )
    auth_paths: tuple[UrlPath, ...] = Field(
        ("/api/auth/login", "/api/auth/register", "/api/auth/reset"),
        min_length=1,
        description="API path prefixes of the auth endpoints, held to the auth rate limit.",
    )
    rate_limit_rpm: int = Field(
        GLOBAL_RATE_LIMIT_RPM.value,
        ge=1,
        le=GLOBAL_RATE_LIMIT_RPM.value,
        description=f"Requests a minute per client IP on every Ingress (checklist {GLOBAL_RATE_LIMIT_RPM.item}).",
    )
    auth_rate_limit_rpm: int = Field(
        AUTH_RATE_LIMIT_RPM.value,
        ge=1,
        le=AUTH_RATE_LIMIT_RPM.value,
        description=f"Requests a minute per client IP on the auth paths (checklist {AUTH_RATE_LIMIT_RPM.item}).",
    )
    trusted_proxy_cidrs: tuple[Cidr, ...] = Field(
        (),
        description="Ranges of a proxy in front of the load balancer (e.g. Cloudflare's, when DNS proxies): only "
        "they may reach it, and the client IP is read from clientIpHeader. Empty: clients connect directly.",
    )
    client_ip_header: str = Field(
        "CF-Connecting-IP",
        pattern=r"^[A-Za-z0-9-]+$",
        description="Header carrying the client IP when trustedProxyCidrs is set.",
    )

    @field_validator("frontend_hosts", "api_hosts", "auth_paths")
    @classmethod
    def _unique(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(values)) != len(values):
            raise ValueError("must not repeat an entry")
        return values


@dataclass(frozen=True, kw_only=True)
class IngressControllerArgs:
    """Settings and placement; the Kubernetes provider comes in ``opts.providers``."""

    name_prefix: str
    """Physical Google names (the static address) start with this."""
    region: str
    """Region of the static address (the cluster's region: a regional passthrough load balancer)."""
    labels: Labels
    """Shared labels, on the address and every Kubernetes object."""
    namespace: str = "ingress-nginx"
    """The controller's namespace (the app's NetworkPolicies admit it: ``workloads.ingressNamespace``)."""
    spec: IngressSpec = field(default_factory=lambda: IngressSpec.model_validate({}))
    """Chart version and the client-IP trust; defaults meet the checklist."""

    def __post_init__(self) -> None:
        check_name_prefix(self.name_prefix)
        if not re.fullmatch(DNS_LABEL, self.namespace, re.ASCII):
            raise ValueError("namespace must be a DNS label")


def controller_config(namespace: str, spec: IngressSpec) -> dict[str, str]:
    """The controller's ConfigMap (Helm value ``controller.config``): HTTPS only, HSTS, headers, no snippets."""
    config = {
        "ssl-redirect": "true",
        "force-ssl-redirect": "true",
        "hsts": "true",
        "hsts-max-age": str(HSTS_MAX_AGE_SECONDS),
        "hsts-include-subdomains": "true",
        "allow-snippet-annotations": "false",
        "add-headers": f"{namespace}/{HEADERS_CONFIG_MAP}",
        # Do not announce the nginx version.
        "server-tokens": "false",
        # Past the per-IP limits, 429 (clients back off; 503 would read as an outage and page on-call).
        "limit-req-status-code": str(TOO_MANY_REQUESTS),
        "limit-conn-status-code": str(TOO_MANY_REQUESTS),
    }
    if spec.trusted_proxy_cidrs:
        config |= {
            "use-forwarded-headers": "true",
            "forwarded-for-header": spec.client_ip_header,
            "proxy-real-ip-cidr": ",".join(spec.trusted_proxy_cidrs),
        }
    return config


def security_headers() -> dict[str, str]:
    """The checklist's response headers (8.application-security.2), as the add-headers ConfigMap holds them."""
    return {header: stated.value for header, stated in SECURITY_HEADERS.items()}


class IngressController(pulumi.ComponentResource):
    """ingress-nginx on a static IP: HTTPS only, HSTS, the checklist's headers, snippets refused."""

    address: pulumi.Output[str]
    """The load balancer's static external IP (DNS A records point here)."""
    namespace: pulumi.Output[str]
    """The controller's namespace."""
    ingress_class: str
    """The IngressClass the app's Ingresses name."""
    release: k8s.helm.v3.Release
    """The Helm release: Ingresses wait for it (its admission webhook validates them)."""

    def __init__(self, name: str, args: IngressControllerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        spec = args.spec
        child = pulumi.ResourceOptions(parent=self, depends_on=opts.depends_on if opts else None)
        common = {**args.labels, "app.kubernetes.io/part-of": "agencyos", "app.kubernetes.io/managed-by": "pulumi"}
        self.ingress_class = INGRESS_CLASS

        # A regional address: a Service of type LoadBalancer on GKE is a regional passthrough load balancer.
        address = gcp.compute.Address(
            f"{name}-address",
            name=f"{args.name_prefix}-ingress",
            region=args.region,
            address_type="EXTERNAL",
            network_tier="PREMIUM",
            description="Static IP of the ingress-nginx load balancer (DNS points here).",
            labels=dict(args.labels),
            opts=child,
        )
        self.address = address.address
        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=args.namespace,
                labels={
                    **common,
                    # The chart's controller and admission jobs run non-root, no escalation, all capabilities
                    # dropped but NET_BIND_SERVICE and RuntimeDefault seccomp: the restricted profile.
                    "pod-security.kubernetes.io/enforce": PSA_LEVEL,
                    "pod-security.kubernetes.io/audit": PSA_LEVEL,
                    "pod-security.kubernetes.io/warn": PSA_LEVEL,
                },
            ),
            opts=child,
        )
        self.namespace = namespace.metadata.name
        headers = k8s.core.v1.ConfigMap(
            f"{name}-security-headers",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=HEADERS_CONFIG_MAP, namespace=self.namespace, labels=common),
            data=security_headers(),
            opts=child,
        )
        service: dict[str, object] = {
            "type": "LoadBalancer",
            "loadBalancerIP": self.address,
            # Keep the client's address (no SNAT to a node's): the per-IP limits count clients, not nodes.
            "externalTrafficPolicy": "Local",
        }
        if spec.trusted_proxy_cidrs:
            service["loadBalancerSourceRanges"] = list(spec.trusted_proxy_cidrs)
        self.release = k8s.helm.v3.Release(
            f"{name}-release",
            name=RELEASE_NAME,
            chart=CHART,
            version=spec.chart_version,
            namespace=self.namespace,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=CHART_REPOSITORY),
            # Fail the update (and roll back) unless every object of the chart becomes ready.
            atomic=True,
            values={
                "commonLabels": common,
                "controller": {
                    "replicaCount": CONTROLLER_REPLICAS,
                    "ingressClass": INGRESS_CLASS,
                    "ingressClassResource": {"name": INGRESS_CLASS, "enabled": True, "default": False},
                    "allowSnippetAnnotations": False,
                    "config": controller_config(args.namespace, spec),
                    "service": service,
                },
            },
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[namespace, headers])),
        )
        self.register_outputs(
            {"address": self.address, "namespace": self.namespace, "ingress_class": self.ingress_class}
        )
