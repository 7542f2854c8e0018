"""Cloud Monitoring resource policies (alert routing, uptime checks) and the Helm pin on kube-prometheus-stack:
every case in-process and through the pack over gRPC, at its policy's level."""

from __future__ import annotations

from agencyos_policy.observability.monitoring import ALERT_POLICY, UPTIME_CHECK

from tests.policy.observability.monitoring_cases import ALERT, CHECK, FAILING, PASSING
from tests.policy.runners import ResourceCaseSuite, StackCaseSuite, by_prefix, failures
from tests.policy.stack_cases import STACK

MONITORING = by_prefix("gcp-monitoring-")


class TestMonitoringCases(ResourceCaseSuite):
    FAILING = tuple(case for case in FAILING if case.resource_type != STACK)
    PASSING = tuple(case for case in PASSING if case.resource_type != STACK)


class TestChannelKindCases(StackCaseSuite):
    STACK_FAILING = tuple(case for case in FAILING if case.resource_type == STACK)
    STACK_PASSING = tuple(case for case in PASSING if case.resource_type == STACK)


def test_compliant_resources_pass_every_monitoring_policy() -> None:
    assert failures(MONITORING, ALERT, resource_type=ALERT_POLICY) == {}
    assert failures(MONITORING, CHECK, resource_type=UPTIME_CHECK) == {}


def test_a_check_on_the_wrong_path_over_http_every_ten_minutes_names_each_field() -> None:
    props = {**CHECK, "httpCheck": {"path": "/", "useSsl": False, "validateSsl": True}, "period": "600s"}
    (messages,) = failures(["gcp-monitoring-uptimecheck-health"], props, resource_type=UPTIME_CHECK).values()
    assert [m.split(" ")[0] for m in messages] == ["period", "httpCheck.useSsl", "httpCheck.path"]
    assert "api.example.com" not in " ".join(messages)


def test_other_resource_types_are_ignored() -> None:
    assert (
        failures(MONITORING, {"type": "email"}, resource_type="gcp:monitoring/notificationChannel:NotificationChannel")
        == {}
    )
