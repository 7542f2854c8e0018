"""Composes the components into the AgencyOS platform for one stack."""

from __future__ import annotations

import pulumi

from components.database import Database, DatabaseArgs
from components.labels import shared_labels
from stacks.settings import StackSettings


def build_platform(settings: StackSettings) -> dict[str, pulumi.Input[object]]:
    """Register every component of the stack; returns the stack outputs to export."""
    labels = shared_labels(settings.environment.value)
    database = Database(
        "database",
        DatabaseArgs(
            spec=settings.database,
            name_prefix=settings.name_prefix,
            region=settings.region,
            private_network=settings.private_network,
            labels=labels,
        ),
    )
    # [network-iam] components above this line
    # [cache-storage] components above this line
    return {
        "databaseInstance": database.instance_name,
        "databaseConnectionName": database.connection_name,
        "databasePrivateIp": database.private_ip,
        "databaseReplicas": database.replica_names,
        "databaseUrl": database.connection_url,
        # [network-iam] outputs above this line
        # [cache-storage] outputs above this line
    }
