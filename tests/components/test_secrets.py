"""The Secrets component in the prod stack: one rotated secret per sensitive variable, per-workload access,
stack-known versions kept secret, names and parenting, invalid settings rejected."""

from __future__ import annotations

import json
from typing import Any

import pytest
from agencyos_checklist.numbers import SECRET_ROTATION_DAYS
from agencyos_checklist.secrets import SENSITIVE_VARIABLES
from pydantic import ValidationError

from agencyos_infra.engine import CapturedResource, ProgramRun
from components.secrets import BY_NAME, SECONDS_PER_DAY, SecretsSpec, readers
from stacks.settings import NAMESPACE
from tests.conftest import run_repo_stack

COMPONENT = "agencyos:secrets:Secrets"
SECRET = "gcp:secretmanager/secret:Secret"
VERSION = "gcp:secretmanager/secretVersion:SecretVersion"
ACCESS = "gcp:secretmanager/secretIamMember:SecretIamMember"
TOPIC = "gcp:pubsub/topic:Topic"
IDENTITIES = "agencyos:iam:WorkloadIdentities"
STACK_KNOWN = {"SECRET_KEY", "DATABASE_URL", "REDIS_URL"}


def _component(run: ProgramRun) -> CapturedResource:
    [component] = run.of_type(COMPONENT)
    return component


def _secrets(run: ProgramRun) -> dict[str, CapturedResource]:
    """Variable -> its secret, by the label that names the variable."""
    by_slug = {v.slug: v.name for v in SENSITIVE_VARIABLES}
    return {by_slug[r.inputs.plain["labels"]["checklist-variable"]]: r for r in _own(run, SECRET)}


def _own(run: ProgramRun, type_: str) -> list[CapturedResource]:
    component = _component(run)
    return [r for r in run.of_type(type_) if r.parent == component.urn]


def test_one_secret_per_sensitive_variable_with_automatic_replication(prod_run: ProgramRun) -> None:
    secrets = {r.name: r for r in _own(prod_run, SECRET)}
    assert set(secrets) == {f"secrets-{v.slug}" for v in SENSITIVE_VARIABLES}
    for variable in SENSITIVE_VARIABLES:
        secret = secrets[f"secrets-{variable.slug}"]
        props = secret.inputs.plain
        assert props["secretId"] == f"agencyos-prod-{variable.slug}", secret.urn
        assert props["replication"] == {"auto": {}}, secret.urn
        assert props["labels"]["environment"] == "production", secret.urn
        assert props["deletionProtection"] is True and secret.protect, secret.urn


def test_every_secret_rotates_every_90_days_through_the_topic(prod_run: ProgramRun) -> None:
    [topic] = _own(prod_run, TOPIC)
    assert topic.inputs.plain["name"] == "agencyos-prod-secret-rotation", topic.urn
    [publisher] = _own(prod_run, "gcp:pubsub/topicIAMMember:TopicIAMMember")
    assert publisher.inputs.plain["role"] == "roles/pubsub.publisher", publisher.urn
    for secret in _own(prod_run, SECRET):
        rotation = secret.inputs.plain["rotation"]
        assert rotation["rotationPeriod"] == f"{SECRET_ROTATION_DAYS.value * SECONDS_PER_DAY}s", secret.urn
        assert rotation["nextRotationTime"].endswith("T00:00:00Z"), secret.urn
        assert "rotation.nextRotationTime" in secret.ignore_changes, secret.urn
        assert [t["name"] for t in secret.inputs.plain["topics"]] == [topic.id], secret.urn
        # Secret Manager refuses a topic its agent cannot publish to: the grant comes first.
        assert publisher.urn in secret.dependencies, secret.urn


def test_access_only_for_the_workloads_that_need_each_secret(prod_run: ProgramRun) -> None:
    identities = {
        r.name.removeprefix("identities-"): r.outputs.plain["email"]
        for r in prod_run.of_type("gcp:serviceaccount/account:Account")
        if r.name.startswith("identities-")
    }
    granted: dict[str, set[str]] = {}
    for grant in _own(prod_run, ACCESS):
        assert grant.inputs.plain["role"] == "roles/secretmanager.secretAccessor", grant.urn
        variable_slug, workload = grant.name.removeprefix("secrets-").rsplit("-", 1)
        assert grant.inputs.plain["member"] == f"serviceAccount:{identities[workload]}", grant.urn
        assert grant.inputs.plain["secretId"] == f"agencyos-prod-{variable_slug}", grant.urn
        granted.setdefault(variable_slug, set()).add(workload)
    assert granted == {v.slug: set(readers(v.name)) for v in SENSITIVE_VARIABLES}
    # The frontend reads only what a browser-facing server needs.
    frontend = {slug for slug, workloads in granted.items() if "frontend" in workloads}
    assert frontend == {"supabase-anon-key", "sentry-dsn"}
    # No project-wide secret access for any workload (the delivery identity's deployer creates the secrets).
    members = {f"serviceAccount:{email}" for email in identities.values()}
    roles = {
        r.inputs.plain["role"]
        for r in prod_run.of_type("gcp:projects/iAMMember:IAMMember")
        if r.inputs.plain["member"] in members
    }
    assert not any(role.startswith("roles/secretmanager.") for role in roles)


def test_stack_known_values_are_secret_versions_end_to_end(prod_run: ProgramRun) -> None:
    versions = {r.name: r for r in _own(prod_run, VERSION)}
    assert set(versions) == {f"secrets-{BY_NAME[v].slug}-version" for v in STACK_KNOWN}
    for version in versions.values():
        assert "secretData" in version.inputs.secret_paths, version.urn
        assert "secretData" in version.additional_secret_outputs, version.urn
    database = versions["secrets-database-url-version"].inputs.plain["secretData"]
    assert database.startswith("postgresql://") and "sslmode=require" in database
    assert versions["secrets-redis-url-version"].inputs.plain["secretData"].startswith("rediss://")
    [key_bytes] = prod_run.of_type("random:index/randomBytes:RandomBytes")
    hex_characters = key_bytes.inputs.plain["length"] * 2
    assert hex_characters >= 64, key_bytes.urn  # checklist 1.core-application-settings.4: min 64 chars
    assert {"hex", "base64"} <= set(key_bytes.additional_secret_outputs), key_bytes.urn
    # Third-party credentials have no version in code: operators add them.
    assert not [name for name in versions if "stripe" in name or "paypal" in name]


def test_no_secret_value_reaches_the_stack_outputs_in_plain_text() -> None:
    run = run_repo_stack("prod")
    assert run.error is None, run.error
    values = [v.inputs.plain["secretData"] for v in _own(run, VERSION)]
    plain_outputs = {k: v for k, v in run.stack_outputs.plain.items() if k not in run.stack_outputs.secret_paths}
    text = json.dumps(plain_outputs, default=str)
    assert all(value not in text for value in values)


def test_children_are_parented_with_stable_names_and_wait_for_the_apis(prod_run: ProgramRun) -> None:
    component = _component(prod_run)
    children = [r for r in prod_run.resources if r.parent == component.urn]
    assert children and all(r.name.startswith("secrets-") for r in children)
    services = {r.urn for r in prod_run.of_type("gcp:projects/service:Service")}
    assert services <= set(component.dependencies), component.urn
    for child in children:
        assert services <= set(child.dependencies), child.urn


def test_omitting_an_optional_secret_drops_it_and_its_access() -> None:
    run = run_repo_stack("prod", overrides={f"{NAMESPACE}:secrets": json.dumps({"omit": ["SENTRY_DSN"]})})
    assert run.error is None, run.error
    assert "SENTRY_DSN" not in _secrets(run)
    assert not [r.name for r in _own(run, ACCESS) if "sentry" in r.name]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"rotationDays": SECRET_ROTATION_DAYS.value + 1}, "less than or equal"),
        ({"rotationDays": 0}, "greater than or equal"),
        ({"omit": ["STRIPE_API_KEY"]}, "only optional variables"),
        ({"omit": ["NOT_A_SECRET"]}, "not a sensitive variable"),
        ({"omit": ["lowercase"]}, "pattern"),
        ({"surprise": 1}, "Extra inputs"),
    ],
)
def test_invalid_spec_is_rejected(spec: dict[str, Any], expected: str) -> None:
    with pytest.raises(ValidationError, match=expected):
        SecretsSpec.model_validate(spec)


def test_a_bad_secrets_object_fails_the_stack_naming_its_path() -> None:
    run = run_repo_stack("prod", overrides={f"{NAMESPACE}:secrets": json.dumps({"rotationDays": 365})})
    assert run.error is not None and f"{NAMESPACE}:secrets.rotationDays" in run.error
    assert [r.urn for r in run.resources if r.custom] == []
