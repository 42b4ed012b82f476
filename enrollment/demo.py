"""Demo enrollment for s1–s3, on the terms of activities.demo: the term behind today (the current
one, or on a holiday the one just ended) has a notice, survey answers, a first round in every state
and published placements, and while it runs an open second round; on a holiday the coming term has
its notice, survey and an enrollment window open today, with the first applications submitted.
Idempotent: a term whose window exists is left alone.

s1_parent's 刘子涵 (三年级(1)班) and s1_parent2's 陈雨桐 have no application, so that a reviewer can
walk the parent's journey in `make run`; 刘浩然 (五年级(1)班) holds a seat.
"""

import datetime
import random

from django.utils import timezone

from activities import services as activity_services
from activities.models import Category, Term
from enrollment import services
from enrollment.days import days_meet, groups_weekdays
from enrollment.models import (
    Application,
    Choice,
    EnrollmentWindow,
    NoticeAcknowledgement,
    Placement,
    Survey,
    SurveyResponse,
)
from schools import schoolyear
from schools.models import AuthorizedPickup, Guardianship, School, User

KEEP_FREE = {"刘子涵", "陈雨桐"}
POPULAR = ("篮球", "足球", "科学", "美术")
REVIEWED = (Application.Status.APPROVED, Application.Status.RETURNED, Application.Status.DECLINED)
NOTICE = dict(
    service_method=(
        "课后服务由学校统一组织实施，坚持家长自愿申请、班级审核、学校统一安排。服务时间为每周一至周五"
        "16:00—18:00，家长可根据需要选择服务日。"
    ),
    content=(
        "以学生自主作业、自主阅读为主，同时开设体育、艺术、科普、棋类、少先队活动、校园劳动等活动，"
        "为个别学习有困难的学生提供免费小组辅导。不讲授新课，不进行集体补课。"
    ),
    safety_measures=(
        "每次活动点名考勤；班主任与课后服务教师当面交接并核对人数；放学时学生只交给监护人或家长指定的"
        "授权接送人，由教师核验身份；门卫登记来访人员；学校制定应急预案并定期演练。"
    ),
)


def build(*, out=None) -> None:
    today = timezone.localdate()
    previous, current, coming = schoolyear.terms_around(today)
    plan = [(current, None)] if current else [(previous, None), (coming, today)]
    for identifier in ("4101020001", "4101050001", "4101810001"):
        school = School.objects.get(identifier=identifier)
        for dates, open_on in plan:
            term = Term.objects.get(school=school, name=dates.name)
            if EnrollmentWindow.objects.filter(term=term).exists():
                continue
            if out:
                out.write(f"  {school.name} {term.name}: notice, survey, applications, placement\n")
            window = schoolyear.enrollment_window(dates, open_on=open_on)
            # Seeded as before the demo followed the calendar (by school) for the term behind today.
            seed = identifier if open_on is None else f"{identifier}-{dates.key}"
            rng = random.Random(seed)
            # The term just ended (on a holiday) was enrolled while it could be.
            with activity_services.history_as_of(min(dates.end, today)):
                _school(school, term, dates, window, rng, running=current is not None, open_on=open_on)


def _school(
    school: School,
    term: Term,
    dates: schoolyear.TermDates,
    window: schoolyear.WindowDates,
    rng: random.Random,
    *,
    running: bool,
    open_on: datetime.date | None,
) -> None:
    """The first round of a term: decided and placed, or (`open_on`: the window is open on that day)
    submitted so far."""
    key = {"4101020001": "s1", "4101050001": "s2", "4101810001": "s3"}[school.identifier]
    admin = User.objects.get(username=f"{key}_admin")
    EnrollmentWindow.objects.create(
        term=term,
        opens_at=window.opens,
        closes_at=window.closes,
        review_deadline=window.review_deadline,
        tie_break=EnrollmentWindow.TieBreak.LOTTERY,
        lottery_seed=f"{key}-{dates.key}",
    )
    notice = services.notice_publish(term=term, actor=admin, **NOTICE)
    survey = Survey.objects.create(
        term=term,
        opens_at=window.survey_opens,
        closes_at=window.survey_closes,
        note="为科学安排课后服务，请您填写需求调查，约需1分钟。",
    )
    links = list(
        Guardianship.objects.filter(student__school=school)
        .select_related("student__class_group", "guardian")
        .order_by("student__class_group__grade", "student__class_group__number", "student_id")
    )
    _survey_answers(survey, links, rng)
    applications = _first_round(school, term, window, links, rng, notice=notice, open_on=open_on)
    _pickup_persons_named(school, [a for a, _picked in applications])
    if open_on is not None:
        return
    services.placement_run(term=term, actor=admin)
    # The seats were taken when the school ran placement, after the class review (not when the
    # demo was built): the daily summaries read each past day's seats from this history.
    Placement.objects.filter(group__term=term, placed_at__isnull=False).update(
        placed_at=window.review_deadline
    )
    services.placement_publish(term=term, actor=admin)
    if running:
        services.second_round_open(term=term, needs_review=True, actor=admin)


def _survey_answers(survey: Survey, links: list[Guardianship], rng: random.Random) -> None:
    """About three in four families answer the demand survey; most want the service."""
    categories = Category.values
    responses = []
    for link in links:
        student = link.student
        if student.name in KEEP_FREE or rng.random() > 0.75:
            continue
        wants = rng.random() < 0.85
        responses.append(
            SurveyResponse(
                survey=survey,
                student=student,
                guardian=link.guardian,
                wants_service=wants,
                days="12345" if wants and rng.random() < 0.6 else ("135" if wants else ""),
                latest_pickup=datetime.time(rng.choice([17, 17, 18]), rng.choice([0, 30])) if wants else None,
                interests=rng.sample(categories, 3) if wants else [],
            )
        )
    SurveyResponse.objects.bulk_create(responses)


def _first_round(
    school: School,
    term: Term,
    window: schoolyear.WindowDates,
    links: list[Guardianship],
    rng: random.Random,
    *,
    notice,
    open_on: datetime.date | None,
) -> list[tuple[Application, list]]:
    """About two in three children apply; most are approved, some returned, declined, withdrawn;
    the class teacher reviewed each. Returns each application with its ranked groups."""
    teachers = {
        m.class_group_id: m.user
        for m in school.memberships.filter(role="class_teacher").select_related("user")
    }
    with_pickups = set(
        AuthorizedPickup.objects.filter(student__school=school).values_list("student_id", flat=True)
    )
    groups = {g.pk: g for g in term.groups.all()}
    meets = groups_weekdays(groups)
    applications, acks, seen_guardians = [], [], set()
    for index, link in enumerate(links):
        student = link.student
        if (student.name in KEEP_FREE or rng.random() > 0.65) and student.name != "刘浩然":
            continue
        grade = str(student.class_group.grade)
        open_groups = [g for g in groups.values() if grade in g.grades]
        if not open_groups:
            continue
        status, submitted = _first_round_outcome(student, index, window, rng, open_on=open_on)
        application = Application(
            term=term,
            student=student,
            guardian=link.guardian,
            status=status,
            days=rng.choice(["12345", "12345", "135", "24"]),
            pickup=rng.choice(["guardian", "guardian", "authorised"])
            if student.pk in with_pickups
            else "guardian",
            left_behind=student.left_behind and student.is_priority,
            migrant=student.migrant and student.is_priority,
            priority_consent=student.is_priority,
            safety_commitment=True,
            submitted_at=submitted,
            **_review_fields(status, submitted, teachers.get(student.class_group_id)),
        )
        # F12: a family chooses only groups that meet on one of its days.
        open_groups = [g for g in open_groups if days_meet(application.days, meets.get(g.pk, ""))]
        if not open_groups:
            continue
        applications.append((application, _ranked_choices(open_groups, rng)))
        if link.guardian_id not in seen_guardians:
            seen_guardians.add(link.guardian_id)
            acks.append(NoticeAcknowledgement(notice=notice, guardian=link.guardian))
    Application.objects.bulk_create([a for a, _g in applications])
    Choice.objects.bulk_create(
        [
            Choice(application=application, group=g, rank=i + 1)
            for application, picked in applications
            for i, g in enumerate(picked)
        ]
    )
    NoticeAcknowledgement.objects.bulk_create(acks, ignore_conflicts=True)
    return applications


def _first_round_outcome(
    student, index: int, window: schoolyear.WindowDates, rng: random.Random, *, open_on
) -> tuple[str, datetime.datetime]:
    """The application's state after class review and when it was submitted (刘浩然 is approved)."""
    roll = rng.random() if student.name != "刘浩然" else 0.0
    status = (
        Application.Status.APPROVED
        if roll < 0.86
        else Application.Status.RETURNED
        if roll < 0.90
        else Application.Status.DECLINED
        if roll < 0.95
        else Application.Status.WITHDRAWN
    )
    submitted = window.opens + datetime.timedelta(minutes=7 * index + rng.randrange(300))
    if open_on is not None:
        # The window is open today: every application so far is waiting for its class review.
        status = Application.Status.SUBMITTED
        submitted = min(submitted, timezone.now() - datetime.timedelta(minutes=30))
    return status, submitted


def _review_fields(status: str, submitted: datetime.datetime, teacher) -> dict:
    """Who reviewed the application and when, the note it came back with, when it was withdrawn."""
    reviewed = status in REVIEWED
    return dict(
        reviewed_by=teacher if reviewed else None,
        reviewed_at=submitted + datetime.timedelta(days=2) if reviewed else None,
        review_note={
            Application.Status.RETURNED: "请补充授权接送人的身份证后4位。",
            Application.Status.DECLINED: "孩子已参加校外有资质机构的托管服务，家长确认不再需要。",
        }.get(status, ""),
        withdrawn_at=submitted + datetime.timedelta(days=1)
        if status == Application.Status.WITHDRAWN
        else None,
    )


def _ranked_choices(open_groups: list, rng: random.Random) -> list:
    """Families favour ball games, science and art: those groups fill and keep wait lists."""
    popular = [g for g in open_groups if any(w in g.name for w in POPULAR)]
    first = rng.choice(popular or open_groups)
    rest = rng.sample([g for g in open_groups if g != first], min(2, len(open_groups) - 1))
    return [first, *rest] if rng.random() < 0.5 else [first]


def _pickup_persons_named(school: School, applications: list[Application]) -> None:
    """An application collected by authorised persons names the child's first pick-up person."""
    first_pickup = {}
    for pickup in AuthorizedPickup.objects.filter(student__school=school).order_by("pk"):
        first_pickup.setdefault(pickup.student_id, pickup.pk)
    Application.pickup_persons.through.objects.bulk_create(
        [
            Application.pickup_persons.through(
                application_id=a.pk, authorizedpickup_id=first_pickup[a.student_id]
            )
            for a in applications
            if a.pickup == "authorised"
        ]
    )
