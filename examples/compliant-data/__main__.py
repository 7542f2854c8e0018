"""Someone else's compliant data tier: plain pulumi_gcp resources, dicts and *Args, its own names.

Two caches: one exactly at the checklist's floor (Redis 7.0, 1 GB, eviction at 80 %) and one that
goes beyond it (Redis 7.2, 5 GB, eviction at 60 %, read replicas, TLS, hourly RDB). An uploads bucket
and a backups bucket kept 45 days, both named from another resource's output; grants only to the
team's service account.
"""

import pulumi
import pulumi_gcp as gcp

# The VPC belongs to the network team's stack; we only reference it.
vpc_id = "projects/example-dev/global/networks/shared-core"

weekly_window: gcp.redis.InstanceMaintenancePolicyArgsDict = {
    "weekly_maintenance_windows": [{"day": "SUNDAY", "start_time": {"hours": 4, "minutes": 30}}],
}

# Exactly the checklist: 7.0, 1 GB, maxmemory at 80 %, camelCase dict keys.
sessions = gcp.redis.Instance(  # type: ignore[call-overload]  # camelCase dict keys, as the engine sees them
    "sessions",
    memory_size_gb=1,
    tier="STANDARD_HA",
    redis_version="REDIS_7_0",
    auth_enabled=True,
    transit_encryption_mode="SERVER_AUTHENTICATION",
    authorized_network=vpc_id,
    connect_mode="PRIVATE_SERVICE_ACCESS",
    persistence_config={"persistenceMode": "RDB", "rdbSnapshotPeriod": "TWELVE_HOURS"},
    redis_configs={"maxmemory-policy": "allkeys-lru", "maxmemory-gb": "0.8"},
    deletion_protection=True,
    maintenance_policy=weekly_window,
    opts=pulumi.ResourceOptions(protect=True),
)

# Beyond the checklist: newer, larger, more headroom, replicas; *Args classes.
queue = gcp.redis.Instance(
    "queue",
    gcp.redis.InstanceArgs(
        memory_size_gb=5,
        tier="STANDARD_HA",
        redis_version="REDIS_7_2",
        auth_enabled=True,
        transit_encryption_mode="SERVER_AUTHENTICATION",
        authorized_network=vpc_id,
        connect_mode="PRIVATE_SERVICE_ACCESS",
        read_replicas_mode="READ_REPLICAS_ENABLED",
        replica_count=2,
        persistence_config=gcp.redis.InstancePersistenceConfigArgs(
            persistence_mode="RDB", rdb_snapshot_period="ONE_HOUR"
        ),
        redis_configs={"maxmemory-policy": "allkeys-lru", "maxmemory-gb": "3", "notify-keyspace-events": "Ex"},
        maintenance_policy=gcp.redis.InstanceMaintenancePolicyArgs(
            weekly_maintenance_windows=[
                gcp.redis.InstanceMaintenancePolicyWeeklyMaintenanceWindowArgs(
                    day="SATURDAY",
                    start_time=gcp.redis.InstanceMaintenancePolicyWeeklyMaintenanceWindowStartTimeArgs(hours=3),
                )
            ]
        ),
        labels={"team": "data", "tier": "queue"},
    ),
    opts=pulumi.ResourceOptions(protect=True),
)

writer = gcp.serviceaccount.Account("writer", account_id="data-writer", display_name="Uploads and backups writer")
writer_member = writer.email.apply(lambda email: f"serviceAccount:{email}")

# Names computed from another resource's output (unknown at preview).
uploads = gcp.storage.Bucket(
    "uploads",
    name=writer.project.apply(lambda project: f"{project}-user-files"),
    # The name is computed, so the label tells a reviewer (and the pack) at preview what it holds.
    labels={"purpose": "uploads"},
    location="EUROPE-WEST1",
    uniform_bucket_level_access=True,
    public_access_prevention="enforced",
    versioning={"enabled": True},
    cors=[
        gcp.storage.BucketCorArgs(
            origins=["https://app.example.com"],
            methods=["GET", "PUT"],
            response_headers=["Content-Type"],
            max_age_seconds=3600,
        )
    ],
    lifecycle_rules=[
        {
            "action": {"type": "Delete"},
            "condition": {"days_since_noncurrent_time": 14, "with_state": "ARCHIVED"},
        }
    ],
)

# Its name says nothing (and is unknown at preview); its purpose label says it holds backups.
archive = gcp.storage.Bucket(
    "db-archive",
    gcp.storage.BucketArgs(
        name=uploads.name.apply(lambda name: name.replace("user-files", "pg-dumps")),
        location="EU",
        storage_class="NEARLINE",
        uniform_bucket_level_access=True,
        public_access_prevention="enforced",
        retention_policy=gcp.storage.BucketRetentionPolicyArgs(retention_period=str(45 * 86400)),
        lifecycle_rules=[
            gcp.storage.BucketLifecycleRuleArgs(
                action=gcp.storage.BucketLifecycleRuleActionArgs(type="Delete"),
                condition=gcp.storage.BucketLifecycleRuleConditionArgs(age=60),
            )
        ],
        labels={"purpose": "backups", "team": "data"},
    ),
    opts=pulumi.ResourceOptions(protect=True),
)

gcp.storage.BucketIAMMember(
    "writer-uploads",
    bucket=uploads.name,
    role="roles/storage.objectAdmin",
    member=writer_member,
)
gcp.storage.BucketIAMBinding(
    "archive-creators",
    bucket=archive.name,
    role="roles/storage.objectCreator",
    members=[writer_member, "group:dba@example.com"],
)
gcp.storage.BucketIAMMember(
    "auditor-reads-archive",
    bucket=archive.name,
    role="roles/storage.objectViewer",
    member="serviceAccount:auditor@example-dev.iam.gserviceaccount.com",
)

pulumi.export("sessions_host", sessions.host)
pulumi.export("queue_auth", pulumi.Output.secret(queue.auth_string))
pulumi.export("uploads_bucket", uploads.url)
pulumi.export("archive_bucket", archive.url)
