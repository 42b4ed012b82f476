"""Demo activities for s1–s3 (docs/demo.md): region rules, providers, venues, activities, and two terms
with their groups and sessions: the term parents deal with today (the current one, or on a holiday
the coming one) and the one before it, archived (schools.schoolyear). Idempotent: what exists is
left alone."""

import datetime

from django.utils import timezone

from activities import region_services, services
from activities.models import (
    Activity,
    ActivityGroup,
    CalendarFeedKey,
    Category,
    Provider,
    RegionPolicy,
    Term,
    Venue,
    VenueKind,
)
from schools import schoolyear
from schools.models import Membership, Region, Role, School, User

TERM = dict(
    weekdays="12345",
    day_start=datetime.time(16, 0),
    day_end=datetime.time(18, 0),
)
VENUES = [
    ("图书馆", VenueKind.LIBRARY, 60),
    ("阅览室", VenueKind.READING_ROOM, 40),
    ("体育馆", VenueKind.GYM, 80),
    ("运动场", VenueKind.SPORTS_FIELD, 200),
    ("计算机房", VenueKind.COMPUTER_ROOM, 45),
    ("美术室", VenueKind.FUNCTION_ROOM, 40),
    ("音乐室", VenueKind.FUNCTION_ROOM, 40),
    ("科学实验室", VenueKind.FUNCTION_ROOM, 40),
]
# title, category, description, venue, grades, capacity, slots [(weekday, start hour)]
ACTIVITIES = [
    (
        "作业看管",
        Category.HOMEWORK,
        "教师看管下独立完成当天书面作业，答疑但不集中讲解。",
        "阅览室",
        "123456",
        40,
        [(1, 16), (2, 16), (3, 16), (4, 16), (5, 16)],
    ),
    (
        "自主阅读",
        Category.READING,
        "图书馆自主选书阅读，每周分享一次读书心得。",
        "图书馆",
        "3456",
        40,
        [(1, 17), (3, 17)],
    ),
    (
        "快乐篮球",
        Category.SPORTS,
        "运球、传球和小组比赛，培养运动习惯。",
        "体育馆",
        "3456",
        30,
        [(1, 16), (3, 16)],
    ),
    (
        "校园足球",
        Category.SPORTS,
        "由有资质的体育俱乐部教练带领的足球活动。",
        "运动场",
        "456",
        30,
        [(2, 16), (4, 16)],
    ),
    (
        "童声合唱团",
        Category.ARTS,
        "合唱与发声练习，学期末汇报演出。",
        "音乐室",
        "23456",
        35,
        [(2, 17), (4, 17)],
    ),
    ("创意美术", Category.ARTS, "绘画、手工与综合材料创作。", "美术室", "123", 30, [(2, 16), (5, 16)]),
    (
        "科学小实验",
        Category.SCIENCE,
        "动手做简单安全的科学小实验，观察与记录。",
        "科学实验室",
        "3456",
        30,
        [(3, 17), (5, 17)],
    ),
    (
        "棋类游戏",
        Category.GAMES,
        "围棋、象棋、五子棋，娱乐中锻炼思维。",
        "计算机房",
        "23456",
        30,
        [(1, 17), (4, 17)],
    ),
    ("少先队活动", Category.PIONEERS, "中队活动、红领巾志愿服务。", "阅览室", "3456", 40, [(5, 17)]),
    (
        "学习困难学生辅导",
        Category.TUTORING,
        "为个别学习有困难的学生提供免费小组辅导帮助。",
        "图书馆",
        "3456",
        6,
        [(2, 17)],
    ),
    ("校园种植劳动", Category.LABOUR, "班级责任田种植与照料。", "运动场", "3456", 30, [(5, 16)]),
]
FILM = ("周五观影", "大闹天宫", "6岁以上")


def terms(today: datetime.date | None = None) -> list[schoolyear.TermDates]:
    """The demo's terms on `today`: the live (or coming) term first, then the archived one."""
    previous, current, coming = schoolyear.terms_around(today or timezone.localdate())
    return [current or coming, previous]


def build(*, out=None) -> None:
    today = timezone.localdate()
    year = schoolyear.school_year(today)
    henan, zhengzhou = Region.objects.get(code="41"), Region.objects.get(code="4101")
    RegionPolicy.objects.get_or_create(region=henan, defaults={"extra_terms": "竞赛培训\n学科竞赛辅导"})
    RegionPolicy.objects.get_or_create(
        region=zhengzhou, defaults={"earliest_end": datetime.time(17, 30), "tutoring_max_group": 6}
    )
    Provider.objects.get_or_create(
        licence="豫体培字〔2024〕0137号",
        defaults=dict(
            region=zhengzhou,
            name="郑州市青少年体育俱乐部",
            qualification="青少年体育培训（足球、篮球）",
            valid_until=datetime.date(year + 1, 12, 31),
            contact="0371-6000 0137",
        ),
    )
    Provider.objects.get_or_create(
        licence="豫艺培字〔2021〕0052号",
        defaults=dict(
            region=zhengzhou,
            name="郑州市七彩艺术培训中心",
            qualification="少儿美术、舞蹈",
            valid_until=datetime.date(year - 1, 6, 30),  # lapsed
            contact="0371-6000 0052",
        ),
    )
    # F17: 中原区's register has a provider whose qualification ends in three weeks (its officer is
    # told 30 and 7 days before).
    Provider.objects.get_or_create(
        licence="郑中科培字〔2022〕0019号",
        defaults=dict(
            region=Region.objects.get(code="410102"),
            name="中原区青少年科技活动中心",
            qualification="青少年科技教育",
            scope="科学实验、机器人、航模",
            valid_until=today + datetime.timedelta(days=21),
            contact="0371-6000 0019",
        ),
    )
    # The live term of every school first, then the archived ones.
    for dates in terms(today):
        for key, identifier in (("s1", "4101020001"), ("s2", "4101050001"), ("s3", "4101810001")):
            school = School.objects.get(identifier=identifier)
            if out:
                out.write(f"  {school.name}: activities, {dates.name}\n")
            # The archived term's groups were set up while it ran.
            with services.history_as_of(min(dates.end, today)):
                _school(key, school, dates)
    _content_review()
    # F13: s1_staff's calendar subscription address (a key of its own, rotated on "my sessions").
    staff = User.objects.filter(username="s1_staff").first()
    if staff is not None and not CalendarFeedKey.objects.filter(user=staff).exists():
        services.calendar_feed_rotate(user=staff)


def _school(key: str, school: School, dates: schoolyear.TermDates) -> None:
    admin = User.objects.get(username=f"{key}_admin")
    term = Term.objects.filter(school=school, name=dates.name).first() or services.term_save(
        school=school, name=dates.name, start=dates.start, end=dates.end, actor=admin, **TERM
    )
    venues = {}
    for name, kind, capacity in VENUES:
        venues[name] = Venue.objects.filter(school=school, name=name).first() or services.venue_save(
            school=school, name=name, kind=kind, capacity=capacity, safety_officer=admin, actor=admin
        )
    # Leads: the service teacher first (s1), then class teachers, one group each so nobody is double-booked.
    leads = list(
        User.objects.filter(memberships__school=school, memberships__role=Role.CLASS_TEACHER).order_by(
            "username"
        )
    )
    service_teachers = list(
        User.objects.filter(memberships__school=school, memberships__role=Role.SERVICE_TEACHER).order_by(
            "username"
        )
    )
    football_club = Provider.objects.get(licence="豫体培字〔2024〕0137号")
    for index, (title, category, description, venue, grades, capacity, slots) in enumerate(ACTIVITIES):
        activity = Activity.objects.filter(school=school, title=title).first() or services.activity_save(
            school=school,
            title=title,
            category=category,
            description=description,
            provider=football_club if title == "校园足球" else None,
            actor=admin,
        )
        group_name = f"{title}（{grades[0]}–{grades[-1]}年级）"
        if ActivityGroup.objects.filter(term=term, name=group_name).exists():
            continue
        lead = (service_teachers + leads)[index % (len(service_teachers) + len(leads))]
        _ensure_staff(lead, school)
        services.group_save(
            activity=activity,
            term=term,
            name=group_name,
            lead=lead,
            venue=venues[venue],
            grades=grades,
            capacity=capacity,
            slots=[(d, datetime.time(h), datetime.time(h + 1)) for d, h in slots],
            actor=admin,
        )
    title, film, ages = FILM
    if not Activity.objects.filter(school=school, title=title).exists():
        services.activity_save(
            school=school,
            title=title,
            category=Category.FILMS,
            description="适宜儿童的经典动画影片。",
            film_title=film,
            film_age_rating=ages,
            actor=admin,
        )


# F17: 中原区's own watch word, an activity held for its bureau's review and one it approved (s1).
WATCH_WORD = "拔高"
HELD = ("英语口语提高班", "以英语儿歌、绘本和游戏为主，不讲授新课，不布置作业。")
APPROVED = (
    "语文阅读衔接营",
    "共读整本书、讲故事，帮助六年级学生适应初中的阅读方式。",
    "以课外阅读为主，同意开展。",
)


def _content_review() -> None:
    zhongyuan = Region.objects.get(code="410102")
    policy, _created = RegionPolicy.objects.get_or_create(region=zhongyuan)
    if WATCH_WORD not in policy.watch_terms:
        policy.watch_terms = "\n".join(filter(None, [policy.watch_terms, WATCH_WORD]))
        policy.save(update_fields=["watch_terms"])
    school = School.objects.get(identifier="4101020001")
    admin, officer = User.objects.get(username="s1_admin"), User.objects.get(username="zy_bureau")
    title, description = HELD
    if not Activity.objects.filter(school=school, title=title).exists():
        services.activity_save(
            school=school,
            title=title,
            category=Category.CLUBS,
            description=description,
            explanation="兴趣小组，学生自愿参加，只练口语表达。",
            actor=admin,
        )
    title, description, note = APPROVED
    if not Activity.objects.filter(school=school, title=title).exists():
        activity = services.activity_save(
            school=school,
            title=title,
            category=Category.READING,
            description=description,
            explanation="阅读活动，不涉及学科教学内容。",
            actor=admin,
        )
        region_services.activity_review_decide(activity=activity, approve=True, note=note, actor=officer)


def _ensure_staff(user: User, school: School) -> None:
    if not Membership.objects.filter(user=user, school=school).exists():
        Membership.objects.create(user=user, role=Role.SERVICE_TEACHER, school=school)
