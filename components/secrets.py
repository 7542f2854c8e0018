"""Secret Manager: one secret per sensitive variable of the checklist (§1, §3, §8 Secrets management).

Every secret replicates automatically, rotates on the checklist's schedule (Secret Manager
publishes ``SECRET_ROTATE`` to a Pub/Sub topic; its service agent is allowed to publish there) and is
readable only by the workloads that need it, one ``secretAccessor`` binding per secret and workload.
Values the stack knows are written as versions, secret end to end: SECRET_KEY (random, hex),
DATABASE_URL and REDIS_URL (from the data tier). Third-party credentials are added by operators
with ``gcloud secrets versions add`` and never appear in code or stack files (README, "Secrets").
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Annotated

import pulumi
import pulumi_gcp as gcp
import pulumi_random as random
from agencyos_checklist.numbers import SECRET_ROTATION_DAYS
from agencyos_checklist.secrets import SENSITIVE_VARIABLES, SensitiveVariable
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic.alias_generators import to_camel

from components.labels import Labels
from components.naming import check_name_prefix

TYPE = "agencyos:secrets:Secrets"
SECRET_ACCESSOR = "roles/secretmanager.secretAccessor"
PUBLISHER = "roles/pubsub.publisher"
SECRET_MANAGER_API = "secretmanager.googleapis.com"
SECONDS_PER_DAY = 86400
# `openssl rand -hex 64` (checklist 1.core-application-settings.4): 64 bytes, 128 hex characters.
SECRET_KEY_BYTES = 64
BY_NAME: Mapping[str, SensitiveVariable] = MappingProxyType({v.name: v for v in SENSITIVE_VARIABLES})
# Who reads what: the backend (and its migration job, which runs as the backend) reads every secret;
# the frontend only what a browser-facing server needs.
FRONTEND_SECRETS = ("SUPABASE_ANON_KEY", "SENTRY_DSN")
STACK_VALUES = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL")
"""Variables whose value the stack knows and writes as a version; the rest come from operators."""

VariableName = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]*$")]


def readers(variable: str) -> tuple[str, ...]:
    """The workloads that read ``variable``."""
    return ("backend", "frontend") if variable in FRONTEND_SECRETS else ("backend",)


class SecretsSpec(BaseModel):
    """Which optional secrets exist and how often all rotate. Stack config object ``agencyos-infra:secrets``."""

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)

    rotation_days: int = Field(
        SECRET_ROTATION_DAYS.value,
        ge=1,
        le=SECRET_ROTATION_DAYS.value,
        description=f"Rotation period of every secret, in days; at most the checklist's "
        f"(checklist {SECRET_ROTATION_DAYS.item}).",
    )
    omit: tuple[VariableName, ...] = Field(
        (),
        description="Optional variables this stack does without (SENTRY_DSN, OPENAI_API_KEY, ANTHROPIC_API_KEY, "
        "GEMINI_API_KEY); required ones cannot be omitted.",
    )

    @field_validator("omit")
    @classmethod
    def _only_optional(cls, omit: tuple[str, ...]) -> tuple[str, ...]:
        for name in omit:
            variable = BY_NAME.get(name)
            if variable is None:
                raise ValueError("names a variable that is not a sensitive variable of the checklist")
            if variable.required:
                raise ValueError("may name only optional variables (Sentry, AI providers)")
        return omit


@dataclass(frozen=True, kw_only=True)
class SecretsArgs:
    """The project, names, data-tier values and the readers' service accounts."""

    name_prefix: str
    """Secret ids are <name_prefix>-<variable in kebab case>, e.g. agencyos-prod-stripe-api-key."""
    project: str
    """GCP project id of the secrets and the rotation topic."""
    labels: Labels
    """Labels for every secret and the topic."""
    database_url: pulumi.Input[str]
    """The Database's secret connection_url: written as the DATABASE_URL version."""
    redis_url: pulumi.Input[str]
    """The Cache's secret url: written as the REDIS_URL version."""
    service_accounts: Mapping[str, pulumi.Input[str]]
    """Workload -> Google service account email; backend and frontend are required."""
    spec: SecretsSpec = field(default_factory=lambda: SecretsSpec.model_validate({}))
    """Rotation and optional secrets; defaults meet the checklist."""

    def __post_init__(self) -> None:
        check_name_prefix(self.name_prefix)
        if not self.project:
            raise ValueError("project is required")
        missing = {"backend", "frontend"} - set(self.service_accounts)
        if missing:
            raise ValueError(f"service_accounts needs {', '.join(sorted(missing))}")


class Secrets(pulumi.ComponentResource):
    """The application's Secret Manager secrets, their rotation topic, access and stack-known versions."""

    secret_names: dict[str, pulumi.Output[str]]
    """Variable -> projects/<project>/secrets/<id>, what the CSI driver's resourceName takes."""
    rotation_topic: pulumi.Output[str]
    """Id of the Pub/Sub topic Secret Manager publishes rotation notices to."""
    rotation_topic_name: pulumi.Output[str]
    """Short name of that topic (its monitoring label topic_id): known at preview, so an alert can filter on it."""

    def __init__(self, name: str, args: SecretsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        spec, prefix = args.spec, args.name_prefix
        child = pulumi.ResourceOptions(parent=self, depends_on=opts.depends_on if opts else None)

        topic = gcp.pubsub.Topic(
            f"{name}-rotation", project=args.project, name=f"{prefix}-secret-rotation", labels=args.labels, opts=child
        )
        # Secret Manager refuses a secret whose topic its service agent cannot publish to.
        agent = gcp.projects.ServiceIdentity(
            f"{name}-agent", project=args.project, service=SECRET_MANAGER_API, opts=child
        )
        publisher = gcp.pubsub.TopicIAMMember(
            f"{name}-rotation-publisher",
            project=args.project,
            topic=topic.name,
            role=PUBLISHER,
            member=pulumi.Output.concat("serviceAccount:", agent.email),
            opts=child,
        )
        period = spec.rotation_days * SECONDS_PER_DAY
        # The first rotation is due one period after creation; later ones follow from the period, so
        # the time is ignored after creation (it would otherwise change on every run).
        first = datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=spec.rotation_days)
        secret_opts = pulumi.ResourceOptions.merge(
            child,
            pulumi.ResourceOptions(
                depends_on=[publisher],  # merged with the component's depends_on
                protect=True,
                ignore_changes=["rotation.nextRotationTime"],
            ),
        )
        known: dict[str, pulumi.Input[str]] = {
            "SECRET_KEY": self._secret_key(name, child),
            "DATABASE_URL": args.database_url,
            "REDIS_URL": args.redis_url,
        }
        self.secret_names = {}
        for variable in SENSITIVE_VARIABLES:
            if variable.name in spec.omit:
                continue
            secret = gcp.secretmanager.Secret(
                f"{name}-{variable.slug}",
                project=args.project,
                secret_id=f"{prefix}-{variable.slug}",
                replication=gcp.secretmanager.SecretReplicationArgs(auto=gcp.secretmanager.SecretReplicationAutoArgs()),
                rotation=gcp.secretmanager.SecretRotationArgs(
                    rotation_period=f"{period}s", next_rotation_time=f"{first.isoformat()}T00:00:00Z"
                ),
                topics=[gcp.secretmanager.SecretTopicArgs(name=topic.id)],
                labels={**args.labels, "checklist-variable": variable.slug},
                deletion_protection=True,
                opts=secret_opts,
            )
            self.secret_names[variable.name] = pulumi.Output.format(
                "projects/{0}/secrets/{1}", args.project, secret.secret_id
            )
            for workload in readers(variable.name):
                gcp.secretmanager.SecretIamMember(
                    f"{name}-{variable.slug}-{workload}",
                    project=args.project,
                    secret_id=secret.secret_id,
                    role=SECRET_ACCESSOR,
                    member=pulumi.Output.concat("serviceAccount:", args.service_accounts[workload]),
                    opts=child,
                )
            if variable.name in known:
                gcp.secretmanager.SecretVersion(
                    f"{name}-{variable.slug}-version",
                    secret=secret.id,
                    secret_data=pulumi.Output.secret(known[variable.name]),
                    opts=pulumi.ResourceOptions.merge(
                        child, pulumi.ResourceOptions(additional_secret_outputs=["secretData"])
                    ),
                )
        self.rotation_topic = topic.id
        self.rotation_topic_name = topic.name
        self.register_outputs(
            {
                "secret_names": self.secret_names,
                "rotation_topic": self.rotation_topic,
                "rotation_topic_name": self.rotation_topic_name,
            }
        )

    def _secret_key(self, name: str, child: pulumi.ResourceOptions) -> pulumi.Output[str]:
        """SECRET_KEY as `openssl rand -hex 64` makes it: random bytes, hex encoded, secret."""
        key = random.RandomBytes(
            f"{name}-secret-key-bytes",
            length=SECRET_KEY_BYTES,
            opts=pulumi.ResourceOptions.merge(
                child, pulumi.ResourceOptions(additional_secret_outputs=["hex", "base64"])
            ),
        )
        return pulumi.Output.secret(key.hex)
