"""GKE Ingress (class ``gce``): checklist §8 Application Security, judged on the objects that configure its load
balancer (kubernetes/ingress-gce's CRDs).

- HTTPS redirect: the Ingress names (``networking.gke.io/v1beta1.FrontendConfig``) a FrontendConfig of its
  namespace with ``spec.redirectToHttps.enabled`` true, or serves no HTTP at all
  (``kubernetes.io/ingress.allow-http: "false"``).
- HSTS and the security headers: every backend Service of the Ingress (rules' and default backend) names
  (``cloud.google.com/backend-config``, JSON ``{"default": ...}`` or ``{"ports": {...}}``; the older
  ``beta.cloud.google.com/backend-config`` too) a BackendConfig of its namespace whose
  ``spec.customResponseHeaders.headers`` (``"Name: value"``) add them; HSTS for at least a year, subdomains
  included.
- Rate limits: each such BackendConfig's ``spec.securityPolicy.name`` names a Cloud Armor policy of the stack
  (``gcp:compute/securityPolicy:SecurityPolicy`` by its ``name``, with its ``rules`` or separate
  ``SecurityPolicyRule`` resources) with a ``throttle`` or ``rate_based_ban`` rule keyed by client IP
  (``enforceOnKey`` IP or XFF_IP; absent means ALL, one bucket for everyone) at most the checklist's global rate a
  minute.

An object these name that the stack does not define cannot be proven: it is reported. All four are advisory: GKE's
load balancer is configured by objects (BackendConfigs, Cloud Armor policies) that a platform stack or the console
often owns, out of this stack's sight; ``agencyos-infra verify`` proves the redirect, headers and limits live. (A
stack that shows the break, e.g. an Ingress serving HTTP with no FrontendConfig, is reported all the same.)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from agencyos_checklist.numbers import GLOBAL_RATE_LIMIT_RPM, HSTS_MAX_AGE_SECONDS
from agencyos_checklist.numbers import SECURITY_HEADERS as CHECKLIST_HEADERS
from pulumi_policy import Severity

from agencyos_policy.kubernetes.controllers import GKE, annotations_of, public_ingresses
from agencyos_policy.kubernetes.ingress import INGRESSES, SERVICE, header_ok
from agencyos_policy.props import ABSENT, UNKNOWN, items, lookup
from agencyos_policy.registry import ADVISORY, StackSubject, bound, stack_policy
from agencyos_policy.rules import number

FRONTEND_CONFIG = "kubernetes:networking.gke.io/v1beta1:FrontendConfig"
BACKEND_CONFIG = "kubernetes:cloud.google.com/v1:BackendConfig"
BACKEND_CONFIG_BETA = "kubernetes:cloud.google.com/v1beta1:BackendConfig"
SECURITY_POLICY = "gcp:compute/securityPolicy:SecurityPolicy"
SECURITY_POLICY_RULE = "gcp:compute/securityPolicyRule:SecurityPolicyRule"
FRONTEND_ANNOTATION = "networking.gke.io/v1beta1.FrontendConfig"
ALLOW_HTTP = "kubernetes.io/ingress.allow-http"
BACKEND_ANNOTATIONS = ("cloud.google.com/backend-config", "beta.cloud.google.com/backend-config")
RATE_ACTIONS = ("throttle", "rate_based_ban")
CLIENT_KEYS = ("IP", "XFF_IP")
HSTS = "Strict-Transport-Security"
TAGS = ("kubernetes", "ingress", "gke")
SECONDS_PER_MINUTE = 60


def _namespace(props: Any) -> Any:
    namespace = lookup(props, "metadata", "namespace")
    return "default" if namespace in (ABSENT, "") else namespace


def _objects(subject: StackSubject, *types: str) -> dict[tuple[Any, Any], Any]:
    return {(_namespace(r.props), lookup(r.props, "metadata", "name")): r.props for r in subject.of_type(*types)}


def _backend_services(props: Any) -> list[Any]:
    """Names of the Services an Ingress routes to (its default backend and every rule path's)."""
    names = [lookup(props, "spec", "defaultBackend", "service", "name")]
    rules = items(props, "spec", "rules")
    for rule in rules if isinstance(rules, list) else []:
        paths = items(rule, "http", "paths")
        names += [lookup(p, "backend", "service", "name") for p in (paths if isinstance(paths, list) else [])]
    return [name for name in names if name is not ABSENT]


def _backend_config_names(service: Any) -> Any:
    """The BackendConfigs a Service names in its annotation (every port's and the default), [] or UNKNOWN."""
    annotations = annotations_of(service)
    text = next((annotations[k] for k in BACKEND_ANNOTATIONS if k in annotations), ABSENT)
    if text is UNKNOWN or lookup(service, "metadata", "annotations") is UNKNOWN:
        return UNKNOWN
    try:
        parsed = json.loads(text) if isinstance(text, str) else {}
    except ValueError:
        return []
    names = [parsed.get("default")] if isinstance(parsed, dict) else []
    ports = parsed.get("ports") if isinstance(parsed, dict) else None
    names += list(ports.values()) if isinstance(ports, dict) else []
    return [name for name in names if isinstance(name, str)]


def backend_configs(subject: StackSubject, ingress: Any) -> tuple[list[Any], list[str]]:
    """The BackendConfig specs serving an Ingress's backends, and why some cannot be read (problems)."""
    services = _objects(subject, SERVICE)
    configs = _objects(subject, BACKEND_CONFIG, BACKEND_CONFIG_BETA)
    namespace = _namespace(ingress.props)
    found, problems = [], []
    for name in _backend_services(ingress.props):
        if name is UNKNOWN:
            problems.append("a backend Service's name is computed and unknown during preview")
            continue
        service = services.get((namespace, name))
        if service is None:
            problems.append(f"its backend Service {name} is not in this stack, so its BackendConfig cannot be read")
            continue
        names = _backend_config_names(service)
        if names is UNKNOWN:
            problems.append(f"the Service {name}'s annotations are computed and unknown during preview")
            continue
        if not names:
            problems.append(f"the Service {name} names no BackendConfig ({BACKEND_ANNOTATIONS[0]})")
        for config in names:
            spec = configs.get((namespace, config))
            if spec is None:
                problems.append(f"the BackendConfig {config} its Service {name} names is not in this stack")
            else:
                found.append(lookup(spec, "spec"))
    return found, problems


def response_headers(spec: Any) -> Any:
    """A BackendConfig's custom response headers (name lowercased -> value), or UNKNOWN."""
    listed = items(spec, "customResponseHeaders", "headers")
    if listed is UNKNOWN or (isinstance(listed, list) and UNKNOWN in listed):
        return UNKNOWN
    headers: dict[str, str] = {}
    for entry in listed if isinstance(listed, list) else []:
        name, _, value = str(entry).partition(":")
        headers[name.strip().lower()] = value.strip()
    return headers


def hsts_ok(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    directives = [part.strip().lower() for part in value.split(";")]
    ages = [number(d.split("=", 1)[1]) for d in directives if d.startswith("max-age=")]
    return bool(ages) and (ages[0] or 0) >= HSTS_MAX_AGE_SECONDS and "includesubdomains" in directives


@stack_policy(
    name="kubernetes-gke-ingress-https-redirect",
    item="8.application-security.1.2",
    level=ADVISORY,
    severity=Severity.HIGH,
    description="Every public GKE Ingress redirects HTTP to HTTPS: it names a FrontendConfig of its namespace with "
    "redirectToHttps.enabled, or serves no HTTP (kubernetes.io/ingress.allow-http false).",
    remediation=f"Define a networking.gke.io/v1beta1 FrontendConfig with spec.redirectToHttps.enabled: true and "
    f"annotate the Ingress {FRONTEND_ANNOTATION}: <its name>.",
    resource_types=(*INGRESSES, FRONTEND_CONFIG),
    tags=TAGS,
)
def gke_https_redirect(subject: StackSubject) -> Iterator[tuple[str, str | None]]:
    frontends = _objects(subject, FRONTEND_CONFIG)
    for ingress in public_ingresses(subject, GKE):
        annotations = annotations_of(ingress.props)
        allow_http, name = annotations.get(ALLOW_HTTP, ABSENT), annotations.get(FRONTEND_ANNOTATION, ABSENT)
        if UNKNOWN in (allow_http, name):
            yield "the Ingress's annotations are computed and unknown during preview.", ingress.urn
            continue
        if str(allow_http).lower() == "false":
            continue
        if name is ABSENT:
            yield (
                f"metadata.annotations[{FRONTEND_ANNOTATION}] must name a FrontendConfig that redirects to HTTPS.",
                (ingress.urn),
            )
            continue
        frontend = frontends.get((_namespace(ingress.props), name))
        enabled = None if frontend is None else lookup(frontend, "spec", "redirectToHttps", "enabled")
        if frontend is None:
            yield f"the FrontendConfig {name} the Ingress names is not in this stack, in its namespace.", ingress.urn
        elif enabled is UNKNOWN:
            yield f"the FrontendConfig {name}'s redirectToHttps is computed and unknown during preview.", ingress.urn
        elif enabled is not True:
            yield f"the FrontendConfig {name} must set spec.redirectToHttps.enabled: true.", ingress.urn


def _header_ok(name: str, value: Any) -> bool:
    return hsts_ok(value) if name == HSTS else header_ok(name, value)


def _judge_headers(subject: StackSubject, wanted: list[str]) -> Iterator[tuple[str, str | None]]:
    for ingress in public_ingresses(subject, GKE):
        specs, problems = backend_configs(subject, ingress)
        for problem in problems:
            yield f"{problem}: its response headers cannot be proven.", ingress.urn
        for spec in specs:
            headers = response_headers(spec)
            if headers is UNKNOWN:
                yield "a BackendConfig's customResponseHeaders are computed and unknown during preview.", ingress.urn
                continue
            missing = [name for name in wanted if not _header_ok(name, headers.get(name.lower()))]
            if missing:
                note = " (max-age of at least a year; includeSubDomains)" if HSTS in missing else ""
                yield (
                    f"a BackendConfig of its backends must add {', '.join(missing)}{note} in "
                    "spec.customResponseHeaders.headers.",
                    ingress.urn,
                )


@stack_policy(
    name="kubernetes-gke-ingress-hsts",
    item="8.application-security.1.1",
    level=ADVISORY,
    severity=Severity.HIGH,
    description="Every public GKE Ingress sends Strict-Transport-Security for at least a year, subdomains included, "
    "from the BackendConfig of each of its backend Services (spec.customResponseHeaders).",
    remediation=f'Add "Strict-Transport-Security: max-age={HSTS_MAX_AGE_SECONDS}; includeSubDomains" to each '
    "backend's BackendConfig spec.customResponseHeaders.headers.",
    resource_types=(*INGRESSES, SERVICE, BACKEND_CONFIG, BACKEND_CONFIG_BETA),
    tags=TAGS,
)
def gke_hsts(subject: StackSubject) -> Iterator[tuple[str, str | None]]:
    yield from _judge_headers(subject, [HSTS])


@stack_policy(
    name="kubernetes-gke-ingress-security-headers",
    item="8.application-security.2",
    level=ADVISORY,
    severity=Severity.HIGH,
    description="Every public GKE Ingress adds the checklist's security headers (CSP default-src 'self' or "
    "stricter, X-Frame-Options DENY, nosniff, X-XSS-Protection, Referrer-Policy) from the BackendConfig of each of "
    "its backend Services (spec.customResponseHeaders).",
    remediation='Add one "Name: value" entry per checklist header to each backend\'s BackendConfig '
    "spec.customResponseHeaders.headers.",
    resource_types=(*INGRESSES, SERVICE, BACKEND_CONFIG, BACKEND_CONFIG_BETA),
    tags=TAGS,
)
def gke_security_headers(subject: StackSubject) -> Iterator[tuple[str, str | None]]:
    yield from _judge_headers(subject, list(CHECKLIST_HEADERS))


def _armor_rules(subject: StackSubject) -> dict[Any, list[Any]]:
    """Each Cloud Armor policy of the stack by name (its ``name``, else the resource's), with its rules."""
    policies: dict[Any, list[Any]] = {}
    for policy in subject.of_type(SECURITY_POLICY):
        name = lookup(policy.props, "name")
        rules = items(policy.props, "rules")
        policies[policy.name if name is ABSENT else name] = rules if isinstance(rules, list) else []
    for rule in subject.of_type(SECURITY_POLICY_RULE):
        policies.setdefault(lookup(rule.props, "securityPolicy"), []).append(rule.props)
    return policies


def armor_rate_per_minute(rules: list[Any]) -> Any:
    """The strictest per-client-IP limit a minute among a policy's rate rules (None: none), or UNKNOWN."""
    limits = []
    for rule in rules:
        action = lookup(rule, "action")
        if action is UNKNOWN:
            return UNKNOWN
        if action not in RATE_ACTIONS:
            continue
        options = lookup(rule, "rateLimitOptions")
        key = lookup(options, "enforceOnKey")
        count = lookup(options, "rateLimitThreshold", "count")
        interval = lookup(options, "rateLimitThreshold", "intervalSec")
        if UNKNOWN in (options, key, count, interval):
            return UNKNOWN
        amount, seconds = number(count), number(interval)
        if key in CLIENT_KEYS and amount is not None and seconds:
            limits.append(amount * SECONDS_PER_MINUTE / seconds)
    return min(limits) if limits else None


@stack_policy(
    name="kubernetes-gke-ingress-rate-limit",
    item="8.application-security.3",
    level=ADVISORY,
    severity=Severity.HIGH,
    description="Every public GKE Ingress limits each client IP to the checklist's global rate a minute: the "
    "BackendConfig of each backend names (securityPolicy) a Cloud Armor policy of the stack with a throttle or "
    "rate_based_ban rule keyed by IP.",
    remediation="Create a gcp.compute.SecurityPolicy with a throttle rule (rateLimitOptions: enforceOnKey IP, "
    f"rateLimitThreshold {GLOBAL_RATE_LIMIT_RPM.value} per 60 s) and name it in each backend's BackendConfig "
    "spec.securityPolicy.name.",
    # It reads the stack's Cloud Armor policies too (gcp types, which a kubernetes policy does not list).
    resource_types=(*INGRESSES, SERVICE, BACKEND_CONFIG, BACKEND_CONFIG_BETA),
    config={"maxRequestsPerMinute": bound(GLOBAL_RATE_LIMIT_RPM, "Most requests a minute per client IP.")},
    tags=TAGS,
)
def gke_rate_limit(subject: StackSubject) -> Iterator[tuple[str, str | None]]:
    maximum = float(subject.config["maxRequestsPerMinute"])
    armor = _armor_rules(subject)
    for ingress in public_ingresses(subject, GKE):
        specs, problems = backend_configs(subject, ingress)
        for problem in problems:
            yield f"{problem}: its rate limit cannot be proven.", ingress.urn
        for spec in specs:
            name = lookup(spec, "securityPolicy", "name")
            if name is UNKNOWN:
                yield "a BackendConfig's securityPolicy is computed and unknown during preview.", ingress.urn
            elif name in (ABSENT, ""):
                yield (
                    "a BackendConfig of its backends must name a Cloud Armor policy (spec.securityPolicy.name).",
                    (ingress.urn),
                )
            elif name not in armor:
                yield (
                    f"the Cloud Armor policy {name} is not in this stack, so its rate limit cannot be proven.",
                    (ingress.urn),
                )
            else:
                rate = armor_rate_per_minute(armor[name])
                if rate is UNKNOWN:
                    yield f"the Cloud Armor policy {name}'s rules are computed and unknown during preview.", ingress.urn
                elif rate is None:
                    yield (
                        f"the Cloud Armor policy {name} must have a throttle or rate_based_ban rule keyed by IP "
                        f"(at most {maximum:g} requests a minute; policy config maxRequestsPerMinute).",
                        ingress.urn,
                    )
                elif rate > maximum:
                    yield (
                        f"the Cloud Armor policy {name} allows {rate:g} requests a minute per IP, the checklist says "
                        f"at most {maximum:g} (policy config maxRequestsPerMinute).",
                        ingress.urn,
                    )
