"""IAM cases: grants at every level (binding, member, policy document) and service-account keys."""

from __future__ import annotations

import json
from typing import Any

from agencyos_policy.gcp.iam import SERVICE_ACCOUNT_KEY

from agencyos_infra.wire import UNKNOWN
from tests.policy.cases import Case
from tests.policy.origin_cases import FAIL, PASS, UNDETERMINED, OriginCase

BASIC = "gcp-iam-grant-no-basic-roles"
SECRETS = "gcp-iam-grant-no-project-secret-access"
KEY = "gcp-serviceaccount-key-user-managed"
SA = "serviceAccount:backend@p.iam.gserviceaccount.com"

PROJECT_MEMBER = "gcp:projects/iAMMember:IAMMember"
PROJECT_BINDING = "gcp:projects/iAMBinding:IAMBinding"
PROJECT_POLICY = "gcp:projects/iAMPolicy:IAMPolicy"
FOLDER_MEMBER = "gcp:folder/iAMMember:IAMMember"
ORG_BINDING = "gcp:organizations/iAMBinding:IAMBinding"
BUCKET_BINDING = "gcp:storage/bucketIAMBinding:BucketIAMBinding"
SECRET_MEMBER = "gcp:secretmanager/secretIamMember:SecretIamMember"
SA_POLICY = "gcp:serviceaccount/iAMPolicy:IAMPolicy"
INSTANCE_MEMBER = "gcp:compute/instanceIAMMember:InstanceIAMMember"


def member(role: Any, **extra: Any) -> dict[str, Any]:
    return {"project": "p", "role": role, "member": SA, **extra}


def binding(role: Any) -> dict[str, Any]:
    return {"project": "p", "role": role, "members": [SA]}


def policy(*roles: str) -> dict[str, Any]:
    return {"project": "p", "policyData": json.dumps({"bindings": [{"role": r, "members": [SA]} for r in roles]})}


# (policy, resource type, props)
VIOLATIONS: list[tuple[str, str, dict[str, Any]]] = [
    (BASIC, PROJECT_MEMBER, member("roles/owner")),
    (BASIC, PROJECT_MEMBER, member("roles/editor")),
    (BASIC, PROJECT_BINDING, binding("roles/editor")),
    (BASIC, FOLDER_MEMBER, {"folder": "folders/1", "role": "roles/owner", "member": SA}),
    (BASIC, ORG_BINDING, {"orgId": "1", "role": "roles/editor", "members": [SA]}),
    (BASIC, BUCKET_BINDING, {"bucket": "b", "role": "roles/editor", "members": [SA]}),
    (BASIC, INSTANCE_MEMBER, {"instanceName": "vm", "role": "roles/owner", "member": SA}),
    (BASIC, PROJECT_POLICY, policy("roles/logging.logWriter", "roles/owner")),
    (BASIC, SA_POLICY, {"serviceAccountId": "x", "policyData": json.dumps({"bindings": [{"role": "roles/editor"}]})}),
    (BASIC, PROJECT_POLICY, {"project": "p", "policyData": "not json"}),
    (BASIC, PROJECT_POLICY, {"project": "p", "policyData": UNKNOWN}),  # cannot be read: cannot pass
    (BASIC, PROJECT_MEMBER, member(UNKNOWN)),
    (SECRETS, PROJECT_MEMBER, member("roles/secretmanager.secretAccessor")),
    (SECRETS, PROJECT_BINDING, binding("roles/secretmanager.admin")),
    (SECRETS, FOLDER_MEMBER, {"folder": "folders/1", "role": "roles/secretmanager.secretAccessor", "member": SA}),
    (SECRETS, PROJECT_POLICY, policy("roles/secretmanager.secretAccessor")),
    (KEY, SERVICE_ACCOUNT_KEY, {"serviceAccountId": "projects/p/serviceAccounts/backend@p.iam.gserviceaccount.com"}),
    (KEY, SERVICE_ACCOUNT_KEY, {"serviceAccountId": "x", "publicKeyData": "placeholder"}),
]
COMPLIANT: list[tuple[str, str, dict[str, Any]]] = [
    (BASIC, PROJECT_MEMBER, member("roles/logging.logWriter")),
    (BASIC, PROJECT_POLICY, policy("roles/logging.logWriter", "roles/monitoring.metricWriter")),
    (BASIC, PROJECT_POLICY, {"project": "p", "policyData": json.dumps({})}),
    (BASIC, BUCKET_BINDING, {"bucket": "b", "role": "roles/storage.objectViewer", "members": [SA]}),
    (BASIC, "gcp:projects/iAMCustomRole:IAMCustomRole", {"roleId": "x", "permissions": ["a.b.c"]}),
    (BASIC, "gcp:projects/iamMemberRemove:IamMemberRemove", member("roles/editor")),  # removes a grant
    (SECRETS, SECRET_MEMBER, {"secretId": "s", "role": "roles/secretmanager.secretAccessor", "member": SA}),
    (SECRETS, PROJECT_MEMBER, member("roles/secretmanager.viewer")),  # metadata only, no payloads
    (SECRETS, PROJECT_MEMBER, member(UNKNOWN)),  # advisory: the benefit of the doubt
    (KEY, "gcp:serviceaccount/account:Account", {"accountId": "backend"}),
]

FAILING = [Case(name, type_, props, note=f"{type_} {props}") for name, type_, props in VIOLATIONS]
PASSING = [Case(name, type_, props, note=f"{type_} {props}") for name, type_, props in COMPLIANT]

# A grant's role unknown at preview (role.name); its origin decides (tests/policy/test_origins.py).
PROJECT_ROLE = "gcp:projects/iAMCustomRole:IAMCustomRole"
ORG_ROLE = "gcp:organizations/iAMCustomRole:IAMCustomRole"
ORIGIN_STACK = {
    "deployer": (PROJECT_ROLE, {"roleId": "shopDeployer", "title": "Deployer", "name": UNKNOWN}),
    "auditor": (ORG_ROLE, {"orgId": "1", "roleId": "shopAuditor", "title": "Auditor", "name": UNKNOWN}),
    "nodes": ("gcp:serviceaccount/account:Account", {"accountId": "gke-nodes", "email": UNKNOWN}),
    "deferred-read": (PROJECT_ROLE, {}),
}


def _origin(
    type_: str, props: dict[str, Any], key: str, sources: tuple[str, ...], outcome: str, note: str
) -> OriginCase:
    return OriginCase(BASIC, type_, props, {key: sources}, outcome, note, ORIGIN_STACK)


ORIGIN_CASES = [
    _origin(PROJECT_MEMBER, member(UNKNOWN), "role", ("deployer",), PASS, "a project custom role the stack creates"),
    _origin(PROJECT_BINDING, binding(UNKNOWN), "role", ("deployer", "auditor"), PASS, "two created custom roles"),
    _origin(ORG_BINDING, {"orgId": "1", "role": UNKNOWN, "members": [SA]}, "role", ("auditor",), PASS, "org role"),
    _origin(PROJECT_MEMBER, member(UNKNOWN), "role", ("nodes",), UNDETERMINED, "computed from an account"),
    _origin(PROJECT_MEMBER, member(UNKNOWN), "role", ("deferred-read",), UNDETERMINED, "a custom role read"),
    _origin(PROJECT_MEMBER, member(UNKNOWN), "member", ("deployer",), UNDETERMINED, "the role has no dependency"),
    _origin(
        PROJECT_POLICY,
        {"project": "p", "policyData": UNKNOWN},
        "policyData",
        ("deployer",),
        UNDETERMINED,
        "a policy document: its literal roles could be basic",
    ),
    _origin(PROJECT_MEMBER, member("roles/owner"), "member", ("nodes",), FAIL, "a known basic role"),
]
