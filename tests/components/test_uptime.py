"""The Uptime component: HTTPS checks of every public host, alert channels with secret credentials, data-tier alerts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from agencyos_checklist.numbers import (
    ALERT_DB_POOL_PERCENT,
    LIVENESS_PATH,
    REDIS_MAXMEMORY_PERCENT,
    SECRET_ROTATION_DAYS,
    UPTIME_CHECK_PERIOD,
    seconds,
)
from pydantic import ValidationError

from agencyos_infra.engine import CapturedResource, ProgramRun
from components.uptime import (
    DB_CONNECTIONS_METRIC,
    PUBLISH_METRIC,
    REDIS_MEMORY_METRIC,
    ROTATION_RUNBOOK,
    UPTIME_METRIC,
    UptimeArgs,
    UptimeSpec,
)
from stacks.settings import NAMESPACE, SettingsError, settings_from_config
from tests.conftest import REPO, run_repo_stack

COMPONENT = "agencyos:observability:Uptime"
CHECK = "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig"
CHANNEL = "gcp:monitoring/notificationChannel:NotificationChannel"
POLICY = "gcp:monitoring/alertPolicy:AlertPolicy"
TOPIC = "gcp:pubsub/topic:Topic"
SECRET = "gcp:secretmanager/secret:Secret"
PROD_HOSTS = {"agencyos.example", "www.agencyos.example", "api.agencyos.example"}
UPTIME = f"{NAMESPACE}:uptime"


@pytest.fixture(scope="module")
def run() -> ProgramRun:
    """The prod stack, run once for this module's read-only assertions (each run costs seconds)."""
    result = run_repo_stack("prod")
    assert result.error is None, result.error
    return result


def _named(run: ProgramRun, name: str) -> CapturedResource:
    [resource] = [r for r in run.resources if r.name == name]
    return resource


def _mine(run: ProgramRun, type_token: str) -> list[CapturedResource]:
    [component] = run.of_type(COMPONENT)
    return [r for r in run.of_type(type_token) if r.parent == component.urn]


def _condition(policy: CapturedResource) -> dict[str, Any]:
    [condition] = policy.inputs.plain["conditions"]
    threshold: dict[str, Any] = condition["conditionThreshold"]
    return threshold


def test_every_public_host_is_checked_over_https_on_health_every_five_minutes(run: ProgramRun) -> None:
    checks = _mine(run, CHECK)
    hosts = {c.inputs.plain["monitoredResource"]["labels"]["host"] for c in checks}
    assert hosts == PROD_HOSTS  # the ingress' frontendHosts and apiHosts of Pulumi.prod.yaml
    for check in checks:
        props, urn = check.inputs.plain, check.urn
        assert props["monitoredResource"]["type"] == "uptime_url", urn
        assert props["monitoredResource"]["labels"]["project_id"] == "agencyos-prod", urn
        http = props["httpCheck"]
        assert http["path"] == LIVENESS_PATH.value == "/health", urn
        assert http["useSsl"] is True and http["validateSsl"] is True and http["port"] == 443, urn
        assert props["period"] == f"{seconds(UPTIME_CHECK_PERIOD)}s" == "300s", urn
        assert int(props["timeout"].removesuffix("s")) < seconds(UPTIME_CHECK_PERIOD), urn
        regions = props["selectedRegions"]
        assert len(set(regions)) == len(regions) >= 3, urn
        assert props["userLabels"]["environment"] == "production", urn


def test_each_host_has_a_failure_alert_routed_to_every_channel(run: ProgramRun) -> None:
    channels = {c.urn for c in _mine(run, CHANNEL)}
    assert len(channels) == 3
    for host in PROD_HOSTS:
        policy = _named(run, f"uptime-{host}-down")
        condition = _condition(policy)
        assert f'metric.type="{UPTIME_METRIC}"' in condition["filter"], policy.urn
        assert f'resource.label.host="{host}"' in condition["filter"], policy.urn
        # More than one failing location (count of false results) opens the incident.
        assert condition["comparison"] == "COMPARISON_GT" and condition["thresholdValue"] == 1, policy.urn
        [aggregation] = condition["aggregations"]
        assert aggregation["crossSeriesReducer"] == "REDUCE_COUNT_FALSE", policy.urn
        assert int(aggregation["alignmentPeriod"].removesuffix("s")) >= seconds(UPTIME_CHECK_PERIOD), policy.urn
        assert len(policy.inputs.plain["notificationChannels"]) == 3, policy.urn
        assert set(policy.property_dependencies["notificationChannels"]) == channels, policy.urn
        assert _named(run, f"uptime-{host}").urn in policy.dependencies, policy.urn


def test_channels_are_email_slack_and_pagerduty_with_secret_credentials(run: ProgramRun) -> None:
    by_type = {c.inputs.plain["type"]: c for c in _mine(run, CHANNEL)}
    assert set(by_type) == {"email", "slack", "pagerduty"}
    assert by_type["email"].inputs.plain["labels"] == {"email_address": "oncall@agencyos.example"}
    assert by_type["slack"].inputs.plain["labels"] == {"channel_name": "#alerts"}
    for kind, label in (("slack", "authToken"), ("pagerduty", "serviceKey")):
        channel = by_type[kind]
        value = channel.inputs.plain["sensitiveLabels"][label]
        assert isinstance(value, str) and value, channel.urn  # read from Secret Manager, not empty
        secret_paths = channel.inputs.secret_paths
        assert any(f"sensitiveLabels.{label}".startswith(path) for path in secret_paths), (channel.urn, secret_paths)
        assert "sensitiveLabels" in channel.additional_secret_outputs, channel.urn
        # The credential sits nowhere else in the inputs, in plain text.
        others = {k: v for k, v in channel.inputs.plain.items() if k != "sensitiveLabels"}
        assert value not in json.dumps(others), channel.urn
        assert "labels" not in channel.inputs.plain or label not in channel.inputs.plain["labels"], channel.urn


def test_database_connections_alert_at_the_checklist_share_of_max_connections(run: ProgramRun) -> None:
    policy = _named(run, "uptime-db-connections")
    condition = _condition(policy)
    assert f'metric.type="{DB_CONNECTIONS_METRIC}"' in condition["filter"]
    assert 'resource.label.database_id=starts_with("agencyos-prod:agencyos-prod-pg")' in condition["filter"]
    assert condition["comparison"] == "COMPARISON_GT"
    [instance] = [i for i in run.of_type("gcp:sql/databaseInstance:DatabaseInstance") if i.name == "database-instance"]
    flags = {f["name"]: f["value"] for f in instance.inputs.plain["settings"]["databaseFlags"]}
    assert condition["thresholdValue"] == int(flags["max_connections"]) * ALERT_DB_POOL_PERCENT.value / 100
    assert condition["duration"] == "0s"  # the checklist states no duration: no grace period
    assert len(policy.inputs.plain["notificationChannels"]) == 3


def test_redis_memory_alert_at_the_checklist_maxmemory_share(run: ProgramRun) -> None:
    policy = _named(run, "uptime-redis-memory")
    condition = _condition(policy)
    assert f'metric.type="{REDIS_MEMORY_METRIC}"' in condition["filter"]
    instance = "projects/agencyos-prod/locations/us-central1/instances/agencyos-prod-redis"
    assert f'resource.label.instance_id="{instance}"' in condition["filter"]
    assert condition["comparison"] == "COMPARISON_GT"
    assert condition["thresholdValue"] == pytest.approx(REDIS_MAXMEMORY_PERCENT.value / 100)
    assert condition["aggregations"][0]["crossSeriesReducer"] == "REDUCE_MAX"  # primary and replica, not summed
    assert len(policy.inputs.plain["notificationChannels"]) == 3


def _rotation_topic(run: ProgramRun) -> CapturedResource:
    """The one topic every secret sends its rotation notices to (read from the secrets, not assumed)."""
    urns = {urn for secret in run.of_type(SECRET) for urn in secret.property_dependencies["topics"]}
    [topic] = [resource for resource in run.of_type(TOPIC) if resource.urn in urns]
    assert urns == {topic.urn}, urns
    return topic


def test_a_rotation_notice_on_the_secrets_topic_alerts_every_channel_with_the_runbook(run: ProgramRun) -> None:
    topic = _rotation_topic(run)
    name = topic.inputs.plain["name"]
    assert name == "agencyos-prod-secret-rotation"
    policy = _named(run, "uptime-secret-rotation")
    condition = _condition(policy)
    assert f'metric.type="{PUBLISH_METRIC}"' in condition["filter"], policy.urn
    assert 'resource.type="pubsub_topic"' in condition["filter"], policy.urn
    assert f'resource.labels.topic_id="{name}"' in condition["filter"], policy.urn
    # One publish request in a minute opens the incident, whatever its response code.
    assert condition["comparison"] == "COMPARISON_GT" and condition["thresholdValue"] == 0, policy.urn
    assert condition["duration"] == "0s", policy.urn
    [aggregation] = condition["aggregations"]
    assert aggregation["perSeriesAligner"] == "ALIGN_SUM", policy.urn
    assert aggregation["crossSeriesReducer"] == "REDUCE_SUM", policy.urn
    assert "response_code" not in condition["filter"], policy.urn
    # Reaches on-call on every channel, and tells them what to do.
    channels = {c.urn for c in _mine(run, CHANNEL)}
    assert len(policy.inputs.plain["notificationChannels"]) == len(channels) == 3, policy.urn
    assert set(policy.property_dependencies["notificationChannels"]) == channels, policy.urn
    docs = policy.inputs.plain["documentation"]
    assert ROTATION_RUNBOOK in docs["content"] and (REPO / ROTATION_RUNBOOK).is_file(), policy.urn
    assert SECRET_ROTATION_DAYS.item in docs["content"] and docs["mimeType"] == "text/markdown", policy.urn
    # A closing message would read as "rotated": only the opening is sent.
    assert policy.inputs.plain["alertStrategy"]["notificationPrompts"] == ["OPENED"], policy.urn
    # The filter comes from the topic itself, so the policy follows it (and is created after it).
    assert topic.urn in policy.property_dependencies["conditions"], policy.urn
    # The other alerts keep the default prompts (opened and closed).
    assert "notificationPrompts" not in _named(run, "uptime-db-connections").inputs.plain["alertStrategy"]


def test_every_child_is_parented_and_filters_are_known_before_anything_exists() -> None:
    preview = run_repo_stack("prod", preview=True)
    assert preview.error is None, preview.error
    [component] = preview.of_type(COMPONENT)
    children = [r for r in preview.resources if r.parent == component.urn]
    assert len(children) == 3 + 3 + 3 + 3  # channels, checks, host alerts, data-tier and rotation alerts
    for policy in _mine(preview, POLICY):
        # A reviewer (and the pack at preview) reads what each policy watches: no unknown filter.
        assert not [p for p in policy.inputs.unknown_paths if "filter" in p], policy.urn


def test_a_larger_pool_moves_the_connection_threshold_and_staging_checks_its_own_hosts() -> None:
    staging = run_repo_stack("staging", overrides={f"{NAMESPACE}:database": json.dumps({"maxConnections": 500})})
    assert staging.error is None, staging.error
    assert (
        _condition(_named(staging, "uptime-db-connections"))["thresholdValue"]
        == 500 * ALERT_DB_POOL_PERCENT.value / 100
    )
    hosts = {c.inputs.plain["monitoredResource"]["labels"]["host"] for c in _mine(staging, CHECK)}
    assert hosts == {"staging.agencyos.example", "www.staging.agencyos.example", "api.staging.agencyos.example"}
    topic = _rotation_topic(staging)
    rotation = _condition(_named(staging, "uptime-secret-rotation"))["filter"]
    assert f'resource.labels.topic_id="{topic.inputs.plain["name"]}"' in rotation
    assert "agencyos-prod" not in rotation


def test_extra_hosts_are_checked_once_and_a_shorter_period_is_kept() -> None:
    spec = {"periodSeconds": 60, "extraHosts": ["status.agencyos.example", "api.agencyos.example"]}
    result = run_repo_stack("prod", overrides={UPTIME: json.dumps(spec)})
    assert result.error is None, result.error
    checks = _mine(result, CHECK)
    hosts = [c.inputs.plain["monitoredResource"]["labels"]["host"] for c in checks]
    assert sorted(hosts) == sorted({*PROD_HOSTS, "status.agencyos.example"})
    assert {c.inputs.plain["period"] for c in checks} == {"60s"}


def test_without_channels_no_channel_exists_and_policies_notify_nobody() -> None:
    result = run_repo_stack("prod", overrides={UPTIME: "{}"})
    assert result.error is None, result.error
    assert _mine(result, CHANNEL) == []
    for policy in _mine(result, POLICY):
        assert policy.inputs.plain.get("notificationChannels") in (None, []), policy.urn


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"period_seconds": 600}, "period_seconds"),  # longer than the checklist's 5 minutes
        ({"period_seconds": 120}, "period_seconds"),  # not a period Cloud Monitoring offers
        ({"timeout_seconds": 61}, "timeout_seconds"),
        ({"regions": ["USA", "EUROPE"]}, "regions"),
        ({"regions": ["USA", "USA", "EUROPE"]}, "regions"),
        ({"regions": ["USA", "EUROPE", "MARS"]}, "regions"),
        ({"path": "health"}, "path"),
        ({"extra_hosts": ["https://status.agencyos.example"]}, "extra_hosts"),
        ({"extra_hosts": ["*.agencyos.example"]}, "extra_hosts"),
        ({"alert_emails": ["oncall"]}, "alert_emails"),
        ({"slack_channel": "alerts", "slack_token_secret": "s"}, "slack_channel"),
        ({"pagerduty_key_secret": "projects/p/secrets/key"}, "pagerduty_key_secret"),
        ({"db_connections_percent": ALERT_DB_POOL_PERCENT.value + 1}, "db_connections_percent"),
        ({"redis_memory_percent": REDIS_MAXMEMORY_PERCENT.value + 1}, "redis_memory_percent"),
        ({"checkEvery": 300}, "checkEvery"),
    ],
)
def test_invalid_spec_is_rejected_on_its_field(override: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as error:
        UptimeSpec(**override)
    assert {str(e["loc"][0]) for e in error.value.errors()} == {field}


@pytest.mark.parametrize("spec", [{"slack_channel": "#alerts"}, {"slack_token_secret": "agencyos-prod-slack"}])
def test_slack_needs_both_its_channel_and_its_token(spec: dict[str, str]) -> None:
    with pytest.raises(ValidationError, match="slackChannel and slackTokenSecret go together"):
        UptimeSpec.model_validate(spec)


def test_stack_errors_name_the_full_config_path() -> None:
    config = {**_prod_config(), UPTIME: json.dumps({"periodSeconds": 900, "extraHosts": ["bad host"]})}
    with pytest.raises(SettingsError) as error:
        settings_from_config(config)
    message = str(error.value)
    assert f"{UPTIME}.periodSeconds (integer): must be one of 60, 300" in message
    assert f"{UPTIME}.extraHosts.0 (string): must be a lowercase DNS name" in message
    assert "bad host" not in message  # values are never echoed


BASE_ARGS: dict[str, Any] = {
    "name_prefix": "agencyos-test",
    "project": "p",
    "labels": {},
    "hosts": ("app.agencyos.example",),
    "database_instance": "db",
    "database_max_connections": 100,
    "redis_instance": "cache",
    "redis_region": "us-central1",
    "rotation_topic": "agencyos-test-secret-rotation",
}


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"hosts": ()}, "at least one public host"),
        ({"hosts": ("app.agencyos.example", "http://x")}, "hosts: must be a lowercase DNS name"),
        ({"database_instance": " "}, "database_instance is required"),
        ({"redis_instance": None}, "redis_instance is required"),
        ({"database_max_connections": 0}, "must be positive"),
        ({"project": ""}, "project and redis_region"),
        ({"rotation_topic": ""}, "rotation_topic is required"),
        ({"rotation_topic": "projects/p/topics/agencyos-test-secret-rotation"}, "rotation_topic must be the topic's"),
        ({"rotation_topic": "goog-rotation"}, "not starting with goog"),
        ({"rotation_topic": "1-rotation"}, "rotation_topic must be the topic's short name"),
        ({"name_prefix": "Bad_Prefix"}, "name_prefix"),
    ],
)
def test_invalid_args_are_rejected(override: dict[str, Any], expected: str) -> None:
    with pytest.raises(ValueError, match=expected):
        UptimeArgs(**{**BASE_ARGS, **override})


def _prod_config() -> dict[str, Any]:
    from agencyos_infra.stackconfig import load_stack_config
    from tests.conftest import REPO

    return dict(load_stack_config(REPO, "prod").config)
