"""Ingress and ingress-nginx cases: a compliant Ingress, Service, Helm release (v3 and v4) and controller
ConfigMap, then one change per case; stack cases for the security headers."""

from __future__ import annotations

from typing import Any

from agencyos_policy.kubernetes.ingress import CONFIG_MAP, HELM_CHART, HELM_RELEASE, INGRESS, INGRESS_V1BETA1, SERVICE

from agencyos_infra.wire import UNKNOWN
from tests.policy.cases import DELETE, Case, mutate
from tests.policy.stack_cases import STACK, stack

NO_SNIPPETS = "kubernetes-networking-ingress-no-snippets"
INGRESS_REDIRECT = "kubernetes-networking-ingress-https-redirect"
RATE = "kubernetes-networking-ingress-rate-limit"
AUTH_RATE = "kubernetes-networking-ingress-auth-rate-limit"
SINGLE_LB = "kubernetes-core-service-single-load-balancer"
CONTROLLER_SNIPPETS = "kubernetes-ingressnginx-controller-no-snippet-annotations"
REDIRECT = "kubernetes-ingressnginx-controller-https-redirect"
HSTS = "kubernetes-ingressnginx-controller-hsts"
HEADERS = "kubernetes-ingressnginx-controller-security-headers"
A = "metadata.annotations"
NGINX = "nginx.ingress.kubernetes.io"

INGRESS_PROPS: dict[str, Any] = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "Ingress",
    "metadata": {
        "name": "web",
        "namespace": "app",
        "annotations": {"cert-manager.io/cluster-issuer": "letsencrypt-prod", f"{NGINX}/limit-rpm": "100"},
    },
    "spec": {
        "ingressClassName": "nginx",
        "tls": [{"hosts": ["app.example.com"], "secretName": "web-tls"}],
        "rules": [
            {
                "host": "app.example.com",
                "http": {
                    "paths": [
                        {
                            "path": "/",
                            "pathType": "Prefix",
                            "backend": {"service": {"name": "web", "port": {"number": 80}}},
                        }
                    ]
                },
            }
        ],
    },
}


def annotated(**annotations: Any) -> dict[str, Any]:
    base = dict(INGRESS_PROPS["metadata"]["annotations"])
    for key, value in annotations.items():
        if value is DELETE:
            base.pop(key, None)
        else:
            base[key] = value
    return mutate(INGRESS_PROPS, {A: base})


def auth_ingress(rpm: str | None = "5", path: str = "/api/auth/login") -> dict[str, Any]:
    props = annotated(**{f"{NGINX}/limit-rpm": rpm if rpm is not None else DELETE})
    props["spec"]["rules"][0]["http"]["paths"][0]["path"] = path
    return props


SERVICE_PROPS: dict[str, Any] = {
    "metadata": {"name": "web", "namespace": "app"},
    "spec": {"type": "ClusterIP", "selector": {"app": "web"}, "ports": [{"port": 80}]},
}
CONTROLLER_SERVICE = mutate(
    SERVICE_PROPS,
    {
        "metadata.labels": {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"},
        "spec.type": "LoadBalancer",
    },
)
OFFICE = ["203.0.113.0/24", "2001:db8::/32"]


def restricted(*ranges: Any) -> dict[str, Any]:
    """A LoadBalancer Service admitting only ``ranges``."""
    return mutate(SERVICE_PROPS, {"spec.type": "LoadBalancer", "spec.loadBalancerSourceRanges": list(ranges)})


CONFIG: dict[str, Any] = {
    "ssl-redirect": "true",
    "force-ssl-redirect": "true",
    "hsts": "true",
    "hsts-max-age": "31536000",
    "hsts-include-subdomains": "true",
    "allow-snippet-annotations": "false",
    "add-headers": "ingress-nginx/security-headers",
}
RELEASE_PROPS: dict[str, Any] = {
    "chart": "ingress-nginx",
    "version": "4.14.1",
    "namespace": "ingress-nginx",
    "repositoryOpts": {"repo": "https://kubernetes.github.io/ingress-nginx"},
    "values": {"controller": {"allowSnippetAnnotations": False, "config": CONFIG}},
}
CHART_PROPS: dict[str, Any] = {**RELEASE_PROPS, "chart": "oci://registry.example/charts/ingress-nginx"}
CONTROLLER_CONFIG_MAP: dict[str, Any] = {
    "metadata": {"name": "ingress-nginx-controller", "namespace": "ingress-nginx"},
    "data": CONFIG,
}
CHECKLIST_HEADERS = {
    "Content-Security-Policy": "default-src 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "X-XSS-Protection": "1; mode=block",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
HEADERS_MAP = (
    CONFIG_MAP,
    {"metadata": {"name": "security-headers", "namespace": "ingress-nginx"}, "data": CHECKLIST_HEADERS},
)


def config(**changes: Any) -> dict[str, Any]:
    """The Helm release with controller.config keys changed (DELETE removes one)."""
    return mutate(RELEASE_PROPS, {f"values.controller.config.{k}": v for k, v in changes.items()})


def headers_map(**changes: Any) -> tuple[str, dict[str, Any]]:
    data = {k: v for k, v in {**CHECKLIST_HEADERS, **changes}.items() if v is not DELETE}
    return (CONFIG_MAP, mutate(HEADERS_MAP[1], {"data": data}))


FAILING = [
    Case(NO_SNIPPETS, INGRESS, annotated(**{f"{NGINX}/configuration-snippet": "more_clear_headers X;"}), note="cfg"),
    Case(NO_SNIPPETS, INGRESS, annotated(**{f"{NGINX}/server-snippet": "location /x {}"}), note="server-snippet"),
    Case(NO_SNIPPETS, INGRESS_V1BETA1, annotated(**{f"{NGINX}/auth-snippet": "x"}), note="v1beta1 auth-snippet"),
    Case(NO_SNIPPETS, INGRESS, annotated(**{"nginx.org/location-snippets": "x"}), note="NGINX Inc. snippets"),
    Case(NO_SNIPPETS, INGRESS, annotated(**{f"{NGINX}/stream-snippet": UNKNOWN}), note="unknown snippet value"),
    Case(INGRESS_REDIRECT, INGRESS, annotated(**{f"{NGINX}/ssl-redirect": "false"}), note="redirect off"),
    Case(RATE, INGRESS, annotated(**{f"{NGINX}/limit-rpm": DELETE}), note="no limit"),
    Case(RATE, INGRESS, annotated(**{f"{NGINX}/limit-rpm": "101"}), note="above the limit"),
    Case(RATE, INGRESS, annotated(**{f"{NGINX}/limit-rpm": DELETE, f"{NGINX}/limit-rps": "2"}), note="2 rps=120"),
    Case(RATE, INGRESS, annotated(**{f"{NGINX}/limit-whitelist": "0.0.0.0/0"}), note="everyone allow-listed"),
    Case(
        RATE,
        INGRESS,
        mutate(annotated(**{f"{NGINX}/limit-rpm": DELETE}), {"spec.ingressClassName": DELETE}),
        note="default class, no limit",
    ),
    Case(RATE, INGRESS, annotated(**{f"{NGINX}/limit-rpm": UNKNOWN}), note="unknown limit"),
    Case(AUTH_RATE, INGRESS, auth_ingress("100"), note="auth at the global limit"),
    Case(AUTH_RATE, INGRESS, auth_ingress(None), note="auth without limit"),
    Case(AUTH_RATE, INGRESS, auth_ingress("10", "/v1/users/password/reset"), note="password reset at 10"),
    Case(SINGLE_LB, SERVICE, mutate(SERVICE_PROPS, {"spec.type": "LoadBalancer"}), note="second load balancer"),
    Case(SINGLE_LB, SERVICE, mutate(SERVICE_PROPS, {"spec.type": UNKNOWN}), note="unknown type"),
    Case(SINGLE_LB, SERVICE, restricted("0.0.0.0/0"), note="source ranges admit the whole internet"),
    Case(SINGLE_LB, SERVICE, restricted("203.0.113.0/24", "::/0"), note="an IPv6 /0 beside an office range"),
    Case(SINGLE_LB, SERVICE, restricted("not-a-cidr"), note="not a CIDR"),
    Case(
        SINGLE_LB,
        SERVICE,
        restricted("198.51.100.0/24"),
        config={"allowedSourceRanges": OFFICE},
        note="a range outside the configured office ranges",
    ),
    Case(SINGLE_LB, SERVICE, restricted(UNKNOWN), note="source range unknown at preview"),
    Case(
        SINGLE_LB,
        SERVICE,
        mutate(SERVICE_PROPS, {"spec.type": "LoadBalancer", A: {"networking.gke.io/load-balancer-type": "External"}}),
        note="an external load balancer, named",
    ),
    Case(CONTROLLER_SNIPPETS, HELM_RELEASE, config(**{"allow-snippet-annotations": "true"}), note="allowed"),
    Case(CONTROLLER_SNIPPETS, HELM_RELEASE, config(**{"allow-snippet-annotations": True}), note="YAML boolean"),
    Case(
        CONTROLLER_SNIPPETS,
        HELM_RELEASE,
        mutate(RELEASE_PROPS, {"values.controller.allowSnippetAnnotations": True}),
        note="chart value",
    ),
    Case(
        CONTROLLER_SNIPPETS,
        HELM_RELEASE,
        mutate(config(**{"allow-snippet-annotations": DELETE}), {"version": "4.7.2"}),
        note="old chart, default true",
    ),
    Case(
        CONTROLLER_SNIPPETS,
        HELM_CHART,
        mutate(CHART_PROPS, {"values.controller.config.allow-snippet-annotations": "true"}),
        note="v4 Chart",
    ),
    Case(
        CONTROLLER_SNIPPETS,
        CONFIG_MAP,
        mutate(CONTROLLER_CONFIG_MAP, {"data.allow-snippet-annotations": "true"}),
        note="plain ConfigMap",
    ),
    Case(REDIRECT, HELM_RELEASE, config(**{"ssl-redirect": "false", "force-ssl-redirect": DELETE}), note="off"),
    Case(REDIRECT, CONFIG_MAP, mutate(CONTROLLER_CONFIG_MAP, {"data": {"ssl-redirect": "false"}}), note="plain"),
    Case(REDIRECT, HELM_RELEASE, mutate(RELEASE_PROPS, {"values.controller.config": UNKNOWN}), note="unknown"),
    Case(HSTS, HELM_RELEASE, config(hsts="false"), note="hsts off"),
    Case(HSTS, HELM_RELEASE, config(**{"hsts-max-age": "86400"}), note="a day"),
    Case(
        HSTS, HELM_CHART, mutate(CHART_PROPS, {"values.controller.config.hsts-include-subdomains": "false"}), note="v4"
    ),
    Case(HEADERS, STACK, stack((HELM_RELEASE, RELEASE_PROPS)), note="add-headers ConfigMap not in the stack"),
    Case(
        HEADERS,
        STACK,
        stack((HELM_RELEASE, RELEASE_PROPS), headers_map(**{"X-Frame-Options": DELETE})),
        note="one missing",
    ),
    Case(
        HEADERS,
        STACK,
        stack((HELM_RELEASE, RELEASE_PROPS), headers_map(**{"X-Frame-Options": "SAMEORIGIN"})),
        note="weaker",
    ),
    Case(
        HEADERS,
        STACK,
        stack((HELM_RELEASE, RELEASE_PROPS), headers_map(**{"Content-Security-Policy": "default-src *"})),
        note="CSP default-src *",
    ),
    Case(HEADERS, STACK, stack((HELM_RELEASE, config(**{"add-headers": DELETE}))), note="no add-headers"),
    Case(HEADERS, STACK, stack((CONFIG_MAP, CONTROLLER_CONFIG_MAP)), note="plain controller, no headers map"),
]
PASSING = [
    Case(NO_SNIPPETS, INGRESS, INGRESS_PROPS, note="baseline"),
    Case(NO_SNIPPETS, INGRESS, mutate(INGRESS_PROPS, {A: DELETE}), note="no annotations"),
    Case(INGRESS_REDIRECT, INGRESS, INGRESS_PROPS, note="baseline"),
    Case(
        INGRESS_REDIRECT,
        INGRESS,
        annotated(**{f"{NGINX}/ssl-redirect": "false", f"{NGINX}/force-ssl-redirect": "true"}),
        note="forced",
    ),
    Case(RATE, INGRESS, INGRESS_PROPS, note="at the limit"),
    Case(RATE, INGRESS, annotated(**{f"{NGINX}/limit-rpm": "30"}), note="stricter"),
    Case(RATE, INGRESS, annotated(**{f"{NGINX}/limit-rpm": DELETE, f"{NGINX}/limit-rps": "1"}), note="1 rps = 60"),
    Case(RATE, INGRESS, annotated(**{f"{NGINX}/limit-rps": "5"}), note="both: the smaller counts"),
    Case(RATE, INGRESS, mutate(INGRESS_PROPS, {"spec.ingressClassName": "gce"}), note="not nginx: not judged"),
    Case(RATE, INGRESS, mutate(INGRESS_PROPS, {"spec.ingressClassName": "nginx-internal"}), note="internal"),
    Case(AUTH_RATE, INGRESS, auth_ingress("5"), note="auth at the auth limit"),
    Case(AUTH_RATE, INGRESS, auth_ingress("3", "/oauth2/callback"), note="stricter"),
    Case(AUTH_RATE, INGRESS, INGRESS_PROPS, note="no auth path: not judged"),
    Case(AUTH_RATE, INGRESS, auth_ingress("100", "/authors"), note="a segment that only starts with auth"),
    Case(SINGLE_LB, SERVICE, SERVICE_PROPS, note="ClusterIP"),
    Case(SINGLE_LB, SERVICE, CONTROLLER_SERVICE, note="the controller's"),
    Case(
        SINGLE_LB,
        SERVICE,
        mutate(SERVICE_PROPS, {"spec.type": "LoadBalancer", A: {"networking.gke.io/load-balancer-type": "Internal"}}),
        note="internal load balancer",
    ),
    Case(
        SINGLE_LB,
        SERVICE,
        mutate(SERVICE_PROPS, {"spec.type": "LoadBalancer", A: {"cloud.google.com/load-balancer-type": "Internal"}}),
        note="internal load balancer, the older annotation",
    ),
    Case(SINGLE_LB, SERVICE, restricted("203.0.113.0/24"), note="restricted to an office range"),
    Case(
        SINGLE_LB,
        SERVICE,
        restricted("203.0.113.16/28", "2001:db8:10::/48"),
        config={"allowedSourceRanges": OFFICE},
        note="within the configured office ranges",
    ),
    Case(
        SINGLE_LB,
        SERVICE,
        mutate(
            SERVICE_PROPS,
            {
                "spec.type": "LoadBalancer",
                A: {"service.beta.kubernetes.io/load-balancer-source-ranges": "203.0.113.0/24"},
            },
        ),
        note="restricted by the older annotation",
    ),
    Case(CONTROLLER_SNIPPETS, HELM_RELEASE, RELEASE_PROPS, note="baseline"),
    Case(CONTROLLER_SNIPPETS, HELM_RELEASE, config(**{"allow-snippet-annotations": DELETE}), note="default false"),
    Case(CONTROLLER_SNIPPETS, HELM_CHART, CHART_PROPS, note="v4 Chart"),
    Case(CONTROLLER_SNIPPETS, CONFIG_MAP, CONTROLLER_CONFIG_MAP, note="plain ConfigMap"),
    Case(
        CONTROLLER_SNIPPETS,
        HELM_RELEASE,
        mutate(RELEASE_PROPS, {"chart": "cert-manager", "values.controller.config.allow-snippet-annotations": "true"}),
        note="another chart: not judged",
    ),
    Case(REDIRECT, HELM_RELEASE, RELEASE_PROPS, note="baseline"),
    Case(REDIRECT, HELM_RELEASE, config(**{"ssl-redirect": DELETE, "force-ssl-redirect": DELETE}), note="default"),
    Case(REDIRECT, HELM_RELEASE, config(**{"ssl-redirect": "false"}), note="forced redirect covers it"),
    Case(REDIRECT, CONFIG_MAP, mutate(CONTROLLER_CONFIG_MAP, {"data": {}}), note="plain, defaults"),
    Case(HSTS, HELM_RELEASE, RELEASE_PROPS, note="baseline"),
    Case(HSTS, HELM_RELEASE, mutate(RELEASE_PROPS, {"values": {}}), note="chart defaults"),
    Case(HSTS, HELM_RELEASE, config(**{"hsts-max-age": 63072000}), note="two years, as a number"),
    Case(HEADERS, STACK, stack((HELM_RELEASE, RELEASE_PROPS), HEADERS_MAP), note="baseline"),
    Case(
        HEADERS,
        STACK,
        stack(
            (
                HELM_RELEASE,
                mutate(config(**{"add-headers": DELETE}), {"values.controller.addHeaders": CHECKLIST_HEADERS}),
            )
        ),
        note="the chart's controller.addHeaders",
    ),
    Case(
        HEADERS,
        STACK,
        stack(
            (HELM_RELEASE, RELEASE_PROPS),
            headers_map(
                **{"Content-Security-Policy": "default-src 'none'; img-src 'self'", "Referrer-Policy": "no-referrer"}
            ),
        ),
        note="stricter CSP and Referrer-Policy",
    ),
    Case(HEADERS, STACK, stack((CONFIG_MAP, CONTROLLER_CONFIG_MAP), HEADERS_MAP), note="plain objects"),
    Case(HEADERS, STACK, stack(HEADERS_MAP), note="no controller: not judged"),
]
