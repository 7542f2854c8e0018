"""Ingress and ingress-nginx policies: checklist §8 Application Security (HTTPS only, HSTS, headers, rate limits).

The controller is recognised however it is installed: a Helm chart named ``ingress-nginx``
(``kubernetes:helm.sh/v3:Release`` or ``kubernetes:helm.sh/v4:Chart``; its ``values``, where the controller's
ConfigMap is ``controller.config``), or plain objects (a ConfigMap whose name ends in ``ingress-nginx-controller``,
its ``data`` the controller config). Values given only through ``valueYamlFiles`` (v3) or ``valueYamlFiles`` /
files (v4) are assets the pack cannot read: what they set is judged as absent, i.e. as the chart's default.
Absent keys are judged as ingress-nginx defaults them (controller v1.9 and later): ``ssl-redirect`` true,
``hsts`` true for one year with subdomains, ``allow-snippet-annotations`` false (true before chart 4.8.0 /
controller v1.9.0, so a release pinned below that without the key fails).

Rate limits (8.application-security.3), precisely: an Ingress's limit per client IP and minute is the
smaller of ``nginx.ingress.kubernetes.io/limit-rpm`` and 60 x ``limit-rps`` (ingress-nginx applies both
when both are set); no limit, or an allow-list that exempts every address (``limit-allowlist`` /
``limit-whitelist`` with a /0), is no limit. Every Ingress served by nginx (class absent or naming nginx) and
not internal (class or name with "internal") is public. An Ingress with an auth path (a path segment such
as auth, login, signin, signup, register, password, reset, token, oauth) is held to the auth limit.

Snippets: any annotation whose name ends in ``-snippet`` or ``-snippets`` (ingress-nginx's
configuration-, server-, auth-, stream-, modsecurity-snippet; NGINX Inc.'s server-/location-snippets) is
refused, mandatory: a snippet rewrites the controller's nginx configuration for every host it serves, so
it can drop the HSTS and security headers, lift the rate limits or read the controller's secrets (the CVE
class of CVE-2021-25742, CVE-2023-5044 and CVE-2025-1974). They are judged under the headers item, which
the issue requires be set through the controller's configuration, not through snippets.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Mapping
from functools import partial
from typing import Any

from agencyos_checklist.numbers import AUTH_RATE_LIMIT_RPM, GLOBAL_RATE_LIMIT_RPM, HSTS_MAX_AGE_SECONDS
from agencyos_checklist.numbers import SECURITY_HEADERS as CHECKLIST_HEADERS
from pulumi_policy import Severity

from agencyos_policy.props import ABSENT, UNKNOWN, items, lookup
from agencyos_policy.registry import MANDATORY, Param, StackSubject, Subject, bound, resource_policy, stack_policy
from agencyos_policy.rules import number, unknown

INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
INGRESS_V1BETA1 = "kubernetes:networking.k8s.io/v1beta1:Ingress"
INGRESS_EXTENSIONS = "kubernetes:extensions/v1beta1:Ingress"
INGRESSES = (INGRESS, INGRESS_V1BETA1, INGRESS_EXTENSIONS, f"{INGRESS}Patch")
SERVICE = "kubernetes:core/v1:Service"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
HELM_CHART = "kubernetes:helm.sh/v4:Chart"
CONTROLLER_TYPES = (HELM_RELEASE, HELM_CHART, CONFIG_MAP)
NGINX = "nginx.ingress.kubernetes.io"
NGINX_INC_PREFIXES = ("nginx.org/", "nginx.com/")
SECONDS_PER_MINUTE = 60
MIN_HSTS_MAX_AGE = Param(
    {
        "type": "integer",
        "minimum": 0,
        "default": HSTS_MAX_AGE_SECONDS,
        "description": "Least HSTS max-age, in seconds (the checklist states none: a year, the preload list's floor).",
    }
)
"""An HSTS policy's ``minMaxAgeSeconds``: AgencyOS's number, not the checklist's."""
# ingress-nginx's defaults for absent ConfigMap keys (controller v1.9 and later).
# https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/configmap/
DEFAULTS = {
    "ssl-redirect": "true",
    "hsts": "true",
    "hsts-max-age": str(HSTS_MAX_AGE_SECONDS),
    "hsts-include-subdomains": "true",
    "allow-snippet-annotations": "false",
}
# Chart 4.8.0 (controller v1.9.0) turned allow-snippet-annotations off by default.
# https://github.com/kubernetes/ingress-nginx/blob/main/changelog/controller-1.9.0.md
SNIPPETS_OFF_SINCE_CHART = (4, 8, 0)
_CHART = re.compile(r"(^|/)ingress-nginx(-[0-9][^/]*\.tgz)?/?$")
_CONTROLLER_CONFIG_MAP = re.compile(r"(^|-)ingress-nginx-controller$")
_SNIPPET = re.compile(r"-snippets?$")
_AUTH_SEGMENT = re.compile(
    r"^(auth|authenticate|login|logon|signin|sign-in|signup|sign-up|register|password|passwords|reset|"
    r"forgot-password|reset-password|token|oauth|oauth2|session|sessions|2fa|mfa|otp)$"
)
# Referrer-Policy values at least as strict as the checklist's strict-origin-when-cross-origin.
STRICTER_REFERRER = frozenset({"no-referrer", "same-origin", "strict-origin"})

ingress_policy = partial(resource_policy, tags=("kubernetes", "ingress"))


def config_text(value: Any) -> Any:
    """A config value as ingress-nginx reads it (strings; YAML booleans and numbers as their text)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if value in (ABSENT, UNKNOWN) else str(value)


def _chart_version(props: Any) -> tuple[int, ...] | None:
    version = lookup(props, "version")
    match = re.match(r"^v?([0-9]+)\.([0-9]+)\.([0-9]+)", version) if isinstance(version, str) else None
    return tuple(int(part) for part in match.groups()) if match else None


def is_controller(subject_type: str, props: Any) -> bool:
    """Whether a resource installs or configures ingress-nginx's controller (see the module docstring)."""
    if subject_type in (HELM_RELEASE, HELM_CHART):
        chart = lookup(props, "chart")
        return isinstance(chart, str) and bool(_CHART.search(chart))
    if subject_type == CONFIG_MAP:
        name = lookup(props, "metadata", "name")
        return isinstance(name, str) and bool(_CONTROLLER_CONFIG_MAP.search(name))
    return False


def _is_controller(subject: Subject) -> bool:
    return is_controller(subject.resource_type, subject.props)


def config_path(resource_type: str) -> tuple[str, ...]:
    """Where a controller resource keeps the controller's ConfigMap entries."""
    return ("data",) if resource_type == CONFIG_MAP else ("values", "controller", "config")


def _setting(subject: Subject, key: str) -> Any:
    """A controller config key as text, ABSENT or UNKNOWN (the whole config unknown is UNKNOWN)."""
    path = config_path(subject.resource_type)
    config = lookup(subject.props, *path)
    if config is UNKNOWN:
        return UNKNOWN
    return config_text(lookup(config, key))


def _config_checks(subject: Subject, key: str, ok: Any, requirement: str) -> Iterator[str]:
    path = (*config_path(subject.resource_type), key)
    value = _setting(subject, key)
    if value is UNKNOWN:
        yield from unknown(subject, path)
        return
    absent = value is ABSENT
    if not ok(DEFAULTS.get(key) if absent else value):
        note = f"; it is not set, and ingress-nginx's default is {DEFAULTS.get(key)}" if absent else ""
        yield f"{'.'.join(path)} must {requirement}{note}."


@ingress_policy(
    name="kubernetes-ingressnginx-controller-no-snippet-annotations",
    item="8.application-security.2",
    level=MANDATORY,
    severity=Severity.CRITICAL,
    description="The ingress-nginx controller refuses snippet annotations (allow-snippet-annotations not true): "
    "snippets rewrite its nginx configuration, can drop the security headers and HSTS and read its secrets.",
    remediation='Set controller.config allow-snippet-annotations: "false" (and controller.allowSnippetAnnotations: '
    "false); set headers through add-headers.",
    resource_types=CONTROLLER_TYPES,
    applies=_is_controller,
)
def controller_no_snippets(subject: Subject) -> Iterator[str]:
    if subject.resource_type != CONFIG_MAP:
        allow = lookup(subject.props, "values", "controller", "allowSnippetAnnotations")
        if allow is UNKNOWN:
            yield from unknown(subject, ("values", "controller", "allowSnippetAnnotations"))
        elif config_text(allow) == "true":
            yield "values.controller.allowSnippetAnnotations must be false."
    version = _chart_version(subject.props) if subject.resource_type != CONFIG_MAP else None
    old = version is not None and version < SNIPPETS_OFF_SINCE_CHART
    if old and _setting(subject, "allow-snippet-annotations") is ABSENT:
        yield "allow-snippet-annotations must be false; it is not set, and charts before 4.8.0 default it to true."
        return
    yield from _config_checks(subject, "allow-snippet-annotations", lambda v: v == "false", 'be "false"')


@ingress_policy(
    name="kubernetes-ingressnginx-controller-https-redirect",
    item="8.application-security.1.2",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="The ingress-nginx controller redirects HTTP to HTTPS (ssl-redirect not false).",
    remediation='Leave ssl-redirect at its default or set it to "true" (force-ssl-redirect: "true" also covers hosts '
    "whose TLS ends before the controller).",
    resource_types=CONTROLLER_TYPES,
    applies=_is_controller,
)
def controller_https_redirect(subject: Subject) -> Iterator[str]:
    if _setting(subject, "force-ssl-redirect") == "true":
        return
    yield from _config_checks(subject, "ssl-redirect", lambda v: v == "true", 'be "true"')


@ingress_policy(
    name="kubernetes-ingressnginx-controller-hsts",
    item="8.application-security.1.1",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="The ingress-nginx controller sends Strict-Transport-Security for at least a year, subdomains "
    "included (hsts, hsts-max-age, hsts-include-subdomains).",
    remediation='Leave hsts, hsts-max-age and hsts-include-subdomains at their defaults or set "true", '
    'a max-age of at least a year, "true".',
    resource_types=CONTROLLER_TYPES,
    applies=_is_controller,
    config={"minMaxAgeSeconds": MIN_HSTS_MAX_AGE},
)
def controller_hsts(subject: Subject) -> Iterator[str]:
    least = subject.config["minMaxAgeSeconds"]

    def long_enough(value: Any) -> bool:
        seconds = number(value)
        return seconds is not None and seconds >= least

    yield from _config_checks(subject, "hsts", lambda v: v == "true", 'be "true"')
    yield from _config_checks(subject, "hsts-max-age", long_enough, f"be at least {least} seconds")
    yield from _config_checks(subject, "hsts-include-subdomains", lambda v: v == "true", 'be "true"')


def _annotations(props: Any) -> Any:
    annotations = lookup(props, "metadata", "annotations")
    return annotations if annotations in (ABSENT, UNKNOWN) or isinstance(annotations, Mapping) else ABSENT


@ingress_policy(
    name="kubernetes-networking-ingress-no-snippets",
    item="8.application-security.2",
    level=MANDATORY,
    severity=Severity.CRITICAL,
    description="No Ingress carries a snippet annotation (configuration-, server-, auth-, stream-snippet...): "
    "snippets can drop the security headers and HSTS, lift rate limits and expose the controller's secrets.",
    remediation="Remove the snippet annotation; set headers through the controller's add-headers and limits "
    "through limit-rpm.",
    resource_types=INGRESSES,
)
def ingress_no_snippets(subject: Subject) -> Iterator[str]:
    annotations = _annotations(subject.props)
    if annotations is UNKNOWN:
        yield from unknown(subject, ("metadata", "annotations"))
    elif annotations is not ABSENT:
        for key in sorted(annotations):
            if _SNIPPET.search(key.rsplit("/", 1)[-1]):
                yield f"metadata.annotations[{key}] is a snippet annotation and must be removed."


@ingress_policy(
    name="kubernetes-networking-ingress-https-redirect",
    item="8.application-security.1.2",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="No Ingress turns the HTTPS redirect off (nginx.ingress.kubernetes.io/ssl-redirect false without "
    "force-ssl-redirect true).",
    remediation=f'Remove {NGINX}/ssl-redirect: "false" (or set {NGINX}/force-ssl-redirect: "true").',
    resource_types=INGRESSES,
)
def ingress_https_redirect(subject: Subject) -> Iterator[str]:
    annotations = _annotations(subject.props)
    if annotations is UNKNOWN:
        yield from unknown(subject, ("metadata", "annotations"))
        return
    if annotations is ABSENT:
        return
    redirect, force = (config_text(lookup(annotations, f"{NGINX}/{k}")) for k in ("ssl-redirect", "force-ssl-redirect"))
    if UNKNOWN in (redirect, force):
        yield from unknown(subject, ("metadata", "annotations"))
    elif redirect == "false" and force != "true":
        yield f"metadata.annotations[{NGINX}/ssl-redirect] must not be false: HTTP must be redirected to HTTPS."


def ingress_class(props: Any) -> Any:
    name = lookup(props, "spec", "ingressClassName")
    if name is ABSENT:
        name = lookup(props, "metadata", "annotations", "kubernetes.io/ingress.class")
    return name


def is_public_nginx(props: Any) -> bool:
    """Served by ingress-nginx (class absent, unknown or naming nginx, and no NGINX Inc annotation) and not internal.

    An Ingress with ``nginx.org/`` or ``nginx.com/`` annotations is NGINX Inc's: ``kubernetes.nginxinc`` judges it."""
    cls = ingress_class(props)
    name = lookup(props, "metadata", "name")
    internal = any(isinstance(v, str) and "internal" in v for v in (cls, name))
    annotations = _annotations(props)
    nginx_inc = isinstance(annotations, Mapping) and any(
        str(key).startswith(NGINX_INC_PREFIXES) for key in list(annotations.keys())
    )
    return not internal and not nginx_inc and (cls in (ABSENT, UNKNOWN) or (isinstance(cls, str) and "nginx" in cls))


def _paths(props: Any) -> Any:
    """Every rule's HTTP paths (a path absent is None), or UNKNOWN."""
    rules = items(props, "spec", "rules")
    if rules is UNKNOWN:
        return UNKNOWN
    found: list[Any] = []
    for rule in rules if isinstance(rules, list) else []:
        paths = items(rule, "http", "paths")
        if paths is UNKNOWN:
            return UNKNOWN
        found += [lookup(path, "path") for path in (paths if isinstance(paths, list) else [])]
    return found


def is_auth_path(path: Any) -> bool:
    return isinstance(path, str) and any(_AUTH_SEGMENT.match(s) for s in path.lower().split("/") if s)


def rate_per_minute(annotations: Any) -> Any:
    """The Ingress's per-client-IP limit a minute (None: no limit), or UNKNOWN."""
    if annotations is UNKNOWN:
        return UNKNOWN
    if annotations is ABSENT:
        return None
    rpm, rps = (config_text(lookup(annotations, f"{NGINX}/{k}")) for k in ("limit-rpm", "limit-rps"))
    if UNKNOWN in (rpm, rps):
        return UNKNOWN
    per_second = number(rps)
    candidates = [number(rpm), None if per_second is None else per_second * SECONDS_PER_MINUTE]
    limits = [limit for limit in candidates if limit is not None and limit > 0]
    allow = config_text(lookup(annotations, f"{NGINX}/limit-allowlist"))
    allow = config_text(lookup(annotations, f"{NGINX}/limit-whitelist")) if allow is ABSENT else allow
    if isinstance(allow, str) and any(c.strip().endswith("/0") for c in allow.split(",")):
        return None
    return min(limits) if limits else None


def _rate_checks(subject: Subject, maximum: float, what: str) -> Iterator[str]:
    rate = rate_per_minute(_annotations(subject.props))
    if rate is UNKNOWN:
        yield from unknown(subject, ("metadata", "annotations"))
    elif rate is None:
        yield f"the Ingress must limit {what} to at most {maximum:g} requests a minute per client IP (limit-rpm)."
    elif rate > maximum:
        yield f"{NGINX}/limit-rpm (or 60 x limit-rps) must be at most {maximum:g} for {what}."


def _public(subject: Subject) -> bool:
    return is_public_nginx(subject.props) and not (
        subject.resource_type.endswith("Patch") and _annotations(subject.props) is ABSENT
    )


@ingress_policy(
    name="kubernetes-networking-ingress-rate-limit",
    item="8.application-security.3",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="Every public nginx Ingress limits each client IP to the checklist's global rate a minute "
    "(limit-rpm, or limit-rps x 60; the smaller when both).",
    remediation=f'Annotate the Ingress {NGINX}/limit-rpm: "<at most the global limit>" (and limit-burst-multiplier: '
    '"1").',
    resource_types=INGRESSES,
    applies=_public,
    config={"maxRequestsPerMinute": bound(GLOBAL_RATE_LIMIT_RPM, "Most requests a minute per client IP.")},
)
def ingress_rate_limit(subject: Subject) -> Iterator[str]:
    yield from _rate_checks(subject, subject.config["maxRequestsPerMinute"], "every path")


def _public_auth(subject: Subject) -> bool:
    paths = _paths(subject.props)
    return _public(subject) and (paths is UNKNOWN or any(is_auth_path(p) for p in paths))


@ingress_policy(
    name="kubernetes-networking-ingress-auth-rate-limit",
    item="8.application-security.3",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="A public nginx Ingress routing auth paths (login, register, reset, token...) limits each client IP "
    "to the checklist's auth rate a minute.",
    remediation=f"Route the auth paths through their own Ingress annotated {NGINX}/limit-rpm: "
    '"<at most the auth limit>".',
    resource_types=INGRESSES,
    applies=_public_auth,
    config={"maxRequestsPerMinute": bound(AUTH_RATE_LIMIT_RPM, "Most auth requests a minute per client IP.")},
)
def ingress_auth_rate_limit(subject: Subject) -> Iterator[str]:
    if _paths(subject.props) is UNKNOWN:
        yield from unknown(subject, ("spec", "rules"))
        return
    yield from _rate_checks(subject, subject.config["maxRequestsPerMinute"], "auth paths")


def is_controller_service(props: Any) -> bool:
    labels = lookup(props, "metadata", "labels")
    return (
        isinstance(labels, Mapping)
        and labels.get("app.kubernetes.io/name") == "ingress-nginx"
        and labels.get("app.kubernetes.io/component") == "controller"
    )


_INTERNAL_LB = ("networking.gke.io/load-balancer-type", "cloud.google.com/load-balancer-type")
# The older annotation form of spec.loadBalancerSourceRanges, read only when the field is empty (Kubernetes'
# cloud-provider service helpers, GetLoadBalancerSourceRanges).
# https://kubernetes.io/docs/concepts/services-networking/service/#other-annotations
SOURCE_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges"


def source_ranges(props: Any) -> Any:
    """The CIDRs a LoadBalancer Service admits (spec.loadBalancerSourceRanges, else the annotation), ABSENT for
    anyone, or UNKNOWN."""
    ranges = items(props, "spec", "loadBalancerSourceRanges")
    if ranges is UNKNOWN or (isinstance(ranges, list) and ranges):
        return ranges
    annotation = lookup(props, "metadata", "annotations", SOURCE_RANGES_ANNOTATION)
    if annotation is UNKNOWN:
        return UNKNOWN
    if isinstance(annotation, str) and annotation.strip():
        return [part.strip() for part in annotation.split(",") if part.strip()]
    return ABSENT


def _networks(texts: Any) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for text in texts if isinstance(texts, list | tuple) else []:
        try:
            networks.append(ipaddress.ip_network(str(text).strip(), strict=False))
        except ValueError:
            continue
    return networks


def range_problems(ranges: list[Any], allowed: Any) -> Iterator[str]:
    """Why source ranges do not restrict a load balancer to the allowed (office) ranges; none when they do.

    Without configured ranges, any list that does not admit the whole internet (a /0) restricts it."""
    offices = _networks(allowed)
    for index, text in enumerate(ranges):
        where = f"spec.loadBalancerSourceRanges[{index}]"
        try:
            network = ipaddress.ip_network(str(text).strip(), strict=False)
        except ValueError:
            yield f"{where} must be a CIDR range."
            continue
        if network.prefixlen == 0:
            yield f"{where} admits the whole internet."
        elif offices and not any(
            network.version == office.version and network.subnet_of(office)  # type: ignore[arg-type]
            for office in offices
        ):
            yield f"{where} must be within the allowed office ranges (policy config allowedSourceRanges)."


@ingress_policy(
    name="kubernetes-core-service-single-load-balancer",
    item="8.application-security.1",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="No Service of type LoadBalancer other than the ingress controller's is exposed to the internet: "
    "any other bypasses HTTPS-only, HSTS, the security headers and the rate limits. An internal load balancer, "
    "or one whose loadBalancerSourceRanges admit only the allowed (office) ranges, is not exposed.",
    remediation="Make the Service ClusterIP and route it through an Ingress, make it an internal load balancer "
    "(networking.gke.io/load-balancer-type: Internal), or restrict spec.loadBalancerSourceRanges to the office "
    "ranges (policy config allowedSourceRanges).",
    resource_types=(SERVICE, f"{SERVICE}Patch"),
    config={
        "allowedSourceRanges": Param(
            {
                "type": "array",
                "items": {"type": "string", "pattern": "^[0-9A-Fa-f:.]+/[0-9]{1,3}$"},
                "default": [],
                "description": "Office (admin) CIDR ranges a restricted LoadBalancer Service may admit; empty: any "
                "loadBalancerSourceRanges that do not admit the whole internet (/0).",
            },
            item="8.infrastructure-security.2.2",  # Whitelist known IPs for admin access
        )
    },
)
def single_load_balancer(subject: Subject) -> Iterator[str]:
    kind = lookup(subject.props, "spec", "type")
    if kind is UNKNOWN:
        yield from unknown(subject, ("spec", "type"))
        return
    if kind != "LoadBalancer" or is_controller_service(subject.props):
        return
    annotations = _annotations(subject.props)
    if annotations is UNKNOWN:
        yield from unknown(subject, ("metadata", "annotations"))
        return
    if isinstance(annotations, Mapping) and any(
        str(annotations.get(k, "")).lower() == "internal" for k in _INTERNAL_LB
    ):
        return
    ranges = source_ranges(subject.props)
    if ranges is UNKNOWN:
        yield from unknown(subject, ("spec", "loadBalancerSourceRanges"))
        return
    if ranges is ABSENT:
        yield (
            "spec.type must not be LoadBalancer: only the ingress controller's Service faces the internet (or make "
            "it internal, or restrict spec.loadBalancerSourceRanges to the office ranges)."
        )
        return
    if UNKNOWN in ranges:
        yield from unknown(subject, ("spec", "loadBalancerSourceRanges"))
        return
    yield from range_problems(ranges, subject.config["allowedSourceRanges"])


def _controller_headers(resource: Any, config_maps: Mapping[tuple[Any, Any], Any]) -> tuple[Any, str | None]:
    """The headers a controller adds (name -> value), or UNKNOWN; and why they cannot be read, if so."""
    headers: dict[str, Any] = {}
    if resource.resource_type != CONFIG_MAP:
        inline = lookup(resource.props, "values", "controller", "addHeaders")
        if inline is UNKNOWN:
            return UNKNOWN, None
        if isinstance(inline, Mapping):
            headers.update({str(k): config_text(v) for k, v in inline.items()})
    reference = config_text(lookup(resource.props, *config_path(resource.resource_type), "add-headers"))
    if reference is UNKNOWN:
        return UNKNOWN, None
    if isinstance(reference, str):
        namespace, _, name = reference.rpartition("/")
        data = config_maps.get((namespace or "default", name))
        if data is None:
            return headers, f"add-headers names ConfigMap {reference}, which this stack does not define"
        if data is UNKNOWN:
            return UNKNOWN, None
        headers.update({str(k): config_text(v) for k, v in data.items()})
    return headers, None


def header_ok(name: str, value: Any) -> bool:
    """Whether ``value`` meets the checklist's header ``name`` (or is stricter)."""
    if not isinstance(value, str):
        return False
    wanted = CHECKLIST_HEADERS[name].value
    text = " ".join(value.split()).lower()
    if name == "Content-Security-Policy":
        directives = {d.split(" ")[0]: d.split(" ")[1:] for d in (p.strip() for p in text.split(";")) if d}
        return directives.get("default-src") in (["'self'"], ["'none'"])
    if name == "Referrer-Policy":
        return text == wanted or text in STRICTER_REFERRER
    if name == "X-XSS-Protection":
        return text.replace(" ", "") == wanted.replace(" ", "")
    return text == wanted.lower()


@stack_policy(
    name="kubernetes-ingressnginx-controller-security-headers",
    item="8.application-security.2",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="Every ingress-nginx controller of the stack adds the checklist's security headers (CSP default-src "
    "'self' or stricter, X-Frame-Options DENY, nosniff, X-XSS-Protection, Referrer-Policy) through add-headers "
    "and a ConfigMap the stack defines, or the chart's controller.addHeaders.",
    remediation="Create a ConfigMap with the checklist's headers and point controller.config add-headers at it "
    "(<namespace>/<name>).",
    resource_types=(*CONTROLLER_TYPES,),
    tags=("kubernetes", "ingress"),
)
def controller_security_headers(subject: StackSubject) -> Iterator[tuple[str, str | None]]:
    config_maps: dict[tuple[Any, Any], Any] = {}
    for config_map in subject.of_type(CONFIG_MAP):
        namespace = lookup(config_map.props, "metadata", "namespace")
        data = lookup(config_map.props, "data")
        key = ("default" if namespace is ABSENT else namespace, lookup(config_map.props, "metadata", "name"))
        config_maps[key] = data if data is UNKNOWN or isinstance(data, Mapping) else {}
    for resource in subject.of_type(*CONTROLLER_TYPES):
        if not is_controller(resource.resource_type, resource.props):
            continue
        headers, problem = _controller_headers(resource, config_maps)
        if headers is UNKNOWN:
            if subject.mandatory:
                yield (
                    "the controller's headers are computed and unknown during preview; set them from literals.",
                    (resource.urn),
                )
            continue
        by_name = {name.lower(): value for name, value in headers.items()}
        missing = [name for name in CHECKLIST_HEADERS if not header_ok(name, by_name.get(name.lower()))]
        if missing:
            reason = f" ({problem})" if problem else ""
            yield f"the controller must add the checklist's {', '.join(missing)} header(s){reason}.", resource.urn
