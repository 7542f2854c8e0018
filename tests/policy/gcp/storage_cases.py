"""Cloud Storage cases: compliant buckets and grants, one change per failing case, compliant alternatives."""

from __future__ import annotations

import json
from typing import Any

from agencyos_checklist.numbers import DB_BACKUP_RETENTION_DAYS
from agencyos_policy.gcp.storage import BUCKET, SECONDS_PER_DAY
from agencyos_policy.registry import REGISTRY

from tests.policy.cases import DELETE, Case, mutate

RETENTION_SECONDS = DB_BACKUP_RETENTION_DAYS.value * SECONDS_PER_DAY
UPLOADS: dict[str, Any] = {
    "name": "shop-uploads",
    "location": "EUROPE-WEST1",
    "uniformBucketLevelAccess": True,
    "publicAccessPrevention": "enforced",
    "versioning": {"enabled": True},
}
BACKUPS: dict[str, Any] = {
    "name": "shop-db-exports",
    "location": "EU",
    "uniformBucketLevelAccess": True,
    "publicAccessPrevention": "enforced",
    "labels": {"purpose": "backups"},
    "retentionPolicy": {"retentionPeriod": str(RETENTION_SECONDS)},
}
BUCKET_POLICIES = ["gcp-storage-bucket-uniform-access", "gcp-storage-bucket-public-access-prevention"]
RETENTION = "gcp-storage-bucket-backup-retention"
UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # the engine's sentinel: computed, unknown at preview
PUBLIC = "gcp-storage-bucket-no-public-members"
MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember"
BINDING = "gcp:storage/bucketIAMBinding:BucketIAMBinding"
POLICY = "gcp:storage/bucketIAMPolicy:BucketIAMPolicy"
ACL = "gcp:storage/bucketACL:BucketACL"
OBJECT_ACL = "gcp:storage/objectACL:ObjectACL"
DEFAULT_ACL = "gcp:storage/defaultObjectACL:DefaultObjectACL"
ACCESS_CONTROL = "gcp:storage/bucketAccessControl:BucketAccessControl"
OBJECT = "gcp:storage/bucketObject:BucketObject"
READER = "serviceAccount:reader@p.iam.gserviceaccount.com"


def _policy(*members: str) -> str:
    return json.dumps({"bindings": [{"role": "roles/storage.objectViewer", "members": list(members)}]})


# (policy, resource type, properties) that must fail.
VIOLATIONS: list[tuple[str, str, dict[str, Any]]] = [
    ("gcp-storage-bucket-uniform-access", BUCKET, mutate(UPLOADS, {"uniformBucketLevelAccess": False})),
    ("gcp-storage-bucket-uniform-access", BUCKET, mutate(UPLOADS, {"uniformBucketLevelAccess": DELETE})),
    ("gcp-storage-bucket-public-access-prevention", BUCKET, mutate(UPLOADS, {"publicAccessPrevention": "inherited"})),
    ("gcp-storage-bucket-public-access-prevention", BUCKET, mutate(UPLOADS, {"publicAccessPrevention": DELETE})),
    (RETENTION, BUCKET, mutate(BACKUPS, {"retentionPolicy": DELETE})),
    (RETENTION, BUCKET, mutate(BACKUPS, {"retentionPolicy.retentionPeriod": str(RETENTION_SECONDS - 1)})),
    # Named as backups, without the label.
    (RETENTION, BUCKET, mutate(BACKUPS, {"labels": DELETE, "name": "shop-backups", "retentionPolicy": DELETE})),
    # Labelled as backups, whatever its name.
    (RETENTION, BUCKET, mutate(BACKUPS, {"name": "shop-archive", "retentionPolicy": DELETE})),
    # A computed name and no purpose label: whether it holds backups is unknown at preview, so it cannot pass.
    (RETENTION, BUCKET, mutate(BACKUPS, {"name": UNKNOWN_STRING, "labels": DELETE, "retentionPolicy": DELETE})),
    (PUBLIC, MEMBER, {"bucket": "b", "role": "roles/storage.objectViewer", "member": "allUsers"}),
    (PUBLIC, MEMBER, {"bucket": "b", "role": "roles/storage.objectViewer", "member": "allAuthenticatedUsers"}),
    (PUBLIC, BINDING, {"bucket": "b", "role": "roles/storage.objectViewer", "members": [READER, "allUsers"]}),
    (PUBLIC, POLICY, {"bucket": "b", "policyData": _policy(READER, "allAuthenticatedUsers")}),
    (PUBLIC, POLICY, {"bucket": "b", "policyData": "not json"}),
    (PUBLIC, ACL, {"bucket": "b", "roleEntities": ["OWNER:project-owners-1", "READER:allUsers"]}),
    (PUBLIC, ACL, {"bucket": "b", "predefinedAcl": "publicRead"}),
    (PUBLIC, DEFAULT_ACL, {"bucket": "b", "roleEntities": ["READER:allAuthenticatedUsers"]}),
    (PUBLIC, OBJECT_ACL, {"bucket": "b", "object": "o", "predefinedAcl": "authenticatedRead"}),
    (PUBLIC, ACCESS_CONTROL, {"bucket": "b", "role": "READER", "entity": "allUsers"}),
    (PUBLIC, OBJECT, {"bucket": "b", "name": "o", "predefinedAcl": "publicRead"}),
]

PASSES: list[tuple[str, str, dict[str, Any]]] = [
    *[(policy, BUCKET, UPLOADS) for policy in [*BUCKET_POLICIES, RETENTION]],
    *[(policy, BUCKET, BACKUPS) for policy in [*BUCKET_POLICIES, RETENTION]],
    # A longer retention complies; so does a locked one.
    (RETENTION, BUCKET, mutate(BACKUPS, {"retentionPolicy": {"retentionPeriod": str(RETENTION_SECONDS * 3)}})),
    (RETENTION, BUCKET, mutate(BACKUPS, {"retentionPolicy.isLocked": True})),
    (RETENTION, BUCKET, mutate(BACKUPS, {"retentionPolicy.retentionPeriod": float(RETENTION_SECONDS)})),
    # Not a backups bucket: no retention needed, even when its name is computed, once its label says so.
    (RETENTION, BUCKET, mutate(UPLOADS, {"labels": {"purpose": "uploads"}})),
    (RETENTION, BUCKET, mutate(UPLOADS, {"name": UNKNOWN_STRING, "labels": {"purpose": "uploads"}})),
    # A computed name with the backups' retention passes whatever it holds.
    (RETENTION, BUCKET, mutate(BACKUPS, {"name": UNKNOWN_STRING, "labels": DELETE})),
    (PUBLIC, MEMBER, {"bucket": "b", "role": "roles/storage.objectViewer", "member": READER}),
    (PUBLIC, BINDING, {"bucket": "b", "role": "roles/storage.objectViewer", "members": [READER]}),
    (PUBLIC, POLICY, {"bucket": "b", "policyData": _policy(READER)}),
    (PUBLIC, ACL, {"bucket": "b", "roleEntities": ["OWNER:project-owners-1"], "predefinedAcl": "private"}),
    (PUBLIC, ACCESS_CONTROL, {"bucket": "b", "role": "READER", "entity": "group-readers@example.com"}),
    (PUBLIC, OBJECT, {"bucket": "b", "name": "o", "predefinedAcl": "projectPrivate"}),
    (PUBLIC, OBJECT, {"bucket": "b", "name": "o"}),
]

FAILING = [Case(policy, kind, props, note=f"{kind}:{props}") for policy, kind, props in VIOLATIONS]
PASSING = [Case(policy, kind, props, note=f"{kind}:{props}") for policy, kind, props in PASSES]
assert (
    {c.policy for c in FAILING} == {c.policy for c in PASSING} == {n for n in REGISTRY if n.startswith("gcp-storage-")}
)
