"""The LogRetention component: buckets kept as long as the checklist says, routing by filter, audit logs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from agencyos_checklist.numbers import (
    LOG_RETENTION_APPLICATION,
    LOG_RETENTION_AUDIT,
    LOG_RETENTION_SECURITY,
    seconds,
)
from pydantic import ValidationError

from agencyos_infra.engine import CapturedResource, ProgramRun
from components.log_retention import (
    DATA_ACCESS_SERVICES,
    LogKind,
    LogRetentionArgs,
    LogsSpec,
    checklist_days,
)
from stacks.settings import NAMESPACE, SettingsError, settings_from_config
from tests.conftest import run_repo_stack
from tests.test_settings import VALID

COMPONENT = "agencyos:observability:Logs"
BUCKET = "gcp:logging/projectBucketConfig:ProjectBucketConfig"
SINK = "gcp:logging/projectSink:ProjectSink"
EXCLUSION = "gcp:logging/projectExclusion:ProjectExclusion"
AUDIT_CONFIG = "gcp:projects/iAMAuditConfig:IAMAuditConfig"
LOGS = f"{NAMESPACE}:logs"
DAYS = {
    "application": seconds(LOG_RETENTION_APPLICATION) // 86400,
    "security": seconds(LOG_RETENTION_SECURITY) // 86400,
    "audit": seconds(LOG_RETENTION_AUDIT) // 86400,
}


@pytest.fixture(scope="module")
def run() -> ProgramRun:
    """The prod stack, run once for this module's read-only assertions (each run costs seconds)."""
    result = run_repo_stack("prod")
    assert result.error is None, result.error
    return result


def _mine(run: ProgramRun, type_token: str) -> dict[str, CapturedResource]:
    [component] = run.of_type(COMPONENT)
    return {r.name: r for r in run.of_type(type_token) if r.parent == component.urn}


def test_checklist_days_are_the_stated_ones() -> None:
    assert DAYS == {"application": 30, "security": 90, "audit": 365}
    assert {kind.value: checklist_days(kind) for kind in LogKind} == DAYS


def test_buckets_keep_each_kind_as_long_as_the_checklist_and_are_protected(run: ProgramRun) -> None:
    buckets = _mine(run, BUCKET)
    assert set(buckets) == {"logs-application", "logs-security", "logs-audit"}
    for kind, days in DAYS.items():
        bucket = buckets[f"logs-{kind}"]
        props = bucket.inputs.plain
        assert props["bucketId"] == f"agencyos-prod-{kind}-logs", bucket.urn
        assert props["retentionDays"] == days, bucket.urn
        assert props["location"] == "us-central1" and props["project"] == "agencyos-prod", bucket.urn
        assert bucket.protect, bucket.urn


def test_only_the_audit_bucket_is_locked(run: ProgramRun) -> None:
    buckets = _mine(run, BUCKET)
    assert buckets["logs-audit"].inputs.plain["locked"] is True
    assert buckets["logs-application"].inputs.plain["locked"] is False
    assert buckets["logs-security"].inputs.plain["locked"] is False


def test_each_sink_routes_its_filter_to_its_bucket_in_this_project(run: ProgramRun) -> None:
    sinks = _mine(run, SINK)
    assert set(sinks) == {"logs-application-sink", "logs-security-sink", "logs-audit-sink"}
    for kind in DAYS:
        sink = sinks[f"logs-{kind}-sink"].inputs.plain
        assert sink["destination"] == (
            f"logging.googleapis.com/projects/agencyos-prod/locations/us-central1/buckets/agencyos-prod-{kind}-logs"
        )
        assert sink["project"] == "agencyos-prod" and not sink.get("disabled")
        _balanced(sink["filter"])
    application = sinks["logs-application-sink"].inputs.plain["filter"]
    assert application == 'resource.type="k8s_container" AND resource.labels.namespace_name="agencyos"'
    security = sinks["logs-security-sink"].inputs.plain["filter"]
    assert 'resource.labels.namespace_name="ingress-nginx"' in security  # the edge's access logs
    assert 'log_id("compute.googleapis.com/vpc_flows")' in security
    assert 'log_id("compute.googleapis.com/firewall")' in security
    assert "enforcedSecurityPolicy" in security  # Cloud Armor verdicts
    audit = sinks["logs-audit-sink"].inputs.plain["filter"]
    assert audit.startswith('logName:"cloudaudit.googleapis.com" OR ')
    for category in ("auth", "payment", "admin"):
        assert f'jsonPayload.category="{category}"' in audit
    assert 'resource.labels.namespace_name="agencyos"' in audit  # the app's events only, not any container's


def test_same_project_buckets_need_no_writer_grant(run: ProgramRun) -> None:
    """LogSink.writerIdentity: a log bucket in the sink's own project takes no identity and no permission."""
    grants = [
        r
        for r in run.resources
        if "iAMMember" in r.type or "iAMBinding" in r.type
        if r.inputs.plain.get("role") == "roles/logging.bucketWriter"
    ]
    assert grants == []


def test_routed_entries_leave_default_but_admin_activity_is_never_excluded(run: ProgramRun) -> None:
    exclusions = {r.name: r.inputs.plain for r in _mine(run, EXCLUSION).values()}
    sinks = {r.name: r.inputs.plain for r in _mine(run, SINK).values()}
    assert exclusions["logs-application-default-exclusion"]["filter"] == sinks["logs-application-sink"]["filter"]
    assert exclusions["logs-security-default-exclusion"]["filter"] == sinks["logs-security-sink"]["filter"]
    assert exclusions["logs-audit-default-exclusion"]["filter"] == 'log_id("cloudaudit.googleapis.com/data_access")'
    for exclusion in exclusions.values():
        assert "cloudaudit.googleapis.com/activity" not in exclusion["filter"]
        assert not exclusion.get("disabled")


def test_data_access_audit_logs_for_the_services_holding_user_data(run: ProgramRun) -> None:
    configs = {r.inputs.plain["service"]: r.inputs.plain for r in _mine(run, AUDIT_CONFIG).values()}
    assert set(configs) == set(DATA_ACCESS_SERVICES)
    assert {"cloudsql.googleapis.com", "storage.googleapis.com", "secretmanager.googleapis.com"} <= set(configs)
    assert "redis.googleapis.com" in configs
    for service, config in configs.items():
        assert config["project"] == "agencyos-prod", service
        log_types = {c["logType"]: c for c in config["auditLogConfigs"]}
        assert set(log_types) == {"ADMIN_READ", "DATA_READ", "DATA_WRITE"}, service
        assert all(not c.get("exemptedMembers") for c in log_types.values()), service


def test_longer_retention_another_location_and_no_exclusions_are_honoured() -> None:
    spec = {
        "auditRetentionDays": 400,
        "excludeRoutedFromDefault": False,
        "location": "global",
        "dataAccessServices": ["cloudsql.googleapis.com"],
    }
    result = run_repo_stack("staging", overrides={LOGS: json.dumps(spec)})
    assert result.error is None, result.error
    audit = _mine(result, BUCKET)["logs-audit"].inputs.plain
    assert audit["retentionDays"] == 400 and audit["locked"] is True and audit["location"] == "global"
    assert audit["bucketId"] == "agencyos-stg-audit-logs"
    assert _mine(result, EXCLUSION) == {}
    assert [r.inputs.plain["service"] for r in _mine(result, AUDIT_CONFIG).values()] == ["cloudsql.googleapis.com"]
    destination = _mine(result, SINK)["logs-audit-sink"].inputs.plain["destination"]
    assert destination.endswith("/locations/global/buckets/agencyos-stg-audit-logs")


def test_filters_are_known_at_preview() -> None:
    preview = run_repo_stack("prod", preview=True)
    assert preview.error is None, preview.error
    for resource in [*_mine(preview, SINK).values(), *_mine(preview, BUCKET).values()]:
        assert resource.inputs.unknown_paths == [], resource.urn


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"application_retention_days": DAYS["application"] - 1}, "application_retention_days"),
        ({"security_retention_days": DAYS["security"] - 1}, "security_retention_days"),
        ({"audit_retention_days": 7}, "audit_retention_days"),
        ({"audit_retention_days": 3651}, "audit_retention_days"),
        ({"location": "US"}, "location"),
        ({"data_access_services": ["cloudsql"]}, "data_access_services"),
        ({"data_access_services": []}, "data_access_services"),
        ({"data_access_services": ["storage.googleapis.com", "storage.googleapis.com"]}, "data_access_services"),
        ({"audit_categories": ['auth" OR true']}, "audit_categories"),
        ({"retention": 30}, "retention"),
        ({"lock_audit_bucket": False}, "lock_audit_bucket"),  # the audit bucket is always locked
    ],
)
def test_invalid_spec_is_rejected_on_its_field(override: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as error:
        LogsSpec(**override)
    assert {str(e["loc"][0]) for e in error.value.errors()} == {field}


def test_a_seven_day_audit_retention_is_refused_with_its_config_path() -> None:
    with pytest.raises(SettingsError) as error:
        settings_from_config({**VALID, LOGS: json.dumps({"auditRetentionDays": 7})})
    assert f"{LOGS}.auditRetentionDays (integer): Input should be greater than or equal to 365" in str(error.value)


BASE_ARGS: dict[str, Any] = {
    "name_prefix": "agencyos-test",
    "project": "p",
    "region": "us-central1",
    "app_namespace": "agencyos",
    "ingress_namespace": "ingress-nginx",
}


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"app_namespace": "Agency OS"}, "app_namespace must be a Kubernetes namespace"),
        ({"ingress_namespace": 'x" OR "y'}, "ingress_namespace must be a Kubernetes namespace"),
        ({"project": ""}, "project and region"),
        ({"name_prefix": "x"}, "name_prefix"),
    ],
)
def test_invalid_args_are_rejected(override: dict[str, Any], expected: str) -> None:
    with pytest.raises(ValueError, match=expected):
        LogRetentionArgs(**{**BASE_ARGS, **override})


def _balanced(query: str) -> None:
    """Parentheses close in order and quotes pair up: the filter at least parses as Logging's grammar needs."""
    depth = 0
    for char in query.replace('\\"', ""):
        depth += {"(": 1, ")": -1}.get(char, 0)
        assert depth >= 0, query
    assert depth == 0 and query.count('"') % 2 == 0, query
