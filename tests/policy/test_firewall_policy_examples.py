"""Firewall rules written as firewall policy rules (`examples/noncompliant-firewall-policies`), judged by the real
pack through `agencyos-infra preview`: the open rules are rejected by name, the safe ones beside them are not."""

from __future__ import annotations

from tests.conftest import EXAMPLES, REPORTED_VIOLATION, run_cli

ADMIN, DATA, ALL, WEB_ONLY = (
    "gcp-compute-firewall-no-public-admin-ports",
    "gcp-compute-firewall-no-public-data-ports",
    "gcp-compute-firewall-no-public-all-ports",
    "gcp-compute-firewall-public-web-ports-only",
)
# (policy, resource name) of every violation the program must get, and nothing else.
EXPECTED = {
    (ADMIN, "ssh-anywhere"),
    (WEB_ONLY, "ssh-anywhere"),
    (DATA, "mysql-anywhere"),
    (WEB_ONLY, "mysql-anywhere"),
    (ADMIN, "everything-v6"),
    (DATA, "everything-v6"),
    (ALL, "everything-v6"),
    (WEB_ONLY, "everything-v6"),
    (DATA, "inline"),
    (WEB_ONLY, "inline"),
}


def test_open_firewall_policy_rules_are_rejected_and_safe_ones_pass() -> None:
    result = run_cli("preview", "--program", str(EXAMPLES / "noncompliant-firewall-policies"), "--stack", "dev")
    assert result.returncode == 1, result.stdout + result.stderr
    reported = {(m["policy"], m["urn"].rsplit("::", 1)[1]) for m in REPORTED_VIOLATION.finditer(result.stdout)}
    assert reported == EXPECTED, result.stdout
    # The inline rule is named by its place in the policy.
    assert "rules[1].match.layer4Configs must not open Redis (port 6379)" in result.stdout
    assert "Advisory violations: 0" in result.stdout
