"""AgencyOS production checklist policies. ``ALL_POLICIES`` is what the pack enforces."""

from agencyos_policy.cloudsql import CLOUDSQL_POLICIES

ALL_POLICIES = [*CLOUDSQL_POLICIES]

__all__ = ["ALL_POLICIES"]
