"""The Kubernetes provider's Check, offline: every Kubernetes object is validated against the
OpenAPI schema of the cluster's minor version (``kubernetes-validate``'s strict schemas), so a
misspelled or misplaced field fails the preview as the API server would reject it at ``pulumi up``.

Which version: ``--kubernetes-version``, else the minor version of the GKE cluster the program
declares (``minMasterVersion``), else the newest version the schemas cover. Objects the schemas do
not describe (custom resources, Helm releases, the provider itself) are not checked, as a
provider without their CRD cannot check them either. Values unknown during a preview are left out
of the check: the provider does not check what it cannot know yet.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from pulumi_policy.proxy import (
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
)

PREFIX = "kubernetes:"
# Pulumi-side types that are not Kubernetes objects (no apiVersion/kind of their own).
_NOT_OBJECTS = re.compile(
    r"^kubernetes:(helm\.sh/|kustomize:|yaml:|yaml/|index:|apiextensions\.k8s\.io/v1:CustomResource$)"
)
_UNKNOWN_SENTINELS = frozenset(
    {UNKNOWN_STRING_VALUE, UNKNOWN_BOOLEAN_VALUE, UNKNOWN_NUMBER_VALUE, UNKNOWN_ARRAY_VALUE, UNKNOWN_OBJECT_VALUE}
)


class KubernetesCheckError(ValueError):
    """An object the API server would reject; the message names the field and the version."""


def is_kubernetes_object(type_token: str) -> bool:
    """A whole Kubernetes object the schema describes; patches (``DeploymentPatch``...) are partial by design,
    and server-side apply fills what they leave out, so the full schema's required fields do not apply."""
    return type_token.startswith(PREFIX) and not _NOT_OBJECTS.match(type_token) and not type_token.endswith("Patch")


def covered_versions() -> list[str]:
    """The minor versions the bundled schemas cover, oldest first."""
    from kubernetes_validate import utils

    return [utils.major_minor(version) for version in utils.all_versions()]


def latest_version() -> str:
    return covered_versions()[-1]


def covered(version: str) -> str:
    """``version`` as a covered minor version; a clear error otherwise (checked before anything runs)."""
    minor = minor_version(version)
    versions = covered_versions()
    if minor is None:
        raise KubernetesCheckError(f"--kubernetes-version {version!r}: expected a minor version such as 1.31")
    as_tuple = tuple(int(part) for part in minor.split("."))
    if not versions or not (_tuple(versions[0]) <= as_tuple <= _tuple(versions[-1])):
        raise KubernetesCheckError(
            f"--kubernetes-version {version!r}: the bundled schemas cover {versions[0]} to {versions[-1]}"
        )
    return minor


def _tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def minor_version(version: str) -> str | None:
    """``1.31``, ``v1.31.2-gke.100`` → ``1.31``; None for "latest" or anything unversioned."""
    match = re.match(r"^v?(\d+)\.(\d+)", version.strip())
    return f"{match[1]}.{match[2]}" if match else None


def check(type_token: str, name: str, inputs: Mapping[str, Any], version: str) -> None:
    """Raise :class:`KubernetesCheckError` if the object breaks the schema of ``version``."""
    import kubernetes_validate

    _cache_schema_files()
    version = covered(version)
    unknown: set[tuple[Any, ...]] = set()
    document = _known(dict(inputs), (), unknown)
    document.setdefault("apiVersion", _api_version(type_token))
    document.setdefault("kind", type_token.rsplit(":", 1)[-1])
    # A required field whose value is unknown is present, just not yet known: stand in a value of the
    # type the schema asks for and check again, so only what is known can fail.
    for _ in range(len(unknown) + 1):
        try:
            kubernetes_validate.validate(document, version, strict=True)
            return
        except kubernetes_validate.SchemaNotFoundError:
            return  # not a built-in kind of this version (e.g. a CRD): no schema to check against
        except kubernetes_validate.ValidationError as error:
            if not _stand_in_unknown(document, error, unknown):
                where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path)
                raise KubernetesCheckError(
                    f"{type_token} {name!r}: {where.lstrip('.') or '(object)'}: {error.message} "
                    f"(Kubernetes {error.version} OpenAPI schema; the API server would reject it)"
                ) from None


def _stand_in_unknown(document: dict[str, Any], error: Any, unknown: set[tuple[Any, ...]]) -> bool:
    """Fill a required field the error names if its value was unknown; whether it did."""
    if error.validator != "required" or not isinstance(error.instance, dict):
        return False
    path = tuple(error.absolute_path)
    missing = [key for key in error.validator_value if key not in error.instance and (*path, key) in unknown]
    if not missing:
        return False
    node: Any = document
    for part in path:
        node = node[part]
    for key in missing:
        node[key] = _placeholder((error.schema.get("properties") or {}).get(key) or {})
    return True


def _placeholder(schema: Mapping[str, Any]) -> Any:
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    for candidate, value in (("string", "unknown"), ("integer", 0), ("number", 0), ("boolean", False), ("array", [])):
        if candidate in kinds:
            return value
    return {}


def _api_version(type_token: str) -> str:
    group_version = type_token.split(":")[1]  # core/v1, apps/v1, networking.k8s.io/v1
    return group_version.removeprefix("core/")


def _known(value: Any, path: tuple[Any, ...], unknown: set[tuple[Any, ...]]) -> Any:
    """The value with every unknown left out (their paths noted), as the provider's Check leaves what it cannot know."""
    if isinstance(value, dict):
        known = {}
        for key, item in value.items():
            if _is_unknown(item):
                unknown.add((*path, key))
            else:
                known[key] = _known(item, (*path, key), unknown)
        return known
    if isinstance(value, list):
        return [_known(item, (*path, index), unknown) for index, item in enumerate(value) if not _is_unknown(item)]
    return value


def _is_unknown(value: Any) -> bool:
    return isinstance(value, str) and value in _UNKNOWN_SENTINELS


@functools.cache
def _cache_schema_files() -> None:
    """Read each schema file once per run, not once per object (the definitions file is large).

    kubernetes-validate re-reads and re-parses its JSON files on every call; they never change
    while the process runs and the validator does not modify them.
    """
    from kubernetes_validate import utils

    utils.schema_contents = functools.lru_cache(maxsize=None)(utils.schema_contents)
