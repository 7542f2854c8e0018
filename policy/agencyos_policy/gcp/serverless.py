"""Cloud Run and Cloud Functions policies: no credential in plain environment variables (checklist
8.infrastructure-security.3.2, "Never store secrets in environment variables or code").

Written from the ``gcp:cloudrun/service:Service``, ``gcp:cloudrunv2/{service,job,workerPool}`` and
``gcp:cloudfunctions{,v2}/function:Function`` schemas. Where each keeps its plain environment:

- Cloud Run (v1) Service: ``template.spec.containers[].envs[].value``; Cloud Run v2 Service and WorkerPool:
  ``template.containers[].envs[].value``; Cloud Run v2 Job: ``template.template.containers[].envs[].value``.
  An entry that reads a Secret Manager secret (``valueFrom.secretKeyRef`` in v1, ``valueSource.secretKeyRef``
  in v2) has no plain value and passes.
- Cloud Functions (1st gen): ``environmentVariables`` and ``buildEnvironmentVariables``; 2nd gen:
  ``serviceConfig.environmentVariables`` and ``buildConfig.environmentVariables``. Secrets given as
  ``secretEnvironmentVariables`` (or ``secretVolumes``) are Secret Manager references and pass.

What a credential looks like is ``agencyos_policy.credentials``, the rule the Kubernetes env policy applies.
A value unknown at preview cannot pass (mandatory): it may be a secret's plaintext.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import partial
from typing import Any

from pulumi_policy import Severity

from agencyos_policy.credentials import credential_kind
from agencyos_policy.props import ABSENT, UNKNOWN, dotted, items, lookup
from agencyos_policy.registry import MANDATORY, Subject, resource_policy
from agencyos_policy.rules import Path, unknown

CLOUDRUN_SERVICE = "gcp:cloudrun/service:Service"
CLOUDRUNV2_SERVICE = "gcp:cloudrunv2/service:Service"
CLOUDRUNV2_JOB = "gcp:cloudrunv2/job:Job"
CLOUDRUNV2_WORKER_POOL = "gcp:cloudrunv2/workerPool:WorkerPool"
FUNCTION = "gcp:cloudfunctions/function:Function"
FUNCTION_V2 = "gcp:cloudfunctionsv2/function:Function"

CONTAINERS: dict[str, Path] = {
    CLOUDRUN_SERVICE: ("template", "spec", "containers"),
    CLOUDRUNV2_SERVICE: ("template", "containers"),
    CLOUDRUNV2_WORKER_POOL: ("template", "containers"),
    CLOUDRUNV2_JOB: ("template", "template", "containers"),
}
"""Where each Cloud Run kind keeps its containers."""
ENVIRONMENTS: dict[str, tuple[Path, ...]] = {
    FUNCTION: (("environmentVariables",), ("buildEnvironmentVariables",)),
    FUNCTION_V2: (("serviceConfig", "environmentVariables"), ("buildConfig", "environmentVariables")),
}
"""Where each Cloud Functions generation keeps its plain environment maps (run time and build time)."""


class _Unknown(Exception):
    def __init__(self, path: Path) -> None:
        self.path = path


def _list(props: Any, path: Path) -> list[Any]:
    values = items(props, *path)
    if values is UNKNOWN:
        raise _Unknown(path)
    return [] if values is ABSENT else values


def _container_values(subject: Subject) -> Iterator[tuple[Path, Any]]:
    """(path, value) of each plain env value of each container; a secret reference has none."""
    containers = CONTAINERS[subject.resource_type]
    for index, container in enumerate(_list(subject.props, containers)):
        envs = (*containers, index, "envs")
        for number, entry in enumerate(_list(container, ("envs",))):
            yield (*envs, number, "value"), lookup(entry, "value")


def _function_values(subject: Subject) -> Iterator[tuple[Path, Any]]:
    """(path, value) of each entry of the function's plain environment maps."""
    for path in ENVIRONMENTS[subject.resource_type]:
        variables = lookup(subject.props, *path)
        if variables is UNKNOWN:
            raise _Unknown(path)
        if isinstance(variables, Mapping):
            for name in variables:
                yield (*path, name), lookup(variables, name)


def _no_credentials(subject: Subject, values: Any) -> Iterator[str]:
    try:
        found = list(values(subject))
    except _Unknown as gap:
        yield from unknown(subject, gap.path)
        return
    for path, value in found:
        if value is UNKNOWN:
            yield from unknown(subject, path)
        elif isinstance(value, str) and (kind := credential_kind(value)) is not None:
            # The message names where and what kind, never the value.
            yield f"{dotted(*path)} must not hold a credential: it looks like {kind}."


serverless_policy = partial(
    resource_policy,
    item="8.infrastructure-security.3.2",
    level=MANDATORY,
    severity=Severity.CRITICAL,
    tags=("secrets", "serverless"),
)


@serverless_policy(
    name="gcp-cloudrun-container-no-credentials",
    description="No Cloud Run service, job or worker pool container has an environment value that looks like a "
    "credential (sk_live_, whsec_, private keys, passwords in URLs, long random tokens).",
    remediation="Keep the credential in Secret Manager and reference it (envs[].valueSource.secretKeyRef in "
    "cloudrunv2, envs[].valueFrom.secretKeyRef in cloudrun) or mount it as a secret volume; rotate any credential "
    "that was committed.",
    resource_types=tuple(CONTAINERS),
)
def cloudrun_no_credentials(subject: Subject) -> Iterator[str]:
    yield from _no_credentials(subject, _container_values)


@serverless_policy(
    name="gcp-cloudfunctions-function-no-credentials",
    description="No Cloud Function has a run-time or build-time environment variable that looks like a credential "
    "(sk_live_, whsec_, private keys, passwords in URLs, long random tokens).",
    remediation="Keep the credential in Secret Manager and give it as secretEnvironmentVariables (or "
    "secretVolumes); rotate any credential that was committed.",
    resource_types=tuple(ENVIRONMENTS),
)
def function_no_credentials(subject: Subject) -> Iterator[str]:
    yield from _no_credentials(subject, _function_values)
