"""The pack's analyzer, with the SDK's semantics and each request decoded once.

pulumi-policy decodes a resource's properties (``MessageToDict`` then ``deserialize_properties``) once
per policy: in ``Analyze`` for every resource policy on every resource, in ``AnalyzeStack`` every
resource of the stack for every stack policy. With a hundred policies that is a hundred decodings
per resource, and most resource policies are about other resource types. This servicer decodes once
per request and gives each policy fresh unknown-checking proxies over that one decoding (a proxy
copies what it wraps, so a policy that writes to its props still cannot affect another), and skips a
resource policy whose ``resource_types`` attribute (set by our registry) excludes the resource: such
a policy reports nothing for it anyway. Everything else (levels, config, the remediate downgrade, the
"can't run during preview" advisory, not-applicable reasons) follows the SDK's own code path.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator, Mapping
from inspect import isawaitable
from typing import Any

from agencyos_policy.origins import StackOrigins, Unresolved
from agencyos_policy.props import is_undetermined
from agencyos_policy.registry import DEFERRED, undetermined_advisory
from google.protobuf import json_format
from pulumi.runtime.proto import analyzer_pb2 as proto
from pulumi_policy import policy as sdk
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

_Base: Any = sdk._PolicyAnalyzerServicer


class DecodeOnceAnalyzerServicer(_Base):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._dry_run = os.environ.get("PULUMI_DRY_RUN") == "true"
        # (policy name, URN) -> (policy, level, questions): from Analyze, answered by AnalyzeStack.
        self._unresolved: dict[tuple[str, str], tuple[Any, Any, list[Unresolved]]] = {}
        self._unresolved_lock = threading.Lock()

    def ConfigureStack(self, request: Any, context: Any) -> Any:
        self._dry_run = request.dry_run
        return super().ConfigureStack(request, context)

    def Analyze(self, request: Any, _context: Any) -> Any:
        self._configure_runtime_settings()
        response = proto.AnalyzeResponse()
        decoded: Any = None
        opts = provider = None
        for policy in self._PolicyAnalyzerServicer__policies:
            level = self._level(policy, sdk.ResourceValidationPolicy)
            if level is None:
                continue
            types = getattr(policy, "resource_types", None)
            if types is not None and request.type not in types:
                continue
            if not policy.has_validation():
                reason = "Policy does not implement validate"
                response.not_applicable.append(proto.PolicyNotApplicable(policy_name=policy.name, reason=reason))
                continue
            if decoded is None:
                decoded = deserialize_properties(json_format.MessageToDict(request.properties))
                opts = self._get_resource_options(request)
                provider = self._get_provider_resource(request)
            args = sdk.ResourceValidationArgs(
                request.type,
                unknown_checking_proxy(decoded),
                request.urn,
                request.name,
                opts,
                provider,
                self._get_policy_config(policy.name),
                self._PolicyAnalyzerServicer__stack_tags,
            )
            questions: list[Unresolved] = []
            setattr(args, DEFERRED, questions)
            self._validate(response, policy, level, args)
            with self._unresolved_lock:
                if questions:
                    self._unresolved[(policy.name, request.urn)] = (policy, level, questions)
                else:  # a repeated Analyze of the resource (the engine's culprit search) replaces the first
                    self._unresolved.pop((policy.name, request.urn), None)
        return response

    def AnalyzeStack(self, request: Any, _context: Any) -> Any:
        self._configure_runtime_settings()
        response = proto.AnalyzeResponse()
        decoded: list[tuple[Any, Any, Any, Any]] | None = None
        for policy in self._PolicyAnalyzerServicer__policies:
            level = self._level(policy, sdk.StackValidationPolicy)
            if level is None:
                continue
            if decoded is None:
                decoded = [
                    (
                        resource,
                        deserialize_properties(json_format.MessageToDict(resource.properties)),
                        self._get_resource_options(resource),
                        self._get_provider_resource(resource),
                    )
                    for resource in request.resources
                ]
            config = self._get_policy_config(policy.name)
            args = sdk.StackValidationArgs(_stack_resources(decoded), config, self._PolicyAnalyzerServicer__stack_tags)
            self._validate(response, policy, level, args)
        self._answer_unresolved(request, response)
        return response

    def _answer_unresolved(self, request: Any, response: Any) -> None:
        """Answer Analyze's open questions from the stack's property dependencies (see agencyos_policy.origins)."""
        with self._unresolved_lock:
            pending, self._unresolved = self._unresolved, {}
        if not pending:
            return
        resources = {resource.urn: resource for resource in request.resources}
        outputs: dict[str, Any] = {}

        def outputs_of(urn: str) -> Any:
            if urn not in resources:
                return None
            if urn not in outputs:
                outputs[urn] = deserialize_properties(json_format.MessageToDict(resources[urn].properties))
            return outputs[urn]

        origins = StackOrigins(
            {
                urn: {key: list(value.urns) for key, value in resource.propertyDependencies.items()}
                for urn, resource in resources.items()
            },
            outputs_of,
        )
        for (_name, urn), (policy, level, questions) in sorted(pending.items(), key=lambda entry: entry[0]):
            report_violation = self._reporter(response, policy, level)
            for question in questions:
                message = question.answer(origins.of(urn, question.path))
                if message is not None:
                    report_violation(message, urn)

    def _reporter(self, response: Any, policy: Any, level: Any) -> Any:
        """The SDK's report_violation at ``level``; undetermined results advisory where the policy's config asks."""
        report = self._create_report_violation(response, policy.name, policy.description, level, policy.severity)
        if level != sdk.EnforcementLevel.MANDATORY or not undetermined_advisory(
            self._get_policy_config(policy.name), self._dry_run
        ):
            return report
        advisory = self._create_report_violation(
            response, policy.name, policy.description, sdk.EnforcementLevel.ADVISORY, policy.severity
        )

        def report_violation(message: str, urn: str | None = None) -> None:
            (advisory if is_undetermined(message) else report)(message, urn)

        return report_violation

    def _level(self, policy: Any, kind: type) -> Any:
        """The level the policy runs at on this call, or None when it does not run (disabled, other kind)."""
        level = self._get_enforcement_level(policy)
        if level == sdk.EnforcementLevel.DISABLED or not isinstance(policy, kind):
            return None
        # A remediation that still leaves a violation, and any stack policy, report as mandatory.
        return sdk.EnforcementLevel.MANDATORY if level == sdk.EnforcementLevel.REMEDIATE else level

    def _validate(self, response: Any, policy: Any, level: Any, args: Any) -> None:
        report_violation = self._reporter(response, policy, level)
        try:
            result = policy.validate(args, report_violation)
            if isawaitable(result):
                loop = asyncio.new_event_loop()
                loop.run_until_complete(asyncio.Task(result, loop=loop))
                loop.close()
        except UnknownValueError as error:
            name = self._PolicyAnalyzerServicer__policy_pack_name
            version = self._PolicyAnalyzerServicer__policy_pack_version
            response.diagnostics.append(
                proto.AnalyzeDiagnostic(
                    policyName=policy.name,
                    policyPackName=name,
                    policyPackVersion=version,
                    message=f"can't run policy '{policy.name}' from policy pack '{name}@v{version}' during preview: "
                    f"{error.message}",
                    urn="",
                    description=policy.description,
                    enforcementLevel=self._map_enforcement_level(sdk.EnforcementLevel.ADVISORY),
                )
            )
        except sdk._NotApplicableError as error:
            reason = error.reason or ""
            response.not_applicable.append(proto.PolicyNotApplicable(policy_name=policy.name, reason=reason))


def _stack_resources(decoded: list[tuple[Any, Any, Any, Any]]) -> list[Any]:
    """Fresh PolicyResources (own proxies) for one stack policy, linked to parents and dependencies as by the SDK."""
    resources = {
        request.urn: sdk.PolicyResource(
            request.type, _LazyProxy(props), request.urn, request.name, opts, provider, None, [], {}
        )
        for request, props, opts, provider in decoded
    }
    for request, _props, _opts, _provider in decoded:
        resource = resources[request.urn]
        if request.parent in resources:
            resource.parent = resources[request.parent]
        resource.dependencies.extend(resources[urn] for urn in request.dependencies if urn in resources)
        for key, value in request.propertyDependencies.items():
            resource.property_dependencies[key] = [resources[urn] for urn in value.urns if urn in resources]
    return list(resources.values())


class _LazyProxy(Mapping):
    """The SDK's unknown-checking proxy of one resource's props, built when a stack policy first reads them.

    A stack policy usually reads the props of a few resource types only; building a proxy copies the
    whole property tree, for every resource, for every stack policy.
    """

    def __init__(self, props: Any) -> None:
        self._props = props
        self._proxy: Any = None

    def _target(self) -> Any:
        if self._proxy is None:
            self._proxy = unknown_checking_proxy(self._props)
        return self._proxy

    def __getitem__(self, key: Any) -> Any:
        return self._target()[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._target())

    def __len__(self) -> int:
        return len(self._target())


def install() -> None:
    """Make ``PolicyPack`` serve this servicer; call before constructing the pack."""
    sdk._PolicyAnalyzerServicer = DecodeOnceAnalyzerServicer
