"""Helm cases: a pinned cert-manager release and chart, then one change per case."""

from __future__ import annotations

from typing import Any

from agencyos_policy.kubernetes.helm import HELM_CHART, HELM_RELEASE

from agencyos_infra.wire import UNKNOWN
from tests.policy.cases import DELETE, Case, mutate

PINNED = "kubernetes-helm-release-pinned-chart"
RELEASE_PROPS: dict[str, Any] = {
    "name": "cert-manager",
    "chart": "cert-manager",
    "version": "v1.19.4",
    "repositoryOpts": {"repo": "https://charts.jetstack.io"},
    "namespace": "cert-manager",
    "values": {"crds": {"enabled": True}},
}
CHART_PROPS: dict[str, Any] = {
    "chart": "oci://registry-1.docker.io/bitnamicharts/nginx",
    "version": "18.2.4",
    "namespace": "web",
}

FAILING = [
    Case(PINNED, HELM_RELEASE, mutate(RELEASE_PROPS, {"version": DELETE}), note="no version (newest)"),
    Case(PINNED, HELM_RELEASE, mutate(RELEASE_PROPS, {"version": "latest"}), note="latest"),
    Case(PINNED, HELM_RELEASE, mutate(RELEASE_PROPS, {"version": "^1.16.0"}), note="caret range"),
    Case(PINNED, HELM_RELEASE, mutate(RELEASE_PROPS, {"version": "~1.16"}), note="tilde range"),
    Case(PINNED, HELM_RELEASE, mutate(RELEASE_PROPS, {"version": ">=1.16.0"}), note="lower bound"),
    Case(PINNED, HELM_RELEASE, mutate(RELEASE_PROPS, {"version": "1.16.x"}), note="wildcard"),
    Case(PINNED, HELM_RELEASE, mutate(RELEASE_PROPS, {"version": ""}), note="empty"),
    Case(PINNED, HELM_RELEASE, mutate(RELEASE_PROPS, {"version": UNKNOWN}), note="unknown at preview"),
    Case(PINNED, HELM_CHART, mutate(CHART_PROPS, {"version": DELETE}), note="v4 chart without version"),
    Case(PINNED, HELM_CHART, mutate(CHART_PROPS, {"version": "*"}), note="v4 chart any version"),
]
PASSING = [
    Case(PINNED, HELM_RELEASE, RELEASE_PROPS, note="exact v-prefixed version"),
    Case(PINNED, HELM_RELEASE, mutate(RELEASE_PROPS, {"version": "4.14.1"}), note="exact version"),
    Case(PINNED, HELM_RELEASE, mutate(RELEASE_PROPS, {"version": "1.0.0-rc.1"}), note="exact pre-release"),
    Case(PINNED, HELM_RELEASE, {"chart": "./charts/app", "namespace": "app"}, note="local chart, pinned by source"),
    Case(
        PINNED,
        HELM_RELEASE,
        {"chart": "https://charts.example/app-1.2.3.tgz"},
        note="archive URL, pinned by source",
    ),
    Case(PINNED, HELM_CHART, CHART_PROPS, note="v4 chart pinned"),
    Case(PINNED, "kubernetes:core/v1:Namespace", {"metadata": {"name": "x"}}, note="other types ignored"),
]
