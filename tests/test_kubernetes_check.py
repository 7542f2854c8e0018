"""The Kubernetes provider's Check, offline: objects are validated against the API server's schema."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from agencyos_infra.engine import run_program
from agencyos_infra.kubernetes_check import KubernetesCheckError, check, covered, is_kubernetes_object
from agencyos_infra.wire import UNKNOWN
from tests.conftest import run_cli

DEPLOYMENT = {
    "metadata": {"name": "web"},
    "spec": {
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27", "imagePullPolicy": "IfNotPresent"}]},
        },
    },
}
DEPLOYMENT_TYPE = "kubernetes:apps/v1:Deployment"


def test_a_valid_object_passes_and_a_misspelled_field_fails_naming_it() -> None:
    check(DEPLOYMENT_TYPE, "web", DEPLOYMENT, "1.31")
    misspelled = {**DEPLOYMENT, "spec": {**DEPLOYMENT["spec"], "replica": 2}}
    with pytest.raises(KubernetesCheckError, match=r"'web': spec: .*'replica' was unexpected.*Kubernetes 1\.31"):
        check(DEPLOYMENT_TYPE, "web", misspelled, "1.31")


def test_a_wrong_type_fails() -> None:
    wrong = {**DEPLOYMENT, "spec": {**DEPLOYMENT["spec"], "replicas": "two"}}
    with pytest.raises(KubernetesCheckError, match=r"spec.replicas: 'two' is not of type"):
        check(DEPLOYMENT_TYPE, "web", wrong, "1.31")


def test_unknown_values_are_not_checked() -> None:
    spec = {**DEPLOYMENT["spec"], "replicas": UNKNOWN}
    check(DEPLOYMENT_TYPE, "web", {**DEPLOYMENT, "spec": spec}, "1.31")


def test_core_group_and_kinds_without_schemas() -> None:
    check("kubernetes:core/v1:ConfigMap", "env", {"data": {"LOG_LEVEL": "INFO"}}, "1.31")
    with pytest.raises(KubernetesCheckError, match="'dataa' was unexpected"):
        check("kubernetes:core/v1:ConfigMap", "env", {"dataa": {}}, "1.31")
    # A custom resource of a CRD: no schema offline, as for a provider without the CRD.
    check("kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass", "spc", {"spec": {"x": 1}}, "1.31")
    assert not is_kubernetes_object("kubernetes:helm.sh/v3:Release")
    assert not is_kubernetes_object("kubernetes:apps/v1:DeploymentPatch")  # partial by design
    assert not is_kubernetes_object("pulumi:providers:kubernetes")


@pytest.mark.parametrize("version", ["0.9", "9.99", "latest", ""])
def test_an_uncovered_version_is_a_clear_error(version: str) -> None:
    with pytest.raises(KubernetesCheckError, match="--kubernetes-version"):
        covered(version)
    assert covered("v1.31.2-gke.1000") == "1.31"


def _program(tmp_path: Path, body: str) -> Path:
    (tmp_path / "Pulumi.yaml").write_text("name: k8s-probe\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  gcp:project: p\n  gcp:region: europe-west1\n")
    (tmp_path / "__main__.py").write_text(textwrap.dedent(body))
    return tmp_path


def test_a_program_with_a_rejected_object_is_exit_2(tmp_path: Path) -> None:
    program = _program(
        tmp_path,
        """
        import pulumi_kubernetes as k8s
        k8s.apps.v1.Deployment("web", spec={"selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                         "spec": {"containers": [{"name": "web", "image": "nginx:1.27", "imagePullPolicyy": "x"}]}}})
        """,
    )
    result = run_cli("preview", "--program", str(program), "--stack", "dev")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "spec.template.spec.containers[0]" in result.stderr and "'imagePullPolicyy' was unexpected" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_version_comes_from_the_programs_gke_cluster(tmp_path: Path) -> None:
    # A container's resizePolicy exists from 1.27 on: the 1.25 schema rejects it.
    program = _program(
        tmp_path,
        """
        import pulumi_gcp as gcp, pulumi_kubernetes as k8s
        gcp.container.Cluster("gke", location="europe-west1", min_master_version="1.25")
        k8s.apps.v1.Deployment("web", spec={"selector": {"matchLabels": {"a": "b"}},
            "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "image": "i:1",
                "resizePolicy": [{"resourceName": "cpu", "restartPolicy": "NotRequired"}]}]}}})
        """,
    )
    run = run_program(isolated=False, program_dir=program, project="k8s-probe", stack="dev", config={})
    assert run.error is not None and "Kubernetes 1.25" in run.error, run.error
    assert (
        run_program(
            isolated=False, program_dir=program, project="k8s-probe", stack="dev", config={}, kubernetes_version="1.31"
        ).error
        is None
    )


def test_an_object_registered_before_the_cluster_is_checked_against_the_clusters_version(tmp_path: Path) -> None:
    # Registrations run concurrently: the verdict must not depend on which one the engine sees first.
    program = _program(
        tmp_path,
        """
        import pulumi_gcp as gcp, pulumi_kubernetes as k8s
        k8s.apps.v1.Deployment("web", spec={"selector": {"matchLabels": {"a": "b"}},
            "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "image": "i:1",
                "resizePolicy": [{"resourceName": "cpu", "restartPolicy": "NotRequired"}]}]}}})
        gcp.container.Cluster("gke", location="europe-west1", min_master_version="1.25")
        """,
    )
    run = run_program(isolated=False, program_dir=program, project="k8s-probe", stack="dev", config={})
    assert run.error is not None and "Kubernetes 1.25" in run.error, run.error


def test_a_required_field_that_is_unknown_at_preview_is_not_missing() -> None:
    policy = {"spec": {"podSelector": {}, "egress": [{"to": [{"ipBlock": {"cidr": UNKNOWN}}]}]}}
    check("kubernetes:networking.k8s.io/v1:NetworkPolicy", "data", policy, "1.31")
    with pytest.raises(KubernetesCheckError, match=r"ipBlock: 'cidr' is a required property"):
        check(
            "kubernetes:networking.k8s.io/v1:NetworkPolicy",
            "data",
            {"spec": {"podSelector": {}, "egress": [{"to": [{"ipBlock": {}}]}]}},
            "1.31",
        )
