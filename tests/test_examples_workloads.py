"""End to end: independently written application tiers (Kubernetes workloads, Secret Manager) judged by the pack.

`examples/compliant-workloads` is a team's own compliant tier in a production stack, with alternatives the
checklist allows (a larger limit, non-root by runAsUser alone, tighter probes, a stricter autoscaler, a
30-day rotation). `examples/noncompliant-workloads` breaks each mandatory workload, configuration and
Secret Manager rule with its own resource; each must be reported against that resource, and nothing else.
"""

from __future__ import annotations

import re

from tests.conftest import REPORTED_VIOLATION, mandatory_violations, report_sections
from tests.example_runs import BOTH_MODES, assert_passes, assert_rejected, preview_example

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
SECRET = "gcp:secretmanager/secret:Secret"

# (policy, resource type, resource name): each violation the noncompliant program commits on purpose.
EXPECTED = [
    ("kubernetes-apps-deployment-probes", DEPLOYMENT, "no-probes"),
    ("kubernetes-apps-deployment-probes", DEPLOYMENT, "slow-probes"),
    ("kubernetes-apps-deployment-run-as-non-root", DEPLOYMENT, "runs-as-root"),
    ("kubernetes-apps-deployment-run-as-non-root", DEPLOYMENT, "image-user"),
    ("kubernetes-apps-deployment-pinned-image", DEPLOYMENT, "latest-image"),
    ("kubernetes-apps-deployment-pinned-image", DEPLOYMENT, "untagged-image"),
    ("kubernetes-apps-deployment-pinned-image", DEPLOYMENT, "moving-tag"),
    ("kubernetes-apps-deployment-resources", DEPLOYMENT, "no-resources"),
    ("kubernetes-apps-deployment-resources", DEPLOYMENT, "requests-only"),
    ("kubernetes-core-config-production-settings", DEPLOYMENT, "debug-env"),
    ("kubernetes-autoscaling-hpa-bounds", HPA, "single-replica"),
    ("kubernetes-autoscaling-hpa-bounds", HPA, "hot-cpu"),
    ("kubernetes-autoscaling-hpa-bounds", HPA, "default-metrics"),
    ("kubernetes-core-config-no-credentials", CONFIG_MAP, "payment-settings"),
    ("kubernetes-core-config-production-settings", CONFIG_MAP, "debug-on"),
    ("kubernetes-core-config-production-settings", CONFIG_MAP, "verbose-logging"),
    ("gcp-secretmanager-secret-rotation", SECRET, "never-rotated"),
    ("gcp-secretmanager-secret-rotation", SECRET, "yearly-rotation"),
]
# The mandatory Kubernetes and Secret Manager resource policies, as the README's policy table lists them.
MANDATORY_WORKLOAD_POLICIES = {
    "gcp-secretmanager-secret-rotation",
    "kubernetes-apps-deployment-probes",
    "kubernetes-apps-deployment-resources",
    "kubernetes-apps-deployment-run-as-non-root",
    "kubernetes-apps-deployment-pinned-image",
    "kubernetes-autoscaling-hpa-bounds",
    "kubernetes-core-config-no-credentials",
    "kubernetes-core-config-production-settings",
}
# Messages that name the broken field, so each resource is reported for what its name says.
EXPECTED_MESSAGES = [
    "livenessProbe must be set (httpGet, tcpSocket, exec or grpc); it is not set.",
    "livenessProbe.periodSeconds must be at most 10",
    "readinessProbe.periodSeconds must be at most 5",
    "must not run as root: runAsUser is 0",
    "securityContext.runAsNonRoot must be true",
    "securityContext.allowPrivilegeEscalation should be false",
    "image must be pinned by tag or digest: it is tagged latest.",
    "image must be pinned by tag or digest: it has no tag (it means latest).",
    "image must be pinned by tag or digest: it has a moving tag (policy config movingTags).",
    "resources.requests.cpu must be set to at least 250m (policy config `minCpuRequest`).",
    "resources.limits.memory must be set to at least 512Mi (policy config `minMemoryLimit`).",
    "env[0] (LOG_LEVEL) must be INFO or WARNING in production (policy config `environment`).",
    "spec.minReplicas must be at least 2.",
    "spec.metrics must scale on cpu Utilization at most 70 %",
    "data.STRIPE_API_KEY must not hold a credential: it looks like a Stripe live key.",
    "data.DEBUG (DEBUG) must be false in production (policy config `environment`).",
    "data.LOG_LEVEL (LOG_LEVEL) must be INFO or WARNING in production (policy config `environment`).",
    "it is not set, so the secret is never rotated (policy config `maxRotationDays`).",
]


def test_every_mandatory_workload_policy_is_exercised() -> None:
    assert {policy for policy, _, _ in EXPECTED} == MANDATORY_WORKLOAD_POLICIES


@BOTH_MODES
def test_a_compliant_application_tier_passes(mode: list[str]) -> None:
    result = preview_example("compliant-workloads", "prod", mode)
    assert_passes(result)
    for name in ("api", "worker", "reports", "api-hpa", "worker-hpa", "app-settings", "stripe-api-key"):
        assert re.search(rf"\s{re.escape(name)}(\s|$)", result.stdout, re.MULTILINE), name
    # The compliant tier is judged by the workload policies, not skipped: only advisories about the stack remain.
    advisories = {match["policy"] for match in REPORTED_VIOLATION.finditer(report_sections(result.stdout)[1])}
    assert not advisories & MANDATORY_WORKLOAD_POLICIES


@BOTH_MODES
def test_a_noncompliant_application_tier_is_rejected(mode: list[str]) -> None:
    result = preview_example("noncompliant-workloads", "prod", mode)
    assert_rejected(result)
    section = report_sections(result.stdout)[0]
    for policy in MANDATORY_WORKLOAD_POLICIES:
        assert f"[{policy}]" in section, policy
    found = mandatory_violations(result.stdout)
    missing = [violation for violation in EXPECTED if violation not in found]
    assert not missing, result.stdout
    # Each resource breaks only what its name says.
    unexpected = found - set(EXPECTED)
    assert not unexpected, result.stdout
    for message in EXPECTED_MESSAGES:
        assert message in result.stdout, message
    # The message names the kind of credential, never its value.
    assert "Xy7" * 8 not in result.stdout + result.stderr
    assert "mandatory policy violation(s)" in result.stderr
