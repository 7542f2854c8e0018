"""Packaged Kubernetes manifests, expanded offline as pulumi-kubernetes expands them, so each object is judged.

Two shapes reach the engine (pulumi-kubernetes 4.x):

* v1 (``yaml.ConfigFile``/``ConfigGroup``, ``helm.v3.Chart``, ``kustomize.Directory``): the SDK asks the provider
  for the objects through an invoke (``kubernetes:yaml:decode``, ``kubernetes:helm:template``,
  ``kubernetes:kustomize:directory``) and registers each object itself. The engine answers the invoke
  (:func:`answer_invoke`).
* v2 (``yaml.v2.ConfigFile``/``ConfigGroup``, ``kustomize.v2.Directory``, ``helm.v4.Chart``): remote components
  the provider constructs, registering the children. The engine stands in for the provider
  (:func:`component_children`): the same names (``<prefix>:<namespace>/<name>``, the prefix defaulting to the
  component's name), the component as parent, and ``dependsOn`` from the provider's ordering (an object
  depends on its Namespace and on the CustomResourceDefinition of its kind, when they are in the same set).

What cannot be expanded offline (a remote chart repository, a missing renderer, a render error, inputs unknown
at preview) is never passed silently: it becomes a mandatory *undetermined* result of the engine's
:data:`NOT_RENDERED_POLICY` on the component (:func:`not_judged_violations`).
"""

from __future__ import annotations

import glob
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from agencyos_infra.wire import SIG_KEY, UNKNOWN, secret
from agencyos_infra.yaml_bound import BoundedSafeLoader

if TYPE_CHECKING:
    from agencyos_infra.analyzer import Violation
    from agencyos_infra.engine import ProgramRun

NOT_RENDERED_POLICY = "offline-manifest-not-rendered"
"""The engine's own result for a package of manifests it could not expand: mandatory, undetermined."""

DECODE_INVOKE = "kubernetes:yaml:decode"
HELM_TEMPLATE_INVOKE = "kubernetes:helm:template"
KUSTOMIZE_INVOKE = "kubernetes:kustomize:directory"
INVOKES = frozenset({DECODE_INVOKE, HELM_TEMPLATE_INVOKE, KUSTOMIZE_INVOKE})

CONFIG_FILE_V2 = "kubernetes:yaml/v2:ConfigFile"
CONFIG_GROUP_V2 = "kubernetes:yaml/v2:ConfigGroup"
KUSTOMIZE_DIRECTORY_V2 = "kubernetes:kustomize/v2:Directory"
HELM_CHART_V4 = "kubernetes:helm.sh/v4:Chart"
COMPONENTS = frozenset({CONFIG_FILE_V2, CONFIG_GROUP_V2, KUSTOMIZE_DIRECTORY_V2, HELM_CHART_V4})
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
"""A custom resource: the provider installs its chart's objects without registering them. The engine renders a
local chart's objects and registers them as the Release's children, so the pack can judge them too."""
PACKAGE_TYPES = COMPONENTS | {HELM_RELEASE}
# The v1 SDK components whose objects come from an invoke: a failed render is reported on them.
HELM_CHART_V3 = "kubernetes:helm.sh/v3:Chart"
KUSTOMIZE_DIRECTORY_V1 = "kubernetes:kustomize:Directory"

# Kinds the API server serves cluster-wide: the provider sets a default namespace on every other kind.
_CLUSTER_SCOPED = frozenset(
    {
        "APIService",
        "CertificateSigningRequest",
        "ClusterRole",
        "ClusterRoleBinding",
        "ComponentStatus",
        "CSIDriver",
        "CSINode",
        "CustomResourceDefinition",
        "FlowSchema",
        "IngressClass",
        "MutatingAdmissionPolicy",
        "MutatingAdmissionPolicyBinding",
        "MutatingWebhookConfiguration",
        "Namespace",
        "Node",
        "PersistentVolume",
        "PriorityClass",
        "PriorityLevelConfiguration",
        "RuntimeClass",
        "StorageClass",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "ValidatingWebhookConfiguration",
        "VolumeAttachment",
    }
)
# Kinds of common CRD-backed APIs that are cluster-scoped, for when their CRD is not in the same set.
_CLUSTER_SCOPED_CUSTOM = frozenset({("cert-manager.io", "ClusterIssuer")})


class NotRendered(Exception):
    """A package of manifests the engine cannot expand offline; the message says why."""


@dataclass(frozen=True)
class NotJudged:
    """A component whose objects were never judged, and why."""

    urn: str
    reason: str


@dataclass(frozen=True)
class Child:
    """One object of a v2 component, as the provider registers it."""

    type: str
    name: str
    object: dict[str, Any]
    depends_on: tuple[int, ...]
    """Indexes (into the component's children) of the objects it depends on; each comes before it."""


def _yaml_documents(text: str, source: str) -> list[Any]:
    try:
        # Bounded as the provider's Go decoder is: an alias bomb is refused, never expanded.
        return list(yaml.load_all(text, Loader=BoundedSafeLoader))  # a safe loader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or _first_line(error)
        raise ValueError(f"{source}: not valid YAML{where} ({problem})") from None


def decode_values(text: str, source: str) -> Any:
    """One YAML document (a Helm values file), under the same bound."""
    documents = _yaml_documents(text, source)
    return documents[0] if documents else None


def decode(text: str, source: str) -> list[dict[str, Any]]:
    """The objects of a multi-document YAML (or JSON) text, as the provider decodes them: empty documents skipped."""
    documents = _yaml_documents(text, source)
    objects = []
    for number, document in enumerate(documents, start=1):
        if document is None:
            continue
        if not isinstance(document, dict):
            raise ValueError(f"{source}: document {number} is a {type(document).__name__}, not a Kubernetes object")
        if document:
            objects.append(document)
    return objects


def answer_invoke(token: str, args: Mapping[str, Any], program_dir: Path | None) -> list[dict[str, Any]]:
    """The ``result`` of a v1 manifest invoke: the objects the provider returns to the SDK."""
    from agencyos_infra import manifests_render

    if token == DECODE_INVOKE:
        text = args.get("text")
        if not isinstance(text, str):
            raise ValueError("kubernetes:yaml:decode: 'text' must be a string")
        # The provider drops objects without a kind or apiVersion (the SDK then never sees them).
        return [
            obj
            for obj in decode(text, "the YAML text of a v1 ConfigFile or ConfigGroup")
            if obj.get("kind") and obj.get("apiVersion")
        ]
    if token == HELM_TEMPLATE_INVOKE:
        options = json.loads(str(args.get("jsonOpts") or "{}"))
        objects = _with_namespace(
            manifests_render.helm_v3_template(options, program_dir), options.get("namespace") or "default"
        )
        return [obj for obj in objects if obj.get("kind") and obj.get("apiVersion")]
    if token == KUSTOMIZE_INVOKE:
        directory = str(args.get("directory") or "")
        return manifests_render.kustomize(directory, program_dir)
    raise KeyError(token)


def v1_component_for(token: str, args: Mapping[str, Any]) -> tuple[str, str]:
    """The v1 component type and name an invoke renders for, so a failed render is reported on it."""
    if token == HELM_TEMPLATE_INVOKE:
        options = json.loads(str(args.get("jsonOpts") or "{}"))
        return HELM_CHART_V3, str(options.get("release_name") or "")
    return KUSTOMIZE_DIRECTORY_V1, str(args.get("directory") or "")


def component_children(type_: str, name: str, inputs: Mapping[str, Any], program_dir: Path | None) -> list[Child]:
    """The objects a v2 component's provider registers, in registration order."""
    from agencyos_infra import manifests_render

    unknown = sorted(key for key, value in inputs.items() if key != "resources" and _contains_unknown(value))
    if unknown:
        raise NotRendered(f"its inputs {', '.join(unknown)} are unknown at preview")
    namespace = ""
    if type_ == CONFIG_FILE_V2:
        objects = decode(_read(str(inputs.get("file") or ""), program_dir), str(inputs.get("file")))
    elif type_ == CONFIG_GROUP_V2:
        objects = []
        for pattern in inputs.get("files") or []:
            for path in _expand_glob(str(pattern), program_dir):
                objects += decode(_read(path, program_dir), path)
        text = inputs.get("yaml") or ""
        objects += decode("\n---\n".join(text) if isinstance(text, list) else str(text), f"{name} yaml")
        objects += [dict(obj) for obj in inputs.get("objs") or inputs.get("objects") or [] if obj]
    elif type_ == KUSTOMIZE_DIRECTORY_V2:
        directory = str(inputs.get("directory") or "")
        objects = manifests_render.kustomize(directory, program_dir, load_anywhere=True)
        namespace = str(inputs.get("namespace") or "")
    elif type_ in (HELM_CHART_V4, HELM_RELEASE):
        release = str(inputs.get("name") or name)
        objects = manifests_render.helm_chart(inputs, release, program_dir, hooks=type_ == HELM_RELEASE)
        namespace = str(inputs.get("namespace") or ("default" if type_ == HELM_RELEASE else ""))
    else:
        raise KeyError(type_)
    objects = expand_lists(objects)
    if namespace:
        objects = _with_namespace(objects, namespace)
    prefix = str(inputs["resourcePrefix"]) if "resourcePrefix" in inputs else name
    return _registered(objects, prefix, bool(inputs.get("skipAwait")))


def expands(type_: str, custom: bool, remote: bool, inputs: Mapping[str, Any], program_dir: Path | None) -> bool:
    """Whether a registration is a package of manifests the engine expands: a v2 component, or a Release of a
    local chart (a repository's chart stays a Release alone, as the real engine keeps it)."""
    from agencyos_infra import manifests_render

    if remote and type_ in COMPONENTS:
        return True
    return custom and type_ == HELM_RELEASE and manifests_render.is_local_chart(inputs, program_dir)


def expand_lists(objects: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """``v1/List`` and ``*List`` kinds stand for their items, as the provider (and the API server) take them."""
    expanded: list[dict[str, Any]] = []
    for obj in objects:
        if str(obj.get("kind", "")).endswith("List") and isinstance(obj.get("items"), list):
            expanded += expand_lists(item for item in obj["items"] if isinstance(item, dict))
        else:
            expanded.append(obj)
    return expanded


def type_token(api_version: str, kind: str) -> str:
    """The resource type of an object: ``kubernetes:<group>/<version>:<Kind>``, ``core`` for the legacy group."""
    group_version = api_version if "/" in api_version else f"core/{api_version}"
    return f"kubernetes:{group_version}:{kind}"


def not_judged_violations(run: ProgramRun) -> list[Violation]:
    """The engine's undetermined results, one per component it could not expand."""
    from agencyos_infra.analyzer import Violation
    from agencyos_infra.review import UNDETERMINED_PREFIX

    return [
        Violation(
            policy=NOT_RENDERED_POLICY,
            enforcement_level="mandatory",
            severity="high",
            urn=entry.urn,
            message=(
                f"{UNDETERMINED_PREFIX}the objects of this package of Kubernetes manifests were not judged: "
                f"{entry.reason}. Render it where the chart or kustomization can be reached, or vendor it locally."
            ),
            checklist_item="",
        )
        for entry in run.not_judged
    ]


def _registered(objects: Sequence[dict[str, Any]], prefix: str, skip_await: bool) -> list[Child]:
    """Names, order and dependencies as the provider's yaml/v2 Register gives them."""
    identities = [_identity(obj) for obj in objects]
    namespaces = {ident[3]: index for index, ident in enumerate(identities) if ident[1] == "Namespace"}
    crds = {
        _crd_group_kind(obj): index
        for index, obj in enumerate(objects)
        if identities[index][1] == "CustomResourceDefinition"
    }
    depends: list[list[int]] = []
    for index, (group, kind, namespace, _) in enumerate(identities):
        found = [namespaces[namespace]] if namespace in namespaces and kind != "Namespace" else []
        if (group, kind) in crds:
            found.append(crds[(group, kind)])
        depends.append([d for d in found if d != index])
    # The provider registers in topological order: what nothing depends on first, then the rest.
    order = sorted(range(len(objects)), key=lambda index: _depth(index, depends, set()))
    position = {index: rank for rank, index in enumerate(order)}
    children = []
    for index in order:
        obj = objects[index]
        api_version, kind = str(obj["apiVersion"]), str(obj["kind"])
        metadata = obj.get("metadata") or {}
        name = str(metadata.get("name") or "")
        if not name:
            raise ValueError(f"a {api_version}/{kind} object has no .metadata.name")
        namespace = str(metadata.get("namespace") or "")
        resource_name = f"{namespace}/{name}" if namespace else name
        if prefix:
            resource_name = f"{prefix}:{resource_name}"
        registered = dict(obj)
        if skip_await:
            registered["metadata"] = {
                **metadata,
                "annotations": {**(metadata.get("annotations") or {}), "pulumi.com/skipAwait": "true"},
            }
        if api_version == "v1" and kind == "Secret":
            for key in ("data", "stringData"):
                if key in registered:
                    registered[key] = secret(registered[key])
        children.append(
            Child(
                type_token(api_version, kind),
                resource_name,
                registered,
                tuple(sorted(position[d] for d in depends[index])),
            )
        )
    return children


def _depth(index: int, depends: list[list[int]], seen: set[int]) -> int:
    if index in seen:
        return 0
    return 1 + max((_depth(d, depends, seen | {index}) for d in depends[index]), default=-1)


def _identity(obj: Mapping[str, Any]) -> tuple[str, str, str, str]:
    """(group, kind, namespace, name) of an object."""
    if "kind" not in obj or "apiVersion" not in obj:
        raise ValueError(f"a Kubernetes object needs a kind and an apiVersion: {json.dumps(obj)[:200]}")
    api_version = str(obj["apiVersion"])
    metadata = obj.get("metadata") or {}
    group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
    return group, str(obj["kind"]), str(metadata.get("namespace") or ""), str(metadata.get("name") or "")


def _crd_group_kind(crd: Mapping[str, Any]) -> tuple[str, str]:
    spec = crd.get("spec") or {}
    return str(spec.get("group") or ""), str((spec.get("names") or {}).get("kind") or "")


def _with_namespace(objects: list[dict[str, Any]], namespace: str) -> list[dict[str, Any]]:
    """The default namespace on namespaced kinds without one (a CRD in the set decides its kind's scope)."""
    scopes = {
        _crd_group_kind(obj): (obj.get("spec") or {}).get("scope")
        for obj in objects
        if obj.get("kind") == "CustomResourceDefinition"
    }
    result = []
    for obj in objects:
        group, kind, own_namespace, _ = (
            _identity(obj) if obj.get("kind") and obj.get("apiVersion") else ("", "", "x", "")
        )
        cluster = (
            kind in _CLUSTER_SCOPED or (group, kind) in _CLUSTER_SCOPED_CUSTOM or scopes.get((group, kind)) == "Cluster"
        )
        if own_namespace or cluster or not kind:
            result.append(obj)
        else:
            result.append({**obj, "metadata": {**(obj.get("metadata") or {}), "namespace": namespace}})
    return result


def _resolve(path: str, program_dir: Path | None) -> Path:
    candidate = Path(path)
    return candidate if candidate.is_absolute() or program_dir is None else program_dir / candidate


def _read(path: str, program_dir: Path | None) -> str:
    if "://" in path:
        raise NotRendered(f"{path} is fetched over the network, which the offline preview cannot reach")
    try:
        return _resolve(path, program_dir).read_text(encoding="utf-8")
    except OSError as error:
        raise ValueError(f"{path}: cannot be read ({error.strerror or error})") from None


def _expand_glob(pattern: str, program_dir: Path | None) -> list[str]:
    """A ConfigGroup's file entry: a glob pattern (sorted matches) or one path, as the provider reads them."""
    if "://" in pattern or not any(char in pattern for char in "*?["):
        return [pattern]
    base = str(_resolve(pattern, program_dir))
    return sorted(glob.glob(base))


def _contains_unknown(value: Any) -> bool:
    if value == UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(_contains_unknown(item) for key, item in value.items() if key != SIG_KEY)
    if isinstance(value, list):
        return any(_contains_unknown(item) for item in value)
    return False


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
