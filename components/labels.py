"""The labels every labelled resource carries, so cost, ownership and environment are traceable."""

from collections.abc import Mapping

APP_NAME = "agencyos"
MANAGED_BY = "pulumi"


def shared_labels(environment: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Labels for every resource that takes labels: environment, app and managed-by first."""
    return {"environment": environment, "app": APP_NAME, "managed-by": MANAGED_BY, **(extra or {})}
