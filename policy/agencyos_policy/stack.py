"""Stack-level policies: rules that span resources (a Deployment and its PDB, a namespace and its
NetworkPolicies, the required secrets). All advisory: a team may keep these in another stack.

They read the resources' outputs (the inputs echoed back at preview). A Kubernetes object without
``metadata.namespace`` is in ``default``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from agencyos_checklist.secrets import REQUIRED_SECRETS, SENSITIVE_VARIABLES
from pulumi_policy import Severity

from agencyos_policy.gcp.secretmanager import SECRET
from agencyos_policy.kubernetes.workloads import DEPLOYMENT
from agencyos_policy.props import ABSENT, UNKNOWN, items, lookup
from agencyos_policy.registry import ADVISORY, StackSubject, stack_policy

PDB = "kubernetes:policy/v1:PodDisruptionBudget"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
DEFAULT_NAMESPACE = "default"


def namespace_of(resource: Any) -> Any:
    namespace = lookup(resource.props, "metadata", "namespace")
    return DEFAULT_NAMESPACE if namespace is ABSENT else namespace


def _matches(selector: Any, labels: Any) -> bool:
    """Whether a label selector's matchLabels select pods with ``labels`` (matchExpressions: benefit of doubt)."""
    wanted = lookup(selector, "matchLabels")
    if wanted is UNKNOWN or labels is UNKNOWN:
        return True
    if wanted is ABSENT:
        return lookup(selector, "matchExpressions") is not ABSENT
    return isinstance(labels, Mapping) and all(labels.get(k) == v for k, v in wanted.items())


@stack_policy(
    name="kubernetes-policy-deployment-disruption-budget",
    item="7.disaster-recovery-plan.3",
    level=ADVISORY,
    severity=Severity.MEDIUM,
    description="Every Deployment has a PodDisruptionBudget in its namespace selecting its pods, so node "
    "upgrades and repairs never take all of them at once.",
    remediation="Add a policy/v1 PodDisruptionBudget (maxUnavailable 1) whose selector matches the pod labels.",
    resource_types=(DEPLOYMENT, PDB),
    tags=("kubernetes", "workloads"),
)
def disruption_budget(subject: StackSubject) -> Iterator[tuple[str, str | None]]:
    budgets = [(namespace_of(b), lookup(b.props, "spec", "selector")) for b in subject.of_type(PDB)]
    for deployment in subject.of_type(DEPLOYMENT):
        namespace = namespace_of(deployment)
        labels = lookup(deployment.props, "spec", "template", "metadata", "labels")
        if not any(ns in (namespace, UNKNOWN) and _matches(sel, labels) for ns, sel in budgets):
            yield "the Deployment should have a PodDisruptionBudget selecting its pods.", deployment.urn


def _denies_all(policy: Any) -> set[str]:
    """The directions (Ingress, Egress) a NetworkPolicy denies for every pod of its namespace."""
    selector = lookup(policy.props, "spec", "podSelector")
    if selector is UNKNOWN or any(_set(selector, key) for key in ("matchLabels", "matchExpressions")):
        return set()
    types = items(policy.props, "spec", "policyTypes")
    directions = set(types) if isinstance(types, list) else {"Ingress"}
    return {d for d in directions if isinstance(d, str) and not _set(policy.props, "spec", d.lower())}


def _set(props: Any, *path: str) -> bool:
    """Whether ``path`` holds something (a non-empty list or map, or a value unknown now)."""
    value = lookup(props, *path)
    return value is UNKNOWN or (value is not ABSENT and (not hasattr(value, "__len__") or len(value) > 0))


@stack_policy(
    name="kubernetes-networking-namespace-default-deny",
    item="8.infrastructure-security.2.3",
    level=ADVISORY,
    severity=Severity.MEDIUM,
    description="Every namespace that runs Deployments has a NetworkPolicy denying all ingress and egress by "
    "default; allowed flows are added one by one.",
    remediation="Add a NetworkPolicy with podSelector {} and policyTypes [Ingress, Egress] and no rules.",
    resource_types=(DEPLOYMENT, NETWORK_POLICY),
    tags=("kubernetes", "network"),
)
def default_deny(subject: StackSubject) -> Iterator[tuple[str, str | None]]:
    denied: dict[Any, set[str]] = {}
    for policy in subject.of_type(NETWORK_POLICY):
        denied.setdefault(namespace_of(policy), set()).update(_denies_all(policy))
    seen: set[Any] = set()
    for deployment in subject.of_type(DEPLOYMENT):
        namespace = namespace_of(deployment)
        if namespace is UNKNOWN or namespace in seen:
            continue
        seen.add(namespace)
        missing = {"Ingress", "Egress"} - denied.get(namespace, set())
        if missing:
            yield (
                f"namespace {namespace} should deny all {' and '.join(sorted(missing))} by default.",
                deployment.urn,
            )


def _slug(secret_id: Any) -> str:
    return str(secret_id).lower().replace("_", "-")


@stack_policy(
    name="gcp-secretmanager-stack-required-secrets",
    item="8.infrastructure-security.3.1",
    level=ADVISORY,
    severity=Severity.MEDIUM,
    description="A stack that runs the application or holds its secrets has a Secret Manager secret for each "
    "required sensitive variable of the checklist (id <prefix>-<variable>, e.g. agencyos-prod-stripe-api-key).",
    remediation="Create the missing secrets (components/secrets.py does), or set this policy to disabled where "
    "another stack holds them.",
    resource_types=(SECRET,),  # a Deployment also brings the stack under the rule
    tags=("secrets",),
)
def required_secrets(subject: StackSubject) -> Iterator[tuple[str, str | None]]:
    ids = [lookup(s.props, "secretId") for s in subject.of_type(SECRET)]
    if UNKNOWN in ids:
        return
    slugs = [_slug(i) for i in ids if i is not ABSENT]

    def held(slug: str) -> bool:
        return any(s == slug or s.endswith(f"-{slug}") for s in slugs)

    # Judged where the application runs or keeps its secrets; a stack with unrelated secrets is not.
    if not subject.of_type(DEPLOYMENT) and not any(held(v.slug) for v in SENSITIVE_VARIABLES):
        return
    for variable in REQUIRED_SECRETS:
        if not held(variable.slug):
            yield f"no Secret Manager secret holds {variable.name} (checklist {variable.item}).", None
