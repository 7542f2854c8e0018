"""Ingress controllers other than ingress-nginx: NGINX Inc's and GKE Ingress judged for HTTPS redirect, HSTS,
headers and rate limits as AnalyzeStack runs them; any other controller named; how each Ingress is attributed."""

from __future__ import annotations

import pytest
from agencyos_policy import REGISTRY
from agencyos_policy.kubernetes.controllers import GKE, INGRESS_NGINX, NGINX_INC, controller_of
from agencyos_policy.kubernetes.gkeingress import armor_rate_per_minute, hsts_ok
from agencyos_policy.kubernetes.nginxinc import rate_per_minute, snippet_headers

from tests.policy.kubernetes import controllers_cases
from tests.policy.kubernetes.controllers_cases import SNIPPETS, THROTTLE, ingress
from tests.policy.runners import StackCaseSuite

STACK_FAILING = controllers_cases.FAILING
STACK_PASSING = controllers_cases.PASSING


class TestCases(StackCaseSuite):
    STACK_FAILING = STACK_FAILING
    STACK_PASSING = STACK_PASSING


def test_levels_and_items() -> None:
    levels = {name: (REGISTRY[name].level.value, REGISTRY[name].item.id) for name in {c.policy for c in STACK_FAILING}}
    assert levels == {
        "kubernetes-networking-ingress-controller-judged": ("advisory", "8.application-security.1"),
        "kubernetes-nginxinc-ingress-hsts": ("mandatory", "8.application-security.1.1"),
        "kubernetes-nginxinc-ingress-https-redirect": ("mandatory", "8.application-security.1.2"),
        "kubernetes-nginxinc-ingress-rate-limit": ("mandatory", "8.application-security.3"),
        "kubernetes-nginxinc-controller-security-headers": ("mandatory", "8.application-security.2"),
        "kubernetes-gke-ingress-https-redirect": ("advisory", "8.application-security.1.2"),
        "kubernetes-gke-ingress-hsts": ("advisory", "8.application-security.1.1"),
        "kubernetes-gke-ingress-security-headers": ("advisory", "8.application-security.2"),
        "kubernetes-gke-ingress-rate-limit": ("advisory", "8.application-security.3"),
    }


@pytest.mark.parametrize(
    ("props", "inc_only", "controller"),
    [
        (ingress({}), False, INGRESS_NGINX),
        (ingress({}), True, NGINX_INC),
        (ingress({"nginx.org/hsts": "true"}), False, NGINX_INC),
        (ingress({}, cls=None), False, INGRESS_NGINX),
        (ingress({"kubernetes.io/ingress.class": "gce"}, cls=None), False, GKE),
        (ingress({}, cls="gce-internal"), False, GKE),
        (ingress({}, cls="traefik"), False, "traefik"),
    ],
)
def test_each_ingress_is_attributed_to_its_controller(props: dict, inc_only: bool, controller: str) -> None:
    assert controller_of(props, inc_only) == controller


@pytest.mark.parametrize(
    ("annotations", "rate"),
    [
        ({"nginx.org/limit-req-rate": "100r/m"}, 100),
        ({"nginx.org/limit-req-rate": "2r/s"}, 120),
        ({"nginx.org/limit-req-rate": "10r/s", "nginx.org/limit-req-dry-run": "true"}, None),
        ({"nginx.org/limit-req-rate": "10r/m", "nginx.org/limit-req-key": "$http_authorization"}, None),
        ({"nginx.org/limit-req-rate": "ten"}, None),
        ({}, None),
    ],
)
def test_nginx_inc_rate_per_minute(annotations: dict, rate: float | None) -> None:
    assert rate_per_minute(annotations) == rate


def test_snippet_headers_hsts_and_armor_rates() -> None:
    headers = snippet_headers({"http-snippets": SNIPPETS})
    assert headers["x-frame-options"] == "DENY" and headers["content-security-policy"] == "default-src 'self'"
    assert hsts_ok("max-age=31536000; includeSubDomains; preload") and not hsts_ok("max-age=31536000")
    assert armor_rate_per_minute([THROTTLE]) == 100
    assert armor_rate_per_minute([{**THROTTLE, "action": "deny(403)"}]) is None
