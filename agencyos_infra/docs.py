"""Generates the README's config table and policy catalogue, so they cannot drift from the code.

``python -m agencyos_infra.docs`` rewrites the marked sections of README.md; a test fails when the
README differs from what this would write.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"


def config_table() -> str:
    from stacks.settings import NAMESPACE, SECTIONS, StackSettings

    declared = yaml.safe_load((REPO / "Pulumi.yaml").read_text())["config"]
    fields: list[tuple[str, Any]] = [(f.alias or name, f) for name, f in StackSettings.model_fields.items()]
    for _prefix, model in SECTIONS.values():
        fields += [(f"{NAMESPACE}:{f.alias}", f) for f in model.model_fields.values()]
    rows = ["| Key | Type | Default | Description |", "| --- | --- | --- | --- |"]
    for key, field in fields:
        if ":" not in key:
            continue  # a section, listed by its own keys
        short = key.split(":", 1)[1]
        kind = declared.get(short, {}).get("type", "string") if key.startswith(NAMESPACE) else "string"
        default = "required" if field.is_required() else f"`{_plain(field.default)}`"
        description = declared.get(short, {}).get("description") or field.description or ""
        rows.append(f"| `{key}` | {kind} | {default} | {description} |")
    return "\n".join(rows)


def policy_table() -> str:
    sys.path.insert(0, str(REPO / "policy"))
    from agencyos_policy import ALL_POLICIES

    rows = ["| Policy | Level | Severity | Checklist item |", "| --- | --- | --- | --- |"]
    for policy in ALL_POLICIES:
        assert policy.framework is not None and policy.enforcement_level is not None and policy.severity is not None
        item = f"{policy.framework.reference}: {policy.framework.specification}"
        rows.append(f"| `{policy.name}` | {policy.enforcement_level.value} | {policy.severity.value} | {item} |")
    return "\n".join(rows)


def _plain(value: Any) -> Any:
    """A default as it is written in a stack file."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return getattr(value, "value", value)


SECTIONS = {"config-table": config_table, "policy-table": policy_table}


def render(readme: str) -> str:
    for marker, generate in SECTIONS.items():
        pattern = re.compile(rf"(<!-- {marker}:start -->\n).*?(<!-- {marker}:end -->)", re.DOTALL)
        match = pattern.search(readme)
        if match is None:
            raise SystemExit(f"README.md has no <!-- {marker}:start/end --> markers")
        readme = readme[: match.end(1)] + generate() + "\n" + readme[match.start(2) :]
    return readme


if __name__ == "__main__":
    README.write_text(render(README.read_text()))
