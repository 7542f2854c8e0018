"""The checklist's numbers, each stated once, with the item that states it and its words.

The program's defaults and settings bounds, the policies' config defaults and the remediation
texts all read these names; a test checks each quote appears in its item and that no other code
repeats the literal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Generic, TypeVar

T = TypeVar("T", int, str)


@dataclass(frozen=True)
class Stated(Generic[T]):
    """A value the checklist states: ``value`` in the unit the code uses, ``quote`` in the checklist's words."""

    value: T
    item: str
    """Id of the checklist item that states it."""
    quote: str
    """The words of that item (text or a detail) that state it."""


# §2 PostgreSQL Configuration › Create production database instance.
DB_MIN_VCPUS: Final = Stated(2, "2.postgresql-configuration.1", "Minimum: 2 CPU cores")
DB_MIN_MEMORY_MB: Final = Stated(4096, "2.postgresql-configuration.1", "4GB RAM")
DB_MIN_DISK_GB: Final = Stated(50, "2.postgresql-configuration.1", "SSD with min 50GB")
# §2 PostgreSQL Configuration › Configure connection pooling.
DB_MAX_CONNECTIONS: Final = Stated(100, "2.postgresql-configuration.2", "Max connections: 100")
# §7 Database Backups › Automated daily backups (§2 item 1 repeats the 30 days).
DB_BACKUP_START_TIME_UTC: Final = Stated("02:00", "7.database-backups.1", "Time: 2 AM UTC")
DB_BACKUP_RETENTION_DAYS: Final = Stated(30, "7.database-backups.1", "Retention: 30 days rolling")
# §7 Database Backups › Point-in-time recovery (PITR) enabled.
DB_PITR_LOG_RETENTION_DAYS: Final = Stated(7, "7.database-backups.3", "Retention: 7 days")
# §1 Database Configuration › DATABASE_URL.
DB_URL_SSLMODE: Final = Stated("require", "1.database-configuration.1", "?sslmode=require")

# §8 Infrastructure Security › Firewall rules: the only ports open from outside the VPC.
FIREWALL_HTTPS_PORT: Final = Stated(443, "8.infrastructure-security.2.1", "Allow only necessary ports (443, 80)")
FIREWALL_HTTP_PORT: Final = Stated(80, "8.infrastructure-security.2.1", "Allow only necessary ports (443, 80)")
# [network-iam] numbers above this line
# §2 Redis Configuration › Deploy Redis instance / Configure Redis policies.
REDIS_MIN_VERSION: Final = Stated("7.0", "2.redis-configuration.1", "Version: 7.0+")
REDIS_MIN_MEMORY_GB: Final = Stated(1, "2.redis-configuration.1", "Memory: Min 1GB")
REDIS_EVICTION_POLICY: Final = Stated("allkeys-lru", "2.redis-configuration.2", "Eviction policy: allkeys-lru")
REDIS_MAXMEMORY_PERCENT: Final = Stated(80, "2.redis-configuration.2", "Max memory: 80% of available RAM")
# §7 Disaster Recovery Plan › Document recovery procedures.
DR_RPO_HOURS: Final = Stated(1, "7.disaster-recovery-plan.1", "RPO (Recovery Point Objective): 1 hour")
DR_RTO_HOURS: Final = Stated(4, "7.disaster-recovery-plan.1", "RTO (Recovery Time Objective): 4 hours")
# [cache-storage] numbers above this line


def stated_numbers() -> dict[str, Stated[int] | Stated[str]]:
    """Every stated number of this module, by name."""
    return {name: value for name, value in globals().items() if isinstance(value, Stated)}
