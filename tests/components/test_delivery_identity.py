"""DeliveryIdentity: a GitHub OIDC provider pinned to the repository, a read-only preview account, a deploy
account only the deploy environment on main can impersonate, and roles that cover what the program manages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pulumi_gcp as gcp
import pytest

from agencyos_infra.engine import CapturedResource, ProgramRun
from agencyos_infra.wire import read_properties
from components.delivery_identity import (
    DEPLOY_ROLES_BY_SERVICE,
    GITHUB_ISSUER,
    KEY_ADMIN_ROLE,
    DeliveryIdentityArgs,
)
from stacks.settings import NAMESPACE, SettingsError, settings_from_config
from tests.conftest import run_repo_stack

COMPONENT = "agencyos:delivery:DeliveryIdentity"
POOL = "gcp:iam/workloadIdentityPool:WorkloadIdentityPool"
PROVIDER = "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider"
ACCOUNT = "gcp:serviceaccount/account:Account"
PROJECT_MEMBER = "gcp:projects/iAMMember:IAMMember"
SECRET_MEMBER = "gcp:secretmanager/secretIamMember:SecretIamMember"
ACCOUNT_MEMBER = "gcp:serviceaccount/iAMMember:IAMMember"
REPOSITORY = "agencyos/agencyos-infra"  # Pulumi.prod.yaml and Pulumi.staging.yaml
DELIVERY = f"{NAMESPACE}:delivery"
WORKLOAD_IDENTITY_POLICY = "gcp-iam-workloadidentityprovider-repository-condition"
VALID = {
    "gcp:project": "agencyos-prod",
    "gcp:region": "us-central1",
    f"{NAMESPACE}:environment": "production",
    f"{NAMESPACE}:namePrefix": "agencyos-prod",
}


def _own(run: ProgramRun, type_: str) -> list[CapturedResource]:
    [component] = run.of_type(COMPONENT)
    return [r for r in run.of_type(type_) if r.parent == component.urn]


def _member_of(run: ProgramRun, account: CapturedResource) -> str:
    return f"serviceAccount:{account.outputs.plain['email']}"


def _accounts(run: ProgramRun) -> dict[str, CapturedResource]:
    return {r.name.removeprefix("delivery-"): r for r in _own(run, ACCOUNT)}


def _project_roles(run: ProgramRun, account: CapturedResource) -> set[str]:
    member = _member_of(run, account)
    return {r.inputs.plain["role"] for r in _own(run, PROJECT_MEMBER) if r.inputs.plain["member"] == member}


def test_the_provider_admits_github_tokens_of_the_repository_only(prod_run: ProgramRun) -> None:
    [pool] = _own(prod_run, POOL)
    [provider] = _own(prod_run, PROVIDER)
    props = provider.inputs.plain
    assert props["oidc"]["issuerUri"] == GITHUB_ISSUER, provider.urn
    assert props["attributeCondition"] == f"assertion.repository == '{REPOSITORY}'", provider.urn
    assert props["workloadIdentityPoolId"] == pool.inputs.plain["workloadIdentityPoolId"] == "agencyos-prod-github"
    mapping = props["attributeMapping"]
    # Every attribute a binding names is mapped, and the subject maps GitHub's sub claim.
    assert mapping["google.subject"] == "assertion.sub"
    assert mapping["attribute.repository"] == "assertion.repository"
    assert mapping["attribute.subject_at_ref"] == "assertion.sub + '@' + assertion.ref"
    # A deleted pool or provider blocks its id for 30 days and cuts every workflow off.
    assert pool.protect and provider.protect, (pool.urn, provider.urn)


def test_the_pack_finds_nothing_on_the_provider(prod_run: ProgramRun, pack_analyze: Any) -> None:
    [provider] = _own(prod_run, PROVIDER)
    report = pack_analyze(ProgramRun("test", "test", True, [provider], read_properties({})))
    assert WORKLOAD_IDENTITY_POLICY in report.policies
    assert [v for v in report.violations if v.urn == provider.urn] == [], provider.urn


def test_preview_is_read_only_and_reads_only_the_secrets_the_program_reads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read: list[str] = []
    original = gcp.secretmanager.get_secret_version_output

    def recording(*args: Any, **kwargs: Any) -> Any:
        read.append(str(kwargs["secret"]))
        return original(*args, **kwargs)

    # Components call it through the module attribute, so the real program's reads are recorded.
    monkeypatch.setattr(gcp.secretmanager, "get_secret_version_output", recording)
    run = run_repo_stack("prod")
    assert run.error is None, run.error
    assert read, "the prod stack reads the alert channels' credentials at preview"
    preview = _accounts(run)["preview"]
    assert preview.inputs.plain["accountId"] == "agencyos-prod-ci-preview"
    assert _project_roles(run, preview) == {"roles/viewer"}
    grants = [r for r in _own(run, SECRET_MEMBER) if r.inputs.plain["member"] == _member_of(run, preview)]
    assert {g.inputs.plain["role"] for g in grants} == {"roles/secretmanager.secretAccessor"}
    assert sorted(g.inputs.plain["secretId"] for g in grants) == sorted(set(read))


def test_no_secret_reads_no_secret_grants() -> None:
    quiet = {
        f"{NAMESPACE}:monitoring": json.dumps({"receivers": []}),
        f"{NAMESPACE}:uptime": json.dumps({"alertEmails": ["oncall@agencyos.example"]}),
    }
    run = run_repo_stack("prod", overrides=quiet)
    assert run.error is None, run.error
    assert _own(run, SECRET_MEMBER) == []


def _types(run: ProgramRun) -> Iterator[str]:
    return (r.type for r in run.resources if r.custom and r.type.startswith("gcp:"))


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_the_deployer_holds_a_role_for_every_google_service_the_stack_manages(stack: str) -> None:
    run = run_repo_stack(stack)
    assert run.error is None, run.error
    services = {token.split(":")[1].split("/")[0] for token in _types(run)}
    missing = services - set(DEPLOY_ROLES_BY_SERVICE)
    assert not missing, f"add the roles that manage {sorted(missing)} to DEPLOY_ROLES_BY_SERVICE"
    deploy = _accounts(run)["deploy"]
    roles = _project_roles(run, deploy)
    assert roles == {role for service in DEPLOY_ROLES_BY_SERVICE.values() for role in service}
    assert not roles & {"roles/owner", "roles/editor", "roles/viewer", KEY_ADMIN_ROLE}


def test_a_stack_that_creates_keys_gives_the_deployer_the_key_admin_role() -> None:
    run = run_repo_stack("prod", overrides={f"{NAMESPACE}:iam": '{"workloads": {"backend": {"jsonKey": true}}}'})
    assert run.error is None, run.error
    assert KEY_ADMIN_ROLE in _project_roles(run, _accounts(run)["deploy"])


@pytest.mark.parametrize(("stack", "environment"), [("prod", "production"), ("staging", "staging")])
def test_impersonation_is_scoped_to_the_repository_and_for_deploy_to_its_environment_on_main(
    stack: str, environment: str
) -> None:
    run = run_repo_stack(stack)
    assert run.error is None, run.error
    [pool] = _own(run, POOL)
    pool_name = pool.outputs.plain["name"]
    accounts = _accounts(run)
    bindings = {b.inputs.plain["serviceAccountId"]: b.inputs.plain for b in _own(run, ACCOUNT_MEMBER)}
    assert set(bindings) == {accounts["preview"].outputs.plain["name"], accounts["deploy"].outputs.plain["name"]}
    assert {b["role"] for b in bindings.values()} == {"roles/iam.workloadIdentityUser"}
    preview = bindings[accounts["preview"].outputs.plain["name"]]["member"]
    deploy = bindings[accounts["deploy"].outputs.plain["name"]]["member"]
    assert preview == f"principalSet://iam.googleapis.com/{pool_name}/attribute.repository/{REPOSITORY}"
    assert deploy == (
        f"principalSet://iam.googleapis.com/{pool_name}/attribute.subject_at_ref/"
        f"repo:{REPOSITORY}:environment:{environment}@refs/heads/main"
    )


def test_children_are_parented_with_stable_names(prod_run: ProgramRun) -> None:
    [component] = prod_run.of_type(COMPONENT)
    children = [r for r in prod_run.resources if r.parent == component.urn]
    assert children and all(r.name.startswith("delivery-") for r in children)
    assert {"delivery-pool", "delivery-github", "delivery-preview", "delivery-deploy"} <= {r.name for r in children}
    outputs = prod_run.stack_outputs.plain
    assert {"deliveryWorkloadIdentityProvider", "deliveryPreviewServiceAccount", "deliveryDeployServiceAccount"} <= set(
        outputs
    )


def test_without_a_repository_there_is_no_delivery_identity() -> None:
    run = run_repo_stack("prod", overrides={DELIVERY: "{}"})
    assert run.error is None, run.error
    assert run.of_type(COMPONENT) == [] and run.of_type(PROVIDER) == []
    assert "deliveryWorkloadIdentityProvider" not in run.stack_outputs.plain


@pytest.mark.parametrize(
    "repository", ["agencyos", "agencyos/", "/agencyos-infra", "agencyos/agencyos infra", "a/b/c", "-x/y"]
)
def test_a_repository_that_is_not_owner_slash_name_fails_on_its_key(repository: str) -> None:
    with pytest.raises(SettingsError) as error:
        settings_from_config({**VALID, DELIVERY: json.dumps({"repository": repository})})
    message = str(error.value)
    assert f"{DELIVERY}.repository (string): must be the GitHub repository as owner/name" in message


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"repository": "agencyos"}, "owner/name"),
        ({"name_prefix": "agencyos-production-platform"}, "workload identity pool id"),
        ({"name_prefix": "agencyos-prod-platform"}, "service account id"),
        ({"deploy_environment": "prod env"}, "GitHub environment"),
        ({"preview_secret_ids": ("a/b",)}, "secret id"),
    ],
)
def test_invalid_args_are_refused(overrides: dict[str, Any], error: str) -> None:
    base: dict[str, Any] = {
        "name_prefix": "agencyos-prod",
        "project": "agencyos-prod",
        "repository": REPOSITORY,
        "deploy_environment": "production",
    }
    with pytest.raises(ValueError, match=error):
        DeliveryIdentityArgs(**{**base, **overrides})
