"""Which ingress controller serves an Ingress, so each is judged by its own configuration (checklist §8).

- ``ingress-nginx`` (kubernetes/ingress-nginx): ``kubernetes.ingress``.
- ``nginx-ingress`` (NGINX Inc's controller, ``nginx.org/`` annotations, ConfigMap keys): ``kubernetes.nginxinc``.
- GKE Ingress (class ``gce``; ``gce-internal`` is internal): ``kubernetes.gkeingress``.

An Ingress of class ``gce`` or ``gce-internal`` is GKE's. One with no class or a class naming nginx is NGINX Inc's
when it carries an ``nginx.org/`` or ``nginx.com/`` annotation, or when the stack installs NGINX Inc's controller
and not ingress-nginx (both default to the class ``nginx``); otherwise ingress-nginx's. Any other class (traefik,
haproxy, kong, alb...) is a controller the pack does not judge: the advisory
``kubernetes-networking-ingress-controller-judged`` names it, so HTTPS-only, HSTS, headers and rate limits are
known to be unproven rather than silently passed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from agencyos_policy.kubernetes.ingress import (
    CONFIG_MAP,
    HELM_CHART,
    HELM_RELEASE,
    INGRESSES,
    NGINX_INC_PREFIXES,
    ingress_class,
    is_controller,
)
from agencyos_policy.props import ABSENT, UNKNOWN, lookup
from agencyos_policy.registry import ADVISORY, StackSubject, stack_policy

INGRESS_NGINX, NGINX_INC, GKE = "ingress-nginx", "nginx-ingress", "gke"
GKE_CLASSES = ("gce", "gce-internal")
_NGINX_INC_CHART = re.compile(r"(^|/)nginx-ingress(-[0-9][^/]*\.tgz)?/?$")
# The ConfigMap NGINX Inc's manifests install (the Helm chart's is named by controller.config.name).
NGINX_INC_CONFIG_MAPS = ("nginx-config",)


def annotations_of(props: Any) -> Mapping[str, Any]:
    annotations = lookup(props, "metadata", "annotations")
    return annotations if isinstance(annotations, Mapping) else {}


def is_nginx_inc_controller(resource_type: str, props: Any) -> bool:
    """Whether a resource installs (a Helm chart named nginx-ingress) or configures (its ConfigMap) NGINX Inc's."""
    if resource_type in (HELM_RELEASE, HELM_CHART):
        chart = lookup(props, "chart")
        return isinstance(chart, str) and bool(_NGINX_INC_CHART.search(chart))
    if resource_type == CONFIG_MAP:
        return lookup(props, "metadata", "name") in NGINX_INC_CONFIG_MAPS
    return False


def nginx_inc_only(subject: StackSubject) -> bool:
    """Whether the stack installs NGINX Inc's controller and not ingress-nginx (then class nginx is NGINX Inc's)."""
    controllers = subject.of_type(HELM_RELEASE, HELM_CHART, CONFIG_MAP)
    inc = any(is_nginx_inc_controller(r.resource_type, r.props) for r in controllers)
    return inc and not any(is_controller(r.resource_type, r.props) for r in controllers)


def controller_of(props: Any, inc_only: bool = False) -> Any:
    """The controller serving an Ingress (INGRESS_NGINX, NGINX_INC, GKE or another class's name), or UNKNOWN."""
    cls = ingress_class(props)
    if cls is UNKNOWN:
        return UNKNOWN
    if cls in GKE_CLASSES:
        return GKE
    if cls is ABSENT or (isinstance(cls, str) and "nginx" in cls):
        inc = any(str(key).startswith(NGINX_INC_PREFIXES) for key in list(annotations_of(props).keys()))
        return NGINX_INC if inc or inc_only else INGRESS_NGINX
    return str(cls)


def is_internal(props: Any) -> bool:
    """An internal Ingress (class gce-internal, or a class or name saying internal) serves no public traffic."""
    cls, name = ingress_class(props), lookup(props, "metadata", "name")
    return any(isinstance(v, str) and "internal" in v for v in (cls, name))


def public_ingresses(subject: StackSubject, controller: str) -> Iterator[Any]:
    """The stack's public Ingresses the given controller serves (an IngressPatch changes part of an object that
    lives elsewhere: it is not judged whole)."""
    inc_only = nginx_inc_only(subject)
    for ingress in subject.of_type(*INGRESSES):
        if ingress.resource_type.endswith("Patch"):
            continue
        if not is_internal(ingress.props) and controller_of(ingress.props, inc_only) == controller:
            yield ingress


@stack_policy(
    name="kubernetes-networking-ingress-controller-judged",
    item="8.application-security.1",
    level=ADVISORY,
    severity=Severity.MEDIUM,
    description="Every public Ingress is served by a controller the pack judges (ingress-nginx, NGINX Inc's "
    "nginx-ingress, GKE Ingress); for any other its HTTPS redirect, HSTS, security headers and rate limits are "
    "unproven, so it is named.",
    remediation="Serve the Ingress through ingress-nginx, NGINX Inc's controller or GKE Ingress, or verify the "
    "controller's HTTPS redirect, HSTS, headers and rate limits yourself (agencyos-infra verify checks them live).",
    resource_types=INGRESSES,
    tags=("kubernetes", "ingress"),
)
def controller_judged(subject: StackSubject) -> Iterator[tuple[str, str | None]]:
    inc_only = nginx_inc_only(subject)
    for ingress in subject.of_type(*INGRESSES):
        controller = controller_of(ingress.props, inc_only)
        patch = ingress.resource_type.endswith("Patch")
        if patch or controller in (INGRESS_NGINX, NGINX_INC, GKE, UNKNOWN) or is_internal(ingress.props):
            continue
        yield (
            f"the Ingress is served by the ingress class {controller}, which the pack does not judge: its HTTPS "
            "redirect, HSTS, security headers and rate limits are unproven.",
            ingress.urn,
        )
