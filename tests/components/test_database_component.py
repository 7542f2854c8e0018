"""The Database component: secure defaults, naming, parenting, secrets, and rejected args."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from agencyos_checklist.numbers import (
    DB_BACKUP_RETENTION_DAYS,
    DB_BACKUP_START_TIME_UTC,
    DB_MAX_CONNECTIONS,
    DB_MIN_DISK_GB,
    DB_PITR_LOG_RETENTION_DAYS,
)
from pydantic import ValidationError

from agencyos_infra.engine import CapturedResource, ProgramRun, run_program
from agencyos_infra.stackconfig import load_stack_config
from agencyos_infra.wire import UNKNOWN
from components.database import DatabaseArgs, DatabaseSpec
from components.workloads import required_database_connections
from stacks.settings import NAMESPACE, settings_from_config
from tests.conftest import REPO, run_repo_stack

INSTANCE = "gcp:sql/databaseInstance:DatabaseInstance"
COMPONENT = "agencyos:database:Database"


def _primary(run: ProgramRun) -> CapturedResource:
    [primary] = [r for r in run.of_type(INSTANCE) if "masterInstanceName" not in r.inputs.plain]
    return primary


def _settings(resource: CapturedResource) -> dict[str, Any]:
    return resource.inputs.plain["settings"]


def test_primary_meets_the_checklist_by_default(prod_run: ProgramRun) -> None:
    primary = _primary(prod_run)
    settings = _settings(primary)
    urn = primary.urn
    assert settings["ipConfiguration"]["ipv4Enabled"] is False, urn
    assert settings["ipConfiguration"]["privateNetwork"].endswith("/networks/agencyos-prod-vpc"), urn
    assert settings["ipConfiguration"]["sslMode"] == "ENCRYPTED_ONLY", urn
    assert settings["diskType"] == "PD_SSD" and settings["diskAutoresize"] is True, urn
    assert settings["diskSize"] >= DB_MIN_DISK_GB.value, urn
    assert settings["availabilityType"] == "REGIONAL", urn
    assert settings["edition"] == "ENTERPRISE", urn
    backup = settings["backupConfiguration"]
    assert backup["enabled"] is True and backup["startTime"] == DB_BACKUP_START_TIME_UTC.value, urn
    assert backup["backupRetentionSettings"] == {
        "retainedBackups": DB_BACKUP_RETENTION_DAYS.value,
        "retentionUnit": "COUNT",
    }, urn
    assert backup["pointInTimeRecoveryEnabled"] is True, urn
    assert backup["transactionLogRetentionDays"] == DB_PITR_LOG_RETENTION_DAYS.value, urn
    # Unset in prod: the app's pools at their peak, never below the checklist's 100.
    peak = required_database_connections(settings_from_config(load_stack_config(REPO, "prod").config).workloads)
    assert peak >= DB_MAX_CONNECTIONS.value
    assert {"name": "max_connections", "value": str(peak)} in settings["databaseFlags"], urn
    assert settings["maintenanceWindow"]["hour"] != int(backup["startTime"][:2]), urn
    assert settings["insightsConfig"]["queryInsightsEnabled"] is True, urn
    assert settings["deletionProtectionEnabled"] is True and primary.inputs.plain["deletionProtection"] is True, urn
    assert settings["userLabels"] == {"environment": "production", "app": "agencyos", "managed-by": "pulumi"}, urn
    assert primary.inputs.plain["databaseVersion"].startswith("POSTGRES_"), urn


def test_stateful_resources_are_protected(prod_run: ProgramRun) -> None:
    for resource in [*prod_run.of_type(INSTANCE), *prod_run.of_type("gcp:sql/database:Database")]:
        assert resource.protect, resource.urn


def test_children_are_named_after_the_component_and_parented_to_it(prod_run: ProgramRun) -> None:
    [component] = prod_run.of_type(COMPONENT)
    children = [r for r in prod_run.resources if r.parent == component.urn]
    assert sorted(r.name for r in children) == [
        "database-database",
        "database-instance",
        "database-password",
        "database-replica-1",
        "database-user",
    ]
    for child in children:
        assert child.urn == f"urn:pulumi:prod::agencyos-infra::{COMPONENT}${child.type}::{child.name}"
    assert _primary(prod_run).inputs.plain["name"] == "agencyos-prod-pg"


def test_replicas_follow_the_primary_privately(prod_run: ProgramRun) -> None:
    primary = _primary(prod_run)
    [replica] = [r for r in prod_run.of_type(INSTANCE) if r is not primary]
    assert replica.inputs.plain["masterInstanceName"] == "agencyos-prod-pg", replica.urn
    assert primary.urn in replica.dependencies, replica.urn
    assert _settings(replica)["ipConfiguration"]["ipv4Enabled"] is False, replica.urn
    assert "backupConfiguration" not in _settings(replica), replica.urn


def test_no_replicas_when_none_are_asked_for() -> None:
    run = run_repo_stack("prod", overrides={f"{NAMESPACE}:database": '{"readReplicas": 0}'})
    assert len(run.of_type(INSTANCE)) == 1


def test_connection_url_and_password_are_secret(prod_run: ProgramRun) -> None:
    assert "databaseUrl" in prod_run.stack_outputs.secret_paths
    # The database user's password (Grafana's admin password is the Monitoring component's).
    [password] = [
        r
        for r in prod_run.of_type("random:index/randomPassword:RandomPassword")
        if "agencyos:database:Database" in r.urn
    ]
    assert "result" in password.outputs.secret_paths, password.urn
    [user] = prod_run.of_type("gcp:sql/user:User")
    assert "password" in user.inputs.secret_paths, user.urn
    url = prod_run.stack_outputs.plain["databaseUrl"]
    secret = password.outputs.plain["result"]
    assert (
        url
        == f"postgresql://agencyos_app:{secret}@{_primary(prod_run).outputs.plain['privateIpAddress']}:5432/agencyos?sslmode=require"
    )
    assert "[secret]" in str(prod_run.stack_outputs.redacted()) and secret not in str(prod_run.stack_outputs.redacted())


def test_preview_mode_leaves_computed_values_unknown_but_secret() -> None:
    run = run_repo_stack("prod", preview=True)
    assert run.error is None, run.error
    [user] = run.of_type("gcp:sql/user:User")
    assert "password" in user.inputs.unknown_paths and "password" in user.inputs.secret_paths
    assert run.stack_outputs.plain["databasePrivateIp"] == UNKNOWN


BASE_ARGS: dict[str, Any] = {
    "name_prefix": "agencyos-test",
    "region": "us-central1",
    "private_network": "projects/p/global/networks/vpc",
    "labels": {},
}


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"tier": "db-custom-1-4096"}, "tier"),
        ({"tier": "db-custom-2-2048"}, "tier"),
        ({"tier": "db-custom-\u0664-\u0661\u0666\u0663\u0668\u0664"}, "tier"),  # Arabic-Indic digits
        ({"disk_size_gb": DB_MIN_DISK_GB.value - 1}, "disk_size_gb"),
        ({"backup_retention_days": DB_BACKUP_RETENTION_DAYS.value - 1}, "backup_retention_days"),
        ({"pitr_retention_days": DB_PITR_LOG_RETENTION_DAYS.value - 1}, "pitr_retention_days"),
        ({"max_connections": DB_MAX_CONNECTIONS.value - 1}, "max_connections"),
        ({"backup_start_time": "25:00"}, "backup_start_time"),
        ({"backup_start_time": "\u0660\u0662:00"}, "backup_start_time"),
        ({"version": "POSTGRES_\u0661\u0666"}, "version"),
        ({"availability": "SOMETIMES"}, "availability"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_invalid_spec_is_rejected_on_its_field(override: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as error:
        DatabaseSpec(**override)
    assert [e["loc"][0] for e in error.value.errors()] == [field]


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"private_network": ""}, "private_network is required"),
        ({"private_network": None}, "private_network is required"),
        ({"name_prefix": "Bad_Prefix"}, "name_prefix must be"),
        ({"region": ""}, "region is required"),
    ],
)
def test_invalid_args_are_rejected(override: dict[str, Any], expected: str) -> None:
    with pytest.raises(ValueError, match=expected):
        DatabaseArgs(**{**BASE_ARGS, **override})


def test_spec_takes_config_keys_and_field_names() -> None:
    assert DatabaseSpec.model_validate({"diskSizeGb": 80}).disk_size_gb == 80
    assert DatabaseSpec(disk_size_gb=80) == DatabaseSpec.model_validate({"diskSizeGb": 80})


def test_bad_config_registers_nothing() -> None:
    run = run_repo_stack(
        "prod", overrides={f"{NAMESPACE}:database": '{"diskSizeGb": 10}', f"{NAMESPACE}:debug": "true"}
    )
    assert run.error is not None
    assert f"{NAMESPACE}:database.diskSizeGb (integer)" in run.error and f"{NAMESPACE}:debug (boolean)" in run.error
    assert "Traceback" not in run.error
    assert [r.type for r in run.resources] == ["pulumi:pulumi:Stack"]


OPTS_PROGRAM = """
import pulumi
import pulumi_gcp as gcp
import pulumi_random as random

from components.database import Database, DatabaseArgs

provider = gcp.Provider("europe", project="p", region="europe-west1")
gate = random.RandomId("gate", byte_length=4)
vpc = gcp.compute.Network("vpc", auto_create_subnetworks=False, opts=pulumi.ResourceOptions(provider=provider))
Database(
    "db",
    DatabaseArgs(name_prefix="agencyos-test", region="europe-west1", private_network=vpc.id, labels={}),
    opts=pulumi.ResourceOptions(depends_on=[gate], protect=True, providers=[provider]),
)
"""


def test_resource_options_reach_every_child(tmp_path: Path) -> None:
    """depends_on, protect and providers travel in opts, and every child gets them; the VPC is an Output."""
    (tmp_path / "__main__.py").write_text(OPTS_PROGRAM)
    run = run_program(
        isolated=False, program_dir=tmp_path, project="opts", stack="test", config={}, secret_keys=[], preview=False
    )
    assert run.error is None, run.error
    [gate] = [r for r in run.resources if r.name == "gate"]
    [provider] = [r for r in run.resources if r.type == "pulumi:providers:gcp" and r.name == "europe"]
    [component] = run.of_type(COMPONENT)
    children = [r for r in run.resources if r.parent == component.urn]
    assert {r.name for r in children} == {"db-instance", "db-database", "db-user", "db-password"}
    for child in children:
        assert gate.urn in child.dependencies, child.urn
        assert child.protect, child.urn
        if child.type.startswith("gcp:"):
            assert child.provider.startswith(provider.urn), child.urn
    [instance] = run.of_type(INSTANCE)
    assert instance.inputs.plain["settings"]["ipConfiguration"]["privateNetwork"], instance.urn
