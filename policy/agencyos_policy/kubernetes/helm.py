"""Helm policies: every chart pinned to one version (checklist post-launch-maintenance.weekly.3), and known charts
judged by their values where the objects they render are not visible to the pack.

Known charts: ingress-nginx's controller config is judged in ``kubernetes.ingress`` (HTTPS redirect, HSTS,
snippets, headers); cert-manager's here: a release must render its CRDs (checklist 5.let-s-encrypt-free-option.1,
"Install cert-manager"), which the chart does only when ``crds.enabled`` (or the older ``installCRDs``) is true,
unless the stack installs them otherwise. Advisory, since CRDs may come from outside the stack.

Mandatory, like pinned container images (``kubernetes-apps-deployment-pinned-image``, same item): a
chart without a version, with a range (``^1.16``, ``~1.16.0``, ``>=1``, ``1.x``, ``*``) or ``latest``
installs whatever is newest at each ``pulumi up``, so dependency updates (checklist "Update
dependencies (security patches)") stop being reviewed changes, and two runs of the same program
deploy different software. The checklist itself installs cert-manager at an exact release (§5).

A chart given as a local path or a ``.tgz`` URL is pinned by its source. Absent ``version`` means
Helm's default, the newest release: it fails. Unknown at preview cannot pass. Both
``kubernetes:helm.sh/v3:Release`` and ``kubernetes:helm.sh/v4:Chart`` are judged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pulumi_policy import Severity

from agencyos_policy.props import ABSENT, UNKNOWN, items, lookup
from agencyos_policy.registry import ADVISORY, MANDATORY, StackSubject, Subject, resource_policy, stack_policy
from agencyos_policy.rules import unknown

HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
HELM_CHART = "kubernetes:helm.sh/v4:Chart"
# One SemVer 2 version, an optional leading v (Helm accepts it; cert-manager's charts use it).
_EXACT = re.compile(r"^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")


def _pinned_by_source(chart: Any) -> bool:
    """A local chart directory or archive, or an archive URL: its content is fixed, whatever ``version`` says."""
    return isinstance(chart, str) and (chart.startswith((".", "/")) or chart.endswith(".tgz"))


def version_problem(version: Any) -> str | None:
    """Why a chart version is not one exact release, or None."""
    if version is ABSENT or version == "":
        return "is not set, and absent means the newest release"
    if not isinstance(version, str) or not _EXACT.match(version.strip()):
        return "must be one exact release (e.g. 1.2.3 or v1.2.3), not a range, a wildcard or latest"
    return None


@resource_policy(
    name="kubernetes-helm-release-pinned-chart",
    item="post-launch-maintenance.weekly.3",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="Every Helm chart (helm.sh/v3 Release, helm.sh/v4 Chart) is pinned to one exact version, so "
    "upgrades are reviewed changes, never whatever is newest.",
    remediation="Set version to the exact chart release (e.g. v1.19.4), and raise it on purpose.",
    resource_types=(HELM_RELEASE, HELM_CHART),
    tags=("kubernetes", "helm"),
)
def pinned_chart(subject: Subject) -> Iterator[str]:
    chart = lookup(subject.props, "chart")
    if chart is UNKNOWN:
        yield from unknown(subject, ("chart",))
        return
    if _pinned_by_source(chart):
        return
    version = lookup(subject.props, "version")
    if version is UNKNOWN:
        yield from unknown(subject, ("version",))
    elif problem := version_problem(version):
        yield f"version {problem}."


# --- known charts judged by their values ---------------------------------------------------------------------

CRD = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition"
CONFIG_FILES = ("kubernetes:yaml:ConfigFile", "kubernetes:yaml/v2:ConfigFile")
CONFIG_GROUPS = ("kubernetes:yaml:ConfigGroup", "kubernetes:yaml/v2:ConfigGroup")
CERT_MANAGER_GROUP = "cert-manager.io"
_CERT_MANAGER_CHART = re.compile(r"(^|/)cert-manager(-v?[0-9][^/]*\.tgz)?/?$")


def is_cert_manager(chart: Any) -> bool:
    """Whether a Helm chart reference names jetstack's cert-manager chart (a name, an OCI or repository path)."""
    return isinstance(chart, str) and bool(_CERT_MANAGER_CHART.search(chart))


def _installs_crds(props: Any) -> Any:
    """Whether a cert-manager release's values render its CRDs (``crds.enabled``, or the older ``installCRDs``;
    the chart's templates render them when either is true, both default false), or UNKNOWN."""
    values = [lookup(props, "values", "crds", "enabled"), lookup(props, "values", "installCRDs")]
    if any(value is True or value == "true" for value in values):
        return True
    return UNKNOWN if UNKNOWN in values or lookup(props, "values") is UNKNOWN else False


def _names_cert_manager(value: Any) -> bool:
    texts = value if isinstance(value, list) else [value]
    return any(isinstance(text, str) and "cert-manager" in text for text in texts)


def _crds_elsewhere(subject: StackSubject) -> bool:
    """Whether the stack installs cert-manager's CRDs another way: as CustomResourceDefinitions, or from cert-manager's
    manifests (``cert-manager.yaml``, ``cert-manager.crds.yaml``) in a ConfigFile or ConfigGroup."""
    for resource in subject.resources:
        kind = resource.resource_type
        if kind == CRD:
            objects = [resource.props]
        elif kind in CONFIG_FILES or kind in CONFIG_GROUPS:
            if _names_cert_manager(lookup(resource.props, "file" if kind in CONFIG_FILES else "files")):
                return True
            listed = items(resource.props, "objs")
            objects = (
                [o for o in listed if lookup(o, "kind") == "CustomResourceDefinition"]
                if isinstance(listed, list)
                else []
            )
        else:
            continue
        for obj in objects:
            name = lookup(obj, "metadata", "name")
            if isinstance(name, str) and name.endswith(f".{CERT_MANAGER_GROUP}"):
                return True
    return False


@stack_policy(
    name="kubernetes-helm-release-cert-manager-crds",
    item="5.let-s-encrypt-free-option.1",
    level=ADVISORY,
    severity=Severity.HIGH,
    description="A cert-manager Helm release installs cert-manager's CRDs (crds.enabled, or installCRDs before chart "
    "v1.15), or the stack installs them another way: without them its Certificates, Issuers and ClusterIssuers "
    "are refused. Advisory: another stack or a kubectl apply may have installed them.",
    remediation="Set values.crds.enabled: true (and crds.keep: true, so certificates survive a chart removal), or "
    "apply cert-manager.crds.yaml of the same release in this stack.",
    resource_types=(HELM_RELEASE, HELM_CHART),
    tags=("kubernetes", "helm", "tls"),
)
def cert_manager_crds(subject: StackSubject) -> Iterator[tuple[str, str | None]]:
    releases = [r for r in subject.of_type(HELM_RELEASE, HELM_CHART) if is_cert_manager(lookup(r.props, "chart"))]
    if not releases or _crds_elsewhere(subject):
        return
    for release in releases:
        installs = _installs_crds(release.props)
        if installs is False:
            yield (
                "values.crds.enabled should be true (installCRDs before chart v1.15): the chart's default installs "
                "no CRDs, and this stack defines none.",
                release.urn,
            )
