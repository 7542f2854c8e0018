"""Secret Manager cases: rotation at most 90 days, absent rotation fails."""

from __future__ import annotations

from typing import Any

from agencyos_policy.gcp.secretmanager import SECRET

from agencyos_infra.wire import UNKNOWN
from tests.policy.cases import DELETE, Case, mutate

ROTATION = "gcp-secretmanager-secret-rotation"
BASE: dict[str, Any] = {
    "secretId": "agencyos-prod-stripe-api-key",
    "replication": {"auto": {}},
    "rotation": {"rotationPeriod": "7776000s", "nextRotationTime": "2030-01-01T00:00:00Z"},
    "topics": [{"name": "projects/p/topics/rotation"}],
}
FAILING = [
    Case(ROTATION, SECRET, mutate(BASE, {"rotation": DELETE}), note="no rotation: never rotated"),
    Case(ROTATION, SECRET, mutate(BASE, {"rotation.rotationPeriod": "31536000s"}), note="a year"),
    Case(ROTATION, SECRET, mutate(BASE, {"rotation.rotationPeriod": UNKNOWN}), note="unknown period"),
    Case(ROTATION, SECRET, mutate(BASE, {"rotation.rotationPeriod": "90d"}), note="not a duration in seconds"),
]
PASSING = [
    Case(ROTATION, SECRET, BASE, note="90 days"),
    Case(ROTATION, SECRET, mutate(BASE, {"rotation.rotationPeriod": "2592000s"}), note="30 days"),
]
