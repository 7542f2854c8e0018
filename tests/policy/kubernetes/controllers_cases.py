"""Ingress controllers other than ingress-nginx: stack cases for NGINX Inc's controller and GKE Ingress (a compliant
stack of each, then one change per case), and for a controller the pack does not judge."""

from __future__ import annotations

import copy
import json
from typing import Any

from agencyos_policy.kubernetes.gkeingress import (
    BACKEND_CONFIG,
    FRONTEND_ANNOTATION,
    FRONTEND_CONFIG,
    SECURITY_POLICY,
    SECURITY_POLICY_RULE,
)
from agencyos_policy.kubernetes.ingress import CONFIG_MAP, HELM_RELEASE, INGRESS, SERVICE

from agencyos_infra.wire import UNKNOWN
from tests.policy.cases import DELETE, Case, mutate
from tests.policy.stack_cases import STACK, stack

JUDGED = "kubernetes-networking-ingress-controller-judged"
INC_HSTS = "kubernetes-nginxinc-ingress-hsts"
INC_REDIRECT = "kubernetes-nginxinc-ingress-https-redirect"
INC_RATE = "kubernetes-nginxinc-ingress-rate-limit"
INC_HEADERS = "kubernetes-nginxinc-controller-security-headers"
GKE_REDIRECT = "kubernetes-gke-ingress-https-redirect"
GKE_HSTS = "kubernetes-gke-ingress-hsts"
GKE_HEADERS = "kubernetes-gke-ingress-security-headers"
GKE_RATE = "kubernetes-gke-ingress-rate-limit"

CHECKLIST_HEADERS = {
    "Content-Security-Policy": "default-src 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "X-XSS-Protection": "1; mode=block",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def ingress(annotations: dict[str, Any], path: str = "/", cls: Any = "nginx", name: str = "web") -> dict[str, Any]:
    backend = {"service": {"name": "web", "port": {"number": 80}}}
    props: dict[str, Any] = {
        "metadata": {"name": name, "namespace": "app", "annotations": annotations},
        "spec": {
            "tls": [{"hosts": ["app.example.com"], "secretName": "web-tls"}],
            "rules": [
                {
                    "host": "app.example.com",
                    "http": {"paths": [{"path": path, "pathType": "Prefix", "backend": backend}]},
                }
            ],
        },
    }
    if cls is not None:
        props["spec"]["ingressClassName"] = cls
    return props


# --- NGINX Inc -------------------------------------------------------------------------------------------------

SNIPPETS = "\n".join(f'add_header {name} "{value}" always;' for name, value in CHECKLIST_HEADERS.items())
ENTRIES: dict[str, Any] = {
    "hsts": "true",
    "hsts-max-age": "31536000",
    "hsts-include-subdomains": "true",
    "http-snippets": SNIPPETS,
}
INC_RELEASE_PROPS: dict[str, Any] = {
    "chart": "nginx-ingress",
    "version": "2.0.1",
    "namespace": "nginx-ingress",
    "repositoryOpts": {"repo": "https://helm.nginx.com/stable"},
    "values": {"controller": {"config": {"entries": ENTRIES}}},
}
INC_RELEASE = (HELM_RELEASE, INC_RELEASE_PROPS)
INC_CONFIG_MAP = (CONFIG_MAP, {"metadata": {"name": "nginx-config", "namespace": "nginx-ingress"}, "data": ENTRIES})
INC_WEB = (INGRESS, ingress({"nginx.org/limit-req-rate": "100r/m"}))


def entries(**changes: Any) -> tuple[str, dict[str, Any]]:
    changed = {k: v for k, v in {**ENTRIES, **changes}.items() if v is not DELETE}
    return HELM_RELEASE, mutate(INC_RELEASE_PROPS, {"values.controller.config.entries": changed})


def inc_ingress(path: str = "/", cls: Any = "nginx", **annotations: Any) -> tuple[str, dict[str, Any]]:
    chosen = {"nginx.org/limit-req-rate": "100r/m", **annotations}
    return INGRESS, ingress({k: v for k, v in chosen.items() if v is not DELETE}, path, cls)


PLAIN_NGINX = (INGRESS, ingress({}))
INC_FAILING = [
    Case(INC_HSTS, STACK, stack(entries(hsts=DELETE), INC_WEB), note="controller default: no HSTS"),
    Case(INC_HSTS, STACK, stack(entries(**{"hsts-max-age": DELETE}), INC_WEB), note="default max-age: thirty days"),
    Case(INC_HSTS, STACK, stack(entries(**{"hsts-include-subdomains": "false"}), INC_WEB), note="no subdomains"),
    Case(
        INC_HSTS, STACK, stack(INC_RELEASE, inc_ingress(**{"nginx.org/hsts": "false"})), note="an Ingress turns it off"
    ),
    Case(
        INC_HSTS,
        STACK,
        stack(inc_ingress(**{"nginx.org/hsts": "true"})),
        note="the annotation alone: thirty days, no subdomains",
    ),
    Case(INC_HSTS, STACK, stack(entries(hsts=UNKNOWN), INC_WEB), note="unknown at preview"),
    Case(INC_REDIRECT, STACK, stack(entries(**{"ssl-redirect": "false"}), INC_WEB), note="controller redirect off"),
    Case(
        INC_REDIRECT,
        STACK,
        stack(INC_RELEASE, inc_ingress(**{"nginx.org/ssl-redirect": "false"})),
        note="an Ingress turns it off",
    ),
    Case(
        INC_REDIRECT,
        STACK,
        stack(inc_ingress(**{"ingress.kubernetes.io/ssl-redirect": "false"})),
        note="the older annotation",
    ),
    Case(INC_RATE, STACK, stack(INC_RELEASE, inc_ingress(**{"nginx.org/limit-req-rate": "200r/m"})), note="200/min"),
    Case(INC_RATE, STACK, stack(inc_ingress(**{"nginx.org/limit-req-rate": "2r/s"})), note="2 r/s = 120/min"),
    Case(
        INC_RATE,
        STACK,
        stack(inc_ingress(**{"nginx.org/limit-req-rate": DELETE, "nginx.org/hsts": "true"})),
        note="no limit",
    ),
    Case(INC_RATE, STACK, stack(inc_ingress(**{"nginx.org/limit-req-key": "${http_x_api_key}"})), note="not per IP"),
    Case(INC_RATE, STACK, stack(inc_ingress(**{"nginx.org/limit-req-dry-run": "true"})), note="dry run"),
    Case(INC_RATE, STACK, stack(inc_ingress("/api/auth/login")), note="auth path at the global limit"),
    Case(INC_RATE, STACK, stack(INC_RELEASE, PLAIN_NGINX), note="class nginx where only NGINX Inc's is installed"),
    Case(INC_HEADERS, STACK, stack(entries(**{"http-snippets": DELETE})), note="no add_header"),
    Case(
        INC_HEADERS,
        STACK,
        stack(entries(**{"http-snippets": SNIPPETS.replace('"DENY"', '"SAMEORIGIN"')})),
        note="weaker X-Frame-Options",
    ),
    Case(
        INC_HEADERS,
        STACK,
        stack((CONFIG_MAP, mutate(INC_CONFIG_MAP[1], {"data": {"hsts": "true"}}))),
        note="the plain ConfigMap without headers",
    ),
]
INC_PASSING = [
    *[
        Case(p, STACK, stack(INC_RELEASE, INC_WEB), note="baseline")
        for p in (INC_HSTS, INC_REDIRECT, INC_RATE, INC_HEADERS)
    ],
    Case(INC_HEADERS, STACK, stack(INC_CONFIG_MAP), note="the plain ConfigMap"),
    Case(
        INC_HSTS,
        STACK,
        stack(
            entries(hsts=DELETE),
            inc_ingress(
                **{
                    "nginx.org/hsts": "true",
                    "nginx.org/hsts-max-age": "63072000",
                    "nginx.org/hsts-include-subdomains": "true",
                }
            ),
        ),
        note="every Ingress sets HSTS itself",
    ),
    Case(INC_HSTS, STACK, stack(INC_WEB), note="the controller lives in another stack"),
    Case(
        INC_REDIRECT,
        STACK,
        stack(entries(**{"ssl-redirect": "false", "redirect-to-https": "true"}), INC_WEB),
        note="TLS ends at a load balancer: redirect-to-https",
    ),
    Case(INC_RATE, STACK, stack(inc_ingress(**{"nginx.org/limit-req-rate": "1r/s"})), note="1 r/s = 60/min"),
    Case(INC_RATE, STACK, stack(inc_ingress("/login", **{"nginx.org/limit-req-rate": "5r/m"})), note="auth limit"),
    Case(
        INC_RATE,
        STACK,
        stack(inc_ingress(**{"nginx.org/limit-req-key": "${binary_remote_addr}"})),
        note="the client-address key, spelled out",
    ),
    Case(INC_RATE, STACK, stack(PLAIN_NGINX), note="no NGINX Inc controller or annotation: ingress-nginx's"),
    Case(INC_RATE, STACK, stack(inc_ingress(cls="nginx-internal")), note="internal"),
    Case(
        INC_RATE,
        STACK,
        stack((f"{INGRESS}Patch", inc_ingress(**{"nginx.org/limit-req-rate": DELETE})[1])),
        note="a patch of an Ingress that lives elsewhere",
    ),
]

# --- GKE Ingress -----------------------------------------------------------------------------------------------

GKE_INGRESS_PROPS = ingress({"kubernetes.io/ingress.class": "gce", FRONTEND_ANNOTATION: "redirect"}, cls=None)
GKE_INGRESS = (INGRESS, GKE_INGRESS_PROPS)
FRONTEND = (
    FRONTEND_CONFIG,
    {"metadata": {"name": "redirect", "namespace": "app"}, "spec": {"redirectToHttps": {"enabled": True}}},
)
WEB_SERVICE_PROPS: dict[str, Any] = {
    "metadata": {
        "name": "web",
        "namespace": "app",
        "annotations": {"cloud.google.com/backend-config": json.dumps({"default": "web"})},
    },
    "spec": {"type": "ClusterIP", "selector": {"app": "web"}, "ports": [{"port": 80}]},
}
WEB_SERVICE = (SERVICE, WEB_SERVICE_PROPS)
HEADERS = [
    "Strict-Transport-Security: max-age=31536000; includeSubDomains",
    *(f"{name}: {value}" for name, value in CHECKLIST_HEADERS.items()),
]
BACKEND_PROPS: dict[str, Any] = {
    "metadata": {"name": "web", "namespace": "app"},
    "spec": {"securityPolicy": {"name": "edge"}, "customResponseHeaders": {"headers": HEADERS}},
}
BACKEND = (BACKEND_CONFIG, BACKEND_PROPS)
THROTTLE = {
    "action": "throttle",
    "priority": 1000,
    "match": {"versionedExpr": "SRC_IPS_V1", "config": {"srcIpRanges": ["*"]}},
    "rateLimitOptions": {
        "enforceOnKey": "IP",
        "rateLimitThreshold": {"count": 100, "intervalSec": 60},
        "conformAction": "allow",
        "exceedAction": "deny(429)",
    },
}
ARMOR_PROPS: dict[str, Any] = {"name": "edge", "rules": [THROTTLE, {"action": "allow", "priority": 2147483647}]}
ARMOR = (SECURITY_POLICY, ARMOR_PROPS)
GKE_STACK = (GKE_INGRESS, FRONTEND, WEB_SERVICE, BACKEND, ARMOR)


def gke(**replace: tuple[str, dict[str, Any]] | None) -> dict[str, Any]:
    """The compliant GKE stack with parts replaced (or, None, removed) by key: ingress, frontend, service, backend,
    armor."""
    parts = dict(zip(("ingress", "frontend", "service", "backend", "armor"), GKE_STACK, strict=True))
    for key, value in replace.items():
        if value is None:
            parts.pop(key)
        else:
            parts[key] = value
    return stack(*parts.values())


def backend(**changes: Any) -> tuple[str, dict[str, Any]]:
    return BACKEND_CONFIG, mutate(BACKEND_PROPS, changes)


def throttle(**options: Any) -> tuple[str, dict[str, Any]]:
    rule = copy.deepcopy(THROTTLE)
    rule["rateLimitOptions"] = {k: v for k, v in {**rule["rateLimitOptions"], **options}.items() if v is not DELETE}
    return SECURITY_POLICY, {"name": "edge", "rules": [rule]}


GKE_FAILING = [
    Case(
        GKE_REDIRECT,
        STACK,
        gke(
            ingress=(
                INGRESS,
                mutate(GKE_INGRESS_PROPS, {"metadata.annotations": {"kubernetes.io/ingress.class": "gce"}}),
            )
        ),
        note="no FrontendConfig",
    ),
    Case(
        GKE_REDIRECT,
        STACK,
        gke(frontend=(FRONTEND_CONFIG, mutate(FRONTEND[1], {"spec.redirectToHttps.enabled": False}))),
        note="redirect off",
    ),
    Case(GKE_REDIRECT, STACK, gke(frontend=None), note="the FrontendConfig is not in the stack"),
    Case(GKE_HSTS, STACK, gke(backend=backend(**{"spec.customResponseHeaders.headers": HEADERS[1:]})), note="no HSTS"),
    Case(
        GKE_HSTS,
        STACK,
        gke(backend=backend(**{"spec.customResponseHeaders.headers": ["Strict-Transport-Security: max-age=86400"]})),
        note="a day, no subdomains",
    ),
    Case(GKE_HSTS, STACK, gke(service=None), note="the backend Service is not in the stack"),
    Case(
        GKE_HEADERS,
        STACK,
        gke(backend=backend(**{"spec.customResponseHeaders": DELETE})),
        note="no custom response headers",
    ),
    Case(
        GKE_HEADERS,
        STACK,
        gke(service=(SERVICE, mutate(WEB_SERVICE_PROPS, {"metadata.annotations": {}}))),
        note="the Service names no BackendConfig",
    ),
    Case(GKE_HEADERS, STACK, gke(backend=None), note="the BackendConfig is not in the stack"),
    Case(GKE_RATE, STACK, gke(backend=backend(**{"spec.securityPolicy": DELETE})), note="no Cloud Armor policy"),
    Case(GKE_RATE, STACK, gke(armor=None), note="the Cloud Armor policy is not in the stack"),
    Case(GKE_RATE, STACK, gke(armor=throttle(enforceOnKey=DELETE)), note="enforceOnKey absent: ALL, not per IP"),
    Case(GKE_RATE, STACK, gke(armor=throttle(rateLimitThreshold={"count": 500, "intervalSec": 60})), note="500/min"),
    Case(
        GKE_RATE,
        STACK,
        gke(armor=(SECURITY_POLICY, {"name": "edge", "rules": [{"action": "allow"}]})),
        note="no rate rule",
    ),
    Case(GKE_RATE, STACK, gke(armor=throttle(rateLimitThreshold=UNKNOWN)), note="unknown at preview"),
]
GKE_PASSING = [
    *[Case(p, STACK, gke(), note="baseline") for p in (GKE_REDIRECT, GKE_HSTS, GKE_HEADERS, GKE_RATE)],
    Case(
        GKE_REDIRECT,
        STACK,
        gke(
            ingress=(
                INGRESS,
                mutate(
                    GKE_INGRESS_PROPS,
                    {
                        "metadata.annotations": {
                            "kubernetes.io/ingress.class": "gce",
                            "kubernetes.io/ingress.allow-http": "false",
                        }
                    },
                ),
            ),
            frontend=None,
        ),
        note="no HTTP served",
    ),
    Case(
        GKE_RATE,
        STACK,
        stack(
            *GKE_STACK[:-1],
            (SECURITY_POLICY, {"name": "edge"}),
            (SECURITY_POLICY_RULE, {"securityPolicy": "edge", **THROTTLE}),
        ),
        note="the throttle rule as its own resource",
    ),
    Case(GKE_RATE, STACK, gke(armor=throttle(rateLimitThreshold={"count": 10, "intervalSec": 10})), note="60/min"),
    *[
        Case(
            p,
            STACK,
            stack(
                (
                    INGRESS,
                    mutate(
                        GKE_INGRESS_PROPS, {"metadata.annotations": {"kubernetes.io/ingress.class": "gce-internal"}}
                    ),
                )
            ),
            note="gce-internal: internal",
        )
        for p in (GKE_REDIRECT, GKE_HSTS, GKE_HEADERS, GKE_RATE)
    ],
    Case(GKE_HSTS, STACK, stack(INC_RELEASE, INC_WEB), note="no GKE Ingress"),
]

# --- a controller the pack does not judge ---------------------------------------------------------------------

JUDGED_FAILING = [
    Case(JUDGED, STACK, stack((INGRESS, ingress({}, cls="traefik"))), note="traefik"),
    Case(
        JUDGED, STACK, stack((INGRESS, ingress({"kubernetes.io/ingress.class": "haproxy"}, cls=None))), note="haproxy"
    ),
]
JUDGED_PASSING = [
    Case(JUDGED, STACK, stack(INC_WEB, GKE_INGRESS, PLAIN_NGINX), note="the three judged controllers"),
    Case(JUDGED, STACK, stack((INGRESS, ingress({}, cls="traefik", name="internal-admin"))), note="internal"),
    Case(JUDGED, STACK, stack((INGRESS, ingress({}, cls=UNKNOWN))), note="class unknown: no claim"),
]

FAILING = [*INC_FAILING, *GKE_FAILING, *JUDGED_FAILING]
PASSING = [*INC_PASSING, *GKE_PASSING, *JUDGED_PASSING]
