"""Secret Manager policies: rotation (checklist 8.infrastructure-security.3.3, 1.supabase-configuration.3).

``gcp:secretmanager/secret:Secret`` takes ``rotation.rotationPeriod`` as a duration in seconds
("7776000s"); a secret without ``rotation`` is never rotated, which fails. Secret Manager only
notifies (Pub/Sub ``SECRET_ROTATE``) at the period; the rotation itself is the owner's job.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from agencyos_checklist.numbers import SECRET_ROTATION_DAYS
from pulumi_policy import Severity

from agencyos_policy.props import ABSENT, UNKNOWN, lookup
from agencyos_policy.registry import MANDATORY, Subject, bound, resource_policy
from agencyos_policy.rules import unknown

SECRET = "gcp:secretmanager/secret:Secret"
SECONDS_PER_DAY = 86400
_DURATION = re.compile(r"^([0-9]+(?:\.[0-9]+)?)s$", re.ASCII)


@resource_policy(
    name="gcp-secretmanager-secret-rotation",
    item=SECRET_ROTATION_DAYS.item,
    level=MANDATORY,
    severity=Severity.HIGH,
    description=f"Secret Manager secrets have a rotation schedule of at most {SECRET_ROTATION_DAYS.value} days.",
    remediation=f"Set rotation.rotationPeriod to {SECRET_ROTATION_DAYS.value * SECONDS_PER_DAY}s or less with "
    "rotation.nextRotationTime and a Pub/Sub topic in topics.",
    resource_types=(SECRET,),
    config={"maxRotationDays": bound(SECRET_ROTATION_DAYS, "Longest rotation period, in days.")},
    tags=("secrets",),
)
def rotation(subject: Subject) -> Iterator[str]:
    longest = subject.config["maxRotationDays"] * SECONDS_PER_DAY
    period = lookup(subject.props, "rotation", "rotationPeriod")
    if period is UNKNOWN:
        yield from unknown(subject, ("rotation", "rotationPeriod"))
        return
    match = _DURATION.match(str(period)) if period is not ABSENT else None
    if match is None or float(match[1]) > longest:
        days = subject.config["maxRotationDays"]
        note = "; it is not set, so the secret is never rotated" if period is ABSENT else ""
        yield f"rotation.rotationPeriod must be at most {days:g} days ({longest:g}s){note}."
