"""Compute policies: every case in-process and through the pack over gRPC, plus the semantics they rest on."""

from __future__ import annotations

from agencyos_policy.gcp.compute import NETWORK_FIREWALL_POLICY_RULE, NETWORK_FIREWALL_POLICY_WITH_RULES

from agencyos_infra.wire import SECRET_SIG, SIG_KEY, UNKNOWN
from tests.conftest import single_resource_run, validate_in_process
from tests.policy.cases import mutate
from tests.policy.gcp.compute_cases import (
    ADMIN,
    FAILING,
    FIREWALL_BASELINE,
    FIREWALL_POLICIES,
    PASSING,
    POLICY_RULE_BASELINE,
    inline,
    l4,
    tcp,
)
from tests.policy.runners import BY_NAME, PackAnalyze, ResourceCaseSuite

FIREWALL = "gcp:compute/firewall:Firewall"


class TestCases(ResourceCaseSuite):
    FAILING = FAILING
    PASSING = PASSING

    @staticmethod
    def level(policy: str) -> str:
        return "mandatory" if policy != "gcp-compute-subnetwork-private-google-access" else "advisory"


def test_messages_never_echo_property_values() -> None:
    props = mutate(FIREWALL_BASELINE, {"allows": tcp("22"), "sourceRanges": ["0.0.0.0/0", "CANARY-range"]})
    for name in FIREWALL_POLICIES:
        for message in validate_in_process(BY_NAME[name], props, resource_type=FIREWALL):
            assert "CANARY" not in message, message


def test_unknown_sources_are_named_in_the_message() -> None:
    props = mutate(FIREWALL_BASELINE, {"sourceRanges": UNKNOWN})
    [message] = validate_in_process(BY_NAME[ADMIN], props, resource_type=FIREWALL)
    assert message.startswith("Undetermined: sourceRanges is computed and unknown during preview")


def test_secret_values_are_still_judged(pack_analyze: PackAnalyze) -> None:
    props = mutate(
        FIREWALL_BASELINE, {"allows": [{"protocol": "tcp", "ports": [{SIG_KEY: SECRET_SIG, "value": "22"}]}]}
    )
    report = pack_analyze(single_resource_run(FIREWALL, props))
    assert ADMIN in {v.policy for v in report.mandatory}


def test_other_resource_types_are_ignored() -> None:
    for name in FIREWALL_POLICIES:
        assert validate_in_process(BY_NAME[name], {"allows": tcp("22")}, resource_type="gcp:compute/route:Route") == []


def test_inline_rules_are_named_by_their_place_in_the_policy() -> None:
    props = inline({"match.srcIpRanges": ["0.0.0.0/0"], "match.layer4Configs": l4("tcp", "22")})
    assert validate_in_process(BY_NAME[ADMIN], props, resource_type=NETWORK_FIREWALL_POLICY_WITH_RULES) == [
        "rules[1].match.layer4Configs must not open SSH (port 22) to 0.0.0.0/0 or ::/0."
    ]
    [message] = validate_in_process(
        BY_NAME[ADMIN], inline({"match.srcIpRanges": UNKNOWN}), resource_type=NETWORK_FIREWALL_POLICY_WITH_RULES
    )
    assert message.startswith("Undetermined: rules[1].match.srcIpRanges is computed and unknown during preview")


def test_a_policy_rule_behind_a_higher_priority_deny_is_still_judged() -> None:
    # Each rule is judged on its own: priorities and associations can change without the rule changing.
    props = mutate(POLICY_RULE_BASELINE, {"match.layer4Configs": l4("tcp", "22"), "priority": 65534})
    assert validate_in_process(BY_NAME[ADMIN], props, resource_type=NETWORK_FIREWALL_POLICY_RULE)
