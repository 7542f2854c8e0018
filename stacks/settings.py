"""Typed settings for the whole stack, read from the stack's Pulumi config and validated up front.

A few scalars sit at the top of the project's namespace (``agencyos-infra:environment``); each
component has one config object (``agencyos-infra:database``), whose model is the component's spec
with camelCase keys. Pulumi.yaml declares each top-level key (objects with ``type: object`` and a
``default``); the models describe every field, and the README's table is generated from them.

Everything is validated before the first resource is registered. A bad stack gets one message
listing every bad field by its full path (``agencyos-infra:database.tier``), its value kind and what
is allowed, never the value itself and never a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic.alias_generators import to_camel

from components import dr
from components.backups import BackupsSpec
from components.cache import CacheSpec
from components.certificates import CertificatesSpec, Solver
from components.cluster import ClusterSpec
from components.database import DatabaseSpec
from components.delivery_identity import DeliverySpec
from components.dns import DnsSpec
from components.iam import IamSpec
from components.ingress import IngressSpec
from components.log_retention import LogsSpec
from components.monitoring import MonitoringSpec
from components.naming import NAME_PREFIX_PATTERN
from components.network import NetworkSpec
from components.project_services import ProjectServicesSpec
from components.secrets import SecretsSpec
from components.storage import StorageSpec
from components.uptime import UptimeSpec
from components.workloads import WorkloadsSpec, required_database_connections

NAMESPACE = "agencyos-infra"
GCP_NAMESPACE = "gcp"


class Environment(StrEnum):
    PRODUCTION = "production"
    STAGING = "staging"


def config_key(field_name: str) -> str:
    """The Pulumi config key of a field of this project, e.g. name_prefix -> agencyos-infra:namePrefix."""
    return f"{NAMESPACE}:{to_camel(field_name)}"


class StackSettings(BaseModel):
    """One stack's settings. Aliases are the full config keys, so errors name them."""

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=config_key, populate_by_name=True)

    project: str = Field(alias="gcp:project", min_length=1, description="GCP project id.")
    region: str = Field(alias="gcp:region", min_length=1, description="GCP region, e.g. us-central1.")
    environment: Environment = Field(
        description="Deployment environment: production or staging (checklist 1.core-application-settings.2)."
    )
    debug: bool = Field(
        False,
        description="Application debug mode; refused when environment is production (checklist "
        "1.core-application-settings.3).",
    )
    name_prefix: str = Field(
        pattern=NAME_PREFIX_PATTERN, description="Prefix of every physical resource name, e.g. agencyos-prod."
    )
    database: DatabaseSpec = Field(
        default_factory=lambda: DatabaseSpec.model_validate({}),
        description="The Database component: Cloud SQL PostgreSQL (checklist §2, §7).",
    )
    project_services: ProjectServicesSpec = Field(
        default_factory=lambda: ProjectServicesSpec.model_validate({}),
        description="The ProjectServices component: the Google APIs the platform uses (checklist "
        "3.google-cloud-platform.2).",
    )
    iam: IamSpec = Field(
        default_factory=lambda: IamSpec.model_validate({}),
        description="The WorkloadIdentities component: a least-privilege service account per workload (checklist "
        "3.google-cloud-platform.3).",
    )
    network: NetworkSpec = Field(
        default_factory=lambda: NetworkSpec.model_validate({}),
        description="The Network component: VPC, private services access, firewall, bastion (checklist §8 "
        "Infrastructure Security).",
    )
    # [network-iam] component settings above this line
    cache: CacheSpec = Field(
        default_factory=lambda: CacheSpec.model_validate({}),
        description="The Cache component: Memorystore for Redis (checklist §2 Redis Configuration).",
    )
    storage: StorageSpec = Field(
        default_factory=lambda: StorageSpec.model_validate({}),
        description="The Storage component: the uploads bucket (checklist §3 Cloud Storage).",
    )
    backups: BackupsSpec = Field(
        default_factory=lambda: BackupsSpec.model_validate({}),
        description="The Backups component: exports, restore tests and their alert (checklist §7).",
    )

    @field_validator("backups")
    @classmethod
    def _backups_fit_the_database(cls, backups: BackupsSpec, info: ValidationInfo) -> BackupsSpec:
        database = info.data.get("database")
        if database is None:
            return backups  # the database object is invalid itself and reported on its own path
        # The Database component always enables automated backups and PITR (components/database.py);
        # the RPO test checks the rendered instance, this refuses a stack before anything exists.
        if problem := dr.recovery_point_problem(pitr_enabled=True, automated_backups=True):
            raise ValueError(problem)
        busy = {int(database.backup_start_time[:2]), database.maintenance_hour}
        if backups.export_hour in busy:
            raise ValueError("exportHour must differ from the database's backup start hour and maintenance hour")
        return backups

    # [cache-storage] component settings above this line
    cluster: ClusterSpec = Field(
        default_factory=lambda: ClusterSpec.model_validate({}),
        description="The Cluster component: a private GKE cluster and its node pool, or an existing cluster "
        "(checklist §8 Infrastructure Security, §9 Kubernetes Optimization).",
    )
    kubeconfig: str = Field(
        "",
        repr=False,
        validate_default=True,
        description="Kubeconfig of the existing cluster, set only as a secret (`pulumi config set --secret "
        "kubeconfig < kubeconfig.yaml`) and only with cluster.existingKubeconfigSecret.",
    )

    @field_validator("kubeconfig")
    @classmethod
    def _kubeconfig_only_for_an_existing_cluster(cls, kubeconfig: str, info: ValidationInfo) -> str:
        cluster = info.data.get("cluster")
        if cluster is None:
            return kubeconfig  # the cluster object is invalid itself and reported on its own path
        if cluster.existing_kubeconfig_secret and not kubeconfig.strip():
            raise ValueError("required with cluster.existingKubeconfigSecret: `pulumi config set --secret kubeconfig`")
        if kubeconfig and not cluster.existing_kubeconfig_secret:
            raise ValueError("only used with cluster.existingKubeconfigSecret; the created cluster's is derived")
        return kubeconfig

    # [runtime-cluster] component settings above this line
    secrets: SecretsSpec = Field(
        default_factory=lambda: SecretsSpec.model_validate({}),
        description="The Secrets component: a Secret Manager secret per sensitive variable, rotated (checklist §8 "
        "Secrets management).",
    )
    workloads: WorkloadsSpec = Field(
        default_factory=lambda: WorkloadsSpec.model_validate({}),
        validate_default=True,  # the default pools are checked against database.maxConnections too
        description="The Workloads component: namespace, backend and frontend on GKE, their environment (checklist "
        "§1, §9 Kubernetes Optimization).",
    )

    @field_validator("workloads")
    @classmethod
    def _pools_fit_the_database(cls, workloads: WorkloadsSpec, info: ValidationInfo) -> WorkloadsSpec:
        database = info.data.get("database")
        if database is None or database.max_connections is None:
            return workloads  # invalid itself (reported on its own path), or derived from the workloads
        # At the autoscaler's ceiling every pod may hold a full pool: PostgreSQL refuses connections past
        # max_connections, and the pods would fail exactly when traffic peaks.
        needed = required_database_connections(workloads)
        if needed > database.max_connections:
            raise ValueError(
                "(backend.maxReplicas + 1 migration pod) x (dbPoolSize + dbMaxOverflow) connections, plus "
                f"PostgreSQL's reserved ones, is {needed}: more than database.maxConnections "
                f"({database.max_connections}); raise agencyos-infra:database.maxConnections to at least {needed} "
                "(or leave it unset: it is derived), "
                "or lower the pool or the replicas"
            )
        return workloads

    # [runtime-workloads] component settings above this line
    dns: DnsSpec = Field(
        default_factory=lambda: DnsSpec.model_validate({}),
        description="The Dns component: Cloudflare records, email authentication and zone settings (checklist §4); "
        "SPF and DMARC are checked offline before anything is created.",
    )
    # [edge-dns] component settings above this line
    certificates: CertificatesSpec = Field(
        default_factory=lambda: CertificatesSpec.model_validate({}),
        description="The Certificates component: cert-manager and the Let's Encrypt ClusterIssuers (checklist §5).",
    )
    cloudflare_api_token: str = Field(
        "",
        repr=False,
        validate_default=True,
        description="Cloudflare API token of cert-manager's DNS-01 solver, set only as a secret (`pulumi config set "
        "--secret cloudflareApiToken`) and only with certificates.solver dns01-cloudflare.",
    )

    @field_validator("cloudflare_api_token")
    @classmethod
    def _token_only_for_dns01(cls, token: str, info: ValidationInfo) -> str:
        certificates = info.data.get("certificates")
        if certificates is None:
            return token  # the certificates object is invalid itself and reported on its own path
        dns01 = certificates.solver is Solver.DNS01_CLOUDFLARE
        if dns01 and not token.strip():
            raise ValueError("required with certificates.solver dns01-cloudflare: `pulumi config set --secret`")
        if token and not dns01:
            raise ValueError("only used with certificates.solver dns01-cloudflare")
        return token

    # [edge-tls] component settings above this line
    ingress: IngressSpec = Field(
        default_factory=lambda: IngressSpec.model_validate({}),
        description="The IngressController and AppIngresses components: ingress-nginx, HTTPS only, HSTS, security "
        "headers, per-IP rate limits, the app's hosts and auth paths (checklist §8 Application Security).",
    )
    # [edge-ingress] component settings above this line
    monitoring: MonitoringSpec = Field(
        default_factory=lambda: MonitoringSpec.model_validate({}),
        description="The Monitoring component: kube-prometheus-stack (Prometheus, Alertmanager, Grafana), the six "
        "alerting rules, dashboards and alert receivers (checklist §6 Infrastructure Monitoring, Alerting Rules).",
    )
    # [obs-metrics] component settings above this line
    uptime: UptimeSpec = Field(
        default_factory=lambda: UptimeSpec.model_validate({}),
        description="The Uptime component: HTTPS uptime checks of every public host, alert channels (email, Slack, "
        "PagerDuty) and the database and Redis alerts (checklist §6 Uptime Monitoring, Alerting Rules).",
    )
    # [obs-uptime] component settings above this line
    logs: LogsSpec = Field(
        default_factory=lambda: LogsSpec.model_validate({}),
        description="The LogRetention component: application, security and audit log buckets and their routing, "
        "Data Access audit logs (checklist §6 Application Monitoring, §8 Compliance & Auditing).",
    )
    # [obs-logs] component settings above this line
    delivery: DeliverySpec = Field(
        default_factory=lambda: DeliverySpec.model_validate({}),
        description="The DeliveryIdentity component: the GitHub repository whose workflows preview (read-only) and "
        "deploy this stack through Workload Identity Federation, without a key (checklist 3.google-cloud-platform.3).",
    )
    # [delivery] component settings above this line

    @field_validator("debug")
    @classmethod
    def _no_debug_in_production(cls, debug: bool, info: ValidationInfo) -> bool:
        if debug and info.data.get("environment") is Environment.PRODUCTION:
            raise ValueError("must be false when environment is production (checklist §1: CRITICAL)")
        return debug


COMPONENT_SECTIONS: dict[str, type[BaseModel]] = {
    name: field.annotation
    for name, field in StackSettings.model_fields.items()
    if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)
}
"""Field name -> model of each component's config object."""


class SettingsError(ValueError):
    """Invalid stack config; the message lists every bad field and what it allows."""


def settings_from_config(config: Mapping[str, Any]) -> StackSettings:
    """Validate a stack's config (``namespace:key`` -> string, as Pulumi passes it) into settings.

    Objects arrive JSON-encoded (as Pulumi passes them) or already decoded; scalars as strings.
    """
    document: dict[str, Any] = {}
    for key, raw in config.items():
        if key in _KEYS:
            document[key] = _typed(raw, _KEYS[key])
        elif key.startswith(f"{NAMESPACE}:"):
            document[key] = raw  # unknown key of ours: reported as such
        # Other namespaces (gcp:zone, kubernetes:context...) belong to their providers.
    try:
        # Config keys are the aliases only; Python callers may still use field names.
        return StackSettings.model_validate(document, by_alias=True, by_name=False)
    except ValidationError as error:
        raise SettingsError(format_errors(error)) from None


def format_errors(error: ValidationError) -> str:
    lines = [f"invalid stack configuration ({error.error_count()} problem(s)):"]
    for item in error.errors():
        loc = [str(part) for part in item["loc"]]
        if loc and loc[0] in StackSettings.model_fields:  # a default checked by a validator: named by its key
            loc[0] = StackSettings.model_fields[loc[0]].alias or loc[0]
        key = ".".join(loc)
        kind = "missing" if item["type"] == "missing" else _kind(item.get("input"))
        if item["type"] == "extra_forbidden":
            allowed = "unknown key; known keys: " + ", ".join(_known_keys(loc[:-1]))
        elif item["type"] == "missing":
            allowed = f"required; set it with `pulumi config set {loc[0]} <value>`" + (
                f" --path for {key}" if len(loc) > 1 else ""
            )
        else:
            allowed = item["msg"].removeprefix("Value error, ")
        lines.append(f"  - {key} ({kind}): {allowed}")
    return "\n".join(lines)


def known_keys() -> list[str]:
    """Every config key and object field of this project's settings, as errors and the README name them."""
    keys = list(_KEYS)
    for name, model in COMPONENT_SECTIONS.items():
        keys += [f"{config_key(name)}.{field.alias}" for field in model.model_fields.values()]
    return keys


_KEYS: dict[str, Any] = {field.alias or name: field.annotation for name, field in StackSettings.model_fields.items()}


def _known_keys(parent: list[str]) -> list[str]:
    if not parent:
        return sorted(_KEYS)
    section = next((n for n in COMPONENT_SECTIONS if config_key(n) == parent[0]), None)
    model = COMPONENT_SECTIONS.get(section or "")
    return sorted(field.alias or name for name, field in model.model_fields.items()) if model else []


def _typed(raw: Any, annotation: Any) -> Any:
    """Config values arrive as strings; JSON-decode those whose field is not a string."""
    if annotation is str or not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _kind(value: Any) -> str:
    if isinstance(value, BaseModel):
        return "object, default"
    kinds = {bool: "boolean", int: "integer", float: "number", str: "string", dict: "object", list: "array"}
    return kinds.get(type(value), type(value).__name__)


def load_settings() -> StackSettings:
    """Settings of the running stack; a bad config stops the program before any resource exists."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    # Config set in-process (engine, tests) wins over the PULUMI_CONFIG environment, as in the SDK.
    values = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    try:
        return settings_from_config(values)
    except SettingsError as error:
        # RunError is reported by the language host as a message, without a traceback.
        raise pulumi.RunError(str(error)) from None
