"""The checklist catalogue: every checkbox has an id, every id an item, and numbers are stated once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from agencyos_checklist import catalogue, checklist_text, item, parse, stated_numbers

from tests.conftest import POLICY_DIR, REPO

DOC = REPO / "docs" / "production-checklist.md"
ID = re.compile(r"^[a-z0-9-]+\.[a-z0-9-]+\.[0-9]+(\.[0-9]+)*$")


def _checkbox_lines(text: str) -> dict[int, str]:
    """Line number -> text of every checkbox outside fenced code, read independently of the parser."""
    lines, in_code = {}, False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("```"):
            in_code = not in_code
        elif not in_code and re.match(r"^ *- \[ \] ", line):
            lines[number] = line.split("- [ ]", 1)[1].strip()
    return lines


def test_the_pack_ships_the_repository_checklist() -> None:
    assert checklist_text() == DOC.read_text(encoding="utf-8"), "copy docs/production-checklist.md into the pack"
    assert (POLICY_DIR / "agencyos_checklist" / "production-checklist.md").read_text() == DOC.read_text()


def test_every_checkbox_has_an_id_and_every_id_a_checkbox() -> None:
    text = DOC.read_text(encoding="utf-8")
    checkboxes = _checkbox_lines(text)
    items = parse(text)
    assert len(checkboxes) == text.count("- [ ]") == 273
    assert {i.line for i in items} == set(checkboxes), "a checkbox without an id, or an id without a checkbox"
    for parsed in items:
        assert ID.match(parsed.id), parsed.id
        assert parsed.text == checkboxes[parsed.line].replace("`", "").replace("**", ""), parsed.id
    assert len({i.id for i in items}) == len(items), "ids are unique"


def test_ids_are_readable_and_stable() -> None:
    assert item("2.postgresql-configuration.1").text == "Create production database instance"
    assert item("2.postgresql-configuration.4.2").text.startswith("Subscriptions table")
    assert item("7.database-backups.3").details == ("WAL archiving configured", "Retention: 7 days")
    assert item("8.infrastructure-security.1.1").path.endswith("Infrastructure Security › Network segmentation")
    assert item("post-launch-maintenance.weekly.3").text == "Update dependencies (security patches)"
    with pytest.raises(KeyError, match="no checklist item"):
        item("2.postgresql-configuration.99")


@pytest.mark.parametrize("name", sorted(stated_numbers()))
def test_each_number_is_stated_by_its_item(name: str) -> None:
    stated = stated_numbers()[name]
    # Some numbers sit in the item's code block (the resource requests and limits of §9).
    assert stated.quote in item(stated.item).statement or stated.quote in item(stated.item).code, name
    if isinstance(stated.value, int):
        quoted = [int(n) for n in re.findall(r"[0-9]+", stated.quote)]
        assert stated.value in quoted or stated.value in [n * 1024 for n in quoted], name  # GB stated, MB used


# Code that must read the catalogue's names instead of repeating its numbers. Single-digit numbers
# (2 vCPUs, 7 days) and words (sslmode "require") are too common to grep; their uses are checked by the
# settings, component and policy tests.
CODE = [REPO / "__main__.py", *(REPO / "components").rglob("*.py"), *(REPO / "stacks").rglob("*.py")]
CODE += [p for p in (POLICY_DIR / "agencyos_policy").rglob("*.py")]
# Provider facts (what a protocol, cloud or Kubernetes fixes, not what the checklist asks) may equal a
# checklist number: Kubernetes' default HPA target is 80 % CPU like Redis' maxmemory, HTTP is port 80
# like the firewall's. They live in ``provider_facts.py`` modules, one per provider beside the code
# that uses them, each fact citing its documentation (checked below); the repeated-number test skips them.
PROVIDER_FACT_MODULES = sorted(p for p in CODE if p.name == "provider_facts.py")
PROVIDER_FACTS = {
    **{path: "documented provider facts" for path in PROVIDER_FACT_MODULES},
    POLICY_DIR / "agencyos_policy" / "gcp" / "cloudsql_tiers.py": "Cloud SQL's default max_connections",
}


def _literal(value: object) -> re.Pattern[str]:
    return re.compile(rf"(?<![0-9A-Za-z_.-]){re.escape(str(value))}(?![0-9A-Za-z_])")


@pytest.mark.parametrize(
    "name",
    sorted(
        n
        for n, s in stated_numbers().items()
        if (isinstance(s.value, int) and s.value >= 10) or (isinstance(s.value, str) and re.search("[0-9]", s.value))
    ),
)
def test_no_other_code_repeats_a_stated_number(name: str) -> None:
    value = stated_numbers()[name].value
    pattern = _literal(value)
    offenders = [
        str(path.relative_to(REPO)) for path in CODE if path not in PROVIDER_FACTS and pattern.search(_code_only(path))
    ]
    assert offenders == [], f"{value} is stated in agencyos_checklist/numbers.py; read {name} instead"


def test_provider_facts_modules_exist_and_cite_their_source() -> None:
    assert {p.relative_to(REPO).as_posix() for p in PROVIDER_FACT_MODULES} >= {
        "components/provider_facts.py",
        "policy/agencyos_policy/kubernetes/provider_facts.py",
    }
    for path in PROVIDER_FACT_MODULES:
        lines = path.read_text().splitlines()
        facts = [n for n, line in enumerate(lines) if re.match(r"^[A-Z][A-Z0-9_]*(: [A-Za-z]+)? = ", line)]
        assert facts, f"{path}: no facts"
        for number in facts:
            # The comment right above a fact names where the provider documents it.
            above = lines[number - 1].strip()
            assert above.startswith("# https://"), f"{path}:{number + 1}: cite the documentation of {lines[number]}"


def _code_only(path: Path) -> str:
    """The file without comments, so a comment may quote the checklist."""
    return "\n".join(line.split("#")[0] for line in path.read_text().splitlines())


def test_catalogue_is_cached_and_complete() -> None:
    assert catalogue() is catalogue() and len(catalogue()) == 273
