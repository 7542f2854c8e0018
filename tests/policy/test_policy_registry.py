"""Pack-wide tests over every registered policy: naming, metadata, config schema, and test cases.

A new policy lands only with its checklist item, description, remediation, a config schema whose
defaults are the catalogue's numbers, and at least one failing and one passing case.
"""

from __future__ import annotations

import re
from typing import Any

import jsonschema
import pytest
from agencyos_checklist import catalogue, stated_numbers
from agencyos_policy import ALL_POLICIES, REGISTRY
from agencyos_policy.registry import CROSS_PROVIDER, NAME_SCHEME, PolicySpec, resource_policy
from pulumi_policy import EnforcementLevel, StackValidationPolicy

from tests.conftest import validate_in_process
from tests.policy.cases import Case, all_cases
from tests.policy.stack_cases import validate_stack_in_process

FAILING, PASSING = all_cases()
SPECS = list(REGISTRY.values())


def _ids(spec: PolicySpec) -> str:
    return spec.name


def test_the_pack_enforces_exactly_the_registry() -> None:
    assert [policy.name for policy in ALL_POLICIES] == list(REGISTRY)
    assert len(REGISTRY) >= 16


@pytest.mark.parametrize("spec", SPECS, ids=_ids)
def test_name_follows_the_scheme_and_its_vendor_owns_the_types(spec: PolicySpec) -> None:
    assert NAME_SCHEME.match(spec.name), spec.name
    vendor = spec.name.split("-")[0]
    providers = CROSS_PROVIDER.get(vendor, (vendor,))
    assert all(t.split(":")[0] in providers for t in spec.resource_types), spec.name


@pytest.mark.parametrize("spec", SPECS, ids=_ids)
def test_metadata_is_complete(spec: PolicySpec) -> None:
    assert spec.item.id in catalogue(), spec.name
    assert spec.description.endswith(".") and spec.remediation.endswith("."), spec.name
    assert spec.level in (EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY), spec.name
    assert spec.severity is not None and spec.resource_types, spec.name
    built = spec.build()
    assert built.framework is not None
    assert spec.item.id in built.framework.reference and built.framework.specification == spec.item.statement


@pytest.mark.parametrize("spec", SPECS, ids=_ids)
def test_config_schema_is_valid_and_defaults_are_the_catalogue_numbers(spec: PolicySpec) -> None:
    stated = {id(value) for value in stated_numbers().values()}
    schema = {"type": "object", "properties": {k: dict(p.schema) for k, p in spec.config.items()}}
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.validate(spec.defaults, schema)
    for key, param in spec.config.items():
        assert param.schema["description"], f"{spec.name}.{key}"
        # A value the checklist states defaults to the catalogue's number; others (a list of moving image tags)
        # have their default in the schema.
        if param.stated is not None:
            assert id(param.stated) in stated, f"{spec.name}.{key} has no stated number"
            assert param.schema["default"] == param.stated.value, f"{spec.name}.{key}"
        else:
            assert "default" in param.schema, f"{spec.name}.{key}"


def _run(case: Case) -> list[str]:
    policy = next(p for p in ALL_POLICIES if p.name == case.policy)
    if isinstance(policy, StackValidationPolicy):
        return validate_stack_in_process(policy, case.props, case.config)
    return validate_in_process(
        policy, case.props, resource_type=case.resource_type, protect=case.protect, config=case.config
    )


@pytest.mark.parametrize("spec", SPECS, ids=_ids)
def test_every_policy_has_a_failing_and_a_passing_case(spec: PolicySpec) -> None:
    assert any(c.policy == spec.name for c in FAILING), f"{spec.name}: add a failing case to tests/policy/"
    assert any(c.policy == spec.name for c in PASSING), f"{spec.name}: add a passing case to tests/policy/"


@pytest.mark.parametrize("case", FAILING, ids=lambda c: f"{c.policy}:{c.note}")
def test_failing_cases_fail(case: Case) -> None:
    assert _run(case), case.note


@pytest.mark.parametrize("case", PASSING, ids=lambda c: f"{c.policy}:{c.note}")
def test_passing_cases_pass(case: Case) -> None:
    assert _run(case) == [], case.note


def test_cases_name_registered_policies() -> None:
    assert {c.policy for c in [*FAILING, *PASSING]} <= set(REGISTRY)


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"name": "cloudsql-no-public-ip"}, "must follow"),
        ({"name": "gcp-cloudsql-instance-no-public-ip"}, "registered twice"),
        ({"item": "2.no-such-subsection.1"}, "no checklist item"),
    ],
)
def test_registration_refuses_incomplete_metadata(overrides: dict[str, Any], error: str) -> None:
    metadata: dict[str, Any] = {
        "name": "gcp-example-thing-requirement",
        "item": "2.postgresql-configuration.1",
        "level": EnforcementLevel.MANDATORY,
        "severity": None,
        "description": "x.",
        "remediation": "y.",
        "resource_types": ("gcp:example/thing:Thing",),
        **overrides,
    }
    with pytest.raises((ValueError, KeyError), match=re.escape(error)):
        resource_policy(**metadata)(lambda subject: [])
    assert "gcp-example-thing-requirement" not in REGISTRY
