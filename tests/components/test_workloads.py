"""The Workloads component in the prod stack: checklist defaults, the restricted pod, autoscaling, the
environment without secrets, Workload Identity bound once, versioned migrations, invalid settings rejected."""

from __future__ import annotations

import json
from typing import Any

import pytest
from agencyos_checklist.numbers import (
    BACKEND_REPLICAS,
    FRONTEND_REPLICAS,
    HPA_CPU_TARGET_PERCENT,
    K8S_CPU_LIMIT,
    K8S_CPU_REQUEST,
    K8S_MEMORY_LIMIT,
    K8S_MEMORY_REQUEST,
    LIVENESS_PATH,
    LIVENESS_PERIOD,
    READINESS_PATH,
    READINESS_PERIOD,
    integers,
    seconds,
)
from agencyos_checklist.secrets import SENSITIVE_VARIABLES
from pydantic import ValidationError

from agencyos_infra.engine import CapturedResource, ProgramRun
from agencyos_infra.stackconfig import load_stack_config
from components.secrets import readers
from components.workloads import BackendSpec, FrontendSpec, WorkloadsSpec, image_version
from stacks.settings import NAMESPACE
from tests.conftest import REPO, run_repo_stack

COMPONENT = "agencyos:workloads:Workloads"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
SERVICE = "kubernetes:core/v1:Service"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
JOB = "kubernetes:batch/v1:Job"
KSA = "kubernetes:core/v1:ServiceAccount"
PROVIDER_CLASS = "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass"
SA_BINDING = "gcp:serviceaccount/iAMMember:IAMMember"
WORKLOAD_IDENTITY_USER = "roles/iam.workloadIdentityUser"
BACKEND_IMAGE = "ghcr.io/agencyos/backend:1.0.0"  # Pulumi.prod.yaml
WORKLOADS = f"{NAMESPACE}:workloads"


def _by_name(run: ProgramRun, type_: str) -> dict[str, CapturedResource]:
    return {r.name: r for r in run.of_type(type_)}


def _container(resource: CapturedResource) -> dict[str, Any]:
    [container] = resource.inputs.plain["spec"]["template"]["spec"]["containers"]
    return container


def _workloads(overrides: dict[str, Any]) -> ProgramRun:
    """The prod stack with fields of its workloads object changed."""
    current = json.loads(load_stack_config(REPO, "prod").config[WORKLOADS])
    return run_repo_stack("prod", overrides={WORKLOADS: json.dumps({**current, **overrides})})


def test_namespace_enforces_the_restricted_pod_security_standard(prod_run: ProgramRun) -> None:
    # Other components (cert-manager, the ingress controller) have namespaces of their own.
    [namespace] = [
        n for n in prod_run.of_type("kubernetes:core/v1:Namespace") if n.inputs.plain["metadata"]["name"] == "agencyos"
    ]
    labels = namespace.inputs.plain["metadata"]["labels"]
    for mode in ("enforce", "audit", "warn"):
        assert labels[f"pod-security.kubernetes.io/{mode}"] == "restricted", namespace.urn
    assert labels["environment"] == "production", namespace.urn


def test_deployments_have_the_checklist_probes_resources_and_restricted_context(prod_run: ProgramRun) -> None:
    deployments = _by_name(prod_run, DEPLOYMENT)
    assert set(deployments) == {"workloads-backend", "workloads-frontend"}
    for workload, deployment in deployments.items():
        spec = deployment.inputs.plain["spec"]
        assert "replicas" not in spec, deployment.urn  # the autoscaler owns the count
        container = _container(deployment)
        image = container["image"]
        assert image == f"ghcr.io/agencyos/{workload.removeprefix('workloads-')}:1.0.0", deployment.urn
        liveness, readiness = container["livenessProbe"], container["readinessProbe"]
        assert liveness["httpGet"]["path"] == LIVENESS_PATH.value == "/health", deployment.urn
        assert liveness["periodSeconds"] == seconds(LIVENESS_PERIOD) == 10, deployment.urn
        assert readiness["httpGet"]["path"] == READINESS_PATH.value == "/ready", deployment.urn
        assert readiness["periodSeconds"] == seconds(READINESS_PERIOD) == 5, deployment.urn
        assert container["startupProbe"]["httpGet"]["path"] == LIVENESS_PATH.value, deployment.urn
        assert container["resources"] == {
            "requests": {"cpu": K8S_CPU_REQUEST.value, "memory": K8S_MEMORY_REQUEST.value},
            "limits": {"cpu": K8S_CPU_LIMIT.value, "memory": K8S_MEMORY_LIMIT.value},
        }, deployment.urn
        context = container["securityContext"]
        assert context["runAsNonRoot"] is True and context["runAsUser"] > 0, deployment.urn
        assert context["allowPrivilegeEscalation"] is False, deployment.urn
        assert context["readOnlyRootFilesystem"] is True, deployment.urn
        assert context["capabilities"] == {"drop": ["ALL"]}, deployment.urn
        assert context["seccompProfile"] == {"type": "RuntimeDefault"}, deployment.urn
        pod = spec["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, deployment.urn
        zones = [c for c in pod["topologySpreadConstraints"] if c["topologyKey"] == "topology.kubernetes.io/zone"]
        assert zones and zones[0]["maxSkew"] == 1, deployment.urn
        assert pod["serviceAccountName"] == workload.removeprefix("workloads-"), deployment.urn


def test_autoscalers_services_and_disruption_budgets(prod_run: ProgramRun) -> None:
    hpas, pdbs, services = _by_name(prod_run, HPA), _by_name(prod_run, PDB), _by_name(prod_run, SERVICE)
    expected = {"backend": (2, 10), "frontend": (2, 5)}
    for workload, bounds in expected.items():
        hpa = hpas[f"workloads-{workload}-hpa"].inputs.plain["spec"]
        assert (hpa["minReplicas"], hpa["maxReplicas"]) == bounds, workload
        [metric] = hpa["metrics"]
        assert metric["resource"]["name"] == "cpu", workload
        assert metric["resource"]["target"] == {
            "type": "Utilization",
            "averageUtilization": HPA_CPU_TARGET_PERCENT.value,
        }, workload
        assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": workload}
        pdb = pdbs[f"workloads-{workload}-pdb"].inputs.plain["spec"]
        assert pdb["maxUnavailable"] == 1 and pdb["selector"]["matchLabels"]["app.kubernetes.io/name"] == workload
        service = services[f"workloads-{workload}-service"].inputs.plain["spec"]
        assert service["type"] == "ClusterIP" and service["ports"][0]["targetPort"] == "http", workload
    # The ranges the checklist states, read from its catalogue.
    assert (integers(BACKEND_REPLICAS), integers(FRONTEND_REPLICAS)) == (expected["backend"], expected["frontend"])


def _environment(run: ProgramRun) -> CapturedResource:
    """The app's environment ConfigMap (the ingress controller has a ConfigMap of its own)."""
    [config] = [c for c in run.of_type(CONFIG_MAP) if c.inputs.plain["metadata"]["name"] == "agencyos-env"]
    return config


def test_the_environment_is_a_configmap_without_secrets(prod_run: ProgramRun) -> None:
    config = _environment(prod_run)
    data = config.inputs.plain["data"]
    assert data["ENVIRONMENT"] == "production" and data["DEBUG"] == "false", config.urn
    assert data["LOG_LEVEL"] == "INFO" and data["PAYPAL_MODE"] == "live", config.urn
    assert data["BACKEND_URL"] == "https://api.agencyos.example", config.urn
    assert data["CORS_ORIGINS"] == "https://agencyos.example", config.urn
    assert (data["DB_POOL_SIZE"], data["DB_MAX_OVERFLOW"], data["ACCESS_TOKEN_EXPIRE_MINUTES"]) == ("20", "10", "15")
    assert not config.inputs.secret_paths, config.urn
    secret_values = [
        v.inputs.plain["secretData"] for v in prod_run.of_type("gcp:secretmanager/secretVersion:SecretVersion")
    ]
    # No sensitive variable is a ConfigMap entry, and no secret value is anywhere in a pod's spec.
    assert not {v.name for v in SENSITIVE_VARIABLES} & set(data), config.urn
    for resource in [config, *prod_run.of_type(DEPLOYMENT), *prod_run.of_type(JOB)]:
        text = json.dumps(resource.inputs.plain)
        assert not any(value in text for value in secret_values), resource.urn
    for deployment in prod_run.of_type(DEPLOYMENT):
        assert "env" not in _container(deployment), deployment.urn  # all of it from the ConfigMap


def test_the_stacks_supabase_paypal_and_mail_relay_settings_reach_the_environment(prod_run: ProgramRun) -> None:
    # Checklist 1.supabase-configuration.1, 1.payment-gateway-configuration.1, 3.email-service-sendgrid-mailgun.2.
    data = _environment(prod_run).inputs.plain["data"]
    assert data["SUPABASE_URL"] == "https://agencyos-prod.supabase.example"
    assert data["PAYPAL_CLIENT_ID"] == "agencyos-prod-paypal-client-id"
    assert (data["SMTP_HOST"], data["SMTP_PORT"], data["SMTP_USER"], data["FROM_EMAIL"]) == (
        "smtp.mail-provider.example",
        "587",
        "apikey",
        "no-reply@agencyos.example",
    )


def test_unset_optional_values_are_left_out_not_empty() -> None:
    current = json.loads(load_stack_config(REPO, "prod").config[WORKLOADS])
    unset = {key: value for key, value in current.items() if key not in ("supabaseUrl", "paypalClientId", "smtp")}
    run = run_repo_stack("prod", overrides={WORKLOADS: json.dumps(unset)})
    assert run.error is None, run.error
    data = _environment(run).inputs.plain["data"]
    assert not {"SUPABASE_URL", "PAYPAL_CLIENT_ID", "SMTP_HOST", "SMTP_PORT", "SMTP_USER", "FROM_EMAIL"} & set(data)


def test_secrets_reach_pods_as_files_each_workload_only_its_own(prod_run: ProgramRun) -> None:
    classes = _by_name(prod_run, PROVIDER_CLASS)
    for workload in ("backend", "frontend"):
        spec = classes[f"workloads-{workload}-secrets"].inputs.plain["spec"]
        assert spec["provider"] == "gke", workload
        paths = {line.split('"')[1] for line in spec["parameters"]["secrets"].splitlines() if "path:" in line}
        assert paths == {v for v in paths if workload in readers(v)} and paths, workload
        if workload == "frontend":
            assert paths == {"SUPABASE_ANON_KEY", "SENTRY_DSN"}
    for deployment in prod_run.of_type(DEPLOYMENT):
        volumes = {v["name"]: v for v in deployment.inputs.plain["spec"]["template"]["spec"]["volumes"]}
        assert volumes["secrets"]["csi"]["driver"] == "secrets-store-gke.csi.k8s.io", deployment.urn


def test_workload_identity_is_bound_exactly_once_per_workload(prod_run: ProgramRun) -> None:
    # The app namespace's bindings; other namespaces' (Grafana's in monitoring) belong to their components.
    bindings = [
        r
        for r in prod_run.of_type(SA_BINDING)
        if r.inputs.plain["role"] == WORKLOAD_IDENTITY_USER and "[agencyos/" in r.inputs.plain["member"]
    ]
    members = sorted(b.inputs.plain["member"] for b in bindings)
    assert members == [
        "serviceAccount:agencyos-prod.svc.id.goog[agencyos/backend]",
        "serviceAccount:agencyos-prod.svc.id.goog[agencyos/frontend]",
    ]
    [component] = prod_run.of_type(COMPONENT)
    assert all(b.parent == component.urn for b in bindings)
    emails = {
        r.name.removeprefix("identities-"): r.outputs.plain["email"]
        for r in prod_run.of_type("gcp:serviceaccount/account:Account")
    }
    for account in prod_run.of_type(KSA):
        workload = account.inputs.plain["metadata"]["name"]
        assert account.inputs.plain["metadata"]["annotations"]["iam.gke.io/gcp-service-account"] == emails[workload]


def test_migrations_run_once_per_image_version_before_the_backend(prod_run: ProgramRun) -> None:
    [job] = prod_run.of_type(JOB)
    assert job.name == "workloads-migrate-1-0-0" and job.inputs.plain["metadata"]["name"] == "migrate-1-0-0"
    container = _container(job)
    assert container["image"] == BACKEND_IMAGE and container["command"] == ["alembic", "upgrade", "head"]
    assert "livenessProbe" not in container, job.urn
    assert job.inputs.plain["spec"]["template"]["spec"]["restartPolicy"] == "Never", job.urn
    assert job.delete_before_replace is True, job.urn
    backend = _by_name(prod_run, DEPLOYMENT)["workloads-backend"]
    assert job.urn in backend.dependencies, backend.urn
    assert job.urn not in _by_name(prod_run, DEPLOYMENT)["workloads-frontend"].dependencies


def test_a_new_release_is_a_new_migration_job() -> None:
    run = _workloads({"backend": {"image": "ghcr.io/agencyos/backend:1.1.0"}})
    assert run.error is None, run.error
    assert [j.name for j in run.of_type(JOB)] == ["workloads-migrate-1-1-0"]
    digest = "ghcr.io/agencyos/backend@sha256:" + "ab" * 32
    assert image_version(digest) == "ab" * 6


def test_kubernetes_objects_use_the_clusters_provider_and_children_are_parented(prod_run: ProgramRun) -> None:
    [provider] = prod_run.of_type("pulumi:providers:kubernetes")
    [component] = prod_run.of_type(COMPONENT)
    children = [r for r in prod_run.resources if r.parent == component.urn]
    assert children and all(r.name.startswith("workloads-") for r in children)
    for child in children:
        if child.type.startswith("kubernetes:"):
            assert child.provider_urn == provider.urn, child.urn
            assert child.inputs.plain["metadata"].get("namespace", "agencyos") == "agencyos", child.urn
        else:  # the Workload Identity bindings keep the default Google provider
            assert child.type == SA_BINDING and "providers:gcp" in child.provider_urn, child.urn


def test_staging_mirrors_prod_with_its_own_environment() -> None:
    run = run_repo_stack("staging")
    assert run.error is None, run.error
    config = _environment(run)
    data = config.inputs.plain["data"]
    assert (data["ENVIRONMENT"], data["PAYPAL_MODE"]) == ("staging", "sandbox")
    bounds = {
        h.name: (h.inputs.plain["spec"]["minReplicas"], h.inputs.plain["spec"]["maxReplicas"]) for h in run.of_type(HPA)
    }
    assert bounds == {"workloads-backend-hpa": (2, 10), "workloads-frontend-hpa": (2, 5)}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"backend": {"image": "ghcr.io/agencyos/backend:latest"}}, "not latest"),
        ({"backend": {"image": "ghcr.io/agencyos/backend"}}, "not latest"),
        ({"frontend": {"image": "frontend:1.0.0"}}, "registry"),
        ({"logLevel": "DEBUG"}, "INFO"),
        ({"backend": {"minReplicas": 1}}, "greater than or equal"),
        ({"frontend": {"maxReplicas": 4}}, "greater than or equal"),
        ({"backend": {"cpuTargetPercent": 80}}, "less than or equal"),
        ({"backend": {"cpuLimit": "lots"}}, "pattern"),
        ({"backendUrl": "http://api.agencyos.example"}, "pattern"),
        ({"corsOrigins": ["https://*.agencyos.example"]}, "no wildcard"),
        ({"sessionTimeoutSeconds": 7200}, "less than or equal"),
        ({"surprise": 1}, "Extra inputs"),
        ({"supabaseUrl": "http://agencyos.supabase.example"}, "pattern"),
        ({"paypalClientId": "id with spaces"}, "pattern"),
        ({"smtp": {"host": "smtp.mail-provider.example", "port": 25, "user": "u", "fromEmail": "a@b.example"}}, "465"),
        ({"smtp": {"host": "smtp.mail-provider.example", "user": "u", "fromEmail": "not-an-email"}}, "pattern"),
        ({"smtp": {"host": "smtp.mail-provider.example", "fromEmail": "a@b.example"}}, "user"),
    ],
)
def test_invalid_spec_is_rejected(spec: dict[str, Any], expected: str) -> None:
    with pytest.raises(ValidationError, match=expected):
        WorkloadsSpec.model_validate(spec)


def test_invalid_settings_fail_the_stack_naming_the_field() -> None:
    run = _workloads({"backend": {"image": "ghcr.io/agencyos/backend:latest"}})
    assert run.error is not None and f"{WORKLOADS}.backend.image" in run.error, run.error
    assert "ghcr.io" not in run.error  # values are never echoed
    debug = run_repo_stack("prod", overrides={f"{NAMESPACE}:debug": "true"})
    assert debug.error is not None and f"{NAMESPACE}:debug" in debug.error


def test_defaults_meet_the_checklist() -> None:
    backend, frontend = BackendSpec.model_validate({}), FrontendSpec.model_validate({})
    assert (backend.min_replicas, backend.max_replicas, frontend.min_replicas, frontend.max_replicas) == (2, 10, 2, 5)
    assert backend.cpu_target_percent == frontend.cpu_target_percent == HPA_CPU_TARGET_PERCENT.value
