"""Assembles the AgencyOS production checklist pack. Constructing PolicyPack serves it and blocks."""

import decode_once
from agencyos_policy import ALL_POLICIES
from pulumi_policy import EnforcementLevel, PolicyPack

decode_once.install()
PolicyPack(
    name="agencyos-production-checklist",
    policies=ALL_POLICIES,
    enforcement_level=EnforcementLevel.ADVISORY,
    description="Rejects stacks that break the AgencyOS production deployment checklist.",
    provider="gcp",
    tags=["agencyos", "production-checklist"],
)
