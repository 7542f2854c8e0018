"""WorkloadIdentities: an account per workload, least privilege, no key by default, keys only in Secret Manager."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from agencyos_infra.engine import CapturedResource, ProgramRun
from components.iam import IamSpec, WorkloadIdentitiesArgs
from stacks.settings import NAMESPACE
from tests.conftest import run_repo_stack

ACCOUNT = "gcp:serviceaccount/account:Account"
PROJECT_MEMBER = "gcp:projects/iAMMember:IAMMember"
COMPONENT = "agencyos:iam:WorkloadIdentities"
IAM = f"{NAMESPACE}:iam"


def test_one_account_per_workload(prod_run: ProgramRun) -> None:
    accounts = {r.name: r.inputs.plain for r in prod_run.of_type(ACCOUNT) if r.name.startswith("identities-")}
    assert set(accounts) == {"identities-backend", "identities-frontend", "identities-backup", "identities-bastion"}
    assert accounts["identities-backend"]["accountId"] == "agencyos-prod-backend"
    emails = prod_run.stack_outputs.plain["workloadServiceAccounts"]
    assert set(emails) == {"backend", "frontend", "backup", "bastion"}


def test_roles_are_least_privilege(prod_run: ProgramRun) -> None:
    # The workloads' grants; the delivery identity's deployer administers services by design.
    roles = {r.inputs.plain["role"] for r in _own(prod_run, PROJECT_MEMBER)}
    assert "roles/cloudsql.client" in roles and "roles/logging.logWriter" in roles
    assert not roles & {"roles/owner", "roles/editor", "roles/viewer"}
    assert not any(role.startswith(("roles/secretmanager.", "roles/storage.")) for role in roles)


def _own(run: ProgramRun, type_: str) -> list[CapturedResource]:
    """Resources of ``type_`` the WorkloadIdentities component made (the Secrets component makes others)."""
    [component] = run.of_type(COMPONENT)
    return [r for r in run.of_type(type_) if r.parent == component.urn]


def test_no_key_and_no_secret_by_default(prod_run: ProgramRun) -> None:
    assert prod_run.of_type("gcp:serviceaccount/key:Key") == []
    assert _own(prod_run, "gcp:secretmanager/secret:Secret") == []
    assert _own(prod_run, "gcp:secretmanager/secretVersion:SecretVersion") == []


def test_an_enabled_key_goes_only_into_secret_manager() -> None:
    run = run_repo_stack("prod", overrides={IAM: json.dumps({"workloads": {"backend": {"jsonKey": True}}})})
    assert run.error is None, run.error
    [key] = run.of_type("gcp:serviceaccount/key:Key")
    assert "privateKey" in key.outputs.secret_paths, key.urn
    [secret] = _own(run, "gcp:secretmanager/secret:Secret")
    assert secret.inputs.plain["secretId"] == "agencyos-prod-backend-sa-key", secret.urn
    assert secret.inputs.plain["labels"]["managed-by"] == "pulumi", secret.urn
    [version] = _own(run, "gcp:secretmanager/secretVersion:SecretVersion")
    assert "secretData" in version.inputs.secret_paths, version.urn
    assert version.inputs.plain["secretData"] == key.outputs.plain["privateKey"], version.urn
    outputs = str(run.stack_outputs.plain)
    assert key.outputs.plain["privateKey"] not in outputs
    # The platform's roles stay: the override changed one field of backend.
    roles = {r.inputs.plain["role"] for r in run.of_type(PROJECT_MEMBER) if "backend" in r.name}
    assert "roles/cloudsql.client" in roles


def test_children_are_parented_with_stable_names(prod_run: ProgramRun) -> None:
    [component] = prod_run.of_type(COMPONENT)
    children = [r for r in prod_run.resources if r.parent == component.urn]
    assert children and all(r.name.startswith("identities-") for r in children)
    assert "identities-backend-cloudsql-client" in {r.name for r in children}


def test_workload_identity_is_left_to_the_workloads(prod_run: ProgramRun) -> None:
    # The Workloads component knows the namespace and Kubernetes service account names: it binds them.
    bindings = prod_run.of_type("gcp:serviceaccount/iAMMember:IAMMember")
    [component] = prod_run.of_type(COMPONENT)
    assert not [b.urn for b in bindings if b.parent == component.urn]


def test_extra_workloads_are_added_beside_the_platforms() -> None:
    spec = IamSpec.model_validate({"workloads": {"worker": {"projectRoles": ["roles/logging.logWriter"]}}})
    assert set(spec.workloads) == {"backend", "frontend", "backup", "bastion", "worker"}


@pytest.mark.parametrize(
    ("workloads", "expected"),
    [
        ({"backend": {"projectRoles": ["roles/owner"]}}, "basic roles"),
        ({"backend": {"projectRoles": ["roles/editor"]}}, "basic roles"),
        ({"backend": {"projectRoles": ["roles/secretmanager.secretAccessor"]}}, "bound on the resource"),
        ({"backend": {"projectRoles": ["roles/storage.objectAdmin"]}}, "bound on the resource"),
        ({"backend": {"projectRoles": ["owner"]}}, "pattern"),
        ({"backend": {"kubernetesServiceAccount": "agencyos/backend"}}, "Extra inputs"),
        ({"Bad_Name": {}}, "pattern"),
        ({"backend": {"surprise": True}}, "Extra inputs"),
    ],
)
def test_invalid_workloads_are_rejected(workloads: dict[str, Any], expected: str) -> None:
    with pytest.raises(ValidationError) as error:
        IamSpec.model_validate({"workloads": workloads})
    assert error.value.errors()[0]["loc"][0] == "workloads"
    assert expected in str(error.value)


def test_bad_iam_config_names_its_path() -> None:
    run = run_repo_stack(
        "prod", overrides={IAM: json.dumps({"workloads": {"backend": {"projectRoles": ["roles/owner"]}}})}
    )
    assert run.error is not None and f"{IAM}.workloads.backend.projectRoles" in run.error


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"name_prefix": "Bad"}, "name_prefix must be"),
        ({"project": ""}, "project is required"),
        ({"name_prefix": "agencyos-a-very-long-prefix"}, "not a valid service account id"),
    ],
)
def test_invalid_args_are_rejected(override: dict[str, Any], expected: str) -> None:
    base: dict[str, Any] = {"name_prefix": "agencyos-test", "project": "p", "labels": {}, "spec": IamSpec()}
    with pytest.raises(ValueError, match=expected):
        WorkloadIdentitiesArgs(**{**base, **override})
