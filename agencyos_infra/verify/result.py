"""One check's outcome: what was checked, on what, against which checklist item, and why it passed or not."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    #: The check could not be run here (e.g. the local OpenSSL cannot offer TLS 1.0): never a silent pass.
    NOT_TESTED = "not tested"


@dataclass(frozen=True)
class Check:
    name: str
    """Short check name, e.g. ``dns-spf`` or ``http-hsts``."""
    target: str
    """What was checked: a DNS name, a host, a URL."""
    item: str
    """Id of the checklist item the check verifies (policy/agencyos_checklist/catalogue.py)."""
    status: Status
    detail: str
    """What was seen, and for a failure what is wrong."""
    blocked_by: str | None = None
    """The check whose failure kept this one from running (then it is not tested): ``--wait`` retries it."""

    @property
    def retry(self) -> bool:
        """Worth running again after a wait: it failed, or a failure kept it from running."""
        return self.status is Status.FAIL or self.blocked_by is not None


def passed(name: str, target: str, item: str, detail: str) -> Check:
    return Check(name, target, item, Status.PASS, detail)


def failed(name: str, target: str, item: str, detail: str) -> Check:
    return Check(name, target, item, Status.FAIL, detail)


def not_tested(name: str, target: str, item: str, detail: str) -> Check:
    return Check(name, target, item, Status.NOT_TESTED, detail)


def judged(name: str, target: str, item: str, problem: str | None, ok_detail: str) -> Check:
    """A pass with ``ok_detail`` when there is no problem, else a failure saying the problem."""
    return passed(name, target, item, ok_detail) if problem is None else failed(name, target, item, problem)


def blocked(name: str, target: str, item: str, by: str) -> Check:
    """Not tested because ``by`` failed: one fault is one failed check, never several."""
    return Check(name, target, item, Status.NOT_TESTED, f"{by} failed", blocked_by=by)
