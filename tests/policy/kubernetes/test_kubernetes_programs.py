"""Test programs of the forms real teams write (``tests/programs/``), previewed through the CLI with the real pack.

``kubernetes-alternatives`` meets the checklist in ways the pack once rejected: none of its resources may be
reported for the rule it meets another way, while its controls (breaks of the same rules) are.
``kubernetes-unseen-breaks`` breaks the checklist in ways the pack once did not see: each is reported.
"""

from __future__ import annotations

import subprocess

from tests.conftest import REPO, REPORTED_VIOLATION, report_sections, run_cli

PROGRAMS = REPO / "tests" / "programs"

# (policy, resource name) pairs that must not be reported, at any level.
MET_ANOTHER_WAY = [
    ("kubernetes-core-service-single-load-balancer", "admin-office-only"),
    ("kubernetes-core-service-single-load-balancer", "grpc-internal"),
    ("kubernetes-core-service-single-load-balancer", "legacy-internal"),
    *[
        (policy, "shop-inc")
        for policy in (
            "kubernetes-nginxinc-ingress-hsts",
            "kubernetes-nginxinc-ingress-https-redirect",
            "kubernetes-nginxinc-ingress-rate-limit",
            # NGINX Inc's limits are not ingress-nginx's annotations: its rules do not apply.
            "kubernetes-networking-ingress-rate-limit",
            "kubernetes-networking-ingress-controller-judged",
        )
    ],
    ("kubernetes-nginxinc-ingress-hsts", "nginx-inc"),
    ("kubernetes-nginxinc-controller-security-headers", "nginx-inc"),
    *[
        (policy, "blog-gke")
        for policy in (
            "kubernetes-gke-ingress-https-redirect",
            "kubernetes-gke-ingress-hsts",
            "kubernetes-gke-ingress-security-headers",
            "kubernetes-gke-ingress-rate-limit",
            "kubernetes-networking-ingress-controller-judged",
        )
    ],
]
# Controls of the same program: breaks that must be reported, so the rules above are seen to run.
CONTROLS = [("kubernetes-core-service-single-load-balancer", "world-open")]


def preview_program(name: str) -> subprocess.CompletedProcess[str]:
    """``preview`` of ``tests/programs/<name>`` on its dev stack, with its ``policy-config.json`` if it has one."""
    program = PROGRAMS / name
    config = program / "policy-config.json"
    extra = ["--policy-config", str(config)] if config.exists() else []
    return run_cli("preview", "--program", str(program), "--stack", "dev", "--mode", "preview", *extra)


def reported(stdout: str) -> set[tuple[str, str]]:
    """(policy, resource name) of every violation the text report lists."""
    return {(m["policy"], m["urn"].rsplit("::", 1)[1]) for m in REPORTED_VIOLATION.finditer(stdout)}


def test_alternatives_the_checklist_allows_are_not_reported() -> None:
    result = preview_program("kubernetes-alternatives")
    assert result.returncode in (0, 1), result.stdout + result.stderr
    for _policy, name in MET_ANOTHER_WAY:
        assert f" {name}" in result.stdout, name  # the resource was registered and judged
    assert not reported(result.stdout) & set(MET_ANOTHER_WAY), result.stdout
    assert set(CONTROLS) <= reported(result.stdout), result.stdout


# (policy, resource name, level) the unseen-breaks program must be reported for.
UNSEEN_BREAKS = [
    ("kubernetes-apps-redis-persistence", "sessions", "advisory"),
    ("kubernetes-apps-redis-auth", "sessions", "advisory"),
    ("kubernetes-apps-postgres-auth", "orders-db", "advisory"),
    ("kubernetes-apps-postgres-backup", "orders-db", "advisory"),
    ("kubernetes-helm-release-cert-manager-crds", "cert-manager", "advisory"),
    ("kubernetes-nginxinc-ingress-hsts", "nginx-inc", "mandatory"),
    ("kubernetes-nginxinc-controller-security-headers", "nginx-inc", "mandatory"),
    ("kubernetes-nginxinc-ingress-https-redirect", "store", "mandatory"),
    ("kubernetes-nginxinc-ingress-rate-limit", "store", "mandatory"),
    ("kubernetes-gke-ingress-https-redirect", "docs", "advisory"),
    ("kubernetes-gke-ingress-hsts", "docs", "advisory"),
    ("kubernetes-gke-ingress-security-headers", "docs", "advisory"),
    ("kubernetes-gke-ingress-rate-limit", "docs", "advisory"),
    ("kubernetes-networking-ingress-controller-judged", "status", "advisory"),
]


def test_breaks_that_once_passed_unseen_are_reported_at_their_level() -> None:
    result = preview_program("kubernetes-unseen-breaks")
    assert result.returncode in (0, 1), result.stdout + result.stderr
    mandatory, advisory = report_sections(result.stdout)
    found = {"mandatory": reported(mandatory), "advisory": reported(advisory)}
    missing = [(policy, name, level) for policy, name, level in UNSEEN_BREAKS if (policy, name) not in found[level]]
    assert missing == [], result.stdout
    # NGINX Inc's Ingress is judged by its own rules, not ingress-nginx's; a judged controller is not named.
    assert ("kubernetes-networking-ingress-rate-limit", "store") not in found["mandatory"], result.stdout
    assert ("kubernetes-networking-ingress-controller-judged", "docs") not in found["advisory"], result.stdout
    # The Postgres StatefulSet mounts its claim: persistence is not reported for it.
    assert ("kubernetes-apps-postgres-persistence", "orders-db") not in found["advisory"], result.stdout
