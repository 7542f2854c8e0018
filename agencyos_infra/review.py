"""What a run's violations mean for the pipeline: exempted, undetermined, new or existing, blocking or not.

Every report renders the same judgement: a violation is *exempted* by an active exception, else
*undetermined* when the pack could not decide it (its check's message starts with ``Undetermined: ``,
a value unknown at preview), else *failed* (mandatory) or *advisory*. With a baseline it is also *new* or
*existing*. It blocks (exit 1) when it is mandatory, not exempted and not existing: an undetermined
mandatory result still blocks, since nothing showed it passes.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from agencyos_infra.baseline import EXISTING, NEW, Baseline, BaselineEntry
from agencyos_infra.exceptions import PolicyException, today_utc

if TYPE_CHECKING:
    from agencyos_infra.analyzer import Violation

UNDETERMINED_PREFIX = "Undetermined: "
FAILED, UNDETERMINED, ADVISORY, EXEMPTED = "failed", "undetermined", "advisory", "exempted"


def is_undetermined(message: str) -> bool:
    """The pack's mark, on the check's message: the SDK puts the policy's description on the line before it."""
    return any(line.startswith(UNDETERMINED_PREFIX) for line in message.splitlines()[:2])


@dataclass(frozen=True)
class Review:
    """The exceptions and the baseline a run's violations are judged against."""

    exceptions: tuple[PolicyException, ...] = ()
    baseline: Baseline | None = None
    today: datetime.date = field(default_factory=today_utc)
    state_file: Path | None = None
    """The ``pulumi stack export`` judged (``analyze --state``): resources without a source position point
    at their line in it."""

    def exemption(self, policy: str, urn: str) -> PolicyException | None:
        """The first active exception (in file order) covering the violation."""
        return next((e for e in self.exceptions if not e.expired(self.today) and e.covers(policy, urn)), None)

    def expired_exemption(self, policy: str, urn: str) -> PolicyException | None:
        """An expired exception that would have covered it: the report says why it blocks again."""
        return next((e for e in self.exceptions if e.expired(self.today) and e.covers(policy, urn)), None)

    def baseline_state(self, policy: str, urn: str) -> str | None:
        if self.baseline is None:
            return None
        return EXISTING if (policy, urn) in self.baseline else NEW

    def fixed(self, violations: Iterable[Violation]) -> list[BaselineEntry]:
        """Baseline findings this run no longer has, in a stable order."""
        if self.baseline is None:
            return []
        present = {(v.policy, v.urn) for v in violations}
        seen: set[tuple[str, str]] = set()
        gone = []
        for entry in sorted(self.baseline.entries, key=lambda e: (e.urn, e.policy)):
            if entry.key not in present and entry.key not in seen:
                seen.add(entry.key)
                gone.append(entry)
        return gone

    def expired(self) -> list[PolicyException]:
        return [e for e in self.exceptions if e.expired(self.today)]

    def unmatched(self, violations: Sequence[Violation]) -> list[PolicyException]:
        """Active exceptions no violation of this run matched: stale, to be removed."""
        return [
            e
            for e in self.exceptions
            if not e.expired(self.today) and not any(e.covers(v.policy, v.urn) for v in violations)
        ]

    def advisories(self, violations: Sequence[Violation]) -> list[str]:
        """One sentence per expired or unmatched exception, for every report."""
        notes = [
            f"Exception {e.id} expired on {e.expires_at} and no longer exempts anything; renew or remove it."
            for e in self.expired()
        ]
        notes += [
            f"Exception {e.id} matched no violation of this run; remove it if the finding is fixed."
            for e in self.unmatched(violations)
        ]
        return notes


@dataclass(frozen=True)
class Counts:
    """The summary every report shows; undetermined counted apart from failed."""

    failed: int = 0
    undetermined: int = 0
    advisory: int = 0
    exempted: int = 0
    existing: int = 0
    new: int = 0
    fixed: int = 0
    blocking: int = 0
