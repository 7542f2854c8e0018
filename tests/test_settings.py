"""Stack settings: the stack files validate, and each bad value fails on its full config path."""

from __future__ import annotations

import json
from enum import Enum
from typing import Any

import pytest
import yaml
from agencyos_checklist.numbers import (
    DB_BACKUP_RETENTION_DAYS,
    DB_BACKUP_START_TIME_UTC,
    DB_MAX_CONNECTIONS,
    DB_MIN_DISK_GB,
    DB_PITR_LOG_RETENTION_DAYS,
)
from pydantic import BaseModel

from agencyos_infra.stackconfig import load_stack_config
from components.database import DEFAULT_TIER
from components.workloads import required_database_connections
from stacks.settings import (
    COMPONENT_SECTIONS,
    NAMESPACE,
    Environment,
    SettingsError,
    StackSettings,
    known_keys,
    settings_from_config,
)
from tests.conftest import REPO

VALID = {
    "gcp:project": "agencyos-prod",
    "gcp:region": "us-central1",
    f"{NAMESPACE}:environment": "production",
    f"{NAMESPACE}:namePrefix": "agencyos-prod",
}
DATABASE = f"{NAMESPACE}:database"


def with_database(**fields: Any) -> dict[str, str]:
    """VALID plus the database object, JSON-encoded as Pulumi passes objects to programs."""
    return {**VALID, DATABASE: json.dumps(fields)}


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_stack_files_validate(stack: str) -> None:
    settings = settings_from_config(load_stack_config(REPO, stack).config)
    assert settings.debug is False
    assert settings.database.backup_start_time == DB_BACKUP_START_TIME_UTC.value


def test_prod_sets_its_database_object() -> None:
    database = settings_from_config(load_stack_config(REPO, "prod").config).database
    assert (database.tier, database.disk_size_gb, database.read_replicas) == ("db-custom-4-16384", 100, 1)


def test_defaults_are_the_checklist_numbers() -> None:
    database = settings_from_config(VALID).database
    assert database.tier == DEFAULT_TIER
    assert database.disk_size_gb == DB_MIN_DISK_GB.value
    assert database.backup_retention_days == DB_BACKUP_RETENTION_DAYS.value
    assert database.pitr_retention_days == DB_PITR_LOG_RETENTION_DAYS.value
    # Unset: derived from the app's pools (components.workloads.required_database_connections), never below 100.
    assert database.max_connections is None


def test_max_connections_must_fit_the_apps_pools_at_their_peak() -> None:
    settings = settings_from_config(VALID)
    needed = required_database_connections(settings.workloads)
    assert needed > DB_MAX_CONNECTIONS.value  # 11 pods x (20 + 10) + 3 reserved with the checklist's numbers
    assert settings_from_config(with_database(maxConnections=needed)).database.max_connections == needed
    with pytest.raises(SettingsError) as error:
        settings_from_config(with_database(maxConnections=needed - 1))
    # The workloads are the defaults here: the message still names the key.
    assert "agencyos-infra:workloads (object, default)" in str(error.value), error.value
    assert f"database.maxConnections to at least {needed}" in str(error.value), error.value


def test_objects_are_accepted_encoded_or_decoded() -> None:
    encoded = settings_from_config(with_database(diskSizeGb=80))
    decoded = settings_from_config({**VALID, DATABASE: {"diskSizeGb": 80}})
    assert encoded == decoded and encoded.database.disk_size_gb == 80
    assert settings_from_config({**VALID, DATABASE: "{}"}).database == settings_from_config(VALID).database


def test_staging_mirrors_production_topology() -> None:
    prod = settings_from_config(load_stack_config(REPO, "prod").config)
    staging = settings_from_config(load_stack_config(REPO, "staging").config)
    assert staging.environment is Environment.STAGING and prod.environment is Environment.PRODUCTION
    sizes = {"tier", "disk_size_gb"}
    assert prod.database.model_dump(exclude=sizes) == staging.database.model_dump(exclude=sizes)
    assert prod.region == staging.region


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("diskSizeGb", DB_MIN_DISK_GB.value - 1, f"greater than or equal to {DB_MIN_DISK_GB.value}"),
        ("diskSizeGb", "many", "valid integer"),
        ("tier", "db-custom-1-3840", "at least 2 vCPUs"),
        ("tier", "db-f1-micro", "custom tier"),
        ("tier", "db-custom-\u0664-\u0661\u0666\u0663\u0668\u0664", "custom tier"),  # non-ASCII digits
        ("backupStartTime", "2am", "HH:MM"),
        ("backupRetentionDays", 7, f"greater than or equal to {DB_BACKUP_RETENTION_DAYS.value}"),
        ("pitrRetentionDays", 3, f"greater than or equal to {DB_PITR_LOG_RETENTION_DAYS.value}"),
        ("pitrRetentionDays", 14, "less than or equal to 7"),
        ("maxConnections", 50, f"greater than or equal to {DB_MAX_CONNECTIONS.value}"),
        ("readReplicas", -1, "greater than or equal to 0"),
        ("version", "MYSQL_8_0", "POSTGRES_"),
        ("availability", "MULTI", "REGIONAL"),
        ("maintenanceDay", 8, "less than or equal to 7"),
        ("teir", "db-custom-2-4096", "unknown key; known keys: availability, backupRetentionDays"),
        ("disk_size_gb", 80, "unknown key"),  # only the config spelling is a config key
    ],
)
def test_each_bad_database_field_fails_on_its_path(field: str, value: Any, expected: str) -> None:
    with pytest.raises(SettingsError) as error:
        settings_from_config(with_database(**{field: value}))
    message = str(error.value)
    assert f"{DATABASE}.{field} (" in message, message
    assert expected in message, message


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("namePrefix", "AgencyOS", "should match pattern"),
        ("privateNetwork", "projects/p/global/networks/vpc", "unknown key"),  # the network is ours now
        ("environment", "prod", "'production' or 'staging'"),
        ("colour", "blue", "unknown key"),
        ("database", "[1, 2]", "valid dictionary"),
        ("database", "not json", "valid dictionary"),
        ("dbTier", "db-custom-2-4096", "unknown key"),  # the flat keys of old are gone
    ],
)
def test_each_bad_top_level_value_fails_on_its_key(key: str, value: str, expected: str) -> None:
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


def test_one_message_lists_every_bad_field_without_echoing_values() -> None:
    bad = with_database(diskSizeGb=20, maxConnections=10, tier="CANARY-tier")
    del bad["gcp:project"]
    with pytest.raises(SettingsError) as error:
        settings_from_config(bad)
    message = str(error.value)
    assert "4 problem(s)" in message
    for key in (
        "gcp:project (missing)",
        f"{DATABASE}.diskSizeGb (integer)",
        f"{DATABASE}.maxConnections (integer)",
        f"{DATABASE}.tier (string)",
    ):
        assert key in message
    assert "pulumi config set gcp:project" in message
    assert "20" not in message and "CANARY" not in message  # the kind is named, the value is not echoed


def test_other_namespaces_are_left_to_their_providers() -> None:
    settings = settings_from_config({**VALID, "gcp:zone": "us-central1-a", "kubernetes:context": "gke"})
    assert settings.project == "agencyos-prod"


def test_settings_are_frozen() -> None:
    settings = settings_from_config(VALID)
    with pytest.raises(ValueError, match="frozen"):
        settings.debug = True  # type: ignore[misc]
    with pytest.raises(ValueError, match="frozen"):
        settings.database.tier = "db-custom-8-32768"  # type: ignore[misc]


def _config_type(annotation: Any) -> str:
    if annotation is bool:
        return "boolean"
    if annotation is int:
        return "integer"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "object"
    assert annotation is str or issubclass(annotation, Enum), annotation
    return "string"


def test_pulumi_yaml_declares_exactly_the_top_level_keys_with_their_types() -> None:
    declared = yaml.safe_load((REPO / "Pulumi.yaml").read_text())["config"]
    fields = {
        field.alias.split(":", 1)[1]: field
        for field in StackSettings.model_fields.values()
        if field.alias and field.alias.startswith(f"{NAMESPACE}:")
    }
    assert set(declared) == set(fields)
    for key, declaration in declared.items():
        field = fields[key]
        assert declaration["type"] == _config_type(field.annotation), key
        # Described once, in the model; Pulumi.yaml carries type and default only.
        assert set(declaration) <= {"type", "default"}, key
        assert field.description, key
        if field.is_required():
            assert "default" not in declaration, key
        elif declaration["type"] == "object":
            assert declaration["default"] == {}, key  # the model's defaults apply field by field
        else:
            assert declaration["default"] == field.default, key


def test_every_field_is_described_once_in_its_model() -> None:
    for model in (StackSettings, *COMPONENT_SECTIONS.values()):
        for name, field in model.model_fields.items():
            assert field.description and field.description.endswith((".", ")")), f"{model.__name__}.{name}"


def test_object_aliases_are_generated_camel_case() -> None:
    for model in COMPONENT_SECTIONS.values():
        for name, field in model.model_fields.items():
            head, *rest = name.split("_")
            assert field.alias == head + "".join(part.title() for part in rest), name


def test_known_keys_name_full_paths() -> None:
    keys = known_keys()
    assert f"{DATABASE}.diskSizeGb" in keys and f"{NAMESPACE}:namePrefix" in keys and "gcp:project" in keys


def test_aliases_use_the_project_namespace() -> None:
    project = yaml.safe_load((REPO / "Pulumi.yaml").read_text())["name"]
    assert project == NAMESPACE
    for field in StackSettings.model_fields.values():
        assert field.alias and field.alias.split(":")[0] in {NAMESPACE, "gcp"}, field
