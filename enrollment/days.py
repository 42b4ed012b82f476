"""A family's days and a group's days (F12): the one rule for who is expected at a session.

An application names the weekdays the family wants; a group meets on the weekdays of its slots.
A child is expected exactly at the sessions of the group they are placed in (the application
approved, the child still on the roll) whose timetable weekday is one of the family's days. A
make-up working day (调休) runs the timetable of the weekday the school chose, so it counts as that
weekday. A group is a valid choice only if it meets on at least one of the family's days.

Every page and job that decides who is expected (roll call, the family's timetable and upcoming
sessions, leave, the still-here board, absence alerts, cancelled-session notices, per-student
funding) asks these functions. Each costs a fixed number of queries however many sessions,
groups or children it covers.
"""

import datetime
import functools
from collections import defaultdict

from django.db.models import CharField, Exists, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Cast, Coalesce, ExtractIsoWeekDay, StrIndex

from activities.forms import WEEKDAY_NAMES
from activities.models import ActivityGroup, MakeupDay, Session, Slot
from enrollment.models import Application, Placement
from schools.models import ClassGroup, Student


def days_meet(family_days: str, group_days: str) -> bool:
    """The rule for a choice: the group meets on at least one of the family's days."""
    return any(d in family_days for d in group_days)


def days_label(days: str) -> str:
    """Weekday digits as short names: "135" → 周一、周三、周五."""
    return "、".join(str(WEEKDAY_NAMES[int(d)]) for d in sorted(days or "") if d in "1234567")


def expected_on(*, family_days: str, runs_as: int) -> bool:
    """The rule for a session: its timetable weekday is one of the family's days."""
    return str(runs_as) in family_days


def groups_weekdays(group_ids) -> dict[int, str]:
    """Each group's meeting weekdays as a digit string, e.g. "13". One query."""
    found: dict[int, set[str]] = defaultdict(set)
    for group_id, weekday in Slot.objects.filter(group_id__in=list(group_ids)).values_list(
        "group_id", "weekday"
    ):
        found[group_id].add(str(weekday))
    return {pk: "".join(sorted(days)) for pk, days in found.items()}


def group_weekdays(group: ActivityGroup) -> str:
    """The group's meeting weekdays from its (prefetched or not) slots."""
    return "".join(sorted({str(s.weekday) for s in group.slots.all()}))


def runs_as_on(pairs) -> dict[tuple[int, datetime.date], int]:
    """The timetable weekday of each (term id, date): a make-up working day runs as the weekday the
    school chose, any other day as itself. One query (none when there is nothing to look up)."""
    pairs = set(pairs)
    if not pairs:
        return {}
    terms = {t for t, _d in pairs}
    dates = {d for _t, d in pairs}
    makeups = {
        (term, day): runs_as
        for term, day, runs_as in MakeupDay.objects.filter(term_id__in=terms, date__in=dates).values_list(
            "term_id", "date", "runs_as"
        )
    }
    return {(t, d): makeups.get((t, d), d.isoweekday()) for t, d in pairs}


def sessions_runs_as(sessions: list[Session]) -> dict[int, int]:
    """The timetable weekday each session runs as. Sessions need `group` loaded. One query."""
    runs = runs_as_on((s.group.term_id, s.date) for s in sessions)
    return {s.pk: runs[(s.group.term_id, s.date)] for s in sessions}


def with_runs_as(sessions: QuerySet[Session]) -> QuerySet[Session]:
    """The queryset form of sessions_runs_as: each session annotated with `runs_as` (no extra query)."""
    makeup = MakeupDay.objects.filter(term_id=OuterRef("group__term_id"), date=OuterRef("date")).values(
        "runs_as"
    )[:1]
    return sessions.annotate(
        runs_as=Coalesce(Subquery(makeup), ExtractIsoWeekDay("date"), output_field=IntegerField())
    )


def seated() -> QuerySet[Placement]:
    """Placements that make a child expected in their group: a seat, an approved application, a
    child still on the roll."""
    return Placement.objects.filter(
        status=Placement.Status.PLACED,
        application__status=Application.Status.APPROVED,
        application__student__active=True,
    )


@functools.cache
def _roster_columns() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The columns a roster reads: the application's rule and pick-up, the student's row, the class's."""
    return (
        ("id", "student_id", "days", "pickup", "alone_consent"),
        tuple(f.attname for f in Student._meta.concrete_fields),
        tuple(f.attname for f in ClassGroup._meta.concrete_fields),
    )


def expected_applications(sessions: list[Session]) -> dict[int, list[Application]]:
    """The applications of the children expected at each session, each with its student (and the
    student's class) loaded. Read as rows, not as four model instances a child: the application holds
    only its rule and pick-up columns (id, student, days, pickup, alone_consent; the others deferred),
    the student is the whole row, and the children of one class share one class instance. Sessions
    need `group` loaded. Two queries however many sessions."""
    if not sessions:
        return {}
    runs_as = sessions_runs_as(sessions)
    app_cols, student_cols, class_cols = _roster_columns()
    rows = (
        seated()
        .filter(group_id__in={s.group_id for s in sessions})
        .values_list(
            "group_id",
            *(f"application__{c}" for c in app_cols),
            *(f"application__student__{c}" for c in student_cols),
            *(f"application__student__class_group__{c}" for c in class_cols),
        )
    )
    a_end = 1 + len(app_cols)
    s_end = a_end + len(student_cols)
    classes: dict[int, ClassGroup] = {}
    by_group = defaultdict(list)
    for row in rows:
        klass = classes.get(row[s_end])
        if klass is None:
            klass = classes[row[s_end]] = ClassGroup.from_db(rows.db, class_cols, row[s_end:])
        student = Student.from_db(rows.db, student_cols, row[a_end:s_end])
        Student.class_group.field.set_cached_value(student, klass)
        application = Application.from_db(rows.db, app_cols, row[1:a_end])
        Application.student.field.set_cached_value(application, student)
        by_group[row[0]].append(application)
    return {
        s.pk: [
            a for a in by_group.get(s.group_id, []) if expected_on(family_days=a.days, runs_as=runs_as[s.pk])
        ]
        for s in sessions
    }


def expected_at_any(sessions: QuerySet[Session]) -> Exists:
    """The queryset form, for Placement querysets: the placement's child is expected at one of these
    sessions, e.g. `seated().filter(expected_at_any(held))`. One subquery, no extra query."""
    hit = StrIndex(OuterRef("application__days"), Cast("runs_as", output_field=CharField()))
    return Exists(
        with_runs_as(sessions).filter(group_id=OuterRef("group_id")).annotate(hit=hit).filter(hit__gt=0)
    )
