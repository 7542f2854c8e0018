"""Ingress and ingress-nginx policies: every resource case in-process and through the pack over gRPC; stack cases
(the security headers) through the stack runner."""

from __future__ import annotations

import pytest
from agencyos_policy.kubernetes.ingress import header_ok, is_auth_path, rate_per_minute

from tests.policy.kubernetes import ingress_cases
from tests.policy.runners import ResourceCaseSuite, StackCaseSuite
from tests.policy.stack_cases import STACK

FAILING = [c for c in ingress_cases.FAILING if c.resource_type != STACK]
PASSING = [c for c in ingress_cases.PASSING if c.resource_type != STACK]
STACK_FAILING = [c for c in ingress_cases.FAILING if c.resource_type == STACK]
STACK_PASSING = [c for c in ingress_cases.PASSING if c.resource_type == STACK]


class TestCases(ResourceCaseSuite, StackCaseSuite):
    FAILING = FAILING
    PASSING = PASSING
    STACK_FAILING = STACK_FAILING
    STACK_PASSING = STACK_PASSING


@pytest.mark.parametrize(
    ("annotations", "rate"),
    [
        ({}, None),
        ({"nginx.ingress.kubernetes.io/limit-rpm": "100"}, 100),
        ({"nginx.ingress.kubernetes.io/limit-rps": "1"}, 60),
        ({"nginx.ingress.kubernetes.io/limit-rpm": "100", "nginx.ingress.kubernetes.io/limit-rps": "1"}, 60),
        ({"nginx.ingress.kubernetes.io/limit-rpm": "0"}, None),
        ({"nginx.ingress.kubernetes.io/limit-rpm": "10", "nginx.ingress.kubernetes.io/limit-allowlist": "::/0"}, None),
    ],
)
def test_rate_per_minute(annotations: dict[str, str], rate: float | None) -> None:
    assert rate_per_minute(annotations) == rate


def test_auth_paths_and_headers() -> None:
    assert is_auth_path("/api/auth/login") and is_auth_path("/signin") and not is_auth_path("/authors")
    assert header_ok("X-XSS-Protection", "1;mode=block") and not header_ok("X-XSS-Protection", "0")
    assert header_ok("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
    assert not header_ok("Content-Security-Policy", "script-src 'self'")
