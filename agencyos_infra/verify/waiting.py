"""``verify --wait DURATION``: run the checks again, with backoff, until they pass or the deadline comes.

Right after ``pulumi up`` a platform is still converging: DNS not yet propagated, a cert-manager certificate
not yet issued, a load balancer not yet serving. Those failures clear in minutes, so the first round's
verdict is not the platform's. The checks run in groups (DNS, TLS, HTTP, each depending on the one before);
a round runs again every group with a failed check or a check a failure kept from running, the others keep
their result. The pause between rounds doubles from one second up to 32 seconds, never past the deadline.
Each round prints one progress line (to stderr, so a report on stdout stays clean): rewritten in place on a
terminal, one plain line per round in CI logs.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TextIO

from agencyos_infra.verify.result import Check, Status

FIRST_PAUSE_SECONDS = 1.0
MAX_PAUSE_SECONDS = 32.0
MAX_WAIT_SECONDS = 2 * 60 * 60
_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0}
_DURATION = re.compile(r"(?:(?P<h>\d+(?:\.\d+)?)h)?(?:(?P<m>\d+(?:\.\d+)?)m)?(?:(?P<s>\d+(?:\.\d+)?)s)?")


def parse_duration(text: str) -> float:
    """``90s``, ``20m``, ``1h30m`` or a bare number of seconds; ValueError saying the accepted forms."""
    stripped = text.strip().lower()
    match = _DURATION.fullmatch(stripped)
    try:
        seconds = float(stripped)
    except ValueError:
        if not stripped or match is None:
            raise ValueError(f"{text!r} is not a duration: give e.g. 90s, 20m or 1h30m") from None
        seconds = sum(float(value) * _UNITS[unit] for unit, value in match.groupdict().items() if value)
    if not 0 < seconds <= MAX_WAIT_SECONDS:
        raise ValueError(f"{text} must be more than 0 and at most {MAX_WAIT_SECONDS // 3600} hours")
    return seconds


def shown(seconds: float) -> str:
    """A duration as the flag takes it: 45s, 2m30s, 1h5m."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else "", f"{secs}s" if secs or not whole else ""]
    return "".join(parts) if whole else f"{seconds:.1f}s"


@dataclass(frozen=True)
class Group:
    """Checks that run together; ``run`` sees the latest results of the groups before it."""

    name: str
    run: Callable[[Mapping[str, Sequence[Check]]], list[Check]]


@dataclass(frozen=True)
class Outcome:
    checks: list[Check]
    rounds: int
    waited: float
    """Seconds from the first round to the last result."""


class Progress:
    """One line per round: rewritten in place on a terminal, appended in a log."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.live = stream.isatty()

    def line(self, text: str, *, final: bool = False) -> None:
        if self.live:
            self.stream.write(f"\r\x1b[K{text}" + ("\n" if final else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()


def failing_summary(checks: Sequence[Check]) -> str:
    """``3 failing (http-hsts x3), 1 blocked``: what keeps a round from passing."""
    failing = Counter(c.name for c in checks if c.status is Status.FAIL)
    blocked = sum(1 for c in checks if c.blocked_by is not None)
    names = ", ".join(f"{name} x{count}" if count > 1 else name for name, count in sorted(failing.items()))
    text = f"{sum(failing.values())} failing ({names})" if failing else "0 failing"
    return text + (f", {blocked} not tested behind them" if blocked else "")


def converge(
    groups: Sequence[Group],
    wait: float | None,
    progress: Progress,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """Run every group; with ``wait``, run the failing groups again until all pass or ``wait`` seconds pass."""
    started = clock()
    results: dict[str, list[Check]] = {}
    for group in groups:
        results[group.name] = group.run(results)
    rounds, pause = 1, FIRST_PAUSE_SECONDS
    while wait is not None:
        checks = _flat(results)
        waited = clock() - started
        if not any(c.retry for c in checks):
            progress.line(f"verify --wait: round {rounds}: none failing ({shown(waited)})", final=True)
            break
        left = wait - waited
        if left <= 0:
            progress.line(
                f"verify --wait: deadline {shown(wait)} reached after {rounds} round(s): {failing_summary(checks)}",
                final=True,
            )
            break
        pause = min(pause, left)
        progress.line(
            f"verify --wait: round {rounds}: {failing_summary(checks)}; next round in {shown(pause)}, "
            f"{shown(left)} left"
        )
        sleep(pause)
        pause = min(pause * 2, MAX_PAUSE_SECONDS)
        rounds += 1
        for group in groups:
            if any(c.retry for c in results[group.name]):
                results[group.name] = group.run(results)
    return Outcome(_flat(results), rounds, clock() - started)


def _flat(results: Mapping[str, Sequence[Check]]) -> list[Check]:
    return [check for checks in results.values() for check in checks]
