"""Drives a policy pack over the gRPC analyzer protocol, making the calls the Pulumi CLI makes.

The pack runs as the separate process the CLI starts (``python -u -m pulumi.policy <engine> .`` in
the pack directory, with its own virtualenv when it has one, and the stack's project, stack, config
and dry-run flag in its environment) and prints its port first. Its output is drained all along (a
chatty pack never stalls), and its start is timed out. Then, as the engine does: Handshake
(unimplemented is tolerated), ConfigureStack with the stack's tags, GetPluginInfo, GetAnalyzerInfo,
Configure (always: schema defaults, then the pack's initial config, then the policy config file,
validated against each policy's JSON schema); per resource, as the program registers it, Remediate
(only when a policy remediates; its properties replace the inputs) and Analyze, pipelined; then
AnalyzeStack once with every resource's outputs.

Any failure of the pack (a policy that raises, a crash, no answer) is a :class:`PolicyPackError`
naming what failed, never a violation.
"""

from __future__ import annotations

import collections
import json
import os
import queue
import re
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agencyos_infra import processes

if TYPE_CHECKING:
    import grpc
    from google.protobuf import struct_pb2
    from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

    from agencyos_infra.engine import CapturedResource, ProgramRun

# The Pulumi SDK, its generated protos and grpc take a third of a second to import. They are
# imported on first use, so the pack process is spawned first and boots while this process loads them.

LEVELS = ("advisory", "mandatory", "remediate", "disabled")
SEVERITY_NAMES = {0: "unspecified", 1: "low", 2: "medium", 3: "high", 4: "critical"}
START_TIMEOUT_ENV = "AGENCYOS_POLICY_PACK_START_TIMEOUT"
CALL_TIMEOUT_ENV = "AGENCYOS_POLICY_PACK_CALL_TIMEOUT"
_DEFAULT_START_TIMEOUT_S = 60.0
_DEFAULT_CALL_TIMEOUT_S = 300.0
# The engine's limit on analyzer messages (pkg/resource/plugin: 400 MiB).
_MAX_MESSAGE_BYTES = 400 * 1024 * 1024
_KEPT_OUTPUT_BYTES = 64 * 1024
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Warning)\b.*$")
_PYTHON_RUNTIME = "python"


class PolicyPackError(RuntimeError):
    """The pack could not be started, configured or run; the message says why."""


@dataclass
class PolicyInfo:
    name: str
    description: str
    enforcement_level: str
    severity: str
    checklist_item: str
    remediation: str
    config_schema: dict[str, Any]
    required: list[str] = field(default_factory=list)
    is_stack_policy: bool = False


@dataclass
class Violation:
    policy: str
    enforcement_level: str
    severity: str
    urn: str
    message: str
    checklist_item: str


@dataclass
class Remediation:
    policy: str
    urn: str
    description: str


@dataclass
class PolicyReport:
    pack_name: str
    pack_version: str
    policies: dict[str, PolicyInfo]
    violations: list[Violation] = field(default_factory=list)
    remediations: list[Remediation] = field(default_factory=list)
    not_applicable: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.enforcement_level == "mandatory"]


@dataclass(frozen=True)
class PolicyConfig:
    """One policy's effective config: its enforcement level and its properties."""

    enforcement_level: str
    properties: dict[str, Any]


@dataclass(frozen=True)
class PackManifest:
    """What PulumiPolicy.yaml says about how to run the pack."""

    runtime: str
    version: str | None
    virtualenv: Path | None

    @classmethod
    def read(cls, pack_dir: Path) -> PackManifest:
        import yaml

        path = pack_dir / "PulumiPolicy.yaml"
        if not path.is_file():
            raise PolicyPackError(f"{pack_dir} is not a policy pack: it has no PulumiPolicy.yaml")
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError, OSError) as error:
            raise PolicyPackError(f"{path}: not readable YAML ({_one_line(error)})") from None
        if not isinstance(document, dict):
            raise PolicyPackError(f"{path}: expected a mapping with `runtime:` at the top level")
        runtime = document.get("runtime")
        options: Any = {}
        if isinstance(runtime, dict):
            options = runtime.get("options") or {}
            runtime = runtime.get("name")
        if runtime != _PYTHON_RUNTIME:
            raise PolicyPackError(f"{path}: runtime must be python (this tool runs Python packs), got {runtime!r}")
        if not isinstance(options, dict):
            raise PolicyPackError(f"{path}: runtime.options must be a mapping")
        virtualenv = options.get("virtualenv")
        version = document.get("version")
        return cls(
            runtime=runtime,
            version=str(version) if version not in (None, "") else None,
            virtualenv=(pack_dir / str(virtualenv)) if virtualenv else None,
        )

    def python(self, pack_dir: Path) -> str:
        """The interpreter the CLI would use: the pack's virtualenv when it exists, as the CLI does."""
        for venv in (self.virtualenv, pack_dir / "venv"):
            if venv is None:
                continue
            for candidate in (venv / "bin" / "python", venv / "Scripts" / "python.exe"):
                if candidate.is_file():
                    return str(candidate)
        return sys.executable


class PolicyPackProcess:
    """A running policy pack. Start it early: it boots while the program runs."""

    def __init__(
        self,
        pack_dir: Path,
        *,
        project: str,
        stack: str,
        config: Mapping[str, str],
        dry_run: bool,
        organization: str = "organization",
        start_timeout: float | None = None,
    ) -> None:
        self.pack_dir = Path(pack_dir).resolve()
        self.manifest = PackManifest.read(self.pack_dir)
        self.project, self.stack, self.dry_run = project, stack, dry_run
        self.organization, self.config = organization, dict(config)
        self.start_timeout = start_timeout or processes.env_seconds(
            START_TIMEOUT_ENV, _DEFAULT_START_TIMEOUT_S, PolicyPackError
        )
        # The engine endpoint the pack is given: a real listening address, but Python packs never
        # call it (pulumi/policy/__main__.py only parses it), so nothing is served there.
        self._engine_socket = socket.create_server(("127.0.0.1", 0))
        self.engine_address = f"127.0.0.1:{self._engine_socket.getsockname()[1]}"
        env = {
            **os.environ,
            "PULUMI_CONFIG": json.dumps(self.config),
            "PULUMI_PROJECT": project,
            "PULUMI_STACK": stack,
            "PULUMI_ORGANIZATION": organization,
            "PULUMI_DRY_RUN": "true" if dry_run else "false",
        }
        # stderr goes to a file: whatever the pack writes there, it never blocks on a full pipe.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115  # lives as long as the pack, closed in close()
        try:
            # Its own process group, ended with the pack (a helper it starts too), dying with this process.
            self._process = processes.spawn(
                [self.manifest.python(self.pack_dir), "-u", "-m", "pulumi.policy", self.engine_address, "."],
                cwd=self.pack_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
            )
        except OSError as error:
            self._engine_socket.close()
            self._stderr.close()
            raise PolicyPackError(_spawn_failure(error, self.pack_dir, self.config)) from None
        self._port: str | None = None
        self._port_seen = threading.Event()
        self._stdout_tail: collections.deque[bytes] = collections.deque()
        self._reader = threading.Thread(target=self._drain_stdout, name="policy-pack-stdout", daemon=True)
        self._reader.start()
        self._stub: analyzer_pb2_grpc.AnalyzerStub | None = None
        self._channel: grpc.Channel | None = None

    def _drain_stdout(self) -> None:
        """Read the port from the first line, then keep reading so the pack never blocks on stdout."""
        assert self._process.stdout is not None
        stream = self._process.stdout
        try:
            first = stream.readline()
            self._port = first.decode(errors="replace").strip()
            self._port_seen.set()
            kept = 0
            while chunk := stream.read1(65536):  # type: ignore[attr-defined]  # a BufferedReader
                self._stdout_tail.append(chunk)
                kept += len(chunk)
                while kept > _KEPT_OUTPUT_BYTES and len(self._stdout_tail) > 1:
                    kept -= len(self._stdout_tail.popleft())
        except (OSError, ValueError):
            pass  # closed while reading: the pack is being shut down
        finally:
            self._port_seen.set()

    def stderr_tail(self, limit: int = 4000) -> str:
        """The end of what the pack wrote to stderr, each line quoted with ``  | `` (it is the pack's, not ours)."""
        try:
            self._stderr.flush()
            size = os.fstat(self._stderr.fileno()).st_size
            self._stderr.seek(max(0, size - limit))
            text = self._stderr.read().decode(errors="replace").strip()
        except (OSError, ValueError):
            return ""
        return "\n".join(f"  | {line}" for line in text.splitlines())

    def exit_code(self, wait: float = 0.0) -> int | None:
        """The pack's exit code if it has exited, waiting up to ``wait`` seconds for it to."""
        try:
            return self._process.wait(timeout=wait) if wait else self._process.poll()
        except subprocess.TimeoutExpired:
            return None

    def stub(self) -> analyzer_pb2_grpc.AnalyzerStub:
        """The analyzer client, once the pack has printed its port."""
        import grpc
        from pulumi.runtime.proto import analyzer_pb2_grpc

        if self._stub is not None:
            return self._stub
        if not self._port_seen.wait(self.start_timeout):
            processes.end(self._process)
            raise PolicyPackError(
                f"the policy pack in {self.pack_dir} did not start within {self.start_timeout:g} s "
                f"(it never printed its port; set {START_TIMEOUT_ENV} to wait longer)" + self._stderr_suffix()
            )
        port = self._port or ""
        if not port.isdigit():
            processes.end(self._process)
            reason = (
                f"exited with code {self._process.returncode} before it started"
                if not port
                else f"printed {port[:80]!r} instead of its port"
            )
            raise PolicyPackError(f"the policy pack in {self.pack_dir} {reason}" + self._stderr_suffix())
        self._channel = grpc.insecure_channel(
            f"127.0.0.1:{port}",
            options=[
                ("grpc.max_receive_message_length", _MAX_MESSAGE_BYTES),
                ("grpc.max_send_message_length", _MAX_MESSAGE_BYTES),
            ],
        )
        try:
            grpc.channel_ready_future(self._channel).result(timeout=self.start_timeout)
        except grpc.FutureTimeoutError:
            raise PolicyPackError(f"the policy pack in {self.pack_dir} does not accept connections") from None
        self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
        return self._stub

    def _stderr_suffix(self) -> str:
        tail = self.stderr_tail()
        return f"\npolicy pack stderr (last lines):\n{tail}" if tail else ""

    def kill(self) -> None:
        processes.end(self._process)

    def close(self) -> None:
        # The pack goes first: closing a channel to a live server waits for it (~0.2 s); the CLI
        # also just kills the analyzer plugin when it is done. Its whole group goes, so a child it
        # started cannot hold its stdout open and keep the reader below waiting.
        processes.end(self._process)
        if self._channel is not None:
            self._channel.close()
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._reader.join(timeout=5)
        self._stderr.close()
        self._engine_socket.close()

    def __enter__(self) -> PolicyPackProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def session(
        self,
        policy_config: Mapping[str, Any] | None = None,
        secret_keys: list[str] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> AnalysisSession:
        """Make the CLI's set-up calls; the session then takes resources as they are registered."""
        return AnalysisSession(self, policy_config, secret_keys or [], dict(tags or {}))

    def analyze(
        self,
        run: ProgramRun,
        policy_config: Mapping[str, Any] | None = None,
        secret_keys: list[str] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> PolicyReport:
        """Analyze a finished run's resources in registration order (for runs captured earlier)."""
        session = self.session(policy_config, secret_keys, tags)
        for resource in run.resources:
            session.submit(resource)
        return session.finish(run)


class AnalysisSession:
    """One preview's conversation with the pack: set-up, one Analyze per resource, AnalyzeStack."""

    def __init__(
        self,
        pack: PolicyPackProcess,
        policy_config: Mapping[str, Any] | None,
        secret_keys: list[str],
        tags: dict[str, str],
    ) -> None:
        from pulumi.runtime.proto import analyzer_pb2

        self._pb = analyzer_pb2
        self.pack = pack
        self.timeout = processes.env_seconds(CALL_TIMEOUT_ENV, _DEFAULT_CALL_TIMEOUT_S, PolicyPackError)
        self._policy_config, self._secret_keys, self._tags = policy_config, secret_keys, tags
        self._pending: list[tuple[CapturedResource, Any, Any]] = []
        self._providers: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._setup_error: PolicyPackError | None = None
        self._fatal: PolicyPackError | None = None
        # The pack boots while the program runs: one thread sets it up, then sends each resource's
        # Analyze as the program registers it (the engine streams them the same way). One sender,
        # not the SDK's many registration threads: concurrent calls on one channel contend and
        # block the program, a queue does not.
        self._outbox: queue.SimpleQueue[CapturedResource | None] = queue.SimpleQueue()
        self._sender = threading.Thread(target=self._set_up_and_send, name="policy-pack-sender", daemon=True)
        self._sender.start()

    def _set_up_and_send(self) -> None:
        try:
            self._configure()
        except PolicyPackError as error:
            self._setup_error = error
        except Exception as error:  # reported by finish(), never lost on this thread
            self._setup_error = PolicyPackError(f"policy pack set-up failed: {type(error).__name__}: {error}")
        finally:
            self._ready.set()
        while (resource := self._outbox.get()) is not None:
            if self._setup_error is None:
                self._send(resource)

    def _configure(self) -> None:
        pack, analyzer_pb2 = self.pack, self._pb
        stub = self._stub = pack.stub()
        self._call("Handshake", lambda: self._handshake(), tolerate_unimplemented=True)
        self._call(
            "ConfigureStack",
            lambda: stub.ConfigureStack(
                analyzer_pb2.AnalyzerStackConfigureRequest(
                    stack=pack.stack,
                    project=pack.project,
                    organization=pack.organization,
                    dry_run=pack.dry_run,
                    config=pack.config,
                    config_secret_keys=self._secret_keys,
                    tags=self._tags,
                ),
                timeout=self.timeout,
            ),
            tolerate_unimplemented=True,
        )
        from google.protobuf import empty_pb2

        self._call("GetPluginInfo", lambda: stub.GetPluginInfo(empty_pb2.Empty(), timeout=self.timeout))
        info = self._call("GetAnalyzerInfo", lambda: stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=self.timeout))
        policies = {policy.name: _policy_info(policy) for policy in info.policies}
        initial = {name: _config_from_proto(value) for name, value in info.initialConfig.items()}
        given, warnings = parse_policy_config(self._policy_config or {})
        self.config = reconcile_policy_config(policies, initial, given)
        self._call("Configure", lambda: stub.Configure(self._configure_request(self.config), timeout=self.timeout))
        # As the CLI does, PulumiPolicy.yaml's version wins over the one a Python pack reports.
        self.report = PolicyReport(info.name, pack.manifest.version or info.version, policies, warnings=warnings)
        self._remediates = any(entry.enforcement_level == "remediate" for entry in self.config.values())

    def wait_ready(self) -> None:
        """Block until the pack is configured; raise what went wrong if it could not be."""
        self._ready.wait()
        if self._setup_error is not None:
            raise self._setup_error

    @property
    def remediates(self) -> bool:
        """Whether any policy remediates; known once the pack is configured (the first resource waits)."""
        self.wait_ready()
        return self._remediates

    def _handshake(self) -> Any:
        return self._stub.Handshake(
            self._pb.AnalyzerHandshakeRequest(
                engine_address=self.pack.engine_address,
                root_directory=str(self.pack.pack_dir),
                program_directory=str(self.pack.pack_dir),
            ),
            timeout=self.timeout,
        )

    def _configure_request(self, config: Mapping[str, PolicyConfig]) -> analyzer_pb2.ConfigureAnalyzerRequest:
        request = self._pb.ConfigureAnalyzerRequest()
        for name, entry in config.items():
            request.policyConfig[name].CopyFrom(
                self._pb.PolicyConfig(
                    enforcementLevel=self._pb.EnforcementLevel.Value(entry.enforcement_level.upper()),
                    properties=_struct(entry.properties),
                )
            )
        return request

    def _call(self, what: str, call: Callable[[], Any], *, tolerate_unimplemented: bool = False) -> Any:
        import grpc

        try:
            return call()
        except grpc.RpcError as error:
            if tolerate_unimplemented and error.code() == grpc.StatusCode.UNIMPLEMENTED:
                return None
            raise self._failure(error, what) from None

    def _failure(self, error: Any, what: str, culprit: str = "") -> PolicyPackError:
        import grpc

        # A dropped connection usually means the pack died; give the exit a moment to be seen.
        code = self.pack.exit_code(wait=2.0 if error.code() == grpc.StatusCode.UNAVAILABLE else 0.0)
        if code is not None:
            message = f"the policy pack exited with code {code} during {what}"
        elif error.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
            message = f"the policy pack did not answer {what} within {self.timeout:g} s (see {CALL_TIMEOUT_ENV})"
        else:
            details = (error.details() or "").removeprefix("Exception calling application: ")
            exception = _exception_line(self.pack.stderr_tail()) or details
            message = f"{culprit or 'the policy pack'} raised an exception during {what}: {exception}"
        tail = self.pack.stderr_tail(2000)
        return PolicyPackError(message + (f"\npolicy pack stderr (last lines):\n{tail}" if tail else ""))

    # -- per resource ------------------------------------------------------------------------------

    def _described(self, resource: CapturedResource, properties: struct_pb2.Struct) -> dict[str, Any]:
        """The fields Analyze, Remediate and AnalyzeStack share: the resource, its options, its provider."""
        return {
            "type": resource.type,
            "properties": properties,
            "urn": resource.urn,
            "name": resource.name,
            "options": self._options(resource),
            "provider": self._provider(resource.provider_urn),
        }

    def _options(self, resource: CapturedResource) -> analyzer_pb2.AnalyzerResourceOptions:
        timeouts = resource.custom_timeouts
        return self._pb.AnalyzerResourceOptions(
            protect=resource.protect,
            ignoreChanges=resource.ignore_changes,
            deleteBeforeReplace=bool(resource.delete_before_replace),
            deleteBeforeReplaceDefined=resource.delete_before_replace is not None,
            additionalSecretOutputs=resource.additional_secret_outputs,
            aliases=resource.aliases,
            customTimeouts=self._pb.AnalyzerResourceOptions.CustomTimeouts(
                create=timeouts.get("create", 0.0),
                update=timeouts.get("update", 0.0),
                delete=timeouts.get("delete", 0.0),
            ),
            parent=resource.parent,
        )

    def _provider(self, urn: str) -> analyzer_pb2.AnalyzerProviderResource | None:
        with self._lock:
            return self._providers.get(urn)

    def remediate(self, resource: CapturedResource) -> struct_pb2.Struct | None:
        """Run the pack's remediations on a resource before it is created; the new inputs, if any."""
        import grpc

        request = self._pb.AnalyzeRequest(**self._described(resource, resource.inputs.analyzer_struct()))
        try:
            response = self._stub.Remediate(request, timeout=self.timeout)
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.UNIMPLEMENTED:
                return None
            culprit = (
                ""
                if _pack_gone(error)
                else self._culprit(lambda: self._stub.Remediate(request, timeout=self.timeout), stack=False)
            )
            # Kept for finish(): the failure is the pack's, although it surfaces in the program's thread.
            self._fatal = self._failure(error, f"Remediate of {resource.urn}", culprit)
            raise self._fatal from None
        replaced: struct_pb2.Struct | None = None
        for remediation in response.remediations if response is not None else ():
            policy = self.report.policies.get(remediation.policyName)
            if remediation.diagnostic:
                self.report.violations.append(
                    Violation(
                        remediation.policyName,
                        "advisory",
                        policy.severity if policy else "unspecified",
                        resource.urn,
                        remediation.diagnostic,
                        policy.checklist_item if policy else "",
                    )
                )
            elif remediation.HasField("properties"):
                replaced = remediation.properties
                self.report.remediations.append(
                    Remediation(remediation.policyName, resource.urn, remediation.description)
                )
        return replaced

    def submit(self, resource: CapturedResource) -> None:
        """Queue a resource's Analyze; the sender thread sends it without waiting for the answer."""
        self._outbox.put(resource)

    def _send(self, resource: CapturedResource) -> None:
        if resource.type.startswith("pulumi:providers:"):
            provider = self._pb.AnalyzerProviderResource(
                type=resource.type,
                properties=resource.inputs.analyzer_struct(),
                urn=resource.urn,
                name=resource.name,
            )
            with self._lock:
                self._providers[resource.urn] = provider
        request = self._pb.AnalyzeRequest(**self._described(resource, resource.inputs.analyzer_struct()))
        future = self._stub.Analyze.future(request, timeout=self.timeout)
        with self._lock:
            self._pending.append((resource, request, future))

    def finish(self, run: ProgramRun) -> PolicyReport:
        """Collect every Analyze answer, in registration order, then run AnalyzeStack."""
        import grpc

        self._outbox.put(None)
        self._sender.join()
        self.wait_ready()
        if self._fatal is not None:
            raise self._fatal
        with self._lock:
            pending, self._pending = self._pending, []
        for resource, request, future in pending:
            try:
                response = future.result()
            except grpc.RpcError as error:
                culprit = "" if _pack_gone(error) else self._analyze_culprit(request)
                raise self._failure(error, f"Analyze of {resource.urn}", culprit) from None
            self._collect(response, resource.urn)
        stack_request = self._pb.AnalyzeStackRequest(
            resources=[
                self._pb.AnalyzerResource(
                    **self._described(resource, resource.outputs.analyzer_struct()),
                    parent=resource.parent,
                    dependencies=resource.dependencies,
                    propertyDependencies={
                        key: self._pb.AnalyzerPropertyDependencies(urns=urns)
                        for key, urns in resource.property_dependencies.items()
                        if urns
                    },
                )
                # The engine ranges over a concurrent map; a stable order keeps reports reproducible.
                for resource in sorted(run.resources, key=lambda resource: resource.urn)
            ]
        )
        try:
            response = self._stub.AnalyzeStack(stack_request, timeout=self.timeout)
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.UNIMPLEMENTED:
                culprit = (
                    ""
                    if _pack_gone(error)
                    else self._culprit(lambda: self._stub.AnalyzeStack(stack_request, timeout=self.timeout), stack=True)
                )
                raise self._failure(error, "AnalyzeStack", culprit) from None
            response = None
        if response is not None:
            self._collect(response, "")
        from agencyos_infra.manifests import not_judged_violations

        self.report.violations += not_judged_violations(run)
        return self.report

    def _analyze_culprit(self, request: Any) -> str:
        return self._culprit(lambda: self._stub.Analyze(request, timeout=self.timeout), stack=False)

    def _culprit(self, call: Callable[[], Any], *, stack: bool) -> str:
        """Name the policy that fails a call, by enabling one policy at a time (only after a failure)."""
        import grpc

        if self.pack.exit_code() is not None:
            return ""
        candidates = [p for p in self.report.policies.values() if p.is_stack_policy == stack]
        found = ""
        for suspect in candidates:
            only = {
                name: PolicyConfig(entry.enforcement_level if name == suspect.name else "disabled", entry.properties)
                for name, entry in self.config.items()
            }
            try:
                self._stub.Configure(self._configure_request(only), timeout=self.timeout)
                call()
            except grpc.RpcError:
                found = f"policy {suspect.name}"
                break
        with _suppress_rpc():
            self._stub.Configure(self._configure_request(self.config), timeout=self.timeout)
        return found

    def _collect(self, response: Any, default_urn: str) -> None:
        for diagnostic in response.diagnostics:
            policy = self.report.policies.get(diagnostic.policyName)
            level = LEVEL_BY_ENUM.get(diagnostic.enforcementLevel, "advisory")
            self.report.violations.append(
                Violation(
                    policy=diagnostic.policyName,
                    # Stack policies cannot remediate: the engine reports their "remediate" as mandatory.
                    enforcement_level="mandatory" if level == "remediate" else level,
                    severity=SEVERITY_NAMES.get(diagnostic.severity, "unspecified"),
                    urn=diagnostic.urn or default_urn,
                    message=diagnostic.message,
                    checklist_item=policy.checklist_item if policy else "",
                )
            )
        self.report.not_applicable += [(item.policy_name, item.reason) for item in response.not_applicable]


def _pack_gone(error: Any) -> bool:
    """The call failed because the connection to the pack dropped, not because a policy raised."""
    import grpc

    return bool(error.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED))


LEVEL_BY_ENUM = {0: "advisory", 1: "mandatory", 2: "disabled", 3: "remediate"}


class _suppress_rpc:
    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, *_: object) -> bool:
        import grpc

        return isinstance(kind, type) and issubclass(kind, grpc.RpcError)


# -- policy config, merged and validated as the CLI does (pkg/resource/analyzer/config.go) -------------


def parse_policy_config(document: Any) -> tuple[dict[str, PolicyConfig | None], list[str]]:
    """A ``--policy-pack-config`` document: policy name (or ``all``) → level or object.

    Returns each entry's level (None when the entry leaves it) and properties, and warnings.
    """
    if not isinstance(document, Mapping):
        raise PolicyPackError(
            f"invalid policy config: expected a JSON object keyed by policy name, got {_json_kind(document)}"
        )
    problems, warnings = [], []
    parsed: dict[str, PolicyConfig | None] = {}
    for name, value in document.items():
        if name == "environments":
            warnings.append("policy config `environments` (Pulumi ESC) cannot be resolved offline; ignored")
            continue
        if isinstance(value, str):
            if value not in LEVELS:
                problems.append(f"{name}: {value!r} is not a valid enforcement level ({', '.join(LEVELS)})")
                continue
            parsed[name] = PolicyConfig(value, {})
        elif isinstance(value, Mapping):
            properties = dict(value)
            level = properties.pop("enforcementLevel", "")
            if not isinstance(level, str) or (level and level not in LEVELS):
                problems.append(f"{name}.enforcementLevel: must be one of {', '.join(LEVELS)}")
                continue
            parsed[name] = PolicyConfig(level, properties)
        else:
            problems.append(f"{name}: must be an enforcement level or an object, got {_json_kind(value)}")
    if problems:
        raise PolicyPackError("invalid policy config:\n  - " + "\n  - ".join(problems))
    return parsed, warnings


def reconcile_policy_config(
    policies: Mapping[str, PolicyInfo],
    initial: Mapping[str, PolicyConfig | None],
    given: Mapping[str, PolicyConfig | None],
) -> dict[str, PolicyConfig]:
    """Schema defaults, then the pack's initial config, then the file; validated against each schema."""
    result = {
        name: PolicyConfig(
            policy.enforcement_level,
            {key: schema["default"] for key, schema in policy.config_schema.items() if "default" in schema},
        )
        for name, policy in policies.items()
    }
    for layer in (initial, given):
        everything = layer.get("all")
        if everything is not None and everything.enforcement_level:
            level = everything.enforcement_level
            result = {name: PolicyConfig(level, entry.properties) for name, entry in result.items()}
        for name, entry in layer.items():
            if entry is None or name == "all":
                continue
            current = result.get(name, PolicyConfig("", {}))
            result[name] = PolicyConfig(
                entry.enforcement_level or current.enforcement_level, {**current.properties, **entry.properties}
            )
    checked = [
        (name, _config_schema(policy), result[name].properties)
        for name, policy in policies.items()
        if policy.config_schema or policy.required
    ]
    validated = _ValidatedConfigs()
    if not validated.known(checked):
        problems = []
        for name, schema, properties in checked:
            problems += [f"{name}{where}: {message}" for where, message in _schema_errors(schema, properties)]
        if problems:
            raise PolicyPackError("invalid policy config:\n  - " + "\n  - ".join(problems))
        validated.remember(checked)
    # Names the pack does not have are passed on, as the CLI does; they configure nothing.
    return {name: entry for name, entry in result.items() if entry.enforcement_level in LEVELS}


def _config_schema(policy: PolicyInfo) -> dict[str, Any]:
    """A policy's config schema as the CLI builds it (convertSchema): an object of its properties."""
    schema: dict[str, Any] = {"type": "object", "properties": policy.config_schema}
    if policy.required:
        schema["required"] = policy.required
    return schema


def _schema_errors(schema: Mapping[str, Any], properties: Mapping[str, Any]) -> list[tuple[str, str]]:
    import jsonschema

    validator = jsonschema.Draft7Validator(schema)
    return [
        ("".join(f".{part}" for part in error.path), error.message)
        for error in sorted(validator.iter_errors(properties), key=lambda e: [str(p) for p in e.path])
    ]


class _ValidatedConfigs:
    """Policy configs already found valid, remembered by content so a repeat run skips the validator.

    Validation is a pure function of the schemas and the config; importing jsonschema costs more than
    a small stack's whole analysis, and most runs validate exactly what the last run did. Only
    successes are remembered; the record lives in the user's cache directory and is optional.
    """

    VERSION = "draft7-1"

    def __init__(self) -> None:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        self.directory = Path(base) / "agencyos-infra" / "valid-policy-config"

    def _path(self, checked: list[tuple[str, dict[str, Any], dict[str, Any]]]) -> Path:
        import hashlib

        content = json.dumps([self.VERSION, checked], sort_keys=True, default=str)
        return self.directory / hashlib.sha256(content.encode()).hexdigest()

    def known(self, checked: list[tuple[str, dict[str, Any], dict[str, Any]]]) -> bool:
        return self._path(checked).is_file()

    def remember(self, checked: list[tuple[str, dict[str, Any], dict[str, Any]]]) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._path(checked).touch()
        except OSError:
            pass  # a read-only home only costs the next run a validation


def unknown_policy_names(policy_config: Mapping[str, Any], policies: Mapping[str, PolicyInfo]) -> list[str]:
    return sorted(set(policy_config) - set(policies) - {"all", "environments"})


def _config_from_proto(value: Any) -> PolicyConfig:
    level = LEVEL_BY_ENUM.get(value.enforcementLevel, "") if value.enforcementLevel else ""
    from google.protobuf import json_format

    return PolicyConfig(level, json_format.MessageToDict(value.properties))


def _policy_info(policy: Any) -> PolicyInfo:
    from google.protobuf import json_format

    framework = policy.framework
    item = f"{framework.reference}: {framework.specification}" if framework.reference else ""
    schema = (
        _integral(json_format.MessageToDict(policy.configSchema.properties)) if policy.HasField("configSchema") else {}
    )
    required = list(policy.configSchema.required) if policy.HasField("configSchema") else []
    return PolicyInfo(
        name=policy.name,
        description=policy.description,
        enforcement_level=LEVEL_BY_ENUM[policy.enforcementLevel],
        severity=SEVERITY_NAMES.get(policy.severity, "unspecified"),
        checklist_item=item,
        remediation=policy.remediation_steps,
        config_schema=schema,
        required=required,
        is_stack_policy=policy.policy_type == 2,
    )


def _integral(value: Any) -> Any:
    """Numbers come back from a Struct as floats; a schema's 30.0 is the 30 its author wrote."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _integral(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_integral(item) for item in value]
    return value


def _struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    from google.protobuf import struct_pb2

    struct = struct_pb2.Struct()
    struct.update(dict(values))
    return struct


def _spawn_failure(error: OSError, pack_dir: Path, config: Mapping[str, str]) -> str:
    """Why the pack could not be started, naming the stack config key when the config is the cause."""
    import errno

    if error.errno == errno.E2BIG:
        largest = max(config, key=lambda key: len(config[key]), default="")
        return (
            f"the stack config is too large to hand to the policy pack: the CLI passes it in the PULUMI_CONFIG "
            f"environment variable, which the OS limits to 128 KiB ({len(json.dumps(config))} bytes here; the "
            f"largest value is {largest!r}, {len(config.get(largest, ''))} bytes). Keep large values out of config."
        )
    return f"the policy pack in {pack_dir} could not be started: {_one_line(error)}"


def _exception_line(stderr: str) -> str:
    lines = [line.removeprefix("  | ") for line in stderr.splitlines()]
    lines = [line for line in lines if _EXCEPTION_LINE.match(line)]
    return lines[-1] if lines else ""


def _json_kind(value: Any) -> str:
    kinds = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "an array"}
    return "null" if value is None else kinds.get(type(value), type(value).__name__)


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())
