"""Helm cases: a pinned cert-manager release and chart, then one change per case; stack cases for cert-manager's
CRDs (judged by the release's values, or installed another way)."""

from __future__ import annotations

from typing import Any

from agencyos_policy.kubernetes.helm import CRD, HELM_CHART, HELM_RELEASE

from agencyos_infra.wire import UNKNOWN
from tests.policy.cases import DELETE, Case, mutate
from tests.policy.stack_cases import STACK, stack

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

CRDS = "kubernetes-helm-release-cert-manager-crds"
NO_CRDS = mutate(RELEASE_PROPS, {"values": {"prometheus": {"enabled": True}}})
CERTIFICATES_CRD = (CRD, {"metadata": {"name": "certificates.cert-manager.io"}, "spec": {"group": "cert-manager.io"}})
CRDS_FILE = (
    "kubernetes:yaml/v2:ConfigFile",
    {"file": "https://github.com/cert-manager/cert-manager/releases/download/v1.19.4/cert-manager.crds.yaml"},
)
CRD_FAILING = [
    Case(CRDS, STACK, stack((HELM_RELEASE, NO_CRDS)), note="chart default: no CRDs"),
    Case(CRDS, STACK, stack((HELM_RELEASE, mutate(RELEASE_PROPS, {"values.crds.enabled": False}))), note="off"),
    Case(
        CRDS,
        STACK,
        stack((HELM_CHART, {**NO_CRDS, "chart": "oci://quay.io/jetstack/charts/cert-manager"})),
        note="v4 Chart from the OCI registry",
    ),
    Case(
        CRDS,
        STACK,
        stack((HELM_RELEASE, NO_CRDS), (CRD, {"metadata": {"name": "widgets.example.com"}})),
        note="another operator's CRD",
    ),
]
CRD_PASSING = [
    Case(CRDS, STACK, stack((HELM_RELEASE, RELEASE_PROPS)), note="crds.enabled"),
    Case(
        CRDS,
        STACK,
        stack((HELM_RELEASE, mutate(RELEASE_PROPS, {"values": {"installCRDs": True}, "version": "v1.14.4"}))),
        note="installCRDs before v1.15",
    ),
    Case(CRDS, STACK, stack((HELM_RELEASE, NO_CRDS), CERTIFICATES_CRD), note="CRDs defined in the stack"),
    Case(CRDS, STACK, stack((HELM_RELEASE, NO_CRDS), CRDS_FILE), note="cert-manager.crds.yaml applied"),
    Case(CRDS, STACK, stack((HELM_RELEASE, mutate(RELEASE_PROPS, {"values": UNKNOWN}))), note="values unknown"),
    Case(CRDS, STACK, stack((HELM_CHART, CHART_PROPS)), note="another chart: not judged"),
]

FAILING = [
    *CRD_FAILING,
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
    *CRD_PASSING,
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
