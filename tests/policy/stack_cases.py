"""Stack-level cases: a whole (small) stack per case, as (type, props) resources.

A stack case's ``resource_type`` is ``STACK`` and its ``props`` are ``{"resources": [(type, props), ...]}``;
``validate_stack_in_process`` runs a stack policy on them as AnalyzeStack would.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from agencyos_checklist.secrets import REQUIRED_SECRETS
from agencyos_policy.gcp.secretmanager import SECRET
from agencyos_policy.kubernetes.workloads import DEPLOYMENT
from agencyos_policy.stack import NETWORK_POLICY, PDB
from pulumi_policy import PolicyCustomTimeouts, PolicyResource, PolicyResourceOptions, StackValidationArgs
from pulumi_policy.proxy import unknown_checking_proxy

from tests.policy.cases import Case
from tests.policy.kubernetes.workloads_cases import DEPLOYMENT_PROPS

STACK = "stack"
PDB_POLICY = "kubernetes-policy-deployment-disruption-budget"
DENY_POLICY = "kubernetes-networking-namespace-default-deny"
SECRETS_POLICY = "gcp-secretmanager-stack-required-secrets"

BUDGET = (
    PDB,
    {
        "metadata": {"name": "api", "namespace": "app"},
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "api"}}},
    },
)
DENY = (
    NETWORK_POLICY,
    {
        "metadata": {"name": "deny", "namespace": "app"},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
    },
)
DENY_INGRESS = (NETWORK_POLICY, {"metadata": {"name": "deny", "namespace": "app"}, "spec": {"podSelector": {}}})
APP = (DEPLOYMENT, DEPLOYMENT_PROPS)
ALL_SECRETS = [(SECRET, {"secretId": f"agencyos-prod-{v.slug}"}) for v in REQUIRED_SECRETS]


def stack(*resources: tuple[Any, ...]) -> dict[str, Any]:
    return {"resources": list(resources)}


FAILING = [
    Case(PDB_POLICY, STACK, stack(APP, DENY), note="no budget"),
    Case(
        PDB_POLICY, STACK, stack(APP, (PDB, {**BUDGET[1], "metadata": {"namespace": "other"}})), note="other namespace"
    ),
    Case(DENY_POLICY, STACK, stack(APP, BUDGET), note="no network policy"),
    Case(DENY_POLICY, STACK, stack(APP, DENY_INGRESS), note="ingress only (policyTypes absent)"),
    Case(SECRETS_POLICY, STACK, stack(APP), note="an app without secrets"),
    Case(SECRETS_POLICY, STACK, stack(*ALL_SECRETS[1:]), note="one missing"),
]
PASSING = [
    Case(PDB_POLICY, STACK, stack(APP, BUDGET, DENY), note="budget"),
    Case(PDB_POLICY, STACK, stack(BUDGET), note="no deployments"),
    Case(DENY_POLICY, STACK, stack(APP, DENY), note="default deny"),
    Case(SECRETS_POLICY, STACK, stack(APP, *ALL_SECRETS), note="every required secret"),
    Case(SECRETS_POLICY, STACK, stack(BUDGET), note="neither app nor secrets: not judged"),
]


def stack_resources(
    entries: Sequence[Any], depends: Mapping[int, Mapping[str, list[int]]] | None = None
) -> list[PolicyResource]:
    """A case's resources, each wrapped as the SDK wraps them in AnalyzeStack.

    An entry is ``(type, props)``, or ``(type, props, {property: [index, ...]})`` naming the resources (by their
    index among the entries) that property is computed from: its property dependencies. ``depends`` gives the
    same by entry index (``{1: {"target": [0]}}``) for entries without their own.
    """
    options = PolicyResourceOptions(True, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)
    resources = [
        PolicyResource(
            entry[0],
            unknown_checking_proxy(copy.deepcopy(dict(entry[1]))),
            f"urn:pulumi:test::test::{entry[0]}::r{i}",
            f"r{i}",
            options,
            None,
            None,
            [],
            {},
        )
        for i, entry in enumerate(entries)
    ]
    for i, (resource, entry) in enumerate(zip(resources, entries, strict=True)):
        own = entry[2] if len(entry) > 2 else (depends or {}).get(i, {})
        for key, indices in own.items():
            resource.property_dependencies[key] = [resources[index] for index in indices]
            resource.dependencies.extend(resources[index] for index in indices)
    return resources


def validate_stack_in_process(
    policy: Any, props: Mapping[str, Any], config: Mapping[str, Any] | None = None
) -> list[str]:
    """Run a stack policy on a case's resources (see :func:`stack_resources` for their shape)."""
    resources = stack_resources(props["resources"])
    messages: list[str] = []
    policy.validate(StackValidationArgs(resources, config, {}), lambda message, urn=None: messages.append(message))
    return messages
