"""``--baseline FILE``: an earlier report of the same stack, so only new findings fail.

A finding is identified by its policy and resource URN (what code scanning's fingerprint is made of):
present in the baseline, it is *existing* and does not change the exit code; absent, it is *new*; one
in the baseline and not in this run is *fixed*. The baseline is this tool's JSON report or its SARIF log
(results whose ``baselineState`` is ``absent`` were already gone from that run and are skipped).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

NEW, EXISTING, FIXED = "new", "existing", "fixed"
SARIF_STATE = {NEW: "new", EXISTING: "unchanged", FIXED: "absent"}
"""SARIF's ``baselineState`` for each."""


class BaselineError(ValueError):
    """A baseline file that cannot be used; the message names the file and why."""


@dataclass(frozen=True)
class BaselineEntry:
    policy: str
    urn: str
    enforcement_level: str
    message: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.policy, self.urn)


@dataclass(frozen=True)
class Baseline:
    path: Path
    project: str
    stack: str
    entries: tuple[BaselineEntry, ...]

    @cached_property
    def _keys(self) -> frozenset[tuple[str, str]]:
        return frozenset(entry.key for entry in self.entries)

    def __contains__(self, key: object) -> bool:
        return key in self._keys


def load_baseline(path: Path) -> Baseline:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise BaselineError(f"--baseline {path}: cannot be read ({' '.join(str(error).split())})") from None
    except ValueError as error:
        raise BaselineError(f"--baseline {path}: not valid JSON ({error})") from None
    if isinstance(document, dict) and isinstance(document.get("runs"), list):
        return _from_sarif(path, document)
    if isinstance(document, dict) and isinstance(document.get("violations"), list):
        return _from_json(path, document)
    raise BaselineError(
        f"--baseline {path}: neither an agencyos-infra JSON report (with `violations`) nor a SARIF log (with `runs`)"
    )


def _from_json(path: Path, document: dict[str, Any]) -> Baseline:
    entries = []
    for index, violation in enumerate(document["violations"]):
        if not isinstance(violation, dict) or not isinstance(violation.get("policy"), str):
            raise BaselineError(f"--baseline {path}: violations[{index}] has no policy")
        entries.append(
            BaselineEntry(
                violation["policy"],
                str(violation.get("urn") or ""),
                str(violation.get("enforcementLevel") or ""),
                str(violation.get("message") or ""),
            )
        )
    return Baseline(path, str(document.get("project") or ""), str(document.get("stack") or ""), tuple(entries))


def _from_sarif(path: Path, document: dict[str, Any]) -> Baseline:
    entries = []
    project = stack = ""
    for run in document["runs"]:
        category = str((run.get("automationDetails") or {}).get("id") or "")
        parts = category.strip("/").split("/")
        if len(parts) == 3:  # agencyos-infra/<project>/<stack>/
            project, stack = parts[1], parts[2]
        for index, result in enumerate(run.get("results") or []):
            if result.get("baselineState") == "absent":
                continue
            logical = [
                location.get("fullyQualifiedName", "")
                for entry in result.get("locations") or []
                for location in entry.get("logicalLocations") or []
            ]
            if not isinstance(result.get("ruleId"), str) or not logical:
                raise BaselineError(f"--baseline {path}: result {index} has no ruleId or logical location (URN)")
            properties = result.get("properties") or {}
            entries.append(
                BaselineEntry(
                    result["ruleId"],
                    logical[0],
                    str(properties.get("enforcementLevel") or ""),
                    str((result.get("message") or {}).get("text") or ""),
                )
            )
    return Baseline(path, project, stack, tuple(entries))


def check_same_stack(baseline: Baseline, project: str, stack: str) -> None:
    """A baseline of another stack would call every finding new (or fixed): refused."""
    if (baseline.project and baseline.project != project) or (baseline.stack and baseline.stack != stack):
        raise BaselineError(
            f"--baseline {baseline.path}: a report of stack {baseline.stack!r} of project {baseline.project!r}, "
            f"not of stack {stack!r} of project {project!r}; give the same stack's report"
        )
