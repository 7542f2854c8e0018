"""Independently written network and IAM programs, judged by the real pack through `agencyos-infra preview`."""

from __future__ import annotations

import re

from tests.conftest import EXAMPLES, run_cli

EXPECTED_MANDATORY = {
    "gcp-compute-firewall-no-public-admin-ports",
    "gcp-compute-firewall-no-public-data-ports",
    "gcp-compute-firewall-no-public-all-ports",
    "gcp-compute-firewall-public-web-ports-only",
    "gcp-compute-instance-no-public-ip",
    "gcp-iam-grant-no-basic-roles",
}
EXPECTED_ADVISORY = {
    "gcp-compute-subnetwork-private-google-access",
    "gcp-iam-grant-no-project-secret-access",
    "gcp-serviceaccount-key-user-managed",
}


def _named(output: str, section: str) -> set[str]:
    block = output.split(f"{section} violations:")[1].split("violations:")[0]
    return set(re.findall(r"\[(gcp-[a-z0-9-]+)\]", block))


def test_the_compliant_network_passes() -> None:
    result = run_cli("preview", "--program", str(EXAMPLES / "compliant-network"), "--stack", "dev")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Mandatory violations: 0" in result.stdout and "Advisory violations: 0" in result.stdout


def test_the_noncompliant_network_is_rejected_by_name() -> None:
    result = run_cli("preview", "--program", str(EXAMPLES / "noncompliant-network"), "--stack", "dev")
    assert result.returncode == 1, result.stdout + result.stderr
    assert _named(result.stdout, "Mandatory") == EXPECTED_MANDATORY
    assert _named(result.stdout, "Advisory") == EXPECTED_ADVISORY
