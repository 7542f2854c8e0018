"""Generates the README's config table, policy catalogue and checklist coverage from the code.

``python -m agencyos_infra.docs`` rewrites the marked sections of README.md; a test fails when the
README differs from what this would write.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Any, TypeGuard

from pydantic import BaseModel
from pydantic.fields import FieldInfo

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
UNDETERMINED_KEY = "undeterminedAtPreview"
POLICY_CONFIG_EXAMPLE = REPO / "policy" / "policy-config.example.json"
"""The file a team adopting the pack edits (shown in the README's Policies section)."""


def config_rows() -> Iterator[tuple[str, FieldInfo]]:
    """(full config path, field) of every top-level key and every field of a component object."""
    from stacks.settings import StackSettings, config_key

    for name, field in StackSettings.model_fields.items():
        key = field.alias or config_key(name)
        yield key, field
        if _is_model(field.annotation):
            for sub_name, sub_field in field.annotation.model_fields.items():
                yield f"{key}.{sub_field.alias or sub_name}", sub_field


def config_table() -> str:
    rows = ["| Key | Type | Default | Description |", "| --- | --- | --- | --- |"]
    for key, field in config_rows():
        if field.is_required():
            default = "required"
        elif _is_model(field.annotation):
            default = "`{}`"
        else:
            default = f"`{_plain(field.get_default(call_default_factory=True))}`"
        rows.append(f"| `{key}` | {_kind(field.annotation)} | {default} | {field.description or ''} |")
    return "\n".join(rows)


def _registry() -> dict[str, Any]:
    sys.path.insert(0, str(REPO / "policy"))
    from agencyos_policy import REGISTRY

    return REGISTRY


def policy_table() -> str:
    rows = ["| Policy | Level | Severity | Checklist item |", "| --- | --- | --- | --- |"]
    for spec in _registry().values():
        rows.append(
            f"| `{spec.name}` | {spec.level.value} | {spec.severity.value} | `{spec.item.id}` {spec.item.text} |"
        )
    return "\n".join(rows)


def _shown(value: Any) -> str:
    import json

    return json.dumps(value) if isinstance(value, (list, dict)) else str(value)


def policy_config_table() -> str:
    """Every key of every policy's config schema: its default and the checklist item (and words) it comes from.

    A value no checklist item states (the HSTS max-age, the moving image tags) is AgencyOS's own choice, said so.
    ``undeterminedAtPreview``, which every mandatory policy takes, is described once in the README instead.
    """
    from agencyos_checklist import catalogue

    items = catalogue()
    rows = ["| Policy | Key | Default | From the checklist | Description |", "| --- | --- | --- | --- | --- |"]
    for spec in _registry().values():
        for key, param in spec.config.items():
            if key == UNDETERMINED_KEY:
                continue  # every mandatory policy takes it: the README says so once
            if param.stated is not None:
                source = f'`{param.stated.item}` "{param.stated.quote}"'
            elif param.source is not None:
                source = f"`{param.source}` {items[param.source].text}"
            else:
                source = "(AgencyOS's choice: the checklist states no value)"
            default = _shown(param.schema.get("default", "")).replace("|", "\\|")
            description = str(param.schema.get("description", "")).replace("|", "\\|")
            rows.append(f"| `{spec.name}` | `{key}` | `{default}` | {source} | {description} |")
    return "\n".join(rows)


def policy_config_example() -> str:
    """The example policy config file, fenced, as the README shows it."""
    return f"```json\n{POLICY_CONFIG_EXAMPLE.read_text(encoding='utf-8').strip()}\n```"


def uncovered_items() -> str:
    """The checklist items no policy cites, grouped by section, each section collapsible."""
    from agencyos_checklist import catalogue

    covered = {spec.item.id for spec in _registry().values()}
    sections: dict[str, list[Any]] = {}
    for item in catalogue().values():
        sections.setdefault(item.path.split(" › ")[0], []).append(item)
    lines = []
    for title, items in sections.items():
        missing = [item for item in items if item.id not in covered]
        if not missing:
            continue
        lines.append(f"<details><summary>{title}: {len(missing)} of {len(items)} items not covered</summary>\n")
        lines += [f"- `{item.id}` {item.text}" for item in missing]
        lines.append("\n</details>")
    return "\n".join(lines)


def _is_model(annotation: Any) -> TypeGuard[type[BaseModel]]:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _kind(annotation: Any) -> str:
    if _is_model(annotation):
        return "object"
    if annotation is bool:
        return "boolean"
    if annotation is int:
        return "integer"
    return "string"


def _plain(value: Any) -> Any:
    """A default as it is written in a stack file."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value.value if isinstance(value, Enum) else value


SECTIONS = {
    "config-table": config_table,
    "policy-table": policy_table,
    "policy-config-table": policy_config_table,
    "policy-config-example": policy_config_example,
    "uncovered-items": uncovered_items,
}


def render(readme: str) -> str:
    for marker, generate in SECTIONS.items():
        pattern = re.compile(rf"(<!-- {marker}:start -->\n).*?(<!-- {marker}:end -->)", re.DOTALL)
        match = pattern.search(readme)
        if match is None:
            raise SystemExit(f"README.md has no <!-- {marker}:start/end --> markers")
        readme = readme[: match.end(1)] + generate() + "\n" + readme[match.start(2) :]
    return readme


PREVIEW_EXAMPLE = ("--program", "examples/noncompliant", "--format", "markdown")
"""The README's pull-request comment example: these arguments of `agencyos-infra preview`, as run."""


def preview_markdown_example() -> str:
    """The markdown report of the non-compliant example, by the CLI itself, fenced (it exits 1: violations)."""
    import subprocess

    result = subprocess.run(
        [sys.executable, "-m", "agencyos_infra.cli", "preview", *PREVIEW_EXAMPLE],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 1 or not result.stdout.startswith("### "):
        raise SystemExit(f"agencyos-infra preview {' '.join(PREVIEW_EXAMPLE)} failed:\n{result.stderr}")
    return f"```markdown\n{result.stdout}```"


SECTIONS["preview-markdown-example"] = preview_markdown_example


def checklist_coverage() -> str:
    """The coverage summary, exactly as ``agencyos-infra checklist --format markdown`` prints it."""
    from agencyos_infra.coverage import coverage, render_markdown, summary

    return render_markdown(summary(coverage()))


SECTIONS["checklist-coverage"] = checklist_coverage


def deviations() -> str:
    """Every ``deviation`` record of docs/checklist-coverage.yaml: the item, what the platform does instead, why.

    The words of the item not met as written are quoted when policy/agencyos_checklist/deviations.py names them.
    """
    from agencyos_infra.coverage import catalogue, load_records

    items = catalogue()  # puts policy/ on the path for the checklist package
    from agencyos_checklist.deviations import DEVIATIONS

    quotes = {deviation.item: deviation.quote for deviation in DEVIATIONS}
    lines = []
    for item_id, record in load_records().items():
        if record.deviation is None:
            continue
        quote = f' ("{quotes[item_id]}")' if item_id in quotes else ""
        lines.append(
            f"- `{item_id}` {items[item_id].text}{quote}: {record.deviation.instead} Why: {record.deviation.reason}"
        )
    return "\n".join(lines)


SECTIONS["deviations"] = deviations

if __name__ == "__main__":
    README.write_text(render(README.read_text()))
