"""The demo organisation of docs/demo.md: regions, schools, classes, children, families, staff.

Deterministic: the same call builds the same names and numbers, and rows already present are left
as they are, so running seed_demo twice changes nothing.
"""

import calendar
import datetime
import random

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from notices import services as notices
from schools import schoolyear, services
from schools.models import (
    AuthorizedPickup,
    ClassGroup,
    Guardian,
    GuardianLink,
    Guardianship,
    Membership,
    Region,
    Role,
    RosterImport,
    School,
    Student,
    User,
)
from schools.roster.samples import register_column_plan
from schools.validators import student_number_from_id_base

REGIONS = [
    # code, name, level, administrative parent, reports to (None: the parent)
    ("41", "河南省", "province", None, None),
    ("4101", "郑州市", "city", "41", None),
    ("410102", "中原区", "county", "4101", None),
    ("410105", "金水区", "county", "4101", None),
    ("410181", "巩义市", "county", "4101", "41"),  # 省直管县: reports to the province
]

SCHOOLS = [
    # key, identifier, name, county, offers the service, explanation
    ("s1", "4101020001", "中原区实验小学", "410102", True, ""),
    ("s2", "4101050001", "金水区文化路小学", "410105", True, ""),
    ("s3", "4101810001", "巩义市紫荆路小学", "410181", True, ""),
    (
        "s4",
        "4101020002",
        "中原区西郊小学",
        "410102",
        False,
        "本学期学校正在进行教学楼加固改造，场地和人员暂不具备开展课后服务的条件。"
        "学校将继续组织课间和午间的校内课外活动；如需校外课后服务，请选择有资质的机构。",
    ),
]

BUREAUS = [
    ("hn_bureau", "河南省教育厅", "41", "赵", "处长"),
    ("zz_bureau", "郑州市教育局", "4101", "钱", "科长"),
    ("zy_bureau", "中原区教育局", "410102", "孙", "科员"),
    ("gy_bureau", "巩义市教育局", "410181", "李", "科员"),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "子涵欣怡梓轩浩然思远雨桐一诺宇航佳琪俊杰若曦明轩诗琪博文语嫣天佑可馨嘉怡泽宇晨曦皓轩紫萱"
GRANDPARENTS = [("奶奶", "F"), ("爷爷", "M"), ("外婆", "F"), ("外公", "M")]
MOBILE_PREFIXES = ["138", "139", "135", "136", "150", "151", "186", "187", "177", "199"]


def _name(rng: random.Random, surname: str | None = None) -> str:
    size = rng.choice([1, 2, 2])
    return (surname or rng.choice(SURNAMES)) + "".join(rng.choice(GIVEN) for _ in range(size))


def _mobile(n: int) -> str:
    return MOBILE_PREFIXES[n % len(MOBILE_PREFIXES)] + f"{(n * 7919) % 100_000_000:08d}"


def _student_number(region_code: str, birth: datetime.date, seq: int, male: bool) -> str:
    seq3 = (seq % 500) * 2 + (1 if male else 0)
    base = f"{region_code}{birth:%Y%m%d}{seq3:03d}"
    return student_number_from_id_base(base)


class Builder:
    def __init__(self, *, students_per_class: int = 20, extra_schools: int = 0, out=None):
        self.students_per_class = students_per_class
        self.extra_schools = extra_schools
        self.out = out
        self.hash = make_password(settings.DEMO_PASSWORD)
        self.numbers: set[str] = set()
        self.mobile_seq = 0
        # The school year of the day the demo is built (docs/demo.md "Time"): children's ages follow
        # it, and pick-up persons are valid from the term behind today to the end of the month
        # the current (or coming) term ends in.
        today = timezone.localdate()
        self.school_year = schoolyear.school_year(today)
        self.history = schoolyear.history_term(today)
        live_end = schoolyear.live_term(today).end
        self.pickups_from = self.history.start
        self.pickups_until = live_end.replace(day=calendar.monthrange(live_end.year, live_end.month)[1])

    def say(self, text: str) -> None:
        if self.out:
            self.out.write(text)

    # --- accounts ---------------------------------------------------------------------------
    def user(self, username: str, last_name: str, first_name: str = "", **extra) -> User:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"last_name": last_name, "first_name": first_name, "password": self.hash, **extra},
        )
        return user

    def membership(self, user: User, role: str, **scope) -> None:
        Membership.objects.get_or_create(user=user, role=role, **scope)

    # --- the whole contract -----------------------------------------------------------------
    def build(self) -> dict:
        self.numbers = set(Student.objects.values_list("student_number", flat=True))
        admin = self.user("admin", "系统管理员", is_staff=True, is_superuser=True)
        regions = {}
        for code, name, level, parent, reports_to in REGIONS:
            existing = Region.objects.filter(code=code).first()
            if existing is None:
                existing = services.region_save(
                    code=code,
                    name=name,
                    level=level,
                    parent=regions.get(parent),
                    reports_to=regions.get(reports_to) if reports_to else None,
                )
            regions[code] = existing
        for username, _office, code, surname, title in BUREAUS:
            officer = self.user(username, surname, title, email=f"{username}@jyt.example.cn")
            self.membership(officer, Role.BUREAU_OFFICER, region=regions[code])

        schools = {}
        specs = list(SCHOOLS)
        counties = ["410102", "410105", "410181"]
        for i in range(self.extra_schools):
            county = counties[i % 3]
            specs.append((f"x{i + 1}", f"{county}{9000 + i:04d}", f"示范小学{i + 1:03d}", county, True, ""))
        for key, identifier, name, county, offers, explanation in specs:
            school = School.objects.filter(identifier=identifier).first()
            if school is None:
                school = services.school_save(
                    identifier=identifier,
                    name=name,
                    region=regions[county],
                    offers_service=offers,
                    no_service_explanation=explanation,
                    actor=admin,
                )
            schools[key] = school
            self.school(key, school)
        self.demo_families(schools)
        self.demo_channels()
        self.guardian_link_pending(schools)
        return {"schools": schools, "regions": regions}

    def school(self, key: str, school: School) -> None:
        self.say(f"  {school.name}\n")
        self.membership(self.user(f"{key}_admin", "周", "主任"), Role.SCHOOL_ADMIN, school=school)
        if key == "s1":
            self.membership(self.user("s1_staff", "吴", "老师"), Role.SERVICE_TEACHER, school=school)
            self.membership(self.user("s1_guard", "郑", "师傅"), Role.GATE_GUARD, school=school)
        existing = set(ClassGroup.objects.filter(school=school).values_list("grade", "number"))
        ClassGroup.objects.bulk_create(
            [
                ClassGroup(school=school, grade=g, number=n)
                for g in range(1, 7)
                for n in (1, 2)
                if (g, n) not in existing
            ]
        )
        for group in ClassGroup.objects.filter(school=school).order_by("grade", "number"):
            rng = random.Random(f"{school.identifier}-{group.grade}-{group.number}")
            teacher = self.user(f"{key}_head{group.grade}{group.number}", rng.choice(SURNAMES), "老师")
            if not Membership.objects.filter(class_group=group, role=Role.CLASS_TEACHER).exists():
                Membership.objects.create(
                    user=teacher, role=Role.CLASS_TEACHER, school=school, class_group=group
                )
            self.children(school, group, rng)
        self.roster_import(key, school)

    def roster_import(self, key: str, school: School) -> None:
        """The record of the roster import that (in the story) loaded the school's children."""
        if RosterImport.objects.filter(school=school).exists():
            return
        students = Student.objects.filter(school=school).count()
        RosterImport.objects.create(
            school=school,
            uploaded_by=User.objects.get(username=f"{key}_admin"),
            original_name=f"{school.name}花名册.xlsx",
            status=RosterImport.Status.DONE,
            # F15: the register system's export as it came: a title, headers on row 3, four columns
            # the portal does not use (listed on the import's page).
            column_plan=register_column_plan(),
            total_rows=students,
            processed_rows=students,
            created_counts={"students": students, "classes_new": 0, "guardians_new": students},
            finished=datetime.datetime(self.history.school_year, 8, 25, 9, 0, tzinfo=datetime.UTC),
        )

    def children(self, school: School, group: ClassGroup, rng: random.Random) -> None:
        if Student.objects.filter(class_group=group).exists():
            return
        # Ages for the school year: in 2026–27 grade 1 was born between 2019-09-01 and 2020-08-31.
        first_birth, _last = schoolyear.birth_dates(group.grade, self.school_year)
        students, families = [], []
        for _i in range(self.students_per_class):
            male = rng.random() < 0.5
            surname = rng.choice(SURNAMES)
            birth = first_birth + datetime.timedelta(days=rng.randrange(365))
            seq = rng.randrange(500)
            number = _student_number(school.region.code, birth, seq, male)
            while number in self.numbers:
                seq += 1
                number = _student_number(school.region.code, birth, seq, male)
            self.numbers.add(number)
            priority = rng.random()
            students.append(
                Student(
                    school=school,
                    class_group=group,
                    name=_name(rng, surname),
                    gender="M" if male else "F",
                    student_number=number,
                    birth_date=birth,
                    left_behind=priority < 0.06,
                    migrant=0.06 <= priority < 0.11,
                    low_income=0.11 <= priority < 0.12,
                )
            )
            families.append((surname, rng.random() < 0.5, rng.random() < 0.3, rng.randrange(4)))
        Student.objects.bulk_create(students)
        students = list(Student.objects.filter(class_group=group).order_by("pk"))
        self.families(students, families, rng)

    def families(self, students, families, rng) -> None:
        users, guardians, pickups = [], [], []
        for student, (surname, is_father, has_pickup, gp) in zip(students, families, strict=True):
            mobile = self.next_mobile()
            if is_father:
                name = surname + rng.choice(["建国", "伟", "志强", "军", "海涛", "永刚"])
            else:
                name = rng.choice(SURNAMES) + rng.choice(["丽", "芳", "静", "娜", "霞", "海燕"])
            users.append(User(username=mobile, mobile=mobile, last_name=name, password=self.hash))
            guardians.append((student, name, mobile, "父亲" if is_father else "母亲"))
            if has_pickup:
                relation = GRANDPARENTS[gp][0]
                pickups.append((student, surname + rng.choice(["桂兰", "秀珍", "德福", "长顺"]), relation))
        User.objects.bulk_create(users, ignore_conflicts=True)
        by_mobile = {u.username: u for u in User.objects.filter(username__in=[g[2] for g in guardians])}
        Guardian.objects.bulk_create(
            [Guardian(user=by_mobile[m], name=n, mobile=m) for _s, n, m, _r in guardians],
            ignore_conflicts=True,
        )
        by_guardian_mobile = {g.mobile: g for g in Guardian.objects.filter(mobile__in=by_mobile)}
        guardian_of = {}
        links = []
        for student, _n, mobile, relationship in guardians:
            guardian = by_guardian_mobile[mobile]
            guardian_of[student.pk] = guardian
            links.append(Guardianship(guardian=guardian, student=student, relationship=relationship))
        Guardianship.objects.bulk_create(links, ignore_conflicts=True)
        AuthorizedPickup.objects.bulk_create(
            [
                AuthorizedPickup(
                    student=student,
                    name=name,
                    relationship=relation,
                    mobile=self.next_mobile(),
                    id_last4=f"{rng.randrange(1000):03d}{rng.choice('0123456789X')}",
                    valid_from=self.pickups_from,
                    valid_until=self.pickups_until,
                    added_by=guardian_of[student.pk].user,
                )
                for student, name, relation in pickups
            ]
        )

    def next_mobile(self) -> str:
        while True:
            self.mobile_seq += 1
            mobile = _mobile(self.mobile_seq + 1000)
            if mobile not in DEMO_PARENT_MOBILES:
                return mobile

    def guardian_link_pending(self, schools: dict) -> None:
        """F13: s2 named, by mobile, a parent who already has an account at s1 as the guardian of one
        of its children; the request waits for that parent (not a docs/demo.md persona) to confirm."""
        if "s2" not in schools or "s1" not in schools:
            return
        parent = (
            Guardian.objects.filter(guardianship__student__class_group__school=schools["s1"])
            .filter(guardianship__student__class_group__grade=4, guardianship__student__class_group__number=1)
            .exclude(mobile__in=DEMO_PARENT_MOBILES)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        child = (
            Student.objects.filter(
                class_group__school=schools["s2"], class_group__grade=4, class_group__number=1
            )
            .order_by("pk")
            .first()
        )
        if parent is None or child is None or GuardianLink.objects.filter(student=child).exists():
            return
        GuardianLink.objects.create(
            student=child,
            user=parent.user,
            mobile=parent.mobile,
            relationship="父亲",
            requested_by=User.objects.get(username="s2_admin"),
        )

    # --- message channels --------------------------------------------------------------------
    def demo_channels(self) -> None:
        """s1_parent has an e-mail address and a WeChat bound from the mini program, and chose
        e-mail and, where SMS is configured (make run: the console backend), text messages."""
        user = User.objects.get(username="s1_parent")
        if notices.wechat_bound(user):
            return  # seeded already: a second run writes nothing
        notices.wechat_openid_bind(user=user, openid="oDemo-s1-parent-0001")
        available = notices.channels_available()
        notices.channel_preferences_set(
            user=user, channels=[name for name in ("email", "sms", "wechat") if name in available]
        )

    # --- the named parents of docs/demo.md ----------------------------------------------
    def demo_families(self, schools: dict) -> None:
        for username, mobile, name, children in DEMO_PARENTS:
            user = self.user(username, name[0], name[1:], mobile=mobile, email=f"{username}@example.cn")
            guardian, _created = Guardian.objects.get_or_create(
                user=user, defaults={"name": name, "mobile": mobile}
            )
            for school_key, grade, number, child_name, relationship in children:
                group = ClassGroup.objects.get(school=schools[school_key], grade=grade, number=number)
                # The first child of the class (by id) becomes this family's child, renamed to the
                # contract's name, so that the class keeps its size.
                child = Student.objects.filter(class_group=group, name=child_name).first()
                if child is None:
                    child = Student.objects.filter(class_group=group).order_by("pk").first()
                    child.name = child_name
                    child.save(update_fields=["name"])
                    Guardianship.objects.filter(student=child).delete()
                Guardianship.objects.get_or_create(
                    guardian=guardian, student=child, defaults={"relationship": relationship}
                )
                if not AuthorizedPickup.objects.filter(student=child).exists():
                    AuthorizedPickup.objects.create(
                        student=child,
                        name=name[0] + "桂兰",
                        relationship="奶奶",
                        mobile="13700000" + f"{len(child_name) * 111:03d}",
                        id_last4="1234",
                        valid_from=self.pickups_from,
                        added_by=user,
                    )


# username, mobile, name, children: (school, grade, class, child's name, relationship)
DEMO_PARENTS = [
    (
        "s1_parent",
        "13900000001",
        "刘海燕",
        [("s1", 3, 1, "刘子涵", "母亲"), ("s1", 5, 1, "刘浩然", "母亲")],
    ),
    ("s1_parent2", "13900000002", "陈建国", [("s1", 3, 2, "陈雨桐", "父亲")]),
    ("s2_parent", "13900000003", "杨丽娟", [("s2", 3, 1, "杨一诺", "母亲")]),
    ("s3_parent", "13900000004", "黄志强", [("s3", 3, 1, "黄佳琪", "父亲")]),
]
DEMO_PARENT_MOBILES = {p[1] for p in DEMO_PARENTS}

# What `make run` prints and the README lists.
DEMO_LOGINS = [
    ("admin", "superuser: everything (Django admin)"),
    ("hn_bureau", "河南省教育厅: s1, s2, s3, s4"),
    ("zz_bureau", "郑州市教育局: s1, s2, s4"),
    ("zy_bureau", "中原区教育局: s1, s4"),
    ("gy_bureau", "巩义市教育局: s3"),
    ("s1_admin", "中原区实验小学 school admin"),
    ("s1_head31", "class teacher of 三年级(1)班"),
    ("s1_head32", "class teacher of 三年级(2)班"),
    ("s1_staff", "service teacher"),
    ("s1_guard", "gate guard"),
    ("s1_parent", "parent of 刘子涵 三年级(1)班 and 刘浩然 五年级(1)班 (mobile 13900000001)"),
    ("s1_parent2", "parent of 陈雨桐 三年级(2)班"),
    ("s2_admin / s2_parent", "金水区文化路小学"),
    ("s3_admin / s3_parent", "巩义市紫荆路小学"),
]
