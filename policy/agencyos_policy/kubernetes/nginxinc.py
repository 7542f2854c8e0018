"""NGINX Inc's Ingress controller (``nginx-ingress``, nginx/kubernetes-ingress): checklist §8 Application Security.

Its Ingresses are recognised as ``kubernetes.controllers`` says; its controller is a Helm chart named
``nginx-ingress`` (values ``controller.config.entries``, the ConfigMap's keys) or its ConfigMap ``nginx-config``.
Absent keys are judged as the controller defaults them (``NewDefaultConfigParams``,
internal/configs/config_params.go): ``ssl-redirect`` true, ``redirect-to-https`` false, ``hsts`` false,
``hsts-max-age`` 2592000 (thirty days), ``hsts-include-subdomains`` false. An Ingress annotation overrides its
key: ``nginx.org/ssl-redirect`` (or the older ``ingress.kubernetes.io/ssl-redirect``), ``nginx.org/redirect-to-https``,
and ``nginx.org/hsts`` (whose ``nginx.org/hsts-max-age`` and ``nginx.org/hsts-include-subdomains`` apply only
beside it, internal/configs/annotations.go).

- HTTPS redirect: the redirect is on (ssl-redirect, or redirect-to-https where TLS ends before the controller).
- HSTS: on, for at least a year, subdomains included; judged on each Ingress that sets ``nginx.org/hsts`` and on
  the controller of the stack where an Ingress inherits its ConfigMap (or none is in the stack).
- Rate limits: ``nginx.org/limit-req-rate`` (``<n>r/s`` or ``<n>r/m``), keyed by client IP (the default key
  ``${binary_remote_addr}``), not in dry-run; at most the checklist's global limit, and its auth limit on an Ingress
  routing auth paths.
- Security headers: this controller has no add-headers key: they are added by ``add_header`` directives in the
  controller's ``http-snippets``, ``server-snippets`` or ``location-snippets`` keys (platform-owned; the Ingress
  snippet annotations stay refused by ``kubernetes-networking-ingress-no-snippets``).

Values unknown at preview cannot pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from agencyos_checklist.numbers import AUTH_RATE_LIMIT_RPM, GLOBAL_RATE_LIMIT_RPM, HSTS_MAX_AGE_SECONDS
from agencyos_checklist.numbers import SECURITY_HEADERS as CHECKLIST_HEADERS
from pulumi_policy import Severity

from agencyos_policy.kubernetes.controllers import (
    NGINX_INC,
    annotations_of,
    is_nginx_inc_controller,
    public_ingresses,
)
from agencyos_policy.kubernetes.ingress import (
    CONFIG_MAP,
    HELM_CHART,
    HELM_RELEASE,
    INGRESSES,
    MIN_HSTS_MAX_AGE,
    config_text,
    header_ok,
    is_auth_path,
)
from agencyos_policy.props import ABSENT, UNKNOWN, items, lookup
from agencyos_policy.registry import MANDATORY, StackSubject, bound, stack_policy
from agencyos_policy.rules import number

NGINX_ORG = "nginx.org"
# NGINX Inc's defaults for absent ConfigMap keys (NewDefaultConfigParams, internal/configs/config_params.go).
# https://docs.nginx.com/nginx-ingress-controller/configuration/global-configuration/configmap-resource/
DEFAULTS = {
    "ssl-redirect": "true",
    "redirect-to-https": "false",
    "hsts": "false",
    "hsts-max-age": "2592000",
    "hsts-include-subdomains": "false",
}
SNIPPET_KEYS = ("http-snippets", "server-snippets", "location-snippets")
CLIENT_IP_KEYS = frozenset({"${binary_remote_addr}", "$binary_remote_addr", "${remote_addr}", "$remote_addr"})
_RATE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*r/([sm])\s*$")
_ADD_HEADER = re.compile(r"add_header\s+([A-Za-z0-9-]+)\s+(\"[^\"]*\"|'[^']*'|[^\s;]+)")
CONTROLLER_TYPES = (HELM_RELEASE, HELM_CHART, CONFIG_MAP)
TAGS = ("kubernetes", "ingress", "nginxinc")


def _config(resource: Any) -> Any:
    """The controller's ConfigMap entries (a mapping), or UNKNOWN."""
    path = ("data",) if resource.resource_type == CONFIG_MAP else ("values", "controller", "config", "entries")
    config = lookup(resource.props, *path)
    return config if config is UNKNOWN or isinstance(config, Mapping) else {}


def controllers(subject: StackSubject) -> list[tuple[Any, Any]]:
    """(resource, ConfigMap entries or UNKNOWN) of every NGINX Inc controller the stack installs or configures."""
    return [
        (r, _config(r)) for r in subject.of_type(*CONTROLLER_TYPES) if is_nginx_inc_controller(r.resource_type, r.props)
    ]


def _key(config: Any, key: str) -> Any:
    """A ConfigMap key as text: its value, the controller's default, or UNKNOWN."""
    if config is UNKNOWN:
        return UNKNOWN
    value = config_text(lookup(config, key))
    return DEFAULTS.get(key, ABSENT) if value is ABSENT else value


def _hsts_problems(
    hsts: Any, max_age: Any, subdomains: Any, where: Callable[[str], str], least: float = HSTS_MAX_AGE_SECONDS
) -> list[str]:
    """What keeps HSTS settings short of the checklist; ``where(key)`` names a key in a message."""
    if UNKNOWN in (hsts, max_age, subdomains):
        return [f"{where('hsts')} settings are computed and unknown during preview, so compliance cannot be proven."]
    problems = []
    if hsts != "true":
        problems.append(f"{where('hsts')} must be true (NGINX Inc's controller sends no HSTS by default).")
    seconds = number(max_age)
    if seconds is None or seconds < least:
        problems.append(f"{where('hsts-max-age')} must be at least {least:g} seconds (the default is thirty days).")
    if subdomains != "true":
        problems.append(f"{where('hsts-include-subdomains')} must be true.")
    return problems


def _annotation(key: str) -> str:
    return f"metadata.annotations[{NGINX_ORG}/{key}]"


def _entry(key: str) -> str:
    return f"the controller's ConfigMap key {key}"


@stack_policy(
    name="kubernetes-nginxinc-ingress-hsts",
    item="8.application-security.1.1",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="NGINX Inc's controller sends Strict-Transport-Security for at least a year, subdomains included: "
    "its ConfigMap hsts, hsts-max-age, hsts-include-subdomains (off by default), or nginx.org/hsts on each Ingress.",
    remediation=f'Set controller.config.entries hsts: "true", hsts-max-age: "{HSTS_MAX_AGE_SECONDS}", '
    'hsts-include-subdomains: "true" (or the nginx.org/hsts annotations on every Ingress).',
    resource_types=(*INGRESSES, *CONTROLLER_TYPES),
    tags=TAGS,
    config={"minMaxAgeSeconds": MIN_HSTS_MAX_AGE},
)
def nginx_inc_hsts(subject: StackSubject) -> Iterator[tuple[str, str | None]]:
    least = float(subject.config["minMaxAgeSeconds"])
    ingresses = list(public_ingresses(subject, NGINX_INC))
    inherit = not ingresses
    for ingress in ingresses:
        annotations = annotations_of(ingress.props)
        own = config_text(lookup(annotations, f"{NGINX_ORG}/hsts"))
        if own is ABSENT:
            inherit = True
            continue
        max_age = config_text(lookup(annotations, f"{NGINX_ORG}/hsts-max-age"))
        subdomains = config_text(lookup(annotations, f"{NGINX_ORG}/hsts-include-subdomains"))
        for problem in _hsts_problems(
            own,
            DEFAULTS["hsts-max-age"] if max_age is ABSENT else max_age,
            DEFAULTS["hsts-include-subdomains"] if subdomains is ABSENT else subdomains,
            _annotation,
            least,
        ):
            yield problem, ingress.urn
    if not inherit:
        return
    for resource, config in controllers(subject):
        hsts, max_age, subdomains = (_key(config, k) for k in ("hsts", "hsts-max-age", "hsts-include-subdomains"))
        for problem in _hsts_problems(hsts, max_age, subdomains, _entry, least):
            yield problem, resource.urn


def _redirects(ssl_redirect: Any, to_https: Any) -> Any:
    if UNKNOWN in (ssl_redirect, to_https):
        return UNKNOWN
    return ssl_redirect == "true" or to_https == "true"


@stack_policy(
    name="kubernetes-nginxinc-ingress-https-redirect",
    item="8.application-security.1.2",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="NGINX Inc's controller redirects HTTP to HTTPS: ssl-redirect (on by default) or redirect-to-https "
    "is not turned off, in its ConfigMap or by an Ingress's nginx.org/ssl-redirect.",
    remediation='Remove ssl-redirect: "false" (and nginx.org/ssl-redirect: "false"), or set redirect-to-https: '
    '"true" where TLS ends at a load balancer in front of the controller.',
    resource_types=(*INGRESSES, *CONTROLLER_TYPES),
    tags=TAGS,
)
def nginx_inc_https_redirect(subject: StackSubject) -> Iterator[tuple[str, str | None]]:
    for resource, config in controllers(subject):
        verdict = _redirects(_key(config, "ssl-redirect"), _key(config, "redirect-to-https"))
        if verdict is UNKNOWN:
            yield "the controller's ConfigMap is computed and unknown during preview.", resource.urn
        elif not verdict:
            yield (
                'the controller\'s ConfigMap ssl-redirect must not be "false" without redirect-to-https.',
                resource.urn,
            )
    for ingress in public_ingresses(subject, NGINX_INC):
        annotations = annotations_of(ingress.props)
        ssl = config_text(lookup(annotations, f"{NGINX_ORG}/ssl-redirect"))
        ssl = config_text(lookup(annotations, "ingress.kubernetes.io/ssl-redirect")) if ssl is ABSENT else ssl
        to_https = config_text(lookup(annotations, f"{NGINX_ORG}/redirect-to-https"))
        if ssl is ABSENT and to_https is ABSENT:
            continue
        verdict = _redirects("true" if ssl is ABSENT else ssl, "false" if to_https is ABSENT else to_https)
        if verdict is UNKNOWN:
            yield "the Ingress's redirect annotations are computed and unknown during preview.", ingress.urn
        elif not verdict:
            yield (
                f"metadata.annotations[{NGINX_ORG}/ssl-redirect] must not be false without "
                f"{NGINX_ORG}/redirect-to-https: HTTP must be redirected to HTTPS.",
                ingress.urn,
            )


def rate_per_minute(annotations: Mapping[str, Any]) -> Any:
    """An NGINX Inc Ingress's request limit per client IP and minute (None: no such limit), or UNKNOWN."""
    rate = config_text(lookup(annotations, f"{NGINX_ORG}/limit-req-rate"))
    key = config_text(lookup(annotations, f"{NGINX_ORG}/limit-req-key"))
    dry = config_text(lookup(annotations, f"{NGINX_ORG}/limit-req-dry-run"))
    if UNKNOWN in (rate, key, dry):
        return UNKNOWN
    match = _RATE.match(rate) if isinstance(rate, str) else None
    if match is None or dry == "true" or (key is not ABSENT and str(key).strip() not in CLIENT_IP_KEYS):
        return None
    amount = float(match[1])
    return amount * 60 if match[2] == "s" else amount


def _paths(props: Any) -> list[Any]:
    found: list[Any] = []
    rules = items(props, "spec", "rules")
    for rule in rules if isinstance(rules, list) else []:
        paths = items(rule, "http", "paths")
        found += [lookup(p, "path") for p in (paths if isinstance(paths, list) else [])]
    return found


@stack_policy(
    name="kubernetes-nginxinc-ingress-rate-limit",
    item="8.application-security.3",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="Every public Ingress of NGINX Inc's controller limits each client IP (nginx.org/limit-req-rate, "
    "keyed by client address, not dry-run) to the checklist's global rate a minute, and its auth rate where it "
    "routes auth paths.",
    remediation=f'Annotate the Ingress nginx.org/limit-req-rate: "{GLOBAL_RATE_LIMIT_RPM.value}r/m" (auth paths on '
    f'their own Ingress with "{AUTH_RATE_LIMIT_RPM.value}r/m"); leave nginx.org/limit-req-key at its client-address '
    "default.",
    resource_types=INGRESSES,
    config={
        "maxRequestsPerMinute": bound(GLOBAL_RATE_LIMIT_RPM, "Most requests a minute per client IP."),
        "maxAuthRequestsPerMinute": bound(AUTH_RATE_LIMIT_RPM, "Most auth requests a minute per client IP."),
    },
    tags=TAGS,
)
def nginx_inc_rate_limit(subject: StackSubject) -> Iterator[tuple[str, str | None]]:
    for ingress in public_ingresses(subject, NGINX_INC):
        rate = rate_per_minute(annotations_of(ingress.props))
        auth = any(is_auth_path(path) for path in _paths(ingress.props))
        key = "maxAuthRequestsPerMinute" if auth else "maxRequestsPerMinute"
        maximum = float(subject.config[key])
        what = "auth paths" if auth else "every path"
        if rate is UNKNOWN:
            yield (
                "the Ingress's nginx.org/limit-req-* annotations are computed and unknown during preview.",
                ingress.urn,
            )
        elif rate is None:
            yield (
                f"the Ingress must limit {what} to at most {maximum:g} requests a minute per client IP "
                f"({NGINX_ORG}/limit-req-rate, keyed by client address, not dry-run; policy config {key}).",
                ingress.urn,
            )
        elif rate > maximum:
            yield (
                f"{NGINX_ORG}/limit-req-rate allows {rate:g} requests a minute, the checklist says at most {maximum:g} "
                f"for {what} (policy config {key}).",
                ingress.urn,
            )


def snippet_headers(config: Mapping[str, Any]) -> dict[str, str]:
    """Headers the ConfigMap's snippets add with add_header (name lowercased -> value unquoted)."""
    headers: dict[str, str] = {}
    for key in SNIPPET_KEYS:
        text = lookup(config, key)
        for name, value in _ADD_HEADER.findall(text if isinstance(text, str) else ""):
            quoted = len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'"
            headers[name.lower()] = value[1:-1] if quoted else value
    return headers


@stack_policy(
    name="kubernetes-nginxinc-controller-security-headers",
    item="8.application-security.2",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="Every NGINX Inc controller of the stack adds the checklist's security headers (CSP default-src "
    "'self' or stricter, X-Frame-Options DENY, nosniff, X-XSS-Protection, Referrer-Policy) with add_header in its "
    "ConfigMap's http-snippets, server-snippets or location-snippets.",
    remediation='Add to controller.config.entries http-snippets one `add_header <Name> "<value>" always;` line per '
    "checklist header.",
    resource_types=CONTROLLER_TYPES,
    tags=TAGS,
)
def nginx_inc_headers(subject: StackSubject) -> Iterator[tuple[str, str | None]]:
    for resource, config in controllers(subject):
        if config is UNKNOWN or any(lookup(config, key) is UNKNOWN for key in SNIPPET_KEYS):
            if subject.mandatory:
                yield "the controller's snippets are computed and unknown during preview.", resource.urn
            continue
        added = snippet_headers(config)
        missing = [name for name in CHECKLIST_HEADERS if not header_ok(name, added.get(name.lower()))]
        if missing:
            yield f"the controller must add the checklist's {', '.join(missing)} header(s) (add_header).", resource.urn
