"""End to end: independently written edges (ingress-nginx, Ingresses, load balancers) judged by the pack.

`examples/compliant-ingress` installs the controller with the chart's own ``controller.addHeaders``, YAML-style
booleans and numbers, stricter headers and limits (limit-rps, a lower auth limit) and an internal load balancer:
alternatives the checklist allows. `examples/noncompliant-ingress` breaks one rule per resource: each must be
reported against that resource, and nothing else.
"""

from __future__ import annotations

from tests.conftest import mandatory_violations, report_sections
from tests.example_runs import BOTH_MODES, assert_passes, assert_rejected, preview_example

RELEASE = "kubernetes:helm.sh/v3:Release"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
SERVICE = "kubernetes:core/v1:Service"
EXPECTED = {
    ("kubernetes-ingressnginx-controller-no-snippet-annotations", RELEASE, "controller"),
    ("kubernetes-ingressnginx-controller-hsts", RELEASE, "controller"),
    ("kubernetes-networking-ingress-no-snippets", INGRESS, "snippet-headers"),
    ("kubernetes-networking-ingress-rate-limit", INGRESS, "unlimited"),
    ("kubernetes-core-service-single-load-balancer", SERVICE, "admin-lb"),
}


@BOTH_MODES
def test_a_compliant_edge_passes(mode: list[str]) -> None:
    result = preview_example("compliant-ingress", "prod", mode)
    assert_passes(result)


@BOTH_MODES
def test_a_noncompliant_edge_is_rejected_naming_each_policy(mode: list[str]) -> None:
    result = preview_example("noncompliant-ingress", "prod", mode)
    assert_rejected(result)
    assert mandatory_violations(result.stdout) == EXPECTED, result.stdout
    section = report_sections(result.stdout)[0]
    assert "metadata.annotations[nginx.ingress.kubernetes.io/configuration-snippet]" in section
    assert 'values.controller.config.hsts must be "true".' in section
    # The snippet's content is never echoed.
    assert "more_set_headers" not in result.stdout + result.stderr
    assert "mandatory policy violation(s)" in result.stderr
