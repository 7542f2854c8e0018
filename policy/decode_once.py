"""The pack's analyzer, with the SDK's semantics and each request decoded once.

pulumi-policy's ``Analyze`` decodes a resource's properties (``MessageToDict`` then
``deserialize_properties``) once per policy, and calls every resource policy for every resource.
With a hundred policies that is a hundred decodings per resource, and most policies are about other
resource types. This servicer decodes once per request and gives each policy a fresh
unknown-checking proxy over that one decoding (a proxy copies what it wraps, so a policy that writes
to its props still cannot affect another), and skips a policy whose ``resource_types`` attribute
(set by our registry) excludes the resource: such a policy reports nothing for it anyway.
Everything else (levels, config, remediate downgrade, the "can't run during preview" advisory,
not-applicable reasons) is the SDK's own code path.
"""

from __future__ import annotations

import asyncio
from inspect import isawaitable
from typing import Any

from google.protobuf import json_format
from pulumi.runtime.proto import analyzer_pb2 as proto
from pulumi_policy import policy as sdk
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

_Base: Any = sdk._PolicyAnalyzerServicer


class DecodeOnceAnalyzerServicer(_Base):
    def Analyze(self, request: Any, _context: Any) -> Any:
        self._configure_runtime_settings()
        response = proto.AnalyzeResponse()
        decoded: Any = None
        opts = provider = None
        for policy in self._PolicyAnalyzerServicer__policies:
            level = self._get_enforcement_level(policy)
            if level == sdk.EnforcementLevel.DISABLED or not isinstance(policy, sdk.ResourceValidationPolicy):
                continue
            types = getattr(policy, "resource_types", None)
            if types is not None and request.type not in types:
                continue
            if not policy.has_validation():
                reason = "Policy does not implement validate"
                response.not_applicable.append(proto.PolicyNotApplicable(policy_name=policy.name, reason=reason))
                continue
            if level == sdk.EnforcementLevel.REMEDIATE:
                level = sdk.EnforcementLevel.MANDATORY
            report_violation = self._create_report_violation(
                response, policy.name, policy.description, level, policy.severity
            )
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
            try:
                result = policy.validate(args, report_violation)
                if isawaitable(result):
                    loop = asyncio.new_event_loop()
                    loop.run_until_complete(asyncio.Task(result, loop=loop))
                    loop.close()
            except UnknownValueError as error:
                name, version = (
                    self._PolicyAnalyzerServicer__policy_pack_name,
                    self._PolicyAnalyzerServicer__policy_pack_version,
                )
                message = f"can't run policy '{policy.name}' from policy pack '{name}@v{version}' during preview"
                response.diagnostics.append(
                    proto.AnalyzeDiagnostic(
                        policyName=policy.name,
                        policyPackName=name,
                        policyPackVersion=version,
                        message=f"{message}: {error.message}",
                        urn="",
                        description=policy.description,
                        enforcementLevel=self._map_enforcement_level(sdk.EnforcementLevel.ADVISORY),
                    )
                )
            except sdk._NotApplicableError as error:
                response.not_applicable.append(
                    proto.PolicyNotApplicable(policy_name=policy.name, reason=error.reason or "")
                )
        return response


def install() -> None:
    """Make ``PolicyPack`` serve this servicer; call before constructing the pack."""
    sdk._PolicyAnalyzerServicer = DecodeOnceAnalyzerServicer
