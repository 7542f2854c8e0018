"""Packaged manifests are expanded as pulumi-kubernetes expands them, so the pack judges every object inside.

The programs under tests/programs/manifests-*/ are written the way teams deploy manifests they keep as files.
One run of each shape goes through the console entry point with the policy pack; the rest run the program
in its own process as the CLI does (in this interpreter, a chart's run was seen to depend on what earlier
programs left imported), and a few in-process checks of one object use ``isolated=False``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from agencyos_infra import manifests
from agencyos_infra.engine import ProgramRun, run_program
from tests.conftest import run_cli

PROGRAMS = Path(__file__).resolve().parent / "programs"
YAML_V1 = PROGRAMS / "manifests-yaml-v1"
PINNED_IMAGE = "kubernetes-apps-deployment-pinned-image"


def _run(program: Path, *, preview: bool = True) -> ProgramRun:
    run = run_program(program, project=program.name, stack="dev", config={}, preview=preview)
    assert run.error is None, run.error
    return run


def _by_name(run: ProgramRun) -> dict[str, Any]:
    return {resource.name: resource for resource in run.resources}


def _preview_json(program: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    result = run_cli("preview", "--program", str(program), "--stack", "dev", "--format", "json")
    assert result.returncode in (0, 1), result.stderr
    return result, json.loads(result.stdout)


def _mandatory(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(v["policy"], v["urn"]) for v in report["violations"] if v["enforcementLevel"] == "mandatory"]


def _copy(program: Path, tmp_path: Path) -> Path:
    target = tmp_path / program.name
    shutil.copytree(program, target)
    return target


# --- v1: the SDK decodes through kubernetes:yaml:decode and registers each object ---------------------------


def test_v1_config_file_registers_every_document_as_a_child_with_the_sdk_names() -> None:
    run = _run(YAML_V1)
    resources = _by_name(run)
    app = resources["app"]
    assert app.type == "kubernetes:yaml:ConfigFile"
    deployments = run.of_type("kubernetes:apps/v1:Deployment")
    assert [d.name for d in deployments] == ["shop/web"]
    deployment = deployments[0]
    assert deployment.parent == app.urn, deployment.urn
    assert deployment.urn == (
        "urn:pulumi:dev::manifests-yaml-v1::kubernetes:yaml:ConfigFile$kubernetes:apps/v1:Deployment::shop/web"
    )
    container = deployment.inputs.plain["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "europe-west1-docker.pkg.dev/example-prod/shop/web:3.2.1"
    # The empty document between two separators is skipped; the cluster-scoped Namespace keeps its bare name.
    children = sorted((r.type, r.name) for r in run.resources if r.parent == app.urn)
    assert children == [
        ("kubernetes:apps/v1:Deployment", "shop/web"),
        ("kubernetes:core/v1:Namespace", "shop"),
        ("kubernetes:networking.k8s.io/v1:NetworkPolicy", "shop/default-deny"),
        ("kubernetes:policy/v1:PodDisruptionBudget", "shop/web"),
    ]


def test_v1_config_group_globs_lists_inline_yaml_prefix_and_transformations() -> None:
    run = _run(YAML_V1)
    resources = _by_name(run)
    group = resources["team-extra"]
    assert group.type == "kubernetes:yaml:ConfigGroup"
    # The glob's files, sorted, each a ConfigFile of the group; a v1/List stands for its items.
    files = [r.name for r in run.resources if r.type == "kubernetes:yaml:ConfigFile" and r.parent == group.urn]
    assert sorted(files) == ["team-manifests/extra/10-settings.yaml", "team-manifests/extra/20-certificate.yaml"]
    config_maps = sorted(r.name for r in run.of_type("kubernetes:core/v1:ConfigMap"))
    assert config_maps == ["team-shop/web-flags", "team-shop/web-settings"]
    # CRD-backed objects get their group's type token; the inline yaml's object is the group's own child.
    issuer = resources["team-letsencrypt-prod"]
    assert issuer.type == "kubernetes:cert-manager.io/v1:ClusterIssuer"
    assert resources["team-shop/shop-tls"].type == "kubernetes:cert-manager.io/v1:Certificate"
    managed = resources["team-shop/shop-cert"]
    assert managed.type == "kubernetes:networking.gke.io/v1:ManagedCertificate"
    assert managed.parent == group.urn
    # The team's transformation ran on every object of the group, before registration.
    for resource in (issuer, managed, *run.of_type("kubernetes:core/v1:ConfigMap")):
        assert resource.inputs.plain["metadata"]["labels"]["managed-by"] == "pulumi", resource.urn


def test_the_decode_invoke_skips_empty_documents_and_objects_without_kind() -> None:
    text = "---\n# only a comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nfoo: bar\n"
    assert manifests.answer_invoke(manifests.DECODE_INVOKE, {"text": text}, None) == [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}
    ]


def test_the_decode_invoke_uses_a_safe_loader() -> None:
    with pytest.raises(ValueError, match="not valid YAML"):
        manifests.decode("!!python/object/apply:os.system ['true']\n", "evil.yaml")


def test_a_broken_manifest_file_fails_the_program_naming_the_file(tmp_path: Path) -> None:
    program = _copy(YAML_V1, tmp_path)
    (program / "manifests" / "app.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [\n")
    run = run_program(program, project=program.name, stack="dev", config={}, isolated=False)
    assert run.error is not None
    assert "not valid YAML" in run.error


def test_v1_yaml_objects_are_judged_by_the_pack_through_the_cli(tmp_path: Path) -> None:
    compliant, report = _preview_json(YAML_V1)
    assert compliant.returncode == 0, _mandatory(report)
    assert "kubernetes:networking.gke.io/v1:ManagedCertificate" in {r["type"] for r in report["resources"]}

    program = _copy(YAML_V1, tmp_path)
    app = program / "manifests" / "app.yaml"
    app.write_text(app.read_text().replace("europe-west1-docker.pkg.dev/example-prod/shop/web:3.2.1", "nginx"))
    failing, report = _preview_json(program)
    assert failing.returncode == 1, failing.stderr
    deployment = "urn:pulumi:dev::manifests-yaml-v1::kubernetes:yaml:ConfigFile$kubernetes:apps/v1:Deployment::shop/web"
    assert (PINNED_IMAGE, deployment) in _mandatory(report)


# --- v2: provider components; the engine registers the children the provider would -------------------------

YAML_V2 = PROGRAMS / "manifests-yaml-v2"
V2_URN = "urn:pulumi:dev::manifests-yaml-v2::"


def test_v2_config_file_children_are_named_prefixed_parented_and_ordered_as_the_provider_does() -> None:
    run = _run(YAML_V2)
    by_urn = run.by_urn()
    app = by_urn[V2_URN + "kubernetes:yaml/v2:ConfigFile::app"]
    namespace = by_urn[V2_URN + "kubernetes:yaml/v2:ConfigFile$kubernetes:core/v1:Namespace::app:shop"]
    deployment = by_urn[V2_URN + "kubernetes:yaml/v2:ConfigFile$kubernetes:apps/v1:Deployment::app:shop/web"]
    assert namespace.parent == deployment.parent == app.urn
    assert namespace.custom and deployment.custom
    # An object depends on its Namespace in the same set, which is registered first.
    assert deployment.dependencies == [namespace.urn]
    assert namespace.dependencies == []
    assert run.resources.index(namespace) < run.resources.index(deployment)
    # The component's output lists its children; the program gets them as resources of their classes.
    assert namespace.urn in app.outputs.plain["resources"]
    assert run.stack_outputs.plain["app_kinds"] == ["Deployment", "Namespace", "NetworkPolicy", "PodDisruptionBudget"]
    assert deployment.provider_urn.endswith("pulumi:providers:kubernetes::default_4_34_2")


def test_v2_config_group_globs_strings_objects_prefix_transforms_and_secrets() -> None:
    run = _run(YAML_V2)
    by_urn = run.by_urn()
    group = by_urn[V2_URN + "kubernetes:yaml/v2:ConfigGroup::extra"]
    children = {r.name: r for r in run.resources if r.parent == group.urn}
    assert sorted(children) == [
        "team:letsencrypt-prod",
        "team:shop/shop-cert",
        "team:shop/shop-tls",
        "team:shop/web-api-token",
        "team:shop/web-flags",
        "team:shop/web-settings",
    ]
    assert children["team:shop/shop-cert"].type == "kubernetes:networking.gke.io/v1:ManagedCertificate"
    assert children["team:letsencrypt-prod"].type == "kubernetes:cert-manager.io/v1:ClusterIssuer"
    # The component's transforms reach the objects the provider registers.
    for child in children.values():
        assert child.inputs.plain["metadata"]["labels"]["managed-by"] == "pulumi", child.urn
    # A Secret's data is always secret, as the provider marks it.
    assert "stringData" in children["team:shop/web-api-token"].inputs.secret_paths
    # An explicit empty prefix: the object's own name.
    bare = by_urn[V2_URN + "kubernetes:yaml/v2:ConfigGroup$kubernetes:core/v1:ConfigMap::shop/bare-settings"]
    assert bare.parent == V2_URN + "kubernetes:yaml/v2:ConfigGroup::bare"


def test_v2_yaml_objects_are_judged_by_the_pack_through_the_cli(tmp_path: Path) -> None:
    compliant, report = _preview_json(YAML_V2)
    assert compliant.returncode == 0, _mandatory(report)

    program = _copy(YAML_V2, tmp_path)
    app = program / "manifests" / "app.yaml"
    app.write_text(app.read_text().replace("europe-west1-docker.pkg.dev/example-prod/shop/web:3.2.1", "nginx"))
    failing, report = _preview_json(program)
    assert failing.returncode == 1, failing.stderr
    deployment = V2_URN + "kubernetes:yaml/v2:ConfigFile$kubernetes:apps/v1:Deployment::app:shop/web"
    assert (PINNED_IMAGE, deployment) in _mandatory(report)


# --- Helm: the team's own chart, rendered by Helm's engine (helm-python-sdk) -------------------------------

HELM = PROGRAMS / "manifests-helm"
HELM_URN = "urn:pulumi:dev::manifests-helm::"


def _container(resource: Any) -> dict[str, Any]:
    return resource.inputs.plain["spec"]["template"]["spec"]["containers"][0]


def test_helm_v3_chart_renders_through_the_template_invoke_with_hooks_but_not_tests() -> None:
    run = _run(HELM)
    chart = run.by_urn()[HELM_URN + "kubernetes:helm.sh/v3:Chart::storefront"]
    names = sorted((r.type, r.name) for r in run.resources if r.parent == chart.urn)
    assert names == [
        ("kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", "backups.shop.example.com"),
        ("kubernetes:apps/v1:Deployment", "shop/storefront-web"),
        ("kubernetes:core/v1:ConfigMap", "shop/storefront-web-migration"),
        ("kubernetes:networking.gke.io/v1:ManagedCertificate", "shop/storefront-web"),
        ("kubernetes:networking.k8s.io/v1:NetworkPolicy", "shop/storefront-web-default-deny"),
        ("kubernetes:policy/v1:PodDisruptionBudget", "shop/storefront-web"),
    ]
    deployment = run.by_urn()[
        HELM_URN + "kubernetes:helm.sh/v3:Chart$kubernetes:apps/v1:Deployment::shop/storefront-web"
    ]
    # The chart's defaults under the program's values, rendered by Helm's template engine (helpers, toYaml).
    assert _container(deployment)["image"] == "europe-west1-docker.pkg.dev/example-prod/shop/web:3.2.1"
    assert _container(deployment)["resources"]["limits"] == {"cpu": "500m", "memory": "512Mi"}
    assert deployment.inputs.plain["spec"]["replicas"] == 2
    assert deployment.inputs.plain["metadata"]["namespace"] == "shop"


def test_helm_v4_chart_is_expanded_as_the_provider_does_value_files_then_values_no_hooks() -> None:
    run = _run(HELM)
    chart = run.by_urn()[HELM_URN + "kubernetes:helm.sh/v4:Chart::checkout"]
    names = sorted((r.type, r.name) for r in run.resources if r.parent == chart.urn)
    assert names == [
        ("kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", "checkout:backups.shop.example.com"),
        ("kubernetes:apps/v1:Deployment", "checkout:shop/checkout-web"),
        ("kubernetes:networking.gke.io/v1:ManagedCertificate", "checkout:shop/checkout-web"),
        ("kubernetes:networking.k8s.io/v1:NetworkPolicy", "checkout:shop/checkout-web-default-deny"),
        ("kubernetes:policy/v1:PodDisruptionBudget", "checkout:shop/checkout-web"),
    ]
    deployment = run.by_urn()[
        HELM_URN + "kubernetes:helm.sh/v4:Chart$kubernetes:apps/v1:Deployment::checkout:shop/checkout-web"
    ]
    assert _container(deployment)["image"].endswith("/shop/web:3.2.1")  # from values-prod.yaml
    assert deployment.inputs.plain["spec"]["replicas"] == 4  # values win over the values file


def test_helm_v3_release_of_a_local_chart_has_its_objects_registered_as_children_to_judge() -> None:
    run = _run(HELM)
    release = run.by_urn()[HELM_URN + "kubernetes:helm.sh/v3:Release::payments"]
    assert release.custom
    names = sorted((r.type, r.name) for r in run.resources if r.parent == release.urn)
    assert ("kubernetes:apps/v1:Deployment", "payments:shop/payments-web") in names
    # An install creates the chart's hooks, not its tests.
    assert ("kubernetes:core/v1:ConfigMap", "payments:shop/payments-web-migration") in names
    assert not [name for _, name in names if name.endswith("-test")]
    deployment = run.by_urn()[
        HELM_URN + "kubernetes:helm.sh/v3:Release$kubernetes:apps/v1:Deployment::payments:shop/payments-web"
    ]
    assert _container(deployment)["image"].endswith("/shop/web:3.2.1")
    # The Release keeps its own state (it is judged as a Release too).
    assert release.outputs.plain["chart"] == "./charts/shop-web"


def test_a_release_of_a_repository_chart_stays_one_resource_as_in_the_real_engine(tmp_path: Path) -> None:
    program = tmp_path / "remote-release"
    program.mkdir()
    (program / "Pulumi.yaml").write_text("name: remote-release\nruntime: python\n")
    (program / "__main__.py").write_text(
        "import pulumi_kubernetes as k8s\n"
        "k8s.helm.v3.Release('ingress', chart='ingress-nginx', version='4.11.3',\n"
        "    repository_opts={'repo': 'https://kubernetes.github.io/ingress-nginx'})\n"
    )
    run = _run(program)
    assert [r.type for r in run.resources if r.type.startswith("kubernetes:")] == ["kubernetes:helm.sh/v3:Release"]
    assert run.not_judged == []


def test_helm_v4_chart_from_a_local_archive(tmp_path: Path) -> None:
    import tarfile

    program = _copy(HELM, tmp_path)
    with tarfile.open(program / "shop-web-1.4.0.tgz", "w:gz") as archive:
        archive.add(program / "charts" / "shop-web", arcname="shop-web")
    shutil.rmtree(program / "charts")
    main = program / "__main__.py"
    text = main.read_text()
    text = text[: text.index("k8s.helm.v3.Chart(")] + text[text.index("k8s.helm.v4.Chart(") :]
    main.write_text(text.replace('chart="./charts/shop-web"', 'chart="./shop-web-1.4.0.tgz"'))
    run = _run(program)
    # The Chart and the Release both install the archive.
    deployments = sorted(r.name for r in run.of_type("kubernetes:apps/v1:Deployment"))
    assert deployments == ["checkout:shop/checkout-web", "payments:shop/payments-web"]


def test_helm_chart_objects_are_judged_by_the_pack_through_the_cli(tmp_path: Path) -> None:
    compliant, report = _preview_json(HELM)
    assert compliant.returncode == 0, _mandatory(report)

    program = _copy(HELM, tmp_path)
    values = program / "values-prod.yaml"
    values.write_text(values.read_text().replace('tag: "3.2.1"', 'tag: "latest"'))
    failing, report = _preview_json(program)
    assert failing.returncode == 1, failing.stderr
    v4 = HELM_URN + "kubernetes:helm.sh/v4:Chart$kubernetes:apps/v1:Deployment::checkout:shop/checkout-web"
    v3 = HELM_URN + "kubernetes:helm.sh/v3:Chart$kubernetes:apps/v1:Deployment::shop/storefront-web"
    assert (PINNED_IMAGE, v4) in _mandatory(report)
    assert (PINNED_IMAGE, v3) not in _mandatory(report)

    main = program / "__main__.py"
    main.write_text(main.read_text().replace('values={"image": {"tag": "3.2.1"}},\n    opts', "values={},\n    opts"))
    failing, report = _preview_json(program)
    release = HELM_URN + "kubernetes:helm.sh/v3:Release$kubernetes:apps/v1:Deployment::payments:shop/payments-web"
    assert (PINNED_IMAGE, release) in _mandatory(report)


# --- What cannot be rendered offline is never passed silently: an undetermined, mandatory result -----------

UNRENDERABLE = PROGRAMS / "manifests-unrenderable"
UNRENDERABLE_URN = "urn:pulumi:dev::manifests-unrenderable::"


def test_remote_charts_and_manifest_urls_are_reported_not_judged_on_their_component() -> None:
    run = _run(UNRENDERABLE)
    reasons = {entry.urn: entry.reason for entry in run.not_judged}
    assert sorted(reasons) == [
        UNRENDERABLE_URN + "kubernetes:helm.sh/v3:Chart::cert-manager",
        UNRENDERABLE_URN + "kubernetes:helm.sh/v4:Chart::ingress-nginx",
        UNRENDERABLE_URN + "kubernetes:yaml/v2:ConfigFile::operator",
    ]
    assert "comes from a repository" in reasons[UNRENDERABLE_URN + "kubernetes:helm.sh/v4:Chart::ingress-nginx"]
    assert "fetched over the network" in reasons[UNRENDERABLE_URN + "kubernetes:yaml/v2:ConfigFile::operator"]
    # Nothing was made up in their place.
    assert not [r for r in run.resources if r.type.startswith("kubernetes:") and r.custom]


def test_a_chart_helm_cannot_render_is_not_judged_with_helms_reason(tmp_path: Path) -> None:
    program = _copy(HELM, tmp_path)
    (program / "charts" / "shop-web" / "templates" / "broken.yaml").write_text("{{ .Values.nothing.here }}\n")
    run = _run(program)
    reasons = {entry.urn: entry.reason for entry in run.not_judged}
    assert set(reasons) == {
        HELM_URN + "kubernetes:helm.sh/v3:Chart::storefront",
        HELM_URN + "kubernetes:helm.sh/v4:Chart::checkout",
        HELM_URN + "kubernetes:helm.sh/v3:Release::payments",
    }
    assert all("Helm could not render the chart shop-web" in reason for reason in reasons.values())


def test_not_judged_is_a_blocking_undetermined_result_in_every_report() -> None:
    result, report = _preview_json(UNRENDERABLE)
    assert result.returncode == 1, result.stderr
    undetermined = [v for v in report["violations"] if v["policy"] == manifests.NOT_RENDERED_POLICY]
    assert sorted(v["urn"] for v in undetermined) == [
        UNRENDERABLE_URN + "kubernetes:helm.sh/v3:Chart::cert-manager",
        UNRENDERABLE_URN + "kubernetes:helm.sh/v4:Chart::ingress-nginx",
        UNRENDERABLE_URN + "kubernetes:yaml/v2:ConfigFile::operator",
    ]
    assert all(v["enforcementLevel"] == "mandatory" for v in undetermined)
    assert all(v["message"].startswith("Undetermined: ") for v in undetermined)
    assert report["summary"]["undetermined"] == 3 and report["summary"]["blocking"] >= 3
    text = run_cli("preview", "--program", str(UNRENDERABLE), "--stack", "dev")
    assert text.returncode == 1
    assert "3 undetermined" in text.stdout and manifests.NOT_RENDERED_POLICY in text.stdout


# --- kustomize: a base and a production overlay, rendered by kustomize (kubectl kustomize) ------------------

KUSTOMIZE = PROGRAMS / "manifests-kustomize"
KUSTOMIZE_URN = "urn:pulumi:dev::manifests-kustomize::"
needs_kustomize = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (kustomize) is not on PATH")


@needs_kustomize
def test_kustomize_v1_and_v2_directories_render_the_overlay_on_its_base() -> None:
    run = _run(KUSTOMIZE)
    by_urn = run.by_urn()
    v1 = by_urn[KUSTOMIZE_URN + "kubernetes:kustomize:Directory$kubernetes:apps/v1:Deployment::shop/web"]
    v2 = by_urn[KUSTOMIZE_URN + "kubernetes:kustomize/v2:Directory$kubernetes:apps/v1:Deployment::shop-v2:shop/web"]
    for deployment in (v1, v2):
        # The overlay's image tag, replicas patch and labels, on the base's Deployment.
        assert _container(deployment)["image"] == "europe-west1-docker.pkg.dev/example-prod/shop/web:3.2.1"
        assert deployment.inputs.plain["spec"]["replicas"] == 3
        assert deployment.inputs.plain["metadata"]["labels"]["environment"] == "production"
    namespace = KUSTOMIZE_URN + "kubernetes:kustomize/v2:Directory$kubernetes:core/v1:Namespace::shop-v2:shop"
    assert v2.parent == KUSTOMIZE_URN + "kubernetes:kustomize/v2:Directory::shop-v2"
    assert v2.dependencies == [namespace]


def test_without_a_kustomize_renderer_the_directories_are_not_judged(monkeypatch: pytest.MonkeyPatch) -> None:
    from agencyos_infra import manifests_render

    monkeypatch.setattr(manifests_render, "KUBECTL", "no-such-kubectl-here")
    run = _run(KUSTOMIZE)
    reasons = {entry.urn: entry.reason for entry in run.not_judged}
    assert sorted(reasons) == [
        KUSTOMIZE_URN + "kubernetes:kustomize/v2:Directory::shop-v2",
        KUSTOMIZE_URN + "kubernetes:kustomize:Directory::shop",
    ]
    assert all("no kustomize renderer" in reason for reason in reasons.values())
    assert not run.of_type("kubernetes:apps/v1:Deployment")


@needs_kustomize
def test_kustomize_objects_are_judged_by_the_pack_through_the_cli(tmp_path: Path) -> None:
    compliant, report = _preview_json(KUSTOMIZE)
    assert compliant.returncode == 0, _mandatory(report)

    program = _copy(KUSTOMIZE, tmp_path)
    overlay = program / "kustomize" / "overlays" / "prod" / "kustomization.yaml"
    overlay.write_text(overlay.read_text().replace('newTag: "3.2.1"', 'newTag: "latest"'))
    failing, report = _preview_json(program)
    assert failing.returncode == 1, failing.stderr
    deployment = KUSTOMIZE_URN + "kubernetes:kustomize/v2:Directory$kubernetes:apps/v1:Deployment::shop-v2:shop/web"
    assert (PINNED_IMAGE, deployment) in _mandatory(report)


def test_v2_objects_depend_on_their_crd_and_namespace_and_take_the_crds_scope() -> None:
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "backups.shop.example.com"},
        "spec": {"group": "shop.example.com", "scope": "Cluster", "names": {"kind": "Backup"}},
    }
    backup = {"apiVersion": "shop.example.com/v1", "kind": "Backup", "metadata": {"name": "nightly"}}
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "shop"}}
    inputs = {"objs": [backup, config, crd, namespace]}
    children = manifests.component_children(manifests.CONFIG_GROUP_V2, "group", inputs, None)
    names = [child.name for child in children]
    # What nothing depends on is registered first; each dependency points back at an earlier child.
    assert names.index("group:backups.shop.example.com") < names.index("group:nightly")
    assert names.index("group:shop") < names.index("group:shop/c")
    by_name = {child.name: child for child in children}
    assert [names[i] for i in by_name["group:nightly"].depends_on] == ["group:backups.shop.example.com"]
    assert [names[i] for i in by_name["group:shop/c"].depends_on] == ["group:shop"]
    assert by_name["group:nightly"].type == "kubernetes:shop.example.com/v1:Backup"
    # A default namespace goes on namespaced kinds only: the CRD says Backup is cluster-scoped.
    placed = manifests._with_namespace([crd, backup, dict(config, metadata={"name": "d"})], "apps")
    assert "namespace" not in placed[1]["metadata"] and placed[2]["metadata"]["namespace"] == "apps"


def test_v2_inputs_unknown_at_preview_are_not_judged(tmp_path: Path) -> None:
    program = tmp_path / "unknown-yaml"
    program.mkdir()
    (program / "Pulumi.yaml").write_text("name: unknown-yaml\nruntime: python\n")
    (program / "__main__.py").write_text(
        "import pulumi_kubernetes as k8s\n"
        "ns = k8s.core.v1.Namespace('apps')\n"
        "k8s.yaml.v2.ConfigGroup('rendered', yaml=ns.metadata.apply(lambda m: 'apiVersion: v1\\n'\n"
        "    'kind: ConfigMap\\nmetadata: {name: c, namespace: ' + m.name + '}\\n'))\n"
    )
    run = _run(program)
    assert [(e.urn.rsplit("::", 1)[-1], e.reason) for e in run.not_judged] == [
        ("rendered", "its inputs yaml are unknown at preview")
    ]
    # In up mode the namespace's name is known: the object is expanded.
    up = _run(program, preview=False)
    assert up.not_judged == [] and len(up.of_type("kubernetes:core/v1:ConfigMap")) == 1


def test_an_object_the_api_server_would_reject_fails_the_run_naming_it(tmp_path: Path) -> None:
    program = _copy(YAML_V2, tmp_path)
    app = program / "manifests" / "app.yaml"
    app.write_text(app.read_text().replace("  replicas: 2", "  replica: 2"))
    run = run_program(program, project=program.name, stack="dev", config={}, isolated=False)
    assert run.error is not None
    assert "kubernetes:apps/v1:Deployment 'app:shop/web'" in run.error and "'replica' was unexpected" in run.error
