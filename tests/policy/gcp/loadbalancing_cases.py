"""Load balancer stack cases: the compliant baseline is an HTTPS load balancer and, on the same address, an HTTP
one whose URL map only redirects to HTTPS; each case changes one thing. Resources refer to each other by literal
name here (property dependencies are exercised in test_loadbalancing_policies.py and the example program)."""

from __future__ import annotations

import copy
from typing import Any

from agencyos_policy.gcp.loadbalancing import (
    FORWARDING_RULE,
    GLOBAL_ADDRESS,
    GLOBAL_FORWARDING_RULE,
    REGION_TARGET_HTTP_PROXY,
    REGION_URL_MAP,
    TARGET_HTTP_PROXY,
    TARGET_HTTPS_PROXY,
    URL_MAP,
)

from agencyos_infra.wire import UNKNOWN
from tests.policy.cases import DELETE, Case, mutate
from tests.policy.stack_cases import STACK, stack

REDIRECT, HTTPS_ONLY = "gcp-compute-urlmap-https-redirect", "gcp-compute-forwardingrule-https-only"
GLOBAL = "projects/p/global"

ADDRESS = (GLOBAL_ADDRESS, {"name": "web-ip"})
APP_MAP = (URL_MAP, {"name": "web", "defaultService": f"{GLOBAL}/backendServices/web"})
REDIRECT_MAP = (
    URL_MAP,
    {"name": "web-redirect", "defaultUrlRedirect": {"httpsRedirect": True, "stripQuery": False}},
)
HTTPS_PROXY = (
    TARGET_HTTPS_PROXY,
    {"name": "web-https", "urlMap": f"{GLOBAL}/urlMaps/web", "sslCertificates": [f"{GLOBAL}/sslCertificates/web"]},
)
HTTP_PROXY = (TARGET_HTTP_PROXY, {"name": "web-http", "urlMap": f"{GLOBAL}/urlMaps/web-redirect"})
HTTPS_RULE = (
    GLOBAL_FORWARDING_RULE,
    {"target": f"{GLOBAL}/targetHttpsProxies/web-https", "portRange": "443", "ipAddress": "web-ip"},
)
HTTP_RULE = (
    GLOBAL_FORWARDING_RULE,
    {"target": f"{GLOBAL}/targetHttpProxies/web-http", "portRange": "80", "ipAddress": "web-ip"},
)
BASELINE = [ADDRESS, APP_MAP, REDIRECT_MAP, HTTPS_PROXY, HTTP_PROXY, HTTPS_RULE, HTTP_RULE]


def changed(resource: tuple[str, dict[str, Any]], changes: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return resource[0], mutate(resource[1], changes)


def baseline(*, drop: tuple[tuple[str, dict[str, Any]], ...] = (), **replace: tuple[str, dict[str, Any]]) -> Any:
    """The baseline stack without ``drop`` and with resources replaced by role (``http_rule=...``)."""
    roles = dict(
        zip(
            ("address", "app_map", "redirect_map", "https_proxy", "http_proxy", "https_rule", "http_rule"),
            BASELINE,
            strict=True,
        )
    )
    roles.update(replace)
    return stack(*(copy.deepcopy(r) for r in roles.values() if r not in drop))


SERVING_REDIRECT_MAP = changed(REDIRECT_MAP, {"defaultUrlRedirect": DELETE, "defaultService": "web-backend"})
HTTP_ONLY = stack(
    APP_MAP,
    changed(HTTP_PROXY, {"urlMap": f"{GLOBAL}/urlMaps/web"}),
    changed(HTTP_RULE, {"ipAddress": DELETE}),
)
PATH_MATCHERS = {
    "hostRules": [{"hosts": ["*"], "pathMatcher": "all"}],
    "pathMatchers": [
        {
            "name": "all",
            "defaultUrlRedirect": {"httpsRedirect": True},
            "pathRules": [{"paths": ["/.well-known/*"], "service": "acme-backend"}],
        }
    ],
}

FAILING = [
    Case(REDIRECT, STACK, HTTP_ONLY, note="HTTP-only: the proxy serves the app map"),
    Case(HTTPS_ONLY, STACK, HTTP_ONLY, note="HTTP-only: no HTTPS forwarding rule"),
    Case(REDIRECT, STACK, baseline(redirect_map=SERVING_REDIRECT_MAP), note="the HTTP map serves"),
    Case(
        REDIRECT,
        STACK,
        baseline(http_proxy=changed(HTTP_PROXY, {"urlMap": f"{GLOBAL}/urlMaps/web"})),
        note="HTTP and HTTPS share the serving map",
    ),
    Case(
        REDIRECT,
        STACK,
        baseline(redirect_map=changed(REDIRECT_MAP, {"defaultUrlRedirect.httpsRedirect": DELETE})),
        note="a redirect without httpsRedirect (absent: false)",
    ),
    Case(
        REDIRECT,
        STACK,
        baseline(redirect_map=changed(REDIRECT_MAP, PATH_MATCHERS)),
        note="a path rule serves over HTTP",
    ),
    Case(
        REDIRECT,
        STACK,
        baseline(redirect_map=changed(REDIRECT_MAP, {"defaultUrlRedirect.httpsRedirect": UNKNOWN})),
        note="unknown httpsRedirect",
    ),
    Case(REDIRECT, STACK, baseline(http_rule=changed(HTTP_RULE, {"target": UNKNOWN})), note="unknown target"),
    Case(
        REDIRECT,
        STACK,
        baseline(http_proxy=changed(HTTP_PROXY, {"urlMap": UNKNOWN})),
        note="unknown URL map",
    ),
    Case(HTTPS_ONLY, STACK, baseline(drop=(HTTPS_RULE,)), note="a redirect to an HTTPS that does not exist"),
    Case(
        HTTPS_ONLY,
        STACK,
        baseline(
            https_rule=changed(HTTPS_RULE, {"ipAddress": DELETE}), http_rule=changed(HTTP_RULE, {"ipAddress": DELETE})
        ),
        note="ephemeral addresses: each rule its own",
    ),
    Case(
        HTTPS_ONLY,
        STACK,
        baseline(http_rule=changed(HTTP_RULE, {"ipAddress": UNKNOWN})),
        note="unknown address",
    ),
    Case(
        HTTPS_ONLY,
        STACK,
        baseline(https_rule=changed(HTTPS_RULE, {"ipAddress": "other-ip"})),
        note="HTTPS on another address",
    ),
    Case(
        HTTPS_ONLY,
        STACK,
        baseline(https_rule=changed(HTTPS_RULE, {"loadBalancingScheme": "INTERNAL_MANAGED"})),
        note="the HTTPS rule is internal",
    ),
    Case(
        HTTPS_ONLY,
        STACK,
        stack(changed(HTTP_RULE, {"target": "projects/other/global/targetHttpProxies/shared"})),
        note="a proxy another stack holds, named by URL",
    ),
    Case(
        REDIRECT,
        STACK,
        stack(
            (REGION_URL_MAP, {"name": "eu", "region": "europe-west1", "defaultService": "eu-backend"}),
            (REGION_TARGET_HTTP_PROXY, {"name": "eu-http", "region": "europe-west1", "urlMap": "eu"}),
            (FORWARDING_RULE, {"target": "eu-http", "portRange": "80", "loadBalancingScheme": "EXTERNAL_MANAGED"}),
        ),
        note="regional external load balancer serving HTTP",
    ),
]
PASSING = [
    Case(REDIRECT, STACK, baseline(), note="baseline"),
    Case(HTTPS_ONLY, STACK, baseline(), note="baseline"),
    Case(
        REDIRECT,
        STACK,
        baseline(
            redirect_map=changed(
                REDIRECT_MAP,
                {**PATH_MATCHERS, "pathMatchers": [{"name": "all", "defaultUrlRedirect": {"httpsRedirect": True}}]},
            )
        ),
        note="path matchers that redirect too",
    ),
    Case(
        REDIRECT,
        STACK,
        stack(*[changed(r, {"loadBalancingScheme": "INTERNAL_MANAGED"}) if r is HTTP_RULE else r for r in BASELINE]),
        note="an internal HTTP load balancer",
    ),
    Case(
        HTTPS_ONLY,
        STACK,
        stack(
            *[changed(r, {"loadBalancingScheme": "INTERNAL_SELF_MANAGED"}) if r is HTTP_RULE else r for r in BASELINE]
        ),
        note="an internal HTTP load balancer",
    ),
    Case(HTTPS_ONLY, STACK, stack(HTTPS_PROXY, HTTPS_RULE, APP_MAP), note="HTTPS only, no HTTP at all"),
    Case(
        REDIRECT,
        STACK,
        stack((FORWARDING_RULE, {"target": f"{GLOBAL}/targetPools/tcp", "portRange": "80"})),
        note="a network load balancer: not an HTTP proxy",
    ),
    Case(
        REDIRECT,
        STACK,
        stack(changed(HTTP_RULE, {"target": "projects/other/global/targetHttpProxies/shared"})),
        note="a proxy another stack holds: its URL map is that stack's",
    ),
]
