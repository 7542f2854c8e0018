"""Drives a policy pack over the gRPC analyzer protocol, making the calls the Pulumi CLI makes.

The pack runs as the separate process the CLI starts (``python -u -m pulumi.policy <engine> .`` in
the pack directory, with the stack's project, stack, config and dry-run flag in its environment) and
prints its port first. Then: Handshake (unimplemented is tolerated), ConfigureStack,
GetAnalyzerInfo, GetPluginInfo, Configure (only with policy config), Remediate and Analyze per
resource, and AnalyzeStack once with every resource's outputs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2

if TYPE_CHECKING:
    from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

    from agencyos_infra.engine import CapturedResource, ProgramRun
    from agencyos_infra.wire import Properties

# The Pulumi SDK (and its generated protos) take a third of a second to import. They are imported
# on first use, so the pack process can be spawned first and boot while this process loads them.

LEVELS = {"advisory": 0, "mandatory": 1, "disabled": 2, "remediate": 3}
LEVEL_NAMES = {value: name for name, value in LEVELS.items()}
SEVERITY_NAMES = {0: "unspecified", 1: "low", 2: "medium", 3: "high", 4: "critical"}
_START_TIMEOUT_S = 60


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


@dataclass
class Violation:
    policy: str
    enforcement_level: str
    severity: str
    urn: str
    message: str
    checklist_item: str


@dataclass
class PolicyReport:
    pack_name: str
    pack_version: str
    policies: dict[str, PolicyInfo]
    violations: list[Violation] = field(default_factory=list)
    not_applicable: list[tuple[str, str]] = field(default_factory=list)

    @property
    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.enforcement_level == "mandatory"]


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
        python: str = sys.executable,
    ) -> None:
        self.pack_dir = Path(pack_dir).resolve()
        if not (self.pack_dir / "PulumiPolicy.yaml").is_file():
            raise PolicyPackError(f"{self.pack_dir} is not a policy pack: it has no PulumiPolicy.yaml")
        self.project, self.stack, self.dry_run = project, stack, dry_run
        self.organization, self.config = organization, dict(config)
        # The engine endpoint the pack is given. Python packs never call back (facts checked against
        # pulumi-policy's sources), so it serves no methods; a call would get UNIMPLEMENTED.
        self._engine_server = grpc.server(futures.ThreadPoolExecutor(max_workers=1))
        engine_port = self._engine_server.add_insecure_port("127.0.0.1:0")
        self._engine_server.start()
        self.engine_address = f"127.0.0.1:{engine_port}"
        env = {
            **os.environ,
            "PULUMI_CONFIG": json.dumps(self.config),
            "PULUMI_PROJECT": project,
            "PULUMI_STACK": stack,
            "PULUMI_ORGANIZATION": organization,
            "PULUMI_DRY_RUN": "true" if dry_run else "false",
        }
        self._process = subprocess.Popen(
            [python, "-u", "-m", "pulumi.policy", self.engine_address, "."],
            cwd=self.pack_dir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self._stub: analyzer_pb2_grpc.AnalyzerStub | None = None
        self._channel: grpc.Channel | None = None

    def stub(self) -> analyzer_pb2_grpc.AnalyzerStub:
        """The analyzer client, once the pack has printed its port."""
        from pulumi.runtime.proto import analyzer_pb2_grpc

        if self._stub is None:
            assert self._process.stdout is not None
            first_line = self._process.stdout.readline().decode().strip()
            if not first_line.isdigit():
                self._process.kill()
                _, stderr = self._process.communicate(timeout=_START_TIMEOUT_S)
                raise PolicyPackError(
                    f"policy pack in {self.pack_dir} did not start:\n{stderr.decode().strip() or first_line}"
                )
            self._channel = grpc.insecure_channel(f"127.0.0.1:{first_line}")
            grpc.channel_ready_future(self._channel).result(timeout=_START_TIMEOUT_S)
            self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
        return self._stub

    def _declared_version(self) -> str | None:
        import yaml

        declared = yaml.safe_load((self.pack_dir / "PulumiPolicy.yaml").read_text()) or {}
        return str(declared["version"]) if declared.get("version") else None

    def close(self) -> None:
        # The pack goes first: closing a channel to a live server waits for it (~0.2 s); the CLI
        # also just kills the analyzer plugin when it is done.
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        if self._channel is not None:
            self._channel.close()
        for stream in (self._process.stdout, self._process.stderr):
            if stream is not None:
                stream.close()
        self._engine_server.stop(None)

    def __enter__(self) -> PolicyPackProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def analyze(
        self,
        run: ProgramRun,
        policy_config: Mapping[str, Any] | None = None,
        secret_keys: list[str] | None = None,
    ) -> PolicyReport:
        """Make the CLI's calls for one preview of ``run`` and collect the pack's answers."""
        from pulumi.runtime.proto import analyzer_pb2

        stub = self.stub()
        try:
            stub.Handshake(
                analyzer_pb2.AnalyzerHandshakeRequest(
                    engine_address=self.engine_address,
                    root_directory=str(self.pack_dir),
                    program_directory=str(self.pack_dir),
                )
            )
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.UNIMPLEMENTED:
                raise
        stub.ConfigureStack(
            analyzer_pb2.AnalyzerStackConfigureRequest(
                stack=self.stack,
                project=self.project,
                organization=self.organization,
                dry_run=self.dry_run,
                config=self.config,
                config_secret_keys=list(secret_keys or []),
            )
        )
        info = stub.GetAnalyzerInfo(empty_pb2.Empty())
        stub.GetPluginInfo(empty_pb2.Empty())
        policies = {policy.name: _policy_info(policy) for policy in info.policies}
        if policy_config:
            stub.Configure(configure_request(policy_config, policies))

        # As the CLI does, PulumiPolicy.yaml's version wins over the one a Python pack reports.
        report = PolicyReport(info.name, self._declared_version() or info.version, policies)
        by_urn = run.by_urn()
        for resource in run.resources:
            request = analyzer_pb2.AnalyzeRequest(**_described(resource, resource.inputs, by_urn))
            stub.Remediate(request)
            _collect(report, stub.Analyze(request), default_urn=resource.urn)
        stack_request = analyzer_pb2.AnalyzeStackRequest(
            resources=[
                analyzer_pb2.AnalyzerResource(
                    **_described(resource, resource.outputs, by_urn),
                    parent=resource.parent,
                    dependencies=resource.dependencies,
                    propertyDependencies={
                        key: analyzer_pb2.AnalyzerPropertyDependencies(urns=urns)
                        for key, urns in resource.property_dependencies.items()
                    },
                )
                for resource in run.resources
            ]
        )
        _collect(report, stub.AnalyzeStack(stack_request), default_urn="")
        return report


def configure_request(
    policy_config: Mapping[str, Any], policies: Mapping[str, PolicyInfo]
) -> analyzer_pb2.ConfigureAnalyzerRequest:
    """The Configure call for a ``--policy-config`` file, in the CLI's format, checked first.

    Keys are policy names (or ``all``); values are an enforcement level or an object with an
    optional ``enforcementLevel`` and the policy's config properties.
    """
    from pulumi.runtime.proto import analyzer_pb2

    problems: list[str] = []
    request = analyzer_pb2.ConfigureAnalyzerRequest()
    everything = policy_config.get("all")
    for name, policy in policies.items():
        entry = policy_config.get(name, everything)
        if entry is None:
            continue
        if isinstance(entry, str):
            entry = {"enforcementLevel": entry}
        if not isinstance(entry, Mapping):
            problems.append(f"{name}: expected an enforcement level or an object")
            continue
        level = str(entry.get("enforcementLevel", policy.enforcement_level))
        if level not in LEVELS:
            problems.append(f"{name}.enforcementLevel: must be one of {', '.join(LEVELS)}")
            continue
        properties = {key: value for key, value in entry.items() if key != "enforcementLevel"}
        for key, value in properties.items():
            schema = policy.config_schema.get(key)
            if schema is None:
                known = ", ".join(policy.config_schema) or "none"
                problems.append(f"{name}.{key}: not a config property of this policy (known: {known})")
            elif not _matches_type(value, schema.get("type")):
                problems.append(f"{name}.{key}: must be of type {schema.get('type')}")
        struct = struct_pb2.Struct()
        struct.update(properties)
        request.policyConfig[name].CopyFrom(
            analyzer_pb2.PolicyConfig(
                enforcementLevel=analyzer_pb2.EnforcementLevel.Value(level.upper()), properties=struct
            )
        )
    unknown = sorted(set(policy_config) - set(policies) - {"all"})
    problems += [f"{name}: no such policy in this pack" for name in unknown]
    if problems:
        raise PolicyPackError("invalid policy config:\n  - " + "\n  - ".join(problems))
    return request


def _matches_type(value: Any, expected: str | None) -> bool:
    checks = {
        "integer": lambda v: isinstance(v, int | float) and not isinstance(v, bool) and float(v).is_integer(),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "string": lambda v: isinstance(v, str),
        "boolean": lambda v: isinstance(v, bool),
    }
    return checks.get(expected or "", lambda v: True)(value)


def _policy_info(policy: Any) -> PolicyInfo:
    framework = policy.framework
    item = f"{framework.reference}: {framework.specification}" if framework.reference else ""
    schema = json_format.MessageToDict(policy.configSchema.properties) if policy.HasField("configSchema") else {}
    return PolicyInfo(
        name=policy.name,
        description=policy.description,
        enforcement_level=LEVEL_NAMES[policy.enforcementLevel],
        severity=SEVERITY_NAMES.get(policy.severity, "unspecified"),
        checklist_item=item,
        remediation=policy.remediation_steps,
        config_schema=schema,
    )


def _described(
    resource: CapturedResource, properties: Properties, by_urn: Mapping[str, CapturedResource]
) -> dict[str, Any]:
    """The fields Analyze and AnalyzeStack share: the resource, its options and its provider."""
    return {
        "type": resource.type,
        "properties": properties.analyzer_struct(),
        "urn": resource.urn,
        "name": resource.name,
        "options": _options(resource),
        "provider": _provider(by_urn.get(resource.provider_urn)),
    }


def _options(resource: CapturedResource) -> analyzer_pb2.AnalyzerResourceOptions:
    from pulumi.runtime.proto import analyzer_pb2

    return analyzer_pb2.AnalyzerResourceOptions(
        protect=resource.protect,
        ignoreChanges=resource.ignore_changes,
        additionalSecretOutputs=resource.additional_secret_outputs,
        parent=resource.parent,
    )


def _provider(provider: CapturedResource | None) -> analyzer_pb2.AnalyzerProviderResource | None:
    from pulumi.runtime.proto import analyzer_pb2

    if provider is None:
        return None
    return analyzer_pb2.AnalyzerProviderResource(
        type=provider.type,
        properties=provider.inputs.analyzer_struct(),
        urn=provider.urn,
        name=provider.name,
    )


def _collect(report: PolicyReport, response: Any, default_urn: str) -> None:
    for diagnostic in response.diagnostics:
        policy = report.policies.get(diagnostic.policyName)
        report.violations.append(
            Violation(
                policy=diagnostic.policyName,
                enforcement_level=LEVEL_NAMES.get(diagnostic.enforcementLevel, "advisory"),
                severity=SEVERITY_NAMES.get(diagnostic.severity, "unspecified"),
                urn=diagnostic.urn or default_urn,
                message=diagnostic.message,
                checklist_item=policy.checklist_item if policy else "",
            )
        )
    report.not_applicable += [(item.policy_name, item.reason) for item in response.not_applicable]
