"""The Cache component: secure defaults, naming, parenting, secrets, provider rules, and rejected args."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from agencyos_checklist.numbers import REDIS_EVICTION_POLICY, REDIS_MAXMEMORY_PERCENT, REDIS_MIN_MEMORY_GB
from pydantic import ValidationError

from agencyos_infra.engine import CapturedResource, ProgramRun, run_program
from components.cache import CacheArgs, CacheSpec, maxmemory_gb
from tests.conftest import run_repo_stack

INSTANCE = "gcp:redis/instance:Instance"
COMPONENT = "agencyos:cache:Cache"


def _instance(run: ProgramRun) -> CapturedResource:
    [instance] = run.of_type(INSTANCE)
    return instance


def test_instance_meets_the_checklist_by_default(prod_run: ProgramRun) -> None:
    instance = _instance(prod_run)
    props, urn = instance.inputs.plain, instance.urn
    assert props["redisVersion"] == "REDIS_7_2", urn
    assert props["tier"] == "STANDARD_HA", urn
    assert props["memorySizeGb"] >= REDIS_MIN_MEMORY_GB.value, urn
    assert props["authEnabled"] is True, urn
    assert props["transitEncryptionMode"] == "SERVER_AUTHENTICATION", urn
    assert props["connectMode"] == "PRIVATE_SERVICE_ACCESS", urn
    assert props["authorizedNetwork"], urn
    assert props["redisConfigs"]["maxmemory-policy"] == REDIS_EVICTION_POLICY.value, urn
    assert float(props["redisConfigs"]["maxmemory-gb"]) == pytest.approx(
        props["memorySizeGb"] * REDIS_MAXMEMORY_PERCENT.value / 100
    ), urn
    assert props["persistenceConfig"] == {"persistenceMode": "RDB", "rdbSnapshotPeriod": "ONE_HOUR"}, urn
    assert props["maintenancePolicy"]["weeklyMaintenanceWindows"][0]["day"], urn
    assert props["deletionProtection"] is True and instance.protect, urn
    assert props["labels"] == {"environment": "production", "app": "agencyos", "managed-by": "pulumi"}, urn


def test_no_aof_is_ever_asked_of_memorystore(prod_run: ProgramRun) -> None:
    """Provider rule: standalone Memorystore persists with RDB only (the AOF deviation is documented)."""
    props = _instance(prod_run).inputs.plain
    assert "appendonly" not in props["redisConfigs"] and "aofConfig" not in props["persistenceConfig"]
    from agencyos_checklist.deviations import DEVIATIONS

    assert any(d.item == "2.redis-configuration.1" and "AOF" in d.quote for d in DEVIATIONS)


def test_child_is_named_after_the_component_and_parented_to_it(prod_run: ProgramRun) -> None:
    [component] = prod_run.of_type(COMPONENT)
    instance = _instance(prod_run)
    assert instance.parent == component.urn and instance.name == "cache-instance"
    assert instance.inputs.plain["name"] == "agencyos-prod-redis"


def test_auth_string_and_url_are_secret(prod_run: ProgramRun) -> None:
    instance = _instance(prod_run)
    assert "authString" in instance.additional_secret_outputs
    assert "authString" in instance.outputs.secret_paths, instance.urn
    assert "redisUrl" in prod_run.stack_outputs.secret_paths
    url = prod_run.stack_outputs.plain["redisUrl"]
    auth = instance.outputs.plain["authString"]
    port = int(instance.outputs.plain["port"])  # numbers reach the engine as floats
    assert url == f"rediss://:{auth}@{instance.outputs.plain['host']}:{port}"
    assert auth not in str(prod_run.stack_outputs.redacted())


def test_preview_keeps_the_url_secret() -> None:
    run = run_repo_stack("prod", preview=True)
    assert run.error is None, run.error
    assert "redisUrl" in run.stack_outputs.secret_paths


@pytest.mark.parametrize(("memory", "expected"), [(1, "0.8"), (5, "4"), (16, "12.8"), (300, "240")])
def test_maxmemory_is_the_stated_share(memory: int, expected: str) -> None:
    assert maxmemory_gb(memory) == expected


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"memory_size_gb": 0}, "memory_size_gb"),
        ({"memory_size_gb": 301}, "memory_size_gb"),
        ({"version": "REDIS_7_0"}, "version"),
        ({"version": "REDIS_6_X"}, "version"),
        ({"version": "REDIS_\u0667_2"}, "version"),
        ({"maintenance_day": "FUNDAY"}, "maintenance_day"),
        ({"maintenance_hour": 24}, "maintenance_hour"),
        ({"persistence": "AOF"}, "persistence"),
    ],
)
def test_invalid_spec_is_rejected_on_its_field(override: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as error:
        CacheSpec(**override)
    assert [e["loc"][0] for e in error.value.errors()] == [field]


def test_later_versions_are_accepted() -> None:
    assert CacheSpec.model_validate({"version": "REDIS_8_0"}).version == "REDIS_8_0"


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"network": ""}, "network is required"),
        ({"name_prefix": "X"}, "name_prefix must be"),
        ({"region": ""}, "region"),
    ],
)
def test_invalid_args_are_rejected(override: dict[str, Any], expected: str) -> None:
    base: dict[str, Any] = {"name_prefix": "agencyos-test", "region": "us-central1", "network": "n", "labels": {}}
    with pytest.raises(ValueError, match=expected):
        CacheArgs(**{**base, **override})


OPTS_PROGRAM = """
import pulumi
import pulumi_random as random

from components.cache import Cache, CacheArgs

gate = random.RandomId("gate", byte_length=4)
Cache(
    "cache",
    CacheArgs(name_prefix="agencyos-test", region="europe-west1", network=gate.hex, labels={}),
    opts=pulumi.ResourceOptions(depends_on=[gate]),
)
"""


def test_depends_on_reaches_the_instance_and_the_network_may_be_computed(tmp_path: Path) -> None:
    (tmp_path / "__main__.py").write_text(OPTS_PROGRAM)
    run = run_program(
        isolated=False, program_dir=tmp_path, project="opts", stack="test", config={}, secret_keys=[], preview=True
    )
    assert run.error is None, run.error
    [gate] = [r for r in run.resources if r.name == "gate"]
    instance = _instance(run)
    assert gate.urn in instance.dependencies and instance.protect
