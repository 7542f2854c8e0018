"""Runs any Pulumi Python program against the SDK's mock monitor and captures what it registers.

The program runs as the language host runs it (``runpy`` on the program directory, inside
``run_in_stack``), with the stack's config loaded. The capturing monitor records every
RegisterResource request in full, forms URNs as the engine does, honours
``additionalSecretOutputs`` (which the stock mock monitor ignores), and stands in the default
providers the engine would create. Each run gets a fresh context, root stack and event loop, so
runs in one process do not leak into each other.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import os
import runpy
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi import RunError
from pulumi.runtime import set_all_config
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.mocks import MockEngine, MockMonitor, MockResourceArgs, MockSettings
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.stack import run_in_stack

from agencyos_infra.mocks import RealisticMocks
from agencyos_infra.wire import UNKNOWN, Properties, is_secret, read_properties, secret

STACK_TYPE = "pulumi:pulumi:Stack"


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

    @property
    def provider_urn(self) -> str:
        """The provider reference is ``<urn>::<id>``; the URN is everything before the last ``::``."""
        return self.provider.rsplit("::", 1)[0] if self.provider else ""


@dataclass
class ProgramRun:
    """What a program run registered, its stack outputs, and its error if it failed."""

    project: str
    stack: str
    preview: bool
    resources: list[CapturedResource]
    stack_outputs: Properties
    error: str | None = None
    log: list[str] = field(default_factory=list)

    def by_urn(self) -> dict[str, CapturedResource]:
        return {resource.urn: resource for resource in self.resources}

    def of_type(self, type_token: str) -> list[CapturedResource]:
        return [resource for resource in self.resources if resource.type == type_token]


class _RecordingLogger(logging.Logger):
    def __init__(self) -> None:
        super().__init__("agencyos-infra.program", logging.INFO)
        self.lines: list[str] = []

    def handle(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname.lower()}: {record.getMessage()}")


class CapturingMonitor(MockMonitor):
    """A mock resource monitor that records whole requests and behaves like the engine."""

    def __init__(
        self, mocks: RealisticMocks, preview: bool, config: Mapping[str, str], secret_keys: Sequence[str] = ()
    ) -> None:
        super().__init__(mocks)
        self.preview = preview
        self.config = config
        self.secret_keys = set(secret_keys)
        self.captured: list[CapturedResource] = []
        self.stack_outputs = Properties()
        self._default_providers: dict[str, str] = {}
        # The SDK registers resources from executor threads; default providers are created once.
        self._lock = threading.Lock()

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # The engine qualifies a child's type with its parent's whole type chain, except the root stack.
        qualified = type_
        if parent:
            parent_type = parent.split("::")[2]
            if parent_type != STACK_TYPE:
                qualified = f"{parent_type}${type_}"
        return f"urn:pulumi:{runtime_settings.get_stack()}::{runtime_settings.get_project()}::{qualified}::{name}"

    def RegisterResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        wire_inputs = json_format.MessageToDict(request.object)
        inputs = read_properties(wire_inputs)
        if request.type == STACK_TYPE:
            self.captured.append(CapturedResource(request.type, request.name, urn, False, "", inputs, Properties()))
            return resource_pb2.RegisterResourceResponse(urn=urn)

        # Custom resources without an explicit provider get the engine's default one; providers do not.
        needs_default = request.custom and not request.type.startswith("pulumi:providers:")
        provider = request.provider or (self._default_provider(request) if needs_default else "")
        # The mocks get the analyzer form (secrets wrapped, unknowns as the sentinel, references as
        # IDs or URNs): it is plain JSON, so no SDK deserialization and no event loop on this thread.
        mock_args = MockResourceArgs(
            typ=request.type,
            name=request.name,
            inputs=inputs.analyzer,
            provider=provider,
            resource_id=request.importId,
            custom=request.custom or False,
        )
        resource_id, state = self.mocks.new_resource(mock_args)
        for key in request.additionalSecretOutputs:
            if key in state and not is_secret(state[key]):
                state[key] = secret(state[key])
        response_object = struct_pb2.Struct()
        response_object.update(state)
        self.resources[urn] = MockMonitor.ResourceRegistration(urn, resource_id or "", state)
        self.captured.append(
            CapturedResource(
                type=request.type,
                name=request.name,
                urn=urn,
                custom=bool(request.custom),
                parent=request.parent,
                inputs=inputs,
                outputs=read_properties(json_format.MessageToDict(response_object)),
                id=resource_id or (UNKNOWN if request.custom else ""),
                dependencies=list(request.dependencies),
                property_dependencies={key: list(value.urns) for key, value in request.propertyDependencies.items()},
                protect=bool(request.protect),
                retain_on_delete=bool(request.retainOnDelete),
                deleted_with=request.deletedWith,
                ignore_changes=list(request.ignoreChanges),
                additional_secret_outputs=list(request.additionalSecretOutputs),
                provider=provider,
                version=request.version,
            )
        )
        return resource_pb2.RegisterResourceResponse(urn=urn, id=resource_id or "", object=response_object)

    def RegisterResourceOutputs(self, request: Any) -> Any:
        if request.urn.split("::")[2] == STACK_TYPE:
            self.stack_outputs = read_properties(json_format.MessageToDict(request.outputs))
        return empty_pb2.Empty()

    def _default_provider(self, request: Any) -> str:
        """The engine registers one default provider per package and version; stand it in."""
        package = request.type.split(":")[0]
        version = request.version or "0.0.0"
        key = f"{package}@{version}"
        with self._lock:
            if key not in self._default_providers:
                self._default_providers[key] = self._register_default_provider(package, version)
            return self._default_providers[key]

    def _register_default_provider(self, package: str, version: str) -> str:
        """Record the default provider the engine would register, configured from the stack."""
        name = "default_" + version.replace(".", "_").replace("-", "_")
        urn = self.make_urn("", f"pulumi:providers:{package}", name)
        provider_id = UNKNOWN if self.preview else f"{package}-default-provider"
        prefix = f"{package}:"
        config: dict[str, Any] = {
            key[len(prefix) :]: secret(value) if key in self.secret_keys else value
            for key, value in self.config.items()
            if key.startswith(prefix)
        }
        properties = read_properties({**config, "version": version})
        self.captured.append(
            CapturedResource(
                type=f"pulumi:providers:{package}",
                name=name,
                urn=urn,
                custom=True,
                parent="",
                inputs=properties,
                outputs=properties,
                id=provider_id,
                version=version,
            )
        )
        return f"{urn}::{provider_id}"


def run_program(
    program_dir: Path,
    *,
    project: str,
    stack: str,
    config: Mapping[str, str],
    secret_keys: list[str] | None = None,
    preview: bool = False,
    organization: str = "organization",
) -> ProgramRun:
    """Run the program in ``program_dir`` once, in a fresh runtime context, and capture it."""
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
    )


def _run_in_context(
    program_dir: Path,
    project: str,
    stack: str,
    config: dict[str, str],
    secret_keys: list[str],
    preview: bool,
    organization: str,
) -> ProgramRun:
    mocks = RealisticMocks(config, preview)
    monitor = CapturingMonitor(mocks, preview, config, secret_keys)
    logger = _RecordingLogger()
    runtime_settings.ROOT.set(None)
    runtime_settings.configure(
        MockSettings(
            monitor=monitor,
            monitor_features=set(monitor.GetDeploymentInfo(empty_pb2.Empty()).supportedFeatures),
            engine=MockEngine(logger),
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

    def program() -> None:
        runpy.run_path(str(program_dir), run_name="__main__")

    with _program_imports(program_dir):
        try:
            loop.run_until_complete(run_in_stack(program))
        except RunError as exc:
            error = str(exc)
        except Exception as exc:  # any program failure is reported, not raised
            error = f"{type(exc).__name__}: {exc}"
        finally:
            for task in asyncio.all_tasks(loop):
                task.cancel()
                with contextlib.suppress(BaseException):
                    loop.run_until_complete(task)
            loop.close()
            asyncio.set_event_loop(None)
    return ProgramRun(project, stack, preview, monitor.captured, monitor.stack_outputs, error, logger.lines)


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
