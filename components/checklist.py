"""The production deployment checklist's numbers, named once.

Settings defaults and component defaults read these; nothing else repeats the literals. Each
constant cites the checklist item (``../shared/seed/production-deployment-checklist.md``) it encodes.
"""

from typing import Final

# §2 Database Setup › PostgreSQL: "Minimum: 2 CPU cores, 4GB RAM".
DB_MIN_VCPUS: Final = 2
DB_MIN_MEMORY_MB: Final = 4096
DB_DEFAULT_TIER: Final = "db-custom-2-4096"
# §2: "Storage: SSD with min 50GB".
DB_MIN_DISK_GB: Final = 50
DB_DISK_TYPE: Final = "PD_SSD"
# §2: "Enable automated backups (daily retention: 30 days)"; §7: "Time: 2 AM UTC", "Retention: 30 days rolling".
DB_BACKUP_START_TIME_UTC: Final = "02:00"
DB_BACKUP_RETENTION_DAYS: Final = 30
# §7: "Point-in-time recovery (PITR) enabled › WAL archiving configured › Retention: 7 days".
DB_PITR_LOG_RETENTION_DAYS: Final = 7
# §2: "Configure connection pooling › Max connections: 100".
DB_MAX_CONNECTIONS: Final = 100
# §8 Security Hardening / §1 DATABASE_URL "Ensure SSL mode enabled: ?sslmode=require".
DB_SSL_MODE: Final = "ENCRYPTED_ONLY"
DB_URL_SSLMODE: Final = "require"
