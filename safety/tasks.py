"""Celery tasks of the safety app. Each area keeps a marked section; tasks load by id and call a
service (docs/design.md, "Celery")."""

from celery import shared_task

from safety.services import attendance, inspections, partitions, plans, release

# --- attendance, absence and release alerts -------------------------------------------------------


@shared_task
def alert_absent(session_id: int, student_ids: list[int]) -> int:
    """Right after a roll call marks expected children absent: tell guardians and class teachers."""
    return attendance.absence_alerts_send(session_id=session_id, student_ids=student_ids)


@shared_task
def sweep_absent() -> int:
    """Beat: expected children not marked present in time (and absences whose task was missed)."""
    return attendance.absence_sweep()


@shared_task
def sweep_unreleased() -> int:
    """Beat: children still in care after the end plus the grace period, each reminder interval."""
    return release.unreleased_sweep()


# --- gate register, inspections, plans, duty roster, incidents ------------------------------------


@shared_task
def remind_findings_overdue() -> int:
    """Beat: school admins hear of inspection findings past their deadline (once a week each)."""
    return inspections.reminders_findings_overdue()


@shared_task
def remind_plans_review_due() -> int:
    """Beat: school admins hear of emergency plans not reviewed for a year (once per review cycle)."""
    return plans.reminders_plans_review_due()


# --- attendance partitions (PostgreSQL) --------------------------------------------------------


@shared_task
def attendance_partitions_ahead() -> int:
    """Beat: this month's and the next months' attendance partitions exist (none on SQLite)."""
    return len(partitions.attendance_partitions_ahead())
