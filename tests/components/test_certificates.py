"""The Certificates component in the prod stack: cert-manager pinned by Helm with its CRDs, the two issuers, DNS-01."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from agencyos_checklist.deviations import DEVIATIONS
from agencyos_checklist.numbers import (
    ACME_HTTP01_INGRESS_CLASS,
    ACME_PRODUCTION_SERVER,
    CERT_MANAGER_VERSION,
    CLUSTER_ISSUER,
)
from pydantic import ValidationError

from agencyos_infra.engine import CapturedResource, ProgramRun, run_program
from agencyos_infra.stackconfig import load_stack_config
from components.certificates import (
    CHART_REPOSITORY,
    CHART_VERSION,
    LETSENCRYPT_STAGING_SERVER,
    CertificatesArgs,
    CertificatesSpec,
    Solver,
)
from stacks.settings import NAMESPACE, SettingsError, settings_from_config
from tests.conftest import REPO

COMPONENT = "agencyos:tls:Certificates"
RELEASE = "kubernetes:helm.sh/v3:Release"
ISSUER = "kubernetes:cert-manager.io/v1:ClusterIssuer"
K8S_NAMESPACE = "kubernetes:core/v1:Namespace"
SECRET = "kubernetes:core/v1:Secret"
PROVIDER = "pulumi:providers:kubernetes"
TOKEN = "placeholder-cloudflare-token"
VALID = {
    "gcp:project": "agencyos-prod",
    "gcp:region": "us-central1",
    f"{NAMESPACE}:environment": "production",
    f"{NAMESPACE}:namePrefix": "agencyos-prod",
}
DNS01 = {f"{NAMESPACE}:certificates": json.dumps({"solver": "dns01-cloudflare", "dnsZones": ["agencyos.example"]})}


def _run(overrides: dict[str, str] | None = None, *, secret: bool = True, preview: bool = False) -> ProgramRun:
    loaded = load_stack_config(REPO, "prod")
    token_key = f"{NAMESPACE}:cloudflareApiToken"
    secret_keys = [*loaded.secret_keys, *([token_key] if secret and overrides else [])]
    return run_program(
        isolated=False,
        program_dir=loaded.program_dir,
        project=loaded.project,
        stack="prod",
        config={**loaded.config, **(overrides or {})},
        secret_keys=secret_keys,
        preview=preview,
    )


@pytest.fixture(scope="module")
def prod() -> ProgramRun:
    run = _run()
    assert run.error is None, run.error
    return run


@pytest.fixture(scope="module")
def dns01() -> ProgramRun:
    run = _run({**DNS01, f"{NAMESPACE}:cloudflareApiToken": TOKEN})
    assert run.error is None, run.error
    return run


def _mine(run: ProgramRun, type_: str) -> list[CapturedResource]:
    """Resources of a type this component made (other components may install Helm charts or Secrets too)."""
    [component] = run.of_type(COMPONENT)
    return [r for r in run.of_type(type_) if r.parent == component.urn]


def _one(run: ProgramRun, type_: str) -> CapturedResource:
    [resource] = _mine(run, type_)
    return resource


def _issuers(run: ProgramRun) -> dict[str, dict[str, Any]]:
    return {r.inputs.plain["metadata"]["name"]: r.inputs.plain for r in _mine(run, ISSUER)}


def test_cert_manager_is_a_pinned_helm_release_with_its_crds(prod: ProgramRun) -> None:
    release = _one(prod, RELEASE).inputs.plain
    assert release["chart"] == "cert-manager" and release["repositoryOpts"] == {"repo": CHART_REPOSITORY}
    assert release["version"] == CHART_VERSION and re.fullmatch(r"v[0-9]+\.[0-9]+\.[0-9]+", CHART_VERSION)
    assert release["values"]["crds"] == {"enabled": True, "keep": True}
    assert release["namespace"] == "cert-manager" and release.get("createNamespace") is not True


def test_the_pinned_release_is_newer_than_the_checklists_and_the_deviation_is_recorded() -> None:
    def parts(version: str) -> tuple[int, ...]:
        return tuple(int(n) for n in version.lstrip("v").split("."))

    assert parts(CHART_VERSION) > parts(CERT_MANAGER_VERSION.value)
    [deviation] = [d for d in DEVIATIONS if d.item == CERT_MANAGER_VERSION.item]
    assert CERT_MANAGER_VERSION.value in deviation.quote and "end of life" in deviation.reason


def test_cert_manager_has_its_own_restricted_namespace(prod: ProgramRun) -> None:
    [namespace] = [n for n in prod.of_type(K8S_NAMESPACE) if n.inputs.plain["metadata"]["name"] == "cert-manager"]
    labels = namespace.inputs.plain["metadata"]["labels"]
    assert {labels[f"pod-security.kubernetes.io/{mode}"] for mode in ("enforce", "audit", "warn")} == {"restricted"}
    assert labels["environment"] == "production" and labels["managed-by"] == "pulumi"


def test_production_and_staging_issuers_on_lets_encrypt(prod: ProgramRun) -> None:
    issuers = _issuers(prod)
    assert set(issuers) == {CLUSTER_ISSUER.value, "letsencrypt-staging"}
    servers = {name: issuer["spec"]["acme"]["server"] for name, issuer in issuers.items()}
    assert servers == {
        CLUSTER_ISSUER.value: ACME_PRODUCTION_SERVER.value,
        "letsencrypt-staging": LETSENCRYPT_STAGING_SERVER,
    }
    for name, issuer in issuers.items():
        assert issuer["apiVersion"] == "cert-manager.io/v1" and issuer["kind"] == "ClusterIssuer"
        acme = issuer["spec"]["acme"]
        assert acme["email"] == "admin@agencyos.example"  # the stack file's placeholder
        assert acme["privateKeySecretRef"] == {"name": name}
        assert acme["solvers"] == [{"http01": {"ingress": {"ingressClassName": ACME_HTTP01_INGRESS_CLASS.value}}}]


def test_issuers_wait_for_the_release_and_everything_is_on_the_clusters_provider(prod: ProgramRun) -> None:
    [component] = prod.of_type(COMPONENT)
    release = _one(prod, RELEASE)
    [provider] = prod.of_type(PROVIDER)
    for issuer in _mine(prod, ISSUER):
        assert release.urn in issuer.dependencies, issuer.urn
    children = [r for r in prod.resources if r.parent == component.urn]
    assert len(children) == 4  # namespace, release, two issuers
    for child in children:
        assert child.provider_urn == provider.urn and child.name.startswith("certificates-"), child.urn
    assert prod.stack_outputs.plain["clusterIssuer"] == CLUSTER_ISSUER.value


CONTRACT_PROGRAM = """
import pulumi
from components.certificates import Certificates, CertificatesArgs

certificates = Certificates("certificates", CertificatesArgs(labels={"environment": "staging"}))
assert isinstance(certificates.cluster_issuer, str) and isinstance(certificates.staging_issuer, str)
assert isinstance(certificates.ready, pulumi.CustomResource)
pulumi.export("clusterIssuer", certificates.cluster_issuer)
pulumi.export("stagingIssuer", certificates.staging_issuer)
pulumi.export("ready", certificates.ready.urn)
"""


def test_the_contract_for_the_ingresses(tmp_path: Path) -> None:
    """Certificates.cluster_issuer, staging_issuer (plain strings) and ready (the production issuer)."""
    (tmp_path / "Pulumi.yaml").write_text("name: contract\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(CONTRACT_PROGRAM)
    run = run_program(isolated=False, program_dir=tmp_path, project="contract", stack="dev", config={}, preview=False)
    assert run.error is None, run.error
    outputs = run.stack_outputs.plain
    assert (outputs["clusterIssuer"], outputs["stagingIssuer"]) == (CLUSTER_ISSUER.value, "letsencrypt-staging")
    [production] = [r for r in run.of_type(ISSUER) if r.inputs.plain["metadata"]["name"] == CLUSTER_ISSUER.value]
    assert outputs["ready"] == production.urn
    # Without an email in settings the issuers carry no contact (Let's Encrypt accepts that).
    assert "email" not in production.inputs.plain["spec"]["acme"]


def test_dns01_creates_the_token_secret_and_keeps_it_secret(dns01: ProgramRun) -> None:
    secret = _one(dns01, SECRET)
    assert secret.inputs.plain["metadata"]["name"] == "cloudflare-api-token"
    assert secret.inputs.plain["metadata"]["namespace"] == "cert-manager"
    assert "stringData" in secret.inputs.secret_paths or "stringData.api-token" in secret.inputs.secret_paths
    assert {"data", "stringData"} <= set(secret.additional_secret_outputs)
    for issuer in _issuers(dns01).values():
        [solver] = issuer["spec"]["acme"]["solvers"]
        assert solver == {
            "dns01": {"cloudflare": {"apiTokenSecretRef": {"name": "cloudflare-api-token", "key": "api-token"}}},
            "selector": {"dnsZones": ["agencyos.example"]},
        }
    for issuer in _mine(dns01, ISSUER):
        assert secret.urn in issuer.dependencies
    assert TOKEN not in json.dumps(dns01.stack_outputs.plain)


def test_dns01_token_must_be_a_secret() -> None:
    run = _run({**DNS01, f"{NAMESPACE}:cloudflareApiToken": TOKEN}, secret=False)
    assert run.error is not None and "must be a secret" in str(run.error)


def test_http01_reads_no_token_and_dns01_requires_one() -> None:
    with pytest.raises(
        SettingsError, match=r"cloudflare_?[aA]pi_?[tT]oken \(string\): required with certificates.solver"
    ):
        settings_from_config({**VALID, **DNS01})
    with pytest.raises(SettingsError, match=r"cloudflareApiToken \(string\): only used with"):
        settings_from_config({**VALID, f"{NAMESPACE}:cloudflareApiToken": TOKEN})
    assert settings_from_config(VALID).certificates.solver is Solver.HTTP01


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"chartVersion": "^1.16"}, "should match pattern"),
        ({"chartVersion": "latest"}, "should match pattern"),
        ({"acmeEmail": "not-an-address"}, "should match pattern"),
        ({"clusterIssuer": "letsencrypt-staging"}, "must differ"),
        ({"dnsZones": ["agencyos.example"]}, "only used with solver dns01-cloudflare"),
        ({"solver": "tls-alpn"}, "'http01' or 'dns01-cloudflare'"),
        ({"issuer": "x"}, "unknown key"),
    ],
)
def test_invalid_settings_are_refused(override: dict[str, Any], expected: str) -> None:
    with pytest.raises(SettingsError) as error:
        settings_from_config({**VALID, f"{NAMESPACE}:certificates": json.dumps(override)})
    assert expected in str(error.value) and f"{NAMESPACE}:certificates" in str(error.value)


def test_args_refuse_a_token_without_dns01_and_dns01_without_a_token() -> None:
    with pytest.raises(ValueError, match="required with the dns01-cloudflare solver"):
        CertificatesArgs(labels={}, spec=CertificatesSpec(solver=Solver.DNS01_CLOUDFLARE))
    with pytest.raises(ValueError, match="only used with the dns01-cloudflare solver"):
        CertificatesArgs(labels={}, cloudflare_api_token="x")
    with pytest.raises(ValidationError):
        CertificatesSpec(chart_version="1.x")  # type: ignore[call-arg]
