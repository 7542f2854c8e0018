"""TLS cases: an Ingress covered by TLS (resource), and whole small stacks for the issuer rule (stack)."""

from __future__ import annotations

import copy
from typing import Any

from agencyos_checklist.numbers import ACME_PRODUCTION_SERVER
from agencyos_policy.kubernetes.tls import CONFIG_GROUP, INGRESS

from agencyos_infra.wire import UNKNOWN
from tests.policy.cases import DELETE, Case, mutate
from tests.policy.stack_cases import STACK, stack

TLS = "kubernetes-networking-ingress-tls"
ISSUER = "kubernetes-networking-ingress-letsencrypt-issuer"
CLUSTER_ISSUER_TYPE = "kubernetes:cert-manager.io/v1:ClusterIssuer"
ISSUER_TYPE = "kubernetes:cert-manager.io/v1:Issuer"
MANAGED_TYPE = "kubernetes:networking.gke.io/v1:ManagedCertificate"
STAGING_SERVER = "https://acme-staging-v02.api.letsencrypt.org/directory"


def _rule(host: Any) -> dict[str, Any]:
    backend = {"service": {"name": "web", "port": {"number": 80}}}
    return {"host": host, "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]}}


INGRESS_PROPS: dict[str, Any] = {
    "metadata": {
        "name": "web",
        "namespace": "app",
        "annotations": {"cert-manager.io/cluster-issuer": "letsencrypt-prod"},
    },
    "spec": {
        "ingressClassName": "nginx",
        "tls": [{"hosts": ["app.example.com", "api.example.com"], "secretName": "web-tls"}],
        "rules": [_rule("app.example.com"), _rule("api.example.com")],
    },
}


def _issuer(name: str, server: Any, kind: str = "ClusterIssuer") -> dict[str, Any]:
    return {
        "apiVersion": "cert-manager.io/v1",
        "kind": kind,
        "metadata": {"name": name},
        "spec": {"acme": {"server": server, "privateKeySecretRef": {"name": name}, "solvers": [{"http01": {}}]}},
    }


PROD = (CLUSTER_ISSUER_TYPE, _issuer("letsencrypt-prod", ACME_PRODUCTION_SERVER.value))
STAGING = (CLUSTER_ISSUER_TYPE, _issuer("letsencrypt-staging", STAGING_SERVER))
WEB = (INGRESS, INGRESS_PROPS)


def _ingress(**changes: Any) -> tuple[str, dict[str, Any]]:
    return INGRESS, mutate(INGRESS_PROPS, changes)


def _annotated(annotations: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    props = copy.deepcopy(INGRESS_PROPS)
    props["metadata"]["annotations"] = annotations
    return INGRESS, props


NAMESPACED_ISSUER = (ISSUER_TYPE, {**_issuer("le", ACME_PRODUCTION_SERVER.value, "Issuer")})
NAMESPACED_ISSUER[1]["metadata"]["namespace"] = "app"
MANAGED = (
    MANAGED_TYPE,
    {"metadata": {"name": "web-cert", "namespace": "app"}, "spec": {"domains": ["app.example.com", "api.example.com"]}},
)
GKE_MANAGED = _annotated({"networking.gke.io/managed-certificates": "web-cert"})
GROUPED = (CONFIG_GROUP, {"objs": [_issuer("letsencrypt-prod", ACME_PRODUCTION_SERVER.value)]})

FAILING = [
    Case(TLS, INGRESS, mutate(INGRESS_PROPS, {"spec.tls": DELETE}), note="no TLS"),
    Case(TLS, INGRESS, mutate(INGRESS_PROPS, {"spec.tls": []}), note="empty TLS"),
    Case(
        TLS,
        INGRESS,
        mutate(INGRESS_PROPS, {"spec.tls": [{"hosts": ["app.example.com"], "secretName": "web-tls"}]}),
        note="a host not covered",
    ),
    Case(
        TLS,
        INGRESS,
        mutate(
            INGRESS_PROPS,
            {
                "spec.tls": [{"hosts": ["*.example.com"], "secretName": "web-tls"}],
                "spec.rules": [_rule("a.b.example.com")],
            },
        ),
        note="a wildcard covers one label only",
    ),
    Case(
        TLS,
        INGRESS,
        mutate(INGRESS_PROPS, {"spec.tls": [{"hosts": ["app.example.com", "api.example.com"]}]}),
        note="no secretName",
    ),
    Case(TLS, INGRESS, mutate(INGRESS_PROPS, {"spec.rules": [_rule(None)]}), note="a rule for any host"),
    Case(TLS, INGRESS, mutate(INGRESS_PROPS, {"spec.tls": UNKNOWN}), note="TLS unknown at preview"),
    Case(TLS, INGRESS, mutate(INGRESS_PROPS, {"spec.rules": [_rule(UNKNOWN)]}), note="host unknown at preview"),
    Case(ISSUER, STACK, stack(PROD, _annotated({})), note="no issuer annotation"),
    Case(ISSUER, STACK, stack(_ingress()), note="the issuer is not in the stack"),
    Case(
        ISSUER,
        STACK,
        stack(PROD, STAGING, _annotated({"cert-manager.io/cluster-issuer": "letsencrypt-staging"})),
        note="names the staging issuer",
    ),
    Case(
        ISSUER,
        STACK,
        stack((CLUSTER_ISSUER_TYPE, _issuer("letsencrypt-prod", "https://acme.zerossl.com/v2/DV90")), WEB),
        note="another ACME server under the production name",
    ),
    Case(
        ISSUER,
        STACK,
        stack((CLUSTER_ISSUER_TYPE, _issuer("letsencrypt-prod", UNKNOWN)), WEB),
        note="server unknown at preview",
    ),
    Case(ISSUER, STACK, stack(PROD, _annotated({"cert-manager.io/cluster-issuer": UNKNOWN})), note="unknown name"),
    Case(
        ISSUER,
        STACK,
        stack(NAMESPACED_ISSUER, _annotated({"cert-manager.io/issuer": "le"}), _ingress(**{"metadata.namespace": "x"})),
        note="an Issuer of another namespace",
    ),
    Case(
        ISSUER,
        STACK,
        stack(
            (
                MANAGED_TYPE,
                {"metadata": {"name": "web-cert", "namespace": "app"}, "spec": {"domains": ["app.example.com"]}},
            ),
            GKE_MANAGED,
        ),
        note="managed certificate missing a host",
    ),
    Case(ISSUER, STACK, stack(GKE_MANAGED), note="managed certificate not in the stack"),
]
PASSING = [
    Case(TLS, INGRESS, INGRESS_PROPS, note="every host covered"),
    Case(
        TLS,
        INGRESS,
        mutate(
            INGRESS_PROPS,
            {
                "spec.tls": [
                    {"hosts": ["app.example.com"], "secretName": "app-tls"},
                    {"hosts": ["*.example.com"], "secretName": "wildcard-tls"},
                ]
            },
        ),
        note="several entries and a wildcard",
    ),
    Case(TLS, INGRESS, GKE_MANAGED[1], note="Google-managed certificates instead (5.alternative-managed-ssl.2)"),
    Case(TLS, "kubernetes:core/v1:Service", {"metadata": {"name": "web"}}, note="other types ignored"),
    Case(ISSUER, STACK, stack(PROD, STAGING, WEB), note="the production issuer of the stack"),
    Case(ISSUER, STACK, stack(GROUPED, WEB), note="the issuer inside a ConfigGroup"),
    Case(ISSUER, STACK, stack(NAMESPACED_ISSUER, _annotated({"cert-manager.io/issuer": "le"})), note="an Issuer"),
    Case(ISSUER, STACK, stack(MANAGED, GKE_MANAGED), note="Google-managed certificates cover every host"),
    Case(ISSUER, STACK, stack(PROD, STAGING), note="no Ingress: not judged"),
    Case(ISSUER, STACK, stack(), note="empty stack"),
]
