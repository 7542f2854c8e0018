"""TLS policies: every Ingress serves HTTPS with a Let's Encrypt production certificate (checklist §5).

Both mandatory: §5 requires the Ingress to use TLS (5.let-s-encrypt-free-option.3) from a Let's
Encrypt ClusterIssuer on the production endpoint (5.let-s-encrypt-free-option.2).

- ``kubernetes-networking-ingress-tls`` (resource): ``spec.tls`` is set, each entry names its
  ``secretName``, and its ``hosts`` cover every ``spec.rules[].host`` (a ``*.`` wildcard covers one
  label). A rule without a host answers any name, which no certificate covers: it fails. Absent
  ``spec.tls`` means plain HTTP: it fails. The checklist's alternative, Google-managed certificates
  (5.alternative-managed-ssl.2, annotation ``networking.gke.io/managed-certificates``), needs no
  ``spec.tls``; the stack rule checks its domains.
- ``kubernetes-networking-ingress-letsencrypt-issuer`` (stack, since the issuer is another resource):
  each Ingress names (``cert-manager.io/cluster-issuer``) a ClusterIssuer the same stack defines, or
  (``cert-manager.io/issuer``) an Issuer in its namespace, whose ``spec.acme.server`` is the Let's
  Encrypt production endpoint. The staging endpoint's certificates are untrusted by browsers: an
  Ingress naming the staging issuer fails, in every stack (our staging mirrors production). Issuers
  are recognised as typed resources (``kubernetes:cert-manager.io/<version>:ClusterIssuer``, e.g. an
  ``apiextensions.CustomResource``) and inside ``kubernetes:yaml/v2:ConfigGroup`` ``objs``. With the
  managed-certificates annotation instead, each named ``networking.gke.io`` ManagedCertificate in the
  Ingress' namespace must be in the stack and their ``spec.domains`` cover every host. A stack
  without Ingresses is not judged.

Values unknown at preview (a host, an annotation, an issuer's name or server) cannot pass.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from agencyos_checklist.numbers import ACME_PRODUCTION_SERVER
from pulumi_policy import Severity

from agencyos_policy.props import ABSENT, UNKNOWN, items, lookup, unknown_message
from agencyos_policy.registry import MANDATORY, StackSubject, Subject, resource_policy, stack_policy, text
from agencyos_policy.rules import unknown

INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
CONFIG_GROUP = "kubernetes:yaml/v2:ConfigGroup"
CERT_MANAGER_GROUP = "cert-manager.io"
GKE_NETWORKING_GROUP = "networking.gke.io"
CLUSTER_ISSUER_ANNOTATION = "cert-manager.io/cluster-issuer"
ISSUER_ANNOTATION = "cert-manager.io/issuer"
MANAGED_CERTIFICATES_ANNOTATION = "networking.gke.io/managed-certificates"
DEFAULT_NAMESPACE = "default"


def _hosts(props: Any) -> list[Any] | Any:
    """Each rule's host (ABSENT for a rule without one), or UNKNOWN when the rules are computed."""
    rules = items(props, "spec", "rules")
    if rules is UNKNOWN:
        return UNKNOWN
    return [] if rules is ABSENT else [lookup(rule, "host") for rule in rules]


def covers(pattern: Any, host: str) -> bool:
    """Whether a TLS host (or a certificate's domain) covers ``host``; ``*.`` covers exactly one label."""
    if not isinstance(pattern, str):
        return False
    pattern, host = pattern.lower().rstrip("."), host.lower().rstrip(".")
    if pattern.startswith("*."):
        head, _, rest = host.partition(".")
        return bool(head) and rest == pattern[2:]
    return pattern == host


def _annotation(props: Any, key: str) -> Any:
    return lookup(props, "metadata", "annotations", key)


@resource_policy(
    name="kubernetes-networking-ingress-tls",
    item="5.let-s-encrypt-free-option.3",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="Every Ingress terminates TLS for each of its hosts: spec.tls lists every spec.rules[].host and "
    "names the Secret its certificate goes to.",
    remediation="Add spec.tls: [{hosts: [<every rule host>], secretName: <name>-tls}] and give every rule a host.",
    resource_types=(INGRESS,),
    tags=("kubernetes", "tls"),
)
def ingress_tls(subject: Subject) -> Iterator[str]:
    if _annotation(subject.props, MANAGED_CERTIFICATES_ANNOTATION) not in (ABSENT, ""):
        return  # Google-managed certificates (5.alternative-managed-ssl.2): the stack rule checks their domains
    tls = items(subject.props, "spec", "tls")
    if tls is UNKNOWN:
        yield from unknown(subject, ("spec", "tls"))
        return
    if tls is ABSENT or not tls:
        yield "spec.tls must be set: without it the Ingress serves plain HTTP."
        return
    covered: list[Any] = []
    for index, entry in enumerate(tls):
        secret = lookup(entry, "secretName")
        if secret is UNKNOWN:
            yield from unknown(subject, ("spec", "tls", index, "secretName"))
        elif secret in (ABSENT, ""):
            yield f"spec.tls[{index}].secretName must name the Secret that holds its certificate."
        hosts = items(entry, "hosts")
        if hosts is UNKNOWN:
            yield from unknown(subject, ("spec", "tls", index, "hosts"))
            return
        covered += [] if hosts is ABSENT else hosts
    hosts = _hosts(subject.props)
    if hosts is UNKNOWN:
        yield from unknown(subject, ("spec", "rules"))
        return
    for index, host in enumerate(hosts):
        if host is UNKNOWN or UNKNOWN in covered:
            yield from unknown(subject, ("spec", "rules", index, "host"))
        elif host in (ABSENT, ""):
            yield f"spec.rules[{index}].host must be set: a rule for any host has no certificate that covers it."
        elif not any(covers(pattern, host) for pattern in covered):
            yield f"spec.rules[{index}].host must be listed in spec.tls[].hosts, so its certificate covers it."


def _group_kind(obj: Any, resource_type: str) -> tuple[Any, Any]:
    """(API group, kind) of a typed resource (from its type token) or a plain object (apiVersion, kind)."""
    if resource_type.startswith("kubernetes:") and resource_type.count(":") == 2:
        _, api, kind = resource_type.split(":")
        return api.split("/")[0], kind
    api_version, kind = lookup(obj, "apiVersion"), lookup(obj, "kind")
    group = api_version.split("/")[0] if isinstance(api_version, str) else api_version
    return group, kind


def _objects(subject: StackSubject) -> Iterator[tuple[Any, Any, Any, str]]:
    """(group, kind, object props, URN) of every Kubernetes object the stack declares, ConfigGroup objs too."""
    for resource in subject.resources:
        if resource.resource_type == CONFIG_GROUP:
            objs = items(resource.props, "objs")
            for obj in objs if isinstance(objs, list) else []:
                group, kind = _group_kind(obj, "")
                yield group, kind, obj, resource.urn
        elif resource.resource_type.startswith("kubernetes:"):
            group, kind = _group_kind(resource.props, resource.resource_type)
            yield group, kind, resource.props, resource.urn


def _namespace(props: Any) -> Any:
    namespace = lookup(props, "metadata", "namespace")
    return DEFAULT_NAMESPACE if namespace in (ABSENT, "") else namespace


@stack_policy(
    name="kubernetes-networking-ingress-letsencrypt-issuer",
    item="5.let-s-encrypt-free-option.2",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="Every Ingress names (cert-manager.io/cluster-issuer) a ClusterIssuer defined in the same stack "
    "whose ACME server is Let's Encrypt's production endpoint, so its certificate is trusted and renewed.",
    remediation=f"Define a cert-manager.io/v1 ClusterIssuer with spec.acme.server {ACME_PRODUCTION_SERVER.value} "
    "and annotate each Ingress cert-manager.io/cluster-issuer: <its name>.",
    resource_types=(INGRESS,),
    tags=("kubernetes", "tls"),
    quote=ACME_PRODUCTION_SERVER.quote,
    config={
        "acmeServer": text(ACME_PRODUCTION_SERVER, "The ACME directory an Ingress's issuer must use.", "^https://")
    },
)
def letsencrypt_issuer(subject: StackSubject) -> Iterator[tuple[str, str | None]]:
    ingresses = subject.of_type(INGRESS)
    if not ingresses:
        return
    cluster_issuers: dict[Any, Any] = {}
    issuers: dict[tuple[Any, Any], Any] = {}
    managed: dict[tuple[Any, Any], Any] = {}
    for group, kind, props, _urn in _objects(subject):
        name = lookup(props, "metadata", "name")
        if group == CERT_MANAGER_GROUP and kind == "ClusterIssuer":
            cluster_issuers[name] = lookup(props, "spec", "acme", "server")
        elif group == CERT_MANAGER_GROUP and kind == "Issuer":
            issuers[(_namespace(props), name)] = lookup(props, "spec", "acme", "server")
        elif group == GKE_NETWORKING_GROUP and kind == "ManagedCertificate":
            managed[(_namespace(props), name)] = lookup(props, "spec", "domains")
    for ingress in ingresses:
        for message in _judge(ingress.props, cluster_issuers, issuers, managed, subject.config):
            yield message, ingress.urn


def _judge(
    props: Any,
    cluster_issuers: dict[Any, Any],
    issuers: dict[tuple[Any, Any], Any],
    managed: dict[Any, Any],
    config: Mapping[str, Any],
) -> Iterator[str]:
    namespace = _namespace(props)
    certificates = _annotation(props, MANAGED_CERTIFICATES_ANNOTATION)
    if certificates not in (ABSENT, ""):
        yield from _judge_managed(props, namespace, certificates, managed)
        return
    cluster_issuer = _annotation(props, CLUSTER_ISSUER_ANNOTATION)
    issuer = _annotation(props, ISSUER_ANNOTATION)
    if UNKNOWN in (cluster_issuer, issuer, namespace):
        yield unknown_message("metadata", "annotations")
        return
    if cluster_issuer not in (ABSENT, ""):
        key, server, what = CLUSTER_ISSUER_ANNOTATION, cluster_issuers.get(cluster_issuer, ABSENT), "ClusterIssuer"
        defined = cluster_issuer in cluster_issuers
    elif issuer not in (ABSENT, ""):
        key, server, what = ISSUER_ANNOTATION, issuers.get((namespace, issuer), ABSENT), "Issuer in its namespace"
        defined = (namespace, issuer) in issuers
    else:
        yield f"metadata.annotations[{CLUSTER_ISSUER_ANNOTATION}] must name the Let's Encrypt production ClusterIssuer."
        return
    if not defined:
        if UNKNOWN in (cluster_issuers if what == "ClusterIssuer" else {n for _, n in issuers}):
            yield f"a {what} this stack defines has a name computed during the update, so it cannot be matched."
        else:
            yield f"metadata.annotations[{key}] must name a {what} this stack defines."
    elif server is UNKNOWN:
        yield f"the {what} it names has spec.acme.server computed during the update, so it cannot be proven."
    elif server != config["acmeServer"]:
        yield (
            f"metadata.annotations[{key}] must name a {what} on Let's Encrypt's production endpoint "
            f"({config['acmeServer']}); the one it names is not (staging certificates are untrusted)."
        )


def _judge_managed(props: Any, namespace: Any, certificates: Any, managed: dict[Any, Any]) -> Iterator[str]:
    if UNKNOWN in (certificates, namespace):
        yield unknown_message("metadata", "annotations", MANAGED_CERTIFICATES_ANNOTATION)
        return
    domains: list[Any] = []
    for name in str(certificates).split(","):
        found = managed.get((namespace, name.strip()), ABSENT)
        if found is ABSENT:
            yield f"the ManagedCertificate {name.strip()} it names must be defined in this stack, in its namespace."
            return
        if found is UNKNOWN:
            yield "a ManagedCertificate it names has spec.domains computed during the update."
            return
        domains += list(found)
    hosts = _hosts(props)
    if hosts is UNKNOWN or UNKNOWN in hosts or UNKNOWN in domains:
        yield unknown_message("spec", "rules")
        return
    for index, host in enumerate(hosts):
        if host in (ABSENT, "") or not any(covers(domain, host) for domain in domains):
            yield f"spec.rules[{index}].host must be one of its ManagedCertificates' spec.domains."
