"""Stack settings: the stack files validate, and each bad value fails on its own config key."""

from __future__ import annotations

import pytest
import yaml

from agencyos_infra.stackconfig import load_stack_config
from components import checklist
from stacks.settings import NAMESPACE, Environment, SettingsError, StackSettings, settings_from_config
from tests.conftest import REPO

VALID = {
    "gcp:project": "agencyos-prod",
    "gcp:region": "us-central1",
    f"{NAMESPACE}:environment": "production",
    f"{NAMESPACE}:namePrefix": "agencyos-prod",
    f"{NAMESPACE}:privateNetwork": "projects/agencyos-prod/global/networks/vpc",
}


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_stack_files_validate(stack: str) -> None:
    settings = settings_from_config(load_stack_config(REPO, stack).config)
    assert settings.debug is False
    assert settings.database.backup_start_time == checklist.DB_BACKUP_START_TIME_UTC


def test_defaults_are_the_checklist_numbers() -> None:
    database = settings_from_config(VALID).database
    assert database.tier == checklist.DB_DEFAULT_TIER
    assert database.disk_size_gb == checklist.DB_MIN_DISK_GB
    assert database.backup_retention_days == checklist.DB_BACKUP_RETENTION_DAYS
    assert database.pitr_retention_days == checklist.DB_PITR_LOG_RETENTION_DAYS
    assert database.max_connections == checklist.DB_MAX_CONNECTIONS


def test_staging_mirrors_production_topology() -> None:
    prod = settings_from_config(load_stack_config(REPO, "prod").config)
    staging = settings_from_config(load_stack_config(REPO, "staging").config)
    assert staging.environment is Environment.STAGING and prod.environment is Environment.PRODUCTION
    sizes = {"tier", "disk_size_gb"}
    assert prod.database.model_dump(exclude=sizes) == staging.database.model_dump(exclude=sizes)
    assert prod.region == staging.region


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("dbDiskSizeGb", "20", "greater than or equal to 50"),
        ("dbDiskSizeGb", "many", "valid integer"),
        ("dbTier", "db-custom-1-3840", "at least 2 vCPUs"),
        ("dbTier", "db-f1-micro", "custom tier"),
        ("dbBackupStartTime", "2am", "HH:MM"),
        ("dbBackupRetentionDays", "7", "greater than or equal to 30"),
        ("dbPitrRetentionDays", "3", "greater than or equal to 7"),
        ("dbPitrRetentionDays", "14", "less than or equal to 7"),
        ("dbMaxConnections", "50", "greater than or equal to 100"),
        ("dbReadReplicas", "-1", "greater than or equal to 0"),
        ("dbVersion", "MYSQL_8_0", "POSTGRES_"),
        ("dbAvailability", "MULTI", "REGIONAL"),
        ("dbMaintenanceDay", "8", "less than or equal to 7"),
        ("dbTeir", "db-custom-2-4096", "unknown key"),
        ("namePrefix", "AgencyOS", "should match pattern"),
        ("privateNetwork", "default", "should match pattern"),
        ("environment", "prod", "'production' or 'staging'"),
        ("colour", "blue", "unknown key"),
    ],
)
def test_each_bad_value_fails_on_its_key(key: str, value: str, expected: str) -> None:
    with pytest.raises(SettingsError) as error:
        settings_from_config({**VALID, f"{NAMESPACE}:{key}": value})
    message = str(error.value)
    assert f"{NAMESPACE}:{key} (" in message, message
    assert expected in message, message


def test_debug_is_refused_in_production_only() -> None:
    with pytest.raises(
        SettingsError, match=rf"{NAMESPACE}:debug \(boolean\): must be false when environment is production"
    ):
        settings_from_config({**VALID, f"{NAMESPACE}:debug": "true"})
    staging = {**VALID, f"{NAMESPACE}:environment": "staging", f"{NAMESPACE}:debug": "true"}
    assert settings_from_config(staging).debug is True


def test_one_message_lists_every_bad_key_without_echoing_values() -> None:
    bad = {**VALID, f"{NAMESPACE}:dbDiskSizeGb": "20", f"{NAMESPACE}:dbMaxConnections": "10"}
    del bad["gcp:project"]
    with pytest.raises(SettingsError) as error:
        settings_from_config(bad)
    message = str(error.value)
    assert "3 problem(s)" in message
    for key in (
        "gcp:project (missing)",
        f"{NAMESPACE}:dbDiskSizeGb (integer)",
        f"{NAMESPACE}:dbMaxConnections (integer)",
    ):
        assert key in message
    assert "pulumi config set gcp:project" in message
    assert "20" not in message.replace("≥", "")  # the kind is named, the value is not echoed


def test_other_namespaces_are_left_to_their_providers() -> None:
    settings = settings_from_config({**VALID, "gcp:zone": "us-central1-a", "kubernetes:context": "gke"})
    assert settings.project == "agencyos-prod"


def test_settings_are_frozen() -> None:
    settings = settings_from_config(VALID)
    with pytest.raises(ValueError, match="frozen"):
        settings.debug = True  # type: ignore[misc]


def test_pulumi_yaml_declares_exactly_the_settings_keys() -> None:
    declared = yaml.safe_load((REPO / "Pulumi.yaml").read_text())["config"]
    assert all(set(d) <= {"type", "description", "secret", "items"} for d in declared.values())
    assert all(d["type"] in {"string", "integer", "boolean", "array"} and d["description"] for d in declared.values())
    ours = {alias.split(":", 1)[1] for alias in _settings_keys() if alias.startswith(f"{NAMESPACE}:")}
    assert set(declared) == ours


def _settings_keys() -> list[str]:
    from stacks.settings import _known_keys

    return _known_keys()


def test_declared_types_match_the_models() -> None:
    from enum import Enum

    from stacks.settings import DatabaseSettings

    declared = yaml.safe_load((REPO / "Pulumi.yaml").read_text())["config"]
    annotations = {f.alias: f.annotation for f in StackSettings.model_fields.values() if f.alias}
    annotations |= {f"{NAMESPACE}:{f.alias}": f.annotation for f in DatabaseSettings.model_fields.values()}

    def config_type(annotation: type) -> str:
        if annotation is bool:
            return "boolean"
        if annotation is int:
            return "integer"
        assert annotation is str or issubclass(annotation, Enum), annotation
        return "string"

    for key, declaration in declared.items():
        assert declaration["type"] == config_type(annotations[f"{NAMESPACE}:{key}"]), key


def test_aliases_use_the_project_namespace() -> None:
    project = yaml.safe_load((REPO / "Pulumi.yaml").read_text())["name"]
    assert project == NAMESPACE
    for field in StackSettings.model_fields.values():
        assert (field.alias and field.alias.split(":")[0] in {NAMESPACE, "gcp"}) or field.alias is None, field
