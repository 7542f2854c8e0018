"""End to end: independently written TLS setups (cert-manager, Let's Encrypt issuers, Ingress TLS) judged by the pack.

`examples/compliant-tls` installs cert-manager with a helm.sh/v4 Chart at another exact version, a DNS-01
ClusterIssuer as a raw CustomResource, a namespaced Issuer, a wildcard TLS host and Google-managed
certificates: alternatives the checklist allows. `examples/noncompliant-tls` breaks one rule per resource:
each must be reported against that resource, and nothing else.
"""

from __future__ import annotations

import pytest

from tests.conftest import EXAMPLES, mandatory_violations, report_sections, run_cli

MODES = [["--mode", "up"], ["--mode", "preview"]]
MODE_IDS = ["up", "preview"]
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


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_a_compliant_tls_setup_passes(mode: list[str]) -> None:
    result = run_cli("preview", "--program", str(EXAMPLES / "compliant-tls"), "--stack", "prod", *mode)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Mandatory violations: 0" in result.stdout and not mandatory_violations(result.stdout)
    for name in ("storefront", "checkout", "docs", "le-dns", "cert-manager"):
        assert name in result.stdout, name


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_a_noncompliant_tls_setup_is_rejected_naming_each_policy(mode: list[str]) -> None:
    result = run_cli("preview", "--program", str(EXAMPLES / "noncompliant-tls"), "--stack", "prod", *mode)
    assert result.returncode == 1, result.stdout + result.stderr
    assert mandatory_violations(result.stdout) == EXPECTED, result.stdout
    section = report_sections(result.stdout)[0]
    for message in EXPECTED_MESSAGES:
        assert message in section, message
    # Hosts are never echoed in messages.
    assert "admin.example.org" not in section
    assert "mandatory policy violation(s)" in result.stderr
