"""End to end: independently written edges (ingress-nginx, Ingresses, load balancers) judged by the pack.

`examples/compliant-ingress` installs the controller with the chart's own ``controller.addHeaders``, YAML-style
booleans and numbers, stricter headers and limits (limit-rps, a lower auth limit) and an internal load balancer:
alternatives the checklist allows. `examples/noncompliant-ingress` breaks one rule per resource: each must be
reported against that resource, and nothing else.
"""

from __future__ import annotations

import pytest

from tests.conftest import EXAMPLES, mandatory_violations, report_sections, run_cli

MODES = [["--mode", "up"], ["--mode", "preview"]]
MODE_IDS = ["up", "preview"]
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


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_a_compliant_edge_passes(mode: list[str]) -> None:
    result = run_cli("preview", "--program", str(EXAMPLES / "compliant-ingress"), "--stack", "prod", *mode)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Mandatory violations: 0" in result.stdout and not mandatory_violations(result.stdout)


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_a_noncompliant_edge_is_rejected_naming_each_policy(mode: list[str]) -> None:
    result = run_cli("preview", "--program", str(EXAMPLES / "noncompliant-ingress"), "--stack", "prod", *mode)
    assert result.returncode == 1, result.stdout + result.stderr
    assert mandatory_violations(result.stdout) == EXPECTED, result.stdout
    section = report_sections(result.stdout)[0]
    assert "metadata.annotations[nginx.ingress.kubernetes.io/configuration-snippet]" in section
    assert 'values.controller.config.hsts must be "true".' in section
    # The snippet's content is never echoed.
    assert "more_set_headers" not in result.stdout + result.stderr
    assert "mandatory policy violation(s)" in result.stderr
