"""Workload identity provider policy: every case in-process and through the pack; messages never echo the condition."""

from __future__ import annotations

from agencyos_policy.gcp.workload_identity import PROVIDER

from tests.conftest import validate_in_process
from tests.policy.cases import mutate
from tests.policy.gcp.workload_identity_cases import BASE, FAILING, PASSING, PINNED
from tests.policy.runners import BY_NAME, ResourceCaseSuite


class TestCases(ResourceCaseSuite):
    FAILING = FAILING
    PASSING = PASSING


def test_the_message_names_the_property_not_the_condition() -> None:
    expression = "assertion.repository_owner == 'secret-org-name'"
    [message] = validate_in_process(
        BY_NAME[PINNED], mutate(BASE, {"attributeCondition": expression}), resource_type=PROVIDER
    )
    assert message.startswith("attributeCondition should pin assertion.repository")
    assert "secret-org-name" not in message


def test_an_enterprise_issuer_is_github_too() -> None:
    props = mutate(
        BASE,
        {
            "oidc.issuerUri": "https://token.actions.githubusercontent.com/agencyos-enterprise",
            "attributeCondition": "assertion.repository_owner == 'agencyos'",
        },
    )
    assert validate_in_process(BY_NAME[PINNED], props, resource_type=PROVIDER)
