"""Cloud Load Balancing policies: an internet-facing HTTP(S) load balancer is HTTPS-only (checklist
8.application-security.1, "Enable HTTPS-only mode", and 8.application-security.1.2, "Redirect all HTTP to HTTPS").

Stack policies: a load balancer is a chain of resources, a forwarding rule (``GlobalForwardingRule``, or a
regional ``ForwardingRule``) whose ``target`` is a target proxy (``TargetHttpProxy``/``TargetHttpsProxy``, or
their regional kinds) whose ``urlMap`` is a URL map (``URLMap``/``RegionUrlMap``). A reference is followed
through the property dependencies the engine hands over (``target=proxy.self_link``, unknown at preview), else
through a literal name or URL naming a resource of the stack by its ``name``; a literal URL naming a proxy
collection (``/targetHttpProxies/``) tells the kind of a proxy another stack manages.

Provider defaults and decisions:

- ``loadBalancingScheme`` absent is external (``EXTERNAL_MANAGED`` for a global rule, ``EXTERNAL`` for a
  regional one); only ``EXTERNAL`` and ``EXTERNAL_MANAGED`` face the internet. Internal load balancers, and
  forwarding rules to other targets (target pools, TCP/SSL proxies, backend services), are not judged.
- The URL map behind an internet-facing HTTP proxy must only redirect to HTTPS: its ``defaultUrlRedirect``,
  and every path matcher's ``defaultUrlRedirect``, path rule's and route rule's ``urlRedirect``, has
  ``httpsRedirect: true`` (absent means false), and none of them names a ``service`` or a ``routeAction``.
  A URL map another stack manages is not judged here.
- An internet-facing HTTP forwarding rule needs an internet-facing HTTPS one beside it: on the same IP
  address (the same literal, or the same address resource, or the address resource's ``address``/``name``),
  or whose proxy uses the same URL map. ``ipAddress`` absent is an ephemeral address of the rule's own, shared
  with no other rule: the HTTP address of a host then answers no HTTPS, and its HTTPS address no HTTP.
- A ``target``, ``urlMap``, ``ipAddress`` or redirect setting unknown at preview (without an origin in the
  stack) cannot pass these mandatory rules; a ``service`` or ``routeAction`` computed at preview is set.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pulumi_policy import Severity

from agencyos_policy.gcp.compute import _known, _Unknown
from agencyos_policy.props import ABSENT, UNKNOWN, dotted, items, lookup, unknown_message
from agencyos_policy.registry import MANDATORY, StackSubject, stack_policy

GLOBAL_FORWARDING_RULE = "gcp:compute/globalForwardingRule:GlobalForwardingRule"
FORWARDING_RULE = "gcp:compute/forwardingRule:ForwardingRule"
TARGET_HTTP_PROXY = "gcp:compute/targetHttpProxy:TargetHttpProxy"
REGION_TARGET_HTTP_PROXY = "gcp:compute/regionTargetHttpProxy:RegionTargetHttpProxy"
TARGET_HTTPS_PROXY = "gcp:compute/targetHttpsProxy:TargetHttpsProxy"
REGION_TARGET_HTTPS_PROXY = "gcp:compute/regionTargetHttpsProxy:RegionTargetHttpsProxy"
URL_MAP = "gcp:compute/uRLMap:URLMap"
REGION_URL_MAP = "gcp:compute/regionUrlMap:RegionUrlMap"
GLOBAL_ADDRESS = "gcp:compute/globalAddress:GlobalAddress"
ADDRESS = "gcp:compute/address:Address"

FORWARDING_RULES = (GLOBAL_FORWARDING_RULE, FORWARDING_RULE)
HTTP_PROXIES = (TARGET_HTTP_PROXY, REGION_TARGET_HTTP_PROXY)
HTTPS_PROXIES = (TARGET_HTTPS_PROXY, REGION_TARGET_HTTPS_PROXY)
URL_MAPS = (URL_MAP, REGION_URL_MAP)
ADDRESSES = (GLOBAL_ADDRESS, ADDRESS)
EXTERNAL_SCHEMES = frozenset({"EXTERNAL", "EXTERNAL_MANAGED"})
HTTP, HTTPS = "http", "https"
PROXY_COLLECTIONS = {"/targetHttpProxies/": HTTP, "/targetHttpsProxies/": HTTPS}
"""A literal target URL's collection, telling the kind of a proxy the stack does not hold."""
READS = (*FORWARDING_RULES, *HTTP_PROXIES, *HTTPS_PROXIES, *URL_MAPS, *ADDRESSES)


def _dependency_urns(resource: Any, prop: str) -> list[str]:
    """URNs the engine says ``prop`` was computed from (resources or URNs, as the SDK hands them over)."""
    linked = (getattr(resource, "property_dependencies", None) or {}).get(prop, [])
    return [getattr(entry, "urn", entry) for entry in linked]


class _Stack:
    """The stack's resources, found by URN or by what a literal reference says."""

    def __init__(self, subject: StackSubject) -> None:
        self.subject = subject
        self._by_urn = {resource.urn: resource for resource in subject.resources}

    def resource(self, urn: str) -> Any:
        return self._by_urn.get(urn)

    def referenced(self, resource: Any, prop: str, types: tuple[str, ...]) -> list[Any] | None:
        """The stack's resources of ``types`` that ``prop`` refers to; None when it refers to none of the stack's
        (another stack's, or another kind). _Unknown when it is unknown and the engine names no origin."""
        urns = _dependency_urns(resource, prop)
        if urns:
            linked = [r for r in (self.resource(u) for u in urns) if r is not None and r.resource_type in types]
            return linked or None
        value = _known(resource.props, prop)
        if not isinstance(value, str):
            return None
        name = value.rstrip("/").rsplit("/", 1)[-1]
        named = [r for r in self.subject.of_type(*types) if value in _names(r) or name in _names(r)]
        return named or None


def _names(resource: Any) -> set[str]:
    """What a literal reference to ``resource`` may say: its name, self link or id, when known."""
    return {v for key in ("name", "selfLink", "id") if isinstance(v := lookup(resource.props, key), str)}


def _external(rule: Any) -> bool:
    scheme = _known(rule.props, "loadBalancingScheme")
    return scheme is ABSENT or scheme in EXTERNAL_SCHEMES


@dataclass(frozen=True)
class _Frontend:
    """An internet-facing forwarding rule to an HTTP or HTTPS proxy."""

    rule: Any
    kind: str
    proxy: Any | None
    """The proxy, when the stack holds it."""


def _frontend(stack: _Stack, rule: Any) -> _Frontend | None:
    """The rule as an HTTP(S) frontend, or None when it is internal or targets something else."""
    if not _external(rule):
        return None
    proxies = stack.referenced(rule, "target", (*HTTP_PROXIES, *HTTPS_PROXIES))
    if proxies:
        proxy = proxies[0]
        return _Frontend(rule, HTTP if proxy.resource_type in HTTP_PROXIES else HTTPS, proxy)
    target = lookup(rule.props, "target")
    if isinstance(target, str) and not _dependency_urns(rule, "target"):
        for collection, kind in PROXY_COLLECTIONS.items():
            if collection in target:
                return _Frontend(rule, kind, None)
    return None


def _frontends(stack: _Stack) -> Iterator[_Frontend | tuple[Any, _Unknown]]:
    for rule in stack.subject.of_type(*FORWARDING_RULES):
        try:
            frontend = _frontend(stack, rule)
        except _Unknown as gap:
            yield rule, gap
            continue
        if frontend is not None:
            yield frontend


def _url_maps(stack: _Stack, frontend: _Frontend) -> list[Any]:
    """The stack's URL maps behind a frontend's proxy ([] when the stack holds neither)."""
    if frontend.proxy is None:
        return []
    return stack.referenced(frontend.proxy, "urlMap", URL_MAPS) or []


def _redirects_to_https(node: Any, *path: str | int) -> bool:
    return _known(node, *path, "httpsRedirect") is True


def _set(props: Any, *path: str | int) -> bool:
    """Whether ``path`` names something (a value computed during the update counts as set)."""
    return lookup(props, *path) is not ABSENT


def _serving_paths(url_map: Any) -> list[str]:
    """The places of a URL map that do not redirect to HTTPS (see the module docstring); [] for a pure redirect."""
    props = url_map.props
    found = []

    def judge(*path: str | int, redirect: str) -> None:
        serving = [key for key in ("service", "routeAction") if _set(props, *path, key)]
        if serving or not _redirects_to_https(props, *path, redirect):
            found.append(dotted(*path, serving[0] if serving else redirect))

    for key in ("defaultService", "defaultRouteAction"):
        if _set(props, key):
            found.append(key)
    if not found and not _redirects_to_https(props, "defaultUrlRedirect"):
        found.append("defaultUrlRedirect.httpsRedirect")
    matchers = items(props, "pathMatchers")
    if matchers is UNKNOWN:
        raise _Unknown("pathMatchers")
    for index in range(0 if matchers is ABSENT else len(matchers)):
        matcher = ("pathMatchers", index)
        served = [key for key in ("defaultService", "defaultRouteAction") if _set(props, *matcher, key)]
        if served:
            found.append(dotted(*matcher, served[0]))
        elif _set(props, *matcher, "defaultUrlRedirect") and not _redirects_to_https(
            props, *matcher, "defaultUrlRedirect"
        ):
            found.append(dotted(*matcher, "defaultUrlRedirect", "httpsRedirect"))
        for rules in ("pathRules", "routeRules"):
            entries = items(props, *matcher, rules)
            if entries is UNKNOWN:
                raise _Unknown(*matcher, rules)
            for number in range(0 if entries is ABSENT else len(entries)):
                judge(*matcher, rules, number, redirect="urlRedirect")
    return found


@stack_policy(
    name="gcp-compute-urlmap-https-redirect",
    item="8.application-security.1.2",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="The URL map behind an internet-facing HTTP proxy redirects every request to HTTPS and serves none "
    "over plain HTTP.",
    remediation="Give the HTTP proxy its own URL map with only defaultUrlRedirect {httpsRedirect: true} (no "
    "defaultService, no path matchers that serve), and serve the application from the HTTPS proxy's URL map.",
    resource_types=READS,
    tags=("network", "tls"),
)
def url_map_https_redirect(subject: StackSubject) -> Iterator[tuple[str, str | None]]:
    stack = _Stack(subject)
    judged: set[str] = set()
    for frontend in _frontends(stack):
        if isinstance(frontend, tuple):
            rule, gap = frontend
            if subject.mandatory:
                yield unknown_message(*gap.path), rule.urn
            continue
        if frontend.kind != HTTP or frontend.proxy is None:
            continue
        try:
            url_maps = _url_maps(stack, frontend)
        except _Unknown as gap:
            if subject.mandatory:
                yield unknown_message(*gap.path), frontend.proxy.urn
            continue
        for url_map in url_maps:
            if url_map.urn in judged:
                continue
            judged.add(url_map.urn)
            try:
                serving = _serving_paths(url_map)
            except _Unknown as gap:
                if subject.mandatory:
                    yield unknown_message(*gap.path), url_map.urn
                continue
            if serving:
                yield (
                    f"{', '.join(serving)} must redirect to HTTPS (httpsRedirect: true): this URL map is behind an "
                    "internet-facing HTTP proxy and serves requests over plain HTTP.",
                    url_map.urn,
                )


def _address_keys(stack: _Stack, rule: Any) -> set[str]:
    """What identifies a forwarding rule's IP address: the address resources it uses (URN, known address and
    name) and its literal value; empty for an ephemeral address. _Unknown when computed with no origin named."""
    keys: set[str] = set()
    for urn in _dependency_urns(rule, "ipAddress"):
        keys.add(urn)
        address = stack.resource(urn)
        if address is not None and address.resource_type in ADDRESSES:
            keys |= {v for k in ("address", "name") if isinstance(v := lookup(address.props, k), str)}
    if keys:
        return keys
    literal = _known(rule.props, "ipAddress")
    if isinstance(literal, str):
        keys |= {literal, literal.rstrip("/").rsplit("/", 1)[-1]}
    return keys


def _map_keys(stack: _Stack, frontend: _Frontend) -> set[str]:
    """What identifies the URL map behind a frontend: the stack's URL maps' URNs, or the proxy's literal."""
    if frontend.proxy is None:
        return set()
    keys = {url_map.urn for url_map in _url_maps(stack, frontend)}
    literal = lookup(frontend.proxy.props, "urlMap")
    if isinstance(literal, str) and not keys:
        keys.add(literal)
    return keys


def _beside(stack: _Stack, http: _Frontend, https: _Frontend) -> bool:
    """Whether an HTTPS frontend serves what an HTTP one is in front of (see the module docstring)."""
    if _map_keys(stack, http) & _map_keys(stack, https):
        return True
    try:
        theirs = _address_keys(stack, https.rule)
    except _Unknown:
        return False  # the HTTP rule is judged, not its neighbour: an HTTPS address unknown now proves nothing
    return bool(_address_keys(stack, http.rule) & theirs)


@stack_policy(
    name="gcp-compute-forwardingrule-https-only",
    item="8.application-security.1",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="An internet-facing HTTP forwarding rule has an internet-facing HTTPS forwarding rule beside it "
    "(the same IP address or URL map): no load balancer is HTTP-only.",
    remediation="Add a TargetHttpsProxy with a certificate and an HTTPS forwarding rule on the same address, "
    "and make the HTTP URL map redirect to HTTPS.",
    resource_types=READS,
    tags=("network", "tls"),
)
def forwarding_rule_https_only(subject: StackSubject) -> Iterator[tuple[str, str | None]]:
    stack = _Stack(subject)
    frontends = [f for f in _frontends(stack) if isinstance(f, _Frontend)]  # unknowns: the URL map policy's
    https = [f for f in frontends if f.kind == HTTPS]
    for frontend in (f for f in frontends if f.kind == HTTP):
        try:
            beside = any(_beside(stack, frontend, other) for other in https)
        except _Unknown as gap:
            if subject.mandatory:
                yield unknown_message(*gap.path), frontend.rule.urn
            continue
        if not beside:
            yield (
                "the forwarding rule sends internet traffic to an HTTP proxy and no internet-facing HTTPS forwarding "
                "rule shares its IP address or URL map: the load balancer is HTTP-only.",
                frontend.rule.urn,
            )
