"""The labels every labelled resource carries, so cost, ownership and environment are traceable."""

from collections.abc import Mapping
from typing import TypeAlias

APP_NAME = "agencyos"
MANAGED_BY = "pulumi"

Labels: TypeAlias = Mapping[str, str]
"""The one labels type every component's Args takes (GCP labels, Kubernetes labels alike)."""


def shared_labels(environment: str, extra: Labels | None = None) -> dict[str, str]:
    """Labels for every resource that takes labels: environment, app and managed-by first."""
    return {"environment": environment, "app": APP_NAME, "managed-by": MANAGED_BY, **(extra or {})}
