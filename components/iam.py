"""A dedicated service account per workload, with least-privilege roles (checklist §3 GCP, §8 secrets).

Each workload (backend, frontend, backup jobs, bastion, plus any a stack adds) runs as its own
service account. Project-level grants are limited to roles that have no narrower resource (log and
metric writers, the Cloud SQL client); roles on secrets, buckets and the like are bound on that
resource by the component that owns it, through ``member(workload)``. Basic roles and project-wide
secret or storage access are refused when the settings are read.

Checklist 3.google-cloud-platform.3 asks for a downloaded JSON key. Keys are long-lived
credentials, so none is created by default: GKE workloads use Workload Identity. Its binding
(``roles/iam.workloadIdentityUser`` for ``<pool>[<namespace>/<ksa>]``) is made by the Workloads
component, the one that knows the namespace and Kubernetes service account names; this component
never makes it, so each workload is bound exactly once. A workload whose ``jsonKey`` is on gets one
key whose private key goes only into a Secret Manager secret, as a secret value; it is never a stack
output, and the pack's advisory policy flags it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Annotated, Any

import pulumi
import pulumi_gcp as gcp
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator
from pydantic.alias_generators import to_camel

from components.labels import Labels
from components.naming import check_name_prefix

TYPE = "agencyos:iam:WorkloadIdentities"
# Service account ids: 6-30 characters, lowercase letters, digits and hyphens.
ACCOUNT_ID = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$", re.ASCII)
BASIC_ROLES = frozenset({"roles/owner", "roles/editor", "roles/viewer"})
# Services whose resources take IAM policies: their roles are bound on the secret, bucket or topic.
RESOURCE_LEVEL_SERVICES = ("secretmanager", "storage", "pubsub", "iam")
OBSERVABILITY_ROLES = ("roles/logging.logWriter", "roles/monitoring.metricWriter")

WorkloadName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{1,14}[a-z0-9]$")]
ProjectRole = Annotated[str, StringConstraints(pattern=r"^roles/[a-z][A-Za-z]*(\.[a-z][A-Za-z]*)*$")]


class WorkloadSpec(BaseModel):
    """One workload's identity: the project-level roles it needs, whether it has a key."""

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)

    project_roles: tuple[ProjectRole, ...] = Field(
        OBSERVABILITY_ROLES,
        description="Roles granted on the project: only roles without a narrower resource (no basic roles, no "
        "secret, storage, pubsub or iam roles).",
    )
    json_key: bool = Field(
        False,
        description="Create a JSON key and keep it in Secret Manager (checklist 3.google-cloud-platform.3); off: "
        "Workload Identity is preferred.",
    )

    @field_validator("project_roles")
    @classmethod
    def _least_privilege(cls, roles: tuple[str, ...]) -> tuple[str, ...]:
        for role in roles:
            if role in BASIC_ROLES:
                raise ValueError("basic roles (owner, editor, viewer) are never granted; name predefined roles")
            if role.removeprefix("roles/").split(".")[0] in RESOURCE_LEVEL_SERVICES:
                raise ValueError(
                    f"roles of {', '.join(RESOURCE_LEVEL_SERVICES)} are bound on the resource, not the project"
                )
        return roles


PLATFORM_WORKLOADS: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        "backend": {
            # Cloud SQL has no instance-level IAM: the client role is project-wide by design.
            "projectRoles": ("roles/cloudsql.client", *OBSERVABILITY_ROLES, "roles/cloudtrace.agent"),
        },
        "frontend": {},
        # Exports and the weekly restore test create and restore Cloud SQL instances.
        "backup": {"projectRoles": ("roles/cloudsql.admin", *OBSERVABILITY_ROLES)},
        "bastion": {},
    }
)
"""The workloads the platform itself needs; a stack's entries of the same name change them field by field."""


class IamSpec(BaseModel):
    """Workload service accounts. This is the stack config object ``agencyos-infra:iam``."""

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)

    workloads: dict[WorkloadName, WorkloadSpec] = Field(
        default_factory=dict,
        description="Workload name -> identity; backend, frontend, backup and bastion always exist, and entries "
        "of those names change them field by field.",
    )

    @model_validator(mode="before")
    @classmethod
    def _platform_workloads_first(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        given = data.get("workloads", {})
        if not isinstance(given, Mapping):
            return data
        merged: dict[str, Any] = {}
        for workload, defaults in PLATFORM_WORKLOADS.items():
            override = given.get(workload, {})
            merged[workload] = {**defaults, **override} if isinstance(override, Mapping) else override
        merged.update({k: v for k, v in given.items() if k not in PLATFORM_WORKLOADS})
        return {**data, "workloads": merged}


@dataclass(frozen=True, kw_only=True)
class WorkloadIdentitiesArgs:
    """The project, names and labels."""

    name_prefix: str
    """Physical names start with this, e.g. agencyos-prod."""
    project: str
    """GCP project id the accounts live in and get their roles on."""
    labels: Labels
    """Labels for the key secrets."""
    spec: IamSpec
    """The workloads and their roles."""

    def __post_init__(self) -> None:
        check_name_prefix(self.name_prefix)
        if not self.project:
            raise ValueError("project is required")
        for workload in self.spec.workloads:
            if not ACCOUNT_ID.match(f"{self.name_prefix}-{workload}"):
                raise ValueError(
                    f"workload {workload!r}: <name_prefix>-<workload> is not a valid service account id (too long); "
                    "shorten the workload name"
                )


class WorkloadIdentities(pulumi.ComponentResource):
    """A service account per workload, its project roles and optional key secret."""

    emails: dict[str, pulumi.Output[str]]
    """Workload -> service account email."""
    key_secret_ids: dict[str, pulumi.Output[str]]
    """Workload -> id of the Secret Manager secret holding its JSON key (only workloads with ``jsonKey``)."""

    def __init__(self, name: str, args: WorkloadIdentitiesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self, depends_on=opts.depends_on if opts else None)
        self._accounts: dict[str, gcp.serviceaccount.Account] = {}
        self.key_secret_ids = {}
        for workload, spec in args.spec.workloads.items():
            account = gcp.serviceaccount.Account(
                f"{name}-{workload}",
                project=args.project,
                account_id=f"{args.name_prefix}-{workload}",
                display_name=f"{args.name_prefix} {workload}",
                description=f"Runs the {workload} workload only.",
                opts=child,
            )
            self._accounts[workload] = account
            member = pulumi.Output.concat("serviceAccount:", account.email)
            for role in spec.project_roles:
                gcp.projects.IAMMember(
                    f"{name}-{workload}-{_slug(role)}", project=args.project, role=role, member=member, opts=child
                )
            if spec.json_key:
                self.key_secret_ids[workload] = self._key_secret(name, workload, account, args, child)
        self.emails = {workload: account.email for workload, account in self._accounts.items()}
        self.register_outputs({"emails": self.emails, "key_secret_ids": self.key_secret_ids})

    def account(self, workload: str) -> gcp.serviceaccount.Account:
        """The service account of ``workload``; KeyError naming the known workloads otherwise."""
        try:
            return self._accounts[workload]
        except KeyError:
            known = ", ".join(sorted(self._accounts))
            raise KeyError(f"no workload {workload!r}; add it under agencyos-infra:iam.workloads ({known})") from None

    def member(self, workload: str) -> pulumi.Output[str]:
        """``serviceAccount:<email>`` of ``workload``, for IAM bindings on the resource it uses."""
        return pulumi.Output.concat("serviceAccount:", self.account(workload).email)

    def _key_secret(
        self,
        name: str,
        workload: str,
        account: gcp.serviceaccount.Account,
        args: WorkloadIdentitiesArgs,
        child: pulumi.ResourceOptions,
    ) -> pulumi.Output[str]:
        """A key whose private key lives only in a Secret Manager secret version."""
        key = gcp.serviceaccount.Key(f"{name}-{workload}-key", service_account_id=account.name, opts=child)
        secret = gcp.secretmanager.Secret(
            f"{name}-{workload}-key-secret",
            project=args.project,
            secret_id=f"{args.name_prefix}-{workload}-sa-key",
            replication=gcp.secretmanager.SecretReplicationArgs(auto=gcp.secretmanager.SecretReplicationAutoArgs()),
            labels=args.labels,
            opts=child,
        )
        # privateKey is base64 JSON; Secret Manager stores it as given. Secret end to end.
        material: pulumi.Output[str] = pulumi.Output.secret(key.private_key)
        gcp.secretmanager.SecretVersion(
            f"{name}-{workload}-key-version",
            secret=secret.id,
            secret_data=material,
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(additional_secret_outputs=["secretData"])),
        )
        return secret.id


def _slug(role: str) -> str:
    """roles/logging.logWriter -> logging-logwriter: a stable, readable part of a logical name."""
    return role.removeprefix("roles/").replace(".", "-").lower()
