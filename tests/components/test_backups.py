"""The Backups component: the bucket's guarantees, the export and restore-test jobs, their identities and alert."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import yaml
from agencyos_checklist.numbers import DB_BACKUP_RETENTION_DAYS, DR_RTO_HOURS
from pydantic import ValidationError

from agencyos_infra.engine import CapturedResource, ProgramRun
from components.backups import (
    EXPORT_WORKFLOW,
    VERIFY_WORKFLOW,
    BackupsArgs,
    BackupsSpec,
    backups_location,
)
from stacks.settings import NAMESPACE, SettingsError, settings_from_config
from tests.conftest import run_repo_stack

BUCKET = "gcp:storage/bucket:Bucket"
COMPONENT = "agencyos:backups:Backups"
JOB = "gcp:cloudscheduler/job:Job"
WORKFLOW = "gcp:workflows/workflow:Workflow"


def _named(run: ProgramRun, name: str) -> CapturedResource:
    [resource] = [r for r in run.resources if r.name == name]
    return resource


def test_bucket_keeps_backups_away_from_the_region_for_the_retention(prod_run: ProgramRun) -> None:
    bucket = _named(prod_run, "backups-bucket")
    props, urn = bucket.inputs.plain, bucket.urn
    assert props["name"] == "agencyos-prod-backups", urn
    assert props["location"] == "US", urn  # multi-region, not us-central1
    assert props["uniformBucketLevelAccess"] is True and props["publicAccessPrevention"] == "enforced", urn
    days = DB_BACKUP_RETENTION_DAYS.value
    assert int(props["retentionPolicy"]["retentionPeriod"]) == days * 24 * 3600, urn
    [rule] = props["lifecycleRules"]
    assert rule["action"]["type"] == "Delete" and rule["condition"]["age"] >= days, urn
    assert props["labels"]["purpose"] == "backups" and bucket.protect and props["forceDestroy"] is False, urn


def test_no_versioning_with_a_retention_policy(prod_run: ProgramRun) -> None:
    """Provider rule: Cloud Storage refuses object versioning on a bucket with a retention policy."""
    for bucket in prod_run.of_type(BUCKET):
        props = bucket.inputs.plain
        if props.get("retentionPolicy"):
            assert not (props.get("versioning") or {}).get("enabled"), bucket.urn


def test_the_database_service_account_may_only_create_objects_in_the_bucket(prod_run: ProgramRun) -> None:
    writer = _named(prod_run, "backups-sql-writer")
    assert writer.inputs.plain["role"] == "roles/storage.objectCreator"
    assert writer.inputs.plain["bucket"] == "agencyos-prod-backups"
    assert writer.inputs.plain["member"].startswith("serviceAccount:")


def test_jobs_run_daily_and_weekly_at_low_traffic_hours(prod_run: ProgramRun) -> None:
    export = _named(prod_run, "backups-export-schedule").inputs.plain
    verify = _named(prod_run, "backups-verify-schedule").inputs.plain
    assert export["schedule"] == "0 3 * * *" and export["timeZone"] == "Etc/UTC"
    assert verify["schedule"] == "0 5 * * 6"
    for job in (export, verify):
        target = job["httpTarget"]
        assert target["uri"].startswith("https://workflowexecutions.googleapis.com/v1/")
        assert target["oauthToken"]["serviceAccountEmail"]
        assert json.loads(base64.b64decode(target["body"])) == {"argument": "{}"}


def test_each_job_has_its_own_identity_and_exact_permissions(prod_run: ProgramRun) -> None:
    accounts = {
        r.inputs.plain["accountId"]
        for r in prod_run.resources
        if r.name.startswith("backups-") and r.type == "gcp:serviceaccount/account:Account"
    }
    assert accounts == {"agencyos-prod-bkp-export", "agencyos-prod-bkp-verify"}
    roles = {r.name: r.inputs.plain for r in prod_run.of_type("gcp:projects/iAMCustomRole:IAMCustomRole")}
    assert roles["backups-export-role"]["permissions"] == ["cloudsql.instances.export", "cloudsql.instances.get"]
    assert "cloudsql.instances.delete" not in roles["backups-verify-source-role"]["permissions"]
    scratch_grant = _named(prod_run, "backups-verify-scratch-grant").inputs.plain
    assert (
        'startsWith("projects/agencyos-prod/instances/agencyos-prod-pg-verify-")'
        in scratch_grant["condition"]["expression"]
    )
    for member in prod_run.of_type("gcp:projects/iAMMember:IAMMember"):
        if member.name.startswith("backups-"):
            assert member.inputs.plain["role"] not in {"roles/owner", "roles/editor", "roles/cloudsql.admin"}


@pytest.mark.parametrize("source", [EXPORT_WORKFLOW, VERIFY_WORKFLOW], ids=["export", "verify"])
def test_workflows_are_valid_yaml_that_log_a_structured_result(source: str) -> None:
    document = yaml.safe_load(source)
    assert "main" in document
    assert "status: FAILURE" in source and "agencyos.backup." in source and "call: sys.log" in source


def test_the_restore_test_always_deletes_its_scratch_instance_and_judges_the_rto() -> None:
    steps = [next(iter(step)) for step in yaml.safe_load(VERIFY_WORKFLOW)["main"]["steps"]]
    assert steps.index("cleanup") > steps.index("restore_and_check") and steps[-1] == "outcome"
    assert "BUDGET_SECONDS" in VERIFY_WORKFLOW and "instances.restoreBackup" in VERIFY_WORKFLOW


def test_export_names_are_unique_so_retention_never_blocks_them() -> None:
    [uri_line] = [line for line in EXPORT_WORKFLOW.splitlines() if line.strip().startswith("- uri:")]
    assert "+ stamp +" in uri_line


def test_failures_raise_an_alert_to_the_configured_address(prod_run: ProgramRun) -> None:
    metric = _named(prod_run, "backups-failures").inputs.plain
    assert 'jsonPayload.status="FAILURE"' in metric["filter"] and "cloud_scheduler_job" in metric["filter"]
    channel = _named(prod_run, "backups-email").inputs.plain
    assert channel["type"] == "email" and channel["labels"] == {"email_address": "oncall@agencyos.example"}
    policy = _named(prod_run, "backups-alert").inputs.plain
    assert (
        policy["notificationChannels"]
        and policy["conditions"][0]["conditionThreshold"]["comparison"] == "COMPARISON_GT"
    )
    [component] = prod_run.of_type(COMPONENT)
    children = [r for r in prod_run.resources if r.parent == component.urn]
    assert all(r.name.startswith("backups-") for r in children) and len(children) >= 15


def test_without_an_address_the_alert_still_exists() -> None:
    run = run_repo_stack("prod", overrides={f"{NAMESPACE}:backups": "{}"})
    assert run.error is None, run.error
    assert not [r for r in run.resources if r.name == "backups-email"]
    assert _named(run, "backups-alert").inputs.plain.get("notificationChannels") in (None, [])


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"location": "us-central1"}, "location"),
        ({"retention_days": DB_BACKUP_RETENTION_DAYS.value - 1}, "retention_days"),
        ({"verification_budget_hours": DR_RTO_HOURS.value + 1}, "verification_budget_hours"),
        ({"verification_day": "FUNDAY"}, "verification_day"),
        ({"export_hour": 24}, "export_hour"),
        ({"alert_email": "not-an-address"}, "alert_email"),
        ({"versioning": True}, "versioning"),
    ],
)
def test_invalid_spec_is_rejected_on_its_field(override: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as error:
        BackupsSpec(**override)
    assert [e["loc"][0] for e in error.value.errors()] == [field]


def test_location_defaults_to_the_continent_multi_region() -> None:
    assert backups_location(BackupsSpec(), "europe-west1") == "EU"
    assert backups_location(BackupsSpec(location="nam4"), "us-central1") == "NAM4"
    with pytest.raises(ValueError, match="must be set"):
        backups_location(BackupsSpec(), "me-central1")


BASE_ARGS: dict[str, Any] = {
    "name_prefix": "agencyos-test",
    "project": "p",
    "region": "us-central1",
    "network": "projects/p/global/networks/vpc",
    "database_instance": "db",
    "database_name": "app",
    "database_version": "POSTGRES_16",
    "database_service_account": "sa@example.com",
    "labels": {},
}


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"name_prefix": "agencyos-a-very-long-prefix"}, "too long"),
        ({"database_instance": ""}, "database_instance is required"),
        ({"database_service_account": None}, "database_service_account is required"),
        ({"project": ""}, "project and region"),
    ],
)
def test_invalid_args_are_rejected(override: dict[str, Any], expected: str) -> None:
    with pytest.raises(ValueError, match=expected):
        BackupsArgs(**{**BASE_ARGS, **override})


def test_settings_refuse_an_export_during_the_database_backup() -> None:
    from tests.test_settings import VALID

    with pytest.raises(SettingsError, match=rf"{NAMESPACE}:backups \(object\): exportHour must differ"):
        settings_from_config({**VALID, f"{NAMESPACE}:backups": json.dumps({"exportHour": 2})})
