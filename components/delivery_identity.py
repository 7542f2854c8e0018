"""The delivery identity: GitHub Actions acts on Google Cloud without a key, each job only as far as it must.

A workload identity pool with one GitHub OIDC provider, and two service accounts the workflows impersonate:

- **preview**, for the pull request's cloud preview, which runs the PR branch's code: read-only
  (``roles/viewer``, which reads no secret payload), plus ``roles/secretmanager.secretAccessor`` on exactly
  the operator-managed secrets the program reads while previewing (the alert channels' credentials), or
  none. Any job of the repository may impersonate it.
- **deploy**, for ``pulumi up``: the roles that administer each Google service the program manages
  (``DEPLOY_ROLES_BY_SERVICE``), impersonable only by a job of the repository that runs in the stack's deploy
  environment (``staging``, ``production``) on the deploy branch (``refs/heads/main``).

The provider admits tokens of the one repository only (``attribute_condition``); GitHub signs tokens for
every repository on github.com, so a provider without it would let any of them in. The bindings name
``principalSet``s of mapped attributes: ``attribute.repository`` for the preview account, and for the deploy
account ``attribute.subject_at_ref``, the token's subject (``repo:OWNER/NAME:environment:ENV`` for a job
with an environment, GitHub's default subject claim) joined to its ref, so one value pins repository,
environment and branch. GitHub puts an environment in the subject only when the job runs in that
environment, after its protection rules (reviewers, deployment branches) let it.

Stateful in the sense that matters: a deleted pool or provider keeps its id for a month (it cannot be
re-created under the same name meanwhile) and every workflow loses its access, so both are protected.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import pulumi
import pulumi_gcp as gcp
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from components.iam import ACCOUNT_ID
from components.naming import check_name_prefix
from components.patterns import SECRET_ID
from components.provider_facts import GITHUB_REPOSITORY_PATTERN

TYPE = "agencyos:delivery:DeliveryIdentity"
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
REPOSITORY_PATTERN = GITHUB_REPOSITORY_PATTERN
BRANCH_PATTERN = r"^[A-Za-z0-9._/-]{1,200}$"
ENVIRONMENT_PATTERN = r"^[A-Za-z0-9._-]{1,255}$"
# Pool and provider ids: 4-32 lowercase letters, digits and hyphens; "gcp-" is Google's.
POOL_ID = re.compile(r"^(?!gcp-)[a-z0-9-]{4,32}$", re.ASCII)
PROVIDER_ID = "github-actions"
WORKLOAD_IDENTITY_USER = "roles/iam.workloadIdentityUser"
PREVIEW_ROLE = "roles/viewer"
SECRET_ACCESSOR = "roles/secretmanager.secretAccessor"
# Claims GitHub puts in every token (https://docs.github.com/actions/reference/security/oidc), as attributes.
ATTRIBUTE_MAPPING: Mapping[str, str] = MappingProxyType(
    {
        "google.subject": "assertion.sub",
        "attribute.repository": "assertion.repository",
        "attribute.ref": "assertion.ref",
        "attribute.subject_at_ref": "assertion.sub + '@' + assertion.ref",
    }
)
DEPLOY_ROLES_BY_SERVICE: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        # The module of each Google resource type the program manages (gcp:<module>/...) -> the predefined
        # roles that create, change and delete it. tests/components/test_delivery_identity.py checks that
        # every module a stack uses is here.
        "cloudscheduler": ("roles/cloudscheduler.admin",),
        "compute": ("roles/compute.networkAdmin", "roles/compute.securityAdmin", "roles/compute.instanceAdmin.v1"),
        "container": ("roles/container.admin",),
        "iam": ("roles/iam.workloadIdentityPoolAdmin",),
        "iap": ("roles/iap.admin",),
        "logging": ("roles/logging.configWriter",),
        "monitoring": ("roles/monitoring.editor",),
        "projects": (
            "roles/resourcemanager.projectIamAdmin",
            "roles/iam.roleAdmin",
            "roles/serviceusage.serviceUsageAdmin",
        ),
        "pubsub": ("roles/pubsub.admin",),
        "redis": ("roles/redis.admin",),
        # Creating secrets, their versions and their IAM: only a project-level role can (a secret that does
        # not exist yet has no IAM of its own), so the deployer can read every secret; the preview cannot.
        "secretmanager": ("roles/secretmanager.admin",),
        # Creating accounts, and attaching them to nodes, the bastion and scheduled jobs (actAs).
        "serviceaccount": ("roles/iam.serviceAccountAdmin", "roles/iam.serviceAccountUser"),
        "servicenetworking": ("roles/servicenetworking.networksAdmin",),
        "sql": ("roles/cloudsql.admin",),
        "storage": ("roles/storage.admin",),
        "workflows": ("roles/workflows.admin",),
    }
)
KEY_ADMIN_ROLE = "roles/iam.serviceAccountKeyAdmin"
"""Only for a stack that creates a service account key (a workload's ``jsonKey``)."""


class DeliverySpec(BaseModel):
    """The GitHub repository that delivers this stack. This is the stack config object ``agencyos-infra:delivery``."""

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)

    repository: str | None = Field(
        None,
        description="GitHub repository (owner/name) whose workflows preview and deploy this stack; the only one "
        "the identity pool admits. Unset: no delivery identity is created (the stack's pipeline authenticates "
        "by other means).",
    )
    deploy_branch: str = Field(
        "main",
        pattern=BRANCH_PATTERN,
        description="Branch whose deploy jobs may impersonate the deploy account (the token's ref "
        "refs/heads/<branch>).",
    )
    deploy_environment: str | None = Field(
        None,
        pattern=ENVIRONMENT_PATTERN,
        description="GitHub environment of the deploy job; unset: the stack's environment (production, "
        "staging), as the deploy workflow names them.",
    )

    @field_validator("repository")
    @classmethod
    def _owner_slash_name(cls, repository: str | None) -> str | None:
        if repository is not None and not re.fullmatch(REPOSITORY_PATTERN, repository, re.ASCII):
            raise ValueError("must be the GitHub repository as owner/name, e.g. agencyos/agencyos-infra")
        return repository


@dataclass(frozen=True, kw_only=True)
class DeliveryIdentityArgs:
    """Where the pool lives, who it admits, and what each account may do."""

    name_prefix: str
    """Physical names start with this, e.g. agencyos-prod."""
    project: str
    """GCP project id of the pool, the accounts and their roles."""
    repository: str
    """owner/name of the GitHub repository admitted."""
    deploy_environment: str
    """GitHub environment whose jobs may deploy (production, staging)."""
    deploy_branch: str = "main"
    """Branch the deploy jobs run on."""
    preview_secret_ids: tuple[str, ...] = ()
    """Secret Manager secret ids the program reads while previewing; the preview account may read these only."""
    manages_keys: bool = False
    """The stack creates service account keys: the deployer also gets the key admin role."""

    def __post_init__(self) -> None:
        check_name_prefix(self.name_prefix)
        if not self.project:
            raise ValueError("project is required")
        if not re.fullmatch(REPOSITORY_PATTERN, self.repository, re.ASCII):
            raise ValueError("repository must be owner/name, as GitHub spells it")
        if not re.fullmatch(ENVIRONMENT_PATTERN, self.deploy_environment):
            raise ValueError("deploy_environment must be a GitHub environment name")
        if not re.fullmatch(BRANCH_PATTERN, self.deploy_branch):
            raise ValueError("deploy_branch must be a branch name")
        if not POOL_ID.match(pool_id(self.name_prefix)):
            raise ValueError("<name_prefix>-github is not a valid workload identity pool id (4-32 characters)")
        for role in ("preview", "deploy"):
            if not ACCOUNT_ID.match(account_id(self.name_prefix, role)):
                raise ValueError(f"<name_prefix>-ci-{role} is not a valid service account id (too long)")
        for secret_id in self.preview_secret_ids:
            if not re.fullmatch(SECRET_ID, secret_id):
                raise ValueError("preview_secret_ids holds an invalid Secret Manager secret id")

    @property
    def subject_at_ref(self) -> str:
        """What ``attribute.subject_at_ref`` is for the deploy job: its subject, '@', its ref."""
        return f"repo:{self.repository}:environment:{self.deploy_environment}@refs/heads/{self.deploy_branch}"


def pool_id(name_prefix: str) -> str:
    return f"{name_prefix}-github"


def account_id(name_prefix: str, role: str) -> str:
    return f"{name_prefix}-ci-{role}"


def repository_condition(repository: str) -> str:
    """The provider's attribute condition: tokens of this repository only."""
    return f"assertion.repository == '{repository}'"


def deploy_roles(*, manages_keys: bool = False) -> tuple[str, ...]:
    """The deployer's project roles: every service's in DEPLOY_ROLES_BY_SERVICE (and key admin), sorted."""
    roles = {role for service_roles in DEPLOY_ROLES_BY_SERVICE.values() for role in service_roles}
    return tuple(sorted(roles | ({KEY_ADMIN_ROLE} if manages_keys else set())))


class DeliveryIdentity(pulumi.ComponentResource):
    """The pool, the GitHub provider, the preview and deploy accounts, their roles and who may impersonate them."""

    provider_name: pulumi.Output[str]
    """projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>: the workflows'
    GCP_WORKLOAD_IDENTITY_PROVIDER."""
    preview_account: pulumi.Output[str]
    """Email of the preview account (the preview environment's GCP_SERVICE_ACCOUNT)."""
    deploy_account: pulumi.Output[str]
    """Email of the deploy account (the deploy environment's GCP_SERVICE_ACCOUNT)."""

    def __init__(self, name: str, args: DeliveryIdentityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self, depends_on=opts.depends_on if opts else None)
        kept = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(protect=True))
        pool = gcp.iam.WorkloadIdentityPool(
            f"{name}-pool",
            project=args.project,
            workload_identity_pool_id=pool_id(args.name_prefix),
            display_name="GitHub Actions",
            description=f"Workflows of {args.repository}",
            opts=kept,
        )
        provider = gcp.iam.WorkloadIdentityPoolProvider(
            f"{name}-github",
            project=args.project,
            workload_identity_pool_id=pool.workload_identity_pool_id,
            workload_identity_pool_provider_id=PROVIDER_ID,
            display_name="GitHub Actions OIDC",
            description=f"Tokens of {args.repository} only",
            oidc=gcp.iam.WorkloadIdentityPoolProviderOidcArgs(issuer_uri=GITHUB_ISSUER),
            attribute_mapping=dict(ATTRIBUTE_MAPPING),
            attribute_condition=repository_condition(args.repository),
            opts=kept,
        )
        preview = self._account(name, "preview", args, "Previews pull requests: read-only.", child)
        deploy = self._account(
            name, "deploy", args, f"Deploys from {args.deploy_environment} on {args.deploy_branch}.", child
        )

        preview_member = pulumi.Output.concat("serviceAccount:", preview.email)
        gcp.projects.IAMMember(
            f"{name}-preview-viewer", project=args.project, role=PREVIEW_ROLE, member=preview_member, opts=child
        )
        for secret_id in sorted(set(args.preview_secret_ids)):
            gcp.secretmanager.SecretIamMember(
                f"{name}-preview-reads-{secret_id}",
                project=args.project,
                secret_id=secret_id,
                role=SECRET_ACCESSOR,
                member=preview_member,
                opts=child,
            )
        deploy_member = pulumi.Output.concat("serviceAccount:", deploy.email)
        for role in deploy_roles(manages_keys=args.manages_keys):
            gcp.projects.IAMMember(
                f"{name}-deploy-{_slug(role)}", project=args.project, role=role, member=deploy_member, opts=child
            )

        # Who may impersonate each account: principal sets of the pool (any provider in it).
        gcp.serviceaccount.IAMMember(
            f"{name}-preview-federation",
            service_account_id=preview.name,
            role=WORKLOAD_IDENTITY_USER,
            member=pulumi.Output.format(
                "principalSet://iam.googleapis.com/{0}/attribute.repository/{1}", pool.name, args.repository
            ),
            opts=child,
        )
        gcp.serviceaccount.IAMMember(
            f"{name}-deploy-federation",
            service_account_id=deploy.name,
            role=WORKLOAD_IDENTITY_USER,
            member=pulumi.Output.format(
                "principalSet://iam.googleapis.com/{0}/attribute.subject_at_ref/{1}", pool.name, args.subject_at_ref
            ),
            opts=child,
        )
        self.provider_name = provider.name
        self.preview_account = preview.email
        self.deploy_account = deploy.email
        self.register_outputs(
            {
                "provider_name": self.provider_name,
                "preview_account": self.preview_account,
                "deploy_account": self.deploy_account,
            }
        )

    def _account(
        self, name: str, role: str, args: DeliveryIdentityArgs, description: str, child: pulumi.ResourceOptions
    ) -> gcp.serviceaccount.Account:
        return gcp.serviceaccount.Account(
            f"{name}-{role}",
            project=args.project,
            account_id=account_id(args.name_prefix, role),
            display_name=f"{args.name_prefix} CI {role}",
            description=description,
            opts=child,
        )


def _slug(role: str) -> str:
    """roles/compute.instanceAdmin.v1 -> compute-instanceadmin-v1: a stable part of a logical name."""
    return role.removeprefix("roles/").replace(".", "-").lower()
