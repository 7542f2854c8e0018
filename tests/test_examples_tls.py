"""End to end: independently written TLS setups (cert-manager, Let's Encrypt issuers, Ingress TLS) judged by the pack.

`examples/compliant-tls` installs cert-manager with a helm.sh/v3 Release at another exact version, a DNS-01
ClusterIssuer as a raw CustomResource, a namespaced Issuer, a wildcard TLS host and Google-managed
certificates: alternatives the checklist allows. `examples/noncompliant-tls` breaks one rule per resource:
each must be reported against that resource, and nothing else.
"""

from __future__ import annotations

from tests.conftest import mandatory_violations, report_sections
from tests.example_runs import BOTH_MODES, assert_passes, assert_rejected, preview_example

RELEASE = "kubernetes:helm.sh/v3:Release"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
EXPECTED = {
    ("kubernetes-helm-release-pinned-chart", RELEASE, "cert-manager"),
    ("kubernetes-networking-ingress-tls", INGRESS, "no-tls"),
    ("kubernetes-networking-ingress-tls", INGRESS, "partial-tls"),
    ("kubernetes-networking-ingress-letsencrypt-issuer", INGRESS, "staging-cert"),
}
EXPECTED_MESSAGES = [
    "version is not set, and absent means the newest release.",
    "spec.tls must be set: without it the Ingress serves plain HTTP.",
    "spec.rules[1].host must be listed in spec.tls[].hosts",
    "must name a ClusterIssuer on Let's Encrypt's production endpoint",
]


@BOTH_MODES
def test_a_compliant_tls_setup_passes(mode: list[str]) -> None:
    result = preview_example("compliant-tls", "prod", mode)
    assert_passes(result)
    for name in ("storefront", "checkout", "docs", "le-dns", "cert-manager"):
        assert name in result.stdout, name


@BOTH_MODES
def test_a_noncompliant_tls_setup_is_rejected_naming_each_policy(mode: list[str]) -> None:
    result = preview_example("noncompliant-tls", "prod", mode)
    assert_rejected(result)
    assert mandatory_violations(result.stdout) == EXPECTED, result.stdout
    section = report_sections(result.stdout)[0]
    for message in EXPECTED_MESSAGES:
        assert message in section, message
    # Hosts are never echoed in messages.
    assert "admin.example.org" not in section
    assert "mandatory policy violation(s)" in result.stderr
