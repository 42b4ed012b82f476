"""Attendance partitioned by month on PostgreSQL: the table, its default partition, months made
ahead by the beat job (rows moved out of the default), the one-mark-per-revision rule, and the
plans of roll call and release reading one partition. SQLite keeps a plain table."""

import datetime

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from activities.models import Session
from safety import tasks
from safety.models import Attendance
from safety.services import attendance as attendance_services
from safety.services import partitions, release
from tests.support.attendance import DAY, at, care_session

pytestmark = pytest.mark.django_db
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="partitions exist on PostgreSQL only (SQLite: one table)"
)


def _mark(care, child, revision=1, status="present"):
    return Attendance(
        session=care.session,
        student=child,
        status=status,
        revision=revision,
        marked_by=care.lead,
        marked_at=at(16),
    )


def test_a_mark_carries_its_sessions_date_however_it_is_made(demo):
    care = care_session(demo, count=2)
    first, second = care.students
    Attendance.objects.bulk_create([_mark(care, first)])
    _mark(care, second).save()
    assert set(Attendance.objects.filter(session=care.session).values_list("date", flat=True)) == {DAY}


def test_on_sqlite_the_beat_job_has_nothing_to_make():
    if connection.vendor == "postgresql":
        pytest.skip("SQLite keeps one table")
    assert tasks.attendance_partitions_ahead() == 0
    assert partitions.partitions_existing() == []


@on_postgresql
def test_the_table_is_partitioned_by_month_of_the_date_with_a_default_partition():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.partstrat, a.attname FROM pg_partitioned_table p "
            "JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0] "
            "WHERE p.partrelid = 'safety_attendance'::regclass"
        )
        assert cursor.fetchall() == [("r", "date")]
    assert partitions.DEFAULT_PARTITION in partitions.partitions_existing()


@on_postgresql
def test_the_beat_job_makes_months_ahead_once_and_moves_rows_out_of_the_default(demo):
    care = care_session(demo, count=1)
    later = Session.objects.create(
        group=care.group,
        date=datetime.date(2031, 3, 3),
        start=care.session.start,
        end=care.session.end,
        venue=care.session.venue,
        lead=care.lead,
    )
    care.session = later
    Attendance.objects.bulk_create([_mark(care, care.students[0])])
    assert _partition_of(later.date) == partitions.DEFAULT_PARTITION
    made = partitions.attendance_partitions_ahead(months=2, today=datetime.date(2031, 3, 20))
    assert made == ["safety_attendance_y2031m03", "safety_attendance_y2031m04", "safety_attendance_y2031m05"]
    assert _partition_of(care.session.date) == "safety_attendance_y2031m03"
    assert Attendance.objects.filter(session=care.session).count() == 1
    assert partitions.attendance_partitions_ahead(months=2, today=datetime.date(2031, 3, 20)) == []


@on_postgresql
def test_one_mark_per_revision_still_holds_on_the_partitioned_table(demo):
    care = care_session(demo, count=1)
    child = care.students[0]
    Attendance.objects.bulk_create([_mark(care, child), _mark(care, child, revision=2, status="absent")])
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.bulk_create([_mark(care, child, revision=2, status="late")])
    assert list(Attendance.objects.filter(student=child).values_list("revision", flat=True)) == [1, 2]


@on_postgresql
def test_roll_call_and_release_read_one_partition(demo):
    partitions.attendance_partitions_ahead(months=1, today=DAY)
    care = care_session(demo, count=2)
    child = care.students[0]
    with time_machine.travel(at(16, 5), tick=False):
        with CaptureQueriesContext(connection) as roll_call:
            attendance_services.roll_call_save(
                session=care.session, actor=care.lead, marks={pk.pk: "present" for pk in care.students}
            )
    with time_machine.travel(at(17, 2), tick=False):
        with CaptureQueriesContext(connection) as released:
            release.release_record(
                session=care.session,
                student=child,
                actor=care.lead,
                guardian=care.guardian(child),
                verification="photo",
            )
    for captured in (roll_call, released):
        reads = [
            q["sql"]
            for q in captured.captured_queries
            if q["sql"].startswith("SELECT") and 'FROM "safety_attendance"' in q["sql"]
        ]
        assert reads
        for sql in reads:
            assert _partitions_in_plan(sql) == {f"safety_attendance_y{DAY:%Y}m{DAY:%m}"}


def _partition_of(day: datetime.date) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT tableoid::regclass::text FROM safety_attendance WHERE date = %s", [day]
        )
        return cursor.fetchone()[0]


def _partitions_in_plan(sql: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
    found = set()

    def walk(node):
        if node.get("Relation Name", "").startswith("safety_attendance"):
            found.add(node["Relation Name"])
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return found
