"""Cloudflare DNS policies: record and zone-setting cases in-process and through the pack over gRPC; zones
(stack cases) through the stack runner, as AnalyzeStack runs them."""

from __future__ import annotations

from typing import Any

import pytest

from agencyos_infra.analyzer import PolicyReport
from agencyos_infra.wire import UNKNOWN
from tests.conftest import single_resource_run, validate_in_process
from tests.policy.cases import mutate
from tests.policy.cloudflare.dns_cases import (
    A_RECORD,
    DNS_RECORD,
    RECORD_COMPLIANT,
    RECORD_VIOLATIONS,
    SETTING_COMPLIANT,
    SETTING_VIOLATIONS,
    STACK_FAILING,
    STACK_PASSING,
    ZONE,
    ZONE_POLICIES,
    ZONE_SETTING,
)
from tests.policy.runners import PackAnalyze, by_prefix, failures
from tests.policy.stack_cases import validate_stack_in_process

BY_NAME = by_prefix("cloudflare-")
RESOURCE_POLICIES = ("cloudflare-dns-record-launch-ttl", "cloudflare-zonesetting-zone-https-only")


def failing(props: dict[str, Any], resource_type: str = DNS_RECORD) -> dict[str, list[str]]:
    return failures(RESOURCE_POLICIES, props, resource_type=resource_type)


def zone_failures(props: dict[str, Any]) -> dict[str, list[str]]:
    results = {name: validate_stack_in_process(BY_NAME[name], props) for name in ZONE_POLICIES}
    return {name: messages for name, messages in results.items() if messages}


def test_baseline_record_is_compliant() -> None:
    assert failing(A_RECORD) == {}


@pytest.mark.parametrize(("policy", "changes"), RECORD_VIOLATIONS, ids=str)
def test_each_record_violation_fails_its_policy_alone(policy: str, changes: dict[str, Any]) -> None:
    assert set(failing(mutate(A_RECORD, changes))) == {policy}


@pytest.mark.parametrize("changes", RECORD_COMPLIANT, ids=str)
def test_compliant_records_pass(changes: dict[str, Any]) -> None:
    assert failing(mutate(A_RECORD, changes)) == {}


@pytest.mark.parametrize("props", SETTING_VIOLATIONS, ids=str)
def test_zone_setting_violations_fail(props: dict[str, Any]) -> None:
    assert set(failing({"zoneId": ZONE, **props}, ZONE_SETTING)) == {"cloudflare-zonesetting-zone-https-only"}


@pytest.mark.parametrize("props", SETTING_COMPLIANT, ids=str)
def test_compliant_zone_settings_pass(props: dict[str, Any]) -> None:
    assert failing({"zoneId": ZONE, **props}, ZONE_SETTING) == {}


@pytest.mark.parametrize("path", ["ttl", "proxied"])
def test_unknowns_cannot_pass_the_ttl_rule(path: str) -> None:
    messages = failing(mutate(A_RECORD, {"ttl": 1, path: UNKNOWN})).get("cloudflare-dns-record-launch-ttl", [])
    assert any("unknown during preview" in m for m in messages), messages


def test_policy_config_raises_the_ttl_bound_after_go_live() -> None:
    policy, props = BY_NAME["cloudflare-dns-record-launch-ttl"], mutate(A_RECORD, {"ttl": 3600})
    assert validate_in_process(policy, props, resource_type=DNS_RECORD)
    assert not validate_in_process(policy, props, resource_type=DNS_RECORD, config={"maxTtl": "3600s"})


@pytest.mark.parametrize(("policy", "props", "note"), STACK_FAILING, ids=lambda v: v if isinstance(v, str) else "")
def test_each_zone_violation_fails_its_policy_alone(policy: str, props: dict[str, Any], note: str) -> None:
    assert set(zone_failures(props)) == {policy}, note


@pytest.mark.parametrize(("props", "note"), STACK_PASSING, ids=lambda v: v if isinstance(v, str) else "")
def test_compliant_zones_pass(props: dict[str, Any], note: str) -> None:
    assert zone_failures(props) == {}, note


def test_an_unknown_zone_id_is_named_in_the_message() -> None:
    [(_, props, _)] = [case for case in STACK_FAILING if case[2] == "zone unknown, no MX"]
    assert any("unknown during preview" in m for m in zone_failures(props)["cloudflare-dns-zone-mx"])


def test_messages_never_echo_record_contents() -> None:
    [(_, props, _)] = [case for case in STACK_FAILING if case[2] == "+all"]
    assert not any("spf.mail.example" in m for ms in zone_failures(props).values() for m in ms)


# --- through the pack over gRPC ------------------------------------------------------------------


def _resource_level(report: PolicyReport) -> list[str]:
    """Violations of the resource policies (a lone record also meets the zone rules in AnalyzeStack)."""
    return [v.policy for v in report.mandatory if v.policy in RESOURCE_POLICIES]


def test_grpc_baseline_passes(pack_analyze: PackAnalyze) -> None:
    report = pack_analyze(single_resource_run(DNS_RECORD, A_RECORD))
    assert _resource_level(report) == []
    # Alone in its stack, the record's zone has no MX, SPF, DKIM or DMARC: the zone rules say so.
    assert {v.policy for v in report.mandatory} == set(ZONE_POLICIES)


@pytest.mark.parametrize(("policy", "changes"), RECORD_VIOLATIONS, ids=str)
def test_grpc_record_violations_are_reported_with_level_and_item(
    pack_analyze: PackAnalyze, policy: str, changes: dict[str, Any]
) -> None:
    report = pack_analyze(single_resource_run(DNS_RECORD, mutate(A_RECORD, changes)))
    assert _resource_level(report) == [policy]
    assert all(v.checklist_item for v in report.mandatory)


@pytest.mark.parametrize("props", SETTING_VIOLATIONS, ids=str)
def test_grpc_zone_setting_violations(pack_analyze: PackAnalyze, props: dict[str, Any]) -> None:
    report = pack_analyze(single_resource_run(ZONE_SETTING, {"zoneId": ZONE, **props}))
    assert [v.policy for v in report.mandatory] == ["cloudflare-zonesetting-zone-https-only"]


def test_grpc_unknown_ttl_stays_mandatory(pack_analyze: PackAnalyze) -> None:
    report = pack_analyze(single_resource_run(DNS_RECORD, mutate(A_RECORD, {"ttl": UNKNOWN})))
    assert _resource_level(report) == ["cloudflare-dns-record-launch-ttl"]
    assert not any("can't run policy" in v.message for v in report.violations)
