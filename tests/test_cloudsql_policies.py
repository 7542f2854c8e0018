"""Cloud SQL policies: a compliant baseline passes; each change of one property fails its policy.

Cases run in-process through the SDK's unknown-checking proxy; the gRPC tests at the end run the
same policies in the pack process the CLI would start.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import pytest
from agencyos_policy import ALL_POLICIES
from agencyos_policy.cloudsql import CLOUDSQL_POLICIES, INSTANCE

from agencyos_infra.analyzer import PolicyReport
from agencyos_infra.engine import ProgramRun
from agencyos_infra.wire import SECRET_SIG, SIG_KEY, UNKNOWN
from tests.conftest import single_resource_run, validate_in_process

DELETE = object()
BY_NAME = {policy.name: policy for policy in CLOUDSQL_POLICIES}

BASELINE: dict[str, Any] = {
    "databaseVersion": "POSTGRES_15",
    "region": "europe-west1",
    "settings": {
        "tier": "db-custom-2-4096",
        "edition": "ENTERPRISE",
        "availabilityType": "REGIONAL",
        "diskSize": 50,
        "deletionProtectionEnabled": True,
        "ipConfiguration": {
            "ipv4Enabled": False,
            "privateNetwork": "projects/p/global/networks/vpc",
            "sslMode": "ENCRYPTED_ONLY",
        },
        "backupConfiguration": {
            "enabled": True,
            "startTime": "02:00",
            "pointInTimeRecoveryEnabled": True,
            "transactionLogRetentionDays": 7,
            "backupRetentionSettings": {"retainedBackups": 30, "retentionUnit": "COUNT"},
        },
        "databaseFlags": [{"name": "max_connections", "value": "100"}],
        "maintenanceWindow": {"day": 7, "hour": 4},
        "insightsConfig": {"queryInsightsEnabled": True},
    },
}


def mutate(changes: dict[str, Any], base: dict[str, Any] = BASELINE) -> dict[str, Any]:
    """A copy of ``base`` with dotted paths set, or removed with DELETE."""
    props = copy.deepcopy(base)
    for path, value in changes.items():
        *parents, leaf = path.split(".")
        node = props
        for key in parents:
            node = node.setdefault(key, {})
        if value is DELETE:
            node.pop(leaf, None)
        else:
            node[leaf] = value
    return props


def failing(props: dict[str, Any], *, protect: bool = True, resource_type: str = INSTANCE) -> dict[str, list[str]]:
    results = {
        policy.name: validate_in_process(policy, props, resource_type=resource_type, protect=protect)
        for policy in CLOUDSQL_POLICIES
    }
    return {name: messages for name, messages in results.items() if messages}


def test_baseline_is_compliant() -> None:
    assert failing(BASELINE) == {}


# (policy expected to fail, changes to the baseline)
VIOLATIONS: list[tuple[str, dict[str, Any]]] = [
    ("gcp-cloudsql-instance-no-public-ip", {"settings.ipConfiguration.ipv4Enabled": True}),
    ("gcp-cloudsql-instance-no-public-ip", {"settings.ipConfiguration.ipv4Enabled": DELETE}),
    ("gcp-cloudsql-instance-private-network", {"settings.ipConfiguration.privateNetwork": DELETE}),
    ("gcp-cloudsql-instance-private-network", {"settings.ipConfiguration.privateNetwork": ""}),
    ("gcp-cloudsql-instance-ssl-required", {"settings.ipConfiguration.sslMode": "ALLOW_UNENCRYPTED_AND_ENCRYPTED"}),
    ("gcp-cloudsql-instance-ssl-required", {"settings.ipConfiguration.sslMode": DELETE}),
    ("gcp-cloudsql-instance-minimum-tier", {"settings.tier": "db-custom-1-3840"}),
    ("gcp-cloudsql-instance-minimum-tier", {"settings.tier": "db-g1-small"}),
    ("gcp-cloudsql-instance-minimum-tier", {"settings.tier": "db-custom-2-3072", "settings.databaseFlags": DELETE}),
    ("gcp-cloudsql-instance-minimum-tier", {"settings.tier": "db-unheard-of"}),
    ("gcp-cloudsql-instance-ssd-storage", {"settings.diskType": "PD_HDD"}),
    ("gcp-cloudsql-instance-minimum-disk-size", {"settings.diskSize": 49}),
    ("gcp-cloudsql-instance-minimum-disk-size", {"settings.diskSize": DELETE}),
    ("gcp-cloudsql-instance-minimum-disk-size", {"settings.diskAutoresize": False}),
    ("gcp-cloudsql-instance-high-availability", {"settings.availabilityType": "ZONAL"}),
    ("gcp-cloudsql-instance-high-availability", {"settings.availabilityType": DELETE}),
    ("gcp-cloudsql-instance-automated-backups", {"settings.backupConfiguration.enabled": False}),
    ("gcp-cloudsql-instance-automated-backups", {"settings.backupConfiguration.enabled": DELETE}),
    ("gcp-cloudsql-instance-backup-window", {"settings.backupConfiguration.startTime": "14:00"}),
    ("gcp-cloudsql-instance-backup-window", {"settings.backupConfiguration.startTime": DELETE}),
    (
        "gcp-cloudsql-instance-backup-retention",
        {"settings.backupConfiguration.backupRetentionSettings.retainedBackups": 29},
    ),
    ("gcp-cloudsql-instance-backup-retention", {"settings.backupConfiguration.backupRetentionSettings": DELETE}),
    (
        "gcp-cloudsql-instance-backup-retention",
        {"settings.backupConfiguration.backupRetentionSettings.retentionUnit": "DAYS"},
    ),
    (
        "gcp-cloudsql-instance-point-in-time-recovery",
        {"settings.backupConfiguration.pointInTimeRecoveryEnabled": False},
    ),
    (
        "gcp-cloudsql-instance-point-in-time-recovery",
        {"settings.backupConfiguration.pointInTimeRecoveryEnabled": DELETE},
    ),
    ("gcp-cloudsql-instance-point-in-time-recovery", {"settings.backupConfiguration.transactionLogRetentionDays": 3}),
    ("gcp-cloudsql-instance-max-connections", {"settings.databaseFlags": [{"name": "max_connections", "value": "50"}]}),
    ("gcp-cloudsql-instance-max-connections", {"settings.databaseFlags": DELETE}),
    ("gcp-cloudsql-instance-deletion-protection", {"settings.deletionProtectionEnabled": False}),
    ("gcp-cloudsql-instance-deletion-protection", {"settings.deletionProtectionEnabled": DELETE}),
    ("gcp-cloudsql-instance-deletion-protection", {"deletionProtection": False}),
    ("gcp-cloudsql-instance-maintenance-window", {"settings.maintenanceWindow": DELETE}),
    ("gcp-cloudsql-instance-query-insights", {"settings.insightsConfig": DELETE}),
]


@pytest.mark.parametrize(("policy", "changes"), VIOLATIONS, ids=lambda v: str(v) if isinstance(v, str) else ",".join(v))
def test_each_violation_fails_its_policy(policy: str, changes: dict[str, Any]) -> None:
    failures = failing(mutate(changes))
    assert policy in failures, failures
    # A shared-core tier also lowers the default connection limit; everything else fails alone.
    assert set(failures) - {policy} <= {"gcp-cloudsql-instance-max-connections"}, failures


def test_every_policy_has_a_failing_case() -> None:
    assert {name for name, _ in VIOLATIONS} | {"gcp-cloudsql-instance-pulumi-protect"} == set(BY_NAME)


def test_pulumi_protect_is_read_from_the_resource_options() -> None:
    assert "gcp-cloudsql-instance-pulumi-protect" in failing(BASELINE, protect=False)


# Absent properties mean the provider's documented default; these defaults are compliant.
@pytest.mark.parametrize(
    "changes",
    [
        {"settings.diskType": DELETE},  # PD_SSD
        {"settings.diskAutoresize": DELETE},  # true
        {"deletionProtection": DELETE},  # true
        {"settings.backupConfiguration.transactionLogRetentionDays": DELETE},  # 7
        {"settings.backupConfiguration.backupRetentionSettings.retentionUnit": DELETE},  # COUNT
        # PostgreSQL 16+ without an edition is ENTERPRISE_PLUS, where PITR is on by default.
        {
            "databaseVersion": "POSTGRES_16",
            "settings.edition": DELETE,
            "settings.tier": "db-perf-optimized-N-2",
            "settings.backupConfiguration.pointInTimeRecoveryEnabled": DELETE,
        },
        # Without the flag, a 16 GB instance defaults to 200 connections.
        {"settings.tier": "db-custom-4-16384", "settings.databaseFlags": DELETE},
        {"settings.diskType": "HYPERDISK_BALANCED"},
        {"settings.ipConfiguration.sslMode": "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"},
        {"settings.tier": "db-n1-standard-2"},
    ],
)
def test_compliant_defaults_and_alternatives_pass(changes: dict[str, Any]) -> None:
    assert failing(mutate(changes)) == {}


def test_pitr_default_depends_on_the_edition() -> None:
    props = mutate(
        {"settings.backupConfiguration.pointInTimeRecoveryEnabled": DELETE, "databaseVersion": "POSTGRES_16"}
    )
    assert "gcp-cloudsql-instance-point-in-time-recovery" in failing(props)  # edition ENTERPRISE is explicit


def test_read_replicas_are_exempt_from_primary_only_rules() -> None:
    replica = mutate(
        {
            "masterInstanceName": "primary",
            "settings.backupConfiguration": DELETE,
            "settings.availabilityType": "ZONAL",
        }
    )
    assert failing(replica) == {}
    # ...but not from the network rules.
    assert "gcp-cloudsql-instance-no-public-ip" in failing(
        mutate({"settings.ipConfiguration.ipv4Enabled": True}, replica)
    )


MANDATORY_FIELDS = [
    ("gcp-cloudsql-instance-no-public-ip", "settings.ipConfiguration.ipv4Enabled"),
    ("gcp-cloudsql-instance-ssl-required", "settings.ipConfiguration.sslMode"),
    ("gcp-cloudsql-instance-minimum-tier", "settings.tier"),
    ("gcp-cloudsql-instance-ssd-storage", "settings.diskType"),
    ("gcp-cloudsql-instance-minimum-disk-size", "settings.diskSize"),
    ("gcp-cloudsql-instance-high-availability", "settings.availabilityType"),
    ("gcp-cloudsql-instance-automated-backups", "settings.backupConfiguration.enabled"),
    ("gcp-cloudsql-instance-backup-window", "settings.backupConfiguration.startTime"),
    ("gcp-cloudsql-instance-backup-retention", "settings.backupConfiguration.backupRetentionSettings.retainedBackups"),
    ("gcp-cloudsql-instance-point-in-time-recovery", "settings.backupConfiguration.pointInTimeRecoveryEnabled"),
    ("gcp-cloudsql-instance-max-connections", "settings.databaseFlags"),
    ("gcp-cloudsql-instance-deletion-protection", "settings.deletionProtectionEnabled"),
]


@pytest.mark.parametrize(("policy", "path"), MANDATORY_FIELDS)
def test_unknown_values_cannot_pass_a_mandatory_policy(policy: str, path: str) -> None:
    messages = failing(mutate({path: UNKNOWN})).get(policy, [])
    assert any("unknown during preview" in m for m in messages), messages


def test_a_computed_private_network_is_still_a_private_network() -> None:
    assert failing(mutate({"settings.ipConfiguration.privateNetwork": UNKNOWN})) == {}


def test_other_resource_types_are_ignored() -> None:
    assert failing({"settings": {}}, resource_type="gcp:sql/database:Database") == {}


def test_policy_config_changes_the_threshold() -> None:
    policy = BY_NAME["gcp-cloudsql-instance-backup-retention"]
    assert validate_in_process(policy, BASELINE, resource_type=INSTANCE, config={"minRetainedBackups": 45})
    assert not validate_in_process(policy, BASELINE, resource_type=INSTANCE, config={"minRetainedBackups": 14})


@pytest.mark.parametrize(
    "changes",
    [
        {"settings.ipConfiguration.sslMode": "CANARY-1"},
        {"settings.tier": "CANARY-2"},
        {"settings.backupConfiguration.startTime": "CANARY-3"},
    ],
)
def test_messages_never_echo_property_values(changes: dict[str, Any]) -> None:
    for messages in failing(mutate(changes)).values():
        assert not any("CANARY" in message for message in messages), messages


def test_every_policy_names_its_checklist_item_and_remediation() -> None:
    for policy in ALL_POLICIES:
        assert re.fullmatch(r"gcp-cloudsql-instance-[a-z0-9-]+", policy.name), policy.name
        assert policy.framework is not None and policy.framework.reference and policy.framework.specification, (
            policy.name
        )
        assert policy.remediation_steps and policy.severity is not None and policy.enforcement_level is not None, (
            policy.name
        )
        assert policy.description.endswith("."), policy.name


# --- the same policies through the gRPC analyzer protocol ------------------------------------------


def test_grpc_baseline_passes_and_metadata_arrives(pack_analyze: Callable[[ProgramRun], PolicyReport]) -> None:
    report = pack_analyze(single_resource_run(INSTANCE, BASELINE))
    assert report.violations == []
    assert report.pack_name == "agencyos-production-checklist" and report.pack_version == "0.1.0"
    assert set(report.policies) == {p.name for p in ALL_POLICIES}
    assert all(info.checklist_item.startswith(("§", "Post-Launch")) for info in report.policies.values())


def test_grpc_violations_are_mandatory_and_name_their_item(pack_analyze: Callable[[ProgramRun], PolicyReport]) -> None:
    props = mutate({"settings.ipConfiguration.ipv4Enabled": True, "settings.backupConfiguration.enabled": False})
    report = pack_analyze(single_resource_run(INSTANCE, props, protect=False))
    assert {v.policy for v in report.mandatory} == {
        "gcp-cloudsql-instance-no-public-ip",
        "gcp-cloudsql-instance-automated-backups",
    }
    assert {v.policy for v in report.violations if v.enforcement_level == "advisory"} == {
        "gcp-cloudsql-instance-pulumi-protect"
    }
    for violation in report.mandatory:
        assert violation.urn == "urn:pulumi:test::test::gcp:sql/databaseInstance:DatabaseInstance::subject"
        assert violation.checklist_item and violation.severity in {"critical", "high"}


def test_grpc_unknowns_stay_mandatory(pack_analyze: Callable[[ProgramRun], PolicyReport]) -> None:
    props = mutate(
        {"settings.ipConfiguration.ipv4Enabled": UNKNOWN, "settings.ipConfiguration.privateNetwork": UNKNOWN}
    )
    report = pack_analyze(single_resource_run(INSTANCE, props))
    assert [v.policy for v in report.violations] == ["gcp-cloudsql-instance-no-public-ip"]
    assert report.mandatory and "can't run policy" not in report.mandatory[0].message


def test_grpc_secret_values_are_still_judged(pack_analyze: Callable[[ProgramRun], PolicyReport]) -> None:
    props = mutate(
        {"settings.ipConfiguration.sslMode": {SIG_KEY: SECRET_SIG, "value": "ALLOW_UNENCRYPTED_AND_ENCRYPTED"}}
    )
    report = pack_analyze(single_resource_run(INSTANCE, props))
    assert [v.policy for v in report.mandatory] == ["gcp-cloudsql-instance-ssl-required"]
