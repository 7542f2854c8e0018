"""Kubernetes workload policies: checklist §9 Kubernetes Optimization, §8 containers, §1 environment.

Written against the engine's camelCase wire properties of the Kubernetes provider's types. Pod
templates are read where each kind keeps them (Deployment, StatefulSet, DaemonSet, ReplicaSet and Job
under ``spec.template.spec``, CronJob under ``spec.jobTemplate.spec.template.spec``, Pod under
``spec``). Absent values are judged as Kubernetes defaults them: no ``runAsNonRoot`` and no
``runAsUser`` runs as the image's user, root for most images (fail); no ``allowPrivilegeEscalation``
means true (fail); a probe's ``periodSeconds`` defaults to 10; an HPA's ``minReplicas`` to 1 and its
metrics (autoscaling/v2, v2beta2, v2beta1) or its ``targetCPUUtilizationPercentage`` (autoscaling/v1)
to the Kubernetes default CPU target (``DEFAULT_HPA_CPU_PERCENT``). A CPU target counts whether the
metric is ``Resource`` (the pod's CPU) or ``ContainerResource`` (one container's). Values unknown at
preview cannot pass a mandatory rule.

Patches (``DeploymentPatch``, ``ConfigMapPatch``, ``HorizontalPodAutoscalerPatch``... of each kind
above) are server-side applies of part of an object: what a patch sets is judged like the object's
own value, so a bad value fails; what it leaves out stays as it is on the cluster, not the Kubernetes
default, so rules that demand presence (probes, resources, a pinned image) say nothing about an
absent field of a patch. An unknown value a patch sets still cannot pass a mandatory rule.

"Production" for the environment rule: the stack is production when ``AGENCYOS_POLICY_PRODUCTION``
is ``true`` (``false`` turns it off), else when the stack's name (``PULUMI_STACK``, its last
``/`` part) is ``prod`` or ``production`` or ends in ``-prod`` or ``-production``. A configuration
that declares ``ENVIRONMENT=production`` is judged as production in any stack.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from functools import partial
from typing import Any

from agencyos_checklist.numbers import (
    APP_ENVIRONMENT,
    FRONTEND_REPLICAS,
    HPA_CPU_TARGET_PERCENT,
    K8S_CPU_LIMIT,
    K8S_CPU_REQUEST,
    K8S_MEMORY_LIMIT,
    K8S_MEMORY_REQUEST,
    LIVENESS_PATH,
    LIVENESS_PERIOD,
    READINESS_PATH,
    READINESS_PERIOD,
    Stated,
    integers,
)
from pulumi_policy import Severity

from agencyos_policy.credentials import credential_kind
from agencyos_policy.kubernetes.provider_facts import (
    DEFAULT_HPA_CPU_PERCENT,
    DEFAULT_HPA_MIN_REPLICAS,
    DEFAULT_PROBE_PERIOD_SECONDS,
)
from agencyos_policy.props import ABSENT, UNKNOWN, dotted, items, lookup
from agencyos_policy.registry import ADVISORY, MANDATORY, Param, Subject, bound, resource_policy, text
from agencyos_policy.rules import number, unknown

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
STATEFUL_SET = "kubernetes:apps/v1:StatefulSet"
DAEMON_SET = "kubernetes:apps/v1:DaemonSet"
REPLICA_SET = "kubernetes:apps/v1:ReplicaSet"
JOB = "kubernetes:batch/v1:Job"
CRON_JOB = "kubernetes:batch/v1:CronJob"
POD = "kubernetes:core/v1:Pod"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
HPA_V1 = "kubernetes:autoscaling/v1:HorizontalPodAutoscaler"
HPA_V2BETA2 = "kubernetes:autoscaling/v2beta2:HorizontalPodAutoscaler"
HPA_V2BETA1 = "kubernetes:autoscaling/v2beta1:HorizontalPodAutoscaler"
PATCH = "Patch"


def patch_of(resource_type: str) -> str:
    """The type token of a kind's patch resource (server-side apply of part of an object)."""
    return resource_type + PATCH


def is_patch(subject: Subject) -> bool:
    """Whether the subject is a patch: what it omits is left unchanged, not set to the default."""
    return subject.resource_type.endswith(PATCH)


def with_patches(*types: str) -> tuple[str, ...]:
    return (*types, *(patch_of(t) for t in types))


_POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    DEPLOYMENT: ("spec", "template", "spec"),
    STATEFUL_SET: ("spec", "template", "spec"),
    DAEMON_SET: ("spec", "template", "spec"),
    REPLICA_SET: ("spec", "template", "spec"),
    JOB: ("spec", "template", "spec"),
    CRON_JOB: ("spec", "jobTemplate", "spec", "template", "spec"),
    POD: ("spec",),
}
POD_SPECS: dict[str, tuple[str, ...]] = {
    **_POD_SPEC_PATHS,
    **{patch_of(kind): path for kind, path in _POD_SPEC_PATHS.items()},
}
"""Where each kind, and its patch, keeps its pod spec."""
SERVING = with_patches(DEPLOYMENT, STATEFUL_SET, DAEMON_SET)
"""Long-running kinds: probes, spread and disruption budgets are about them, not about Jobs."""
ALL_PODS = tuple(POD_SPECS)
CONFIG_MAPS = with_patches(CONFIG_MAP)
HPAS = with_patches(HPA, HPA_V2BETA2, HPA_V2BETA1, HPA_V1)
PRODUCTION_ENV = "AGENCYOS_POLICY_PRODUCTION"
DEBUG_VALUES = frozenset({"true", "1", "yes", "on"})
FORBIDDEN_LOG_LEVELS = frozenset({"DEBUG", "TRACE"})

workload_policy = partial(resource_policy, tags=("kubernetes", "workloads"))


def duration(stated: Stated[str], description: str) -> Param:
    """A duration in seconds ("<n>s") whose default is the checklist's."""
    return Param(
        {"type": "string", "pattern": "^[0-9]+s$", "default": stated.value, "description": description}, stated
    )


def quantity(stated: Stated[str], description: str) -> Param:
    """A Kubernetes quantity (CPU in millicores, memory in Mi) whose default is the checklist's."""
    return Param(
        {"type": "string", "pattern": "^[0-9.]+[A-Za-z]*$", "default": stated.value, "description": description}, stated
    )


def span(stated: Stated[str], description: str) -> Param:
    """A replica range (least minReplicas-least maxReplicas) whose default is the checklist's."""
    return Param(
        {"type": "string", "pattern": "^[0-9]+-[0-9]+$", "default": stated.value, "description": description}, stated
    )


_QUANTITY = re.compile(
    r"^(?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(?:(?P<binary>[KMGTPE]i)|[eE](?P<exponent>[+-]?[0-9]+)|(?P<decimal>[numkMGTPE]?))$",
    re.ASCII,
)
_DECIMAL_SI = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
"""Each decimal SI suffix as a power of ten (``n`` and ``u`` are accepted by the API server's parser)."""
_BINARY_SI = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}
"""Each binary SI suffix as a power of 1024."""
_LARGEST_EXPONENT = 40
"""Beyond 10^±40 no resource amount is meaningful: such a quantity is judged unreadable, not huge or zero."""


def parse_quantity(value: Any) -> Decimal | None:
    """A Kubernetes quantity as an exact number of cores or bytes, or None when it is not one.

    The grammar of ``resource.Quantity`` (k8s.io/apimachinery/pkg/api/resource/quantity.go)::

        <quantity>        ::= <signedNumber><suffix>
        <suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI>
        <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei
        <decimalSI>       ::= n | u | m | "" | k | M | G | T | P | E
        <decimalExponent> ::= "e" <signedNumber> | "E" <signedNumber>   (an integer exponent)
        <signedNumber>    ::= <sign><number> | <number>
        <number>          ::= <digits> | <digits>.<digits> | <digits>. | .<digits>

    (The documented grammar lists m to E; the parser also takes n and u, as in "1000000000n".) "1E" is
    one exa, "1E3" is one thousand. The engine may send a number (2, 0.5): it is read as written.
    Exact (``Decimal``), so "1000000000n", "1e0" and "1000m" are the same amount.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if not isinstance(value, str) or (match := _QUANTITY.match(value)) is None:
        return None
    number = Decimal(match["number"])
    if match["binary"] is not None:
        return number * Decimal(1024) ** _BINARY_SI[match["binary"]]
    exponent = int(match["exponent"]) if match["exponent"] is not None else _DECIMAL_SI[match["decimal"]]
    if abs(exponent) > _LARGEST_EXPONENT:
        return None
    return number.scaleb(exponent)


def seconds_of(text: str) -> int:
    return int(text.rstrip("s"))


class _Unknown(Exception):
    def __init__(self, path: tuple[str | int, ...]) -> None:
        self.path = path


def _containers(subject: Subject, *, init: bool = True) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """(path, container) for each container of the pod template; _Unknown when a list is computed."""
    base = POD_SPECS[subject.resource_type]
    for key in ("containers", "initContainers") if init else ("containers",):
        listed = items(subject.props, *base, key)
        if listed is UNKNOWN:
            raise _Unknown((*base, key))
        if listed is ABSENT:
            continue
        for index, container in enumerate(listed):
            if container is UNKNOWN:
                raise _Unknown((*base, key, index))
            yield (*base, key, index), container


def _each_container(subject: Subject, check: Any, *, init: bool = True) -> Iterator[str]:
    try:
        found = list(_containers(subject, init=init))
    except _Unknown as gap:
        yield from unknown(subject, gap.path)
        return
    for path, container in found:
        yield from check(subject, path, container)


# --- Probes (checklist 9.kubernetes-optimization.3) -------------------------------------------


PROBE_HANDLERS = ("httpGet", "tcpSocket", "exec", "grpc")
"""Kubernetes' probe mechanisms: any of them is a health check."""


def http_path(stated: Stated[str], description: str) -> Param:
    """An HTTP path whose default is the checklist's."""
    return Param({"type": "string", "pattern": "^/", "default": stated.value, "description": description}, stated)


@workload_policy(
    name="kubernetes-apps-deployment-probes",
    item=LIVENESS_PERIOD.item,
    level=MANDATORY,
    severity=Severity.HIGH,
    description="Liveness and readiness probes configured: every container of a Deployment, StatefulSet or "
    f"DaemonSet has a liveness probe at most every {LIVENESS_PERIOD.value} and a readiness probe at most every "
    f"{READINESS_PERIOD.value}, of any kind (HTTP, TCP, exec, gRPC); an HTTP probe on the configured path "
    f"({LIVENESS_PATH.value}, {READINESS_PATH.value} by default).",
    remediation=f"Set livenessProbe (e.g. httpGet.path {LIVENESS_PATH.value}) with periodSeconds "
    f"{seconds_of(LIVENESS_PERIOD.value)} and readinessProbe (e.g. httpGet.path {READINESS_PATH.value}) with "
    f"periodSeconds {seconds_of(READINESS_PERIOD.value)} on each container; a TCP or exec probe suits a data store.",
    resource_types=SERVING,
    config={
        "livenessPeriod": duration(LIVENESS_PERIOD, "Longest liveness period, <n>s."),
        "readinessPeriod": duration(READINESS_PERIOD, "Longest readiness period, <n>s."),
        "livenessPath": http_path(LIVENESS_PATH, "The path an HTTP liveness probe must request."),
        "readinessPath": http_path(READINESS_PATH, "The path an HTTP readiness probe must request."),
    },
)
def probes(subject: Subject) -> Iterator[str]:
    wanted = (
        ("livenessProbe", "livenessPath", "livenessPeriod"),
        ("readinessProbe", "readinessPath", "readinessPeriod"),
    )
    patch = is_patch(subject)

    def check(subject: Subject, path: tuple[str | int, ...], container: Any) -> Iterator[str]:
        for probe, path_key, period_key in wanted:
            at = (*path, probe)
            spec = lookup(container, probe)
            if patch and spec is ABSENT:
                continue  # a patch leaves the probe as it is
            if spec is UNKNOWN:
                yield from unknown(subject, at)
                continue
            handled = spec is not ABSENT and any(lookup(spec, h) is not ABSENT for h in PROBE_HANDLERS)
            if not handled and not patch:
                yield f"{dotted(*at)} must be set (httpGet, tcpSocket, exec or grpc); it is not set."
                continue
            http = lookup(spec, "httpGet", "path")
            period = lookup(spec, "periodSeconds")
            if UNKNOWN in (http, period):
                yield from unknown(subject, at)
                continue
            wanted_path = subject.config[path_key]
            if http is not ABSENT and http != wanted_path:
                yield f"{dotted(*at)}.httpGet.path must be {wanted_path} (policy config {path_key})."
            if not (patch and period is ABSENT):
                longest = seconds_of(subject.config[period_key])
                seconds = DEFAULT_PROBE_PERIOD_SECONDS if period is ABSENT else number(period)
                if seconds is None or seconds > longest:
                    yield (
                        f"{dotted(*at)}.periodSeconds must be at most {longest} (absent means 10; "
                        f"policy config {period_key})."
                    )

    yield from _each_container(subject, check, init=False)


@workload_policy(
    name="kubernetes-apps-deployment-startup-probe",
    item=LIVENESS_PERIOD.item,
    level=ADVISORY,
    severity=Severity.LOW,
    description="Containers of long-running workloads have a startup probe, so a slow start is not killed by liveness.",
    remediation="Add a startupProbe (e.g. the liveness endpoint with a generous failureThreshold).",
    resource_types=SERVING,
)
def startup_probe(subject: Subject) -> Iterator[str]:
    def check(subject: Subject, path: tuple[str | int, ...], container: Any) -> Iterator[str]:
        if lookup(container, "startupProbe") is ABSENT and not is_patch(subject):
            yield f"{dotted(*path)}.startupProbe should be set."

    yield from _each_container(subject, check, init=False)


# --- Resources (checklist 9.kubernetes-optimization.2) ----------------------------------------


@workload_policy(
    name="kubernetes-apps-deployment-resources",
    item=K8S_CPU_REQUEST.item,
    level=MANDATORY,
    severity=Severity.HIGH,
    description=f"Every container of a workload requests at least {K8S_CPU_REQUEST.value} CPU and "
    f"{K8S_MEMORY_REQUEST.value} memory and is limited to at least {K8S_CPU_LIMIT.value} and "
    f"{K8S_MEMORY_LIMIT.value}, never below its request.",
    remediation=f"Set resources.requests {{cpu: {K8S_CPU_REQUEST.value}, memory: {K8S_MEMORY_REQUEST.value}}} and "
    f"resources.limits {{cpu: {K8S_CPU_LIMIT.value}, memory: {K8S_MEMORY_LIMIT.value}}} (or larger).",
    resource_types=ALL_PODS,
    config={
        "minCpuRequest": quantity(K8S_CPU_REQUEST, "Least CPU request per container."),
        "minMemoryRequest": quantity(K8S_MEMORY_REQUEST, "Least memory request per container."),
        "minCpuLimit": quantity(K8S_CPU_LIMIT, "Least CPU limit per container."),
        "minMemoryLimit": quantity(K8S_MEMORY_LIMIT, "Least memory limit per container."),
    },
)
def resources(subject: Subject) -> Iterator[str]:
    minimum = {
        ("requests", "cpu"): subject.config["minCpuRequest"],
        ("requests", "memory"): subject.config["minMemoryRequest"],
        ("limits", "cpu"): subject.config["minCpuLimit"],
        ("limits", "memory"): subject.config["minMemoryLimit"],
    }

    def check(subject: Subject, path: tuple[str | int, ...], container: Any) -> Iterator[str]:
        amounts: dict[tuple[str, str], Decimal] = {}
        for (kind, resource), least in minimum.items():
            at = (*path, "resources", kind, resource)
            value = lookup(container, "resources", kind, resource)
            if value is UNKNOWN:
                yield from unknown(subject, at)
                continue
            if value is ABSENT and is_patch(subject):
                continue  # left as it is
            amount = parse_quantity(value) if value is not ABSENT else None
            floor = parse_quantity(least)
            if amount is None or floor is None or amount < floor:
                yield f"{dotted(*at)} must be set to at least {least}."
            else:
                amounts[(kind, resource)] = amount
        for resource in ("cpu", "memory"):
            request, limit = amounts.get(("requests", resource)), amounts.get(("limits", resource))
            if request is not None and limit is not None and limit < request:
                yield f"{dotted(*path, 'resources', 'limits', resource)} must not be below its request."

    yield from _each_container(subject, check, init=False)


# --- Security context (checklist 8.infrastructure-security.4.3) -------------------------------


def _effective(container: Any, pod: Any, key: str) -> Any:
    own = lookup(container, "securityContext", key)
    return own if own is not ABSENT else lookup(pod, "securityContext", key)


@workload_policy(
    name="kubernetes-apps-deployment-run-as-non-root",
    item="8.infrastructure-security.4.3",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="Run containers as non-root user: runAsNonRoot true, or a runAsUser above 0, on the "
    "container or its pod.",
    remediation="Set securityContext.runAsNonRoot: true (pod or container) with a non-root runAsUser.",
    resource_types=ALL_PODS,
)
def run_as_non_root(subject: Subject) -> Iterator[str]:
    base = POD_SPECS[subject.resource_type]
    pod = lookup(subject.props, *base)
    if is_patch(subject):
        yield from _patched_user(subject, base, pod)
        yield from _each_container(subject, _patched_user)
        return

    def check(subject: Subject, path: tuple[str | int, ...], container: Any) -> Iterator[str]:
        uid, non_root = _effective(container, pod, "runAsUser"), _effective(container, pod, "runAsNonRoot")
        if uid is UNKNOWN or (uid is ABSENT and non_root is UNKNOWN):
            yield from unknown(subject, (*path, "securityContext", "runAsNonRoot"))
        elif uid is not ABSENT:
            if not ((amount := number(uid)) is not None and amount > 0):
                yield f"{dotted(*path)} must not run as root: runAsUser is 0 or not a number."
        elif non_root is not True:
            yield (
                f"{dotted(*path)}.securityContext.runAsNonRoot must be true (on the container or its pod) or "
                "runAsUser above 0; absent means the image's user, root for most images."
            )

    yield from _each_container(subject, check)


@workload_policy(
    name="kubernetes-apps-deployment-no-privilege-escalation",
    item="8.infrastructure-security.4.3",
    # Good practice beside the checklist's "Run containers as non-root user", not its words: advisory.
    level=ADVISORY,
    severity=Severity.MEDIUM,
    description="Containers cannot gain privileges: allowPrivilegeEscalation false and not privileged.",
    remediation="Set securityContext.allowPrivilegeEscalation: false on each container and do not set privileged.",
    resource_types=ALL_PODS,
)
def no_privilege_escalation(subject: Subject) -> Iterator[str]:
    patch = is_patch(subject)

    def check(subject: Subject, path: tuple[str | int, ...], container: Any) -> Iterator[str]:
        yield from _escalation(subject, path, container, patch=patch)

    yield from _each_container(subject, check)


def _escalation(subject: Subject, path: tuple[str | int, ...], container: Any, *, patch: bool) -> Iterator[str]:
    escalation = lookup(container, "securityContext", "allowPrivilegeEscalation")
    privileged = lookup(container, "securityContext", "privileged")
    if escalation is UNKNOWN or privileged is UNKNOWN:
        yield from unknown(subject, (*path, "securityContext", "allowPrivilegeEscalation"))
    elif (escalation is True if patch else escalation is not False) or privileged is True:
        yield (
            f"{dotted(*path)}.securityContext.allowPrivilegeEscalation should be false and the container not "
            "privileged" + ("." if patch else "; absent means true.")
        )


def _patched_user(subject: Subject, path: tuple[str | int, ...], spec: Any) -> Iterator[str]:
    """What a patch sets for the user of a pod or a container: runAsUser 0, or runAsNonRoot false without a
    runAsUser above 0, fails; what it leaves out is unchanged, so it says nothing."""
    uid = lookup(spec, "securityContext", "runAsUser")
    non_root = lookup(spec, "securityContext", "runAsNonRoot")
    if uid is UNKNOWN or (uid is ABSENT and non_root is UNKNOWN):
        yield from unknown(subject, (*path, "securityContext", "runAsNonRoot"))
    elif uid is not ABSENT:
        if not ((amount := number(uid)) is not None and amount > 0):
            yield f"{dotted(*path)} must not run as root: runAsUser is 0 or not a number."
    elif non_root is not ABSENT and non_root is not True:
        yield f"{dotted(*path)}.securityContext.runAsNonRoot must be true (or runAsUser above 0)."


@workload_policy(
    name="kubernetes-apps-deployment-restricted-context",
    item="8.infrastructure-security.4.3",
    level=ADVISORY,
    severity=Severity.MEDIUM,
    description="Containers have a read-only root filesystem, drop ALL capabilities and use the RuntimeDefault "
    "seccomp profile (Pod Security Standards, restricted).",
    remediation="Set securityContext.readOnlyRootFilesystem: true, capabilities.drop: [ALL] and "
    "seccompProfile.type: RuntimeDefault; mount an emptyDir where the app writes.",
    resource_types=ALL_PODS,
)
def restricted_context(subject: Subject) -> Iterator[str]:
    pod = lookup(subject.props, *POD_SPECS[subject.resource_type])

    # A patch judges only what it sets: what it leaves out is unchanged.
    skipped = (UNKNOWN, ABSENT) if is_patch(subject) else (UNKNOWN,)

    def check(subject: Subject, path: tuple[str | int, ...], container: Any) -> Iterator[str]:
        context = (*path, "securityContext")
        if lookup(container, "securityContext", "readOnlyRootFilesystem") not in (True, *skipped):
            yield f"{dotted(*context)}.readOnlyRootFilesystem should be true."
        dropped = items(container, "securityContext", "capabilities", "drop")
        if dropped not in skipped and "ALL" not in (dropped if isinstance(dropped, list) else []):
            yield f"{dotted(*context)}.capabilities.drop should include ALL."
        seccomp = _effective(container, pod, "seccompProfile")
        if seccomp not in skipped and (
            seccomp is ABSENT or lookup(seccomp, "type") not in ("RuntimeDefault", "Localhost", UNKNOWN)
        ):
            yield f"{dotted(*context)}.seccompProfile.type should be RuntimeDefault (container or pod)."

    yield from _each_container(subject, check)


# --- Images (checklist post-launch-maintenance.weekly.3) --------------------------------------

_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$", re.ASCII)


MOVING_TAGS: tuple[str, ...] = ("latest", "main", "master", "alpine", "stable", "edge", "nightly", "dev")
"""Tags that registries move to new builds: an image so tagged is not pinned (policy config ``movingTags``)."""


def image_problem(image: str, moving: tuple[str, ...] | list[str] = MOVING_TAGS) -> str | None:
    """Why an image reference is not pinned, or None: a digest, or a tag that is not a moving one."""
    if _DIGEST.search(image):
        return None
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return "has no tag (it means latest)"
    tag = last.rsplit(":", 1)[1]
    if tag in ("", "latest"):
        return "is tagged latest"
    if tag.lower() in {str(t).lower() for t in moving}:
        return "has a moving tag (policy config movingTags)"
    return None


@workload_policy(
    name="kubernetes-apps-deployment-pinned-image",
    item="post-launch-maintenance.weekly.3",
    level=MANDATORY,
    severity=Severity.HIGH,
    description="Every container image is pinned by a version tag or a sha256 digest, never latest, untagged or "
    "a moving tag (main, stable, alpine...: policy config movingTags).",
    remediation="Reference images as <registry>/<path>:<version> or <registry>/<path>@sha256:<digest>.",
    resource_types=ALL_PODS,
    config={
        "movingTags": Param(
            {
                "type": "array",
                "items": {"type": "string"},
                "default": list(MOVING_TAGS),
                "description": "Image tags that move to new builds, so never pin an image.",
            }
        )
    },
)
def pinned_image(subject: Subject) -> Iterator[str]:
    moving = list(subject.config["movingTags"])

    def check(subject: Subject, path: tuple[str | int, ...], container: Any) -> Iterator[str]:
        image = lookup(container, "image")
        if image is UNKNOWN:
            yield from unknown(subject, (*path, "image"))
        elif image is ABSENT and is_patch(subject):
            return  # left as it is
        elif image is ABSENT or (problem := image_problem(str(image), moving)) is not None:
            yield f"{dotted(*path)}.image must be pinned by tag or digest: it " + (
                "is not set." if image is ABSENT else f"{problem}."
            )

    yield from _each_container(subject, check)


# --- Zone spread ------------------------------------------------------------------------------


@workload_policy(
    name="kubernetes-apps-deployment-zone-spread",
    item="7.disaster-recovery-plan.3",
    level=ADVISORY,
    severity=Severity.LOW,
    description="Deployments and StatefulSets spread their pods across zones (topologySpreadConstraints on "
    "topology.kubernetes.io/zone), so one zone's outage leaves pods running.",
    remediation="Add a topologySpreadConstraint with topologyKey topology.kubernetes.io/zone and maxSkew 1.",
    resource_types=(DEPLOYMENT, STATEFUL_SET),
)
def zone_spread(subject: Subject) -> Iterator[str]:
    base = POD_SPECS[subject.resource_type]
    constraints = items(subject.props, *base, "topologySpreadConstraints")
    if constraints is UNKNOWN:
        return
    keys = [lookup(c, "topologyKey") for c in constraints] if constraints is not ABSENT else []
    if "topology.kubernetes.io/zone" not in keys and UNKNOWN not in keys:
        yield f"{dotted(*base, 'topologySpreadConstraints')} should spread pods on topology.kubernetes.io/zone."


# --- Autoscaling (checklist 9.kubernetes-optimization.1) --------------------------------------


@workload_policy(
    name="kubernetes-autoscaling-hpa-bounds",
    item=HPA_CPU_TARGET_PERCENT.item,
    level=MANDATORY,
    severity=Severity.MEDIUM,
    description=f"HorizontalPodAutoscalers keep at least {integers(FRONTEND_REPLICAS)[0]} pods, may scale to at "
    f"least {integers(FRONTEND_REPLICAS)[1]} and target at most {HPA_CPU_TARGET_PERCENT.value} % average CPU.",
    remediation=f"Set minReplicas {integers(FRONTEND_REPLICAS)[0]}, maxReplicas "
    f"{integers(FRONTEND_REPLICAS)[1]} or more (the backend: 10), and a Resource metric cpu with target type "
    f"Utilization averageUtilization {HPA_CPU_TARGET_PERCENT.value}.",
    resource_types=HPAS,
    config={
        "replicas": span(FRONTEND_REPLICAS, "Least minReplicas-least maxReplicas of any autoscaler."),
        "cpuTargetPercent": bound(HPA_CPU_TARGET_PERCENT, "Highest average CPU utilization target, in percent."),
    },
)
def hpa_bounds(subject: Subject) -> Iterator[str]:
    least_min, least_max = (int(part) for part in str(subject.config["replicas"]).split("-"))
    highest = subject.config["cpuTargetPercent"]
    patch = is_patch(subject)
    for key, least, default in (("minReplicas", least_min, DEFAULT_HPA_MIN_REPLICAS), ("maxReplicas", least_max, 0)):
        value = lookup(subject.props, "spec", key)
        if value is UNKNOWN:
            yield from unknown(subject, ("spec", key))
        elif value is ABSENT and patch:
            continue  # left as it is
        elif (amount := number(default if value is ABSENT else value)) is None or amount < least:
            yield f"spec.{key} must be at least {least}" + (f" (absent means {default})." if value is ABSENT else ".")
    if _api_version(subject.resource_type) == "autoscaling/v1":
        yield from _v1_cpu_target(subject, highest, patch=patch)
        return
    metrics = items(subject.props, "spec", "metrics")
    if metrics is UNKNOWN:
        yield from unknown(subject, ("spec", "metrics"))
        return
    if metrics is ABSENT and patch:
        return  # left as they are (a patch that sets metrics replaces the whole list: it is atomic)
    try:
        found = [_cpu_target(metric) for metric in (metrics if metrics is not ABSENT else [])]
        targets = [target for target in found if target is not None]
    except _Unknown:
        targets = [UNKNOWN]
    if UNKNOWN in targets:
        yield from unknown(subject, ("spec", "metrics"))
    elif not targets or any((n := number(t)) is None or n > highest for t in targets):
        yield (
            f"spec.metrics must scale on cpu Utilization at most {highest:g} % "
            f"(absent metrics mean {DEFAULT_HPA_CPU_PERCENT} %)."
        )


def _api_version(resource_type: str) -> str:
    return resource_type.split(":")[1]


_METRIC_SOURCES = {"Resource": "resource", "ContainerResource": "containerResource"}
"""The HPA metric types that name a resource of the pods (all of them, or one container), and where."""


def _cpu_target(metric: Any) -> Any:
    """A metric's CPU utilization target (ABSENT when it targets no utilization), or None when it is not about
    CPU; _Unknown when what it is about is unknown. autoscaling/v2 and v2beta2 keep the target under
    ``target.averageUtilization``, v2beta1 under ``targetAverageUtilization``."""
    kind = lookup(metric, "type")
    if metric is UNKNOWN or kind is UNKNOWN:
        raise _Unknown(("spec", "metrics"))
    source = _METRIC_SOURCES.get(kind) if isinstance(kind, str) else None
    if source is None:
        return None
    name = lookup(metric, source, "name")
    if name is UNKNOWN:
        raise _Unknown(("spec", "metrics"))
    if name != "cpu":
        return None
    if lookup(metric, source, "target") is ABSENT:
        return lookup(metric, source, "targetAverageUtilization")
    return lookup(metric, source, "target", "averageUtilization")


def _v1_cpu_target(subject: Subject, highest: float, *, patch: bool) -> Iterator[str]:
    """autoscaling/v1 names one CPU target, ``spec.targetCPUUtilizationPercentage``; absent means the default."""
    path = ("spec", "targetCPUUtilizationPercentage")
    value = lookup(subject.props, *path)
    if value is UNKNOWN:
        yield from unknown(subject, path)
    elif value is ABSENT and patch:
        return
    elif (amount := number(DEFAULT_HPA_CPU_PERCENT if value is ABSENT else value)) is None or amount > highest:
        yield f"{dotted(*path)} must be at most {highest:g} %" + (
            f" (absent means {DEFAULT_HPA_CPU_PERCENT} %)." if value is ABSENT else "."
        )


# --- Configuration: no credentials, production settings (checklist §1, 8.infrastructure-security.3.2) --


def _settings(subject: Subject) -> Iterator[tuple[tuple[str | int, ...], str, Any]]:
    """(path, name, value) of each literal setting: ConfigMap data, or each container's env values."""
    if subject.resource_type in CONFIG_MAPS:
        for key in ("data", "binaryData"):
            data = lookup(subject.props, key)
            if isinstance(data, Mapping):
                for name in data:
                    yield (key, name), name, lookup(data, name)
        return
    for path, container in _containers(subject):
        env = items(container, "env")
        if env is UNKNOWN:
            raise _Unknown((*path, "env"))
        for index, entry in enumerate(env if isinstance(env, list) else []):
            yield (*path, "env", index), str(lookup(entry, "name")), lookup(entry, "value")


@workload_policy(
    name="kubernetes-core-config-no-credentials",
    item="8.infrastructure-security.3.2",
    level=MANDATORY,
    severity=Severity.CRITICAL,
    description="No ConfigMap entry or container environment value looks like a credential (sk_live_, whsec_, "
    "private keys, passwords in URLs, long random tokens).",
    remediation="Keep credentials in Secret Manager and mount them as files (Secrets Store CSI driver); rotate any "
    "credential that was committed.",
    resource_types=(*CONFIG_MAPS, *ALL_PODS),
)
def no_credentials(subject: Subject) -> Iterator[str]:
    try:
        found = list(_settings(subject))
    except _Unknown as gap:
        yield from unknown(subject, gap.path)
        return
    for path, _name, value in found:
        if value is UNKNOWN:
            yield from unknown(subject, path)
        elif isinstance(value, str) and (kind := credential_kind(value)) is not None:
            # The message names where and what kind, never the value.
            yield f"{dotted(*path)} must not hold a credential: it looks like {kind}."


def production_stack() -> bool:
    """Whether the stack being checked is production (see the module docstring)."""
    override = os.environ.get(PRODUCTION_ENV, "").strip().lower()
    if override in ("true", "false"):
        return override == "true"
    stack = os.environ.get("PULUMI_STACK", "").rsplit("/", 1)[-1].lower()
    return stack in ("prod", "production") or stack.endswith(("-prod", "-production"))


@workload_policy(
    name="kubernetes-core-config-production-settings",
    item="1.core-application-settings.3",
    level=MANDATORY,
    severity=Severity.CRITICAL,
    description=f"In production, configuration never sets DEBUG on, ENVIRONMENT other than {APP_ENVIRONMENT.value} "
    "or LOG_LEVEL DEBUG (ConfigMaps and container environments).",
    remediation=f"Set DEBUG=false, ENVIRONMENT={APP_ENVIRONMENT.value} and LOG_LEVEL=INFO or WARNING.",
    resource_types=(*CONFIG_MAPS, *ALL_PODS),
    config={"environment": text(APP_ENVIRONMENT, "The ENVIRONMENT value of production (and that marks it).")},
)
def production_settings(subject: Subject) -> Iterator[str]:
    try:
        found = list(_settings(subject))
    except _Unknown as gap:
        yield from unknown(subject, gap.path)
        return
    values = {name.upper(): value for _path, name, value in found}
    production = subject.config["environment"]
    if not (production_stack() or values.get("ENVIRONMENT") == production):
        return
    for path, name, value in found:
        key = name.upper()
        if value is UNKNOWN and key in ("DEBUG", "ENVIRONMENT", "LOG_LEVEL"):
            yield from unknown(subject, path)
        elif not isinstance(value, str):
            continue
        elif key == "DEBUG" and value.strip().lower() in DEBUG_VALUES:
            yield f"{dotted(*path)} (DEBUG) must be false in production."
        elif key == "ENVIRONMENT" and value != production:
            yield f"{dotted(*path)} (ENVIRONMENT) must be {production} in a production stack."
        elif key == "LOG_LEVEL" and value.strip().upper() in FORBIDDEN_LOG_LEVELS:
            yield f"{dotted(*path)} (LOG_LEVEL) must be INFO or WARNING in production."
