"""End to end through the CLI: values unknown at preview whose origin decides the verdict.

`tests/programs/origins-gke`: a node pool running as ``nodes.email`` and grants of ``role.name`` (an account
and custom roles the stack creates) pass in both modes; the same values computed from a Project the stack
creates (the default compute account, roles/editor) are undetermined at preview and fail at up.
`tests/programs/created-zones`: two Cloudflare zones created in the stack, so every record's zone id is
unknown at preview; records are judged per zone (their zoneId's dependency), so a compliant zone hides
none that lacks mail records; a zone that takes no mail (null MX, or SPF -all with DMARC reject) needs no
MX or DKIM.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO, mandatory_violations, report_sections, run_cli
from tests.example_runs import BOTH_MODES

PROGRAMS = REPO / "tests" / "programs"
POOL = ("gcp-container-nodepool-dedicated-service-account", "gcp:container/nodePool:NodePool", "shop-pool")
GRANT = ("gcp-iam-grant-no-basic-roles", "gcp:projects/iAMMember:IAMMember", "deployer-grant")
RECORD = "cloudflare:index/dnsRecord:DnsRecord"
ZONE_POLICIES = tuple(f"cloudflare-dns-zone-{rule}" for rule in ("mx", "spf", "dkim", "dmarc"))


def preview(program: str, stack: str, mode: list[str], *extra: str) -> subprocess.CompletedProcess[str]:
    return run_cli("preview", "--program", str(PROGRAMS / program), "--stack", stack, *mode, *extra)


@BOTH_MODES
def test_an_account_and_custom_roles_the_stack_creates_pass(mode: list[str]) -> None:
    result = preview("origins-gke", "prod", mode)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not mandatory_violations(result.stdout)


def test_values_computed_from_a_project_are_undetermined_at_preview_and_block() -> None:
    result = preview("origins-gke", "project-origin", ["--mode", "preview"])
    assert result.returncode == 1, result.stdout + result.stderr
    assert mandatory_violations(result.stdout) == {POOL, GRANT}
    mandatory, _ = report_sections(result.stdout)
    assert mandatory.count("status: undetermined (mandatory") == 2, mandatory
    assert "Undetermined: nodeConfig.serviceAccount is computed from gcp:organizations/project:Project 'host'" in (
        mandatory
    )
    assert "Undetermined: role is computed from gcp:organizations/project:Project 'host'" in mandatory
    assert "2 blocking: 0 failed, 2 undetermined" in result.stdout


def test_the_same_values_fail_at_up() -> None:
    result = preview("origins-gke", "project-origin", ["--mode", "up"])
    assert result.returncode == 1, result.stdout + result.stderr
    assert mandatory_violations(result.stdout) == {POOL, GRANT}
    assert "2 blocking: 2 failed, 0 undetermined" in result.stdout


@pytest.fixture
def advisory_at_preview(tmp_path: Path) -> Path:
    path = tmp_path / "policy-config.json"
    switch = {"undeterminedAtPreview": "advisory"}
    path.write_text(json.dumps({POOL[0]: switch, GRANT[0]: switch}), encoding="utf-8")
    return path


def test_a_team_can_make_undetermined_advisory_at_preview(advisory_at_preview: Path) -> None:
    result = preview(
        "origins-gke", "project-origin", ["--mode", "preview"], "--policy-config", str(advisory_at_preview)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    _, advisory = report_sections(result.stdout)
    assert advisory.count("status: undetermined (advisory") == 2, advisory


def test_the_switch_never_spares_an_update(advisory_at_preview: Path) -> None:
    result = preview("origins-gke", "project-origin", ["--mode", "up"], "--policy-config", str(advisory_at_preview))
    assert result.returncode == 1, result.stdout + result.stderr
    assert mandatory_violations(result.stdout) == {POOL, GRANT}


@BOTH_MODES
def test_a_created_zone_without_mail_records_is_not_hidden_by_a_compliant_one(mode: list[str]) -> None:
    result = preview("created-zones", "none", mode)
    assert result.returncode == 1, result.stdout + result.stderr
    assert mandatory_violations(result.stdout) == {(policy, RECORD, "blog-www") for policy in ZONE_POLICIES}


@BOTH_MODES
@pytest.mark.parametrize("second", ["complete", "null-mx", "no-senders"])
def test_complete_zones_and_zones_that_take_no_mail_pass(second: str, mode: list[str]) -> None:
    result = preview("created-zones", second, mode)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not mandatory_violations(result.stdout)
