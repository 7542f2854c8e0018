"""Rendering Helm charts and kustomizations offline, with real renderers (see the README's "Manifest renderers").

* Helm: ``helm-python-sdk``, Helm's own Go SDK (v4) behind a C ABI, shipped in the wheel: the chart's templates
  are rendered by Helm's engine, not imitated. Only local charts (a directory or an archive) can be rendered;
  a chart from a repository or an OCI registry needs the network.
* kustomize: ``kubectl kustomize`` (kustomize built into kubectl), found on PATH; a kustomization named by URL
  needs the network.

Whatever cannot be rendered raises :class:`NotRendered` with the reason, which the engine reports as an
undetermined result on the component.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from agencyos_infra.manifests import NotRendered, decode, decode_values

KUBECTL = "kubectl"
_KUSTOMIZE_TIMEOUT_S = 120.0
_HOOK = "helm.sh/hook"


def helm_v3_template(options: Mapping[str, Any], program_dir: Path | None) -> list[dict[str, Any]]:
    """The objects of ``helm.v3.Chart``'s ``kubernetes:helm:template``: hooks included, test hooks only if asked."""
    chart = _local_chart(
        str(options.get("path") or options.get("chart") or ""),
        remote=bool(options.get("repo") or (options.get("fetch_opts") or {}).get("repo")) and not options.get("path"),
        program_dir=program_dir,
    )
    objects = _render(
        chart,
        dict(options.get("values") or {}),
        release=str(options.get("release_name") or ""),
        namespace=str(options.get("namespace") or "default"),
        include_crds=not options.get("skip_crd_rendering"),
    )
    include_tests = bool(options.get("include_test_hook_resources"))
    return [obj for obj in objects if include_tests or "test" not in _hooks(obj)]


def is_local_chart(inputs: Mapping[str, Any], program_dir: Path | None) -> bool:
    """Whether a ``helm.v3.Release``'s chart is a local directory or archive (not a repository's chart)."""
    chart = inputs.get("chart")
    if not isinstance(chart, str) or "://" in chart or (inputs.get("repositoryOpts") or {}).get("repo"):
        return False
    return _resolve(chart, program_dir).exists()


def helm_chart(
    inputs: Mapping[str, Any], release: str, program_dir: Path | None, *, hooks: bool
) -> list[dict[str, Any]]:
    """The objects of a ``helm.v4.Chart`` (``hooks`` false: the provider renders with hooks disabled) or of a
    ``helm.v3.Release`` (``hooks`` true: an install creates its hooks too, test hooks only when tests run)."""
    if inputs.get("postRenderer"):
        raise NotRendered(
            "its postRenderer runs a program of the chart's author, which the offline preview does not run"
        )
    repository = inputs.get("repositoryOpts") or {}
    chart = _local_chart(str(inputs.get("chart") or ""), remote=bool(repository.get("repo")), program_dir=program_dir)
    values: dict[str, Any] = {}
    for asset in inputs.get("valueYamlFiles") or []:
        values = _merged(values, _values_file(asset, program_dir))
    values = _merged(values, dict(inputs.get("values") or {}))
    objects = _render(
        chart,
        values,
        release=release,
        namespace=str(inputs.get("namespace") or ""),
        include_crds=not inputs.get("skipCrds"),
    )
    return [obj for obj in objects if not _hooks(obj) or (hooks and "test" not in _hooks(obj))]


def kustomize(directory: str, program_dir: Path | None, *, load_anywhere: bool = False) -> list[dict[str, Any]]:
    """The objects ``kustomize build`` gives for a local kustomization directory.

    ``load_anywhere``: files outside the kustomization's root may be read (the v2 Directory's
    ``LoadRestrictionsNone``); the v1 invoke keeps kustomize's default, the root only.
    """
    if "://" in directory or directory.startswith(("github.com/", "git@")):
        raise NotRendered(
            f"the kustomization {directory} is fetched over the network, which the offline preview cannot reach"
        )
    path = _resolve(directory, program_dir)
    if not path.is_dir():
        raise NotRendered(f"the kustomization directory {directory} does not exist")
    kubectl = shutil.which(KUBECTL)
    if kubectl is None:
        raise NotRendered(f"no kustomize renderer: `{KUBECTL}` (with its built-in kustomize) is not on PATH")
    try:
        done = subprocess.run(
            [
                kubectl,
                "kustomize",
                *(["--load-restrictor", "LoadRestrictionsNone"] if load_anywhere else []),
                str(path),
            ],
            capture_output=True,
            text=True,
            timeout=_KUSTOMIZE_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise NotRendered(f"kustomize did not finish rendering {directory} within {_KUSTOMIZE_TIMEOUT_S:g} s") from None
    if done.returncode != 0:
        raise NotRendered(f"kustomize could not render {directory}: {_first_line(done.stderr)}")
    return decode(done.stdout, f"kustomization {directory}")


def _local_chart(chart: str, *, remote: bool, program_dir: Path | None) -> Path:
    if not chart:
        raise NotRendered("it names no chart")
    if remote or "://" in chart:
        raise NotRendered(f"the chart {chart} comes from a repository, which the offline preview cannot reach")
    path = _resolve(chart, program_dir)
    if not path.exists():
        # `repo/name` without a local path is a chart of a repository the Helm client has added.
        raise NotRendered(f"the chart {chart} is neither a local directory nor an archive (a repository chart?)")
    return path


def _render(
    chart_path: Path, values: dict[str, Any], *, release: str, namespace: str, include_crds: bool
) -> list[dict[str, Any]]:
    request = {
        "chart": str(chart_path),
        "values": values,
        "release": release,
        "namespace": namespace or "default",
        "includeCrds": include_crds,
    }
    answer = _helm_worker(request, chart_path.name)
    if answer.get("missing"):
        raise NotRendered("the Helm renderer (helm-python-sdk) is not installed: run `make install`")
    if "error" in answer:
        raise NotRendered(f"Helm could not render the chart {chart_path.name}: {_first_line(answer['error'])}")
    rendered: dict[str, str] = answer["rendered"]
    crds: list[str] = answer["crds"]
    objects: list[dict[str, Any]] = []
    for text in crds:
        objects += decode(text, f"chart {chart_path.name} CRDs")
    # Helm's engine also returns NOTES.txt and other non-manifest files: only YAML templates are objects.
    for template, text in sorted(rendered.items()):
        if template.endswith((".yaml", ".yml", ".json")) and not Path(template).name.startswith("_"):
            objects += decode(text, template)
    return objects


_HELM_TIMEOUT_S = 120.0


def _helm_worker(request: Mapping[str, Any], chart: str) -> dict[str, Any]:
    """Helm's answer, from ``agencyos_infra.helm_worker`` in a process of its own (its docstring says why)."""
    import json
    import sys

    from agencyos_infra import processes

    # Its own process group, like the program and the pack: a signal to the tool ends it too.
    # Started from the engine's request thread, which may end first: no parent-death signal (see spawn).
    worker = processes.spawn(
        [sys.executable, "-m", "agencyos_infra.helm_worker"],
        die_with_parent=False,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        stdout, stderr = worker.communicate(json.dumps(request).encode(), timeout=_HELM_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise NotRendered(f"Helm did not render the chart {chart} within {_HELM_TIMEOUT_S:g} s") from None
    finally:
        processes.end(worker)
    try:
        answer: dict[str, Any] = json.loads(stdout)
    except json.JSONDecodeError:
        reason = _first_line(stderr.decode(errors="replace")) or processes.describe_exit(worker.returncode)
        raise NotRendered(f"Helm could not render the chart {chart}: {reason}") from None
    return answer


def _hooks(obj: Mapping[str, Any]) -> list[str]:
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    return [hook.strip() for hook in str(annotations.get(_HOOK) or "").split(",") if hook.strip()]


def _values_file(asset: Any, program_dir: Path | None) -> dict[str, Any]:
    """A values file (a Pulumi asset: a path or a text) as the map Helm merges."""

    source = "a values string"
    if isinstance(asset, Mapping) and "text" in asset:
        text = str(asset["text"])
    elif isinstance(asset, Mapping) and "path" in asset:
        source = f"the values file {asset['path']}"
        try:
            text = _resolve(str(asset["path"]), program_dir).read_text(encoding="utf-8")
        except OSError as error:
            raise NotRendered(f"the values file {asset['path']} cannot be read ({error.strerror})") from None
    else:
        raise NotRendered("a valueYamlFiles entry is neither a file nor a string asset")
    # Helm's own YAML decoder refuses what is not YAML, an alias bomb included: the deployment fails.
    loaded = (decode_values(text, source) if text.strip() else None) or {}
    if not isinstance(loaded, dict):
        raise NotRendered("a values file is not a map of values")
    return loaded


def _merged(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Helm's merge of values files and values: maps merge key by key, anything else is replaced."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


def _resolve(path: str, program_dir: Path | None) -> Path:
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() or program_dir is None else program_dir / candidate


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else "no message"
