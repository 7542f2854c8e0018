"""Workload identity provider cases: GitHub's issuer needs a condition that pins one repository."""

from __future__ import annotations

from typing import Any

from agencyos_policy.gcp.workload_identity import PROVIDER

from agencyos_infra.wire import UNKNOWN
from tests.policy.cases import DELETE, Case, mutate

PINNED = "gcp-iam-workloadidentityprovider-repository-condition"
REPO = "agencyos/agencyos-infra"
GITLAB = "https://gitlab.com"
BASE: dict[str, Any] = {
    "workloadIdentityPoolId": "agencyos-prod-github",
    "workloadIdentityPoolProviderId": "github-actions",
    "oidc": {"issuerUri": "https://token.actions.githubusercontent.com"},
    "attributeMapping": {
        "google.subject": "assertion.sub",
        "attribute.repository": "assertion.repository",
        "attribute.owner": "assertion.repository_owner",
    },
    "attributeCondition": f"assertion.repository == '{REPO}'",
}


def condition(expression: Any) -> dict[str, Any]:
    return mutate(BASE, {"attributeCondition": expression})


FAILING = [
    Case(PINNED, PROVIDER, mutate(BASE, {"attributeCondition": DELETE}), note="no condition"),
    Case(PINNED, PROVIDER, condition(""), note="empty condition"),
    Case(PINNED, PROVIDER, condition("   "), note="blank condition"),
    Case(PINNED, PROVIDER, condition("assertion.repository_owner == 'agencyos'"), note="owner only: every repo"),
    Case(PINNED, PROVIDER, condition("attribute.owner == 'agencyos'"), note="mapped owner only"),
    Case(PINNED, PROVIDER, condition("assertion.ref == 'refs/heads/main'"), note="a branch of any repository"),
    Case(PINNED, PROVIDER, condition("true"), note="admits everything"),
    Case(PINNED, PROVIDER, condition(f"assertion.repository != '{REPO}'"), note="every other repository"),
    Case(PINNED, PROVIDER, condition(f"!(assertion.repository == '{REPO}')"), note="negated pin"),
    Case(
        PINNED,
        PROVIDER,
        condition(f"assertion.repository == '{REPO}' || assertion.repository_owner == 'agencyos'"),
        note="a pin or-ed with the owner",
    ),
    Case(PINNED, PROVIDER, condition("assertion.repository.startsWith('agencyos/')"), note="owner prefix"),
    Case(PINNED, PROVIDER, condition(f"assertion.repository.startsWith('{REPO}')"), note="name prefix"),
    Case(PINNED, PROVIDER, condition("assertion.sub.startsWith('repo:agencyos/')"), note="subject owner prefix"),
    Case(PINNED, PROVIDER, condition("assertion.repository == 'agencyos/*'"), note="a wildcard is no repository"),
    Case(PINNED, PROVIDER, condition("assertion.repository in []"), note="empty list"),
    Case(
        PINNED,
        PROVIDER,
        {
            **condition(f"attribute.repository == '{REPO}'"),
            "attributeMapping": {"google.subject": "assertion.sub", "attribute.repository": "assertion.actor"},
        },
        note="the attribute is not the repository",
    ),
    Case(PINNED, PROVIDER, condition("assertion.repository == "), note="not CEL"),
    Case(
        PINNED,
        PROVIDER,
        mutate(BASE, {"oidc.issuerUri": GITLAB, "attributeCondition": DELETE}),
        note="another OIDC issuer without a condition",
    ),
]
PASSING = [
    Case(PINNED, PROVIDER, BASE, note="repository pinned"),
    Case(PINNED, PROVIDER, condition(f"'{REPO}' == assertion.repository"), note="literal first"),
    Case(PINNED, PROVIDER, condition(f'attribute.repository == "{REPO}"'), note="mapped attribute"),
    Case(
        PINNED,
        PROVIDER,
        condition(f"assertion.repository_owner == 'agencyos' && assertion.repository == '{REPO}'"),
        note="owner and repository",
    ),
    Case(
        PINNED,
        PROVIDER,
        condition(f"assertion.repository == '{REPO}' && (assertion.ref == 'refs/heads/main' || true)"),
        note="pin and-ed with anything",
    ),
    Case(PINNED, PROVIDER, condition(f"assertion.repository in ['{REPO}', 'agencyos/site']"), note="a list of repos"),
    Case(PINNED, PROVIDER, condition("assertion.repository_id == '123456'"), note="repository id"),
    Case(PINNED, PROVIDER, condition(f"assertion.sub.startsWith('repo:{REPO}:')"), note="subject prefix"),
    Case(
        PINNED,
        PROVIDER,
        condition(f"assertion.sub == 'repo:{REPO}:environment:production' || assertion.repository == 'agencyos/site'"),
        note="each branch of an or pins",
    ),
    Case(PINNED, PROVIDER, condition(UNKNOWN), note="unknown at preview: advisory benefit of the doubt"),
    Case(
        PINNED,
        PROVIDER,
        mutate(BASE, {"oidc.issuerUri": GITLAB, "attributeCondition": "assertion.project_path == 'g/p'"}),
        note="another issuer with a condition",
    ),
    Case(
        PINNED,
        PROVIDER,
        {
            "workloadIdentityPoolId": "aws",
            "workloadIdentityPoolProviderId": "aws",
            "aws": {"accountId": "999999999999"},
        },
        note="AWS provider: tied to its account",
    ),
    Case(PINNED, "gcp:iam/workloadIdentityPool:WorkloadIdentityPool", {"workloadIdentityPoolId": "p"}, note="a pool"),
]
