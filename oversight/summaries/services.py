"""Rolling the daily summaries from the raw records (F8).

summaries_roll_range runs a fixed number of aggregate queries for a whole range of days (GROUP BY
school and day), whatever the number of days, schools, marks or placements, then replaces the
range's rows in one transaction, so a repeat run, a run after a correction, a backfill and the
hourly beat all converge on the same rows.
"""

import csv
import datetime
import io
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import BooleanField, Case, Count, Exists, OuterRef, Q, QuerySet, Sum, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from activities.models import ActivityGroup, Session, Term
from enrollment.models import Application, Placement
from oversight.models import COMPLAINT_FIELDS, DailySchoolSummary
from safety.models import Attendance, Finding, Incident
from schools.models import Membership, Role, School, Student
from schools.selectors_home import PRIORITY_Q as STUDENT_PRIORITY_Q
from subsidies.models import Claim, Complaint

PRESENT = [Attendance.Status.PRESENT, Attendance.Status.LATE, Attendance.Status.LEFT_EARLY]
# A child who applied in a priority group (the application's own declaration, M2).
PRIORITY_Q = (
    Q(left_behind=True) | Q(migrant=True) | Q(low_income=True) | Q(disability=True) | ~Q(other_need="")
)
CLAIMED = [Claim.Status.SUBMITTED, Claim.Status.APPROVED, Claim.Status.PAID]
LIVE_APPLICATION = [Application.Status.SUBMITTED, Application.Status.RETURNED, Application.Status.APPROVED]


def _prefixed(q: Q, prefix: str) -> Q:
    """The same condition on a related row (Q(left_behind=True) -> Q(student__left_behind=True))."""
    clone = Q(_connector=q.connector, _negated=q.negated)
    clone.children = [
        _prefixed(child, prefix) if isinstance(child, Q) else (prefix + child[0], child[1])
        for child in q.children
    ]
    return clone


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
        date=OuterRef("date"),
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


def _local_day(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localdate(moment) if moment is not None else None


def _interval(start, end, *clips) -> tuple[datetime.date, datetime.date] | None:
    """The days [start, end) (end None: open) cut to each (first, end) clip; None when empty."""
    end = end or datetime.date.max
    for clip_start, clip_end in clips:
        start, end = max(start, clip_start), min(end, clip_end)
    return (start, end) if start < end else None


def _count_per_day(rows, name: str, intervals: dict, first: datetime.date, last: datetime.date) -> None:
    """intervals: {(school_id, student_id): [(start, end) or None, …]}: add to each (school, day) of
    the range the number of students whose intervals cover the day (overlaps count a student once).
    A running sum over +1/−1 at the interval ends: linear in students plus days, not their product."""
    stop = last + datetime.timedelta(days=1)
    steps: dict[int, dict[datetime.date, int]] = {}
    for (sid, _student), spans in intervals.items():
        merged = []
        for start, end in sorted(span for span in spans if span):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        school = steps.setdefault(sid, {})
        for start, end in merged:
            start, end = max(start, first), min(end, stop)
            if start < end:
                school[start] = school.get(start, 0) + 1
                school[end] = school.get(end, 0) - 1
    for sid, school in steps.items():
        running = 0
        for day in _days(first, last):
            running += school.get(day, 0)
            if running:
                rows[(sid, day)][name] = rows[(sid, day)].get(name, 0) + running


def _application_end(status: str, withdrawn_at, reviewed_at) -> datetime.date | None:
    """The day at whose end an application is no longer live (None: still live)."""
    if status == Application.Status.WITHDRAWN:
        return _local_day(withdrawn_at) or datetime.date.min
    if status == Application.Status.DECLINED:
        return _local_day(reviewed_at) or datetime.date.min
    return None


def _flag(q: Q) -> Case:
    return Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())


def _applications_spans(
    *, first: datetime.date, last: datetime.date, school_ids: list[int]
) -> tuple[dict, dict]:
    """Per (school, child), the days a priority-group child had a live application: recorded or
    declared (applied), and declared only, not recorded by the school. One query."""
    _start, end = _day_bounds(last)
    range_clip = (first, last + datetime.timedelta(days=1))
    applied, declared_only = {}, {}
    for row in (
        Application.objects.filter(
            student__school_id__in=school_ids,
            term__start__lte=last,
            term__end__gte=first,
            submitted_at__lt=end,
        )
        .annotate(declared=_flag(PRIORITY_Q), recorded=_flag(_prefixed(STUDENT_PRIORITY_Q, "student__")))
        .values_list(
            "student_id",
            "student__school_id",
            "student__active",
            "term__start",
            "term__end",
            "status",
            "submitted_at",
            "withdrawn_at",
            "reviewed_at",
            "declared",
            "recorded",
        )
    ):
        student, sid, active, t_start, t_end, status, submitted, withdrawn, reviewed, declared, rec = row
        span = _interval(
            _local_day(submitted),
            _application_end(status, withdrawn, reviewed),
            (t_start, t_end + datetime.timedelta(days=1)),
            range_clip,
        )
        is_recorded = rec and active
        if is_recorded or declared:
            applied.setdefault((sid, student), []).append(span)
        if declared and not is_recorded:
            declared_only.setdefault((sid, student), []).append(span)
    return applied, declared_only


def _placements_spans(
    *, first: datetime.date, last: datetime.date, school_ids: list[int]
) -> tuple[dict, dict]:
    """Per (school, child), the days a child held a seat (placed), and the days a priority-group
    child held one (priority_placed). One query."""
    start, _end = _day_bounds(first)
    _start, end = _day_bounds(last)
    range_clip = (first, last + datetime.timedelta(days=1))
    placed, priority_placed = {}, {}
    for row in (
        Placement.objects.filter(
            application__student__school_id__in=school_ids,
            group__term__start__lte=last,
            group__term__end__gte=first,
            placed_at__lt=end,
        )
        .exclude(ended_at__lt=start)
        .annotate(
            declared=_flag(_prefixed(PRIORITY_Q, "application__")),
            recorded=_flag(_prefixed(STUDENT_PRIORITY_Q, "application__student__")),
        )
        .values_list(
            "application__student_id",
            "application__student__school_id",
            "application__student__active",
            "group__term__start",
            "group__term__end",
            "placed_at",
            "ended_at",
            "application__status",
            "application__submitted_at",
            "application__withdrawn_at",
            "application__reviewed_at",
            "declared",
            "recorded",
        )
    ):
        student, sid, active, t_start, t_end, placed_at, ended_at = row[:7]
        status, submitted, withdrawn, reviewed, declared, rec = row[7:]
        term_clip = (t_start, t_end + datetime.timedelta(days=1))
        seat = _interval(_local_day(placed_at), _local_day(ended_at), term_clip, range_clip)
        placed.setdefault((sid, student), []).append(seat)
        if seat and rec and active:
            priority_placed.setdefault((sid, student), []).append(seat)
        elif seat and declared:
            live = (_local_day(submitted), _application_end(status, withdrawn, reviewed) or datetime.date.max)
            priority_placed.setdefault((sid, student), []).append(_interval(*seat, live))
    return placed, priority_placed


def _placement_stocks(rows, *, first: datetime.date, last: datetime.date, school_ids: list[int]) -> None:
    """placed, priority_students, priority_applied and priority_placed at the end of each day, from
    the placements' and applications' history (three queries whatever the range).

    A priority-group child (M2 优先保障) is one the school records in a group (Student flags,
    enrolled) or whose family declared one on a live application: coverage is over all of them, not
    only those who applied. Seats and applications count on the days of their own term.
    """
    for sid, n in (
        Student.objects.filter(STUDENT_PRIORITY_Q, school_id__in=school_ids, active=True)
        .values("school_id")
        .annotate(n=Count("pk"))
        .values_list("school_id", "n")
    ):
        for day in _days(first, last):
            rows[(sid, day)]["priority_students"] = n
    applied, declared_only = _applications_spans(first=first, last=last, school_ids=school_ids)
    _count_per_day(rows, "priority_applied", applied, first, last)
    _count_per_day(rows, "priority_students", declared_only, first, last)
    placed, priority_placed = _placements_spans(first=first, last=last, school_ids=school_ids)
    _count_per_day(rows, "placed", placed, first, last)
    _count_per_day(rows, "priority_placed", priority_placed, first, last)


def _teacher_stocks(rows, *, first: datetime.date, last: datetime.date, school_ids: list[int]) -> None:
    """teachers_total, teachers_active_term and teachers_active_month at the end of each day.

    Teacher participation (H3 考虑教师工作量): the distinct people who led (Session.lead) or assisted
    (the group's assistants) a held session from the start of the school's term, or of the month,
    to that day, out of the school's teachers: its service and class teachers and anyone else who
    led or assisted a held session. Four queries whatever the range.
    """
    terms = {}
    for sid, t_start in Term.objects.filter(school_id__in=school_ids, start__lte=last).values_list(
        "school_id", "start"
    ):
        terms.setdefault(sid, []).append(t_start)

    def term_start(sid, day):
        return max((s for s in terms.get(sid, []) if s <= day), default=None)

    anchor = min([first.replace(day=1), *(term_start(sid, first) or first for sid in school_ids)])
    held = Session.objects.filter(
        group__activity__school_id__in=school_ids, date__range=(anchor, last), has_records=True
    )
    by_day = {}
    for sid, day, person in [
        *held.values_list("group__activity__school_id", "date", "lead_id").distinct(),
        *held.filter(group__assistants__isnull=False)
        .values_list("group__activity__school_id", "date", "group__assistants")
        .distinct(),
    ]:
        by_day.setdefault(sid, {}).setdefault(day, set()).add(person)
    staff = {}
    for sid, user_id in (
        Membership.objects.filter(
            school_id__in=school_ids, role__in=[Role.SERVICE_TEACHER, Role.CLASS_TEACHER]
        )
        .values_list("school_id", "user_id")
        .distinct()
    ):
        staff.setdefault(sid, set()).add(user_id)
    for sid in school_ids:
        sessions = by_day.get(sid, {})
        members = staff.get(sid, set())
        term_people, month_people, term_key, month_key = set(), set(), None, None
        for day in _days(anchor, last):
            if term_start(sid, day) != term_key:
                term_people, term_key = set(), term_start(sid, day)
            if (day.year, day.month) != month_key:
                month_people, month_key = set(), (day.year, day.month)
            people = sessions.get(day, set())
            if term_key is not None:
                term_people |= people
            month_people |= people
            if day >= first:
                rows[(sid, day)].update(
                    teachers_total=len(members | term_people | month_people),
                    teachers_active_term=len(term_people),
                    teachers_active_month=len(month_people),
                )


def _add(rows, key, name, value) -> None:
    target = rows.get(key)
    if target is not None:
        target[name] = target.get(name, 0) + (value or 0)


def _school_stocks(rows, *, first: datetime.date, last: datetime.date, school_ids: list[int]) -> None:
    """offers_service and enrolled of each day. Three queries."""
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
    # Enrolment and offering the service keep no history: a day rolled after it ended keeps what
    # it recorded then, so a backfill does not write today's figures over the past.
    for sid, day, enrolled, offers, rolled_at in DailySchoolSummary.objects.filter(
        school_id__in=school_ids, date__range=(first, last)
    ).values_list("school_id", "date", "enrolled", "offers_service", "rolled_at"):
        if rolled_at >= _day_bounds(day)[1] and (sid, day) in rows:
            rows[(sid, day)].update(enrolled=enrolled, offers_service=offers)


def _programme_stocks(rows, *, first: datetime.date, last: datetime.date, school_ids: list[int]) -> None:
    """categories_run and teachers (leads) of the groups of each day's term. Two queries."""
    categories = (
        ActivityGroup.objects.filter(
            activity__school_id__in=school_ids, term__start__lte=last, term__end__gte=first
        )
        .values("activity__school_id", "term_id", "term__start", "term__end")
        .annotate(n=Count("activity__category", distinct=True))
    )
    for sid, day, row in _spread(categories, "activity__school_id", first, last):
        _add(rows, (sid, day), "categories_run", row["n"])
    teachers = (
        ActivityGroup.objects.filter(
            activity__school_id__in=school_ids, term__start__lte=last, term__end__gte=first
        )
        .values("activity__school_id", "term_id", "term__start", "term__end")
        .annotate(n=Count("lead", distinct=True))
    )
    for sid, day, row in _spread(teachers, "activity__school_id", first, last):
        _add(rows, (sid, day), "teachers", row["n"])


def _findings_open(rows, *, first: datetime.date, last: datetime.date, school_ids: list[int]) -> None:
    start, _end = _day_bounds(first)
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
            _add(rows, (sid, day), "findings_open", 1)


def _sessions_and_marks(rows, *, first: datetime.date, last: datetime.date, school_ids: list[int]) -> None:
    """sessions_held, teacher_hours, marks_expected, marks_present, child_hours. Two queries."""
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
        _add(rows, key, "sessions_held", row["n"])
        _add(rows, key, "teacher_hours", row["n"] * _hours(row["start"], row["end"]))
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
        _add(rows, key, "marks_expected", row["expected"])
        _add(rows, key, "marks_present", row["present"])
        _add(rows, key, "child_hours", row["present"] * _hours(row["session__start"], row["session__end"]))


def _incidents_and_complaints(
    rows, *, first: datetime.date, last: datetime.date, school_ids: list[int]
) -> None:
    start, _end = _day_bounds(first)
    _start, end = _day_bounds(last)
    for row in (
        Incident.objects.filter(school_id__in=school_ids, occurred_at__gte=start, occurred_at__lt=end)
        .values("school_id", day=TruncDate("occurred_at"))
        .annotate(n=Count("pk"))
        .order_by()
    ):
        _add(rows, (row["school_id"], row["day"]), "incidents", row["n"])
    for row in (
        Complaint.objects.filter(school_id__in=school_ids, created__gte=start, created__lt=end)
        .values("school_id", "kind", day=TruncDate("created"))
        .annotate(n=Count("pk"))
        .order_by()
    ):
        _add(rows, (row["school_id"], row["day"]), COMPLAINT_FIELDS[row["kind"]], row["n"])


def _subsidy_claims(rows, *, first: datetime.date, last: datetime.date, school_ids: list[int]) -> None:
    """subsidy_claimed and subsidy_paid, on the last day of each claim's period."""
    for row in (
        Claim.objects.filter(school_id__in=school_ids, period_end__range=(first, last), status__in=CLAIMED)
        .values("school_id", "period_end")
        .annotate(
            claimed=Sum("total"),
            paid=Sum("total", filter=Q(status=Claim.Status.PAID)),
        )
        .order_by()
    ):
        _add(rows, (row["school_id"], row["period_end"]), "subsidy_claimed", row["claimed"])
        _add(rows, (row["school_id"], row["period_end"]), "subsidy_paid", row["paid"])


def summaries_compute(
    *, first: datetime.date, last: datetime.date, school_ids: list[int]
) -> dict[tuple[int, datetime.date], dict]:
    """The figures per (school, day) of the range, from the raw records (read only).

    A fixed number of aggregate queries whatever the length of the range, the number of schools or
    of attendance marks: each is one GROUP BY over the range, so a term's backfill reads the marks
    once, like a single hand-written aggregate would (bench/term_report.py measures the two).
    """
    rows = {(sid, day): {} for sid in school_ids for day in _days(first, last)}
    for part in (
        _school_stocks,
        _placement_stocks,
        _teacher_stocks,
        _programme_stocks,
        _findings_open,
        _sessions_and_marks,
        _incidents_and_complaints,
        _subsidy_claims,
    ):
        part(rows, first=first, last=last, school_ids=school_ids)
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
    _summaries_write(figures)
    return (last - first).days + 1


def _summaries_write(figures: dict[tuple[int, datetime.date], dict]) -> None:
    """Insert the rolled rows. PostgreSQL: one COPY (a city's term is 150,000 rows, and bulk_create's
    preparing of every value took longer than reading the term's marks, bench/scale.py); elsewhere
    bulk_create."""
    if connection.vendor != "postgresql":
        DailySchoolSummary.objects.bulk_create(
            [DailySchoolSummary(school_id=sid, date=day, **values) for (sid, day), values in figures.items()],
            batch_size=500,
        )
        return
    fields = [f for f in DailySchoolSummary._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    now = timezone.now()  # rolled_at (auto_now)
    buffer = io.StringIO()
    out = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC)  # quoted text, even empty; None is NULL
    for (sid, day), values in figures.items():
        row = {**defaults, **values, "school_id": sid, "date": day, "rolled_at": now}
        out.writerow([row[f.attname] for f in fields])
    buffer.seek(0)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(DailySchoolSummary._meta.db_table)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)", buffer)


def summaries_roll_recent() -> int:
    """Beat: yesterday (late marks, corrections) and today so far."""
    today = timezone.localdate()
    return summaries_roll_range(first=today - datetime.timedelta(days=1), last=today)
