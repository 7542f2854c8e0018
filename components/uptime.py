"""Uptime checks, alert channels and data-tier alerts: checklist §6 Uptime Monitoring, §6 Alerting Rules (.5).

- Notification channels for the checklist's alert channels (6.uptime-monitoring.2.3): one email channel per
  address, a Slack channel and a PagerDuty service. The Slack token and the PagerDuty service key are
  ``sensitive_labels`` read from Secret Manager (secret ids in the settings; operators add the versions,
  as for every third-party credential) and stay secret from the read to the provider.
- An external HTTPS uptime check on the liveness path (``/health``, 9.kubernetes-optimization.3) of every
  public host (the ingress' frontend and API hosts), with certificate validation, every 5 minutes at most
  (6.uptime-monitoring.2.2) from at least three checker regions, and an alert policy per host when it fails
  from more than one location, routed to every channel.
- Alert policies on Cloud SQL connections (``num_backends`` above the checklist's share of the instance's
  max_connections, 6.alerting-rules.5) and on Redis memory (``usage_ratio`` above the checklist's maxmemory
  share, 2.redis-configuration.2), routed to every channel.
- An alert policy on the secrets' rotation topic (8.infrastructure-security.3.3): Secret Manager publishes
  ``SECRET_ROTATE`` there when a secret is due, and nothing else publishes there, so any publish request
  opens an incident, notified on every channel, whose documentation sends on-call to
  docs/runbooks/secret-rotation.md.

Every alert filter is written from names known before anything exists (hosts, instance and topic names),
so a reviewer, and the policy pack at preview, can read exactly what each policy watches.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

import pulumi
import pulumi_gcp as gcp
from agencyos_checklist.numbers import (
    ALERT_DB_POOL_PERCENT,
    LIVENESS_PATH,
    REDIS_MAXMEMORY_PERCENT,
    SECRET_ROTATION_DAYS,
    UPTIME_CHECK_PERIOD,
    seconds,
)
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from components.ingress import Host, UrlPath
from components.labels import Labels
from components.naming import check_name_prefix
from components.patterns import EMAIL, SECRET_ID
from components.provider_facts import HTTPS_PORT

TYPE = "agencyos:observability:Uptime"
UPTIME_METRIC = "monitoring.googleapis.com/uptime_check/check_passed"
DB_CONNECTIONS_METRIC = "cloudsql.googleapis.com/database/postgresql/num_backends"
REDIS_MEMORY_METRIC = "redis.googleapis.com/stats/memory/usage_ratio"
# Publish requests to a topic, by response code (GA; DELTA, INT64; sampled every minute). Cloud Monitoring's
# metric list marks topic/send_message_operation_count DEPRECATED ("apply a count aggregator on
# topic/message_sizes instead", a distribution, which ALIGN_COUNT does not take): counting requests answers
# "was anything published" as well. Every response code counts: only Secret Manager publishes there.
PUBLISH_METRIC = "pubsub.googleapis.com/topic/send_request_count"
ROTATION_RUNBOOK = "docs/runbooks/secret-rotation.md"
# The periods Cloud Monitoring accepts for uptime checks (UptimeCheckConfig.period).
CHECK_PERIODS_SECONDS = (60, 300, 600, 900)
# Google's default uptime alert: the newest result of each location over a window longer than any
# period, counting failed locations; more than one failing location opens an incident, so one flaky
# checker does not page anyone.
UPTIME_ALIGNMENT = "1200s"
FAILING_LOCATIONS_ABOVE = 1
# Uptime and Redis alerts wait a minute of sustained failure or pressure: one sample's spike is not an
# incident. The connection alert states no duration (6.alerting-rules.5), so it fires at once; its
# one-minute alignment already takes each minute's highest count.
SUSTAINED_FOR = "60s"
AT_ONCE = "0s"
DATA_TIER_ALIGNMENT = "60s"
# Any publish in a minute's window is a notice: the window is the metric's sampling period.
NOTICE_ALIGNMENT = "60s"
# Incidents of a recovered check close themselves after a day.
AUTO_CLOSE = "86400s"
_EMAIL = re.compile(EMAIL, re.ASCII)
# Secret Manager secret ids: letters, digits, hyphens and underscores, up to 255.
_SECRET_ID = re.compile(SECRET_ID, re.ASCII)
# A Pub/Sub topic's short name (its topic_id label): a letter, then letters, digits and - _ . ~ + %, 3 to 255
# characters, not starting with "goog".
_TOPIC_NAME = re.compile(r"^(?!goog)[A-Za-z][A-Za-z0-9._~+%-]{2,254}$", re.ASCII)


class CheckerRegion(StrEnum):
    """Regions Cloud Monitoring runs uptime checks from (UptimeCheckRegion)."""

    USA = "USA"
    EUROPE = "EUROPE"
    SOUTH_AMERICA = "SOUTH_AMERICA"
    ASIA_PACIFIC = "ASIA_PACIFIC"
    USA_OREGON = "USA_OREGON"
    USA_IOWA = "USA_IOWA"
    USA_VIRGINIA = "USA_VIRGINIA"


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError("must be an email address such as oncall@agencyos.example")
    return value


def _secret_id(value: str) -> str:
    if not _SECRET_ID.match(value):
        raise ValueError("must be a Secret Manager secret id in this project (letters, digits, - and _)")
    return value


Email = Annotated[str, AfterValidator(_email)]
SecretId = Annotated[str, AfterValidator(_secret_id)]
_HOSTS = TypeAdapter(tuple[Host, ...])


class UptimeSpec(BaseModel):
    """Uptime checks, alert channels and data-tier alerts. Stack config object ``agencyos-infra:uptime``."""

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)

    period_seconds: int = Field(
        seconds(UPTIME_CHECK_PERIOD),
        description="Seconds between two checks of a host from each location: a period Cloud Monitoring offers "
        f"(60 or more), at most the checklist's (checklist {UPTIME_CHECK_PERIOD.item}).",
    )
    timeout_seconds: int = Field(10, ge=1, le=60, description="Seconds a check waits for the response.")
    regions: tuple[CheckerRegion, ...] = Field(
        ("USA", "EUROPE", "ASIA_PACIFIC"),
        validate_default=True,
        min_length=3,
        description="Checker regions (USA, EUROPE, SOUTH_AMERICA, ASIA_PACIFIC, USA_OREGON, USA_IOWA, "
        "USA_VIRGINIA), at least three, so an outage is told from one checker's network trouble.",
    )
    path: UrlPath = Field(
        LIVENESS_PATH.value,
        description=f"Path every host is checked on: the liveness endpoint (checklist {LIVENESS_PATH.item}).",
    )
    extra_hosts: tuple[Host, ...] = Field(
        (),
        description="Public hosts to check besides the ingress' frontendHosts and apiHosts (e.g. a status page).",
    )
    alert_emails: tuple[Email, ...] = Field(
        (), description="Addresses of the email notification channels (checklist 6.uptime-monitoring.2.3)."
    )
    slack_channel: str | None = Field(
        None,
        pattern=r"^#[a-z0-9][a-z0-9._-]{0,79}$",
        description="Slack channel alerts are posted to, e.g. #alerts; needs slackTokenSecret "
        "(checklist 6.uptime-monitoring.2.3).",
    )
    slack_token_secret: SecretId | None = Field(
        None,
        description="Secret Manager secret id (this project) holding the Slack app's OAuth token; its latest "
        "version is read at deployment and kept secret.",
    )
    pagerduty_key_secret: SecretId | None = Field(
        None,
        description="Secret Manager secret id (this project) holding the PagerDuty service's integration key "
        "(checklist 6.uptime-monitoring.2.3).",
    )
    db_connections_percent: int = Field(
        ALERT_DB_POOL_PERCENT.value,
        ge=1,
        le=ALERT_DB_POOL_PERCENT.value,
        description="Alert when the database's connections exceed this share of max_connections, at most the "
        f"checklist's (checklist {ALERT_DB_POOL_PERCENT.item}).",
    )
    redis_memory_percent: int = Field(
        REDIS_MAXMEMORY_PERCENT.value,
        ge=1,
        le=REDIS_MAXMEMORY_PERCENT.value,
        description="Alert when Redis uses more than this share of its memory, at most the checklist's maxmemory "
        f"share (checklist {REDIS_MAXMEMORY_PERCENT.item}).",
    )

    @field_validator("period_seconds")
    @classmethod
    def _offered_period_within_the_checklist(cls, period: int) -> int:
        limit = seconds(UPTIME_CHECK_PERIOD)
        allowed = [p for p in CHECK_PERIODS_SECONDS if p <= limit]
        if period not in allowed:
            raise ValueError(
                f"must be one of {', '.join(map(str, allowed))}: a period Cloud Monitoring offers, at most the "
                f"checklist's {UPTIME_CHECK_PERIOD.value} ({UPTIME_CHECK_PERIOD.item})"
            )
        return period

    @field_validator("regions", "extra_hosts", "alert_emails")
    @classmethod
    def _unique(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(values)) != len(values):
            raise ValueError("must not repeat an entry")
        return values

    @model_validator(mode="after")
    def _slack_needs_both(self) -> UptimeSpec:
        if (self.slack_channel is None) != (self.slack_token_secret is None):
            raise ValueError("slackChannel and slackTokenSecret go together: set both or neither")
        return self


@dataclass(frozen=True, kw_only=True)
class UptimeArgs:
    """What the Uptime component watches. Ordering (the Monitoring API) goes in ``opts``."""

    name_prefix: str
    """Display names start with this, e.g. agencyos-prod."""
    project: str
    """GCP project of the checks, channels, policies and the channel secrets."""
    labels: Labels
    """Shared labels, as user labels of every check, channel and policy."""
    hosts: Sequence[str]
    """Public hosts to check (the ingress' frontend and API hosts); the spec's extra hosts are added."""
    database_instance: pulumi.Input[str]
    """Cloud SQL name of the primary instance (its replicas, named after it, are watched too)."""
    database_max_connections: int
    """The instance's max_connections flag: the connection alert fires at the spec's share of it."""
    redis_instance: pulumi.Input[str]
    """Memorystore name of the Redis instance."""
    redis_region: str
    """Region of the Redis instance."""
    rotation_topic: pulumi.Input[str]
    """Short name (not the projects/.../topics/... id) of the Pub/Sub topic Secret Manager publishes
    ``SECRET_ROTATE`` to, e.g. the Secrets component's ``rotation_topic_name``: the alert filters on it."""
    spec: UptimeSpec = field(default_factory=lambda: UptimeSpec.model_validate({}))
    """Periods, regions, channels and thresholds; defaults meet the checklist."""

    def __post_init__(self) -> None:
        check_name_prefix(self.name_prefix)
        if not self.project or not self.redis_region:
            raise ValueError("project and redis_region are required")
        if not self.hosts:
            raise ValueError("hosts must name at least one public host to check")
        try:
            _HOSTS.validate_python(tuple(self.hosts))  # the settings' host rule, with its message
        except ValidationError as error:
            raise ValueError(f"hosts: {error.errors()[0]['msg'].removeprefix('Value error, ')}") from None
        if self.database_max_connections < 1:
            raise ValueError("database_max_connections must be positive")
        for name in ("database_instance", "redis_instance", "rotation_topic"):
            value = getattr(self, name)
            if value is None or (isinstance(value, str) and not value.strip()):
                raise ValueError(f"{name} is required")
        if isinstance(self.rotation_topic, str) and not _TOPIC_NAME.match(self.rotation_topic):
            raise ValueError(
                "rotation_topic must be the topic's short name (e.g. agencyos-prod-secret-rotation): a letter, then "
                "letters, digits and - _ . ~ + %, 3 to 255 characters, not starting with goog; not its full id"
            )

    @property
    def all_hosts(self) -> tuple[str, ...]:
        """The hosts checked: the stack's, then the spec's extra ones, each once."""
        return tuple(dict.fromkeys((*self.hosts, *self.spec.extra_hosts)))


class Uptime(pulumi.ComponentResource):
    """Notification channels, uptime checks and the alert policies that use them."""

    channel_ids: pulumi.Output[list[str]]
    """Ids of every notification channel (projects/<p>/notificationChannels/<n>)."""
    check_ids: dict[str, pulumi.Output[str]]
    """Host -> id of its uptime check."""
    alert_policy_ids: dict[str, pulumi.Output[str]]
    """Alert name (host-down per host, db-connections, redis-memory, secret-rotation) -> alert policy id."""

    def __init__(self, name: str, args: UptimeArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        spec, prefix = args.spec, args.name_prefix
        child = pulumi.ResourceOptions(parent=self, depends_on=opts.depends_on if opts else None)
        labels = dict(args.labels)

        channels = self._channels(name, args, labels, child)
        channel_ids: list[pulumi.Input[str]] = [channel.id for channel in channels]
        self.check_ids = {}
        self.alert_policy_ids = {}
        for host in args.all_hosts:
            check = gcp.monitoring.UptimeCheckConfig(
                f"{name}-{host}",
                project=args.project,
                display_name=f"{prefix} {host}{spec.path}",
                monitored_resource=gcp.monitoring.UptimeCheckConfigMonitoredResourceArgs(
                    type="uptime_url", labels={"project_id": args.project, "host": host}
                ),
                http_check=gcp.monitoring.UptimeCheckConfigHttpCheckArgs(
                    path=spec.path,
                    port=HTTPS_PORT,
                    use_ssl=True,
                    validate_ssl=True,
                    request_method="GET",
                ),
                period=f"{spec.period_seconds}s",
                timeout=f"{spec.timeout_seconds}s",
                selected_regions=[region.value for region in spec.regions],
                checker_type="STATIC_IP_CHECKERS",
                log_check_failures=True,
                user_labels=labels,
                opts=child,
            )
            self.check_ids[host] = check.uptime_check_id
            policy = gcp.monitoring.AlertPolicy(
                f"{name}-{host}-down",
                project=args.project,
                display_name=f"{prefix}: {host}{spec.path} is down",
                combiner="OR",
                severity="CRITICAL",
                conditions=[
                    gcp.monitoring.AlertPolicyConditionArgs(
                        display_name=f"{host}{spec.path} fails from more than one location",
                        condition_threshold=gcp.monitoring.AlertPolicyConditionConditionThresholdArgs(
                            filter=uptime_filter(host),
                            comparison="COMPARISON_GT",
                            threshold_value=FAILING_LOCATIONS_ABOVE,
                            duration=SUSTAINED_FOR,
                            aggregations=[
                                gcp.monitoring.AlertPolicyConditionConditionThresholdAggregationArgs(
                                    alignment_period=UPTIME_ALIGNMENT,
                                    per_series_aligner="ALIGN_NEXT_OLDER",
                                    cross_series_reducer="REDUCE_COUNT_FALSE",
                                    group_by_fields=["resource.label.host"],
                                )
                            ],
                        ),
                    )
                ],
                alert_strategy=gcp.monitoring.AlertPolicyAlertStrategyArgs(auto_close=AUTO_CLOSE),
                documentation=_docs(
                    f"https://{host}{spec.path} failed its uptime check from more than one location (checklist "
                    "6.uptime-monitoring.2). Check the ingress controller, the pods behind the host and DNS."
                ),
                notification_channels=channel_ids,
                user_labels=labels,
                opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[check])),
            )
            self.alert_policy_ids[f"{host}-down"] = policy.id

        connections = self._threshold_policy(
            name,
            "db-connections",
            args,
            title="database connections above the alert share of max_connections",
            metric_filter=pulumi.Output.from_input(args.database_instance).apply(
                lambda instance: db_connections_filter(args.project, instance)
            ),
            # Backends summed over the instance's databases: max_connections bounds the whole instance.
            threshold=_share(args.database_max_connections, spec.db_connections_percent),
            group_by="resource.label.database_id",
            reducer="REDUCE_SUM",
            duration=AT_ONCE,
            severity="ERROR",
            docs=f"More than {spec.db_connections_percent}% of the database's max_connections "
            f"({args.database_max_connections}) are in use (checklist {ALERT_DB_POOL_PERCENT.item}). New "
            "connections will soon be refused: check the application's pool settings and long-running queries.",
            channel_ids=channel_ids,
            labels=labels,
            child=child,
        )
        memory = self._threshold_policy(
            name,
            "redis-memory",
            args,
            title="Redis memory above the alert share",
            metric_filter=pulumi.Output.from_input(args.redis_instance).apply(
                lambda instance: redis_memory_filter(args.project, args.redis_region, instance)
            ),
            threshold=_share(1, spec.redis_memory_percent),  # usage_ratio is a ratio
            group_by="resource.label.instance_id",
            # Standard tier reports the primary and the replica (label role): the fuller node decides.
            reducer="REDUCE_MAX",
            duration=SUSTAINED_FOR,
            severity="WARNING",
            docs=f"Redis uses more than {spec.redis_memory_percent}% of its memory (checklist "
            f"{REDIS_MAXMEMORY_PERCENT.item}): least recently used keys will soon be evicted; raise cache.memorySizeGb "
            "if the hit rate drops.",
            channel_ids=channel_ids,
            labels=labels,
            child=child,
        )
        rotation = self._threshold_policy(
            name,
            "secret-rotation",
            args,
            title="a secret is due for rotation",
            metric_filter=pulumi.Output.from_input(args.rotation_topic).apply(rotation_filter),
            threshold=0,  # any publish request
            group_by="resource.labels.topic_id",
            reducer="REDUCE_SUM",  # over response codes
            aligner="ALIGN_SUM",
            alignment=NOTICE_ALIGNMENT,
            duration=AT_ONCE,
            severity="WARNING",  # scheduled work, not an outage
            docs="Secret Manager published a `SECRET_ROTATE` notice: a secret of this stack is due for rotation "
            f"(checklist {SECRET_ROTATION_DAYS.item}). Follow {ROTATION_RUNBOOK}: the notice names no secret, so "
            "list the secrets by next rotation time (those just due now show one full period ahead), rotate each, "
            "roll the workloads that read it, and record the date in the rotation log.",
            channel_ids=channel_ids,
            labels=labels,
            child=child,
            # The incident closes itself after a day without publishes; a "closed" message would read as
            # "rotated", so only the opening is sent.
            prompts=("OPENED",),
        )
        self.alert_policy_ids["db-connections"] = connections.id
        self.alert_policy_ids["redis-memory"] = memory.id
        self.alert_policy_ids["secret-rotation"] = rotation.id
        self.channel_ids = pulumi.Output.all(*channel_ids).apply(list)
        self.register_outputs(
            {
                "channel_ids": self.channel_ids,
                "check_ids": self.check_ids,
                "alert_policy_ids": self.alert_policy_ids,
            }
        )

    def _channels(
        self, name: str, args: UptimeArgs, labels: Mapping[str, str], child: pulumi.ResourceOptions
    ) -> list[gcp.monitoring.NotificationChannel]:
        spec, prefix = args.spec, args.name_prefix
        # The credentials are never in the state's inputs in plain text, nor in any output.
        secret_opts = pulumi.ResourceOptions.merge(
            child, pulumi.ResourceOptions(additional_secret_outputs=["sensitiveLabels"])
        )
        channels = [
            gcp.monitoring.NotificationChannel(
                f"{name}-email-{_slug(address)}",
                project=args.project,
                display_name=f"{prefix} alerts: {address}",
                type="email",
                labels={"email_address": address},
                user_labels=dict(labels),
                opts=child,
            )
            for address in spec.alert_emails
        ]
        if spec.slack_channel and spec.slack_token_secret:
            channels.append(
                gcp.monitoring.NotificationChannel(
                    f"{name}-slack",
                    project=args.project,
                    display_name=f"{prefix} alerts: Slack {spec.slack_channel}",
                    type="slack",
                    labels={"channel_name": spec.slack_channel},
                    sensitive_labels=gcp.monitoring.NotificationChannelSensitiveLabelsArgs(
                        auth_token=_secret_value(args.project, spec.slack_token_secret, child)
                    ),
                    user_labels=dict(labels),
                    opts=secret_opts,
                )
            )
        if spec.pagerduty_key_secret:
            channels.append(
                gcp.monitoring.NotificationChannel(
                    f"{name}-pagerduty",
                    project=args.project,
                    display_name=f"{prefix} alerts: PagerDuty",
                    type="pagerduty",
                    sensitive_labels=gcp.monitoring.NotificationChannelSensitiveLabelsArgs(
                        service_key=_secret_value(args.project, spec.pagerduty_key_secret, child)
                    ),
                    user_labels=dict(labels),
                    opts=secret_opts,
                )
            )
        return channels

    def _threshold_policy(
        self,
        name: str,
        role: str,
        args: UptimeArgs,
        *,
        title: str,
        metric_filter: pulumi.Input[str],
        threshold: float,
        group_by: str,
        reducer: str,
        duration: str,
        severity: str,
        docs: str,
        channel_ids: list[pulumi.Input[str]],
        labels: Mapping[str, str],
        child: pulumi.ResourceOptions,
        aligner: str = "ALIGN_MAX",
        alignment: str = DATA_TIER_ALIGNMENT,
        prompts: Sequence[str] | None = None,
    ) -> gcp.monitoring.AlertPolicy:
        return gcp.monitoring.AlertPolicy(
            f"{name}-{role}",
            project=args.project,
            display_name=f"{args.name_prefix}: {title}",
            combiner="OR",
            severity=severity,
            conditions=[
                gcp.monitoring.AlertPolicyConditionArgs(
                    display_name=title,
                    condition_threshold=gcp.monitoring.AlertPolicyConditionConditionThresholdArgs(
                        filter=metric_filter,
                        comparison="COMPARISON_GT",
                        threshold_value=threshold,
                        duration=duration,
                        aggregations=[
                            gcp.monitoring.AlertPolicyConditionConditionThresholdAggregationArgs(
                                alignment_period=alignment,
                                per_series_aligner=aligner,
                                cross_series_reducer=reducer,
                                group_by_fields=[group_by],
                            )
                        ],
                    ),
                )
            ],
            alert_strategy=gcp.monitoring.AlertPolicyAlertStrategyArgs(
                auto_close=AUTO_CLOSE, notification_prompts=list(prompts) if prompts else None
            ),
            documentation=_docs(docs),
            notification_channels=channel_ids,
            user_labels=dict(labels),
            opts=child,
        )


def uptime_filter(host: str) -> str:
    """The check results of one host (the uptime_url resource carries the host as a label)."""
    return f'metric.type="{UPTIME_METRIC}" AND resource.type="uptime_url" AND resource.label.host="{host}"'


def db_connections_filter(project: str, instance: str) -> str:
    """Backends of the primary and of its replicas (named <instance>-replica-<n>)."""
    return (
        f'metric.type="{DB_CONNECTIONS_METRIC}" AND resource.type="cloudsql_database" '
        f'AND resource.label.database_id=starts_with("{project}:{instance}")'
    )


def redis_memory_filter(project: str, region: str, instance: str) -> str:
    """Memory usage ratio of one Memorystore instance (instance_id is its full resource name)."""
    return (
        f'metric.type="{REDIS_MEMORY_METRIC}" AND resource.type="redis_instance" '
        f'AND resource.label.instance_id="projects/{project}/locations/{region}/instances/{instance}"'
    )


def rotation_filter(topic: str) -> str:
    """Publish requests to the rotation topic (the pubsub_topic resource carries the short name as topic_id)."""
    return f'metric.type="{PUBLISH_METRIC}" AND resource.type="pubsub_topic" AND resource.labels.topic_id="{topic}"'


def _secret_value(project: str, secret_id: str, child: pulumi.ResourceOptions) -> pulumi.Output[str]:
    """The latest version of an operator-managed secret, secret from the read on."""
    version = gcp.secretmanager.get_secret_version_output(
        project=project, secret=secret_id, opts=pulumi.InvokeOutputOptions(parent=child.parent)
    )
    return pulumi.Output.secret(version.secret_data)


def _share(value: int, percent: int) -> float:
    """``percent`` % of ``value``; scaleb(-2) turns percent into a fraction exactly, with no binary rounding."""
    return float((Decimal(value) * Decimal(percent)).scaleb(-2))


def _docs(content: str) -> gcp.monitoring.AlertPolicyDocumentationArgs:
    return gcp.monitoring.AlertPolicyDocumentationArgs(content=content, mime_type="text/markdown")


def _slug(address: str) -> str:
    """A resource-name-safe, stable form of an address: oncall@agencyos.example -> oncall-at-agencyos-example."""
    return re.sub(r"[^a-z0-9]+", "-", address.lower().replace("@", "-at-")).strip("-")
