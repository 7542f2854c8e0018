"""A data tier written without the checklist: one resource per violation, so each rule fires once.

Every cache and bucket below is compliant except for the one setting its name describes; the pack
must reject the stack with every Memorystore and Cloud Storage mandatory policy.
"""

from typing import Any

import pulumi
import pulumi_gcp as gcp

vpc_id = "projects/example-dev/global/networks/shared-core"


def cache(name: str, **changes: Any) -> gcp.redis.Instance:
    """A compliant cache with ``changes`` applied; a value of None removes the setting."""
    settings: dict[str, Any] = {
        "memory_size_gb": 5,
        "tier": "STANDARD_HA",
        "redis_version": "REDIS_7_2",
        "auth_enabled": True,
        "transit_encryption_mode": "SERVER_AUTHENTICATION",
        "authorized_network": vpc_id,
        "connect_mode": "PRIVATE_SERVICE_ACCESS",
        "persistence_config": {"persistenceMode": "RDB", "rdbSnapshotPeriod": "ONE_HOUR"},
        "redis_configs": {"maxmemory-policy": "allkeys-lru", "maxmemory-gb": "4"},
    }
    settings.update(changes)
    return gcp.redis.Instance(name, **{key: value for key, value in settings.items() if value is not None})


cache("redis-six", redis_version="REDIS_6_X")
cache("single-node", tier="BASIC")
cache("no-auth", auth_enabled=None)
cache("no-persistence", persistence_config=gcp.redis.InstancePersistenceConfigArgs(persistence_mode="DISABLED"))
cache("default-eviction", redis_configs={"maxmemory-gb": "4"})
cache("tiny", memory_size_gb=0, redis_configs={"maxmemory-policy": "allkeys-lru", "maxmemory-gb": "0"})
cache("no-headroom", redis_configs={"maxmemory-policy": "allkeys-lru", "maxmemory-gb": "4.5"})
cache("deletable", deletion_protection=False)


def bucket(name: str, **changes: Any) -> gcp.storage.Bucket:
    """A compliant bucket with ``changes`` applied; a value of None removes the setting."""
    settings: dict[str, Any] = {
        "location": "EU",
        "uniform_bucket_level_access": True,
        "public_access_prevention": "enforced",
    }
    settings.update(changes)
    return gcp.storage.Bucket(name, **{key: value for key, value in settings.items() if value is not None})


bucket("object-acls", uniform_bucket_level_access=None)
bucket("inherits-public", public_access_prevention="inherited")
shared = bucket("shared-files")
bucket(
    "nightly-backups",
    retention_policy=gcp.storage.BucketRetentionPolicyArgs(retention_period=str(7 * 86400)),
    labels={"purpose": "backups"},
)

reader = gcp.serviceaccount.Account("reader", account_id="files-reader")
gcp.storage.BucketIAMMember("anyone-reads", bucket=shared.name, role="roles/storage.objectViewer", member="allUsers")
gcp.storage.BucketIAMBinding(
    "any-google-account-reads",
    bucket=shared.name,
    role="roles/storage.objectViewer",
    members=[reader.email.apply(lambda email: f"serviceAccount:{email}"), "allAuthenticatedUsers"],
)

pulumi.export("shared_bucket", shared.url)
