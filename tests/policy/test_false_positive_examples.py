"""A team's valid alternatives the pack once rejected (`examples/policy-false-positives`): each resource is
judged, and none is reported for the rule it meets another way."""

from __future__ import annotations

from tests.conftest import REPORTED_VIOLATION
from tests.example_runs import preview_example

# (policy, resource name) pairs that must not be reported, at any level.
MET_ANOTHER_WAY = [
    ("gcp-cloudsql-instance-deletion-protection", "api-protected"),
    ("gcp-cloudsql-instance-deletion-protection", "pulumi-flag-only"),
    ("kubernetes-apps-deployment-probes", "cache"),
    ("kubernetes-apps-deployment-run-as-non-root", "cache"),
    ("kubernetes-apps-deployment-pinned-image", "cache"),
]


def test_alternatives_the_checklist_allows_are_not_reported() -> None:
    result = preview_example("policy-false-positives", "dev", ["--mode", "preview"])
    assert result.returncode in (0, 1), result.stdout + result.stderr
    reported = {(m["policy"], m["urn"].rsplit("::", 1)[1]) for m in REPORTED_VIOLATION.finditer(result.stdout)}
    for name in ("api-protected", "pulumi-flag-only", "cache"):
        assert f" {name}" in result.stdout, name  # the resource was registered and judged
    assert not reported & set(MET_ANOTHER_WAY), result.stdout
    # The escalation advice is still given, as advice.
    assert ("kubernetes-apps-deployment-no-privilege-escalation", "cache") in reported, result.stdout
