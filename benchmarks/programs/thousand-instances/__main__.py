"""BENCH_INSTANCES (default 1,000) Cloud SQL PostgreSQL instances, each compliant with the policy pack.

Plain pulumi_gcp with dict inputs and the default provider: no components from this repository, so
the benchmark measures the engine and the pack, not our code. Every instance satisfies every
``gcp-cloudsql-instance-*`` policy, advisory ones included: private IP only, ENCRYPTED_ONLY SSL,
db-custom-2-4096, 50 GB SSD with autoresize, REGIONAL, backups at 02:00 keeping 30, PITR with 7 days
of logs, max_connections 100, deletion protection, a maintenance window, Query Insights, protect=True.
"""

import os

import pulumi
import pulumi_gcp as gcp

count = int(os.environ.get("BENCH_INSTANCES", "1000"))
project = pulumi.Config("gcp").require("project")
network = f"projects/{project}/global/networks/bench-vpc"

for index in range(count):
    gcp.sql.DatabaseInstance(
        f"bench-{index:04d}",
        database_version="POSTGRES_16",
        deletion_protection=True,
        settings={
            "tier": "db-custom-2-4096",
            "edition": "ENTERPRISE",
            "diskType": "PD_SSD",
            "diskSize": 50,
            "diskAutoresize": True,
            "availabilityType": "REGIONAL",
            "deletionProtectionEnabled": True,
            "ipConfiguration": {"ipv4Enabled": False, "privateNetwork": network, "sslMode": "ENCRYPTED_ONLY"},
            "backupConfiguration": {
                "enabled": True,
                "startTime": "02:00",
                "pointInTimeRecoveryEnabled": True,
                "transactionLogRetentionDays": 7,
                "backupRetentionSettings": {"retainedBackups": 30, "retentionUnit": "COUNT"},
            },
            "databaseFlags": [{"name": "max_connections", "value": "100"}],
            "maintenanceWindow": {"day": 7, "hour": 4},
            "insightsConfig": {"queryInsightsEnabled": True},
        },
        opts=pulumi.ResourceOptions(protect=True),
    )
