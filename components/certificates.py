"""TLS certificates on GKE: cert-manager and Let's Encrypt (checklist §5 SSL Certificate Setup).

cert-manager is installed by its Helm chart from charts.jetstack.io at a pinned release, CRDs
included (``crds.enabled``, kept on uninstall so certificates survive a chart removal), in its own
namespace with Pod Security Admission ``restricted`` (the chart's pods run non-root, without
privilege escalation, all capabilities dropped). The checklist installs an older release with
``kubectl apply``, past its end of life, so a maintained one is pinned instead (recorded in
``agencyos_checklist.deviations``).

Two ACME ClusterIssuers, as the checklist's: ``letsencrypt-prod`` on Let's Encrypt's production
endpoint (the one Ingresses name) and ``letsencrypt-staging`` on its staging endpoint (untrusted
certificates, generous rate limits: for trying a new host without burning production's limits). Both
answer HTTP-01 challenges through the nginx ingress class, or, as an option, DNS-01 through Cloudflare
with an API token kept in a Kubernetes Secret this component creates from a secret config value
(stacks/ reads it; components never read config). The issuers wait for the Helm release, whose
CRDs and webhook must exist first.

Every object goes to the Kubernetes provider given in ``opts.providers`` (``Cluster.provider``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from agencyos_checklist.numbers import (
    ACME_HTTP01_INGRESS_CLASS,
    ACME_PRODUCTION_SERVER,
    CERT_MANAGER_VERSION,
    CLUSTER_ISSUER,
)
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from components.labels import Labels
from components.patterns import DNS_LABEL, EMAIL

TYPE = "agencyos:tls:Certificates"
CHART = "cert-manager"
CHART_REPOSITORY = "https://charts.jetstack.io"
# A maintained release (cert-manager supports each minor release for a few months); upgrade it on purpose,
# reading the release notes, never by floating to latest. Chart versions carry the leading "v".
CHART_VERSION = "v1.19.4"
RELEASE_NAME = "cert-manager"
CERT_MANAGER_API = "cert-manager.io/v1"
CLUSTER_ISSUER_KIND = "ClusterIssuer"
STAGING_ISSUER = "letsencrypt-staging"
# Let's Encrypt's staging environment: same API, untrusted roots, far higher rate limits.
LETSENCRYPT_STAGING_SERVER = "https://acme-staging-v02.api.letsencrypt.org/directory"
ISSUER_ANNOTATION = "cert-manager.io/cluster-issuer"
CLOUDFLARE_TOKEN_SECRET = "cloudflare-api-token"
CLOUDFLARE_TOKEN_KEY = "api-token"
PSA_LEVEL = "restricted"
_DNS_NAME = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
# Exact chart versions only: a range, a wildcard or latest would float to whatever is newest.
_EXACT_VERSION = r"^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$"


class Solver(StrEnum):
    """How the issuers prove control of a name to Let's Encrypt."""

    HTTP01 = "http01"
    """A token served through the ingress controller (the checklist's solver)."""
    DNS01_CLOUDFLARE = "dns01-cloudflare"
    """A TXT record written in Cloudflare: works before DNS points at the cluster, and for wildcards."""


class CertificatesSpec(BaseModel):
    """cert-manager and the Let's Encrypt issuers. Stack config object ``agencyos-infra:certificates``."""

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)

    namespace: str = Field("cert-manager", pattern=DNS_LABEL, description="Namespace cert-manager runs in.")
    chart_version: str = Field(
        CHART_VERSION,
        pattern=_EXACT_VERSION,
        description=f"cert-manager Helm chart version, exact (no range, no latest); the checklist's "
        f"{CERT_MANAGER_VERSION.value} is past its end of life (checklist {CERT_MANAGER_VERSION.item}, a recorded "
        "deviation).",
    )
    acme_email: str | None = Field(
        None,
        pattern=EMAIL,
        description="Contact address of the Let's Encrypt account (checklist 5.let-s-encrypt-free-option.2); unset: "
        "an account without contact.",
    )
    cluster_issuer: str = Field(
        CLUSTER_ISSUER.value,
        pattern=DNS_LABEL,
        description=f"Name of the production ClusterIssuer the Ingresses name (checklist {CLUSTER_ISSUER.item}).",
    )
    staging_issuer: str = Field(
        STAGING_ISSUER, pattern=DNS_LABEL, description="Name of the Let's Encrypt staging ClusterIssuer."
    )
    ingress_class: str = Field(
        ACME_HTTP01_INGRESS_CLASS.value,
        pattern=DNS_LABEL,
        description=f"Ingress class that answers HTTP-01 challenges (checklist {ACME_HTTP01_INGRESS_CLASS.item}).",
    )
    solver: Solver = Field(
        Solver.HTTP01,
        description="http01 (through the ingress class) or dns01-cloudflare (needs the secret config key "
        "agencyos-infra:cloudflareApiToken).",
    )
    dns_zones: tuple[str, ...] = Field(
        (),
        description="With dns01-cloudflare: the DNS zones it answers for (e.g. agencyos.example); empty: every name.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> CertificatesSpec:
        if self.cluster_issuer == self.staging_issuer:
            raise ValueError("clusterIssuer and stagingIssuer must differ")
        for zone in self.dns_zones:
            if not re.match(_DNS_NAME, zone, re.ASCII):
                raise ValueError("each of dnsZones must be a DNS name like agencyos.example")
        if self.dns_zones and self.solver is not Solver.DNS01_CLOUDFLARE:
            raise ValueError("dnsZones is only used with solver dns01-cloudflare")
        return self


@dataclass(frozen=True, kw_only=True)
class CertificatesArgs:
    """Settings and the Cloudflare token; the Kubernetes provider comes in ``opts.providers``."""

    labels: Labels
    """Shared labels, on every Kubernetes object and the chart's."""
    spec: CertificatesSpec = field(default_factory=lambda: CertificatesSpec.model_validate({}))
    """Chart, issuers and solver; defaults are the checklist's."""
    cloudflare_api_token: pulumi.Input[str] | None = None
    """Cloudflare API token (Zone:DNS:Edit) for the DNS-01 solver; required with it, refused without it."""

    def __post_init__(self) -> None:
        dns01 = self.spec.solver is Solver.DNS01_CLOUDFLARE
        if dns01 and self.cloudflare_api_token is None:
            raise ValueError("cloudflare_api_token is required with the dns01-cloudflare solver")
        if not dns01 and self.cloudflare_api_token is not None:
            raise ValueError("cloudflare_api_token is only used with the dns01-cloudflare solver")


class Certificates(pulumi.ComponentResource):
    """cert-manager by Helm in its namespace, and the Let's Encrypt production and staging ClusterIssuers."""

    cluster_issuer: str
    """Name of the production ClusterIssuer: Ingresses annotate ``cert-manager.io/cluster-issuer`` with it."""
    staging_issuer: str
    """Name of the staging ClusterIssuer (untrusted certificates, for trials)."""
    ready: pulumi.Resource
    """The production ClusterIssuer: Ingresses that name it depend on it."""
    namespace: pulumi.Output[str]
    """cert-manager's namespace."""
    release: k8s.helm.v3.Release
    """The cert-manager Helm release."""

    def __init__(self, name: str, args: CertificatesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        spec = args.spec
        # depends_on is not inherited from the parent: every child gets the component's.
        child = pulumi.ResourceOptions(parent=self, depends_on=opts.depends_on if opts else None)
        common = {**args.labels, "app.kubernetes.io/part-of": "agencyos", "app.kubernetes.io/managed-by": "pulumi"}

        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=spec.namespace,
                labels={
                    **common,
                    # The chart's pods meet the restricted profile; anything else is refused.
                    "pod-security.kubernetes.io/enforce": PSA_LEVEL,
                    "pod-security.kubernetes.io/audit": PSA_LEVEL,
                    "pod-security.kubernetes.io/warn": PSA_LEVEL,
                },
            ),
            opts=child,
        )
        self.namespace = namespace.metadata.name
        self.release = k8s.helm.v3.Release(
            f"{name}-cert-manager",
            name=RELEASE_NAME,
            chart=CHART,
            version=spec.chart_version,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=CHART_REPOSITORY),
            namespace=self.namespace,
            values=chart_values(common),
            # Roll back a failed upgrade instead of leaving a half-applied release.
            atomic=True,
            cleanup_on_fail=True,
            opts=child,
        )
        after_release: list[pulumi.Resource] = [self.release]
        solver = self._solver(name, args, child)
        if isinstance(solver, tuple):
            solver, secret = solver
            after_release.append(secret)

        issuers = {
            spec.cluster_issuer: ACME_PRODUCTION_SERVER.value,
            spec.staging_issuer: LETSENCRYPT_STAGING_SERVER,
        }
        created = {
            issuer: k8s.apiextensions.CustomResource(
                f"{name}-{issuer}",
                api_version=CERT_MANAGER_API,
                kind=CLUSTER_ISSUER_KIND,
                metadata=k8s.meta.v1.ObjectMetaArgs(name=issuer, labels=common),
                spec={"acme": acme(server, spec.acme_email, issuer, solver)},
                # The ClusterIssuer CRD and cert-manager's webhook come with the release.
                opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=after_release)),
            )
            for issuer, server in issuers.items()
        }
        self.cluster_issuer = spec.cluster_issuer
        self.staging_issuer = spec.staging_issuer
        self.ready = created[spec.cluster_issuer]
        self.register_outputs(
            {
                "namespace": self.namespace,
                "cluster_issuer": self.cluster_issuer,
                "staging_issuer": self.staging_issuer,
            }
        )

    def _solver(
        self, name: str, args: CertificatesArgs, child: pulumi.ResourceOptions
    ) -> dict[str, Any] | tuple[dict[str, Any], k8s.core.v1.Secret]:
        spec = args.spec
        if spec.solver is Solver.HTTP01:
            return {"http01": {"ingress": {"ingressClassName": spec.ingress_class}}}
        assert args.cloudflare_api_token is not None, "checked by the args"
        # ClusterIssuers read their secrets from cert-manager's own namespace (its cluster resource namespace).
        secret = k8s.core.v1.Secret(
            f"{name}-cloudflare-token",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=CLOUDFLARE_TOKEN_SECRET, namespace=self.namespace, labels=dict(args.labels)
            ),
            type="Opaque",
            string_data={CLOUDFLARE_TOKEN_KEY: pulumi.Output.secret(args.cloudflare_api_token)},
            opts=pulumi.ResourceOptions.merge(
                child, pulumi.ResourceOptions(additional_secret_outputs=["data", "stringData"])
            ),
        )
        dns01: dict[str, Any] = {
            "dns01": {
                "cloudflare": {"apiTokenSecretRef": {"name": CLOUDFLARE_TOKEN_SECRET, "key": CLOUDFLARE_TOKEN_KEY}}
            }
        }
        if spec.dns_zones:
            dns01["selector"] = {"dnsZones": list(spec.dns_zones)}
        return dns01, secret


def chart_values(labels: Labels) -> dict[str, Any]:
    """The chart's values: CRDs installed with the release and kept on uninstall; the shared labels."""
    return {"crds": {"enabled": True, "keep": True}, "global": {"commonLabels": dict(labels)}}


def acme(server: str, email: str | None, issuer: str, solver: dict[str, Any]) -> dict[str, Any]:
    """An ACME issuer's spec: server, contact, the account key's Secret (named after the issuer), one solver."""
    spec: dict[str, Any] = {
        "server": server,
        "privateKeySecretRef": {"name": issuer},
        "solvers": [solver],
    }
    if email:
        spec["email"] = email
    return spec
