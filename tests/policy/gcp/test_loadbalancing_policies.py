"""Load balancer stack policies: every stack case as AnalyzeStack runs it, and references followed through the
property dependencies the engine hands over (self links are unknown at preview)."""

from __future__ import annotations

from typing import Any

from pulumi_policy import PolicyResource, StackValidationArgs

from agencyos_infra.wire import UNKNOWN
from tests.policy.gcp.loadbalancing_cases import (
    APP_MAP,
    FAILING,
    HTTP_PROXY,
    HTTP_RULE,
    HTTPS_ONLY,
    HTTPS_PROXY,
    HTTPS_RULE,
    PASSING,
    REDIRECT,
    REDIRECT_MAP,
    SERVING_REDIRECT_MAP,
    baseline,
    changed,
)
from tests.policy.runners import BY_NAME, StackCaseSuite
from tests.policy.stack_cases import stack_resources


class TestCases(StackCaseSuite):
    STACK_FAILING = FAILING
    STACK_PASSING = PASSING


def _run(policy: str, resources: list[PolicyResource]) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    BY_NAME[policy].validate(StackValidationArgs(resources, None, {}), lambda m, urn=None: found.append((m, urn)))
    return found


def _linked(app_map: tuple[str, Any], redirect_map: tuple[str, Any], *, https: bool = True) -> list[PolicyResource]:
    """The baseline with every reference computed (unknown at preview) and its origin named by the engine."""
    unknown = {"urlMap": UNKNOWN}
    resources = [
        app_map,  # 0
        redirect_map,  # 1
        changed(HTTPS_PROXY, unknown),  # 2
        changed(HTTP_PROXY, unknown),  # 3
        ("gcp:compute/globalAddress:GlobalAddress", {"name": "web-ip"}),  # 4
        changed(HTTP_RULE, {"target": UNKNOWN, "ipAddress": UNKNOWN}),  # 5
        changed(HTTPS_RULE, {"target": UNKNOWN, "ipAddress": UNKNOWN}),  # 6
    ]
    depends = {2: {"urlMap": [0]}, 3: {"urlMap": [1]}, 5: {"target": [3], "ipAddress": [4]}}
    if https:
        depends[6] = {"target": [2], "ipAddress": [4]}
    else:
        resources.pop()
    return stack_resources(resources, depends=depends)


def test_references_computed_at_preview_are_followed_through_their_origin() -> None:
    assert _run(REDIRECT, _linked(APP_MAP, REDIRECT_MAP)) == []
    assert _run(HTTPS_ONLY, _linked(APP_MAP, REDIRECT_MAP)) == []
    [(message, urn)] = _run(REDIRECT, _linked(APP_MAP, SERVING_REDIRECT_MAP))
    assert message.startswith("defaultService must redirect to HTTPS") and urn is not None and urn.endswith("::r1")
    [(message, urn)] = _run(HTTPS_ONLY, _linked(APP_MAP, REDIRECT_MAP, https=False))
    assert "HTTP-only" in message and urn is not None and urn.endswith("::r5")


def test_a_rule_computed_from_another_kind_of_target_is_not_judged() -> None:
    pool = ("gcp:compute/targetPool:TargetPool", {"name": "tcp"})
    rule = changed(HTTP_RULE, {"target": UNKNOWN})
    resources = stack_resources([pool, rule], depends={1: {"target": [0]}})
    assert _run(REDIRECT, resources) == [] and _run(HTTPS_ONLY, resources) == []


def test_each_serving_place_of_the_url_map_is_named_once() -> None:
    serving = changed(
        REDIRECT_MAP,
        {
            "pathMatchers": [
                {
                    "name": "all",
                    "defaultService": "web",
                    "routeRules": [
                        {"priority": 1, "urlRedirect": {"httpsRedirect": True}},
                        {"priority": 2, "service": "x"},
                    ],
                }
            ]
        },
    )
    # Two HTTP rules in front of the same map: one message for the map.
    second = changed(HTTP_RULE, {"portRange": "8080"})
    messages = _run(REDIRECT, stack_resources([*baseline(redirect_map=serving)["resources"], second], depends={}))
    assert [m for m, _urn in messages] == [
        "pathMatchers[0].defaultService, pathMatchers[0].routeRules[1].service must redirect to HTTPS "
        "(httpsRedirect: true): this URL map is behind an internet-facing HTTP proxy and serves requests over plain "
        "HTTP."
    ]
