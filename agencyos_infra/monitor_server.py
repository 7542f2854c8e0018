"""The engine's gRPC endpoints for a program in its own process: the resource monitor and the engine.

The program's SDK talks to these exactly as it talks to the Pulumi CLI's engine (``--monitor``,
``--engine``). Each call is handed to the capturing monitor (``engine.CapturingMonitor``), which has the
servicer's method names; an error it raises reaches the program as the RPC's failure, as the engine's
does. Served on a Unix socket in a private directory (loopback TCP where there are none).
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import tempfile
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, resource_pb2_grpc

_MAX_MESSAGE_BYTES = 512 * 1024 * 1024
# The SDK registers from a thread pool of its own; more workers than it has threads only wait.
_WORKERS = 32
_MONITOR_CALLS = (
    "GetDeploymentInfo",
    "SupportsFeature",
    "Invoke",
    "Call",
    "ReadResource",
    "RegisterResource",
    "RegisterResourceOutputs",
    "RegisterStackTransform",
    "RegisterStackInvokeTransform",
    "RegisterResourceHook",
    "RegisterErrorHook",
    "RegisterPackage",
    "SignalAndWaitForShutdown",
)


def _forward(name: str) -> Any:
    def call(self: _MonitorServicer, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            return getattr(self.monitor, name)(request)
        except Exception as error:  # the program sees the engine's refusal as a failed RPC
            context.abort(grpc.StatusCode.UNKNOWN, str(error) or type(error).__name__)

    call.__name__ = name
    return call


class _MonitorServicer(resource_pb2_grpc.ResourceMonitorServicer):
    def __init__(self, monitor: Any) -> None:
        self.monitor = monitor


for _name in _MONITOR_CALLS:
    setattr(_MonitorServicer, _name, _forward(_name))


class _EngineServicer(engine_pb2_grpc.EngineServicer):
    """Log, as the engine shows it; the root resource lives in the SDK's own context, never asked here."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine

    def Log(self, request: Any, context: grpc.ServicerContext) -> Any:
        return self.engine.Log(request)

    def RequirePulumiVersion(self, request: Any, context: grpc.ServicerContext) -> Any:
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: grpc.ServicerContext) -> Any:
        return engine_pb2.GetRootResourceResponse(urn=getattr(self.engine, "root_urn", ""))

    def SetRootResource(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.engine.root_urn = request.urn
        return engine_pb2.SetRootResourceResponse()


@contextlib.contextmanager
def serving(monitor: Any, engine: Any) -> Iterator[tuple[str, str]]:
    """Serve ``monitor`` and ``engine``; yields their addresses (one server, as the CLI's engine has)."""
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="monitor"),
        options=[
            ("grpc.max_receive_message_length", _MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", _MAX_MESSAGE_BYTES),
            ("grpc.so_reuseport", 0),
        ],
    )
    resource_pb2_grpc.add_ResourceMonitorServicer_to_server(_MonitorServicer(monitor), server)
    engine_pb2_grpc.add_EngineServicer_to_server(_EngineServicer(engine), server)
    directory: Path | None = None
    if sys.platform != "win32":
        directory = Path(tempfile.mkdtemp(prefix="agencyos-engine-"))
        address = f"unix:{directory / 'engine.sock'}"
        server.add_insecure_port(address)
    else:
        address = f"127.0.0.1:{server.add_insecure_port('127.0.0.1:0')}"
    server.start()
    try:
        yield address, address
    finally:
        server.stop(grace=None)
        if directory is not None:
            shutil.rmtree(directory, ignore_errors=True)
