"""Credentials in Cloud Run and Cloud Functions environments (`examples/noncompliant-serverless`), judged by the real
pack through `agencyos-infra preview`: plain credentials are rejected, Secret Manager references are not."""

from __future__ import annotations

from tests.conftest import EXAMPLES, REPORTED_VIOLATION, run_cli

RUN, FUNCTIONS = "gcp-cloudrun-container-no-credentials", "gcp-cloudfunctions-function-no-credentials"


def test_plain_credentials_are_rejected_and_secret_references_pass() -> None:
    result = run_cli("preview", "--program", str(EXAMPLES / "noncompliant-serverless"), "--stack", "dev")
    assert result.returncode == 1, result.stdout + result.stderr
    reported = {(m["policy"], m["urn"].rsplit("::", 1)[1]) for m in REPORTED_VIOLATION.finditer(result.stdout)}
    assert {r for r in reported if r[0] in (RUN, FUNCTIONS)} == {
        (RUN, "checkout-canary"),
        (RUN, "checkout-legacy"),
        (RUN, "reconcile"),
        (FUNCTIONS, "stripe-webhook-v1"),
    }, result.stdout
    for name in ("checkout", "stripe-webhook"):
        assert f" {name}\n" in result.stdout, name  # registered and judged, and not reported above
    assert "sk_live_Qz4" not in result.stdout  # messages name the variable, never the value
