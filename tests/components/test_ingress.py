"""The IngressController and AppIngresses components in the prod stack: HTTPS only, HSTS, the checklist's
headers, no snippets, one static-IP load balancer, TLS and per-IP limits on every Ingress, bad settings refused."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from agencyos_checklist.numbers import AUTH_RATE_LIMIT_RPM, GLOBAL_RATE_LIMIT_RPM, HSTS_MAX_AGE_SECONDS
from pydantic import ValidationError

from agencyos_infra.engine import CapturedResource, ProgramRun
from components.app_ingresses import CLUSTER_ISSUER_ANNOTATION, DEFAULT_CLUSTER_ISSUER, NGINX, AppIngressesArgs
from components.ingress import CHART_REPOSITORY, CHART_VERSION, IngressControllerArgs, IngressSpec
from tests.conftest import REPO, run_repo_stack

CONTROLLER = "agencyos:ingress:IngressController"
INGRESSES = "agencyos:ingress:AppIngresses"
RELEASE = "kubernetes:helm.sh/v3:Release"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
NAMESPACE = "kubernetes:core/v1:Namespace"
ADDRESS = "gcp:compute/address:Address"
SERVICE = "kubernetes:core/v1:Service"
HEADERS = {
    "Content-Security-Policy": "default-src 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "X-XSS-Protection": "1; mode=block",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def _release(run: ProgramRun) -> CapturedResource:
    [release] = [r for r in run.of_type(RELEASE) if r.inputs.plain["chart"] == "ingress-nginx"]
    return release


def _ingresses(run: ProgramRun) -> dict[str, dict[str, Any]]:
    return {r.inputs.plain["metadata"]["name"]: r.inputs.plain for r in run.of_type(INGRESS)}


def test_the_controller_is_ingress_nginx_pinned_in_its_restricted_namespace(prod_run: ProgramRun) -> None:
    release = _release(prod_run).inputs.plain
    assert release["chart"] == "ingress-nginx" and release["version"] == CHART_VERSION
    assert release["repositoryOpts"] == {"repo": CHART_REPOSITORY}
    assert release["namespace"] == "ingress-nginx"  # the namespace the app's NetworkPolicies admit
    [namespace] = [n for n in prod_run.of_type(NAMESPACE) if n.inputs.plain["metadata"]["name"] == "ingress-nginx"]
    labels = namespace.inputs.plain["metadata"]["labels"]
    assert {labels[f"pod-security.kubernetes.io/{mode}"] for mode in ("enforce", "audit", "warn")} == {"restricted"}


def test_https_only_hsts_and_no_snippets_in_the_controller_config(prod_run: ProgramRun) -> None:
    controller = _release(prod_run).inputs.plain["values"]["controller"]
    config = controller["config"]
    assert config["ssl-redirect"] == config["force-ssl-redirect"] == "true"
    assert config["hsts"] == config["hsts-include-subdomains"] == "true"
    assert int(config["hsts-max-age"]) == HSTS_MAX_AGE_SECONDS == 31536000
    assert config["allow-snippet-annotations"] == "false" and controller["allowSnippetAnnotations"] is False
    assert not any(key.endswith("snippet") for key in config)


def test_requests_past_the_rate_limits_get_429(prod_run: ProgramRun) -> None:
    config = _release(prod_run).inputs.plain["values"]["controller"]["config"]
    assert config["limit-req-status-code"] == config["limit-conn-status-code"] == "429"


def test_the_checklist_headers_come_from_the_add_headers_config_map(prod_run: ProgramRun) -> None:
    config = _release(prod_run).inputs.plain["values"]["controller"]["config"]
    namespace, name = config["add-headers"].split("/")
    [headers] = [
        c
        for c in prod_run.of_type(CONFIG_MAP)
        if c.inputs.plain["metadata"] == {**c.inputs.plain["metadata"], "name": name, "namespace": namespace}
    ]
    assert headers.inputs.plain["data"] == HEADERS
    assert headers.urn in _release(prod_run).dependencies


def test_one_load_balancer_on_a_regional_static_address_keeping_client_ips(prod_run: ProgramRun) -> None:
    [address] = prod_run.of_type(ADDRESS)
    assert address.inputs.plain["name"] == "agencyos-prod-ingress"
    assert address.inputs.plain["region"] == "us-central1" and address.inputs.plain["addressType"] == "EXTERNAL"
    service = _release(prod_run).inputs.plain["values"]["controller"]["service"]
    assert service["type"] == "LoadBalancer" and service["externalTrafficPolicy"] == "Local"
    # Prod's DNS proxies through Cloudflare: only Cloudflare's ranges (prod's trustedProxyCidrs) reach the balancer.
    trusted = yaml.safe_load((REPO / "Pulumi.prod.yaml").read_text())["config"]["agencyos-infra:ingress"]
    assert service["loadBalancerSourceRanges"] == trusted["trustedProxyCidrs"]
    # The program declares no Service of type LoadBalancer of its own.
    assert not [s for s in prod_run.of_type(SERVICE) if s.inputs.plain["spec"].get("type") == "LoadBalancer"]
    assert "ingressAddress" in prod_run.stack_outputs.plain


def test_a_trusted_proxy_limits_the_load_balancer_and_supplies_the_client_ip() -> None:
    run = run_repo_stack(
        "prod", overrides={"agencyos-infra:ingress": '{"trustedProxyCidrs": ["173.245.48.0/20", "103.21.244.0/22"]}'}
    )
    assert run.error is None, run.error
    values = _release(run).inputs.plain["values"]["controller"]
    assert values["service"]["loadBalancerSourceRanges"] == ["173.245.48.0/20", "103.21.244.0/22"]
    assert values["config"]["use-forwarded-headers"] == "true"
    assert values["config"]["forwarded-for-header"] == "CF-Connecting-IP"
    assert values["config"]["proxy-real-ip-cidr"] == "173.245.48.0/20,103.21.244.0/22"


def test_ingresses_route_hosts_to_the_services_with_tls_and_the_issuer(prod_run: ProgramRun) -> None:
    ingresses = _ingresses(prod_run)
    assert set(ingresses) == {"frontend", "api", "api-auth"}
    backends = {"frontend": "frontend", "api": "backend", "api-auth": "backend"}
    hosts = {"frontend": ["agencyos.example", "www.agencyos.example"], "api": ["api.agencyos.example"]}
    hosts["api-auth"] = hosts["api"]
    secrets = set()
    for name, ingress in ingresses.items():
        spec = ingress["spec"]
        assert ingress["metadata"]["namespace"] == "agencyos" and spec["ingressClassName"] == "nginx", name
        assert ingress["metadata"]["annotations"][CLUSTER_ISSUER_ANNOTATION] == DEFAULT_CLUSTER_ISSUER, name
        [tls] = spec["tls"]
        assert tls["hosts"] == [rule["host"] for rule in spec["rules"]] == hosts[name], name
        secrets.add(tls["secretName"])
        for rule in spec["rules"]:
            for path in rule["http"]["paths"]:
                assert path["backend"]["service"] == {"name": backends[name], "port": {"number": 80}}, name
    assert len(secrets) == 3, "one TLS secret per Ingress: cert-manager makes one Certificate each"
    auth_paths = [p["path"] for p in ingresses["api-auth"]["spec"]["rules"][0]["http"]["paths"]]
    assert auth_paths == ["/api/auth/login", "/api/auth/register", "/api/auth/reset"]


def test_every_ingress_is_rate_limited_per_ip_and_auth_at_the_auth_limit(prod_run: ProgramRun) -> None:
    for name, ingress in _ingresses(prod_run).items():
        annotations = ingress["metadata"]["annotations"]
        expected = AUTH_RATE_LIMIT_RPM.value if name == "api-auth" else GLOBAL_RATE_LIMIT_RPM.value
        assert annotations[f"{NGINX}/limit-rpm"] == str(expected), name
        assert annotations[f"{NGINX}/limit-burst-multiplier"] == "1", name
        assert not [key for key in annotations if key.endswith("-snippet")], name


def test_children_are_parented_on_the_clusters_provider_after_the_controller(prod_run: ProgramRun) -> None:
    [provider] = prod_run.of_type("pulumi:providers:kubernetes")
    [controller] = prod_run.of_type(CONTROLLER)
    [app] = prod_run.of_type(INGRESSES)
    for component in (controller, app):
        children = [r for r in prod_run.resources if r.parent == component.urn]
        assert children, component.urn
        for child in children:
            if child.type.startswith("kubernetes:"):
                assert child.provider_urn == provider.urn, child.urn
    release = _release(prod_run)
    for ingress in prod_run.of_type(INGRESS):
        assert ingress.parent == app.urn and release.urn in ingress.dependencies, ingress.urn


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"rateLimitRpm": 101}, "rateLimitRpm"),
        ({"authRateLimitRpm": 6}, "authRateLimitRpm"),
        ({"frontendHosts": ["https://app.agencyos.example"]}, "frontendHosts"),
        ({"apiHosts": []}, "apiHosts"),
        ({"authPaths": ["api/auth/login"]}, "authPaths"),
        ({"authPaths": ["/a", "/a"]}, "authPaths"),
        ({"trustedProxyCidrs": ["0.0.0.0/0"]}, "trustedProxyCidrs"),
        ({"chartVersion": "^4.14"}, "chartVersion"),
        ({"snippets": True}, "snippets"),
    ],
)
def test_invalid_settings_are_refused_on_their_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as error:
        IngressSpec.model_validate(changes)
    assert error.value.errors()[0]["loc"][0] == field


def test_invalid_args_are_refused() -> None:
    with pytest.raises(ValueError, match="name_prefix"):
        IngressControllerArgs(name_prefix="X", region="us-central1", labels={})
    with pytest.raises(ValueError, match="namespace"):
        IngressControllerArgs(name_prefix="agencyos-prod", region="us-central1", labels={}, namespace="Bad_NS")
    with pytest.raises(ValueError, match="service_names needs backend"):
        AppIngressesArgs(namespace="a", service_names={"frontend": "f"}, labels={}, spec=IngressSpec())
