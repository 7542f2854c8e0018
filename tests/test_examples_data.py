"""End to end: independently written data tiers (Memorystore, Cloud Storage) judged by the pack.

`examples/compliant-data` is a team's own compliant data tier, with alternatives the checklist allows
(a larger, newer, stricter cache; a backups bucket kept longer than 30 days and named from another
resource's output). `examples/noncompliant-data` breaks each mandatory Memorystore and Cloud Storage
rule with its own resource; each must be reported against that resource.
"""

from __future__ import annotations

import re

from tests.conftest import mandatory_violations, report_sections
from tests.example_runs import BOTH_MODES, assert_passes, assert_rejected, preview_example

REDIS = "gcp:redis/instance:Instance"
BUCKET = "gcp:storage/bucket:Bucket"

# (policy, resource type, resource name): each violation the noncompliant program commits on purpose.
EXPECTED = [
    ("gcp-redis-instance-minimum-version", REDIS, "redis-six"),
    ("gcp-redis-instance-high-availability", REDIS, "single-node"),
    ("gcp-redis-instance-auth-enabled", REDIS, "no-auth"),
    ("gcp-redis-instance-persistence", REDIS, "no-persistence"),
    ("gcp-redis-instance-eviction-policy", REDIS, "default-eviction"),
    ("gcp-redis-instance-minimum-memory", REDIS, "tiny"),
    ("gcp-redis-instance-maxmemory", REDIS, "no-headroom"),
    ("gcp-redis-instance-deletion-protection", REDIS, "deletable"),
    ("gcp-storage-bucket-uniform-access", BUCKET, "object-acls"),
    ("gcp-storage-bucket-public-access-prevention", BUCKET, "inherits-public"),
    ("gcp-storage-bucket-backup-retention", BUCKET, "nightly-backups"),
    ("gcp-storage-bucket-no-public-members", "gcp:storage/bucketIAMMember:BucketIAMMember", "anyone-reads"),
    (
        "gcp-storage-bucket-no-public-members",
        "gcp:storage/bucketIAMBinding:BucketIAMBinding",
        "any-google-account-reads",
    ),
]
# The mandatory Memorystore and Cloud Storage policies, as the README's policy table lists them.
MANDATORY_DATA_POLICIES = {
    "gcp-redis-instance-minimum-version",
    "gcp-redis-instance-minimum-memory",
    "gcp-redis-instance-persistence",
    "gcp-redis-instance-auth-enabled",
    "gcp-redis-instance-eviction-policy",
    "gcp-redis-instance-maxmemory",
    "gcp-redis-instance-high-availability",
    "gcp-redis-instance-deletion-protection",
    "gcp-storage-bucket-uniform-access",
    "gcp-storage-bucket-public-access-prevention",
    "gcp-storage-bucket-backup-retention",
    "gcp-storage-bucket-no-public-members",
}


def test_every_mandatory_data_policy_is_exercised() -> None:
    assert {policy for policy, _, _ in EXPECTED} == MANDATORY_DATA_POLICIES


@BOTH_MODES
def test_a_compliant_data_tier_passes(mode: list[str]) -> None:
    result = preview_example("compliant-data", "dev", mode)
    assert_passes(result)
    for name in ("sessions", "queue", "uploads", "db-archive", "writer-uploads", "archive-creators"):
        assert re.search(rf"\s{re.escape(name)}(\s|$)", result.stdout, re.MULTILINE), name


@BOTH_MODES
def test_a_noncompliant_data_tier_is_rejected(mode: list[str]) -> None:
    result = preview_example("noncompliant-data", "dev", mode)
    assert_rejected(result)
    section = report_sections(result.stdout)[0]
    for policy in MANDATORY_DATA_POLICIES:
        assert f"[{policy}]" in section, policy
    found = mandatory_violations(result.stdout)
    missing = [violation for violation in EXPECTED if violation not in found]
    assert not missing, result.stdout
    # Each resource breaks only what its name says (the 0 GB cache cannot keep maxmemory within 80 % of 0).
    unexpected = found - set(EXPECTED) - {("gcp-redis-instance-maxmemory", REDIS, "tiny")}
    assert not unexpected, result.stdout
    assert "mandatory policy violation(s)" in result.stderr
