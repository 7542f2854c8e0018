"""RPO from the settings: the worst-case data loss of each stack's database, derived from what the program renders.

Model and its limits: components/dr.py. The RTO is measured weekly by the restore test (test_backups.py).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from agencyos_checklist.numbers import DR_RPO_HOURS

from components import dr
from tests.conftest import run_repo_stack

INSTANCE = "gcp:sql/databaseInstance:DatabaseInstance"


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_worst_case_data_loss_is_within_the_checklist_rpo(stack: str) -> None:
    run = run_repo_stack(stack)
    assert run.error is None, run.error
    [primary] = [r for r in run.of_type(INSTANCE) if "masterInstanceName" not in r.inputs.plain]
    backup = primary.inputs.plain["settings"].get("backupConfiguration", {})
    loss = dr.worst_case_data_loss(
        pitr_enabled=backup.get("pointInTimeRecoveryEnabled") is True,
        automated_backups=backup.get("enabled") is True,
    )
    assert loss is not None, f"{primary.urn}: nothing restorable"
    assert loss <= timedelta(hours=DR_RPO_HOURS.value), f"{primary.urn}: worst-case loss {loss} exceeds the RPO"


def test_without_pitr_the_daily_backup_breaks_the_rpo() -> None:
    loss = dr.worst_case_data_loss(pitr_enabled=False, automated_backups=True)
    assert loss == timedelta(hours=28) and loss > dr.RPO
    assert "exceeds the checklist's RPO" in (
        dr.recovery_point_problem(pitr_enabled=False, automated_backups=True) or ""
    )


def test_without_backups_nothing_restores() -> None:
    assert dr.worst_case_data_loss(pitr_enabled=True, automated_backups=False) is None
    assert dr.recovery_point_problem(pitr_enabled=True, automated_backups=False)


def test_pitr_meets_the_rpo() -> None:
    assert dr.recovery_point_problem(pitr_enabled=True, automated_backups=True) is None
    rto, rpo = dr.RTO, dr.RPO
    assert rto == timedelta(hours=4)
    assert rpo == timedelta(hours=1)
