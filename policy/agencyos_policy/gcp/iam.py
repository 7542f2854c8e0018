"""IAM policies: basic roles, project-wide secret access, service-account keys (checklist §3 GCP, §8).

Every IAM resource of the provider is judged, at any level (project, folder, organization or any
resource: buckets, secrets, service accounts...): the provider names them ``...IAMBinding``,
``...IAMMember`` and ``...IAMPolicy`` (or ``IamBinding``...), hundreds of types, so they are
matched by that suffix. Bindings and members carry ``role``; policies carry ``policyData``, a JSON
document (``{"bindings": [{"role": ..., "members": [...]}]}``) that is parsed; a ``policyData``
computed during the update cannot be read, so it is undetermined under a mandatory rule. A ``role``
computed during the update is undetermined too, unless it is computed only from custom roles the stack
creates (see ``CREATED_CUSTOM_ROLE``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from pulumi_policy import Severity

from agencyos_policy.origins import created
from agencyos_policy.props import ABSENT, UNKNOWN, lookup
from agencyos_policy.registry import ADVISORY, MANDATORY, Finding, Subject, resource_policy
from agencyos_policy.rules import unknown

SERVICE_ACCOUNT_KEY = "gcp:serviceaccount/key:Key"
CUSTOM_ROLES = ("gcp:projects/iAMCustomRole:IAMCustomRole", "gcp:organizations/iAMCustomRole:IAMCustomRole")
# A custom role's name (and id) is projects/<project>/roles/<roleId> or organizations/<org>/roles/<roleId>,
# and a roleId has no slash ([a-zA-Z0-9_.]{3,64}): never a predefined or basic role, which are all roles/<name>.
CREATED_CUSTOM_ROLE = created(
    CUSTOM_ROLES,
    "roleId",
    "it is computed only from custom roles this stack creates (their name), which are never roles/<name>",
)
BASIC_ROLES = frozenset({"roles/owner", "roles/editor"})
# Roles that read every secret's payload, or grant themselves that right, when held above a secret.
SECRET_ACCESS_ROLES = frozenset(
    {"roles/secretmanager.secretAccessor", "roles/secretmanager.admin", "roles/secretmanager.secretVersionManager"}
)
IAM_SUFFIXES = ("iambinding", "iammember", "iampolicy")
# Levels above a single secret: a secret role here reaches every secret beneath.
HIERARCHY_MODULES = ("gcp:projects/", "gcp:folder/", "gcp:organizations/")


class TypeFamily(frozenset[str]):
    """Resource types matched by the class name's suffix (any case) under a vendor prefix.

    Iterating yields the listed examples (for reports); ``in`` matches every type of the family,
    which is what the registry and the pack's analyzer ask.
    """

    prefixes: tuple[str, ...]
    suffixes: tuple[str, ...]

    def __new__(cls, prefixes: Iterable[str], suffixes: Iterable[str], examples: Iterable[str]) -> TypeFamily:
        family = super().__new__(cls, examples)
        family.prefixes = tuple(prefixes)
        family.suffixes = tuple(suffix.lower() for suffix in suffixes)
        return family

    def __contains__(self, token: object) -> bool:
        return (
            isinstance(token, str)
            and token.startswith(self.prefixes)
            and token.rsplit(":", 1)[-1].lower().endswith(self.suffixes)
        )

    def __reduce__(self) -> Any:
        return (TypeFamily, (self.prefixes, self.suffixes, tuple(self)))


IAM_RESOURCES = TypeFamily(
    ("gcp:",),
    IAM_SUFFIXES,
    (
        "gcp:projects/iAMBinding:IAMBinding",
        "gcp:projects/iAMMember:IAMMember",
        "gcp:projects/iAMPolicy:IAMPolicy",
        "gcp:storage/bucketIAMMember:BucketIAMMember",
        "gcp:secretmanager/secretIamMember:SecretIamMember",
    ),
)
HIERARCHY_IAM_RESOURCES = TypeFamily(
    HIERARCHY_MODULES,
    IAM_SUFFIXES,
    (
        "gcp:projects/iAMBinding:IAMBinding",
        "gcp:projects/iAMMember:IAMMember",
        "gcp:projects/iAMPolicy:IAMPolicy",
        "gcp:folder/iAMMember:IAMMember",
        "gcp:organizations/iAMMember:IAMMember",
    ),
)


class _Unreadable(Exception):
    def __init__(self, path: str) -> None:
        self.path = path


def granted_roles(props: Any) -> list[str]:
    """The roles an IAM binding, member or policy grants; _Unreadable when they cannot be known."""
    role = lookup(props, "role")
    if role is UNKNOWN:
        raise _Unreadable("role")
    if role is not ABSENT:
        return [str(role)]
    data = lookup(props, "policyData")
    if data is ABSENT:
        return []
    if data is UNKNOWN:
        raise _Unreadable("policyData")
    try:
        document = json.loads(data) if isinstance(data, str) else data
        return [str(binding["role"]) for binding in document.get("bindings", [])]
    except (ValueError, TypeError, KeyError, AttributeError):
        raise _Unreadable("policyData") from None


def _forbidden(subject: Subject, roles: frozenset[str], what: str) -> Iterator[Finding]:
    try:
        granted = granted_roles(subject.props)
    except _Unreadable as gap:
        if gap.path == "policyData" and lookup(subject.props, "policyData") is not UNKNOWN:
            if subject.mandatory:
                yield "policyData must be a JSON IAM policy whose bindings name their roles, so it can be checked."
            return
        if gap.path == "role":
            yield from unknown(subject, ("role",), CREATED_CUSTOM_ROLE)
        else:
            yield from unknown(subject, (gap.path,))
        return
    verb = "must" if subject.mandatory else "should"
    for role in sorted(set(granted) & roles):
        yield f"{role} {verb} not be granted: {what}."


@resource_policy(
    name="gcp-iam-grant-no-basic-roles",
    item="3.google-cloud-platform.3",
    level=MANDATORY,
    severity=Severity.CRITICAL,
    description="No IAM binding, member or policy grants roles/owner or roles/editor, at any level.",
    remediation="Grant the predefined roles the workload needs, on the narrowest resource (the bucket, the secret).",
    resource_types=IAM_RESOURCES,
    tags=("iam",),
)
def no_basic_roles(subject: Subject) -> Iterator[Finding]:
    yield from _forbidden(subject, BASIC_ROLES, "basic roles give a service account the whole project")


@resource_policy(
    name="gcp-iam-grant-no-project-secret-access",
    item="8.infrastructure-security.3.1",
    level=ADVISORY,
    severity=Severity.HIGH,
    description="Secret Manager roles are granted on each secret, never on a project, folder or organization.",
    remediation="Bind roles/secretmanager.secretAccessor on the secret the workload reads (SecretIamMember).",
    resource_types=HIERARCHY_IAM_RESOURCES,
    tags=("iam", "secrets"),
)
def no_project_secret_access(subject: Subject) -> Iterator[Finding]:
    yield from _forbidden(subject, SECRET_ACCESS_ROLES, "at this level it reads every secret beneath")


@resource_policy(
    name="gcp-serviceaccount-key-user-managed",
    item="3.google-cloud-platform.3",
    level=ADVISORY,
    severity=Severity.MEDIUM,
    description="Service accounts have no user-managed keys; workloads use Workload Identity.",
    remediation="Use Workload Identity (GKE) or attached service accounts; where a key is unavoidable, keep it only "
    "in Secret Manager and set this policy to disabled in the policy config.",
    resource_types=(SERVICE_ACCOUNT_KEY,),
    tags=("iam", "secrets"),
)
def user_managed_key(subject: Subject) -> Iterator[str]:
    # A key uploaded from elsewhere (publicKeyData) is as long-lived as a generated one.
    yield "a user-managed service account key should not exist: it is a long-lived credential to rotate and leak."
