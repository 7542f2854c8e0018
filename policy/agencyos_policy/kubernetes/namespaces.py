"""Namespace policies: Pod Security Admission (checklist 8.infrastructure-security.4.3, beyond it).

A namespace without the ``pod-security.kubernetes.io/enforce`` label admits whatever the cluster's
default allows (privileged on GKE), so absent fails. Advisory: system and ingress namespaces may
need a looser level and say so in the label. A ``NamespacePatch`` that leaves the label out leaves it
unchanged, so only a label it sets is judged.
"""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import Severity

from agencyos_policy.props import ABSENT, UNKNOWN, lookup
from agencyos_policy.registry import ADVISORY, Subject, resource_policy

NAMESPACE = "kubernetes:core/v1:Namespace"
NAMESPACE_PATCH = "kubernetes:core/v1:NamespacePatch"
ENFORCE = "pod-security.kubernetes.io/enforce"


@resource_policy(
    name="kubernetes-core-namespace-pod-security-restricted",
    item="8.infrastructure-security.4.3",
    level=ADVISORY,
    severity=Severity.MEDIUM,
    description="Namespaces enforce the restricted Pod Security Standard (Pod Security Admission label).",
    remediation=f"Label the namespace {ENFORCE}: restricted (and audit/warn the same).",
    resource_types=(NAMESPACE, NAMESPACE_PATCH),
    tags=("kubernetes", "namespaces"),
)
def pod_security_restricted(subject: Subject) -> Iterator[str]:
    level = lookup(subject.props, "metadata", "labels", ENFORCE)
    if level is ABSENT and subject.resource_type == NAMESPACE_PATCH:
        return
    if level is not UNKNOWN and level != "restricted":
        yield f"metadata.labels[{ENFORCE}] should be restricted; absent means the cluster default (privileged)."
