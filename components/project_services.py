"""The Google APIs the platform uses, enabled as resources other components depend on.

Checklist 3.google-cloud-platform.2 asks for Cloud Storage, Cloud Functions, Logging and
Monitoring; the rest are the APIs behind the resources this program creates. Each API is a
``gcp.projects.Service`` with ``disable_on_destroy=False``: destroying a stack must never switch off
an API that other workloads of the project (or a later stack) still use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Annotated

import pulumi
import pulumi_gcp as gcp
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

TYPE = "agencyos:project:ProjectServices"

REQUIRED_APIS = MappingProxyType(
    {
        "storage.googleapis.com": "checklist 3.google-cloud-platform.2.1: uploads and backups buckets",
        "cloudfunctions.googleapis.com": "checklist 3.google-cloud-platform.2.2: background jobs",
        "logging.googleapis.com": "checklist 3.google-cloud-platform.2.3",
        "monitoring.googleapis.com": "checklist 3.google-cloud-platform.2.4",
        "sqladmin.googleapis.com": "Cloud SQL (Database)",
        "redis.googleapis.com": "Memorystore for Redis (cache)",
        "container.googleapis.com": "GKE (the cluster)",
        "secretmanager.googleapis.com": "Secret Manager (checklist 8.infrastructure-security.3.1)",
        "pubsub.googleapis.com": "the topic Secret Manager publishes rotation notices to (Secrets)",
        "servicenetworking.googleapis.com": "private services access for Cloud SQL and Memorystore (Network)",
        "compute.googleapis.com": "VPC, firewall, NAT and bastion (Network)",
        "iap.googleapis.com": "IAP TCP forwarding to the bastion (Network)",
        "iam.googleapis.com": "workload service accounts (WorkloadIdentities)",
        "cloudresourcemanager.googleapis.com": "project-level IAM bindings (WorkloadIdentities)",
        "cloudscheduler.googleapis.com": "the daily database export and weekly backup verification schedules",
        "workflows.googleapis.com": "the backup verification run (restore, check, report)",
    }
)
"""API -> why the platform needs it."""

ApiName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*\.googleapis\.com$")]


class ProjectServicesSpec(BaseModel):
    """Extra APIs beyond the platform's own; the platform's are always enabled.

    This is the stack config object ``agencyos-infra:projectServices``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)

    additional_apis: tuple[ApiName, ...] = Field(
        (), description="More APIs to enable, e.g. aiplatform.googleapis.com (ASCII <name>.googleapis.com)."
    )


@dataclass(frozen=True, kw_only=True)
class ProjectServicesArgs:
    """The project whose APIs are enabled, and any extra APIs."""

    project: str
    """GCP project id."""
    spec: ProjectServicesSpec = field(default_factory=lambda: ProjectServicesSpec.model_validate({}))
    """Extra APIs; the platform's own are always enabled."""

    def __post_init__(self) -> None:
        if not self.project:
            raise ValueError("project is required")


def _role(api: str) -> str:
    """The child's role in its logical name: the API's first label, e.g. sqladmin."""
    return api.split(".", 1)[0]


class ProjectServices(pulumi.ComponentResource):
    """One ``gcp.projects.Service`` per API; pass ``resources`` in other components' ``opts.depends_on``."""

    services: dict[str, gcp.projects.Service]
    """API name -> its Service resource."""
    resources: list[pulumi.Resource]
    """Every Service, for ``pulumi.ResourceOptions(depends_on=...)``."""
    apis: list[str]
    """The enabled API names, sorted."""

    def __init__(self, name: str, args: ProjectServicesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        self.apis = sorted({*REQUIRED_APIS, *args.spec.additional_apis})
        self.services = {
            api: gcp.projects.Service(
                f"{name}-{_role(api)}",
                project=args.project,
                service=api,
                disable_on_destroy=False,
                # Dependants (e.g. a Cloud Function) are never switched off as a side effect.
                disable_dependent_services=False,
                opts=pulumi.ResourceOptions(parent=self),
            )
            for api in self.apis
        }
        self.resources = list(self.services.values())
        self.register_outputs({"apis": self.apis})
