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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from google.protobuf import empty_pb2, struct_pb2
from pulumi import RunError
from pulumi.runtime.mocks import MockCallArgs, MockEngine, MockMonitor, MockResourceArgs
from pulumi.runtime.proto import callback_pb2, engine_pb2, provider_pb2, resource_pb2

from agencyos_infra import kubernetes_check, manifests
from agencyos_infra.langhost import program_position as _program_position
from agencyos_infra.mocks import RealisticMocks
from agencyos_infra.wire import (
    RESOURCE_SIG,
    SIG_KEY,
    UNKNOWN,
    Properties,
    is_secret,
    read_properties,
    secret,
    to_struct,
)

STACK_TYPE = "pulumi:pulumi:Stack"
STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"
LANGHOST = Path(__file__).resolve().parent / "langhost.py"
"""The program side of an isolated run, executed by the program's interpreter (it imports no agencyos_infra)."""
PROGRAM_TIMEOUT_ENV = "AGENCYOS_PROGRAM_TIMEOUT"
_DEFAULT_PROGRAM_TIMEOUT_S = 600.0
_SDK_MISSING_EXIT = 3  # langhost.py's exit code when the interpreter has no Pulumi SDK
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
    external: bool = False
    """Read (``Resource.get``, a stack reference), not managed: in the tree and AnalyzeStack, never Analyzed."""

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
    warnings: list[str] = field(default_factory=list)
    """What the engine could not do as the CLI would (another stack's outputs it was not given)."""
    not_judged: list[manifests.NotJudged] = field(default_factory=list)
    """Packages of Kubernetes manifests the engine could not expand: reported as undetermined results."""

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
        *,
        project: str,
        stack: str,
        stack_outputs: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        super().__init__(mocks)
        self.mocks: RealisticMocks = mocks  # the SDK's monitor types it as any Mocks; this one is ours
        self.project, self.stack = project, stack
        self.kubernetes_version = kubernetes_version
        self.stack_outputs_given = dict(stack_outputs or {})
        self.referenced_stacks: list[str] = []
        # How a transform registered by the program is run: over gRPC to the program's callback server.
        self.invoke_callback: Callable[[Any, bytes], bytes | None] = self._callback_over_grpc
        self._callback_stubs: dict[str, Any] = {}
        self.preview = preview
        self.config = config
        self.secret_keys = set(secret_keys)
        self.sink = sink
        self.captured: list[CapturedResource] = []
        self.stack_outputs = Properties()
        self.errors: list[str] = []
        self._kubernetes_checked: dict[str, tuple[CapturedResource, str]] = {}
        self._stack_transforms: list[Any] = []  # Callback messages, run on every resource
        self._transforms_by_urn: dict[str, list[Any]] = {}  # a resource's own, which its children inherit
        self._by_urn: dict[str, CapturedResource] = {}
        self._default_providers: dict[str, str] = {}
        self.program_dir: Path | None = None  # where the program's relative manifest paths start
        self._not_rendered: list[tuple[str, str, str]] = []  # (component type, name or URN, reason)
        # The SDK registers resources from executor threads.
        self._lock = threading.Lock()

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        return _urn(self.stack, self.project, parent, type_, name)

    def _reserve(self, urn: str) -> None:
        """Claim a URN for a registration or a read; the engine refuses a second one in the same program."""
        with self._lock:
            if urn in self._by_urn:
                message = f"Duplicate resource URN '{urn}'; try giving it a unique name"
                self.errors.append(message)
                raise DuplicateUrnError(message)
            self._by_urn[urn] = None  # type: ignore[assignment]  # reserved until captured

    def SupportsFeature(self, request: Any) -> Any:
        # As the SDK's mock monitor (and GetDeploymentInfo): Output values stay resolved in inputs.
        return resource_pb2.SupportsFeatureResponse(hasSupport=request.id != "outputValues")

    def RegisterResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        self._reserve(urn)
        if request.type == STACK_TYPE:
            resource = CapturedResource(request.type, request.name, urn, False, "", Properties(), Properties())
            self._capture(resource)
            return resource_pb2.RegisterResourceResponse(urn=urn)

        request = self._transformed(request, urn)
        # Custom resources without an explicit provider get the engine's default one; providers do not.
        needs_default = request.custom and not request.type.startswith(PROVIDER_PREFIX)
        provider = request.provider or (self._default_provider(request) if needs_default else "")
        resource = _captured(request, urn, provider, self.stack, self.project)
        if self.sink is not None and self.sink.remediates:
            remediated = self.sink.remediate(resource)
            if remediated is not None:
                resource.inputs = Properties.from_struct(remediated)
        if kubernetes_check.is_kubernetes_object(request.type) and request.custom:
            self._check_kubernetes_object(resource)

        if self.preview:
            # A new resource's outputs in a preview: its inputs echoed, everything computed unknown.
            resource_id = ""
            state_struct = _mark_secret(
                self.mocks.preview_struct(request.type, resource.inputs.struct), request.additionalSecretOutputs
            )
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
        # The type first: the inputs of every other resource stay undecoded (the pack reads the wire form).
        if request.type in manifests.PACKAGE_TYPES and manifests.expands(
            request.type, request.custom, request.remote, resource.inputs.plain, self.program_dir
        ):
            children_state = self._construct_manifests(request, urn, resource)
            state_struct = state_struct if request.custom else children_state
        return resource_pb2.RegisterResourceResponse(urn=urn, id=resource_id, object=state_struct)

    def _construct_manifests(self, request: Any, urn: str, component: CapturedResource) -> struct_pb2.Struct:
        """Stand in for the provider: each object of a v2 manifest component (or a local Release) becomes its child."""
        try:
            children = manifests.component_children(
                request.type, request.name, component.inputs.plain, self.program_dir
            )
        except manifests.NotRendered as reason:
            with self._lock:
                self._not_rendered.append((request.type, urn, str(reason)))
            children = []
        except ValueError as error:
            message = f"{request.type} {request.name}: {error}"
            with self._lock:
                self.errors.append(message)
            raise RunError(message) from None
        urns: list[str] = []
        references: list[dict[str, Any]] = []
        for child in children:
            child_request = resource_pb2.RegisterResourceRequest(
                type=child.type,
                name=child.name,
                parent=urn,
                custom=True,
                object=to_struct(child.object),
                dependencies=[urns[index] for index in child.depends_on],
                # Children inherit the parent's Kubernetes provider and protection, as the SDK's parent option.
                provider=request.provider if request.custom else request.providers.get("kubernetes", ""),
                version=request.version,
                protect=request.protect,
                sourcePosition=request.sourcePosition,
            )
            registered = self.RegisterResource(child_request)
            urns.append(registered.urn)
            references.append({SIG_KEY: RESOURCE_SIG, "urn": registered.urn, "id": registered.id or UNKNOWN})
        if not component.custom:
            component.outputs = read_properties({"resources": urns})
        # The component's output is its children, as resource references the SDK turns into resources.
        return to_struct({"resources": references})

    def ReadResource(self, request: Any) -> Any:
        """``Resource.get`` and stack references: the engine reads the resource's state, at preview too."""
        urn = self.make_urn(request.parent, request.type, request.name)
        self._reserve(urn)
        inputs = Properties.from_struct(request.properties)
        if request.type == STACK_REFERENCE_TYPE:
            state = self._stack_reference_state(request.id or str(inputs.plain.get("name") or request.name))
        else:
            # A read returns the provider's state of an existing resource: typed, known values in both modes.
            reader = RealisticMocks(self.config, preview=False)
            found_id, state = reader.new_resource(
                MockResourceArgs(
                    typ=request.type,
                    name=request.name,
                    inputs=inputs.analyzer,
                    provider=request.provider,
                    resource_id=request.id,
                    custom=True,
                )
            )
            state = {**state, "id": request.id or found_id}
        state_struct = to_struct(state)
        outputs = Properties.from_struct(state_struct)
        resource = CapturedResource(
            type=request.type,
            name=request.name,
            urn=urn,
            custom=True,
            parent=request.parent,
            inputs=outputs,
            outputs=outputs,
            id=request.id,
            dependencies=list(request.dependencies),
            provider=request.provider,
            version=request.version,
            external=True,
            source=_source_position(request),
        )
        self.resources[urn] = MockMonitor.ResourceRegistration(urn, request.id, {})
        with self._lock:
            self._by_urn[urn] = resource
            self.captured.append(resource)
        return resource_pb2.ReadResourceResponse(urn=urn, properties=state_struct)

    def _stack_reference_state(self, name: str) -> dict[str, Any]:
        """Another stack's outputs, from ``--stack-outputs NAME=FILE``; unknown without them, as in a preview."""
        with self._lock:
            if name not in self.referenced_stacks:
                self.referenced_stacks.append(name)
        given = self.stack_outputs_given.get(name)
        if given is None:
            return {"name": name, "outputs": UNKNOWN, "secretOutputNames": UNKNOWN}
        # `pulumi stack output --json` prints a secret as "[secret]" unless --show-secrets: still a secret.
        secret_names = sorted(key for key, value in given.items() if value == "[secret]")
        outputs = {key: secret(value) if key in secret_names else value for key, value in given.items()}
        return {"name": name, "outputs": outputs, "secretOutputNames": secret_names}

    def _callback_over_grpc(self, callback: Any, request: bytes) -> bytes | None:
        """Run a program's callback (a transform) on its callback server, as the engine does."""
        import grpc
        from pulumi.runtime.proto import callback_pb2_grpc

        with self._lock:
            stub = self._callback_stubs.get(callback.target)
            if stub is None:
                stub = self._callback_stubs[callback.target] = callback_pb2_grpc.CallbacksStub(
                    grpc.insecure_channel(callback.target)
                )
        response = stub.Invoke(callback_pb2.CallbackInvokeRequest(token=callback.token, request=request))
        return bytes(response.response)

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
        if not chain:
            return request
        properties, options = request.object, _transform_options(request)
        for callback in chain:
            message = resource_pb2.TransformRequest(
                type=request.type,
                name=request.name,
                custom=request.custom,
                parent=request.parent,
                properties=properties,
                options=options,
            )
            answer = self.invoke_callback(callback, message.SerializeToString())
            if answer is None:
                continue
            response = resource_pb2.TransformResponse()
            response.ParseFromString(answer)
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
        version = self._kubernetes_version()
        with self._lock:
            self._kubernetes_checked[resource.urn] = (resource, version)
        self._check_against(resource, version)

    def _check_against(self, resource: CapturedResource, version: str) -> None:
        """Check one object against one version; a rejection is recorded as the run's error, then raised."""
        try:
            kubernetes_check.check(resource.type, resource.name, resource.inputs.plain, version)
        except kubernetes_check.KubernetesCheckError as error:
            with self._lock:
                self.errors.append(str(error))
            raise

    def recheck_kubernetes_objects(self) -> None:
        """Objects registered before the program's GKE cluster, checked again against the cluster's version.

        Registrations run concurrently, so an object may be checked before the cluster that fixes the
        version is seen; the verdict must not depend on that order.
        """
        version = self._kubernetes_version()
        with self._lock:
            stale = [resource for resource, checked in self._kubernetes_checked.values() if checked != version]
        for resource in stale:
            with contextlib.suppress(kubernetes_check.KubernetesCheckError):  # recorded by _check_against
                self._check_against(resource, version)

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
        args = Properties.from_struct(request.args).plain
        if request.tok == "pulumi:pulumi:getResource":
            return self._get_resource(str(args.get("urn") or ""))
        if request.tok in manifests.INVOKES:
            return self._manifest_invoke(request.tok, args)
        result, failures = self.mocks.call(MockCallArgs(token=request.tok, args=args, provider=request.provider))
        return resource_pb2.ResourceInvokeResponse(
            **{"return": to_struct(result)},
            failures=[provider_pb2.CheckFailure(property=key, reason=reason) for key, reason in failures or []],
        )

    def _get_resource(self, urn: str) -> Any:
        """A registered resource, by URN, for a resource reference the SDK turns back into a resource.

        As the SDK's mock monitor answers it, without the event loop it would leave on the calling thread.
        """
        registration = self.resources.get(urn)
        if registration is None:
            raise KeyError(f"unknown resource {urn}")
        state = {"urn": urn, "id": registration.id or "", "state": dict(registration.state or {})}
        return resource_pb2.ResourceInvokeResponse(**{"return": to_struct(state)})

    def _manifest_invoke(self, token: str, args: dict[str, Any]) -> Any:
        """The objects of a v1 manifest invoke, which the SDK then registers itself."""
        try:
            objects = manifests.answer_invoke(token, args, self.program_dir)
        except manifests.NotRendered as reason:
            type_, name = manifests.v1_component_for(token, args)
            with self._lock:
                self._not_rendered.append((type_, name, str(reason)))
            objects = []
        except ValueError as error:
            return resource_pb2.ResourceInvokeResponse(failures=[provider_pb2.CheckFailure(reason=str(error))])
        return resource_pb2.ResourceInvokeResponse(**{"return": to_struct({"result": objects})})

    def not_judged(self) -> list[manifests.NotJudged]:
        """What could not be expanded, on its component (a v1 one found by type and name, else the stack)."""
        with self._lock:
            captured, entries = list(self.captured), list(self._not_rendered)
        found = []
        for type_, name_or_urn, reason in entries:
            if name_or_urn.startswith("urn:"):
                found.append(manifests.NotJudged(name_or_urn, reason))
                continue
            candidates = [r for r in captured if r.type == type_]
            named = [r for r in candidates if r.name == name_or_urn] or candidates
            stack = next((r.urn for r in captured if r.type == STACK_TYPE), self.make_urn("", STACK_TYPE, ""))
            urn = named[0].urn if len(named) == 1 else stack
            found.append(manifests.NotJudged(urn, reason if urn != stack else f"{type_} {name_or_urn}: {reason}"))
        return found

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


def _captured(request: Any, urn: str, provider: str, stack: str, project: str) -> CapturedResource:
    """A registration's whole request, kept as the engine keeps its goal state."""
    # The request is the SDK's own, never reused after the call: its Struct is kept as it is.
    inputs = Properties.from_struct(request.object)
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
        source=_source_position(request),
    )


def _source_position(request: Any) -> SourcePosition | None:
    position = request.sourcePosition if request.HasField("sourcePosition") else None
    return SourcePosition(position.uri, position.line, position.column) if position and position.uri else None


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
    python: str | None = None,
    timeout: float | None = None,
    stack_outputs: Mapping[str, Mapping[str, Any]] | None = None,
    program_dry_run: bool | None = None,
    isolated: bool = True,
) -> ProgramRun:
    """Run the program in ``program_dir`` (its ``main`` file when Pulumi.yaml names one) once and capture it.

    ``isolated`` (the CLI's way): the program runs in a process of its own with ``python`` (default this
    interpreter), as the language host runs it, talking to this engine over gRPC; it is stopped after
    ``timeout`` seconds (default ``AGENCYOS_PROGRAM_TIMEOUT``). Not isolated: in this interpreter, in a fresh
    runtime context, as the SDK's unit-test mocks run a program (for tests of one component; fast).
    ``program_dry_run`` is what the program's ``pulumi.runtime.is_dry_run()`` says (default: true in both
    modes, so code a program gates on a real update never runs offline; up mode still gives known outputs).
    """
    mocks = RealisticMocks(config, preview)
    monitor = CapturingMonitor(
        mocks,
        preview,
        config,
        list(secret_keys or []),
        sink,
        kubernetes_version,
        project=project,
        stack=stack,
        stack_outputs=stack_outputs,
    )
    engine = _RecordingEngine()
    program_dir = Path(program_dir).resolve()
    monitor.program_dir = program_dir
    main_file = Path(main).resolve() if main is not None and Path(main).is_file() else None
    dry_run = True if program_dry_run is None else program_dry_run
    if isolated:
        error = _run_isolated(
            monitor,
            engine,
            program_dir,
            main_file,
            config,
            list(secret_keys or []),
            organization,
            dry_run,
            python or sys.executable,
            program_timeout() if timeout is None else timeout,
        )
    else:
        context = contextvars.copy_context()
        keys = list(secret_keys or [])
        arguments = (monitor, engine, program_dir, main_file, config, keys, organization, dry_run)
        error = context.run(_run_in_process, *arguments)
    monitor.recheck_kubernetes_objects()
    if monitor.errors:
        error = "\n".join([*monitor.errors, *([error] if error and error not in monitor.errors else [])])
    if error is not None:
        error = error + _stack_reference_hint(monitor, error)
    warnings = [
        f"the program reads stack {name}, whose outputs were not given: they are unknown "
        f"(give --stack-outputs {name}=FILE, the output of `pulumi stack output --json --stack {name}`)"
        for name in monitor.referenced_stacks
        if name not in monitor.stack_outputs_given
    ]
    if error is None and not monitor.captured:
        # An os._exit(0) before the SDK sent anything: a finished program, as the real engine sees it, with
        # nothing to judge. Said, so an empty verdict is never mistaken for a compliant one.
        warnings.append("the program finished without registering any resource, not even its stack: nothing was judged")
    return ProgramRun(
        project,
        stack,
        preview,
        monitor.captured,
        monitor.stack_outputs,
        error,
        engine.entries,
        program_dir,
        warnings,
        monitor.not_judged(),
    )


def program_timeout() -> float:
    """Seconds a program may run: ``AGENCYOS_PROGRAM_TIMEOUT`` (default 600)."""
    from agencyos_infra.processes import env_seconds

    return env_seconds(PROGRAM_TIMEOUT_ENV, _DEFAULT_PROGRAM_TIMEOUT_S)


def _stack_reference_hint(monitor: CapturingMonitor, error: str) -> str:
    """A program that fails on a stack reference's output is told which stacks were read from which outputs."""
    if not monitor.referenced_stacks or ("KeyError" not in error and "output" not in error.lower()):
        return ""
    given = [name for name in monitor.referenced_stacks if name in monitor.stack_outputs_given]
    missing = [name for name in monitor.referenced_stacks if name not in monitor.stack_outputs_given]
    parts = []
    if given:
        parts.append("outputs given for " + ", ".join(given))
    if missing:
        parts.append(f"no outputs for {', '.join(missing)} (give --stack-outputs NAME=FILE)")
    return "\n(stack references: " + "; ".join(parts) + ")"


def _run_isolated(
    monitor: CapturingMonitor,
    engine: _RecordingEngine,
    program_dir: Path,
    main: Path | None,
    config: Mapping[str, str],
    secret_keys: list[str],
    organization: str,
    dry_run: bool,
    python: str,
    timeout: float,
) -> str | None:
    """The program in its own process group; returns its failure, or None once it has finished."""
    import json
    import subprocess

    from agencyos_infra import monitor_server, processes

    with monitor_server.serving(monitor, engine) as (monitor_address, engine_address):
        read_end, write_end = os.pipe()
        env = {
            **os.environ,
            "PULUMI_CONFIG": json.dumps(dict(config)),
            "PULUMI_CONFIG_SECRET_KEYS": json.dumps(secret_keys),
            "PULUMI_PROJECT": monitor.project,
            "PULUMI_STACK": monitor.stack,
            "PULUMI_ORGANIZATION": organization,
            "PULUMI_DRY_RUN": "true" if dry_run else "false",
            "PULUMI_ROOT_DIRECTORY": str(program_dir),
        }
        argv = [
            python,
            "-u",
            str(LANGHOST),
            "--monitor",
            monitor_address,
            "--engine",
            engine_address,
            "--project",
            monitor.project,
            "--stack",
            monitor.stack,
            "--organization",
            organization,
            "--root-directory",
            str(program_dir),
            "--dry-run",
            "true" if dry_run else "false",
            "--result-fd",
            str(write_end),
            str(main or program_dir),
        ]
        try:
            process = processes.spawn(argv, cwd=program_dir, env=env, stdin=subprocess.DEVNULL, pass_fds=(write_end,))
        except OSError as error:
            os.close(read_end)
            return f"the program's interpreter {python} cannot be started ({error.strerror or error})"
        finally:
            os.close(write_end)
        record: list[bytes] = []
        reader = threading.Thread(target=_read_all, args=(read_end, record), name="program-result", daemon=True)
        reader.start()
        try:
            # The record arrives when the program has finished; its process then only tears down.
            reader.join(timeout)
            if reader.is_alive():
                return (
                    f"the program did not finish within {timeout:g} s and was stopped "
                    f"(set {PROGRAM_TIMEOUT_ENV} to allow longer)"
                )
            returncode = process.poll()
        finally:
            processes.end(process)
    text = b"".join(record).decode("utf-8", errors="replace").strip()
    if text:
        try:
            return json.loads(text.splitlines()[0]).get("error")
        except (ValueError, AttributeError):
            return f"the program's language host wrote an unreadable result: {text[:200]!r}"
    # No record: the process ended on its own, early. Exit 0 (os._exit(0)) is a finished program, as for the
    # language host; anything else is its failure.
    if returncode is None:
        returncode = process.returncode
    if returncode == 0:
        return None
    if returncode == _SDK_MISSING_EXIT:
        return f"the program's interpreter {python} has no Pulumi SDK: install the program's requirements into it"
    return f"the program {processes.describe_exit(returncode)} before it finished"


def _read_all(descriptor: int, into: list[bytes]) -> None:
    with os.fdopen(descriptor, "rb") as stream:
        while chunk := stream.read(65536):
            into.append(chunk)


def _run_in_process(
    monitor: CapturingMonitor,
    engine: _RecordingEngine,
    program_dir: Path,
    main: Path | None,
    config: Mapping[str, str],
    secret_keys: list[str],
    organization: str,
    dry_run: bool,
) -> str | None:
    from pulumi.runtime import set_all_config
    from pulumi.runtime import settings as runtime_settings
    from pulumi.runtime._callbacks import _CallbackServicer
    from pulumi.runtime.mocks import MockSettings
    from pulumi.runtime.stack import run_in_stack

    runtime_settings.ROOT.set(None)
    runtime_settings.configure(
        MockSettings(
            monitor=monitor,
            monitor_features=set(monitor.GetDeploymentInfo(empty_pb2.Empty()).supportedFeatures),
            engine=engine,
            project=monitor.project,
            stack=monitor.stack,
            dry_run=dry_run,
            organization=organization,
            root_directory=str(program_dir),
            callbacks=None,
        )
    )
    runtime_settings.SETTINGS.outputs.clear()
    set_all_config(dict(config), secret_keys)

    error: str | None = None
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    def in_process_callback(callback: Any, request: bytes) -> bytes | None:
        # Transforms are the program's coroutines: they run on its loop, from the SDK's worker thread.
        for servicer in _CallbackServicer._servicers:
            function = servicer._callbacks.get(callback.token)
            if function is not None:
                coroutine: Any = function(request)
                response: Any = asyncio.run_coroutine_threadsafe(coroutine, loop).result()
                return response.SerializeToString()
        return None

    monitor.invoke_callback = in_process_callback

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
    if thread_errors:
        error = "\n".join([*([error] if error else []), *thread_errors])
    return error


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
