"""Runs any Pulumi Python program against the SDK's mock monitor and captures what it registers.

The program runs as the language host runs it (``runpy`` on the program directory, inside
``run_in_stack``), with the stack's config loaded. The capturing monitor behaves like the engine
where a policy pack can tell: it forms URNs from the parent type chain, refuses duplicate URNs,
honours ``additionalSecretOutputs``, stands in the default providers, echoes inputs as outputs in
preview (computed outputs unknown) and gives typed outputs in up mode, records each whole
RegisterResource request (options, source position) and each component's registered outputs, and
hands every resource to the analyzer the moment it is registered, as the engine's step generator
does, so policies run while the program still runs.

Each run gets a fresh context, root stack and event loop, so runs in one process do not leak.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import gc
import os
import re
import runpy
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from google.protobuf import empty_pb2, struct_pb2
from pulumi import RunError
from pulumi.runtime import set_all_config
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime._callbacks import _CallbackServicer
from pulumi.runtime.mocks import MockCallArgs, MockEngine, MockMonitor, MockResourceArgs, MockSettings
from pulumi.runtime.proto import engine_pb2, provider_pb2, resource_pb2
from pulumi.runtime.stack import run_in_stack

from agencyos_infra import kubernetes_check
from agencyos_infra.mocks import RealisticMocks
from agencyos_infra.wire import UNKNOWN, Properties, is_secret, read_properties, secret, to_struct

STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_PREFIX = "pulumi:providers:"
# The collector's default thresholds make it walk the SDK's large, long-lived object graphs every
# few hundred allocations (about 40 % of a 1,000-resource run). The engine's language host runs a
# program once and exits, so collections are made rare while it runs, not switched off.
_GC_THRESHOLD_WHILE_RUNNING = 200_000
_SEVERITIES = {
    engine_pb2.DEBUG: "debug",
    engine_pb2.INFO: "info",
    engine_pb2.WARNING: "warning",
    engine_pb2.ERROR: "error",
}
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_DURATION_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


@dataclass
class SourcePosition:
    """Where the program created a resource, as the SDK reports it (``sourcePosition``)."""

    path: str
    line: int
    column: int = 0


@dataclass
class CapturedResource:
    """One registration, as the engine (and so an analyzer) sees it."""

    type: str
    name: str
    urn: str
    custom: bool
    parent: str
    inputs: Properties
    outputs: Properties
    id: str = ""
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    protect: bool = False
    retain_on_delete: bool = False
    deleted_with: str = ""
    ignore_changes: list[str] = field(default_factory=list)
    additional_secret_outputs: list[str] = field(default_factory=list)
    provider: str = ""
    version: str = ""
    delete_before_replace: bool | None = None
    aliases: list[str] = field(default_factory=list)
    custom_timeouts: dict[str, float] = field(default_factory=dict)
    """Seconds for create, update and delete, as the engine passes them to analyzers."""
    source: SourcePosition | None = None

    @property
    def provider_urn(self) -> str:
        """The provider reference is ``<urn>::<id>``; the URN is everything before the last ``::``."""
        return self.provider.rsplit("::", 1)[0] if self.provider else ""


@dataclass
class LogEntry:
    severity: str
    message: str
    urn: str = ""


@dataclass
class ProgramRun:
    """What a program run registered, its stack outputs, and its error if it failed."""

    project: str
    stack: str
    preview: bool
    resources: list[CapturedResource]
    stack_outputs: Properties
    error: str | None = None
    log: list[LogEntry] = field(default_factory=list)
    program_dir: Path | None = None

    def by_urn(self) -> dict[str, CapturedResource]:
        return {resource.urn: resource for resource in self.resources}

    def of_type(self, type_token: str) -> list[CapturedResource]:
        return [resource for resource in self.resources if resource.type == type_token]


class ResourceSink(Protocol):
    """Receives each resource as it is registered: the analyzer session streams it to the pack."""

    @property
    def remediates(self) -> bool: ...

    def remediate(self, resource: CapturedResource) -> struct_pb2.Struct | None: ...

    def submit(self, resource: CapturedResource) -> None: ...


class DuplicateUrnError(RuntimeError):
    pass


GKE_CLUSTER = "gcp:container/cluster:Cluster"


class _RecordingEngine(MockEngine):
    """The engine's Log endpoint: keeps what the program logs, with its severity and resource."""

    def __init__(self) -> None:
        super().__init__(None)
        self.entries: list[LogEntry] = []

    def Log(self, request: Any) -> Any:
        self.entries.append(LogEntry(_SEVERITIES.get(request.severity, "info"), request.message, request.urn))
        return empty_pb2.Empty()


class CapturingMonitor(MockMonitor):
    """A mock resource monitor that records whole requests and behaves like the engine."""

    def __init__(
        self,
        mocks: RealisticMocks,
        preview: bool,
        config: Mapping[str, str],
        secret_keys: Sequence[str] = (),
        sink: ResourceSink | None = None,
        kubernetes_version: str | None = None,
    ) -> None:
        super().__init__(mocks)
        self.kubernetes_version = kubernetes_version
        self.preview = preview
        self.config = config
        self.secret_keys = set(secret_keys)
        self.sink = sink
        self.captured: list[CapturedResource] = []
        self.stack_outputs = Properties()
        self.errors: list[str] = []
        self.loop: asyncio.AbstractEventLoop | None = None
        self._stack_transforms: list[Any] = []  # Callback messages, run on every resource
        self._transforms_by_urn: dict[str, list[Any]] = {}  # a resource's own, which its children inherit
        self._by_urn: dict[str, CapturedResource] = {}
        self._default_providers: dict[str, str] = {}
        # The SDK registers resources from executor threads.
        self._lock = threading.Lock()

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        return _urn(runtime_settings.get_stack(), runtime_settings.get_project(), parent, type_, name)

    def RegisterResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        with self._lock:
            if urn in self._by_urn:
                message = f"Duplicate resource URN '{urn}'; try giving it a unique name"
                self.errors.append(message)
                raise DuplicateUrnError(message)
            self._by_urn[urn] = None  # type: ignore[assignment]  # reserved until captured below
        if request.type == STACK_TYPE:
            resource = CapturedResource(request.type, request.name, urn, False, "", Properties(), Properties())
            self._capture(resource)
            return resource_pb2.RegisterResourceResponse(urn=urn)

        request = self._transformed(request, urn)
        # Custom resources without an explicit provider get the engine's default one; providers do not.
        needs_default = request.custom and not request.type.startswith(PROVIDER_PREFIX)
        provider = request.provider or (self._default_provider(request) if needs_default else "")
        resource = _captured(request, urn, provider)
        if self.sink is not None and self.sink.remediates:
            remediated = self.sink.remediate(resource)
            if remediated is not None:
                resource.inputs = Properties.from_struct(remediated)
        if kubernetes_check.is_kubernetes_object(request.type) and request.custom:
            self._check_kubernetes_object(resource)

        if self.preview:
            # A new resource's outputs in a preview: its inputs echoed, everything computed unknown.
            resource_id = ""
            state_struct = _mark_secret(resource.inputs.struct, request.additionalSecretOutputs)
        else:
            mock_args = MockResourceArgs(
                typ=request.type,
                name=request.name,
                inputs=resource.inputs.analyzer,
                provider=provider,
                resource_id=request.importId,
                custom=request.custom or False,
            )
            found_id, state = self.mocks.new_resource(mock_args)
            resource_id = found_id or ""
            for key in request.additionalSecretOutputs:
                if key in state and not is_secret(state[key]):
                    state[key] = secret(state[key])
            state_struct = to_struct(state)
        resource.outputs = Properties.from_struct(state_struct)
        resource.id = resource_id or (UNKNOWN if request.custom else "")
        self.resources[urn] = MockMonitor.ResourceRegistration(urn, resource_id, {})
        self._capture(resource)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=resource_id, object=state_struct)

    def RegisterStackTransform(self, request: Any) -> Any:
        self._stack_transforms.append(request)
        return empty_pb2.Empty()

    def _transformed(self, request: Any, urn: str) -> Any:
        """Run the resource's transforms, its parents', then the stack's, as the engine does before Check.

        Each gets the properties and options the previous one returned; what the last returns is what
        is registered (and so judged). Transforms are the program's own functions, run on its event loop.
        """
        with self._lock:
            # A resource's transforms apply to its children too: each URN keeps its own then its parents'.
            own_and_inherited = [*request.transforms, *self._transforms_by_urn.get(request.parent, [])]
            self._transforms_by_urn[urn] = own_and_inherited
            chain = [*own_and_inherited, *self._stack_transforms]
        if not chain or self.loop is None:
            return request
        callbacks = {
            token: function
            for servicer in _CallbackServicer._servicers
            for token, function in servicer._callbacks.items()
        }
        properties, options = request.object, _transform_options(request)
        for callback in chain:
            function = callbacks.get(callback.token)
            if function is None:
                continue
            message = resource_pb2.TransformRequest(
                type=request.type,
                name=request.name,
                custom=request.custom,
                parent=request.parent,
                properties=properties,
                options=options,
            )
            coroutine: Any = function(message.SerializeToString())
            response: Any = asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()
            properties = response.properties
            if response.HasField("options"):
                options = response.options
        transformed = resource_pb2.RegisterResourceRequest()
        transformed.CopyFrom(request)
        transformed.object.CopyFrom(properties)
        _apply_transform_options(transformed, options)
        return transformed

    def _check_kubernetes_object(self, resource: CapturedResource) -> None:
        """The Kubernetes provider's Check: an object the API server would reject fails its registration."""
        try:
            kubernetes_check.check(resource.type, resource.name, resource.inputs.plain, self._kubernetes_version())
        except kubernetes_check.KubernetesCheckError as error:
            with self._lock:
                self.errors.append(str(error))
            raise

    def _kubernetes_version(self) -> str:
        """The version objects are checked against: as given, else the program's GKE cluster's, else the newest."""
        if self.kubernetes_version:
            return self.kubernetes_version
        with self._lock:
            clusters = [r for r in self.captured if r.type == GKE_CLUSTER]
        for cluster in clusters:
            declared = cluster.inputs.plain.get("minMasterVersion")
            minor = kubernetes_check.minor_version(declared) if isinstance(declared, str) else None
            if minor:
                return minor
        return kubernetes_check.latest_version()

    def Invoke(self, request: Any) -> Any:
        """Data sources, answered by the mocks from plain JSON (no event loop on the SDK's thread)."""
        if request.tok == "pulumi:pulumi:getResource":
            return super().Invoke(request)
        args = Properties.from_struct(request.args).plain
        result, failures = self.mocks.call(MockCallArgs(token=request.tok, args=args, provider=request.provider))
        return resource_pb2.ResourceInvokeResponse(
            **{"return": to_struct(result)},
            failures=[provider_pb2.CheckFailure(property=key, reason=reason) for key, reason in failures or []],
        )

    def _capture(self, resource: CapturedResource) -> None:
        with self._lock:
            self._by_urn[resource.urn] = resource
            self.captured.append(resource)
        if self.sink is not None:
            self.sink.submit(resource)

    def RegisterResourceOutputs(self, request: Any) -> Any:
        outputs = Properties.from_struct(_copy(request.outputs))
        if request.urn.split("::")[2] == STACK_TYPE:
            self.stack_outputs = outputs
        with self._lock:
            resource = self._by_urn.get(request.urn)
        if resource is not None and not resource.custom:
            resource.outputs = outputs  # a component's outputs are what it registers
        return empty_pb2.Empty()

    def _default_provider(self, request: Any) -> str:
        """The engine registers one default provider per package and version; stand it in."""
        package = request.type.split(":")[0]
        version = request.version or "0.0.0"
        key = f"{package}@{version}"
        with self._lock:
            known = self._default_providers.get(key)
            if known is None:
                resource = self._default_provider_resource(package, version)
                known = self._default_providers[key] = f"{resource.urn}::{resource.id}"
                self._by_urn[resource.urn] = resource
                self.captured.append(resource)
            else:
                resource = None
        if resource is not None and self.sink is not None:
            self.sink.submit(resource)
        return known

    def _default_provider_resource(self, package: str, version: str) -> CapturedResource:
        """The default provider the engine would register, configured from the stack."""
        name = "default_" + version.replace(".", "_").replace("-", "_")
        urn = self.make_urn("", f"{PROVIDER_PREFIX}{package}", name)
        prefix = f"{package}:"
        config: dict[str, Any] = {
            key[len(prefix) :]: secret(value) if key in self.secret_keys else value
            for key, value in self.config.items()
            if key.startswith(prefix)
        }
        properties = read_properties({**config, "version": version})
        return CapturedResource(
            type=f"{PROVIDER_PREFIX}{package}",
            name=name,
            urn=urn,
            custom=True,
            parent="",
            inputs=properties,
            outputs=properties,
            id=UNKNOWN if self.preview else f"{package}-default-provider",
            version=version,
        )


def _transform_options(request: Any) -> Any:
    """The options a transform sees, from the registration request."""
    options = resource_pb2.TransformResourceOptions(
        depends_on=list(request.dependencies),
        ignore_changes=list(request.ignoreChanges),
        replace_on_changes=list(request.replaceOnChanges),
        version=request.version,
        aliases=list(request.aliases),
        provider=request.provider,
        deleted_with=request.deletedWith,
        additional_secret_outputs=list(request.additionalSecretOutputs),
        providers=dict(request.providers),
    )
    if request.HasField("protect"):
        options.protect = request.protect
    if request.HasField("retainOnDelete"):
        options.retain_on_delete = request.retainOnDelete
    if request.deleteBeforeReplaceDefined:
        options.delete_before_replace = request.deleteBeforeReplace
    if request.HasField("customTimeouts"):
        options.custom_timeouts.CopyFrom(request.customTimeouts)
    return options


def _apply_transform_options(request: Any, options: Any) -> None:
    """Carry what a transform changed in the options back into the registration."""
    request.protect = options.protect if options.HasField("protect") else False
    del request.ignoreChanges[:]
    request.ignoreChanges.extend(options.ignore_changes)
    del request.additionalSecretOutputs[:]
    request.additionalSecretOutputs.extend(options.additional_secret_outputs)
    del request.aliases[:]
    request.aliases.extend(options.aliases)
    request.deleteBeforeReplaceDefined = options.HasField("delete_before_replace")
    request.deleteBeforeReplace = bool(options.delete_before_replace)
    if options.HasField("retain_on_delete"):
        request.retainOnDelete = options.retain_on_delete
    if options.HasField("custom_timeouts"):
        request.customTimeouts.CopyFrom(options.custom_timeouts)
    request.deletedWith = options.deleted_with
    if options.provider:
        request.provider = options.provider


def _urn(stack: str, project: str, parent: str, type_: str, name: str) -> str:
    # The engine qualifies a child's type with its parent's whole type chain, except the root stack.
    qualified = type_
    if parent:
        parent_type = parent.split("::")[2]
        if parent_type != STACK_TYPE:
            qualified = f"{parent_type}${type_}"
    return f"urn:pulumi:{stack}::{project}::{qualified}::{name}"


def _copy(struct: struct_pb2.Struct) -> struct_pb2.Struct:
    copied = struct_pb2.Struct()
    copied.CopyFrom(struct)
    return copied


def _mark_secret(struct: struct_pb2.Struct, keys: Sequence[str]) -> struct_pb2.Struct:
    present = [key for key in keys if key in struct.fields]
    if not present:
        return struct
    marked = _copy(struct)
    for key in present:
        value = marked.fields[key]
        if value.HasField("struct_value") and is_secret(dict(value.struct_value.items())):
            continue
        wrapped = struct_pb2.Value()
        wrapped.struct_value.update(secret(None))
        wrapped.struct_value.fields["value"].CopyFrom(value)
        marked.fields[key].CopyFrom(wrapped)
    return marked


def _captured(request: Any, urn: str, provider: str) -> CapturedResource:
    """A registration's whole request, kept as the engine keeps its goal state."""
    # The request is the SDK's own, never reused after the call: its Struct is kept as it is.
    inputs = Properties.from_struct(request.object)
    stack, project = runtime_settings.get_stack(), runtime_settings.get_project()
    return CapturedResource(
        type=request.type,
        name=request.name,
        urn=urn,
        custom=bool(request.custom),
        parent=request.parent,
        inputs=inputs,
        outputs=inputs,
        dependencies=list(request.dependencies),
        property_dependencies={
            key: list(value.urns) for key, value in request.propertyDependencies.items() if value.urns
        },
        protect=bool(request.protect),
        retain_on_delete=bool(request.retainOnDelete),
        deleted_with=request.deletedWith,
        ignore_changes=list(request.ignoreChanges),
        additional_secret_outputs=list(request.additionalSecretOutputs),
        provider=provider,
        version=request.version,
        delete_before_replace=bool(request.deleteBeforeReplace) if request.deleteBeforeReplaceDefined else None,
        aliases=_alias_urns(request, stack, project),
        custom_timeouts=_timeouts(request),
        source=SourcePosition(request.sourcePosition.uri, request.sourcePosition.line, request.sourcePosition.column)
        if request.HasField("sourcePosition") and request.sourcePosition.uri
        else None,
    )


def _alias_urns(request: Any, stack: str, project: str) -> list[str]:
    """Alias URNs as the engine computes them from the SDK's alias specs (or legacy alias URNs)."""
    urns = list(request.aliasURNs)
    for alias in request.aliases:
        if alias.urn:
            urns.append(alias.urn)
            continue
        spec = alias.spec
        parent = "" if spec.noParent else (spec.parentUrn or request.parent)
        type_, name = spec.type or request.type, spec.name or request.name
        urns.append(_urn(spec.stack or stack, spec.project or project, parent, type_, name))
    return urns


def _timeouts(request: Any) -> dict[str, float]:
    if not request.HasField("customTimeouts"):
        return {}
    timeouts = request.customTimeouts
    return {
        operation: _duration_seconds(getattr(timeouts, operation))
        for operation in ("create", "update", "delete")
        if getattr(timeouts, operation)
    }


def _duration_seconds(text: str) -> float:
    """A Go duration string ("1h30m", "90s") in seconds, as the engine parses custom timeouts."""
    return sum(float(number) * _DURATION_SECONDS[unit] for number, unit in _DURATION_PART.findall(text))


def run_program(
    program_dir: Path,
    *,
    project: str,
    stack: str,
    config: Mapping[str, str],
    secret_keys: list[str] | None = None,
    preview: bool = True,
    organization: str = "organization",
    sink: ResourceSink | None = None,
    kubernetes_version: str | None = None,
    main: Path | None = None,
) -> ProgramRun:
    """Run the program in ``program_dir`` (its ``main`` file when Pulumi.yaml names one) once, in a fresh
    runtime context, and capture it."""
    context = contextvars.copy_context()
    return context.run(
        _run_in_context,
        Path(program_dir).resolve(),
        project,
        stack,
        dict(config),
        list(secret_keys or []),
        preview,
        organization,
        sink,
        kubernetes_version,
        Path(main).resolve() if main is not None and Path(main).is_file() else None,
    )


def _run_in_context(
    program_dir: Path,
    project: str,
    stack: str,
    config: dict[str, str],
    secret_keys: list[str],
    preview: bool,
    organization: str,
    sink: ResourceSink | None,
    kubernetes_version: str | None,
    main: Path | None,
) -> ProgramRun:
    mocks = RealisticMocks(config, preview)
    monitor = CapturingMonitor(mocks, preview, config, secret_keys, sink, kubernetes_version)
    engine = _RecordingEngine()
    runtime_settings.ROOT.set(None)
    runtime_settings.configure(
        MockSettings(
            monitor=monitor,
            monitor_features=set(monitor.GetDeploymentInfo(empty_pb2.Empty()).supportedFeatures),
            engine=engine,
            project=project,
            stack=stack,
            dry_run=preview,
            organization=organization,
            root_directory=str(program_dir),
            callbacks=None,
        )
    )
    runtime_settings.SETTINGS.outputs.clear()
    set_all_config(config, secret_keys)

    error: str | None = None
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    monitor.loop = loop  # transforms are the program's coroutines: they run on its loop

    def program() -> None:
        try:
            runpy.run_path(str(main or program_dir), run_name="__main__")
        except SystemExit as exit_request:
            # The language host treats a program that exits as finished; only a failure code fails it.
            code = exit_request.code
            if code not in (None, 0):
                raise RunError(f"the program exited with code {code}") from None

    thread_errors: list[str] = []

    def thread_failed(failure: threading.ExceptHookArgs) -> None:
        # A thread the program started died: its resources are missing, so the run has failed.
        where = _program_position(failure.exc_traceback, program_dir)
        thread_errors.append(f"a thread of the program failed: {failure.exc_type.__name__}: {failure.exc_value}{where}")

    thresholds, excepthook = gc.get_threshold(), threading.excepthook
    gc.set_threshold(_GC_THRESHOLD_WHILE_RUNNING, *thresholds[1:])
    threading.excepthook = thread_failed
    with _program_imports(program_dir):
        try:
            loop.run_until_complete(run_in_stack(program))
        except RunError as exc:
            error = str(exc)
        except Exception as exc:  # any program failure is reported, not raised
            error = f"{type(exc).__name__}: {exc}{_program_position(exc.__traceback__, program_dir)}"
        finally:
            threading.excepthook = excepthook
            for task in asyncio.all_tasks(loop):
                task.cancel()
                with contextlib.suppress(BaseException):
                    loop.run_until_complete(task)
            loop.close()
            asyncio.set_event_loop(None)
            gc.set_threshold(*thresholds)
    if monitor.errors or thread_errors:
        error = "\n".join([*monitor.errors, *thread_errors])
    return ProgramRun(
        project, stack, preview, monitor.captured, monitor.stack_outputs, error, engine.entries, program_dir
    )


def _program_position(trace: Any, program_dir: Path) -> str:
    """`` (at __main__.py:12)``: the innermost frame of the program's own files, or nothing."""
    import traceback

    inside = [
        frame
        for frame in traceback.extract_tb(trace)
        if frame.filename.startswith(str(program_dir) + os.sep) and os.sep + ".venv" + os.sep not in frame.filename
    ]
    if not inside:
        return ""
    frame = inside[-1]
    return f" (at {os.path.relpath(frame.filename, program_dir)}:{frame.lineno})"


@contextlib.contextmanager
def _program_imports(program_dir: Path):
    """Import the program's own modules from its directory, and forget them afterwards.

    Only modules that live directly in the program directory are forgotten (its packages and
    top-level files), never installed packages, even when a virtualenv sits inside the directory.
    """
    saved_path, saved_cwd = list(sys.path), os.getcwd()
    before = set(sys.modules)
    sys.path.insert(0, str(program_dir))
    os.chdir(program_dir)
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        sys.path[:] = saved_path
        for module_name in set(sys.modules) - before:
            top = module_name.split(".")[0]
            module_file = getattr(sys.modules[module_name], "__file__", None) or ""
            if module_file.startswith((str(program_dir / top) + os.sep, str(program_dir / top) + ".py")):
                del sys.modules[module_name]
