"""Helm policies: every chart pinned to one version (checklist post-launch-maintenance.weekly.3).

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

from agencyos_policy.props import ABSENT, UNKNOWN, lookup
from agencyos_policy.registry import MANDATORY, Subject, resource_policy
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
