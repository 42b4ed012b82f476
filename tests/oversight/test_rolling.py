"""F8 pre-aggregation: rolling a day is idempotent, follows changes to the raw records, runs a fixed
number of queries, and is reachable from the beat task and the backfill command."""

import datetime
import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from activities.models import Session
from oversight import tasks
from oversight.models import DailySchoolSummary
from oversight.summaries import services
from safety.models import Attendance, Incident
from schools.models import Student

pytestmark = pytest.mark.django_db


def _snapshot(day):
    return {
        row.school_id: {k: v for k, v in model_to_dict(row).items() if k not in ("id",)}
        for row in DailySchoolSummary.objects.filter(date=day)
    }


def _held_day(demo):
    session = (
        Session.objects.filter(
            group__activity__school=demo.school("s1"), has_records=True, attendance__isnull=False
        )
        .order_by("-date")
        .first()
    )
    return session


def test_it_changes_nothing_when_a_day_is_rolled_twice(demo):
    day = _held_day(demo).date
    services.summaries_roll(day=day)
    first = _snapshot(day)
    assert first[demo.school("s1").pk]["marks_expected"] > 0
    services.summaries_roll(day=day)
    assert _snapshot(day) == first
    assert DailySchoolSummary.objects.filter(date=day).count() == len(first)


def test_it_follows_a_change_to_the_raw_records(demo):
    session = _held_day(demo)
    day, s1 = session.date, demo.school("s1")
    services.summaries_roll(day=day)
    before = DailySchoolSummary.objects.get(school=s1, date=day)
    # A correction (next revision) from present to absent, and an incident that day.
    mark = Attendance.objects.filter(session=session, status="present").order_by("-revision").first()
    Attendance.objects.create(
        session=session,
        student=mark.student,
        status="absent",
        revision=mark.revision + 1,
        marked_by=demo.user("s1_staff"),
        marked_at=timezone.now(),
    )
    Incident.objects.create(
        school=s1,
        occurred_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(17))),
        place="操场",
        kind="injury",
        severity="minor",
        description="擦伤",
        actions_taken="处理",
        reported_by=demo.user("s1_staff"),
    )
    services.summaries_roll(day=day)
    after = DailySchoolSummary.objects.get(school=s1, date=day)
    assert after.marks_present == before.marks_present - 1
    assert after.marks_expected == before.marks_expected
    assert after.incidents == before.incidents + 1


def test_it_rolls_with_a_fixed_number_of_queries(demo):
    session = _held_day(demo)
    with CaptureQueriesContext(connection) as few:
        services.summaries_roll(day=session.date)
    students = list(Student.objects.filter(school=demo.school("s1"))[:100])
    marked = set(Attendance.objects.filter(session=session).values_list("student_id", flat=True))
    Attendance.objects.bulk_create(
        Attendance(
            session=session,
            student=s,
            status="present",
            marked_by=demo.user("s1_staff"),
            marked_at=timezone.now(),
        )
        for s in students
        if s.pk not in marked
    )
    with CaptureQueriesContext(connection) as many:
        services.summaries_roll(day=session.date)
    assert len(many) == len(few)


def test_it_rolls_yesterday_and_today_from_the_beat_task(demo):
    today = timezone.localdate()
    DailySchoolSummary.objects.filter(date__gte=today - datetime.timedelta(days=1)).delete()
    tasks.summaries_roll_recent()
    schools = demo.school("s1").__class__.objects.count()
    assert DailySchoolSummary.objects.filter(date=today).count() == schools
    assert DailySchoolSummary.objects.filter(date=today - datetime.timedelta(days=1)).count() == schools
    entry = settings.CELERY_BEAT_SCHEDULE["oversight-summaries-roll"]
    assert entry["task"] == "oversight.tasks.summaries_roll_recent"


def test_it_backfills_a_range_from_the_command(demo):
    DailySchoolSummary.objects.filter(date__range=("2026-10-01", "2026-10-03")).delete()
    out = io.StringIO()
    call_command("roll_summaries", "--from", "2026-10-01", "--to", "2026-10-03", stdout=out)
    assert "3 day(s)" in out.getvalue()
    assert (
        DailySchoolSummary.objects.filter(date__range=("2026-10-01", "2026-10-03"))
        .values("date")
        .distinct()
        .count()
        == 3
    )


def test_it_is_imported_by_no_other_app():
    """docs/design.md, "Code rules": oversight is the top floor (tests/foundation/test_floors.py)."""
    from pathlib import Path

    root = Path(settings.BASE_DIR)
    for app in ("schools", "audit", "notices", "activities", "enrollment", "safety", "subsidies"):
        for source in (root / app).rglob("*.py"):
            text = source.read_text(encoding="utf-8")
            assert "from oversight" not in text and "import oversight" not in text, source


def test_a_range_roll_gives_the_rows_of_rolling_each_day_alone(demo):
    """The backfill's one-pass GROUP BY over the range equals day-by-day rolls, with a finding
    signed off inside the range, an incident and marks on several days."""
    last = _held_day(demo).date
    first = last - datetime.timedelta(days=13)
    days = [first + datetime.timedelta(days=i) for i in range(14)]
    services.summaries_roll_range(first=first, last=last)
    together = {day: _snapshot(day) for day in days}
    assert sum(row["marks_expected"] for snap in together.values() for row in snap.values()) > 0
    for day in days:
        services.summaries_roll(day=day)

    def strip(snap):
        return {k: {f: v for f, v in row.items() if f != "rolled_at"} for k, row in snap.items()}

    assert {day: strip(_snapshot(day)) for day in days} == {day: strip(together[day]) for day in days}


def test_a_longer_range_costs_the_same_reads(demo):
    """Only the batched INSERTs of the result rows grow with the days (SQLite caps a batch)."""
    last = _held_day(demo).date

    def reads(ctx):
        return [q for q in ctx.captured_queries if not q["sql"].startswith('INSERT INTO "oversight_')]

    with CaptureQueriesContext(connection) as short:
        services.summaries_roll_range(first=last - datetime.timedelta(days=1), last=last)
    with CaptureQueriesContext(connection) as long:
        services.summaries_roll_range(first=last - datetime.timedelta(days=60), last=last)
    assert len(reads(long)) == len(reads(short))
