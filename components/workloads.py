"""The application on GKE: checklist §1 (environment), §9 Kubernetes Optimization, §8 containers and secrets.

One namespace with Pod Security Admission ``restricted`` enforced. Backend and frontend each get a
Kubernetes service account bound to its Google service account by Workload Identity, a Deployment
(pinned image, the checklist's requests and limits, ``/health`` liveness and ``/ready`` readiness at
its periods, a startup probe, the restricted security context, spread across zones), a ClusterIP
Service, a PodDisruptionBudget and an autoscaling/v2 HorizontalPodAutoscaler at the checklist's
range and CPU target. The non-secret environment is one ConfigMap built from settings. Secrets
reach pods only as files, mounted by the GKE Secret Manager add-on (Secrets Store CSI driver) from
a SecretProviderClass per workload; never as environment values or ConfigMap entries. Migrations
(``alembic upgrade head``) run as a Job named after the backend image's version, so each release
migrates once, and the backend Deployment waits for it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s
from agencyos_checklist.numbers import (
    ACCESS_TOKEN_LIFETIME,
    APP_DEBUG,
    APP_LOG_LEVEL,
    BACKEND_REPLICAS,
    DB_POOL,
    FRONTEND_REPLICAS,
    HPA_CPU_TARGET_PERCENT,
    K8S_CPU_LIMIT,
    K8S_CPU_REQUEST,
    K8S_MEMORY_LIMIT,
    K8S_MEMORY_REQUEST,
    LIVENESS_PATH,
    LIVENESS_PERIOD,
    PAYPAL_MODE,
    RATE_LIMIT_REQUESTS,
    READINESS_PATH,
    READINESS_PERIOD,
    SESSION_TIMEOUT,
    integers,
    seconds,
)
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic.alias_generators import to_camel

from components.labels import Labels
from components.naming import check_name_prefix
from components.patterns import DNS_LABEL, EMAIL, HOSTNAME, HTTPS_ORIGIN
from components.provider_facts import HTTP_PORT, POSTGRES_SUPERUSER_RESERVED_CONNECTIONS, SMTP_SUBMISSION_PORTS

TYPE = "agencyos:workloads:Workloads"
WORKLOADS = ("backend", "frontend")
WORKLOAD_IDENTITY_USER = "roles/iam.workloadIdentityUser"
GSA_ANNOTATION = "iam.gke.io/gcp-service-account"
# The GKE Secret Manager add-on's CSI driver and provider name.
CSI_DRIVER = "secrets-store-gke.csi.k8s.io"
CSI_PROVIDER = "gke"
SECRETS_DIR = "/var/run/secrets/agencyos"
SECRET_PROVIDER_CLASS_API = "secrets-store.csi.x-k8s.io/v1"
PSA_LEVEL = "restricted"
# A non-root UID/GID no base image uses for a real user.
APP_UID = 10001
ZONE_KEY = "topology.kubernetes.io/zone"
HOST_KEY = "kubernetes.io/hostname"
# Services speak plain HTTP on its well-known port inside the cluster (TLS ends at the ingress),
# whatever port the container listens on.
SERVICE_PORT = HTTP_PORT
# Startup: up to 5 minutes to boot, probed at the liveness period, before liveness takes over.
STARTUP_BUDGET_SECONDS = 300
STARTUP_PERIOD_SECONDS = seconds(LIVENESS_PERIOD)
STARTUP_FAILURE_THRESHOLD = STARTUP_BUDGET_SECONDS // STARTUP_PERIOD_SECONDS
MIGRATION_DEADLINE_SECONDS = 1800
# A ceiling on autoscaling, so a typo cannot ask for thousands of pods.
MAX_REPLICAS = 64
# Image references: a tag (not latest) or a sha256 digest; ASCII only.
_PINNED_IMAGE = re.compile(
    r"^[a-z0-9][a-z0-9.-]*(:[0-9]+)?(/[a-z0-9._-]+)+(:(?!latest$)[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
    r"|@sha256:[0-9a-f]{64})$",
    re.ASCII,
)
_CPU = r"^[0-9]+m?$"
_MEMORY = r"^[0-9]+(Ki|Mi|Gi)$"


class LogLevel(StrEnum):
    """The levels the checklist allows in production (1.additional-production-variables.2)."""

    INFO = "INFO"
    WARNING = "WARNING"


class AppSpec(BaseModel):
    """One workload: its image, ports, size and autoscaling range."""

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)

    image: str = Field(
        description="Container image pinned by tag (never latest) or by sha256 digest, e.g. "
        "europe-docker.pkg.dev/<project>/agencyos/backend:1.4.2."
    )
    port: int = Field(description="Container port the app listens on (HTTP).", ge=1024, le=65535)
    min_replicas: int = Field(description="Fewest pods the autoscaler keeps.", ge=2)
    max_replicas: int = Field(description="Most pods the autoscaler runs.", ge=2, le=MAX_REPLICAS)
    cpu_target_percent: int = Field(
        HPA_CPU_TARGET_PERCENT.value,
        ge=10,
        le=HPA_CPU_TARGET_PERCENT.value,
        description=f"Average CPU utilization the autoscaler aims at (checklist {HPA_CPU_TARGET_PERCENT.item}).",
    )
    cpu_request: str = Field(
        K8S_CPU_REQUEST.value, pattern=_CPU, description="CPU request per pod, a Kubernetes quantity."
    )
    memory_request: str = Field(
        K8S_MEMORY_REQUEST.value, pattern=_MEMORY, description="Memory request per pod, a Kubernetes quantity."
    )
    cpu_limit: str = Field(K8S_CPU_LIMIT.value, pattern=_CPU, description="CPU limit per pod, a Kubernetes quantity.")
    memory_limit: str = Field(
        K8S_MEMORY_LIMIT.value, pattern=_MEMORY, description="Memory limit per pod, a Kubernetes quantity."
    )

    @field_validator("image")
    @classmethod
    def _pinned(cls, image: str) -> str:
        if not _PINNED_IMAGE.match(image):
            raise ValueError("must be <registry>/<path>:<tag> (not latest) or <registry>/<path>@sha256:<digest>")
        return image

    @field_validator("max_replicas")
    @classmethod
    def _range(cls, maximum: int, info: ValidationInfo) -> int:
        minimum = info.data.get("min_replicas")
        if minimum is not None and maximum < minimum:
            raise ValueError("must be at least minReplicas")
        return maximum


_BACKEND_MIN, _BACKEND_MAX = integers(BACKEND_REPLICAS)
_FRONTEND_MIN, _FRONTEND_MAX = integers(FRONTEND_REPLICAS)
_POOL_SIZE, _POOL_OVERFLOW = integers(DB_POOL)


class BackendSpec(AppSpec):
    """The API: scales in the checklist's backend range by default (checklist 9.kubernetes-optimization.1.1)."""

    image: str = Field(
        "us-docker.pkg.dev/agencyos/app/backend:0.1.0",
        description="Backend image pinned by tag (never latest) or sha256 digest; set it per stack.",
    )
    port: int = Field(8000, ge=1024, le=65535, description="Port the backend listens on (HTTP).")
    min_replicas: int = Field(_BACKEND_MIN, ge=_BACKEND_MIN, description="Fewest backend pods.")
    max_replicas: int = Field(_BACKEND_MAX, ge=_BACKEND_MAX, le=MAX_REPLICAS, description="Most backend pods.")


class FrontendSpec(AppSpec):
    """The web app: scales in the checklist's frontend range by default (9.kubernetes-optimization.1.2)."""

    image: str = Field(
        "us-docker.pkg.dev/agencyos/app/frontend:0.1.0",
        description="Frontend image pinned by tag (never latest) or sha256 digest; set it per stack.",
    )
    port: int = Field(3000, ge=1024, le=65535, description="Port the frontend listens on (HTTP).")
    min_replicas: int = Field(_FRONTEND_MIN, ge=_FRONTEND_MIN, description="Fewest frontend pods.")
    max_replicas: int = Field(_FRONTEND_MAX, ge=_FRONTEND_MAX, le=MAX_REPLICAS, description="Most frontend pods.")


class SmtpSpec(BaseModel):
    """The mail relay the backend sends through (checklist 3.email-service-sendgrid-mailgun.2); SMTP_PASSWORD is a
    secret of the Secrets component."""

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)

    host: str = Field(pattern=HOSTNAME, max_length=253, description="SMTP_HOST, e.g. smtp.sendgrid.net.")
    port: int = Field(
        SMTP_SUBMISSION_PORTS[0],
        description="SMTP_PORT: 587 (STARTTLS) or 465 (implicit TLS); the only mail port the egress policy opens.",
    )
    user: str = Field(pattern=r"^\S{1,256}$", description="SMTP_USER, e.g. apikey for SendGrid.")
    from_email: str = Field(pattern=EMAIL, description="FROM_EMAIL, the sender address of the app's mail.")

    @field_validator("port")
    @classmethod
    def _submission_port(cls, port: int) -> int:
        if port not in SMTP_SUBMISSION_PORTS:
            raise ValueError(f"must be a mail submission port: {' or '.join(map(str, SMTP_SUBMISSION_PORTS))}")
        return port


class WorkloadsSpec(BaseModel):
    """The application's deployment and non-secret environment. Stack config object ``agencyos-infra:workloads``."""

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)

    namespace: str = Field(
        "agencyos", pattern=DNS_LABEL, description="Namespace of the application (the IAM bindings name it)."
    )
    backend: BackendSpec = Field(default_factory=lambda: BackendSpec.model_validate({}), description="The API.")
    frontend: FrontendSpec = Field(default_factory=lambda: FrontendSpec.model_validate({}), description="The web app.")
    project_name: str = Field(
        "Agency OS", min_length=1, max_length=64, description="PROJECT_NAME (checklist 1.core-application-settings.1)."
    )
    log_level: LogLevel = Field(
        LogLevel(APP_LOG_LEVEL.value), description=f"LOG_LEVEL: INFO or WARNING (checklist {APP_LOG_LEVEL.item})."
    )
    backend_url: str = Field(
        "https://api.agencyos.example", pattern=HTTPS_ORIGIN, description="BACKEND_URL (checklist 1.api-urls.1)."
    )
    frontend_url: str = Field(
        "https://app.agencyos.example", pattern=HTTPS_ORIGIN, description="FRONTEND_URL (checklist 1.api-urls.2)."
    )
    supabase_url: str | None = Field(
        None,
        pattern=HTTPS_ORIGIN,
        description="SUPABASE_URL, the Supabase project's URL (checklist 1.supabase-configuration.1).",
    )
    paypal_client_id: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_-]{1,128}$",
        description="PAYPAL_CLIENT_ID of the PayPal app (checklist 1.payment-gateway-configuration.1); public, "
        "PAYPAL_CLIENT_SECRET is the secret.",
    )
    smtp: SmtpSpec | None = Field(
        None,
        description="SMTP_HOST, SMTP_PORT, SMTP_USER and FROM_EMAIL of the mail relay (checklist "
        "3.email-service-sendgrid-mailgun.2); opens egress to its port.",
    )
    cors_origins: tuple[str, ...] = Field(
        (),
        description="CORS_ORIGINS, https origins without wildcard; empty means FRONTEND_URL only (checklist "
        "1.additional-production-variables.1).",
    )
    rate_limit_requests: int = Field(
        RATE_LIMIT_REQUESTS.value,
        ge=1,
        description=f"RATE_LIMIT_REQUESTS per minute (checklist {RATE_LIMIT_REQUESTS.item}).",
    )
    session_timeout_seconds: int = Field(
        seconds(SESSION_TIMEOUT),
        ge=60,
        le=seconds(SESSION_TIMEOUT),
        description=f"SESSION_TIMEOUT in seconds, at most the checklist's (checklist {SESSION_TIMEOUT.item}).",
    )
    access_token_minutes: int = Field(
        seconds(ACCESS_TOKEN_LIFETIME) // 60,
        ge=1,
        le=seconds(ACCESS_TOKEN_LIFETIME) // 60,
        description=f"ACCESS_TOKEN_EXPIRE_MINUTES, at most the checklist's (checklist {ACCESS_TOKEN_LIFETIME.item}).",
    )
    db_pool_size: int = Field(_POOL_SIZE, ge=1, le=200, description=f"DB_POOL_SIZE (checklist {DB_POOL.item}).")
    db_max_overflow: int = Field(
        _POOL_OVERFLOW, ge=0, le=200, description=f"DB_MAX_OVERFLOW (checklist {DB_POOL.item})."
    )
    ingress_namespace: str = Field(
        "ingress-nginx", pattern=DNS_LABEL, description="Namespace of the ingress controller allowed to the services."
    )

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, origins: tuple[str, ...]) -> tuple[str, ...]:
        for origin in origins:
            if not re.match(HTTPS_ORIGIN, origin, re.ASCII):
                raise ValueError("each origin must be https://host[:port], no wildcard or path")
        return origins


@dataclass(frozen=True, kw_only=True)
class WorkloadsArgs:
    """Settings, identities and secrets; the Kubernetes provider comes in ``opts.providers``."""

    name_prefix: str
    """Physical Google names start with this; Kubernetes names sit in the app namespace."""
    environment: str
    """ENVIRONMENT of the app: production or staging."""
    debug: bool
    """DEBUG of the app (settings refuse true in production)."""
    labels: Labels
    """Shared labels, on every Kubernetes object beside the app.kubernetes.io ones."""
    service_accounts: Mapping[str, pulumi.Input[str]]
    """Workload (backend, frontend) -> Google service account email."""
    secret_names: Mapping[str, pulumi.Input[str]]
    """Variable -> projects/<p>/secrets/<id> (``Secrets.secret_names``)."""
    secret_readers: Mapping[str, tuple[str, ...]]
    """Variable -> workloads that read it (``components.secrets.readers``)."""
    workload_identity_pool: pulumi.Input[str] | None = None
    """<project>.svc.id.goog of the cluster; the binding is made here when given."""
    spec: WorkloadsSpec = field(default_factory=lambda: WorkloadsSpec.model_validate({}))
    """Images, sizes and environment; defaults meet the checklist."""

    def __post_init__(self) -> None:
        check_name_prefix(self.name_prefix)
        missing = set(WORKLOADS) - set(self.service_accounts)
        if missing:
            raise ValueError(f"service_accounts needs {', '.join(sorted(missing))}")
        if self.environment not in ("production", "staging"):
            raise ValueError("environment must be production or staging")


def required_database_connections(spec: WorkloadsSpec) -> int:
    """Connections the database must allow the app at its largest: every backend pod at the autoscaler's ceiling,
    plus a migration Job's pod, each with a full pool and its overflow (DB_POOL_SIZE + DB_MAX_OVERFLOW), plus
    PostgreSQL's connections reserved for superusers."""
    pods = spec.backend.max_replicas + 1
    return pods * (spec.db_pool_size + spec.db_max_overflow) + POSTGRES_SUPERUSER_RESERVED_CONNECTIONS


def image_version(image: str) -> str:
    """A DNS-label-safe version of an image: its tag, or the first 12 hex digits of its digest."""
    version = image.rsplit("@sha256:", 1)[1][:12] if "@sha256:" in image else image.rsplit(":", 1)[1]
    return re.sub(r"[^a-z0-9]+", "-", version.lower()).strip("-")[:40] or "unversioned"


def environment(args: WorkloadsArgs) -> dict[str, str]:
    """The ConfigMap's non-secret environment, from settings (checklist §1)."""
    spec = args.spec
    values = {
        "PROJECT_NAME": spec.project_name,
        "ENVIRONMENT": args.environment,
        "DEBUG": "true" if args.debug else APP_DEBUG.value,
        "LOG_LEVEL": spec.log_level.value,
        "BACKEND_URL": spec.backend_url,
        "FRONTEND_URL": spec.frontend_url,
        "CORS_ORIGINS": ",".join(spec.cors_origins or (spec.frontend_url,)),
        "RATE_LIMIT_REQUESTS": str(spec.rate_limit_requests),
        "SESSION_TIMEOUT": str(spec.session_timeout_seconds),
        "PAYPAL_MODE": PAYPAL_MODE.value if args.environment == "production" else "sandbox",
        "DB_POOL_SIZE": str(spec.db_pool_size),
        "DB_MAX_OVERFLOW": str(spec.db_max_overflow),
        "ACCESS_TOKEN_EXPIRE_MINUTES": str(spec.access_token_minutes),
        # Each secret is a file named after its variable here; the app reads <SECRETS_DIR>/<NAME>.
        "SECRETS_DIR": SECRETS_DIR,
    }
    # Set per stack; left out (not empty) when unset, so the app fails loudly on a missing value.
    optional = {
        "SUPABASE_URL": spec.supabase_url,
        "PAYPAL_CLIENT_ID": spec.paypal_client_id,
        **(
            {
                "SMTP_HOST": spec.smtp.host,
                "SMTP_PORT": str(spec.smtp.port),
                "SMTP_USER": spec.smtp.user,
                "FROM_EMAIL": spec.smtp.from_email,
            }
            if spec.smtp
            else {}
        ),
    }
    return {**values, **{name: value for name, value in optional.items() if value is not None}}


class Workloads(pulumi.ComponentResource):
    """Namespace, config, identities, secrets mounts, Deployments, Services, PDBs, HPAs and migrations."""

    namespace: pulumi.Output[str]
    """The application's namespace."""
    service_names: dict[str, pulumi.Output[str]]
    """Workload -> ClusterIP Service name (for the ingress)."""
    ports: dict[str, int]
    """Workload -> container port (for network policies)."""
    migration_job: pulumi.Output[str]
    """Name of this release's migration Job."""

    def __init__(self, name: str, args: WorkloadsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        spec = args.spec
        child = pulumi.ResourceOptions(parent=self, depends_on=opts.depends_on if opts else None)
        self._args, self._child = args, child
        common = {**args.labels, "app.kubernetes.io/part-of": "agencyos", "app.kubernetes.io/managed-by": "pulumi"}

        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=spec.namespace,
                labels={
                    **common,
                    # Pod Security Admission: pods that break the restricted profile are refused.
                    "pod-security.kubernetes.io/enforce": PSA_LEVEL,
                    "pod-security.kubernetes.io/audit": PSA_LEVEL,
                    "pod-security.kubernetes.io/warn": PSA_LEVEL,
                },
            ),
            opts=child,
        )
        self.namespace = namespace.metadata.name
        config = k8s.core.v1.ConfigMap(
            f"{name}-config",
            metadata=k8s.meta.v1.ObjectMetaArgs(name="agencyos-env", namespace=self.namespace, labels=common),
            data=environment(args),
            opts=child,
        )
        self.service_names, self.ports = {}, {}
        accounts: dict[str, k8s.core.v1.ServiceAccount] = {}
        provider_classes: dict[str, k8s.apiextensions.CustomResource] = {}
        for workload in WORKLOADS:
            accounts[workload] = self._identity(name, workload, common)
            provider_classes[workload] = self._secret_provider_class(name, workload, common)

        backend_spec = spec.backend
        version = image_version(backend_spec.image)
        job = k8s.batch.v1.Job(
            f"{name}-migrate-{version}",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=f"migrate-{version}",
                namespace=self.namespace,
                labels={**common, **self._selector("migrate"), "app.kubernetes.io/version": version},
            ),
            spec=k8s.batch.v1.JobSpecArgs(
                backoff_limit=2,
                active_deadline_seconds=MIGRATION_DEADLINE_SECONDS,
                template=self._pod_template(
                    "migrate",
                    backend_spec,
                    common,
                    accounts["backend"],
                    config,
                    command=["alembic", "upgrade", "head"],
                ),
            ),
            # The Job's name carries the version: a new image is a new Job; an old one is replaced.
            opts=pulumi.ResourceOptions.merge(
                child, pulumi.ResourceOptions(delete_before_replace=True, depends_on=[provider_classes["backend"]])
            ),
        )
        self.migration_job = job.metadata.name
        for workload, app in (("backend", backend_spec), ("frontend", spec.frontend)):
            # Pulumi waits for the Job to complete before the backend rolls out (migrations first).
            after: list[pulumi.Resource] = [job] if workload == "backend" else []
            self._app(name, workload, app, common, accounts[workload], provider_classes[workload], config, after)
        self.register_outputs(
            {
                "namespace": self.namespace,
                "service_names": self.service_names,
                "ports": self.ports,
                "migration_job": self.migration_job,
            }
        )

    def _selector(self, workload: str) -> dict[str, str]:
        return {"app.kubernetes.io/name": workload, "app.kubernetes.io/instance": self._args.name_prefix}

    def _meta(self, name: str, labels: Mapping[str, str]) -> k8s.meta.v1.ObjectMetaArgs:
        return k8s.meta.v1.ObjectMetaArgs(name=name, namespace=self.namespace, labels=dict(labels))

    def _identity(self, name: str, workload: str, common: Mapping[str, str]) -> k8s.core.v1.ServiceAccount:
        """The Kubernetes service account, annotated with its Google one, and the Workload Identity binding."""
        args = self._args
        email = args.service_accounts[workload]
        account = k8s.core.v1.ServiceAccount(
            f"{name}-{workload}-ksa",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=workload,
                namespace=self.namespace,
                labels={**common, **self._selector(workload)},
                annotations={GSA_ANNOTATION: email},
            ),
            opts=self._child,
        )
        if args.workload_identity_pool is not None:
            gcp.serviceaccount.IAMMember(
                f"{name}-{workload}-workload-identity",
                service_account_id=pulumi.Output.concat("projects/-/serviceAccounts/", email),
                role=WORKLOAD_IDENTITY_USER,
                member=pulumi.Output.format(
                    "serviceAccount:{0}[{1}/{2}]", args.workload_identity_pool, self.namespace, workload
                ),
                opts=self._child,
            )
        return account

    def _secret_provider_class(
        self, name: str, workload: str, common: Mapping[str, str]
    ) -> k8s.apiextensions.CustomResource:
        """Which Secret Manager secrets the add-on mounts for ``workload``, each as a file named after its variable."""
        args = self._args
        mine = sorted(v for v, readers in args.secret_readers.items() if workload in readers and v in args.secret_names)
        entries = [
            pulumi.Output.format('- resourceName: "{0}/versions/latest"\n  path: "{1}"\n', args.secret_names[v], v)
            for v in mine
        ]
        return k8s.apiextensions.CustomResource(
            f"{name}-{workload}-secrets",
            api_version=SECRET_PROVIDER_CLASS_API,
            kind="SecretProviderClass",
            metadata=self._meta(_provider_class_name(workload), {**common, **self._selector(workload)}),
            spec={"provider": CSI_PROVIDER, "parameters": {"secrets": pulumi.Output.concat(*entries)}},
            opts=self._child,
        )

    def _pod_template(
        self,
        workload: str,
        app: AppSpec,
        common: Mapping[str, str],
        account: k8s.core.v1.ServiceAccount,
        config: k8s.core.v1.ConfigMap,
        *,
        command: list[str] | None = None,
    ) -> k8s.core.v1.PodTemplateSpecArgs:
        """The restricted pod: non-root, read-only root, no escalation, no capabilities, RuntimeDefault seccomp."""
        serving = command is None
        probe_port = "http"
        container = k8s.core.v1.ContainerArgs(
            name=workload,
            image=app.image,
            command=command,
            ports=[k8s.core.v1.ContainerPortArgs(name="http", container_port=app.port)] if serving else None,
            env_from=[
                k8s.core.v1.EnvFromSourceArgs(
                    config_map_ref=k8s.core.v1.ConfigMapEnvSourceArgs(name=config.metadata.name)
                )
            ],
            resources=k8s.core.v1.ResourceRequirementsArgs(
                requests={"cpu": app.cpu_request, "memory": app.memory_request},
                limits={"cpu": app.cpu_limit, "memory": app.memory_limit},
            ),
            liveness_probe=_probe(LIVENESS_PATH.value, probe_port, seconds(LIVENESS_PERIOD)) if serving else None,
            readiness_probe=_probe(READINESS_PATH.value, probe_port, seconds(READINESS_PERIOD)) if serving else None,
            startup_probe=_probe(
                LIVENESS_PATH.value, probe_port, STARTUP_PERIOD_SECONDS, failure_threshold=STARTUP_FAILURE_THRESHOLD
            )
            if serving
            else None,
            security_context=k8s.core.v1.SecurityContextArgs(
                run_as_non_root=True,
                run_as_user=APP_UID,
                run_as_group=APP_UID,
                allow_privilege_escalation=False,
                read_only_root_filesystem=True,
                capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]),
                seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
            ),
            volume_mounts=[
                k8s.core.v1.VolumeMountArgs(name="secrets", mount_path=SECRETS_DIR, read_only=True),
                # The root filesystem is read-only: scratch space lives here.
                k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp"),
            ],
        )
        selector = self._selector(workload)
        return k8s.core.v1.PodTemplateSpecArgs(
            metadata=k8s.meta.v1.ObjectMetaArgs(labels={**common, **selector}),
            spec=k8s.core.v1.PodSpecArgs(
                service_account_name=account.metadata.name,
                restart_policy=None if serving else "Never",
                security_context=k8s.core.v1.PodSecurityContextArgs(
                    run_as_non_root=True,
                    run_as_user=APP_UID,
                    run_as_group=APP_UID,
                    fs_group=APP_UID,
                    seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
                ),
                containers=[container],
                volumes=[
                    k8s.core.v1.VolumeArgs(
                        name="secrets",
                        csi=k8s.core.v1.CSIVolumeSourceArgs(
                            driver=CSI_DRIVER,
                            read_only=True,
                            volume_attributes={"secretProviderClass": _provider_class_name(workload)},
                        ),
                    ),
                    k8s.core.v1.VolumeArgs(name="tmp", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs()),
                ],
                topology_spread_constraints=[
                    k8s.core.v1.TopologySpreadConstraintArgs(
                        max_skew=1,
                        topology_key=key,
                        when_unsatisfiable="ScheduleAnyway",
                        label_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
                    )
                    for key in (ZONE_KEY, HOST_KEY)
                ]
                if serving
                else None,
            ),
        )

    def _app(
        self,
        name: str,
        workload: str,
        app: AppSpec,
        common: Mapping[str, str],
        account: k8s.core.v1.ServiceAccount,
        provider_class: k8s.apiextensions.CustomResource,
        config: k8s.core.v1.ConfigMap,
        after: list[pulumi.Resource],
    ) -> None:
        """Deployment, Service, PodDisruptionBudget and HorizontalPodAutoscaler of one workload."""
        selector = self._selector(workload)
        labels = {**common, **selector}
        deployment = k8s.apps.v1.Deployment(
            f"{name}-{workload}",
            metadata=self._meta(workload, labels),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                # No replicas: the autoscaler owns the count; Pulumi setting it would undo each scale.
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
                strategy=k8s.apps.v1.DeploymentStrategyArgs(
                    type="RollingUpdate",
                    rolling_update=k8s.apps.v1.RollingUpdateDeploymentArgs(max_surge=1, max_unavailable=0),
                ),
                template=self._pod_template(workload, app, common, account, config),
            ),
            # The pods mount the SecretProviderClass by name: it must exist first.
            opts=pulumi.ResourceOptions.merge(self._child, pulumi.ResourceOptions(depends_on=[*after, provider_class])),
        )
        service = k8s.core.v1.Service(
            f"{name}-{workload}-service",
            metadata=self._meta(workload, labels),
            spec=k8s.core.v1.ServiceSpecArgs(
                type="ClusterIP",
                selector=selector,
                ports=[k8s.core.v1.ServicePortArgs(name="http", port=SERVICE_PORT, target_port="http", protocol="TCP")],
            ),
            opts=self._child,
        )
        k8s.policy.v1.PodDisruptionBudget(
            f"{name}-{workload}-pdb",
            metadata=self._meta(workload, labels),
            spec=k8s.policy.v1.PodDisruptionBudgetSpecArgs(
                max_unavailable=1, selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector)
            ),
            opts=self._child,
        )
        k8s.autoscaling.v2.HorizontalPodAutoscaler(
            f"{name}-{workload}-hpa",
            metadata=self._meta(workload, labels),
            spec=k8s.autoscaling.v2.HorizontalPodAutoscalerSpecArgs(
                scale_target_ref=k8s.autoscaling.v2.CrossVersionObjectReferenceArgs(
                    api_version="apps/v1", kind="Deployment", name=deployment.metadata.name
                ),
                min_replicas=app.min_replicas,
                max_replicas=app.max_replicas,
                metrics=[
                    k8s.autoscaling.v2.MetricSpecArgs(
                        type="Resource",
                        resource=k8s.autoscaling.v2.ResourceMetricSourceArgs(
                            name="cpu",
                            target=k8s.autoscaling.v2.MetricTargetArgs(
                                type="Utilization", average_utilization=app.cpu_target_percent
                            ),
                        ),
                    )
                ],
            ),
            opts=self._child,
        )
        self.service_names[workload] = service.metadata.name
        self.ports[workload] = app.port


def _provider_class_name(workload: str) -> str:
    """The SecretProviderClass a workload's pods mount (the migration Job mounts the backend's)."""
    return f"{'backend' if workload == 'migrate' else workload}-secrets"


def _probe(path: str, port: str, period: int, *, failure_threshold: int | None = None) -> k8s.core.v1.ProbeArgs:
    return k8s.core.v1.ProbeArgs(
        http_get=k8s.core.v1.HTTPGetActionArgs(path=path, port=port),
        period_seconds=period,
        failure_threshold=failure_threshold,
    )
