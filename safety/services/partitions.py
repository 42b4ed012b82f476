"""Attendance partitions (PostgreSQL): a month per partition, made ahead by a beat job.

The table is partitioned by the month of the session's date (migration 0009); a DEFAULT partition
catches any mark whose month was not made in time. Making a month moves the rows the default
partition holds for it into the new partition in the same transaction (a move, nothing is lost),
so a missed run only costs speed and the next one catches up. On SQLite nothing is partitioned.
"""

import datetime
import logging

from django.db import connection, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

TABLE = "safety_attendance"
DEFAULT_PARTITION = f"{TABLE}_default"
MONTHS_AHEAD = 3


def partition_name(month: datetime.date) -> str:
    return f"{TABLE}_y{month:%Y}m{month:%m}"


def _next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def partitions_existing() -> list[str]:
    """The partitions of the attendance table by name ([] when it is not partitioned)."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass ORDER BY c.relname",
            [TABLE],
        )
        return [name for (name,) in cursor.fetchall()]


def _partition_create(cursor, month: datetime.date) -> int:
    """Make one month's partition, moving its rows out of the default partition. Returns rows moved."""
    name, start, end = partition_name(month), month.isoformat(), _next_month(month).isoformat()
    cursor.execute(f"LOCK TABLE {TABLE} IN SHARE ROW EXCLUSIVE MODE")
    cursor.execute(f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    cursor.execute(
        f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION} WHERE date >= %s AND date < %s RETURNING *) "
        f"INSERT INTO {name} SELECT * FROM moved",
        [start, end],
    )
    moved = cursor.rowcount
    cursor.execute(f"ALTER TABLE {TABLE} ATTACH PARTITION {name} FOR VALUES FROM (%s) TO (%s)", [start, end])
    return moved


def attendance_partitions_ahead(
    *, months: int = MONTHS_AHEAD, today: datetime.date | None = None
) -> list[str]:
    """Make the partitions of this month and the next `months` that do not exist yet; returns the
    names made. Idempotent: a second run makes nothing."""
    if connection.vendor != "postgresql":
        return []
    month = (today or timezone.localdate()).replace(day=1)
    existing = set(partitions_existing())
    made = []
    for _ in range(months + 1):
        if partition_name(month) not in existing:
            with transaction.atomic(), connection.cursor() as cursor:
                moved = _partition_create(cursor, month)
            made.append(partition_name(month))
            logger.info("attendance partition %s made, %d rows moved from the default", made[-1], moved)
        month = _next_month(month)
    return made
