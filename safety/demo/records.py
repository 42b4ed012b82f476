"""Demo safety records for s1–s3 (docs/demo.md, F6): a semester of gate register entries, monthly venue
inspections with findings (one overdue, one critical still open on s1's 旧礼堂), emergency plans
(one at s2 overdue for review), drills, the duty roster for the term, group safety officers and
two incidents. Idempotent (each part is skipped where it exists), deterministic (seeded by school)
and bulk: a few dozen queries per school.

Dated by schools.schoolyear: the gate register and the duty roster cover the term behind today;
inspections, reviews, drills and incidents lie a number of term days (Monday to Friday, in term)
before today, so they stay on school days whatever day the demo is built (built on 29 November
2026, the first inspections fall on 2 September); deadlines and sign-offs are days after finding."""

import datetime
import random
import zoneinfo

from django.urls import reverse
from django.utils import timezone

from activities import calendar
from activities import services as activity_services
from activities.models import Activity, ActivityGroup, Category, Session, Term, Venue, VenueKind
from notices.services import notification_send
from safety import checklists
from safety.models import (
    Drill,
    DutyAssignment,
    EmergencyPlan,
    Finding,
    FindingSignoff,
    GateEntry,
    GateExit,
    GroupSafetyOfficer,
    Incident,
    IncidentChild,
    IncidentFollowUp,
    IncidentRecipient,
    Inspection,
    InspectionResult,
    PlanKind,
    PlanReview,
)
from safety.services import offcampus as offcampus_services
from schools import schoolyear
from schools.demo import GIVEN, SURNAMES
from schools.models import Role, School, Student, User
from schools.selectors import bureau_for_school

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
SCHOOLS = (("s1", "4101020001"), ("s2", "4101050001"), ("s3", "4101810001"))
# Monthly inspections, in term days before today (built on 29 November 2026: 2 September, 9 October
# and 6 November); s1's 旧礼堂 was inspected 3 term days ago (25 November).
INSPECTION_DAYS = (63, 36, 16)
CLOSED_INSPECTION = 3
# Term days before today: plan reviews (fire 2 November, injury 30 September), drills (18 September,
# 23 October), incidents (15 October at s1, 12 November at s3).
FIRE_REVIEW, INJURY_REVIEW = 20, 43
FIRE_DRILL, EARTHQUAKE_DRILL = 51, 26
INJURY_INCIDENT, MISSING_INCIDENT = 32, 12
CLOSED_VENUE = ("旧礼堂", VenueKind.FUNCTION_ROOM, 120)  # s1: an open critical finding closes it

# school, venue, inspection, item, severity, what is wrong, deadline and sign-off (None: open) in days
# after the inspection, note
FINDINGS = [
    (
        "s1",
        "体育馆",
        INSPECTION_DAYS[0],
        "equipment",
        "major",
        "篮球架底座护垫破损",
        14,
        12,
        "已更换护垫",
    ),
    (
        "s1",
        "科学实验室",
        INSPECTION_DAYS[1],
        "extinguishers",
        "critical",
        "两具灭火器压力不足、已过期",
        3,
        2,
        "已更换新灭火器并复查",
    ),
    (
        "s1",
        "计算机房",
        INSPECTION_DAYS[2],
        "cables",
        "major",
        "教师机插线板串接、超负荷使用",
        14,
        None,
        "",
    ),
    ("s1", "运动场", INSPECTION_DAYS[2], "surface", "minor", "跑道东侧有碎石", 28, None, ""),
    (
        "s2",
        "图书馆",
        INSPECTION_DAYS[1],
        "shelves",
        "major",
        "两排书架未与墙体固定",
        14,
        11,
        "已加装固定件",
    ),
    ("s2", "体育馆", INSPECTION_DAYS[2], "floor", "minor", "入口处地面防滑垫缺失", 24, None, ""),
    (
        "s3",
        "运动场",
        INSPECTION_DAYS[0],
        "equipment",
        "major",
        "一处足球门未固定",
        7,
        6,
        "已用地锚固定",
    ),
    (
        "s3",
        "美术室",
        INSPECTION_DAYS[2],
        "materials",
        "minor",
        "美工刀未集中收存",
        7,
        6,
        "已设上锁工具柜",
    ),
]
CLOSED_FINDING = ("fire_exits", "安全出口被舞台道具堵塞，两盏应急灯不亮")

PLANS = [
    (
        PlanKind.FIRE,
        "消防安全应急预案",
        "发现火情立即报警（119）并报告值班领导；各活动教师按疏散路线组织学生撤离到运动场集合点，清点人数后报告。",
    ),
    (
        PlanKind.EARTHQUAKE,
        "地震应急疏散预案",
        "震时就近避险（桌下、墙角），震后按楼层顺序疏散至运动场，远离建筑物和电线杆。",
    ),
    (
        PlanKind.INJURY,
        "学生意外伤害与突发疾病处置预案",
        "立即停止活动、现场初步处置，校医到场评估；需要时拨打120，同时通知家长并报告值班领导。",
    ),
    (
        PlanKind.MISSING_CHILD,
        "学生走失应急预案",
        "发现学生未按时到场或未交接：5分钟内报告值班领导，门卫封闭校门核查离校记录，联系家长，15分钟未找到报警（110）。",
    ),
    (
        PlanKind.FOOD_SAFETY,
        "食品安全事故应急预案",
        "停止供应可疑食品并封存留样，送医就诊，报告教育局和市场监管部门，配合调查。",
    ),
]
PURPOSES = ["pick_up", "pick_up", "pick_up", "meeting", "delivery", "maintenance", "official"]
VISITING = ["班主任", "课后服务教师", "总务处", "传达室", "校长办公室", "少先队大队部"]


def _at(day: datetime.date, hour: int, minute: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TZ)


def _service_days(start: datetime.date, end: datetime.date) -> list[tuple[datetime.date, int]]:
    """Official working days (make-up Saturdays included) and whose weekday timetable each runs."""
    days, _missing = calendar.service_days(
        start=start, end=end, weekdays={1, 2, 3, 4, 5}, closures=set(), makeup_runs_as={}
    )
    return days


def _back(term_days: int) -> datetime.date:
    return schoolyear.term_weekdays_back(timezone.localdate(), term_days)


def build(*, out=None) -> None:
    for key, identifier in SCHOOLS:
        school = School.objects.filter(identifier=identifier).first()
        if school is None:
            continue
        if out:
            out.write(f"  {school.name}: safety records\n")
        admin = User.objects.get(username=f"{key}_admin")
        rng = random.Random(f"safety-{identifier}")
        _gate(key, school, admin, rng)
        _inspections(key, school, admin, rng)
        _plans(key, school, admin)
        _roster(key, school, admin)
        _officers(key, school, admin)
    _incidents()
    _severe_incident_at_s2()
    _offcampus()


def _gate(key: str, school: School, admin: User, rng: random.Random) -> None:
    if GateEntry.objects.filter(school=school).exists():
        return
    guard = User.objects.filter(username=f"{key}_guard").first() or admin
    today = timezone.localdate()
    term = schoolyear.history_term(today)
    entries = []  # on the service days of the term behind today, up to yesterday
    for day, _runs_as in _service_days(term.start, min(term.end, today - datetime.timedelta(days=1))):
        for _i in range(rng.randint(1, 4)):
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
            entries.append(
                GateEntry(
                    school=school,
                    name=name,
                    id_last4=f"{rng.randrange(1000):03d}{rng.choice('0123456789X')}",
                    mobile=f"13{rng.randrange(5, 10)}{rng.randrange(10**8):08d}",
                    purpose=rng.choice(PURPOSES),
                    visiting=rng.choice(VISITING),
                    entered_at=_at(day, rng.choice((15, 16, 17)), rng.randrange(60)),
                    recorded_by=guard,
                )
            )
    GateEntry.objects.bulk_create(entries)
    saved = GateEntry.objects.filter(school=school).only("pk", "entered_at")
    GateExit.objects.bulk_create(
        [
            GateExit(
                entry=e,
                left_at=e.entered_at + datetime.timedelta(minutes=rng.randint(8, 45)),
                recorded_by=guard,
            )
            for e in saved
        ]
    )


def _inspections(key: str, school: School, admin: User, rng: random.Random) -> None:
    if Inspection.objects.filter(school=school).exists():
        return
    if key == "s1" and not Venue.objects.filter(school=school, name=CLOSED_VENUE[0]).exists():
        name, kind, capacity = CLOSED_VENUE
        activity_services.venue_save(
            school=school, name=name, kind=kind, capacity=capacity, safety_officer=admin, actor=admin
        )
    findings = {(venue, days): row for k, venue, days, *row in FINDINGS if k == key}
    plan = []  # (venue, day, {item: (severity, text, deadline, signed_on, note)})
    for venue in school.venues.order_by("name"):
        if venue.name == CLOSED_VENUE[0]:
            item, text = CLOSED_FINDING
            plan.append((venue, _back(CLOSED_INSPECTION), {item: ("critical", text, 15, None, "")}))
            continue
        for days in INSPECTION_DAYS:
            day = _back(days)
            row = findings.get((venue.name, days))
            problems = {row[0]: tuple(row[1:])} if row else {}
            plan.append((venue, day, problems))
    inspections = Inspection.objects.bulk_create(
        [
            Inspection(school=school, venue=v, inspected_on=d, inspector=admin, recorded_at=_at(d, 15, 30))
            for v, d, _p in plan
        ]
    )
    results, new_findings, signoffs = [], [], []
    for inspection, (venue, day, problems) in zip(inspections, plan, strict=True):
        for item, label in checklists.checklist_for(venue.kind):
            problem = problems.get(item)
            results.append(
                InspectionResult(
                    inspection=inspection,
                    item=item,
                    label=str(label),
                    result="problem" if problem else "ok",
                    note=problem[1] if problem else "",
                )
            )
            if problem:
                severity, text, deadline, signed, note = problem
                new_findings.append(
                    (
                        Finding(
                            inspection=inspection,
                            school=school,
                            venue=venue,
                            item=item,
                            label=str(label),
                            description=text,
                            severity=severity,
                            found_on=day,
                            deadline=day + datetime.timedelta(days=deadline),
                            created_at=_at(day, 15, 30),
                        ),
                        signed,
                        note,
                    )
                )
    InspectionResult.objects.bulk_create(results)
    created = Finding.objects.bulk_create([f for f, _s, _n in new_findings])
    for finding, (_f, signed, note) in zip(created, new_findings, strict=True):
        if signed is not None:
            signoffs.append(
                FindingSignoff(
                    finding=finding,
                    note=note,
                    signed_by=admin,
                    signed_at=_at(finding.found_on + datetime.timedelta(days=signed), 17, 0),
                )
            )
    FindingSignoff.objects.bulk_create(signoffs)


def _plans(key: str, school: School, admin: User) -> None:
    if EmergencyPlan.objects.filter(school=school).exists():
        return
    staff = User.objects.filter(username=f"{key}_staff").first()
    year = schoolyear.history_term(timezone.localdate()).school_year  # written before it began
    plans = []
    for kind, title, summary in PLANS:
        # s2 wrote its food-safety plan a year earlier and has not looked at it since: review due.
        written = (
            datetime.date(year - 1, 8, 20)
            if (key, kind) == ("s2", PlanKind.FOOD_SAFETY)
            else datetime.date(year, 8, 25)
        )
        responsible = staff if (kind == PlanKind.MISSING_CHILD and staff) else admin
        plans.append(
            EmergencyPlan(
                school=school,
                kind=kind,
                version=1,
                title=title,
                responsible=responsible,
                summary=summary,
                created_by=admin,
                created_at=_at(written, 10, 0),
            )
        )
    created = {p.kind: p for p in EmergencyPlan.objects.bulk_create(plans)}
    PlanReview.objects.bulk_create(
        [
            PlanReview(
                plan=created[PlanKind.FIRE],
                reviewed_on=_back(FIRE_REVIEW),
                note="与消防部门共同复核，无需修改",
                reviewed_by=admin,
            ),
            PlanReview(
                plan=created[PlanKind.FOOD_SAFETY],
                reviewed_on=datetime.date(year - 1, 9, 1),
                reviewed_by=admin,
            )
            if key == "s2"
            else PlanReview(
                plan=created[PlanKind.INJURY], reviewed_on=_back(INJURY_REVIEW), reviewed_by=admin
            ),
        ]
    )
    students = Student.objects.filter(school=school, active=True).count() or 1
    Drill.objects.bulk_create(
        [
            Drill(
                plan=created[PlanKind.FIRE],
                school=school,
                held_on=_back(FIRE_DRILL),
                participants=students + 20,
                notes="全员疏散用时3分40秒；二楼西侧楼梯拥堵，下次分两批疏散。",
                recorded_by=admin,
            ),
            Drill(
                plan=created[PlanKind.EARTHQUAKE],
                school=school,
                held_on=_back(EARTHQUAKE_DRILL),
                participants=students + 20,
                notes="课后服务时段演练，各活动教师清点人数无误，用时4分钟。",
                recorded_by=admin,
            ),
        ]
    )


def _roster(key: str, school: School, admin: User) -> None:
    if DutyAssignment.objects.filter(school=school).exists():
        return
    term = Term.objects.filter(school=school, name=schoolyear.history_term(timezone.localdate()).name).first()
    if term is None:
        return
    by_name = {u.username: u for u in User.objects.filter(username__startswith=f"{key}_")}
    leaders = [
        admin,
        by_name.get(f"{key}_head11", admin),
        by_name.get(f"{key}_head21", admin),
        admin,
        by_name.get(f"{key}_staff") or by_name.get(f"{key}_head31", admin),
    ]
    DutyAssignment.objects.bulk_create(
        [
            DutyAssignment(
                school=school,
                date=day,
                leader=leaders[runs_as - 1],
                assigned_by=admin,
                assigned_at=_at(term.start - datetime.timedelta(days=4), 9, 0),
            )
            for day, runs_as in _service_days(term.start, term.end)
        ]
    )


def _officers(key: str, school: School, admin: User) -> None:
    term = schoolyear.history_term(timezone.localdate())
    groups = list(
        ActivityGroup.objects.filter(activity__school=school, term__name=term.name).order_by("name")[:2]
    )
    if not groups or GroupSafetyOfficer.objects.filter(group__in=groups).exists():
        return
    officer = User.objects.filter(username=f"{key}_staff").first() or admin
    GroupSafetyOfficer.objects.bulk_create(
        [GroupSafetyOfficer(group=g, officer=officer, assigned_by=admin) for g in groups]
    )


def _incidents() -> None:
    s1 = School.objects.filter(identifier="4101020001").first()
    s3 = School.objects.filter(identifier="4101810001").first()
    if s1 is None or s3 is None or Incident.objects.filter(school__in=[s1, s3]).exists():
        return
    s1_admin, s3_admin = User.objects.get(username="s1_admin"), User.objects.get(username="s3_admin")
    gym = Venue.objects.filter(school=s1, name="体育馆").first()
    library = Venue.objects.filter(school=s3, name="图书馆").first()
    s1_child = (
        Student.objects.filter(school=s1, class_group__grade=4, class_group__number=1)
        .order_by("name")
        .first()
    )
    s3_child = (
        Student.objects.filter(school=s3, class_group__grade=2, class_group__number=2)
        .order_by("name")
        .first()
    )
    injured_on, missing_on = _back(INJURY_INCIDENT), _back(MISSING_INCIDENT)
    next_day = injured_on + datetime.timedelta(days=1)
    injury = Incident.objects.create(
        school=s1,
        occurred_at=_at(injured_on, 16, 40),
        place="体育馆篮球场",
        venue=gym,
        kind=Incident.Kind.INJURY,
        severity=Incident.Severity.MINOR,
        description="运球时与同学相撞摔倒，左膝擦伤。",
        actions_taken="校医现场清洗消毒包扎，学生休息后继续在场边观看；活动教师提醒注意间距。",
        guardians_notified_at=_at(injured_on, 16, 55),
        reported_by=s1_admin,
        reported_at=_at(injured_on, 17, 10),
    )
    missing = Incident.objects.create(
        school=s3,
        occurred_at=_at(missing_on, 17, 20),
        place="校门口接送点",
        venue=library,
        kind=Incident.Kind.MISSING,
        severity=Incident.Severity.MODERATE,
        description="放学交接时一名学生未在接送点，15分钟后在图书馆找到（回去取书）。",
        actions_taken="门卫暂停放行，教师分头查找；找到后交给家长，并在班会上重申离开须报告。",
        guardians_notified_at=_at(missing_on, 17, 25),
        reported_by=s3_admin,
        reported_at=_at(missing_on, 18, 0),
    )
    IncidentChild.objects.bulk_create(
        [IncidentChild(incident=i, student=c) for i, c in ((injury, s1_child), (missing, s3_child)) if c]
    )
    IncidentFollowUp.objects.bulk_create(
        [
            IncidentFollowUp(
                incident=injury,
                kind=IncidentFollowUp.Kind.NOTE,
                at=_at(next_day, 8, 30),
                text="次日回访家长，伤口无感染，学生正常上课。",
                recorded_by=s1_admin,
            ),
            IncidentFollowUp(
                incident=injury,
                kind=IncidentFollowUp.Kind.CLOSED,
                at=_at(next_day, 9, 0),
                text="伤口愈合良好，家长无异议；篮球活动分组练习，场上人数减半。",
                recorded_by=s1_admin,
            ),
            IncidentFollowUp(
                incident=missing,
                kind=IncidentFollowUp.Kind.BUREAU_NOTIFIED,
                at=_at(missing_on, 18, 5),
                text="已电话报告巩义市教育局安全科。",
                recorded_by=s3_admin,
            ),
        ]
    )


# --- "the bureau" is a person; safety gates are gates ---------------------------------------------
SEVERE_INCIDENT = 4  # term days before today


def _severe_incident_at_s2() -> None:
    """A severe incident at s2: 金水区 has no officer account, so it went to 郑州市 (zz_bureau), and
    the report names who received it (IncidentRecipient)."""
    s2 = School.objects.filter(identifier="4101050001").first()
    if s2 is None or Incident.objects.filter(school=s2, severity=Incident.Severity.SEVERE).exists():
        return
    bureau = bureau_for_school(s2)
    admin = User.objects.get(username="s2_admin")
    day = _back(SEVERE_INCIDENT)
    incident = Incident.objects.create(
        school=s2,
        occurred_at=_at(day, 16, 35),
        place="运动场单杠区",
        venue=Venue.objects.filter(school=s2, name="运动场").first(),
        kind=Incident.Kind.INJURY,
        severity=Incident.Severity.SEVERE,
        description="学生从单杠上摔下，右前臂疑似骨折。",
        actions_taken="校医现场固定伤处，拨打120送医，值班领导陪同前往医院。",
        guardians_notified_at=_at(day, 16, 45),
        bureau_notified_at=_at(day, 17, 0) if bureau else None,
        reported_by=admin,
        reported_at=_at(day, 17, 0),
    )
    child = Student.objects.filter(school=s2, class_group__grade=5).order_by("name").first()
    if child:
        IncidentChild.objects.create(incident=incident, student=child)
    for officer in bureau.officers if bureau else ():
        IncidentRecipient.objects.create(
            incident=incident, region=bureau.region, officer=officer, notified_at=_at(day, 17, 0)
        )
        notification_send(
            recipient=officer,
            kind="safety/incident_bureau",
            link=reverse("safety:incident-detail", kwargs={"incident_code": incident.code}),
            dedupe_key=f"incident-bureau:{incident.code}:{officer.pk}",
            incident=incident,
            school=s2,
        )


# title, description, venue (off-campus), weekday, checklist complete, coordination recorded
OFFCAMPUS = [
    (
        "郑州科技馆研学",
        "在科技馆参观展项、完成探究任务单，由教师和场馆辅导员共同带领。",
        "郑州科技馆",
        "郑州市郑东新区",
        3,
        True,
        True,
    ),
    (
        "黄河湿地自然观察",
        "在湿地公园观察鸟类和水生植物，记录自然笔记。",
        "黄河湿地公园",
        "郑州市惠济区",
        5,
        False,
        False,
    ),
]
COORDINATION = [
    (
        "public_security",
        {"traffic": True, "security": True},
        "郑东分局交警大队 王警官",
        "出发与返校时段安排路口值守。",
    ),
    (
        "food_safety",
        {"food": True},
        "郑东新区市场监管所 李科长",
        "馆内餐厅食品经营许可证有效，学生自带饮用水。",
    ),
]


def _offcampus() -> None:
    """s1's off-campus activities: 郑州科技馆研学 has its checklist and coordination, hence its
    sessions; 黄河湿地自然观察 has a group but neither yet, so no sessions and no applications."""
    s1 = School.objects.filter(identifier="4101020001").first()
    if s1 is None:
        return
    term = Term.objects.filter(school=s1, name=schoolyear.live_term(timezone.localdate()).name).first()
    if term is None:
        return
    admin = User.objects.get(username="s1_admin")
    for title, description, site, address, weekday, checked, coordinated in OFFCAMPUS:
        if Activity.objects.filter(school=s1, title=title).exists():
            continue
        venue = Venue.objects.filter(school=s1, name=site).first() or activity_services.venue_save(
            school=s1,
            name=site,
            kind=VenueKind.OFF_CAMPUS,
            capacity=60,
            safety_officer=admin,
            address=address,
            actor=admin,
        )
        activity = activity_services.activity_save(
            school=s1,
            title=title,
            category=Category.PRACTICE,
            description=description,
            off_campus=True,
            actor=admin,
        )
        _offcampus_group(s1, activity, term, venue, weekday, admin)
        if checked:
            activity_services.checklist_complete(
                checklist=activity.checklist,
                traffic=True,
                venue=True,
                fire=True,
                food=True,
                security=True,
                notes="已实地勘察路线和场馆，确认消防通道与集合点；租用有资质的校车。",
                actor=admin,
            )
        if coordinated:
            for department, aspects, contact, outcome in COORDINATION:
                offcampus_services.coordination_record(
                    activity=activity,
                    department=department,
                    contacted_on=timezone.localdate(),
                    contact=contact,
                    outcome=outcome,
                    actor=admin,
                    **aspects,
                )


def _offcampus_group(
    school: School, activity: Activity, term: Term, venue: Venue, weekday: int, admin
) -> None:
    """The group, led by the first of the school's teachers with no session at that hour (the demo's
    teachers each lead a group already): its sessions are made when the gate opens."""
    start, end = datetime.time(16, 0), datetime.time(17, 30)
    busy = Session.objects.filter(
        group__term=term, date__iso_week_day=weekday, start__lt=end, end__gt=start
    ).values_list("lead_id", "group__assistants")
    taken = {pk for pair in busy for pk in pair if pk}
    lead = (
        User.objects.filter(
            memberships__school=school, memberships__role__in=[Role.CLASS_TEACHER, Role.SERVICE_TEACHER]
        )
        .exclude(pk__in=taken)
        .distinct()
        .order_by("username")
        .first()
    ) or admin
    activity_services.group_save(
        activity=activity,
        term=term,
        name=f"{activity.title}（4–6年级）",
        lead=lead,
        venue=venue,
        grades="456",
        capacity=30,
        slots=[(weekday, start, end)],
        actor=admin,
    )
