"""Demo attendance for s1–s3 (F5): the last four weeks of the term behind today (schools.schoolyear:
the four weeks before today in term, the term's last four weeks on a holiday) of its sessions, with
leave, roll calls (a few corrections), class handovers (a few counts that differ), and releases to
guardians, authorised persons or home alone with consent.

Idempotent: a school that already has attendance records is left alone. Deterministic for a given
day (seeded by school and date). Bulk inserts, so that seeding stays fast.
"""

import datetime
import random
from dataclasses import dataclass, field

from django.utils import timezone

from activities.models import Session
from safety.models import (
    Attendance,
    CareAlert,
    Handover,
    HandoverConfirmation,
    Leave,
    Release,
)
from safety.selectors import attendance as selectors
from schools import schoolyear
from schools.models import AuthorizedPickup, Guardianship, Membership, Role, School

SCHOOLS = (("s1", "4101020001"), ("s2", "4101050001"), ("s3", "4101810001"))
WEEKS = 4
LEAVE_REASONS = ["身体不适，在家休息", "家中有事，提前接回", "参加校外比赛", "看牙医"]


def _at(day: datetime.date, time: datetime.time, minutes: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, time)) + datetime.timedelta(minutes=minutes)


def build(*, out=None) -> None:
    today = timezone.localdate()
    term = schoolyear.history_term(today)
    end = min(today - datetime.timedelta(days=1), term.end)
    start = end - datetime.timedelta(days=7 * WEEKS - 1)
    for _key, identifier in SCHOOLS:
        school = School.objects.filter(identifier=identifier).first()
        if school is None or Attendance.objects.filter(session__group__activity__school=school).exists():
            continue
        sessions = list(
            Session.objects.filter(
                group__activity__school=school, group__term__name=term.name, date__gte=start, date__lte=end
            )
            .select_related(*selectors.SESSION_RELATED)
            .order_by("date", "start", "pk")
        )
        if not sessions:
            continue
        if out:
            out.write(f"  {school.name}: {WEEKS} weeks of attendance, handovers and releases\n")
        _school(school, sessions, random.Random(f"{identifier}-{start.isoformat()}"))


@dataclass
class _Rows:
    """What the demo writes for one school, gathered for bulk inserts."""

    marks: list = field(default_factory=list)
    releases: list = field(default_factory=list)
    handovers: list = field(default_factory=list)  # (Handover, count received)
    alerts: list = field(default_factory=list)
    released: set = field(default_factory=set)  # (student id, date)


def _school(school: School, sessions: list[Session], rng: random.Random) -> None:
    items = selectors.rosters(sessions)
    students = {c.student.pk: c.student for item in items for c in item.children}
    guardians = {}
    for link in (
        Guardianship.objects.filter(student_id__in=students).select_related("guardian").order_by("pk")
    ):
        guardians.setdefault(link.student_id, (link.guardian, link.relationship))
    pickups = {}
    for pickup in AuthorizedPickup.objects.filter(student_id__in=students).order_by("pk"):
        pickups.setdefault(pickup.student_id, []).append(pickup)
    teachers = {
        m.class_group_id: m.user
        for m in Membership.objects.filter(
            role=Role.CLASS_TEACHER, class_group__school=school
        ).select_related("user")
    }
    on_leave = _leaves(items, guardians, rng)
    rows = _Rows()
    for item in items:
        here_by_class = _session_marks(school, item, on_leave, guardians, pickups, rng, rows)
        _class_handovers(school, item, here_by_class, teachers, on_leave, rng, rows)
    Attendance.objects.bulk_create(rows.marks, batch_size=1000)
    Release.objects.bulk_create(rows.releases, batch_size=1000)
    _confirm_handovers(school, rows)
    CareAlert.objects.bulk_create(rows.alerts, batch_size=1000)
    Session.objects.filter(pk__in=[s.session.pk for s in items], has_records=False).update(has_records=True)


def _leaves(items, guardians, rng: random.Random) -> set:
    """About one child-day in thirty on leave, reported the evening before. Returns (student id, date)."""
    leaves, on_leave = [], set()
    for item in items:
        for child in item.children:
            key = (child.student.pk, item.session.date)
            if key in on_leave or rng.random() > 0.03 or child.student.pk not in guardians:
                continue
            on_leave.add(key)
            leaves.append(
                Leave(
                    student=child.student,
                    start=item.session.date,
                    end=item.session.date,
                    reason=rng.choice(LEAVE_REASONS),
                    reported_by=guardians[child.student.pk][0].user,
                    reported_at=_at(item.session.date - datetime.timedelta(days=1), datetime.time(20, 0)),
                )
            )
    Leave.objects.bulk_create(leaves, batch_size=500)
    return on_leave


def _status(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.02:
        return Attendance.Status.ABSENT
    if roll < 0.06:
        return Attendance.Status.LATE
    if roll < 0.08:
        return Attendance.Status.LEFT_EARLY
    return Attendance.Status.PRESENT


def _session_marks(school, item, on_leave, guardians, pickups, rng, rows: _Rows) -> dict[int, int]:
    """Mark the session's roll, alert the absences, release those present. Returns the children
    here by class."""
    session, lead = item.session, item.session.lead
    here_by_class: dict[int, int] = {}
    for child in item.children:
        student = child.student
        if (student.pk, session.date) in on_leave:
            rows.marks.append(_mark(session, student, Attendance.Status.ON_LEAVE, 1, lead, 2))
            continue
        status = _status(rng)
        if status == Attendance.Status.PRESENT and rng.random() < 0.01:
            # A mis-tap corrected a few minutes later: both marks stay.
            rows.marks.append(_mark(session, student, Attendance.Status.ABSENT, 1, lead, 3))
            rows.marks.append(_mark(session, student, Attendance.Status.PRESENT, 2, lead, 6))
        else:
            rows.marks.append(_mark(session, student, status, 1, lead, 3))
        if status == Attendance.Status.ABSENT:
            rows.alerts.append(
                CareAlert(
                    school=school,
                    date=session.date,
                    kind=CareAlert.Kind.ABSENT,
                    student=student,
                    session=session,
                    key=f"absent:{session.code}:{student.code}",
                    detail=f"{student.name} · {session.group.name} {session.start:%H:%M}",
                )
            )
            continue
        here_by_class[student.class_group_id] = here_by_class.get(student.class_group_id, 0) + 1
        if (student.pk, session.date) in rows.released or student.pk not in guardians:
            continue
        rows.released.add((student.pk, session.date))
        rows.releases.append(_release(school, session, child, status, guardians, pickups, lead, rng))
    return here_by_class


def _class_handovers(school, item, here_by_class, teachers, on_leave, rng, rows: _Rows) -> None:
    """Each class teacher hands their children over to the session's lead; one in fifty miscounts."""
    session, lead = item.session, item.session.lead
    for class_id, here in sorted(here_by_class.items()):
        teacher = teachers.get(class_id)
        if teacher is None or teacher.pk == lead.pk:
            continue
        expected = sum(
            1
            for c in item.children
            if c.student.class_group_id == class_id and (c.student.pk, session.date) not in on_leave
        )
        handover = Handover(
            school=school,
            session=session,
            kind=Handover.Kind.CLASS,
            class_group_id=class_id,
            given_by=teacher,
            to_user=lead,
            count=here,
            expected=expected,
            given_at=_at(session.date, session.start, -5),
        )
        received = here - 1 if here > 1 and rng.random() < 0.02 else here
        rows.handovers.append((handover, received))


def _confirm_handovers(school, rows: _Rows) -> None:
    """Write the handovers and their confirmations; a count that differs raises its alert."""
    handovers = [handover for handover, _received in rows.handovers]
    Handover.objects.bulk_create(handovers, batch_size=1000)
    # Primary keys of the handovers: bulk_create sets them on PostgreSQL and recent SQLite; read
    # them back by code so that both behave alike.
    ids = dict(Handover.objects.filter(code__in=[h.code for h in handovers]).values_list("code", "pk"))
    confirmations = []
    for handover, received in rows.handovers:
        confirmations.append(
            HandoverConfirmation(
                handover_id=ids[handover.code],
                confirmed_by=handover.to_user,
                count=received,
                mismatch=received != handover.count,
                confirmed_at=handover.given_at + datetime.timedelta(minutes=2),
            )
        )
        if received != handover.count:
            rows.alerts.append(
                CareAlert(
                    school=school,
                    date=handover.session.date,
                    kind=CareAlert.Kind.HANDOVER_MISMATCH,
                    session=handover.session,
                    key=f"handover:{handover.code}",
                    detail=f"{handover.session.group.name} {handover.session.start:%H:%M}: "
                    f"{handover.count} → {received}",
                )
            )
    HandoverConfirmation.objects.bulk_create(confirmations, batch_size=1000)


def _mark(session, student, status, revision, lead, minutes) -> Attendance:
    return Attendance(
        session=session,
        student=student,
        status=status,
        revision=revision,
        marked_by=lead,
        marked_at=_at(session.date, session.start, minutes),
    )


def _release(school, session, child, status, guardians, pickups, lead, rng) -> Release:
    student = child.student
    when = (
        _at(session.date, session.start, 30 + rng.randrange(15))
        if status == Attendance.Status.LEFT_EARLY
        else _at(session.date, session.end, rng.randrange(20))
    )
    common = dict(
        school=school, student=student, date=session.date, session=session, released_by=lead, released_at=when
    )
    if child.may_go_alone and rng.random() < 0.8:
        return Release(to=Release.To.ALONE, verification=Release.Verification.CONSENT, **common)
    valid = [p for p in pickups.get(student.pk, []) if p.is_valid_on(session.date)]
    if valid and rng.random() < 0.35:
        pickup = rng.choice(valid)
        return Release(
            to=Release.To.PICKUP,
            pickup=pickup,
            person_name=pickup.name,
            person_relationship=pickup.relationship,
            verification=rng.choice([Release.Verification.ID_LAST4, Release.Verification.PHOTO]),
            **common,
        )
    guardian, relationship = guardians[student.pk]
    return Release(
        to=Release.To.GUARDIAN,
        guardian=guardian,
        person_name=guardian.name,
        person_relationship=relationship,
        verification=Release.Verification.PHOTO,
        **common,
    )
