"""Reads for attendance, leave, handover and release (F5).

Who is expected in a session: the placed children of its group (Placement "placed") whose
application is approved and whose days include the session's weekday (a make-up working day runs
as the weekday the school chose), minus leave: the one rule of enrollment.days (F12). Who is in
care: expected, not on leave, not marked absent, not released today and not moved to another
group, plus the children moved in.

Scope builds on schools.access and activities.selectors:
- sessions: those of activities.selectors.sessions_for (school admins: their schools'; staff: the
  groups they lead or assist), plus those a teacher received by a duty handover;
- leave: the family's own children, the class teacher's class, the school admin's schools;
- handovers: given or received by the user, of sessions in their scope, of their class.

Each read costs a fixed number of queries however many children, sessions or records it covers.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from activities import selectors as activity_selectors
from activities.models import ActivityGroup, Session
from enrollment.days import expected_applications, seated
from enrollment.models import Application, Placement
from safety.models import (
    Attendance,
    CareAlert,
    CareTransfer,
    Handover,
    Leave,
    PickupCode,
    Release,
    ReleaseRefusal,
)
from schools import access
from schools.models import AuthorizedPickup, ClassGroup, Guardianship, School, Student
from schools.selectors_home import mobile_masked

SESSION_RELATED = ("group__activity__school", "group__term", "venue", "lead")
PRESENT_STATUSES = (Attendance.Status.PRESENT, Attendance.Status.LATE, Attendance.Status.LEFT_EARLY)


# --- scope ----------------------------------------------------------------------------------


def sessions_for(user) -> QuerySet[Session]:
    """Sessions the user may run: roll call, handovers, release."""
    s = access.scope(user)
    if s.everything:
        return Session.objects.all()
    base = activity_selectors.sessions_for(user)
    if not s.staff_school_ids:
        return base
    received = Handover.objects.filter(
        to_user_id=user.pk, kind=Handover.Kind.DUTY, school_id__in=s.staff_school_ids
    ).values("session_id")
    return Session.objects.filter(Q(pk__in=base.values("pk")) | Q(pk__in=received))


def get_session_for_user(user, code) -> Session:
    return access.get_or_404(sessions_for(user).select_related(*SESSION_RELATED), code=code)


def leaves_for(user) -> QuerySet[Leave]:
    s = access.scope(user)
    if s.everything:
        return Leave.objects.all()
    return Leave.objects.filter(access.child_records_q(s))


def get_family_leave_for_user(*, user, code) -> Leave:
    """Leave of one of the user's own children."""
    own = access.scope(user).child_ids
    return access.get_or_404(
        leaves_for(user).filter(student_id__in=own).select_related("student", "cancellation"), code=code
    )


def handovers_for(user) -> QuerySet[Handover]:
    s = access.scope(user)
    if s.everything:
        return Handover.objects.all()
    conditions = Q(to_user_id=user.pk) | Q(given_by_id=user.pk)
    if s.admin_school_ids:
        conditions |= Q(school_id__in=s.admin_school_ids)
    if s.class_ids:
        conditions |= Q(class_group_id__in=s.class_ids)
    if s.staff_school_ids:
        conditions |= Q(session__in=activity_selectors.sessions_for(user))
    return Handover.objects.filter(conditions)


def get_handover_to_confirm_for_user(*, user, code) -> Handover:
    return access.get_or_404(
        handovers_for(user).select_related("session__group__activity__school", "confirmation", "class_group"),
        code=code,
    )


def class_for_teacher(*, user, code) -> ClassGroup:
    """A class the user is class teacher of, or one at a school they run."""
    s = access.scope(user)
    queryset = access.classes_for(user)
    if not s.everything:
        queryset = queryset.filter(Q(pk__in=s.class_ids) | Q(school_id__in=s.admin_school_ids))
    return access.get_or_404(queryset.select_related("school"), code=code)


def teacher_classes(*, user) -> list[ClassGroup]:
    ids = access.scope(user).class_ids
    return list(
        access.classes_for(user).filter(pk__in=ids).select_related("school").order_by("grade", "number")
    )


def get_child_for_session(*, session: Session, code) -> Student:
    """A child of the session's school (whether the child belongs to the session is the service's
    check); 404 for any other."""
    return access.get_or_404(
        Student.objects.filter(school_id=session.group.activity.school_id).select_related("class_group"),
        code=code,
    )


def guard_schools(*, user) -> list[School]:
    s = access.scope(user)
    ids = s.guard_school_ids | s.admin_school_ids
    queryset = School.objects.all() if s.everything else School.objects.filter(pk__in=ids)
    return list(queryset.order_by("name"))


def board_schools(*, user) -> list[School]:
    """Schools whose still-here board the user sees: admins' and guards' schools."""
    return guard_schools(user=user)


# --- who is expected, who is in care ------------------------------------------------------


@dataclass
class ChildDay:
    """One child in one session on its date."""

    student: Student
    session: Session
    application: Application | None = None
    leave: Leave | None = None
    mark: Attendance | None = None
    release: Release | None = None  # the child's release that day (from any session)
    transfer_out: CareTransfer | None = None
    transfer_in: CareTransfer | None = None
    refusals: list = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.leave is not None:
            return Attendance.Status.ON_LEAVE
        return self.mark.status if self.mark else "unmarked"

    @property
    def expected(self) -> bool:
        """On the roll: placed, the day is one of theirs, and not on leave."""
        return self.leave is None and self.transfer_in is None

    @property
    def releasable(self) -> bool:
        """May be released or moved: came (or was not marked absent), not gone yet."""
        if self.leave is not None or self.release is not None or self.transfer_out is not None:
            return False
        return self.status != Attendance.Status.ABSENT

    @property
    def in_care(self) -> bool:
        """Known to be in the school's care: marked there (or moved in), not released or moved on."""
        if not self.releasable:
            return False
        return self.transfer_in is not None or self.status in PRESENT_STATUSES

    @property
    def unaccounted(self) -> bool:
        """Expected, not marked at all: the absence alert covers these until a mark comes."""
        return self.releasable and self.transfer_in is None and self.status == "unmarked"

    @property
    def may_go_alone(self) -> bool:
        a = self.application
        return bool(a and a.pickup == Application.Pickup.ALONE and a.alone_consent)


@dataclass
class SessionRoster:
    session: Session
    children: list[ChildDay]
    holder: object  # the teacher holding the session now (lead, or the last confirmed duty handover)
    handovers: list[Handover]
    marks_read: int = 0  # the session's mark rows (every revision) behind `children`: see marks_unchanged

    def count(self, status: str) -> int:
        return sum(1 for c in self.children if c.expected and c.status == status)

    @property
    def expected_count(self) -> int:
        return sum(1 for c in self.children if c.expected)

    @property
    def on_leave(self) -> list[ChildDay]:
        return [c for c in self.children if c.leave is not None]

    @property
    def roll(self) -> list[ChildDay]:
        """Children on the roll call: placed for the day (those on leave shown as on leave)."""
        return [c for c in self.children if c.transfer_in is None]

    @property
    def absent_count(self) -> int:
        return self.count("absent")

    @property
    def present_count(self) -> int:
        return self.count("present") + self.count("late") + self.count("left_early")

    @property
    def in_care(self) -> list[ChildDay]:
        return [c for c in self.children if c.in_care]

    @property
    def releasable(self) -> list[ChildDay]:
        return [c for c in self.children if c.releasable]

    @property
    def unaccounted(self) -> list[ChildDay]:
        return [c for c in self.children if c.unaccounted]

    @property
    def released(self) -> list[ChildDay]:
        return [c for c in self.children if c.release is not None and c.release.session_id == self.session.pk]

    @property
    def pending_handovers(self) -> list[Handover]:
        return [h for h in self.handovers if not _confirmed(h)]


def _confirmed(handover: Handover) -> bool:
    try:
        return handover.confirmation is not None
    except Handover.confirmation.RelatedObjectDoesNotExist:
        return False


def confirmation_of(handover: Handover):
    return handover.confirmation if _confirmed(handover) else None


def rosters(
    sessions: list[Session], *, with_refusals: bool = False, with_people: bool = False
) -> list[SessionRoster]:
    """Every child of each session with leave, current mark, release and moves (8 queries at most,
    however many sessions and children). Sessions need group__term selected. `with_people`: the
    marks' and releases' staff (`marked_by`, `released_by`) loaded, for the pages that show who
    marked or released a child (records, the release list, the export); without it those are not
    read (the roll call, the board, the gate)."""
    if not sessions:
        return []
    session_ids = [s.pk for s in sessions]
    # F12: one rule decides who is expected (enrollment.days): the group's sessions on the family's days.
    applications = expected_applications(sessions)
    transfers = list(
        CareTransfer.objects.filter(Q(from_session_id__in=session_ids) | Q(to_session_id__in=session_ids))
        .select_related(
            "student__class_group", "to_session__group__activity", "from_session__group__activity"
        )
        .order_by("moved_at")
    )
    student_ids = {a.student_id for apps in applications.values() for a in apps} | {
        t.student_id for t in transfers
    }
    records = _roster_records(
        session_ids,
        {s.date for s in sessions},
        student_ids,
        with_refusals=with_refusals,
        with_people=with_people,
    )
    return [_session_roster(session, applications[session.pk], transfers, records) for session in sessions]


@dataclass
class _RosterRecords:
    leaves: dict  # student id -> [Leave]
    marks: dict  # (session id, student id) -> the latest Attendance
    releases: dict  # (student id, date) -> Release
    refusals: dict  # (session id, student id) -> [ReleaseRefusal]
    handovers: dict  # session id -> [Handover]
    marks_read: dict  # session id -> how many mark rows (every revision) were read


def _roster_records(
    session_ids, dates, student_ids, *, with_refusals: bool, with_people: bool
) -> _RosterRecords:
    leaves = defaultdict(list)
    for leave in Leave.objects.filter(
        student_id__in=student_ids, start__lte=max(dates), end__gte=min(dates), cancellation__isnull=True
    ):
        leaves[leave.student_id].append(leave)
    marks, marks_read = {}, defaultdict(int)
    # The dates prune the partitions (PostgreSQL): a day's roll reads one month's table.
    mark_rows = Attendance.objects.filter(session_id__in=session_ids, date__in=dates).order_by("revision")
    for mark in mark_rows.select_related("marked_by") if with_people else mark_rows:
        marks[(mark.session_id, mark.student_id)] = mark  # the highest revision wins
        marks_read[mark.session_id] += 1
    release_rows = Release.objects.filter(student_id__in=student_ids, date__in=dates)
    releases = {
        (r.student_id, r.date): r
        for r in (release_rows.select_related("released_by") if with_people else release_rows)
    }
    refusals = defaultdict(list)
    if with_refusals:
        for refusal in ReleaseRefusal.objects.filter(session_id__in=session_ids).select_related("refused_by"):
            refusals[(refusal.session_id, refusal.student_id)].append(refusal)
    handovers = defaultdict(list)
    for handover in (
        Handover.objects.filter(session_id__in=session_ids)
        .select_related("confirmation__confirmed_by", "class_group", "given_by", "to_user")
        .order_by("given_at")
    ):
        handovers[handover.session_id].append(handover)
    return _RosterRecords(leaves, marks, releases, refusals, handovers, marks_read)


def _session_roster(session, applications, transfers, records: _RosterRecords) -> SessionRoster:
    """One session's children (placed and moved in), in class order, and who holds the group now."""
    r = records
    children = [
        _child(session, a.student, a, r.leaves, r.marks, r.releases, r.refusals) for a in applications
    ]
    for transfer in transfers:
        if transfer.to_session_id == session.pk:
            child = _child(session, transfer.student, None, {}, r.marks, r.releases, r.refusals)
            child.transfer_in = transfer
            children.append(child)
    out = {t.student_id: t for t in transfers if t.from_session_id == session.pk}
    for child in children:
        child.transfer_out = out.get(child.student.pk)
    children.sort(key=lambda c: (c.student.class_group.grade, c.student.class_group.number, c.student.name))
    holder = session.lead
    for handover in r.handovers.get(session.pk, []):
        if handover.kind == Handover.Kind.DUTY and _confirmed(handover):
            holder = handover.to_user
    return SessionRoster(
        session=session,
        children=children,
        holder=holder,
        handovers=r.handovers[session.pk],
        marks_read=r.marks_read.get(session.pk, 0),
    )


def _child(session, student, application, leaves, marks, releases, refusals) -> ChildDay:
    leave = next(
        (
            leave
            for leave in leaves.get(student.pk, [])
            if (leave.session_id == session.pk)
            or (leave.session_id is None and leave.start <= session.date <= leave.end)
        ),
        None,
    )
    return ChildDay(
        student=student,
        session=session,
        application=application,
        leave=leave,
        mark=marks.get((session.pk, student.pk)),
        release=releases.get((student.pk, session.date)),
        refusals=refusals.get((session.pk, student.pk), []),
    )


def roster(session: Session, *, with_refusals: bool = False, with_people: bool = False) -> SessionRoster:
    return rosters([session], with_refusals=with_refusals, with_people=with_people)[0]


def marks_unchanged(item: SessionRoster) -> bool:
    """No mark of the session was written since `item` was read (one query). Marks are append-only
    (a correction is a new revision), so the count of the session's mark rows grows with every write;
    a roll-call save holding the session's lock may then reuse a roster read before the lock."""
    session = item.session
    return Attendance.objects.filter(session_id=session.pk, date=session.date).count() == item.marks_read


def _sessions(queryset: QuerySet[Session]) -> list[Session]:
    return list(queryset.select_related(*SESSION_RELATED).order_by("start", "group__name"))


def school_sessions_on(school_ids, day: datetime.date) -> list[Session]:
    return _sessions(Session.objects.filter(group__activity__school_id__in=school_ids, date=day))


def teacher_today(*, user, today: datetime.date) -> list[SessionRoster]:
    """The sessions the user leads, assists or holds by a duty handover today, with counts."""
    own = Q(lead_id=user.pk) | Q(group__assistants=user) | Q(handovers__to_user=user, handovers__kind="duty")
    sessions = _sessions(sessions_for(user).filter(own, date=today).distinct())
    return rosters(sessions)


def teacher_next_day(*, user, after: datetime.date) -> list[SessionRoster]:
    """The user's sessions (as in teacher_today) of their next service day after `after`."""
    own = Q(lead_id=user.pk) | Q(group__assistants=user) | Q(handovers__to_user=user, handovers__kind="duty")
    mine = sessions_for(user).filter(own, date__gt=after)
    day = mine.order_by("date").values_list("date", flat=True).first()
    return [] if day is None else teacher_today(user=user, today=day)


def pending_for_receiver(*, user, today: datetime.date) -> list[Handover]:
    """Handovers today waiting for this user's confirmation."""
    return list(
        Handover.objects.filter(to_user=user, given_at__date=today, confirmation__isnull=True)
        .select_related("session__group__activity", "class_group", "given_by")
        .order_by("given_at")
    )


def staff_choices(*, school: School, exclude) -> QuerySet:
    """Teachers of the school who may take over a session (duty handover)."""
    return (
        activity_selectors.staff_for_school(school)
        .exclude(pk__in=[u.pk for u in exclude if u is not None])
        .order_by("last_name", "first_name", "username")
    )


def transfer_choices(*, session: Session) -> list[Session]:
    """Other sessions of the school the same day a child can move to (not yet ended)."""
    return _sessions(
        Session.objects.filter(
            group__activity__school_id=session.group.activity.school_id,
            date=session.date,
            end__gt=session.start,
        ).exclude(pk=session.pk)
    )


# --- session history and the printable sheet --------------------------------------------


HISTORY_DAYS = 30  # how far back the session history reaches


def session_history(
    *, user, today: datetime.date, days: int = HISTORY_DAYS, limit: int = 300
) -> list[Session]:
    """Sessions of the last `days` days before today the user may run (school admins: their schools'),
    newest first (1 query)."""
    first = today - datetime.timedelta(days=days)
    return list(
        sessions_for(user)
        .filter(date__gte=first, date__lt=today)
        .select_related(*SESSION_RELATED)
        .order_by("-date", "start", "group__name")[:limit]
    )


@dataclass
class SheetRow:
    student: Student
    class_name: str
    note: str  # "" when expected; the leave otherwise
    pickups: list[str]  # valid guardians and authorised persons: name (relationship) and masked id


@dataclass
class Sheet:
    session: Session
    rows: list[SheetRow]


def _sheet_people(people: list) -> list[str]:
    out = []
    for p in people:
        if not p.valid:
            continue
        last4 = getattr(p.obj, "id_last4", "") if p.kind == "pickup" else ""
        masked = f" {'*' * 14}{last4}" if last4 else ""
        out.append(f"{p.name}（{p.relationship}）{masked}")
    return out


def session_sheet(session: Session) -> Sheet:
    """The children on the session's roll (expected by enrollment.days; those on leave noted) with the
    people who may collect each of them that day (at most 10 queries)."""
    item = roster(session)
    children = [c for c in item.children if c.transfer_in is None]
    people = pickup_list(students=[c.student for c in children], day=session.date)
    rows = [
        SheetRow(
            student=c.student,
            class_name=c.student.class_group.display_name,
            note=str(Attendance.Status.ON_LEAVE.label) if c.leave is not None else "",
            pickups=_sheet_people(people.get(c.student.pk, [])),
        )
        for c in children
    ]
    return Sheet(session=session, rows=rows)


# --- the class teacher's day --------------------------------------------------------------


@dataclass
class ClassSession:
    roster: SessionRoster
    children: list[ChildDay]  # of this class
    handover: Handover | None

    @property
    def expected(self) -> int:
        return sum(1 for c in self.children if c.expected)


def class_day(*, class_group: ClassGroup, day: datetime.date) -> list[ClassSession]:
    """Today's sessions holding children of the class, with those children and the handover."""
    sessions = school_sessions_on([class_group.school_id], day)
    result = []
    for item in rosters(sessions):
        mine = [
            c for c in item.children if c.student.class_group_id == class_group.pk and c.transfer_in is None
        ]
        if not mine:
            continue
        handover = next(
            (
                h
                for h in item.handovers
                if h.kind == Handover.Kind.CLASS and h.class_group_id == class_group.pk
            ),
            None,
        )
        result.append(ClassSession(roster=item, children=mine, handover=handover))
    return result


def class_leaves(*, class_group: ClassGroup, start: datetime.date, days: int = 14) -> list[Leave]:
    return list(
        Leave.objects.filter(
            student__class_group=class_group, end__gte=start, start__lte=start + datetime.timedelta(days=days)
        )
        .select_related("student", "session__group", "cancellation", "reported_by")
        .order_by("start", "student__name")
    )


# --- the family's page ----------------------------------------------------------------------


@dataclass
class FamilyChild:
    student: Student
    today: list[ChildDay]
    history: list[ChildDay]
    leaves: list[Leave]


def family_children(*, user, today: datetime.date, days_back: int = 14) -> list[FamilyChild]:
    """The user's own children: today's sessions, the last two weeks' attendance and releases, and
    their leave (fixed number of queries)."""
    own = access.scope(user).child_ids
    students = list(
        access.students_for(user)
        .filter(pk__in=own)
        .select_related("school", "class_group")
        .order_by("class_group__grade", "name")
    )
    if not students:
        return []
    start = today - datetime.timedelta(days=days_back)
    groups = Placement.objects.filter(
        application__student__in=students, status=Placement.Status.PLACED
    ).values("group_id")
    sessions = _sessions(Session.objects.filter(group_id__in=groups, date__gte=start, date__lte=today))
    by_child = defaultdict(list)
    for item in rosters(sessions):
        for child in item.children:
            by_child[child.student.pk].append(child)
    leaves = defaultdict(list)
    for leave in (
        Leave.objects.filter(student__in=students, end__gte=start)
        .select_related("session__group", "cancellation")
        .order_by("start")
    ):
        leaves[leave.student_id].append(leave)
    result = []
    for student in students:
        days = by_child.get(student.pk, [])
        result.append(
            FamilyChild(
                student=student,
                today=[d for d in days if d.session.date == today],
                history=sorted(
                    [d for d in days if d.session.date < today],
                    key=lambda d: (d.session.date, d.session.start),
                    reverse=True,
                ),
                leaves=leaves.get(student.pk, []),
            )
        )
    return result


def child_upcoming_sessions(*, student: Student, today: datetime.date, days: int = 14) -> list[Session]:
    """The child's sessions in the next two weeks (placed, on their days): leave for one session."""
    groups = Placement.objects.filter(
        application__student=student,
        application__status=Application.Status.APPROVED,
        status=Placement.Status.PLACED,
    ).values("group_id")
    sessions = _sessions(
        Session.objects.filter(
            group_id__in=groups, date__gte=today, date__lte=today + datetime.timedelta(days=days)
        ).order_by("date", "start")
    )
    result = []
    for item in rosters(sessions):
        if any(c.student.pk == student.pk for c in item.roll):
            result.append(item.session)
    return sorted(result, key=lambda s: (s.date, s.start))


def active_application(*, student: Student, day: datetime.date) -> Application | None:
    return (
        Application.objects.filter(
            student=student, status=Application.Status.APPROVED, term__start__lte=day, term__end__gte=day
        )
        .order_by("-submitted_at")
        .first()
    )


def get_own_pickup_code_for_user(*, user, student: Student, code) -> PickupCode:
    """One of the pick-up codes this user issued for the child; anyone else's answers 404 (F13)."""
    return access.get_or_404(
        PickupCode.objects.filter(student=student, issued_by=user).select_related("student"), code=code
    )


# --- a child's pick-up list (release page, gate) ------------------------------------------


@dataclass
class Person:
    kind: str  # "guardian" or "pickup"
    key: str  # "g:<code>" or "p:<code>"
    name: str
    relationship: str
    masked_mobile: str
    state: str  # valid, restricted, ended, expired, upcoming
    restriction_reason: str = ""
    obj: object = None

    @property
    def valid(self) -> bool:
        return self.state == "valid"


def pickup_list(*, students: list[Student], day: datetime.date) -> dict[int, list[Person]]:
    """Each child's guardians and authorised persons with their state on the day (2 queries)."""
    ids = [s.pk for s in students]
    people = defaultdict(list)
    for link in Guardianship.objects.filter(student_id__in=ids).select_related("guardian").order_by("pk"):
        g = link.guardian
        # F13: the school may restrict a guardian (court order) or end the guardianship.
        state = "restricted" if link.restricted else "ended" if link.ended_at is not None else "valid"
        people[link.student_id].append(
            Person(
                "guardian",
                f"g:{g.code}",
                g.name,
                link.relationship,
                mobile_masked(g.mobile),
                state,
                link.restriction_reason,
                obj=g,
            )
        )
    for p in AuthorizedPickup.objects.filter(student_id__in=ids).order_by("name", "pk"):
        people[p.student_id].append(
            Person(
                "pickup",
                f"p:{p.code}",
                p.name,
                p.relationship,
                mobile_masked(p.mobile),
                p.state_on(day),
                p.restriction_reason,
                obj=p,
            )
        )
    return people


# --- the still-here board -------------------------------------------------------------------


@dataclass
class BoardRow:
    child: ChildDay
    holder: object
    due: datetime.datetime
    overdue: bool


@dataclass
class Board:
    school: School
    day: datetime.date
    rows: list[BoardRow]  # children in care in sessions that have started
    unaccounted: list[ChildDay]  # expected in a started session, not marked yet
    upcoming: list[SessionRoster]  # sessions not started yet
    released: int
    alerts: list[CareAlert]


def care_sessions(rosters_: list[SessionRoster]) -> dict[int, tuple[ChildDay, SessionRoster]]:
    """Each child in care: the session holding them now (moved children: the receiving one)."""
    held = {}
    for item in rosters_:
        for child in item.children:
            if child.in_care:
                current = held.get(child.student.pk)
                if current is None or child.session.start >= current[0].session.start:
                    held[child.student.pk] = (child, item)
    return held


def due_at(session: Session, grace_minutes: int) -> datetime.datetime:
    end = timezone.make_aware(datetime.datetime.combine(session.date, session.end))
    return end + datetime.timedelta(minutes=grace_minutes)


def board(*, school: School, now: datetime.datetime, grace_minutes: int) -> Board:
    day = timezone.localdate(now)
    items = rosters(school_sessions_on([school.pk], day))
    local = timezone.localtime(now).time()
    rows = []
    for child, item in care_sessions(items).values():
        if item.session.start > local:
            continue
        due = due_at(item.session, grace_minutes)
        rows.append(BoardRow(child=child, holder=item.holder, due=due, overdue=now >= due))
    rows.sort(
        key=lambda r: (
            not r.overdue,
            r.child.session.start,
            r.child.student.class_group.grade,
            r.child.student.name,
        )
    )
    released = len({c.student.pk for item in items for c in item.children if c.release is not None})
    alerts = list(
        CareAlert.objects.filter(school=school, date=day)
        .select_related("student", "session__group")
        .order_by("-created")[:50]
    )
    unaccounted = [c for item in items if item.session.start <= local for c in item.children if c.unaccounted]
    return Board(
        school=school,
        day=day,
        rows=rows,
        unaccounted=unaccounted,
        upcoming=[i for i in items if i.session.start > local],
        released=released,
        alerts=alerts,
    )


# --- the gate -------------------------------------------------------------------------------


@dataclass
class GateMatch:
    person: Person
    student: Student
    care: ChildDay | None  # the child's session today (None: not in the service today)
    code: PickupCode | None = None


def gate_lookup(
    *, school: School, query: str, now: datetime.datetime, code_digest: str | None
) -> list[GateMatch]:
    """Today's children of the school whose guardian or authorised person matches a name or
    mobile, or whose live pick-up code has this digest (fixed number of queries). The matches are
    found first; only the sessions those children may be in today are read (none when nobody
    matches), not the whole school's roster."""
    day = timezone.localdate(now)
    if code_digest:
        codes = _live_codes(school=school, code_digest=code_digest, now=now)
        if codes:
            today = _children_today(rosters(_sessions_of_children(school, day, set(codes))))
            return _matches_by_code(codes=codes, day=day, today=today)
    q = query.strip()
    if not q:
        return []
    found = _people_matching(school=school, query=q)
    if not found:
        return []
    today = _children_today(rosters(_sessions_of_children(school, day, set(found))))
    return _matches_by_person(found={sid: found[sid] for sid in found if sid in today}, day=day, today=today)


def _sessions_of_children(school: School, day: datetime.date, student_ids: set) -> list[Session]:
    """The school's sessions of the day in which these children may be: their groups' (the rule of
    enrollment.days then decides who is expected) and those they were moved into or out of."""
    moved = CareTransfer.objects.filter(student_id__in=student_ids)
    return _sessions(
        Session.objects.filter(group__activity__school_id=school.pk, date=day).filter(
            Q(group_id__in=seated().filter(application__student_id__in=student_ids).values("group_id"))
            | Q(pk__in=moved.values("to_session_id"))
            | Q(pk__in=moved.values("from_session_id"))
        )
    )


def _children_today(items: list[SessionRoster]) -> dict[int, ChildDay]:
    """Each child's day at the school: the session they are in care in, else the one they left."""
    today = {}
    for item in items:
        for child in item.children:
            current = today.get(child.student.pk)
            if current is None or child.in_care or (child.release is not None and not current.in_care):
                today[child.student.pk] = child
    return today


def _live_codes(*, school, code_digest: str, now) -> dict[int, PickupCode]:
    return {
        code.student_id: code
        for code in PickupCode.objects.filter(
            digest=code_digest,
            student__school=school,
            used_at__isnull=True,
            locked_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
        ).select_related("student__class_group", "issued_by")
    }


def _matches_by_code(*, codes: dict[int, PickupCode], day, today: dict[int, ChildDay]) -> list[GateMatch]:
    students = [c.student for c in codes.values()]
    people = pickup_list(students=students, day=day)
    matches = []
    for student in students:
        code = codes[student.pk]
        issuer = next(
            (p for p in people[student.pk] if p.kind == "guardian" and p.obj.user_id == code.issued_by_id),
            None,
        )
        person = issuer or Person("guardian", "", str(code.issued_by), "", "", "valid")
        matches.append(GateMatch(person=person, student=student, care=today.get(student.pk), code=code))
    return matches


def _people_matching(*, school: School, query: str) -> dict[int, set]:
    """The school's children whose guardian or authorised person matches: by the last digits of a
    mobile (4 or more), else by part of the name. {student id: {(kind, person id)}}"""
    digits = query.replace(" ", "")
    by_mobile = digits.isdigit() and len(digits) >= 4
    guardian_q = Q(guardian__mobile__endswith=digits) if by_mobile else Q(guardian__name__contains=query)
    pickup_q = Q(mobile__endswith=digits) if by_mobile else Q(name__contains=query)
    found = defaultdict(set)
    for student_id, guardian_id in Guardianship.objects.filter(
        guardian_q, student__school_id=school.pk
    ).values_list("student_id", "guardian_id"):
        found[student_id].add(("guardian", guardian_id))
    for student_id, pickup_id in AuthorizedPickup.objects.filter(
        pickup_q, student__school_id=school.pk
    ).values_list("student_id", "pk"):
        found[student_id].add(("pickup", pickup_id))
    return found


def _matches_by_person(
    *, found: dict[int, set], day: datetime.date, today: dict[int, ChildDay]
) -> list[GateMatch]:
    """The matched people of today's children, with each child's day."""
    if not found:
        return []
    students = {sid: today[sid].student for sid in found}
    people = pickup_list(students=list(students.values()), day=day)
    matches = [
        GateMatch(person=person, student=students[student_id], care=today[student_id])
        for student_id, wanted in found.items()
        for person in people[student_id]
        if (person.kind, person.obj.pk) in wanted
    ]
    matches.sort(key=lambda m: (m.person.name, m.student.name))
    return matches


# --- the school's records -------------------------------------------------------------------


@dataclass
class Records:
    school: School
    day: datetime.date
    rosters: list[SessionRoster]
    refusals: list[ReleaseRefusal]
    alerts: list[CareAlert]


def records_day(
    *,
    school: School,
    day: datetime.date,
    group: ActivityGroup | None = None,
    class_group: ClassGroup | None = None,
) -> Records:
    sessions = Session.objects.filter(group__activity__school=school, date=day)
    if group is not None:
        sessions = sessions.filter(group=group)
    items = rosters(_sessions(sessions), with_refusals=True, with_people=True)
    if class_group is not None:
        for item in items:
            item.children = [c for c in item.children if c.student.class_group_id == class_group.pk]
            item.handovers = [
                h for h in item.handovers if h.kind == "duty" or h.class_group_id == class_group.pk
            ]
        items = [i for i in items if i.children]
    return Records(
        school=school,
        day=day,
        rosters=items,
        refusals=list(
            ReleaseRefusal.objects.filter(school=school, date=day)
            .select_related("student", "refused_by")
            .order_by("refused_at")
        ),
        alerts=list(
            CareAlert.objects.filter(school=school, date=day).select_related("student").order_by("created")
        ),
    )


def records_range(
    *,
    school: School,
    start: datetime.date,
    end: datetime.date,
    group: ActivityGroup | None = None,
    class_group: ClassGroup | None = None,
) -> list[SessionRoster]:
    """Every session of the school between two dates with its children and records (for export)."""
    sessions = Session.objects.filter(group__activity__school=school, date__gte=start, date__lte=end)
    if group is not None:
        sessions = sessions.filter(group=group)
    items = rosters(
        list(sessions.select_related(*SESSION_RELATED).order_by("date", "start", "group__name")),
        with_people=True,
    )
    if class_group is not None:
        for item in items:
            item.children = [c for c in item.children if c.student.class_group_id == class_group.pk]
            item.handovers = [
                h for h in item.handovers if h.kind == "duty" or h.class_group_id == class_group.pk
            ]
    return items


def record_groups(*, school: School, day: datetime.date) -> list[ActivityGroup]:
    """The school's groups meeting on the day (the records page's filter)."""
    return list(
        ActivityGroup.objects.filter(activity__school=school, sessions__date=day).distinct().order_by("name")
    )


def school_groups(*, school: School) -> QuerySet[ActivityGroup]:
    return ActivityGroup.objects.filter(activity__school=school)
