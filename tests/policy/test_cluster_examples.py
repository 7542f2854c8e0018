"""Independently written GKE programs, judged by the real pack through `agencyos-infra preview`."""

from __future__ import annotations

import re

from agencyos_policy import REGISTRY

from tests.conftest import EXAMPLES, run_cli

CONTAINER = {name for name in REGISTRY if name.startswith("gcp-container-")}
EXPECTED_MANDATORY = {
    "gcp-container-cluster-master-authorized-networks",
    "gcp-container-cluster-no-legacy-abac",
    "gcp-container-cluster-private-nodes",
    "gcp-container-cluster-shielded-nodes",
    "gcp-container-cluster-workload-identity",
    "gcp-container-nodepool-dedicated-service-account",
}
EXPECTED_ADVISORY = {
    "gcp-container-cluster-deletion-protection",
    "gcp-container-cluster-maintenance-window",
    "gcp-container-cluster-network-policy",
    "gcp-container-cluster-release-channel",
    "gcp-container-nodepool-secure-boot",
}


def _named(output: str, section: str) -> set[str]:
    block = output.split(f"{section} violations:")[1].split("violations:")[0]
    return set(re.findall(r"\[(gcp-[a-z0-9-]+)\]", block)) & CONTAINER


def test_the_compliant_clusters_pass_standard_and_autopilot() -> None:
    result = run_cli("preview", "--program", str(EXAMPLES / "compliant-cluster"), "--stack", "dev")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("gcp:container/cluster:Cluster ") >= 2, result.stdout  # Standard and Autopilot
    assert _named(result.stdout, "Mandatory") == set() and _named(result.stdout, "Advisory") == set()


def test_the_noncompliant_cluster_is_rejected_by_name() -> None:
    result = run_cli("preview", "--program", str(EXAMPLES / "noncompliant-cluster"), "--stack", "dev")
    assert result.returncode == 1, result.stdout + result.stderr
    assert _named(result.stdout, "Mandatory") == EXPECTED_MANDATORY
    assert _named(result.stdout, "Advisory") == EXPECTED_ADVISORY
    assert EXPECTED_MANDATORY | EXPECTED_ADVISORY == CONTAINER  # every GKE policy shown failing once
