"""Rolling the daily summaries from the raw records (F8).

summaries_roll runs a fixed number of aggregate queries per day (GROUP BY school), whatever the
number of schools, marks or placements, then replaces the day's rows in one transaction, so a
repeat run, a run after a correction and the hourly beat all converge on the same rows.
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from activities.models import ActivityGroup, Session
from enrollment.models import Application, Placement
from oversight.models import COMPLAINT_FIELDS, DailySchoolSummary
from safety.models import Attendance, Finding, FindingSignoff, Incident
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
    newer = Attendance.objects.filter(
        session=OuterRef("session"), student=OuterRef("student"), revision__gt=OuterRef("revision")
    )
    return Attendance.objects.filter(~Exists(newer))


def summaries_compute(*, day: datetime.date, school_ids: list[int]) -> dict[int, dict]:
    """The day's figures per school, from the raw records (read only)."""
    start, end = _day_bounds(day)
    rows = {sid: {} for sid in school_ids}

    def put(values, school_key: str, **fields):
        for row in values:
            target = rows.get(row[school_key])
            if target is not None:
                for name, key in fields.items():
                    target[name] = row[key] or 0

    for sid, offers in School.objects.filter(pk__in=school_ids).values_list("pk", "offers_service"):
        rows[sid]["offers_service"] = offers
    put(
        Student.objects.filter(school_id__in=school_ids, active=True)
        .values("school_id")
        .annotate(n=Count("pk")),
        "school_id",
        enrolled="n",
    )
    live = Application.objects.filter(
        student__school_id__in=school_ids,
        term__start__lte=day,
        term__end__gte=day,
        status__in=LIVE_APPLICATION,
    )
    # Applications and placements keep no history of their status, so these stocks are the state at
    # the time of the roll: the hourly beat records each day as it ends; a backfill shows today's.
    seated = Placement.objects.filter(application=OuterRef("pk"), status=Placement.Status.PLACED)
    put(
        live.annotate(seated=Exists(seated))
        .values("student__school_id")
        .annotate(
            placed=Count("student", filter=Q(seated=True), distinct=True),
            p_applied=Count("student", filter=PRIORITY_Q, distinct=True),
            p_placed=Count("student", filter=PRIORITY_Q & Q(seated=True), distinct=True),
        ),
        "student__school_id",
        placed="placed",
        priority_applied="p_applied",
        priority_placed="p_placed",
    )
    put(
        ActivityGroup.objects.filter(
            activity__school_id__in=school_ids, term__start__lte=day, term__end__gte=day
        )
        .values("activity__school_id")
        .annotate(n=Count("lead", distinct=True)),
        "activity__school_id",
        teachers="n",
    )
    signed = FindingSignoff.objects.filter(finding=OuterRef("pk"), signed_at__lt=end)
    put(
        Finding.objects.filter(school_id__in=school_ids, found_on__lte=day)
        .exclude(Exists(signed))
        .values("school_id")
        .annotate(n=Count("pk")),
        "school_id",
        findings_open="n",
    )
    # Sessions held and their hours: grouped by their times too, so hours are summed in Python
    # without database-specific time arithmetic (a handful of distinct slot times per school).
    for row in (
        Session.objects.filter(group__activity__school_id__in=school_ids, date=day, has_records=True)
        .values("group__activity__school_id", "start", "end")
        .annotate(n=Count("pk"))
    ):
        target = rows[row["group__activity__school_id"]]
        target["sessions_held"] = target.get("sessions_held", 0) + row["n"]
        target["teacher_hours"] = target.get("teacher_hours", Decimal(0)) + row["n"] * _hours(
            row["start"], row["end"]
        )
    for row in (
        current_marks()
        .filter(session__group__activity__school_id__in=school_ids, session__date=day)
        .values("session__group__activity__school_id", "session__start", "session__end")
        .annotate(
            expected=Count("pk", filter=~Q(status=Attendance.Status.ON_LEAVE)),
            present=Count("pk", filter=Q(status__in=PRESENT)),
        )
    ):
        target = rows[row["session__group__activity__school_id"]]
        target["marks_expected"] = target.get("marks_expected", 0) + row["expected"]
        target["marks_present"] = target.get("marks_present", 0) + row["present"]
        target["child_hours"] = target.get("child_hours", Decimal(0)) + row["present"] * _hours(
            row["session__start"], row["session__end"]
        )
    put(
        Incident.objects.filter(school_id__in=school_ids, occurred_at__gte=start, occurred_at__lt=end)
        .values("school_id")
        .annotate(n=Count("pk")),
        "school_id",
        incidents="n",
    )
    for row in (
        Complaint.objects.filter(school_id__in=school_ids, created__gte=start, created__lt=end)
        .values("school_id", "kind")
        .annotate(n=Count("pk"))
    ):
        rows[row["school_id"]][COMPLAINT_FIELDS[row["kind"]]] = row["n"]
    put(
        Claim.objects.filter(school_id__in=school_ids, period_end=day, status__in=CLAIMED)
        .values("school_id")
        .annotate(
            claimed=Sum("total"),
            paid=Sum("total", filter=Q(status=Claim.Status.PAID)),
        ),
        "school_id",
        subsidy_claimed="claimed",
        subsidy_paid="paid",
    )
    return rows


@transaction.atomic
def summaries_roll(*, day: datetime.date, schools: QuerySet[School] | None = None) -> int:
    """Recompute one day's summary rows (all schools, or these) from the raw records. Idempotent."""
    school_ids = list((schools if schools is not None else School.objects.all()).values_list("pk", flat=True))
    figures = summaries_compute(day=day, school_ids=school_ids)
    DailySchoolSummary.objects.filter(date=day, school_id__in=school_ids).delete()
    DailySchoolSummary.objects.bulk_create(
        [DailySchoolSummary(school_id=sid, date=day, **values) for sid, values in figures.items()]
    )
    return len(figures)


def summaries_roll_range(
    *, first: datetime.date, last: datetime.date, schools: QuerySet[School] | None = None
) -> int:
    """Backfill: roll every day from first to last (one transaction per day)."""
    days, day = 0, first
    while day <= last:
        summaries_roll(day=day, schools=schools)
        days, day = days + 1, day + datetime.timedelta(days=1)
    return days


def summaries_roll_recent() -> int:
    """Beat: yesterday (late marks, corrections) and today so far."""
    today = timezone.localdate()
    return summaries_roll_range(first=today - datetime.timedelta(days=1), last=today)
