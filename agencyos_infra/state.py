"""``analyze --state FILE``: a ``pulumi stack export`` (deployment version 3) as the resources a pack judges.

What exists, not what a program would create: each resource with its recorded inputs and outputs (known
values only: state holds no unknowns), parent, provider, dependencies, property dependencies and options,
secrets marked secret whether the export wrote them as ciphertext or, with ``--show-secrets``, as
plaintext. A ciphertext cannot be decrypted here: its value is a placeholder that stays secret, and a
warning says so. Pending operations and resources pending deletion are reported, not judged.
"""

from __future__ import annotations

import importlib.util
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agencyos_infra.engine import PROVIDER_PREFIX, STACK_TYPE, CapturedResource, ProgramRun, SourcePosition
from agencyos_infra.wire import REDACTED, SECRET_SIG, SIG_KEY, Properties, secret

DEPLOYMENT_VERSION = 3
_TYPE = re.compile(r"^[^:\s$]+:[^:\s$]*:[^:\s$]+$")
_SOURCE_POSITION = re.compile(r"^project://(?P<path>/[^#]*)#(?P<line>\d+)(?:,(?P<column>\d+))?$")


class StateError(ValueError):
    """An export that cannot be judged; the message names the file and the entry."""


@dataclass
class DeployedState:
    run: ProgramRun
    warnings: list[str] = field(default_factory=list)


def load_state(path: Path, document: Any, project_root: Path | None = None) -> DeployedState:
    """The export ``document``, the JSON read from ``path``; ``project_root`` resolves its ``project:///`` source
    positions."""
    where = f"--state {path}"
    if not isinstance(document, dict) or "deployment" not in document:
        raise StateError(f"{where}: not a stack export (no `deployment`); write it with `pulumi stack export`")
    if document.get("version") != DEPLOYMENT_VERSION:
        raise StateError(
            f"{where}: deployment version {document.get('version')!r}; this reads version {DEPLOYMENT_VERSION}, "
            "as `pulumi stack export` writes it"
        )
    deployment = document["deployment"]
    if not isinstance(deployment, dict) or not isinstance(deployment.get("resources", []), list):
        raise StateError(f"{where}: deployment.resources must be a list")
    warnings: list[str] = []
    for operation in deployment.get("pending_operations") or []:
        resource = operation.get("resource") if isinstance(operation, dict) else None
        urn = resource.get("urn", "?") if isinstance(resource, dict) else "?"
        kind = operation.get("type", "?") if isinstance(operation, dict) else "?"
        warnings.append(
            f"pending operation {kind!r} on {urn}: an update was interrupted; its result is not in the state "
            "and is not judged (`pulumi refresh` resolves it)"
        )
    ciphertexts = [0]
    resources: list[CapturedResource] = []
    seen: set[str] = set()
    unknown_packages: dict[str, list[str]] = {}
    for index, entry in enumerate(deployment.get("resources") or []):
        label = f"{where}: deployment.resources[{index}]"
        if not isinstance(entry, dict):
            raise StateError(f"{label}: must be an object")
        urn, type_ = entry.get("urn"), entry.get("type")
        if not isinstance(urn, str) or not urn.startswith("urn:pulumi:") or urn.count("::") < 3:
            raise StateError(f"{label}: `urn` missing or not a resource URN")
        if not isinstance(type_, str) or not _TYPE.match(type_):
            warnings.append(f"{urn}: type {type_!r} is not a Pulumi type token (<package>:<module>:<Type>); not judged")
            continue
        if entry.get("delete"):
            warnings.append(f"{urn}: pending deletion (an old copy left by a replacement); not judged")
            continue
        if urn in seen:
            raise StateError(f"{label}: URN {urn} appears twice")
        seen.add(urn)
        package = type_.split(":", 1)[0]
        if not _package_known(type_, package):
            unknown_packages.setdefault(package, []).append(type_)
        resources.append(_resource(entry, urn, type_, label, project_root, ciphertexts))
    for package, types in sorted(unknown_packages.items()):
        warnings.append(
            f"{len(types)} resource(s) of package {package!r} (e.g. {sorted(types)[0]}), for which no Pulumi SDK is "
            "installed here: judged by type token, as the pack matches them"
        )
    if ciphertexts[0]:
        warnings.append(
            f"{ciphertexts[0]} secret value(s) are ciphertext (export written without --show-secrets): policies see "
            "a secret placeholder for them"
        )
    if not resources:
        raise StateError(f"{where}: the deployment has no resources to judge")
    stack_resource = next((r for r in resources if r.type == STACK_TYPE), None)
    stack, project = resources[0].urn.removeprefix("urn:pulumi:").split("::")[:2]
    run = ProgramRun(
        project=project,
        stack=stack,
        preview=False,
        resources=resources,
        stack_outputs=stack_resource.outputs if stack_resource else Properties({}),
        program_dir=project_root,
    )
    return DeployedState(run, warnings)


def _package_known(type_: str, package: str) -> bool:
    if package == "pulumi" or type_.startswith(PROVIDER_PREFIX):
        return True
    try:
        return importlib.util.find_spec(f"pulumi_{package.replace('-', '_')}") is not None
    except (ImportError, ValueError):
        return False


def _resource(
    entry: dict[str, Any], urn: str, type_: str, label: str, project_root: Path | None, ciphertexts: list[int]
) -> CapturedResource:
    def strings(key: str) -> list[str]:
        value = entry.get(key) or []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise StateError(f"{label}.{key}: must be a list of strings")
        return list(value)

    dependencies = entry.get("propertyDependencies") or {}
    if not isinstance(dependencies, dict) or not all(isinstance(v, list) for v in dependencies.values()):
        raise StateError(f"{label}.propertyDependencies: must map property names to lists of URNs")
    timeouts = entry.get("customTimeouts") or {}
    if not isinstance(timeouts, dict):
        raise StateError(f"{label}.customTimeouts: must be an object")
    for key in ("inputs", "outputs"):
        if not isinstance(entry.get(key) or {}, dict):
            raise StateError(f"{label}.{key}: must be an object")
    return CapturedResource(
        type=type_,
        name=urn.rsplit("::", 1)[-1],
        urn=urn,
        custom=bool(entry.get("custom")),
        parent=str(entry.get("parent") or ""),
        inputs=Properties(_wire(entry.get("inputs") or {}, ciphertexts)),
        outputs=Properties(_wire(entry.get("outputs") or {}, ciphertexts)),
        id=str(entry.get("id") or ""),
        dependencies=strings("dependencies"),
        property_dependencies={str(k): [str(u) for u in v] for k, v in dependencies.items()},
        protect=bool(entry.get("protect")),
        retain_on_delete=bool(entry.get("retainOnDelete")),
        deleted_with=str(entry.get("deletedWith") or ""),
        ignore_changes=strings("ignoreChanges"),
        additional_secret_outputs=strings("additionalSecretOutputs"),
        provider=str(entry.get("provider") or ""),
        aliases=[alias for alias in entry.get("aliases") or [] if isinstance(alias, str)],
        custom_timeouts={
            key: float(value)
            for key, value in timeouts.items()
            if key in ("create", "update", "delete") and isinstance(value, (int, float))
        },
        source=_source(entry.get("sourcePosition"), project_root),
    )


def _wire(value: Any, ciphertexts: list[int]) -> Any:
    """The export's values in the engine's wire form: its secrets (ciphertext or plaintext) marked secret."""
    if isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG:
        if "plaintext" in value:
            try:
                inner = json.loads(value["plaintext"])
            except (TypeError, ValueError):
                inner = value["plaintext"]
            return secret(_wire(inner, ciphertexts))
        ciphertexts[0] += 1
        return secret(REDACTED)
    if isinstance(value, dict):
        return {key: _wire(item, ciphertexts) for key, item in value.items()}
    if isinstance(value, list):
        return [_wire(item, ciphertexts) for item in value]
    return value


def _source(raw: Any, project_root: Path | None) -> SourcePosition | None:
    """``project:///__main__.py#5,1`` (the engine's form, relative to the project) as the SDK's position."""
    if not isinstance(raw, str) or project_root is None:
        return None
    match = _SOURCE_POSITION.match(raw)
    if match is None:
        return None
    path = (project_root / match["path"].lstrip("/")).resolve()
    return SourcePosition(path.as_uri(), int(match["line"]), int(match["column"] or 0))
