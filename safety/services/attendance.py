"""Roll call, leave and absence alerts (F5; M4, H4: 考勤).

A roll call saves the whole class in one request with a fixed number of queries: the session row
is locked (two phones saving at once are serialised), the current marks read once, the new marks
inserted in one statement, one audit row written. A change of a child's mark is a new revision,
never an edit, and the audit row lists every correction.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from activities import services as activity_services
from activities.models import Activity, Session, Term
from audit import services as audit
from notices.services import enqueue_on_commit
from safety.models import Attendance, Leave, LeaveCancellation
from safety.selectors import attendance as selectors
from safety.services import alerts
from schools import access
from schools.models import Student, User

MARKABLE = (
    Attendance.Status.PRESENT,
    Attendance.Status.ABSENT,
    Attendance.Status.LATE,
    Attendance.Status.LEFT_EARLY,
)
# A child expected and not marked present this long after the session starts raises the alert.
NOT_MARKED_AFTER_MINUTES = 15
LEAVE_MAX_DAYS = 31


# --- roll call ------------------------------------------------------------------------------


def _roll_call_check(*, session: Session, marks: dict[int, str], now: datetime.datetime) -> None:
    # F15: no new marks once the term is archived (the day after its last day).
    activity_services.term_refuse_if_archived(session.group.term, day=timezone.localdate(now))
    if session.date > timezone.localdate(now):
        raise ValidationError(
            _("The roll can be called on the day of the session, not before."), code="not_today"
        )
    # F12: an off-campus activity without its checklist and coordination cannot be roll-called.
    activity = Activity.objects.select_related("checklist").get(groups__sessions=session.pk)
    blocked = activity_services.activity_blocked_reason(activity)
    if blocked:
        raise ValidationError(blocked, code="cannot_run")
    if any(status not in MARKABLE for status in marks.values()):
        raise ValidationError(_("Mark each child present, absent, late or left early."), code="status")


@transaction.atomic
def roll_call_save(
    *,
    session: Session,
    actor: User,
    marks: dict[int, str],
    now: datetime.datetime | None = None,
    roster: selectors.SessionRoster | None = None,
) -> dict:
    """Save the marks of a session's children ({student id: status}); unchanged marks add nothing.
    Children on leave get an "on leave" mark. Returns {"saved": n, "corrections": n, "absent": [ids]}.
    `roster`: the session's roster the caller read before (the roll-call page's form), reused when no
    mark was written since; otherwise the roster is read again under the lock.

    Raises ValidationError(code="status", "not_expected", "not_today" or "cannot_run").
    """
    now = now or timezone.now()
    _roll_call_check(session=session, marks=marks, now=now)
    # The lock serialises two saves of the same roll; revisions are read after it (or, for a roster
    # read before it, checked unchanged after it: one count instead of the roster's reads).
    Session.objects.select_for_update().filter(pk=session.pk).values_list("pk", flat=True).first()
    if roster is None or roster.session.pk != session.pk or not selectors.marks_unchanged(roster):
        roster = selectors.roster(session)
    children = {c.student.pk: c for c in roster.roll}
    unknown = set(marks) - {pk for pk, c in children.items() if c.leave is None}
    if unknown:
        raise ValidationError(
            _("Some children are not on this session's roll (or are on leave)."), code="not_expected"
        )
    wanted = dict(marks)
    for pk, child in children.items():
        if child.leave is not None and (
            child.mark is None or child.mark.status != Attendance.Status.ON_LEAVE
        ):
            wanted[pk] = Attendance.Status.ON_LEAVE
    rows, corrections, newly_absent = [], [], []
    for pk, status in wanted.items():
        current = children[pk].mark
        if current is not None and current.status == status:
            continue
        rows.append(
            Attendance(
                session=session,
                date=session.date,
                student_id=pk,
                status=status,
                revision=(current.revision + 1) if current else 1,
                marked_by=actor,
                marked_at=now,
            )
        )
        if current is not None:
            corrections.append(
                {"student": str(children[pk].student.code), "from": current.status, "to": status}
            )
        if status == Attendance.Status.ABSENT:
            newly_absent.append(pk)
    if rows:
        Attendance.objects.bulk_create(rows)
        # Regenerating the timetable keeps a session with records.
        Session.objects.filter(pk=session.pk, has_records=False).update(has_records=True)
        audit.record(
            actor=actor,
            verb="attendance.roll_call",
            target=session,
            changes={"marked": len(rows), "corrections": corrections},
        )
    if newly_absent:
        from safety import tasks  # tasks import services

        # Broker down: the request still succeeds and the absence sweep raises these alerts.
        enqueue_on_commit(tasks.alert_absent, session.pk, sorted(newly_absent))
    return {"saved": len(rows), "corrections": len(corrections), "absent": newly_absent}


# --- absence alerts -------------------------------------------------------------------------


def absence_alerts_send(*, session_id: int, student_ids: list[int]) -> int:
    """Tell the guardians and the class teacher that an expected child is marked absent (or not
    marked present in time): once per child, session and recipient. Returns children alerted."""
    session = Session.objects.filter(pk=session_id).select_related(*selectors.SESSION_RELATED).first()
    if session is None:
        return 0
    sent = 0
    for child in selectors.roster(session).roll:
        if child.student.pk not in student_ids or child.leave is not None:
            continue
        if child.status not in (Attendance.Status.ABSENT, "unmarked"):
            continue  # marked present since: no alert
        _absence_alert(session, child)
        sent += 1
    return sent


def _absence_key(session: Session, child) -> str:
    return f"absent:{session.code}:{child.student.code}"


def _absence_alert(session: Session, child) -> None:
    student = child.student
    alerts.alert_raise(
        key=_absence_key(session, child),
        kind="absent",
        school=session.group.activity.school,
        date=session.date,
        recipients=[*alerts.guardian_users(student), alerts.class_teacher(student)],
        notice="safety/absent",
        link=reverse("safety:family"),
        student=student,
        session=session,
        detail=f"{student.name} · {session.group.name} {session.start:%H:%M}",
        marked=child.status == Attendance.Status.ABSENT,
        group=session.group,
    )


def absence_sweep(*, now: datetime.datetime | None = None) -> int:
    """Alert for every child expected today and still not marked present NOT_MARKED_AFTER_MINUTES
    after their session started, or marked absent (catching up missed tasks). Each alert goes once.
    Runs outside a transaction so that each alert commits on its own (no long locks between workers)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    cutoff = timezone.localtime(now) - datetime.timedelta(minutes=NOT_MARKED_AFTER_MINUTES)
    if cutoff.date() != today:
        return 0
    cutoff = cutoff.time()
    sessions = list(
        Session.objects.filter(date=today, start__lte=cutoff)
        .select_related(*selectors.SESSION_RELATED)
        .order_by("pk")
    )
    due = [
        (item.session, child)
        for item in selectors.rosters(sessions)
        for child in item.roll
        if child.leave is None
        and child.transfer_out is None
        and child.status in (Attendance.Status.ABSENT, "unmarked")
    ]
    raised = alerts.alerts_raised([_absence_key(session, child) for session, child in due])
    sent = 0
    for session, child in due:
        if _absence_key(session, child) not in raised:
            _absence_alert(session, child)
            sent += 1
    return sent


# --- leave (请假) ----------------------------------------------------------------------------


def _service_started(student: Student, day: datetime.date, now: datetime.datetime) -> bool:
    if day != timezone.localdate(now):
        return False
    term = Term.objects.filter(school_id=student.school_id, start__lte=day, end__gte=day).first()
    return term is not None and timezone.localtime(now).time() >= term.day_start


@transaction.atomic
def leave_report(
    *,
    student: Student,
    actor: User,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    session: Session | None = None,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> Leave:
    """A guardian (or the class teacher, or the school) reports leave ahead: for dates, or for one
    session. It counts at once: the child is shown on leave and expected nowhere those days.

    Raises ValidationError(code="not_allowed", "dates", "past", "too_late", "too_long", "session",
    "overlap").
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    if not access.students_for(actor).filter(pk=student.pk).exists():
        raise ValidationError(_("You cannot report leave for this child."), code="not_allowed")
    if session is not None:
        activity_services.term_refuse_if_archived(session.group.term, day=today)
        start = end = session.date
        item = selectors.roster(Session.objects.select_related(*selectors.SESSION_RELATED).get(pk=session.pk))
        if not any(c.student.pk == student.pk for c in item.roll):
            raise ValidationError(_("This session is not one of the child's."), code="session")
        if session.date == today and timezone.localtime(now).time() >= session.start:
            raise ValidationError(
                _("The session has started. Please call the teacher instead."), code="too_late"
            )
    if start is None or end is None or end < start:
        raise ValidationError(_("Give the first and the last day of the leave."), code="dates")
    if start < today:
        raise ValidationError(_("Leave is reported ahead: the first day cannot be in the past."), code="past")
    if (end - start).days >= LEAVE_MAX_DAYS:
        raise ValidationError(
            _("Report at most %(n)s days at a time."), code="too_long", params={"n": LEAVE_MAX_DAYS}
        )
    if session is None and _service_started(student, start, now):
        raise ValidationError(
            _("Today's service has started. Please call the teacher instead."), code="too_late"
        )
    overlapping = Leave.objects.filter(
        student=student, start__lte=end, end__gte=start, cancellation__isnull=True
    )
    if session is not None:
        overlapping = overlapping.filter(session__isnull=True) | overlapping.filter(session=session)
    if overlapping.exists():
        raise ValidationError(_("Leave for these days has already been reported."), code="overlap")
    leave = Leave.objects.create(
        student=student,
        start=start,
        end=end,
        session=session,
        reason=reason.strip()[:200],
        reported_by=actor,
        reported_at=now,
    )
    if session is not None:
        Session.objects.filter(pk=session.pk, has_records=False).update(has_records=True)
    audit.record(
        actor=actor,
        verb="leave.report",
        target=leave,
        changes={"student": str(student.code), "start": start.isoformat(), "end": end.isoformat()},
    )
    return leave


@transaction.atomic
def leave_cancel(*, leave: Leave, actor: User, now: datetime.datetime | None = None) -> LeaveCancellation:
    """Withdraw leave not yet over; the report stays in the history.

    Raises ValidationError(code="cancelled" or "over").
    """
    now = now or timezone.now()
    if LeaveCancellation.objects.filter(leave=leave).exists():
        raise ValidationError(_("This leave has already been cancelled."), code="cancelled")
    if leave.end < timezone.localdate(now):
        raise ValidationError(_("This leave is over and stays on record."), code="over")
    cancellation = LeaveCancellation.objects.create(leave=leave, cancelled_by=actor, cancelled_at=now)
    audit.record(actor=actor, verb="leave.cancel", target=leave)
    return cancellation
