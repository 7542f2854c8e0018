"""``--baseline FILE``: an earlier report of the same stack, so only new findings fail.

A finding is identified by its policy and resource URN (what code scanning's fingerprint is made of):
present in the baseline, it is *existing* and does not change the exit code; absent, it is *new*; one
in the baseline and not in this run is *fixed*. The baseline is this tool's JSON report or its SARIF log
(results whose ``baselineState`` is ``absent`` were already gone from that run and are skipped).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import jsonschema

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


_TEXT = {"type": ["string", "null"]}
_OBJECT = {"type": ["object", "null"]}
_JSON_REPORT_SCHEMA = {
    "type": "object",
    "properties": {
        "project": _TEXT,
        "stack": _TEXT,
        "violations": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["policy"],
                "properties": {"policy": {"type": "string"}, "urn": _TEXT, "enforcementLevel": _TEXT, "message": _TEXT},
            },
        },
    },
}
"""The fields of this tool's JSON report that a baseline reads."""
_SARIF_SCHEMA = {
    "type": "object",
    "properties": {
        "runs": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "automationDetails": {"type": ["object", "null"], "properties": {"id": _TEXT}},
                    "results": {
                        "type": ["array", "null"],  # null: SARIF's "results not computed"
                        "items": {
                            "type": "object",
                            "properties": {
                                "ruleId": {"type": "string"},
                                "baselineState": _TEXT,
                                "message": {"type": ["object", "null"], "properties": {"text": _TEXT}},
                                "properties": _OBJECT,
                                "locations": {
                                    "type": ["array", "null"],
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "logicalLocations": {
                                                "type": ["array", "null"],
                                                "items": {
                                                    "type": "object",
                                                    "properties": {"fullyQualifiedName": _TEXT},
                                                },
                                            }
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
            },
        }
    },
}
"""The fields of a SARIF 2.1.0 log that a baseline reads, with the types the SARIF schema gives them."""
_TYPE_NAMES = {
    "array": "a list",
    "object": "an object",
    "string": "a string",
}


def load_baseline(path: Path, document: Any) -> Baseline:
    """The baseline in ``document``, the JSON read from ``path`` (which errors name)."""
    if isinstance(document, dict) and "runs" in document:
        _check_shape(path, document, _SARIF_SCHEMA)
        return _from_sarif(path, document)
    if isinstance(document, dict) and "violations" in document:
        _check_shape(path, document, _JSON_REPORT_SCHEMA)
        return _from_json(path, document)
    raise BaselineError(
        f"--baseline {path}: neither an agencyos-infra JSON report (with `violations`) nor a SARIF log (with `runs`)"
    )


def _check_shape(path: Path, document: dict[str, Any], schema: dict[str, Any]) -> None:
    """Every field read has its type, so a wrong one is named here rather than failing where it is used."""
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(document))
    if error is None:
        return
    where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path).lstrip(".")
    problem = error.message
    if error.validator == "type":  # null is allowed where an absent field is: not worth saying
        types = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        problem = f"must be {' or '.join(_TYPE_NAMES[name] for name in types if name != 'null')}"
    raise BaselineError(f"--baseline {path}: {where or 'the document'}: {problem}")


def _from_json(path: Path, document: dict[str, Any]) -> Baseline:
    entries = []
    for violation in document["violations"]:
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
                location.get("fullyQualifiedName") or ""
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
