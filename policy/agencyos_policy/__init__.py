"""AgencyOS production checklist policies. ``ALL_POLICIES`` is what the pack enforces.

Importing a provider's modules registers their policies (``registry.REGISTRY``); a new module is
listed in ``POLICY_MODULES``.
"""

from agencyos_policy.gcp import cloudsql
from agencyos_policy.registry import REGISTRY, build_policies

POLICY_MODULES = (cloudsql,)
ALL_POLICIES = build_policies()

__all__ = ["ALL_POLICIES", "POLICY_MODULES", "REGISTRY"]
