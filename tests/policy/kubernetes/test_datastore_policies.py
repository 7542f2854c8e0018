"""Self-hosted data store policies: resource cases in-process and through the pack over gRPC, the backup rule as
AnalyzeStack runs it; images recognised by repository whatever the registry."""

from __future__ import annotations

import pytest
from agencyos_policy import REGISTRY
from agencyos_policy.kubernetes.datastores import MYSQL, POSTGRES, REDIS, engine_of

from tests.policy.kubernetes import datastores_cases
from tests.policy.runners import ResourceCaseSuite, StackCaseSuite
from tests.policy.stack_cases import STACK

FAILING = [c for c in datastores_cases.FAILING if c.resource_type != STACK]
PASSING = [c for c in datastores_cases.PASSING if c.resource_type != STACK]
STACK_FAILING = [c for c in datastores_cases.FAILING if c.resource_type == STACK]
STACK_PASSING = [c for c in datastores_cases.PASSING if c.resource_type == STACK]


class TestCases(ResourceCaseSuite, StackCaseSuite):
    FAILING = FAILING
    PASSING = PASSING
    STACK_FAILING = STACK_FAILING
    STACK_PASSING = STACK_PASSING


def test_every_data_store_policy_is_advisory() -> None:
    names = {c.policy for c in datastores_cases.FAILING}
    assert {REGISTRY[name].level.value for name in names} == {"advisory"}


@pytest.mark.parametrize(
    ("image", "engine"),
    [
        ("postgres:16", POSTGRES),
        ("docker.io/library/postgres:16-alpine", POSTGRES),
        ("bitnami/postgresql:16.2.0", POSTGRES),
        ("postgis/postgis:16-3.4", POSTGRES),
        ("redis:7.2-alpine", REDIS),
        ("registry-1.docker.io/bitnami/redis@sha256:0123", REDIS),
        ("valkey/valkey:8.0", REDIS),
        ("mysql:8.4", MYSQL),
        ("ghcr.io/acme/redis:1", None),
        ("nginx:1.27", None),
    ],
)
def test_images_are_recognised_by_repository(image: str, engine: str | None) -> None:
    assert engine_of(image) == engine
