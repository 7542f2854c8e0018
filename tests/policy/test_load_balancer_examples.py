"""Google Cloud load balancers written with pulumi_gcp directly (`examples/noncompliant-load-balancers`), judged by
the real pack through `agencyos-infra preview`: the HTTP-only one is rejected, the HTTPS one with an HTTP-to-HTTPS
redirect beside it on the same address is not."""

from __future__ import annotations

from tests.conftest import EXAMPLES, REPORTED_VIOLATION, run_cli

REDIRECT, HTTPS_ONLY = "gcp-compute-urlmap-https-redirect", "gcp-compute-forwardingrule-https-only"


def test_the_http_only_load_balancer_is_rejected_and_the_redirecting_one_passes() -> None:
    result = run_cli("preview", "--program", str(EXAMPLES / "noncompliant-load-balancers"), "--stack", "dev")
    assert result.returncode == 1, result.stdout + result.stderr
    reported = {(m["policy"], m["urn"].rsplit("::", 1)[1]) for m in REPORTED_VIOLATION.finditer(result.stdout)}
    assert reported == {(REDIRECT, "docs"), (HTTPS_ONLY, "docs")}, result.stdout
    for name in ("shop-redirect", "shop-http", "shop-https"):
        assert f" {name}\n" in result.stdout, name  # registered, judged, and not reported
