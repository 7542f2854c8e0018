"""Checklist traceability: where each of the checklist's items stands, and why.

The records live in ``docs/checklist-coverage.yaml``, one per catalogue item, keyed by item id, each
with one or more statuses:

- ``provisioned``: the program's components (class names in ``components/``) and the resource type
  tokens they create for the item;
- ``enforced``: the pack's policies that judge it (every policy registered for the item, and any
  other policy that also judges it); levels come from the pack's registry, never from the record;
- ``verified``: test node ids (``tests/...py::test_x`` or ``::Class::test_x``);
- ``documented``: documents (``docs/runbooks/x.md`` or ``README.md``, optionally ``#anchor``);
- ``application``: what the application's code must do, and what the infrastructure provides for it;
- ``deviation``: what we do instead, and why;
- ``out-of-scope``: why it is no infrastructure or application concern of this repository.

Every status carries its reason (``why`` or its own fields). The numbers the report prints:

- **required**: every item is required unless it or a heading above it is qualified as a whole: a
  parenthesis opening with ``optional``, ``recommended`` or ``if`` (``Set up read replicas (optional
  but recommended for scale)``, ``#### Analytics (Optional)``, ``PCI DSS compliance (if handling credit
  cards directly)``), or a heading opening with ``Alternative`` (``### Alternative: Managed SSL``). A
  qualifier of a detail does not count: ``Deploy Redis instance (managed service recommended)``, ``DNS
  TTL reduced to 300s (for quick rollback if needed)`` are required. An advisory policy never counts as
  enforcing a required item.
- **enforced** (in the report): judged by a mandatory policy, or by an advisory one when the item is
  not required.
- **automatable**: items with neither an ``application`` nor an ``out-of-scope`` status; the
  headline percentage is the share of them enforced by a mandatory policy.
- **open**: items neither enforced nor documented (the list the report ends with).

Loading reads the YAML, the catalogue and the pack's registry (importing policy modules, never
starting Pulumi or the pack), so ``agencyos-infra checklist`` answers in well under a second.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

REPO = Path(__file__).resolve().parent.parent
COVERAGE_FILE = REPO / "docs" / "checklist-coverage.yaml"

STATUSES = ("provisioned", "enforced", "verified", "documented", "application", "deviation", "out-of-scope")
_NOT_REQUIRED = re.compile(r"\((optional|recommended|if)\b|(^| › )alternative\b", re.IGNORECASE)
# The shape of each reference; tests/test_checklist_coverage.py checks that each one exists.
TestId = Annotated[str, StringConstraints(pattern=r"^tests/[\w/]+\.py(::\w+)+(\[[^\]]*\])?$")]
"""``tests/x.py::test_y`` or ``tests/x.py::TestZ::test_y``, optionally with a parameter id."""
DocRef = Annotated[str, StringConstraints(pattern=r"^[\w./-]+\.md(#[a-z0-9_-]+)?$")]
"""A Markdown file of the repository, optionally ``#anchor`` (GitHub's slug of a heading)."""
TypeToken = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+:[\w./-]+:[A-Za-z0-9]+$")]
"""A resource type token, e.g. ``gcp:sql/databaseInstance:DatabaseInstance``."""
ClassName = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Za-z0-9]*$")]
PolicyName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)+$")]


class _Status(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Provisioned(_Status):
    why: str = Field(min_length=10, description="What the components create for the item.")
    components: tuple[ClassName, ...] = Field(min_length=1, description="ComponentResource class names in components/.")
    resources: tuple[TypeToken, ...] = Field(min_length=1, description="Resource type tokens those components create.")


class Enforced(_Status):
    why: str = Field(min_length=10, description="What the policies reject, in terms of the item.")
    policies: tuple[PolicyName, ...] = Field(min_length=1, description="Policy names of the pack.")


class Verified(_Status):
    why: str = Field(min_length=10, description="What the tests prove.")
    tests: tuple[TestId, ...] = Field(min_length=1, description="pytest node ids.")


class Documented(_Status):
    why: str = Field(min_length=10, description="What the documents tell a person to do.")
    docs: tuple[DocRef, ...] = Field(min_length=1, description="Repository paths, optionally with #anchor.")


class Application(_Status):
    must: str = Field(min_length=10, description="What the application's code must do.")
    provides: str = Field(min_length=10, description="What the infrastructure provides for it.")


class Deviation(_Status):
    instead: str = Field(min_length=10, description="What the platform does instead.")
    reason: str = Field(min_length=10, description="Why.")


class OutOfScope(_Status):
    reason: str = Field(min_length=10, description="Why no code or document of this repository covers it.")


class Record(_Status):
    """Every status of one checklist item."""

    provisioned: Provisioned | None = None
    enforced: Enforced | None = None
    verified: Verified | None = None
    documented: Documented | None = None
    application: Application | None = None
    deviation: Deviation | None = None
    out_of_scope: OutOfScope | None = Field(default=None, alias="out-of-scope")

    @model_validator(mode="after")
    def _has_status(self) -> Record:
        if not self.statuses:
            raise ValueError(f"no status: give at least one of {', '.join(STATUSES)}")
        return self

    @property
    def statuses(self) -> tuple[str, ...]:
        return tuple(s for s in STATUSES if getattr(self, s.replace("-", "_")) is not None)


class CoverageError(Exception):
    """The coverage file cannot be read or does not validate; the message names the item and field."""


def _yaml_problem(error: yaml.YAMLError) -> str:
    """PyYAML's several-line message as one: where, then what (its context and problem)."""
    if not isinstance(error, yaml.MarkedYAMLError):
        return f"({' '.join(str(error).split())})"
    mark = error.problem_mark or error.context_mark
    where = f"at line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
    what = "; ".join(part for part in (error.context, error.problem) if part)
    return f"{where}: {what or type(error).__name__}; fix it and rerun"


def load_records(path: Path = COVERAGE_FILE) -> dict[str, Record]:
    """The records by item id, validated; one error lists every bad field by item id and path."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CoverageError(f"{path}: cannot be read ({error.strerror or error})") from None
    except yaml.YAMLError as error:
        raise CoverageError(f"{path}: not valid YAML {_yaml_problem(error)}") from None
    if not isinstance(document, dict):
        raise CoverageError(f"{path}: expected a mapping of checklist item id to record")
    records, problems = {}, []
    for item_id, raw in document.items():
        try:
            records[str(item_id)] = Record.model_validate(raw)
        except ValidationError as error:
            for detail in error.errors():
                where = ".".join(str(part) for part in detail["loc"])
                problems.append(f"{item_id}{'.' + where if where else ''}: {detail['msg']}")
    if problems:
        raise CoverageError(f"{path}:\n  " + "\n  ".join(problems))
    return records


def is_required(item: Any) -> bool:
    """Whether the checklist requires the item (see the module docstring for the rule)."""
    return not _NOT_REQUIRED.search(item.text) and not _NOT_REQUIRED.search(item.path)


def _policy_path() -> None:
    policy = str(REPO / "policy")
    if policy not in sys.path:
        sys.path.insert(0, policy)


def catalogue() -> dict[str, Any]:
    _policy_path()
    from agencyos_checklist import catalogue as checklist_catalogue

    return checklist_catalogue()


def section_titles() -> dict[str, str]:
    """Section key (``7``, ``post-launch-maintenance``) -> its title, in checklist order."""
    return {item.section: item.path.split(" › ")[0] for item in catalogue().values()}


def registry() -> dict[str, Any]:
    """The pack's policies by name (importing its modules; nothing is started)."""
    _policy_path()
    from agencyos_policy import REGISTRY

    return dict(REGISTRY)


@cache
def component_types() -> dict[str, str]:
    """ComponentResource class name -> its type token, read from the components' sources (nothing imported).

    Each module names its token once, ``TYPE = "agencyos:<area>:<Noun>"``, and passes it to
    ``super().__init__``; a module holding several components would need one constant per class.
    """
    types = {}
    for path in sorted((REPO / "components").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        token = next(
            (
                node.value.value
                for node in tree.body
                if isinstance(node, ast.Assign)
                and [ast.unparse(t) for t in node.targets] == ["TYPE"]
                and isinstance(node.value, ast.Constant)
            ),
            None,
        )
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and any("ComponentResource" in ast.unparse(b) for b in node.bases):
                types[node.name] = str(token)
    return types


@dataclass(frozen=True)
class ItemCoverage:
    """One item as the report sees it: its record joined with the catalogue and the registry."""

    item: Any
    record: Record
    mandatory: tuple[str, ...]
    """Policies named by the record that the registry holds as mandatory."""
    advisory: tuple[str, ...]

    @property
    def required(self) -> bool:
        return is_required(self.item)

    @property
    def statuses(self) -> tuple[str, ...]:
        return self.record.statuses

    @property
    def automatable(self) -> bool:
        return self.record.application is None and self.record.out_of_scope is None

    @property
    def enforced(self) -> bool:
        return bool(self.mandatory) or (bool(self.advisory) and not self.required)

    @property
    def documented(self) -> bool:
        return self.record.documented is not None

    @property
    def open(self) -> bool:
        return not self.enforced and not self.documented


@dataclass(frozen=True)
class Coverage:
    items: tuple[ItemCoverage, ...]
    section_titles: Mapping[str, str]

    def section(self, section: str) -> Coverage:
        return Coverage(tuple(i for i in self.items if i.item.section == section), self.section_titles)


@cache
def coverage() -> Coverage:
    """Every catalogue item with its record; an item without a record is a CoverageError."""
    records, items, policies = load_records(), catalogue(), registry()
    missing = [item_id for item_id in items if item_id not in records]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise CoverageError(f"{COVERAGE_FILE}: no record for {len(missing)} checklist item(s): {shown}")
    joined = []
    for item_id, item in items.items():
        record = records[item_id]
        named = record.enforced.policies if record.enforced else ()
        levels = {name: policies[name].level.value for name in named if name in policies}
        joined.append(
            ItemCoverage(
                item,
                record,
                tuple(n for n in named if levels.get(n) == "mandatory"),
                tuple(n for n in named if levels.get(n) == "advisory"),
            )
        )
    return Coverage(tuple(joined), section_titles())


# --- the report -------------------------------------------------------------------------------


def _counts(items: Iterable[ItemCoverage]) -> dict[str, Any]:
    listed = list(items)
    automatable = [i for i in listed if i.automatable]
    enforced = [i for i in automatable if i.mandatory]
    return {
        "items": len(listed),
        "required": sum(i.required for i in listed),
        "statuses": {status: sum(status in i.statuses for i in listed) for status in STATUSES},
        "policyEnforced": sum(i.enforced for i in listed),
        "automatable": len(automatable),
        "automatableEnforcedByMandatory": len(enforced),
        "automatableEnforcedPercent": round(100 * len(enforced) / len(automatable), 1) if automatable else 0.0,
        "open": sum(i.open for i in listed),
    }


def summary(cov: Coverage) -> dict[str, Any]:
    """Counts by section and overall, and the open items (neither enforced nor documented)."""
    sections: dict[str, list[ItemCoverage]] = {}
    for entry in cov.items:
        sections.setdefault(entry.item.section, []).append(entry)
    return {
        "overall": _counts(cov.items),
        "sections": [
            {"section": key, "title": cov.section_titles[key], **_counts(entries)} for key, entries in sections.items()
        ],
        "open": [
            {"id": i.item.id, "text": i.item.text, "statuses": list(i.statuses), "required": i.required}
            for i in cov.items
            if i.open
        ],
    }


def items_json(cov: Coverage) -> list[dict[str, Any]]:
    return [
        {
            "id": i.item.id,
            "text": i.item.text,
            "required": i.required,
            "mandatoryPolicies": list(i.mandatory),
            "advisoryPolicies": list(i.advisory),
            "componentTypes": {c: component_types().get(c) for c in i.record.provisioned.components}
            if i.record.provisioned
            else {},
            "record": i.record.model_dump(by_alias=True, exclude_none=True, mode="json"),
        }
        for i in cov.items
    ]


_HEADERS = ("Section", "Items", *STATUSES, "Policy-enforced", "Automatable with a mandatory policy", "Open")


def _row(label: str, counts: Mapping[str, Any]) -> list[str]:
    return [
        label,
        str(counts["items"]),
        *(str(counts["statuses"][s]) for s in STATUSES),
        str(counts["policyEnforced"]),
        f"{counts['automatableEnforcedByMandatory']}/{counts['automatable']} "
        f"({counts['automatableEnforcedPercent']:.1f} %)",
        str(counts["open"]),
    ]


def _rows(report: Mapping[str, Any]) -> list[list[str]]:
    rows = [_row(s["title"], s) for s in report["sections"]]
    if len(report["sections"]) > 1:
        rows.append(_row("Overall", report["overall"]))
    return rows


def render_markdown(report: Mapping[str, Any]) -> str:
    lines = ["| " + " | ".join(_HEADERS) + " |", "| " + " | ".join("---" for _ in _HEADERS) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in _rows(report)]
    overall = report["overall"]
    lines += [
        "",
        f"{overall['automatableEnforcedByMandatory']} of {overall['automatable']} automatable items "
        f"({overall['automatableEnforcedPercent']:.1f} %) are enforced by a mandatory policy; "
        f"{overall['open']} of {overall['items']} items are neither enforced nor documented:",
        "",
    ]
    by_kind: dict[str, list[Mapping[str, Any]]] = {}
    for entry in report["open"]:
        by_kind.setdefault(", ".join(entry["statuses"]), []).append(entry)
    for kind, entries in sorted(by_kind.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        lines.append(f"<details><summary>{kind}: {len(entries)} items</summary>\n")
        lines += [f"- `{e['id']}` {e['text']}" for e in entries]
        lines.append("\n</details>")
    return "\n".join(lines)


def render_table(report: Mapping[str, Any]) -> str:
    rows = [list(_HEADERS), *_rows(report)]
    widths = [max(len(row[c]) for row in rows) for c in range(len(_HEADERS))]
    lines = [
        "  ".join(
            cell.ljust(w) if c == 0 else cell.rjust(w) for c, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    overall = report["overall"]
    lines += [
        "",
        f"Automatable items enforced by a mandatory policy: {overall['automatableEnforcedByMandatory']} of "
        f"{overall['automatable']} ({overall['automatableEnforcedPercent']:.1f} %)",
        f"Neither enforced nor documented: {overall['open']} of {overall['items']}",
    ]
    lines += [f"  {e['id']:<44} [{', '.join(e['statuses'])}] {e['text']}" for e in report["open"]]
    return "\n".join(lines)
