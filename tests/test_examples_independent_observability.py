"""End to end: monitoring programs written independently of this repository's components, judged by the pack.

Each program was written from the checklist and the provider docs, in the styles other teams use:

- `independent-observability-cloud-monitoring`: Cloud Monitoring and Cloud Logging only, typed *Args, ratios by
  denominator filters, a log-based webhook metric, sink destinations computed from other resources' outputs;
- `independent-observability-cloud-promql`: the six as Cloud Monitoring PromQL conditions on its own metrics;
- `independent-observability-prometheus`: kube-prometheus-stack rules in Helm values and a ConfigGroup's YAML
  text, recording rules, `>=`, a stricter `for`;
- `independent-observability-no-alerting`: metrics and logs, no alerting, so never judged on alerts;
- `independent-observability-uptime-only`: uptime checks and their alerts alone, judged on uptime only;
- `independent-observability-variants`: one program whose stack files pick a variant: the baseline (`dev`) and
  stricter settings pass, each broken variant fails exactly the policies of the rule it breaks, and each value a
  mandatory rule depends on that is computed at preview fails the preview.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import EXAMPLES, mandatory_violations, report_sections
from tests.example_runs import BOTH_MODES, assert_passes, assert_rejected, preview_example

VARIANTS = "independent-observability-variants"
RULE = ("kubernetes:monitoring.coreos.com/v1:PrometheusRule", "ledger-alerts")
DB_ALERT = ("gcp:monitoring/alertPolicy:AlertPolicy", "db-connections")
CHECK = ("gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig", "ledger-health")
AUDIT_BUCKET = ("gcp:logging/projectBucketConfig:ProjectBucketConfig", "audit-logs")
RETENTION = "gcp-logging-stack-log-retention"
HEALTH = "gcp-monitoring-uptimecheck-health"
PER_HOST = "observability-stack-uptime-check-per-host"
STACK_LEVEL = re.compile(r"^\s+\[(?P<policy>[a-z0-9-]+)\] \(\w+\) \(stack\)$", re.MULTILINE)

# Stack -> the (policy, type, name) of each mandatory violation it must have, in both modes; ("policy", "", "")
# stands for a stack-level violation.
BROKEN = {
    "missing-rule": {("observability-stack-alert-memory-usage", "", "")},
    "looser-threshold": {("observability-stack-alert-cpu-usage", *RULE)},
    "longer-for": {("observability-stack-alert-p95-latency", *RULE)},
    "less-than": {("observability-stack-alert-error-rate", *RULE)},
    "uptime-root": {(HEALTH, *CHECK), (PER_HOST, *CHECK)},
    "uptime-600s": {(HEALTH, *CHECK), (PER_HOST, *CHECK)},
    "audit-7-days": {(RETENTION, *AUDIT_BUCKET), (RETENTION, "", "")},
    "audit-unlocked": {("gcp-logging-bucket-audit-locked", *AUDIT_BUCKET)},
    "no-channels": {("gcp-monitoring-alertpolicy-notification-channels", *DB_ALERT)},
    "slow-evaluation": {("observability-stack-alert-error-rate", *RULE)},
}
# Computed from another resource's output: unknown at preview (which must fail), the compliant value at up.
UNKNOWN_AT_PREVIEW = {
    "unknown-threshold": {("observability-stack-alert-database-connections", *DB_ALERT)},
    "unknown-for": {("observability-stack-alert-cpu-usage", *RULE)},
    "unknown-retention": {(RETENTION, *AUDIT_BUCKET), (RETENTION, "", "")},
    "unknown-locked": {("gcp-logging-bucket-audit-locked", *AUDIT_BUCKET)},
    "unknown-period": {(HEALTH, *CHECK), (PER_HOST, *CHECK)},
}


def violations(stdout: str) -> set[tuple[str, str, str]]:
    """Mandatory violations as (policy, type, name), stack-level ones as (policy, "", "")."""
    stack_level = STACK_LEVEL.findall(report_sections(stdout)[0])
    return mandatory_violations(stdout) | {(policy, "", "") for policy in stack_level}


def test_every_variant_has_its_stack_file() -> None:
    stacks = {p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in (EXAMPLES / VARIANTS).glob("Pulumi.*.yaml")}
    expected = {"dev", "stricter", "default-retention", "default-period", *BROKEN, *UNKNOWN_AT_PREVIEW}
    assert stacks == expected


@BOTH_MODES
@pytest.mark.parametrize(
    "program",
    [
        "independent-observability-cloud-monitoring",
        "independent-observability-prometheus",
        "independent-observability-no-alerting",
        "independent-observability-uptime-only",
        "independent-observability-cloud-promql",
    ],
)
def test_an_independent_compliant_program_passes(program: str, mode: list[str]) -> None:
    result = preview_example(program, "dev", mode)
    assert_passes(result)
    assert "Advisory violations: 0" in result.stdout, result.stdout


@BOTH_MODES
@pytest.mark.parametrize("stack", ["dev", "stricter"])
def test_the_baseline_and_a_stricter_setup_pass(stack: str, mode: list[str]) -> None:
    assert_passes(preview_example(VARIANTS, stack, mode))


@pytest.mark.parametrize("stack", ["default-retention", "default-period"])
@pytest.mark.parametrize(
    "mode",
    # In up mode too: the mock leaves an unset scalar input absent, as the provider's default it stands for.
    [["--mode", "up"], ["--mode", "preview"]],
    ids=["up", "preview"],
)
def test_an_absent_property_is_the_providers_default(stack: str, mode: list[str]) -> None:
    assert_passes(preview_example(VARIANTS, stack, mode))


@BOTH_MODES
@pytest.mark.parametrize("stack", sorted(BROKEN))
def test_each_broken_variant_fails_exactly_its_policies(stack: str, mode: list[str]) -> None:
    result = preview_example(VARIANTS, stack, mode)
    assert_rejected(result)
    assert violations(result.stdout) == BROKEN[stack], result.stdout


@pytest.mark.parametrize("stack", sorted(UNKNOWN_AT_PREVIEW))
def test_a_value_unknown_at_preview_fails_the_mandatory_rule_it_decides(stack: str) -> None:
    preview = preview_example(VARIANTS, stack, ["--mode", "preview"])
    assert_rejected(preview)
    assert violations(preview.stdout) == UNKNOWN_AT_PREVIEW[stack], preview.stdout
    assert "unknown" in preview.stdout.partition("Advisory violations")[0]
    # Decided as a mandatory violation, never the SDK's advisory "can't run policy during preview".
    assert "Advisory violations: 0" in preview.stdout, preview.stdout
    # The same program with the value known passes: the preview failed on the unknown, not on the value.
    assert_passes(preview_example(VARIANTS, stack, ["--mode", "up"]))
