"""Rolling the daily summaries from the raw records (F8).

summaries_roll_range runs a fixed number of aggregate queries for a whole range of days (GROUP BY
school and day), whatever the number of days, schools, marks or placements, then replaces the
range's rows in one transaction, so a repeat run, a run after a correction, a backfill and the
hourly beat all converge on the same rows.
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from activities.models import ActivityGroup, Session
from enrollment.models import Application, Placement
from oversight.models import COMPLAINT_FIELDS, DailySchoolSummary
from safety.models import Attendance, Finding, Incident
from schools.models import School, Student
from subsidies.models import Claim, Complaint

PRESENT = [Attendance.Status.PRESENT, Attendance.Status.LATE, Attendance.Status.LEFT_EARLY]
# A child who applied in a priority group (the application's own declaration, M2).
PRIORITY_Q = (
    Q(left_behind=True) | Q(migrant=True) | Q(low_income=True) | Q(disability=True) | ~Q(other_need="")
)
CLAIMED = [Claim.Status.SUBMITTED, Claim.Status.APPROVED, Claim.Status.PAID]
LIVE_APPLICATION = [Application.Status.SUBMITTED, Application.Status.RETURNED, Application.Status.APPROVED]


def _day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return start, start + datetime.timedelta(days=1)


def _hours(start: datetime.time, end: datetime.time) -> Decimal:
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return (Decimal(minutes) / Decimal(60)).quantize(Decimal("0.01"))


def current_marks():
    """Each child's current mark per session: the highest revision (corrections supersede)."""
    # revision__gt=1 follows from the other conditions (revisions start at 1); stated, it lets the
    # database set aside all first marks before matching, which is what makes a term's roll cheap.
    newer = Attendance.objects.filter(
        session=OuterRef("session"),
        student=OuterRef("student"),
        revision__gt=OuterRef("revision"),
    ).filter(revision__gt=1)
    return Attendance.objects.filter(~Exists(newer))


def _days(first: datetime.date, last: datetime.date):
    day = first
    while day <= last:
        yield day
        day += datetime.timedelta(days=1)


def _spread(values, school_key: str, first: datetime.date, last: datetime.date):
    """Rows of a stock kept per term (start, end): each one for every day of the range in its term."""
    for row in values:
        for day in _days(max(first, row["term__start"]), min(last, row["term__end"])):
            yield row[school_key], day, row


def summaries_compute(
    *, first: datetime.date, last: datetime.date, school_ids: list[int]
) -> dict[tuple[int, datetime.date], dict]:
    """The figures per (school, day) of the range, from the raw records (read only).

    A fixed number of aggregate queries whatever the length of the range, the number of schools or
    of attendance marks: each is one GROUP BY over the range, so a term's backfill reads the marks
    once, like a single hand-written aggregate would (bench/term_report.py measures the two).
    """
    start, _end = _day_bounds(first)
    _start, end = _day_bounds(last)
    rows = {(sid, day): {} for sid in school_ids for day in _days(first, last)}

    def add(key, name, value):
        target = rows.get(key)
        if target is not None:
            target[name] = target.get(name, 0) + (value or 0)

    for sid, offers in School.objects.filter(pk__in=school_ids).values_list("pk", "offers_service"):
        for day in _days(first, last):
            rows[(sid, day)]["offers_service"] = offers
    for row in (
        Student.objects.filter(school_id__in=school_ids, active=True)
        .values("school_id")
        .annotate(n=Count("pk"))
    ):
        for day in _days(first, last):
            rows[(row["school_id"], day)]["enrolled"] = row["n"]
    # Applications and placements keep no history of their status, so these stocks are the state at
    # the time of the roll: the hourly beat records each day as it ends; a backfill shows today's.
    seated = Placement.objects.filter(application=OuterRef("pk"), status=Placement.Status.PLACED)
    applications = (
        Application.objects.filter(
            student__school_id__in=school_ids,
            term__start__lte=last,
            term__end__gte=first,
            status__in=LIVE_APPLICATION,
        )
        .annotate(seated=Exists(seated))
        .values("student__school_id", "term_id", "term__start", "term__end")
        .annotate(
            placed=Count("student", filter=Q(seated=True), distinct=True),
            p_applied=Count("student", filter=PRIORITY_Q, distinct=True),
            p_placed=Count("student", filter=PRIORITY_Q & Q(seated=True), distinct=True),
        )
    )
    for sid, day, row in _spread(applications, "student__school_id", first, last):
        add((sid, day), "placed", row["placed"])
        add((sid, day), "priority_applied", row["p_applied"])
        add((sid, day), "priority_placed", row["p_placed"])
    teachers = (
        ActivityGroup.objects.filter(
            activity__school_id__in=school_ids, term__start__lte=last, term__end__gte=first
        )
        .values("activity__school_id", "term_id", "term__start", "term__end")
        .annotate(n=Count("lead", distinct=True))
    )
    for sid, day, row in _spread(teachers, "activity__school_id", first, last):
        add((sid, day), "teachers", row["n"])
    # A finding is open at the end of each day from the day it was found until the day it is signed.
    for sid, found_on, signed_at in (
        Finding.objects.filter(school_id__in=school_ids, found_on__lte=last)
        .exclude(signoff__signed_at__lt=start)
        .values_list("school_id", "found_on", "signoff__signed_at")
    ):
        signed_on = timezone.localdate(signed_at) if signed_at else None
        for day in _days(max(first, found_on), last):
            if signed_on is not None and signed_on <= day:
                break
            add((sid, day), "findings_open", 1)
    # Sessions held and their hours: grouped by their times too, so hours are summed in Python
    # without database-specific time arithmetic (a handful of distinct slot times per school).
    for row in (
        Session.objects.filter(
            group__activity__school_id__in=school_ids, date__range=(first, last), has_records=True
        )
        .values("group__activity__school_id", "date", "start", "end")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        key = (row["group__activity__school_id"], row["date"])
        add(key, "sessions_held", row["n"])
        add(key, "teacher_hours", row["n"] * _hours(row["start"], row["end"]))
    for row in (
        current_marks()
        .filter(session__group__activity__school_id__in=school_ids, session__date__range=(first, last))
        .values("session__group__activity__school_id", "session__date", "session__start", "session__end")
        .annotate(
            expected=Count("pk", filter=~Q(status=Attendance.Status.ON_LEAVE)),
            present=Count("pk", filter=Q(status__in=PRESENT)),
        )
        .order_by()
    ):
        key = (row["session__group__activity__school_id"], row["session__date"])
        add(key, "marks_expected", row["expected"])
        add(key, "marks_present", row["present"])
        add(key, "child_hours", row["present"] * _hours(row["session__start"], row["session__end"]))
    for row in (
        Incident.objects.filter(school_id__in=school_ids, occurred_at__gte=start, occurred_at__lt=end)
        .values("school_id", day=TruncDate("occurred_at"))
        .annotate(n=Count("pk"))
        .order_by()
    ):
        add((row["school_id"], row["day"]), "incidents", row["n"])
    for row in (
        Complaint.objects.filter(school_id__in=school_ids, created__gte=start, created__lt=end)
        .values("school_id", "kind", day=TruncDate("created"))
        .annotate(n=Count("pk"))
        .order_by()
    ):
        add((row["school_id"], row["day"]), COMPLAINT_FIELDS[row["kind"]], row["n"])
    for row in (
        Claim.objects.filter(school_id__in=school_ids, period_end__range=(first, last), status__in=CLAIMED)
        .values("school_id", "period_end")
        .annotate(
            claimed=Sum("total"),
            paid=Sum("total", filter=Q(status=Claim.Status.PAID)),
        )
        .order_by()
    ):
        add((row["school_id"], row["period_end"]), "subsidy_claimed", row["claimed"])
        add((row["school_id"], row["period_end"]), "subsidy_paid", row["paid"])
    return rows


def summaries_roll(*, day: datetime.date, schools: QuerySet[School] | None = None) -> int:
    """Recompute one day's summary rows (all schools, or these) from the raw records. Idempotent."""
    summaries_roll_range(first=day, last=day, schools=schools)
    return (schools if schools is not None else School.objects.all()).count()


@transaction.atomic
def summaries_roll_range(
    *, first: datetime.date, last: datetime.date, schools: QuerySet[School] | None = None
) -> int:
    """Recompute the rows of every day from first to last in one transaction (beat, backfill, a
    term's rebuild): the same fixed set of aggregate queries as one day. Returns the days rolled."""
    school_ids = list((schools if schools is not None else School.objects.all()).values_list("pk", flat=True))
    figures = summaries_compute(first=first, last=last, school_ids=school_ids)
    DailySchoolSummary.objects.filter(date__range=(first, last), school_id__in=school_ids).delete()
    DailySchoolSummary.objects.bulk_create(
        [DailySchoolSummary(school_id=sid, date=day, **values) for (sid, day), values in figures.items()],
        batch_size=500,  # measured on PostgreSQL: a term of 15,000 rows writes fastest in batches of ~500
    )
    return (last - first).days + 1


def summaries_roll_recent() -> int:
    """Beat: yesterday (late marks, corrections) and today so far."""
    today = timezone.localdate()
    return summaries_roll_range(first=today - datetime.timedelta(days=1), last=today)
