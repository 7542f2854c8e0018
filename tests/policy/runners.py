"""Shared scaffolding of the per-service policy tests (``tests/policy/<provider>/test_*_policies.py``).

A service's test module subclasses the suites here with its own cases:

* ``ResourceCaseSuite``: every FAILING/PASSING ``Case`` in-process (``validate_in_process``) and through the
  real pack over gRPC (``pack_analyze`` on a ``single_resource_run``), a failing case at its policy's level;
* ``StackCaseSuite``: every STACK_FAILING/STACK_PASSING stack case through ``validate_stack_in_process``,
  as AnalyzeStack runs it;

and uses ``failures`` to run a family of policies on one resource's properties.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar

import pytest
from agencyos_policy import ALL_POLICIES, REGISTRY
from pulumi_policy import StackValidationPolicy

from agencyos_infra.analyzer import PolicyReport
from agencyos_infra.engine import ProgramRun
from tests.conftest import single_resource_run, validate_in_process
from tests.policy.cases import Case
from tests.policy.stack_cases import validate_stack_in_process

BY_NAME: dict[str, Any] = {policy.name: policy for policy in ALL_POLICIES}
"""Every policy of the pack, by name."""

PackAnalyze = Callable[[ProgramRun], PolicyReport]


def by_prefix(prefix: str) -> dict[str, Any]:
    """The pack's policies whose name starts with ``prefix``, by name."""
    return {name: policy for name, policy in BY_NAME.items() if name.startswith(prefix)}


def failures(
    policies: Mapping[str, Any] | Iterable[str],
    props: Mapping[str, Any],
    *,
    resource_type: str,
    protect: bool = True,
) -> dict[str, list[str]]:
    """The messages of each policy (policies by name, or names of the pack's) that fails on ``props``."""
    named = policies if isinstance(policies, Mapping) else {name: BY_NAME[name] for name in policies}
    results = {
        name: validate_in_process(policy, props, resource_type=resource_type, protect=protect)
        for name, policy in named.items()
    }
    return {name: messages for name, messages in results.items() if messages}


def case_id(case: Case) -> str:
    return f"{case.policy}:{case.note}"


def in_process(case: Case) -> list[str]:
    """A case's own policy run on its resource in-process."""
    return validate_in_process(
        BY_NAME[case.policy], case.props, resource_type=case.resource_type, protect=case.protect, config=case.config
    )


def through_the_pack(case: Case, pack_analyze: PackAnalyze) -> PolicyReport:
    """A case's resource, alone in a program, analysed by the real pack over gRPC (at the default config)."""
    if case.config:
        pytest.skip("a case with its own policy config is run in-process")
    return pack_analyze(single_resource_run(case.resource_type, case.props, protect=case.protect))


def registry_level(policy: str) -> str:
    return REGISTRY[policy].level.value


class _CaseParameters:
    """Parametrizes a test's ``failing``/``passing``/``stack_failing``/``stack_passing`` argument by the class's
    FAILING/PASSING/STACK_FAILING/STACK_PASSING cases."""

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        for argument in ("failing", "passing", "stack_failing", "stack_passing"):
            if argument in metafunc.fixturenames:
                metafunc.parametrize(argument, getattr(self, argument.upper()), ids=case_id)


class ResourceCaseSuite(_CaseParameters):
    """Every resource case in-process and through the pack; subclass as ``Test...`` with the service's cases."""

    FAILING: ClassVar[Sequence[Case]] = ()
    PASSING: ClassVar[Sequence[Case]] = ()

    @staticmethod
    def level(policy: str) -> str:
        """The enforcement level a failing case's violations must be reported at."""
        return registry_level(policy)

    def test_each_violation_fails_in_process(self, failing: Case) -> None:
        assert in_process(failing), failing.note

    def test_each_compliant_case_passes_in_process(self, passing: Case) -> None:
        assert in_process(passing) == [], passing.note

    def test_each_violation_fails_through_the_pack(self, failing: Case, pack_analyze: PackAnalyze) -> None:
        report = through_the_pack(failing, pack_analyze)
        mine = [v for v in report.violations if v.policy == failing.policy]
        assert mine, (failing.note, report.violations)
        assert {v.enforcement_level for v in mine} == {self.level(failing.policy)}, (failing.note, report.violations)
        # Unknowns are decided by the policy, never downgraded by the SDK's "can't run during preview".
        assert all("can't run policy" not in v.message for v in mine)

    def test_each_compliant_case_passes_through_the_pack(self, passing: Case, pack_analyze: PackAnalyze) -> None:
        report = through_the_pack(passing, pack_analyze)
        assert [v for v in report.violations if v.policy == passing.policy] == [], passing.note


class StackCaseSuite(_CaseParameters):
    """Every stack case as AnalyzeStack runs it; subclass as ``Test...`` with the service's stack cases."""

    STACK_FAILING: ClassVar[Sequence[Case]] = ()
    STACK_PASSING: ClassVar[Sequence[Case]] = ()

    def test_each_stack_violation_fails(self, stack_failing: Case) -> None:
        policy = BY_NAME[stack_failing.policy]
        assert isinstance(policy, StackValidationPolicy)
        assert validate_stack_in_process(policy, stack_failing.props), stack_failing.note

    def test_each_compliant_stack_passes(self, stack_passing: Case) -> None:
        assert validate_stack_in_process(BY_NAME[stack_passing.policy], stack_passing.props) == [], stack_passing.note
