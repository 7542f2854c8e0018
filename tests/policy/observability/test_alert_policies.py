"""The six alerting-rule stack policies and the uptime-per-host policy: each violation fails its own policy (and
no other of the six), compliant alternatives pass, config makes them stricter, computed values are decided."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from agencyos_policy.observability import promql
from agencyos_policy.observability.monitoring import UPTIME_CHECK
from agencyos_policy.observability.rules import PROMETHEUS_RULE
from pulumi_policy import PolicyResource, StackValidationArgs

from agencyos_infra.wire import UNKNOWN
from tests.policy.observability.alerts_cases import (
    ALERT_PASSES,
    ALERT_VIOLATIONS,
    BASE,
    CHECK_PROPS,
    CONCERNS,
    CPU,
    DATABASE_INSTANCE,
    FAILING,
    LOOSE_RUN_CPU,
    NO_WEBHOOK_RULE,
    PASSING,
    RULES,
    SIX,
    STRIPE_SECRET,
    UPTIME,
    UPTIME_ALERT,
    UPTIME_FILTER_UNKNOWN,
    WEBHOOKS,
    bare_stack,
    cm_stack,
    prometheus_rule,
    rule,
    stack,
)
from tests.policy.runners import BY_NAME, StackCaseSuite
from tests.policy.stack_cases import stack_resources, validate_stack_in_process


class TestAlertingStackCases(StackCaseSuite):
    STACK_FAILING = FAILING
    STACK_PASSING = PASSING


def failing_policies(props: dict[str, Any], config: dict[str, Any] | None = None) -> set[str]:
    return {name for name in SIX if validate_stack_in_process(BY_NAME[name], props, config)}


@pytest.mark.parametrize(("policy", "props", "note"), ALERT_VIOLATIONS, ids=[v[2] for v in ALERT_VIOLATIONS])
def test_each_violation_fails_its_own_rule_alone(policy: str, props: dict[str, Any], note: str) -> None:
    assert failing_policies(props) == {policy}, note


@pytest.mark.parametrize(("policy", "props", "note"), ALERT_PASSES, ids=[f"{p[0]}:{p[2]}" for p in ALERT_PASSES])
def test_compliant_alternatives_pass_every_rule(policy: str, props: dict[str, Any], note: str) -> None:
    assert policy not in failing_policies(props), note


def test_removing_each_rule_fails_exactly_that_rule() -> None:
    for name in SIX:
        key = {CPU: "cpu"}.get(name, name)
        assert failing_policies(stack(prometheus_rule(**{key: None}))) == {name}


def test_config_can_only_make_a_rule_stricter() -> None:
    assert failing_policies(BASE, {"thresholdPercent": 70}) == {
        CPU,
        "observability-stack-alert-memory-usage",
        "observability-stack-alert-database-connections",
    }
    assert failing_policies(BASE, {"for": "1m"}) >= {CPU, "observability-stack-alert-p95-latency"}
    assert validate_stack_in_process(BY_NAME[WEBHOOKS], BASE, {"failures": "5 failures"})


def test_messages_name_the_rule_and_never_echo_the_expression() -> None:
    props = stack(prometheus_rule(cpu=rule(CPU, **{"for": "10m"})))
    (message,) = validate_stack_in_process(BY_NAME[CPU], props)
    assert "spec.groups[0].rules[1].for" in message and "5m" in message
    assert "container_cpu_usage_seconds_total" not in message


def test_an_expression_that_does_not_parse_cannot_stand_for_a_missing_rule() -> None:
    props = stack(prometheus_rule(cpu=rule(CPU, expr="sum(rate(container_cpu_usage_seconds_total[5m]) > ")))
    assert validate_stack_in_process(BY_NAME[CPU], props) == ["spec.groups[0].rules[1] does not parse as PromQL."]


@pytest.mark.parametrize(
    ("query", "scale", "complement"),
    [
        ("x / y", 1, False),
        ("100 * x / y", 100, False),
        ("(1 - x / y) * 100", 100, True),
        ("(1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes) * 100", 100, False),
        ('100 - avg(rate(node_cpu_seconds_total{mode="idle"}[5m])) * 100', 100, False),
        ('avg(rate(node_cpu_seconds_total{mode="idle"}[5m]))', 1, True),
        ("node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes * 100", 100, True),
        ("sum(rate(x[5m])) * 300", 300, False),
        ("x / 1000", 0.001, False),
        ("x * (60 * 5)", 300, False),
    ],
)
def test_the_scale_and_complement_of_an_expression(query: str, scale: float, complement: bool) -> None:
    assert promql.scale_of(promql.parse(query)) == (pytest.approx(scale), complement)


def test_conditions_of_or_are_each_a_condition_and_durations_parse() -> None:
    assert [c.threshold for c in promql.conditions(promql.parse("a > 1 or b > 2"))] == [1, 2]
    assert [c.threshold for c in promql.conditions(promql.parse("a / b > 80 / 100"))] == [pytest.approx(0.8)]
    assert promql.conditions(promql.parse("a > 1 / 0")) == []
    assert promql.conditions(promql.parse("sum(a)")) == []
    assert [promql.duration_seconds(d) for d in ("5m", "1m30s", "300s", "0", "1h")] == [300, 90, 300, 0, 3600]
    assert promql.duration_seconds("5 minutes") is None


def _run(policy: str, resources: list[PolicyResource]) -> list[str]:
    messages: list[str] = []
    BY_NAME[policy].validate(StackValidationArgs(resources, None, {}), lambda m, urn=None: messages.append(m))
    return messages


def test_an_uptime_alert_computed_from_its_check_covers_it() -> None:
    alert = copy.deepcopy(UPTIME_ALERT[1])
    alert["conditions"][0]["conditionThreshold"]["filter"] = UNKNOWN
    resources = [(UPTIME_CHECK, CHECK_PROPS), (UPTIME_ALERT[0], alert)]
    assert _run(UPTIME, stack_resources(resources, depends={1: {"conditions": [0]}})) == []
    assert "unknown during preview" in _run(UPTIME, stack_resources(resources, depends={}))[0]


def test_a_stack_without_alerting_is_not_judged_even_with_unrelated_custom_resources() -> None:
    other = (PROMETHEUS_RULE.replace("PrometheusRule", "ServiceMonitor"), {"spec": {}})
    assert failing_policies(stack(other)) == set()


def test_an_uptime_alert_computed_from_its_check_does_not_define_the_six_alerts() -> None:
    resources = [(UPTIME_CHECK, CHECK_PROPS), (UPTIME_ALERT[0], UPTIME_FILTER_UNKNOWN), *CONCERNS]
    for name in SIX:
        assert _run(name, stack_resources(resources, depends={1: {"conditions": [0]}})) == [], name
        assert _run(name, stack_resources(resources, depends={})), name


def test_a_looser_rule_names_its_threshold_the_checklists_and_the_config_key() -> None:
    (message,) = validate_stack_in_process(BY_NAME[CPU], cm_stack(**{CPU: LOOSE_RUN_CPU}))
    assert "threshold 0.95, the checklist says 0.8 (policy config thresholdPercent)" in message, message
    assert "no rule" not in message
    percent = stack(prometheus_rule(cpu=rule(CPU, expr=RULES[CPU]["expr"].replace("> 80", "> 90"))))
    (message,) = validate_stack_in_process(BY_NAME[CPU], percent)
    assert "threshold 90%, the checklist says 80% (policy config thresholdPercent)" in message, message
    (message,) = validate_stack_in_process(BY_NAME[CPU], BASE, {"thresholdPercent": 70})
    assert "threshold 80%, the policy config says 70% (policy config thresholdPercent)" in message, message
    (message,) = validate_stack_in_process(BY_NAME[CPU], stack(prometheus_rule(cpu=rule(CPU, **{"for": "10m"}))))
    assert "for must be at most 5m (the checklist's duration, policy config for); it is 10m." in message, message


def test_the_payment_webhook_rule_is_demanded_where_the_policy_config_says_payments_are_served() -> None:
    without = bare_stack(NO_WEBHOOK_RULE, DATABASE_INSTANCE)
    assert validate_stack_in_process(BY_NAME[WEBHOOKS], without) == []
    (message,) = validate_stack_in_process(BY_NAME[WEBHOOKS], without, {"paymentsServed": "yes"})
    assert "no rule on failed payment webhooks" in message and "paymentsServed is yes" in message, message
    with_secret = bare_stack(NO_WEBHOOK_RULE, STRIPE_SECRET)
    (message,) = validate_stack_in_process(BY_NAME[WEBHOOKS], with_secret)
    assert "STRIPE_WEBHOOK_SECRET" in message and "policy config paymentsServed" in message, message
    assert validate_stack_in_process(BY_NAME[WEBHOOKS], with_secret, {"paymentsServed": "no"}) == []
