"""Workload, namespace, Secret Manager and stack policies: every case in-process and through the pack over gRPC."""

from __future__ import annotations

from decimal import Decimal

import pytest
from agencyos_policy.kubernetes.workloads import credential_kind, image_problem, parse_quantity

from tests.conftest import validate_in_process
from tests.policy.gcp import secretmanager_cases
from tests.policy.kubernetes import workloads_cases
from tests.policy.runners import BY_NAME, ResourceCaseSuite, StackCaseSuite
from tests.policy.stack_cases import FAILING as STACK_FAILING
from tests.policy.stack_cases import PASSING as STACK_PASSING

FAILING = [*workloads_cases.FAILING, *secretmanager_cases.FAILING]
PASSING = [*workloads_cases.PASSING, *secretmanager_cases.PASSING]


class TestCases(ResourceCaseSuite, StackCaseSuite):
    FAILING = FAILING
    PASSING = PASSING
    STACK_FAILING = STACK_FAILING
    STACK_PASSING = STACK_PASSING


@pytest.mark.parametrize(
    ("value", "amount"), [("250m", 0.25), ("0.5", 0.5), (2, 2.0), ("512Mi", 512 * 2**20), ("1G", 1e9), ("x", None)]
)
def test_quantities(value: object, amount: float | None) -> None:
    assert parse_quantity(value) == amount


@pytest.mark.parametrize(
    ("value", "amount"),
    [
        ("250000000n", "0.25"),
        ("500000u", "0.5"),
        ("1k", "1000"),
        ("1e3", "1000"),
        ("1E-3", "0.001"),
        ("+2.5E+2", "250"),
        ("1E", "1e18"),  # E alone is exa, not an exponent
        ("5.", "5"),
        (".5Gi", str(2**29)),
        ("1Ei", str(2**60)),
        ("0.3", "0.3"),
    ],
)
def test_quantities_follow_the_kubernetes_grammar(value: str, amount: str) -> None:
    assert parse_quantity(value) == Decimal(amount)
    assert parse_quantity("250000000n") == parse_quantity("250m") == parse_quantity("0.25")


@pytest.mark.parametrize("value", ["1.2.3", "1Ki5", "1e", "1ki", "1 m", "250 m", "1e999", "", "m", True, None])
def test_malformed_quantities_are_not_amounts(value: object) -> None:
    assert parse_quantity(value) is None


@pytest.mark.parametrize(
    ("image", "pinned"),
    [
        ("a/b:1.0", True),
        ("a/b", False),
        ("a/b:latest", False),
        ("host:5000/a", False),
        ("a@sha256:" + "0" * 64, True),
        *[(f"a/b:{tag}", False) for tag in ("main", "master", "alpine", "stable", "edge", "nightly", "dev")],
        ("redis:7.2-alpine", True),
        ("postgres:16.3", True),
    ],
)
def test_images(image: str, pinned: bool) -> None:
    assert (image_problem(image) is None) is pinned


@pytest.mark.parametrize("value", ["INFO", "https://api.example.com/a/b", "agencyos-prod-backend", "Agency OS", "3600"])
def test_ordinary_settings_are_not_credentials(value: str) -> None:
    assert credential_kind(value) is None


def test_messages_never_echo_the_value() -> None:
    case = next(c for c in workloads_cases.FAILING if c.note == "stripe live key")
    [message] = validate_in_process(BY_NAME[case.policy], case.props, resource_type=case.resource_type)
    assert workloads_cases.STRIPE_LIVE not in message and "Stripe" in message


def test_production_stacks_refuse_debug_whatever_the_config_declares(monkeypatch: pytest.MonkeyPatch) -> None:
    staging_config = {"data": {"ENVIRONMENT": "staging", "DEBUG": "true"}}
    policy = BY_NAME[workloads_cases.PRODUCTION]
    resource_type = "kubernetes:core/v1:ConfigMap"
    monkeypatch.setenv("PULUMI_STACK", "acme/agencyos/prod")
    assert len(validate_in_process(policy, staging_config, resource_type=resource_type)) == 2
    monkeypatch.setenv("AGENCYOS_POLICY_PRODUCTION", "false")
    assert validate_in_process(policy, staging_config, resource_type=resource_type) == []
