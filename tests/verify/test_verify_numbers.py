"""The verifier reads the checklist's numbers from agencyos_checklist.numbers; it never repeats one."""

from __future__ import annotations

import re

import pytest
from agencyos_checklist import stated_numbers

from tests.conftest import REPO
from tests.policy.test_checklist_catalogue import _code_only, _literal

VERIFY = REPO / "agencyos_infra" / "verify"
# Protocol facts (HTTPS is port 443, like the firewall number the checklist states) live apart, cited.
CODE = sorted(p for p in VERIFY.glob("*.py") if p.name != "provider_facts.py")
CHECKED = sorted(
    n
    for n, s in stated_numbers().items()
    if (isinstance(s.value, int) and s.value >= 10) or (isinstance(s.value, str) and re.search("[0-9]", s.value))
)


@pytest.mark.parametrize("name", CHECKED)
def test_the_verifier_repeats_no_stated_number(name: str) -> None:
    pattern = _literal(stated_numbers()[name].value)
    offenders = [p.name for p in CODE if pattern.search(_code_only(p))]
    assert offenders == [], f"read {name} from agencyos_checklist.numbers"


def test_the_scan_sees_the_verifiers_modules() -> None:
    assert {"dns_checks.py", "tls_checks.py", "http_checks.py", "fixtures.py"} <= {p.name for p in CODE}


def test_each_protocol_fact_cites_its_source() -> None:
    lines = (VERIFY / "provider_facts.py").read_text().splitlines()
    facts = [n for n, line in enumerate(lines) if re.match(r"^[A-Z][A-Z0-9_]* = ", line)]
    assert facts
    for number in facts:
        assert lines[number - 1].startswith("# https://"), lines[number]
