"""Policy exceptions (waivers): listed policies' violations on listed resources, accepted with a reason.

They live in the policy config file under ``exceptions``, in the shape of Pulumi's exception objects::

    {"exceptions": {"EXC-1": {
        "reason": "legacy instance, replaced in Q1", "expiresAt": "2027-03-31",
        "match": [{"policies": ["gcp-cloudsql-instance-automated-backups"],
                   "targets": ["urn:pulumi:prod::proj::gcp:sql/databaseInstance:DatabaseInstance::db"]}]}}}

The Pulumi CLI (pkg/resource/analyzer/config.go) has no local form of exceptions of its own: it reads
``exceptions`` as the config of a policy the pack lacks and passes it on, so the same file still works with
``pulumi preview --policy-pack-config`` (where nothing is exempted). Here the key is taken out before the
pack is configured, since the pack validates its config per policy.

An exception exempts a violation whose policy and resource URN it lists, until the end of its ``expiresAt``
day (UTC). An expired one exempts nothing and is reported; one that matched nothing is reported so stale
entries get removed.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

EXCEPTIONS_KEY = "exceptions"
_URN = re.compile(r"^urn:pulumi:(?P<stack>[^:]+)::(?P<project>[^:]+)::(?P<type>[^:]+(?::[^:]+)+)::(?P<name>.+)$")
_TYPE_SEGMENT = re.compile(r"^[^:$]+:[^:$]*:[^:$]+$")


class ExceptionsError(ValueError):
    """A malformed exception; the message names the entry and what to fix."""


@dataclass(frozen=True)
class ExceptionMatch:
    policies: frozenset[str]
    targets: frozenset[str]


@dataclass(frozen=True)
class PolicyException:
    id: str
    reason: str
    expires_at: datetime.date | None
    matches: tuple[ExceptionMatch, ...]

    def covers(self, policy: str, urn: str) -> bool:
        return any(policy in match.policies and urn in match.targets for match in self.matches)

    def expired(self, today: datetime.date) -> bool:
        return self.expires_at is not None and today > self.expires_at

    @property
    def policies(self) -> frozenset[str]:
        return frozenset().union(*(match.policies for match in self.matches))


def split_exceptions(policy_config: Any) -> tuple[Any, Any]:
    """(the policy config without ``exceptions``, the exceptions document or None)."""
    if not isinstance(policy_config, Mapping) or EXCEPTIONS_KEY not in policy_config:
        return policy_config, None
    rest = {key: value for key, value in policy_config.items() if key != EXCEPTIONS_KEY}
    return rest, policy_config[EXCEPTIONS_KEY]


def is_urn(text: str) -> bool:
    """``urn:pulumi:<stack>::<project>::<type>[$<type>...]::<name>``, each type ``<package>:<module>:<Name>``."""
    match = _URN.match(text)
    return match is not None and all(_TYPE_SEGMENT.match(segment) for segment in match["type"].split("$"))


def parse_exceptions(document: Any, source: str) -> list[PolicyException]:
    """The exceptions of a policy config file (``source`` names it in errors); every problem listed at once."""
    if document is None:
        return []
    if not isinstance(document, Mapping):
        raise ExceptionsError(f"{source}: `{EXCEPTIONS_KEY}` must be an object keyed by exception id")
    problems: list[str] = []
    parsed = []
    for exception_id, entry in document.items():
        where = f"{EXCEPTIONS_KEY}.{exception_id}"
        if not isinstance(entry, Mapping):
            problems.append(f"{where}: must be an object with reason, match and optionally expiresAt")
            continue
        unknown = sorted(set(entry) - {"reason", "expiresAt", "match"})
        if unknown:
            problems.append(f"{where}: unknown field(s) {', '.join(unknown)} (reason, expiresAt, match)")
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            problems.append(f"{where}.reason: missing or blank; say why the violation is accepted")
        expires = _date(entry.get("expiresAt"), f"{where}.expiresAt", problems)
        matches = _matches(entry.get("match"), f"{where}.match", problems)
        if isinstance(reason, str) and reason.strip() and matches is not None:
            parsed.append(PolicyException(str(exception_id), reason.strip(), expires, matches))
    if problems:
        raise ExceptionsError(f"{source}: invalid exceptions:\n  - " + "\n  - ".join(problems))
    return parsed


def _date(value: Any, where: str, problems: list[str]) -> datetime.date | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    problems.append(f"{where}: must be a date YYYY-MM-DD")
    return None


def _matches(value: Any, where: str, problems: list[str]) -> tuple[ExceptionMatch, ...] | None:
    if not isinstance(value, list) or not value:
        problems.append(f"{where}: must be a non-empty list of {{policies: [...], targets: [URN, ...]}}")
        return None
    found = []
    count = len(problems)
    for index, item in enumerate(value):
        if not isinstance(item, Mapping):
            problems.append(f"{where}[{index}]: must be an object with policies and targets")
            continue
        policies = _names(item.get("policies"), f"{where}[{index}].policies", problems)
        targets = _names(item.get("targets"), f"{where}[{index}].targets", problems)
        for target in sorted(targets):
            if not is_urn(target):
                problems.append(
                    f"{where}[{index}].targets: {target!r} is not a resource URN "
                    "(urn:pulumi:<stack>::<project>::<type>::<name>)"
                )
        found.append(ExceptionMatch(policies, targets))
    return tuple(found) if len(problems) == count else None


def _names(value: Any, where: str, problems: list[str]) -> frozenset[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(f"{where}: must be a non-empty list of strings")
        return frozenset()
    return frozenset(value)


def check_policy_names(exceptions: Iterable[PolicyException], known: Iterable[str], source: str) -> None:
    """Names the pack lacks (a typo would exempt nothing, silently): known once the pack has described itself."""
    known = set(known)
    problems = [
        f"{EXCEPTIONS_KEY}.{exception.id}: policy {name!r} is not in the policy pack"
        for exception in exceptions
        for name in sorted(exception.policies - known)
    ]
    if problems:
        raise ExceptionsError(f"{source}: invalid exceptions:\n  - " + "\n  - ".join(problems))


def today_utc() -> datetime.date:
    return datetime.datetime.now(datetime.UTC).date()
