"""Reads for the enrollment pages: the family's page, the class review queue and the school admin's
window, notice, survey results, applications overview and placement board.

Scope builds on schools.access:
- superuser: everything;
- parent: the applications of their own children;
- class teacher: the applications of the children of their classes;
- school admin: the applications of the schools they manage;
- bureau officers and everybody else: none individually (PIPL: bureaus see counts, not children).

Out of scope and missing look the same (404). List pages cost a fixed number of queries however
many applications, groups or placements there are.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Case, Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from activities import selectors as activity_selectors
from activities.forms import WEEKDAY_NAMES
from activities.models import ActivityGroup, Category, Provider, Session, Term
from enrollment import days, services
from enrollment.models import (
    Application,
    Choice,
    EnrollmentWindow,
    NoticeAcknowledgement,
    ParentNotice,
    Placement,
    Survey,
    SurveyResponse,
)
from schools import access
from schools import selectors as school_selectors
from schools.models import GRADE_NAMES, ClassGroup, School, Student
from schools.selectors_home import PRIORITY_GROUPS

LIVE = (Placement.Status.PLACED, Placement.Status.WAITLISTED)
NEXT_SESSIONS = 5
NEXT_SESSIONS_DAYS = 35  # enough weeks to find the next five sessions of a weekly group

# M2: priority groups served first. The guardian's declaration counts only with its own consent
# (PIPL: sensitive data); the school's own record of the child counts as placement_run counts it.
DECLARED_PRIORITY_Q = Q(priority_consent=True) & (
    Q(left_behind=True) | Q(migrant=True) | Q(low_income=True) | Q(disability=True) | ~Q(other_need="")
)
RECORDED_PRIORITY_Q = (
    Q(student__left_behind=True)
    | Q(student__migrant=True)
    | Q(student__low_income=True)
    | Q(student__disability=True)
    | ~Q(student__other_priority_note="")
)


# --- scope ----------------------------------------------------------------------------------


def applications_for(user) -> QuerySet[Application]:
    """A family's, a class teacher's, a school admin's (by the school whose term it is for)."""
    s = access.scope(user)
    if s.everything:
        return Application.objects.all()
    return Application.objects.filter(access.child_records_q(s, school="term__school"))


def placements_for(user) -> QuerySet[Placement]:
    return Placement.objects.filter(application__in=applications_for(user))


def get_family_placement_for_user(*, user, code) -> Placement:
    """A seat or wait-list place of one of the user's own children."""
    own = access.scope(user).child_ids
    return access.get_or_404(
        Placement.objects.filter(
            application__in=applications_for(user), application__student_id__in=own
        ).select_related("application__student", "group"),
        code=code,
    )


def get_family_application_for_user(*, user, code) -> Application:
    """An application of one of the user's own children (not of a class or school they work for)."""
    own = access.scope(user).child_ids
    return access.get_or_404(
        applications_for(user)
        .filter(student_id__in=own)
        .select_related("student__school", "student__class_group", "term", "guardian"),
        code=code,
    )


def get_application_to_review_for_user(*, user, code) -> Application:
    """An application the user reviews as the class teacher of the child's class."""
    return access.get_or_404(_review_scope(user).select_related(*_ROW_RELATED), code=code)


def get_placement_to_manage_for_user(*, user, code) -> Placement:
    """A placement at a school the user runs."""
    s = access.scope(user)
    queryset = Placement.objects.all()
    if not s.everything:
        queryset = queryset.filter(group__term__school_id__in=s.admin_school_ids)
    return access.get_or_404(
        queryset.select_related(
            "group__activity", "group__term__school", "application__student__class_group"
        ),
        code=code,
    )


def get_admin_term_for_user(*, user, code) -> Term:
    """A term of a school the user runs."""
    return activity_selectors.get_term_for_user(user, code)


def admin_school(*, user, code=None) -> School:
    return activity_selectors.managed_school(user, code)


# --- terms ----------------------------------------------------------------------------------


def _window_open_on(term: Term, today: datetime.date) -> bool:
    window = window_of(term)
    return bool(
        window
        and not window.published_at
        and timezone.localdate(window.opens_at) <= today <= timezone.localdate(window.closes_at)
    )


def _pick_current(terms: list[Term], today: datetime.date) -> Term | None:
    """A coming term whose application window is open today (F15: families apply for the next term
    while the current one still runs), else the term running today, else the next one to start
    (applications come before a term), else the one that ended last."""
    coming = [t for t in terms if t.start > today]
    enrolling = [t for t in coming if _window_open_on(t, today)]
    if enrolling:
        return min(enrolling, key=lambda t: t.start)
    running = [t for t in terms if t.start <= today <= t.end]
    if running:
        return max(running, key=lambda t: t.start)
    if coming:
        return min(coming, key=lambda t: t.start)
    return max(terms, key=lambda t: t.end) if terms else None


def current_terms(school_ids, today: datetime.date) -> dict[int, Term]:
    """Each school's current term, with its window and survey (1 query)."""
    by_school: dict[int, list[Term]] = defaultdict(list)
    for term in Term.objects.filter(school_id__in=list(school_ids)).select_related(
        "school", "window", "survey"
    ):
        by_school[term.school_id].append(term)
    return {school_id: _pick_current(terms, today) for school_id, terms in by_school.items()}


def term_current(*, school: School, today: datetime.date) -> Term | None:
    return current_terms([school.pk], today).get(school.pk)


def school_terms(school: School) -> QuerySet[Term]:
    return school.terms.order_by("-start")


def window_of(term: Term) -> EnrollmentWindow | None:
    try:
        return term.window
    except EnrollmentWindow.DoesNotExist:
        return None


def survey_of(term: Term) -> Survey | None:
    try:
        return term.survey
    except Survey.DoesNotExist:
        return None


def survey_is_open(survey: Survey | None, now: datetime.datetime) -> bool:
    return bool(survey and not survey.draft and survey.opens_at <= now <= survey.closes_at)


def family_providers(*, user, today: datetime.date) -> list[dict]:
    """For each school of the parent's own children: the qualified providers (有资质的机构, M2) of
    the school's region that are still qualified today, for families who want the service
    elsewhere (2 queries + 1 per school; a family has one or two schools)."""
    schools = (
        School.objects.filter(
            pk__in=Student.objects.filter(pk__in=access.scope(user).child_ids).values("school_id")
        )
        .select_related("region")
        .order_by("name")
    )
    return [
        {"school": school, "providers": list(activity_selectors.providers_for_school(school, today))}
        for school in schools
    ]


def survey_state(survey: Survey | None, now: datetime.datetime) -> str:
    """ "none", "draft" (carried over, not opened), "scheduled" (opens later), "open" or "closed"."""
    if survey is None:
        return "none"
    if survey.draft:
        return "draft"
    if now < survey.opens_at:
        return "scheduled"
    return "open" if now < survey.closes_at else "closed"


def surveys_of_school(school: School) -> list[dict]:
    """The school's terms, newest first, each with its survey, state and answer count (2 queries)."""
    now = timezone.now()
    terms = list(school.terms.select_related("survey").order_by("-start"))
    counts = dict(
        SurveyResponse.objects.filter(survey__term__in=terms)
        .values("survey__term_id")
        .annotate(n=Count("pk"))
        .values_list("survey__term_id", "n")
    )
    rows = []
    for term in terms:
        survey = survey_of(term)
        rows.append(
            {
                "term": term,
                "survey": survey,
                "state": survey_state(survey, now),
                "answers": counts.get(term.pk, 0),
            }
        )
    return rows


# --- labels ---------------------------------------------------------------------------------


def priority_labels(application: Application) -> list:
    """Badges for the priority groups: the guardian's declaration (shown only with its consent)
    and the school's own record of the child."""
    declared = {}
    if application.priority_consent:
        declared = {
            "left_behind": application.left_behind,
            "migrant": application.migrant,
            "low_income": application.low_income,
            "disability": application.disability,
            "other": bool(application.other_need),
        }
    student = application.student
    recorded = {
        "left_behind": student.left_behind,
        "migrant": student.migrant,
        "low_income": student.low_income,
        "disability": student.disability,
        "other": bool(student.other_priority_note),
    }
    return [label for key, _q, label in PRIORITY_GROUPS if declared.get(key) or recorded[key]]


def weekday_names(days: str) -> str:
    return "、".join(str(WEEKDAY_NAMES[int(d)]) for d in sorted(days or "") if d.isdigit())


# --- the family's page ----------------------------------------------------------------------


@dataclass
class ChildCard:
    student: Student
    application: Application | None = None
    placement: Placement | None = None  # a seat or wait-list place, once published
    sessions: list[Session] = field(default_factory=list)
    survey_answered: bool = False
    can_apply: bool = False

    @property
    def active(self) -> bool:
        return bool(self.application and self.application.status in Application.ACTIVE)

    @property
    def waitlist_rank(self) -> int | None:
        if self.placement is None or self.placement.status != Placement.Status.WAITLISTED:
            return None
        return self.placement.ahead + 1

    @property
    def can_edit(self) -> bool:
        return bool(
            self.application
            and self.application.status in (Application.Status.SUBMITTED, Application.Status.RETURNED)
        )


@dataclass
class SchoolBlock:
    school: School
    term: Term | None = None
    providers: list[Provider] = field(default_factory=list)
    notice: ParentNotice | None = None
    acknowledged: bool = False
    read_earlier_version: bool = False  # a new version asks the guardian to read it again
    round: str = ""
    published: bool = False
    survey: Survey | None = None  # only while it is open
    children: list[ChildCard] = field(default_factory=list)


def _latest_per_child(applications) -> dict[int, Application]:
    """The child's application for the term: the active one, else the most recent."""
    picked: dict[int, Application] = {}
    for application in applications:  # newest first
        current = picked.get(application.student_id)
        if current is None or (
            application.status in Application.ACTIVE and current.status not in Application.ACTIVE
        ):
            picked[application.student_id] = application
    return picked


def _choices_prefetch() -> Prefetch:
    return Prefetch(
        "choices",
        queryset=Choice.objects.select_related("group__activity", "group__venue").order_by("rank"),
    )


def _waiting_ahead():
    """How many children wait before this one in its group. Stored positions keep their gaps when
    children ahead are promoted or moved away; the family sees its real place in the queue."""
    ahead = (
        Placement.objects.filter(
            group_id=OuterRef("group_id"),
            status=Placement.Status.WAITLISTED,
            position__lt=OuterRef("position"),
        )
        .order_by()
        .values("group_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(ahead, output_field=IntegerField()), 0)


@dataclass
class _FamilyNotices:
    """The current notice of each term, and which of them (or an earlier version) the guardian read."""

    current: dict[int, ParentNotice]
    acknowledged: set[int]
    read_before: set[int]


def _family_notices(*, term_ids: list[int], guardian_id) -> _FamilyNotices:
    current: dict[int, ParentNotice] = {}
    published = ParentNotice.objects.filter(term_id__in=term_ids, draft=False)
    for notice in published.order_by("term_id", "-version"):
        current.setdefault(notice.term_id, notice)
    acks = list(
        NoticeAcknowledgement.objects.filter(
            guardian_id=guardian_id, notice__term_id__in=term_ids
        ).values_list("notice_id", "notice__term_id")
    )
    return _FamilyNotices(
        current=current,
        acknowledged={notice_id for notice_id, _term in acks},
        read_before={term_id for _notice, term_id in acks},
    )


def _family_applications(*, term_ids: list[int], students: list[Student]) -> dict[int, Application]:
    """Each child's application for its current term, with choices and live placements."""
    return _latest_per_child(
        Application.objects.filter(term_id__in=term_ids, student__in=[s.pk for s in students])
        .select_related("term")
        .prefetch_related(
            _choices_prefetch(),
            "pickup_persons",
            Prefetch(
                "placements",
                queryset=Placement.objects.filter(status__in=LIVE)
                .annotate(ahead=_waiting_ahead())
                .select_related("group__activity", "group__venue", "group__lead")
                .prefetch_related("group__slots"),
                to_attr="live",
            ),
        )
        .order_by("-submitted_at", "-pk")
    )


def _school_block_fill(
    block: SchoolBlock, *, term: Term | None, notices: _FamilyNotices, now: datetime.datetime, today
) -> None:
    """The school's term, notice, round and open survey (or its providers when it has no service)."""
    block.term = term
    if not block.school.offers_service:
        block.providers = list(activity_selectors.providers_for_school(block.school, today))
        return
    if term is None:
        return
    window = window_of(term)
    block.notice = notices.current.get(term.pk)
    block.acknowledged = bool(block.notice and block.notice.pk in notices.acknowledged)
    block.read_earlier_version = not block.acknowledged and term.pk in notices.read_before
    block.round = services.application_round(term=term)
    block.published = bool(window and window.published_at)
    survey = survey_of(term)
    block.survey = survey if survey_is_open(survey, now) else None


def _child_card_fill(card: ChildCard, *, block: SchoolBlock, application: Application | None) -> None:
    """The child's application, its seat (or wait-list place) once published, and whether the family
    may apply now."""
    card.application = application
    if application and block.published and application.status == Application.Status.APPROVED:
        live = application.live
        card.placement = next((p for p in live if p.status == Placement.Status.PLACED), None) or (
            live[0] if live else None
        )
    # In the second round a child approved but not placed may still take a remaining seat.
    unplaced = (
        application is not None and application.status == Application.Status.APPROVED and not _is_placed(card)
    )
    card.can_apply = bool(block.round) and (not card.active or (block.round == "second" and unplaced))


def _is_placed(card: ChildCard) -> bool:
    return bool(card.placement and card.placement.status == Placement.Status.PLACED)


def _cards_sessions(cards: list[ChildCard], today: datetime.date) -> None:
    """The next sessions of each placed child: the group's sessions on the family's days (F12)."""
    placed = [card for card in cards if _is_placed(card)]
    if not placed:
        return
    by_group = defaultdict(list)
    horizon = today + datetime.timedelta(days=NEXT_SESSIONS_DAYS)
    for session in days.with_runs_as(
        Session.objects.filter(
            group_id__in={card.placement.group_id for card in placed}, date__gte=today, date__lte=horizon
        )
        .select_related("venue")
        .order_by("date", "start")
    ):
        by_group[session.group_id].append(session)
    for card in placed:
        family_days = card.application.days
        card.sessions = [
            s
            for s in by_group.get(card.placement.group_id, [])
            if days.expected_on(family_days=family_days, runs_as=s.runs_as)
        ][:NEXT_SESSIONS]


def family_enrollment(*, user, now: datetime.datetime | None = None) -> list[SchoolBlock]:
    """Per school of the user's children: the current term, its notice, survey and window state,
    and each child's application and (once published) seat with the group's timetable."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    students = list(school_selectors.family_children(user=user))
    if not students:
        return []
    blocks: dict[int, SchoolBlock] = {}
    for student in students:
        blocks.setdefault(student.school_id, SchoolBlock(school=student.school))
    terms = current_terms(blocks, today)
    term_ids = [t.pk for t in terms.values() if t]
    notices = _family_notices(term_ids=term_ids, guardian_id=access.scope(user).guardian_id)
    applications = _family_applications(term_ids=term_ids, students=students)
    answered = set(
        SurveyResponse.objects.filter(survey__term_id__in=term_ids, student__in=students).values_list(
            "student_id", flat=True
        )
    )
    for school_id, block in blocks.items():
        _school_block_fill(block, term=terms.get(school_id), notices=notices, now=now, today=today)
    cards = []
    for student in students:
        block = blocks[student.school_id]
        card = ChildCard(student=student, survey_answered=student.pk in answered)
        block.children.append(card)
        if block.school.offers_service and block.term is not None:
            _child_card_fill(card, block=block, application=applications.get(student.pk))
            cards.append(card)
    _cards_sessions(cards, today)
    return list(blocks.values())


def term_notices(*, term: Term | None) -> QuerySet[ParentNotice]:
    """Every published version of the term's notice to parents (none without a term)."""
    if term is None:
        return ParentNotice.objects.none()
    return ParentNotice.objects.filter(term=term, draft=False).select_related("term")


def survey_response(*, survey: Survey, student: Student) -> SurveyResponse | None:
    return SurveyResponse.objects.filter(survey=survey, student=student).first()


def family_active_application(*, student: Student, term: Term) -> Application | None:
    return Application.objects.filter(term=term, student=student, status__in=Application.ACTIVE).first()


def family_pickups_valid(*, user, student: Student, today: datetime.date):
    """The child's pick-up persons a guardian may name on an application: valid today."""
    return access.pickups_for(user).valid_on(today).filter(student=student).order_by("name", "pk")


def groups_with_seats(*, term: Term, student: Student) -> list[ActivityGroup]:
    """The groups open to the child (services.groups_open_to), each with its slots and free seats."""
    groups = list(
        services.groups_open_to(term=term, student=student)
        .annotate(placed=Count("placements", filter=Q(placements__status=Placement.Status.PLACED)))
        .prefetch_related("slots")
    )
    for group in groups:
        group.free = max(group.capacity - group.placed, 0)
    return groups


# --- class review ---------------------------------------------------------------------------

_ROW_RELATED = ("student__class_group", "student__school", "guardian", "term", "reviewed_by")


def _review_scope(user) -> QuerySet[Application]:
    s = access.scope(user)
    queryset = applications_for(user)
    if not s.everything:
        queryset = queryset.filter(student__class_group_id__in=s.class_ids)
    return queryset


def review_terms(*, user, today: datetime.date) -> list[Term]:
    """The current terms of the schools of the user's classes."""
    s = access.scope(user)
    classes = ClassGroup.objects.all() if s.everything else ClassGroup.objects.filter(pk__in=s.class_ids)
    school_ids = set(classes.values_list("school_id", flat=True))
    return [t for t in current_terms(school_ids, today).values() if t]


def review_counts(*, user, terms: list[Term]) -> dict[str, int]:
    rows = _review_scope(user).filter(term__in=terms).values("status").annotate(n=Count("pk")).order_by()
    return {row["status"]: row["n"] for row in rows}


def review_queue(*, user, terms: list[Term], status: str = Application.Status.SUBMITTED) -> list[Application]:
    """Applications of the user's classes in these terms with this status: priority groups first
    (M2), then by submission time. Three queries at any length."""
    rows = list(
        _review_scope(user)
        .filter(term__in=terms, status=status)
        .annotate(
            priority_rank=Case(
                When(DECLARED_PRIORITY_Q | RECORDED_PRIORITY_Q, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .select_related(*_ROW_RELATED)
        .prefetch_related(_choices_prefetch(), "pickup_persons")
        .order_by("priority_rank", "submitted_at", "pk")
    )
    for application in rows:
        application.priority_badges = priority_labels(application)
    return rows


def review_applications(*, user, codes) -> list[Application]:
    """The user's pending applications among these codes (bulk approval)."""
    return list(
        access.filter_by_codes(_review_scope(user), codes)
        .filter(status=Application.Status.SUBMITTED)
        .select_related("student")
        .order_by("submitted_at", "pk")
    )


def review_detail(application: Application) -> Application:
    """One application with its choices (their groups' slots) and pick-up persons."""
    application = (
        Application.objects.filter(pk=application.pk)
        .select_related(*_ROW_RELATED)
        .prefetch_related(
            Prefetch(
                "choices",
                queryset=Choice.objects.select_related(
                    "group__activity", "group__venue", "group__lead"
                ).prefetch_related("group__slots"),
            ),
            "pickup_persons",
        )
        .get()
    )
    application.priority_badges = priority_labels(application)
    return application


# --- the school admin's pages ---------------------------------------------------------------


def acknowledgement_count(notice: ParentNotice | None) -> int:
    return notice.acknowledgements.count() if notice else 0


@dataclass
class OverviewRow:
    label: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def applications_overview(term: Term) -> tuple[list[OverviewRow], OverviewRow]:
    """Applications per class and status, and the term's totals (2 queries)."""
    counts: dict[int, Counter] = defaultdict(Counter)
    for row in (
        Application.objects.filter(term=term)
        .values("student__class_group_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[row["student__class_group_id"]][row["status"]] += row["n"]
    rows = []
    total = Counter()
    for klass in ClassGroup.objects.filter(school_id=term.school_id).order_by("grade", "number"):
        found = counts.get(klass.pk, Counter())
        total.update(found)
        rows.append(OverviewRow(label=klass.display_name, counts=_by_status(found)))
    return rows, OverviewRow(label="", counts=_by_status(total))


def _by_status(counter: Counter) -> dict[str, int]:
    return {status: counter.get(status, 0) for status in Application.Status.values}


@dataclass
class SurveyRow:
    label: str
    students: int = 0
    answered: int = 0
    wants: int = 0
    days: Counter = field(default_factory=Counter)
    pickups: Counter = field(default_factory=Counter)
    interests: Counter = field(default_factory=Counter)

    def add(self, response: SurveyResponse) -> None:
        self.answered += 1
        if not response.wants_service:
            return
        self.wants += 1
        self.days.update(response.days)
        if response.latest_pickup:
            self.pickups[response.latest_pickup.strftime("%H:%M")] += 1
        self.interests.update(i for i in response.interests if i in Category.values)

    def day_counts(self, weekdays: str) -> list[int]:
        return [self.days.get(d, 0) for d in weekdays]

    @property
    def latest_pickup(self) -> str:
        """The latest pick-up time most families asked for."""
        return self.pickups.most_common(1)[0][0] if self.pickups else ""

    @property
    def top_interests(self) -> list[str]:
        labels = dict(Category.choices)
        return [str(labels[key]) for key, _n in self.interests.most_common(3)]


@dataclass
class SurveyResults:
    survey: Survey | None
    weekdays: str
    classes: list[SurveyRow]
    grades: list[SurveyRow]
    total: SurveyRow

    @property
    def weekday_labels(self) -> list[str]:
        return [str(WEEKDAY_NAMES[int(d)]) for d in self.weekdays]

    def chart_data(self, titles: dict) -> dict:
        """What static/js/survey-charts.js draws (read through json_script)."""
        labels = dict(Category.choices)
        times = sorted(self.total.pickups)
        interests = self.total.interests.most_common()
        return {
            "titles": titles,
            "grades": [g.label for g in self.grades],
            "wants": [g.wants for g in self.grades],
            "notWants": [g.answered - g.wants for g in self.grades],
            "weekdays": self.weekday_labels,
            "days": self.total.day_counts(self.weekdays),
            "daysByGrade": [g.day_counts(self.weekdays) for g in self.grades],
            "pickupTimes": times,
            "pickupCounts": [self.total.pickups[t] for t in times],
            "interests": [str(labels[key]) for key, _n in interests],
            "interestCounts": [n for _key, n in interests],
        }


def survey_results(term: Term) -> SurveyResults:
    """The demand survey's answers per class and per grade (3 queries)."""
    survey = Survey.objects.filter(term=term).first()
    classes = list(
        ClassGroup.objects.filter(school_id=term.school_id)
        .annotate(enrolled=Count("students", filter=Q(students__active=True)))
        .order_by("grade", "number")
    )
    by_class = {k.pk: SurveyRow(label=k.display_name, students=k.enrolled) for k in classes}
    grades: dict[int, SurveyRow] = {}
    for klass in classes:
        grade = grades.setdefault(
            klass.grade, SurveyRow(label=f"{GRADE_NAMES.get(klass.grade, klass.grade)}年级")
        )
        grade.students += klass.enrolled
    total = SurveyRow(label="", students=sum(k.enrolled for k in classes))
    if survey:
        for response in SurveyResponse.objects.filter(survey=survey).select_related("student__class_group"):
            klass = response.student.class_group
            for row in (by_class.get(klass.pk), grades.get(klass.grade), total):
                if row is not None:
                    row.add(response)
    return SurveyResults(
        survey=survey,
        weekdays=term.weekdays,
        classes=list(by_class.values()),
        grades=[grades[g] for g in sorted(grades)],
        total=total,
    )


@dataclass
class GroupBoard:
    group: ActivityGroup
    placed: list[Placement]
    waiting: list[Placement]

    @property
    def free(self) -> int:
        return max(self.group.capacity - len(self.placed), 0)


@dataclass
class PlacementBoard:
    window: EnrollmentWindow | None
    groups: list[GroupBoard]
    approved: int
    unplaced: list[Application]

    @property
    def placed(self) -> int:
        return sum(len(g.placed) for g in self.groups)

    @property
    def waiting(self) -> int:
        return sum(len(g.waiting) for g in self.groups)


def placement_board(term: Term) -> PlacementBoard:
    """Each group of the term with its seats and wait list; approved children without either
    (5 queries)."""
    window = EnrollmentWindow.objects.filter(term=term).first()
    groups = (
        ActivityGroup.objects.filter(term=term)
        .select_related("activity", "venue", "lead")
        .prefetch_related(
            "slots",
            Prefetch(
                "placements",
                queryset=Placement.objects.filter(status__in=LIVE)
                .select_related("application__student__class_group")
                .order_by(
                    "position", "application__student__class_group__grade", "application__student__name"
                ),
                to_attr="live",
            ),
        )
        .order_by("activity__category", "name")
    )
    boards = [
        GroupBoard(
            group=g,
            placed=[p for p in g.live if p.status == Placement.Status.PLACED],
            waiting=[p for p in g.live if p.status == Placement.Status.WAITLISTED],
        )
        for g in groups
    ]
    approved = Application.objects.filter(term=term, status=Application.Status.APPROVED)
    unplaced = list(
        approved.exclude(placements__status__in=LIVE)
        .select_related("student__class_group")
        .order_by("student__class_group__grade", "student__class_group__number", "student__name")
    )
    return PlacementBoard(window=window, groups=boards, approved=approved.count(), unplaced=unplaced)


def move_targets(placement: Placement) -> QuerySet[ActivityGroup]:
    """Groups of the term open to the child's grade, other than the placement's own."""
    return services.groups_open_to(term=placement.group.term, student=placement.application.student).exclude(
        pk=placement.group_id
    )


# --- who to tell about cancelled sessions ---------------------------------------------------------


def families_of_cancelled_sessions(*, group: ActivityGroup, dates: list[datetime.date]) -> dict:
    """The guardians of the children placed in a group who were expected on some of these dates (the
    rule of enrollment.days: a make-up day counts as the weekday it runs), each with those dates and
    the children's names. Registered in activities.services.SESSION_AUDIENCES (enrollment/apps.py)."""
    placements = (
        days.seated()
        .filter(group=group)
        .select_related("application__guardian__user", "application__student")
    )
    runs_as = days.runs_as_on((group.term_id, d) for d in dates)
    placements = list(placements)
    told = school_selectors.guardian_pairs_to_tell(
        (p.application.guardian_id, p.application.student_id) for p in placements
    )
    found: dict = {}
    for placement in placements:
        application = placement.application
        if (application.guardian_id, application.student_id) not in told:
            continue  # the school restricted or ended the applicant's guardianship since
        # A weekend make-up day whose row the new schedule already removed: which weekday it ran
        # is lost, so every family of the group hears of it.
        mine = [
            d
            for d in dates
            if days.expected_on(family_days=application.days, runs_as=runs_as[(group.term_id, d)])
            or runs_as[(group.term_id, d)] > 5
        ]
        if not mine:
            continue
        entry = found.setdefault(application.guardian.user, {"dates": set(), "children": set()})
        entry["dates"].update(mine)
        entry["children"].add(application.student.name)
    return found
