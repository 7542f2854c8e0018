"""Cloud Run and Cloud Functions policies: every case in-process and through the pack over gRPC."""

from __future__ import annotations

from agencyos_policy.gcp.serverless import CLOUDRUNV2_SERVICE, FUNCTION_V2

from tests.conftest import validate_in_process
from tests.policy.gcp.serverless_cases import (
    FAILING,
    FUNCTIONS,
    PASSING,
    PLAIN,
    RUN,
    STRIPE_LIVE,
    cloudrun_v2,
    env,
    function_v2,
    v2_envs,
)
from tests.policy.runners import BY_NAME, ResourceCaseSuite


class TestCases(ResourceCaseSuite):
    FAILING = FAILING
    PASSING = PASSING


def test_messages_name_the_variable_and_kind_never_the_value() -> None:
    props = cloudrun_v2(v2_envs(env("STRIPE_API_KEY", STRIPE_LIVE)))
    [message] = validate_in_process(BY_NAME[RUN], props, resource_type=CLOUDRUNV2_SERVICE)
    assert (
        message == "template.containers[1].envs[4].value must not hold a credential: it looks like a Stripe live key."
    )
    [message] = validate_in_process(
        BY_NAME[FUNCTIONS], function_v2({**PLAIN, "STRIPE_API_KEY": STRIPE_LIVE}), resource_type=FUNCTION_V2
    )
    assert STRIPE_LIVE not in message and message.startswith("serviceConfig.environmentVariables.STRIPE_API_KEY ")


def test_other_resource_types_are_ignored() -> None:
    props = cloudrun_v2(v2_envs(env("STRIPE_API_KEY", STRIPE_LIVE)))
    assert validate_in_process(BY_NAME[RUN], props, resource_type="gcp:cloudrun/domainMapping:DomainMapping") == []
