"""Cloud SQL policies: a compliant baseline passes; each change of one property fails its policy.

Cases run in-process through the SDK's unknown-checking proxy; the gRPC tests at the end run the
same policies in the pack process the CLI would start.
"""

from __future__ import annotations

from typing import Any

import pytest
from agencyos_policy import ALL_POLICIES
from agencyos_policy.gcp.cloudsql import INSTANCE
from agencyos_policy.registry import REGISTRY

from agencyos_infra.wire import SECRET_SIG, SIG_KEY, UNKNOWN
from tests.conftest import single_resource_run, validate_in_process
from tests.policy.cases import DELETE
from tests.policy.cases import mutate as mutate_base
from tests.policy.gcp.cloudsql_cases import BASELINE, COMPLIANT_CHANGES, VIOLATIONS
from tests.policy.runners import PackAnalyze, by_prefix, failures

BY_NAME = by_prefix("gcp-cloudsql-")


def mutate(changes: dict[str, Any], base: dict[str, Any] = BASELINE) -> dict[str, Any]:
    return mutate_base(base, changes)


def failing(props: dict[str, Any], *, protect: bool = True, resource_type: str = INSTANCE) -> dict[str, list[str]]:
    return failures(BY_NAME, props, resource_type=resource_type, protect=protect)


def test_baseline_is_compliant() -> None:
    assert failing(BASELINE) == {}


@pytest.mark.parametrize(("policy", "changes"), VIOLATIONS, ids=lambda v: str(v) if isinstance(v, str) else ",".join(v))
def test_each_violation_fails_its_policy(policy: str, changes: dict[str, Any]) -> None:
    failures = failing(mutate(changes))
    assert policy in failures, failures
    # A shared-core tier also lowers the default connection limit; everything else fails alone.
    assert set(failures) - {policy} <= {"gcp-cloudsql-instance-max-connections"}, failures


def test_pulumi_protect_is_read_from_the_resource_options() -> None:
    assert "gcp-cloudsql-instance-pulumi-protect" in failing(BASELINE, protect=False)


@pytest.mark.parametrize("changes", COMPLIANT_CHANGES)
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
]


@pytest.mark.parametrize(("policy", "path"), MANDATORY_FIELDS)
def test_unknown_values_cannot_pass_a_mandatory_policy(policy: str, path: str) -> None:
    messages = failing(mutate({path: UNKNOWN})).get(policy, [])
    assert any("unknown during preview" in m for m in messages), messages


def test_a_computed_private_network_is_still_a_private_network() -> None:
    assert failing(mutate({"settings.ipConfiguration.privateNetwork": UNKNOWN})) == {}


def test_other_resource_types_are_ignored() -> None:
    assert failing({"settings": {}}, resource_type="gcp:sql/database:Database") == {}


def test_retention_unit_unspecified_counts_backups() -> None:
    props = mutate({"settings.backupConfiguration.backupRetentionSettings.retentionUnit": "RETENTION_UNIT_UNSPECIFIED"})
    assert "gcp-cloudsql-instance-backup-retention" not in failing(props)


def test_advisory_policies_let_unknown_values_pass() -> None:
    props = mutate({"settings.insightsConfig.queryInsightsEnabled": UNKNOWN, "settings.maintenanceWindow.day": UNKNOWN})
    assert failing(props) == {}


def test_a_computed_primary_name_makes_a_replica() -> None:
    replica = mutate({"masterInstanceName": UNKNOWN, "settings.backupConfiguration": DELETE})
    assert failing(replica) == {}


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
        {"settings.backupConfiguration.backupRetentionSettings.retentionUnit": "CANARY-4"},
        {"settings.diskSize": "CANARY-5"},
    ],
)
def test_messages_never_echo_property_values(changes: dict[str, Any]) -> None:
    for messages in failing(mutate(changes)).values():
        assert not any("CANARY" in message for message in messages), messages


# --- the same policies through the gRPC analyzer protocol ------------------------------------------


def test_grpc_baseline_passes_and_metadata_arrives(pack_analyze: PackAnalyze) -> None:
    report = pack_analyze(single_resource_run(INSTANCE, BASELINE))
    assert report.violations == []
    assert report.pack_name == "agencyos-production-checklist" and report.pack_version == "0.1.0"
    assert set(report.policies) == {p.name for p in ALL_POLICIES}
    for name, info in report.policies.items():
        item = REGISTRY[name].item
        assert info.checklist_item == f"{item.path} [{item.id}]: {item.statement}", name


def test_grpc_violations_are_mandatory_and_name_their_item(pack_analyze: PackAnalyze) -> None:
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


def test_grpc_unknowns_stay_mandatory(pack_analyze: PackAnalyze) -> None:
    props = mutate(
        {"settings.ipConfiguration.ipv4Enabled": UNKNOWN, "settings.ipConfiguration.privateNetwork": UNKNOWN}
    )
    report = pack_analyze(single_resource_run(INSTANCE, props))
    assert [v.policy for v in report.violations] == ["gcp-cloudsql-instance-no-public-ip"]
    assert report.mandatory and "can't run policy" not in report.mandatory[0].message


def test_grpc_secret_values_are_still_judged(pack_analyze: PackAnalyze) -> None:
    props = mutate(
        {"settings.ipConfiguration.sslMode": {SIG_KEY: SECRET_SIG, "value": "ALLOW_UNENCRYPTED_AND_ENCRYPTED"}}
    )
    report = pack_analyze(single_resource_run(INSTANCE, props))
    assert [v.policy for v in report.mandatory] == ["gcp-cloudsql-instance-ssl-required"]
