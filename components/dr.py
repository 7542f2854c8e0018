"""Recovery objectives derived from the settings (checklist 7.disaster-recovery-plan.1: RPO 1 hour, RTO 4 hours).

The data-loss model for the Cloud SQL primary, worst case, when the instance or its data is lost
within its region (instance failure, zone loss, corruption, a bad migration or deletion):

- PITR on: the database is restored to any moment whose write-ahead log reached Cloud SQL's log
  archive. Cloud SQL archives WAL continuously (to Cloud Storage for instances created since 2023)
  and documents no archive interval; we bound the loss by PostgreSQL's ``archive_timeout``-style
  shipping interval we assume, ``PITR_LOG_SHIPPING``. A REGIONAL instance also replicates every
  commit synchronously to its standby, so a zone loss itself loses nothing.
- PITR off: only the automated daily backup remains. It starts inside a 4-hour window after the
  configured start time, so the newest restorable state can be up to a day plus that window old.

Out of this model (and of the checklist's RPO) is the loss of the whole region: PITR logs live in
the instance's region, so a regional disaster falls back to the daily cross-region export in the
backups bucket (loss up to a day). That is recorded in the README's "Deviations".

RTO is not derivable offline: the weekly verification restores the newest backup into a scratch
instance, measures the restore, and fails (raising the backup alert) when it exceeds the budget,
which settings cannot set above the checklist's RTO.
"""

from __future__ import annotations

from datetime import timedelta

from agencyos_checklist.numbers import DR_RPO_HOURS, DR_RTO_HOURS

RPO = timedelta(hours=DR_RPO_HOURS.value)
RTO = timedelta(hours=DR_RTO_HOURS.value)
PITR_LOG_SHIPPING = timedelta(minutes=5)
"""Assumed worst-case delay before a committed WAL record is archived (Cloud SQL documents none)."""
AUTOMATED_BACKUP_INTERVAL = timedelta(days=1)
AUTOMATED_BACKUP_WINDOW = timedelta(hours=4)
"""Cloud SQL starts an automated backup within four hours of the configured start time."""


def worst_case_data_loss(*, pitr_enabled: bool, automated_backups: bool) -> timedelta | None:
    """The longest stretch of committed writes a restore within the region can lose; None when nothing restores."""
    if not automated_backups:
        return None  # PITR needs automated backups: without them nothing can be restored
    if pitr_enabled:
        return PITR_LOG_SHIPPING
    return AUTOMATED_BACKUP_INTERVAL + AUTOMATED_BACKUP_WINDOW


def recovery_point_problem(*, pitr_enabled: bool, automated_backups: bool) -> str | None:
    """Why these backup settings cannot meet the checklist's RPO, or None when they do."""
    loss = worst_case_data_loss(pitr_enabled=pitr_enabled, automated_backups=automated_backups)
    if loss is None:
        return f"without automated backups nothing can be restored (checklist RPO {DR_RPO_HOURS.quote})"
    if loss > RPO:
        return (
            f"worst-case data loss of {loss} exceeds the checklist's RPO of {RPO} "
            f"({DR_RPO_HOURS.item}); enable point-in-time recovery"
        )
    return None
