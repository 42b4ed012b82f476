"""Builders for the F5 tests (attendance, leave, handover, release): a session on a fixed service
day with its own lead, venue and freshly made children of a class, so that nothing collides with
the demo's four weeks of records."""

import datetime
import itertools
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from activities.models import ActivityGroup, Session, Term
from enrollment.models import Application, Placement
from safety.services import attendance as attendance_services
from schools import services as org
from schools.models import AuthorizedPickup, ClassGroup, Guardian, Guardianship, Student, User
from tests.support import builders

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = datetime.date(2026, 12, 14)  # a Monday in the demo term, after the demo's records
_seq = itertools.count(1)


def at(hour: int, minute: int = 0, day: datetime.date = DAY) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


@dataclass
class Care:
    session: Session
    group: ActivityGroup
    students: list[Student]
    class_group: ClassGroup
    lead: User
    term: Term

    def guardian(self, student: Student) -> Guardian:
        return Guardian.objects.get(guardianship__student=student)

    def pickup(self, student: Student) -> AuthorizedPickup:
        return AuthorizedPickup.objects.filter(student=student).order_by("pk").first()


def new_class(school, grade: int = 3) -> ClassGroup:
    numbers = set(ClassGroup.objects.filter(school=school, grade=grade).values_list("number", flat=True))
    number = next(n for n in itertools.count(10) if n not in numbers)
    return org.class_create(school=school, grade=grade, number=number)


def children(class_group: ClassGroup, count: int, *, pickups: bool = True) -> list[Student]:
    """`count` children with one guardian each (an account with an e-mail address) and, when asked,
    one authorised pick-up person valid from today on. Bulk inserts: 60 children stay fast."""
    run = next(_seq)
    students = Student.objects.bulk_create(
        [
            Student(
                school_id=class_group.school_id,
                class_group=class_group,
                name=f"测{run}童{i:02d}",
                gender="F" if i % 2 else "M",
                student_number=f"T{run:05d}{i:05d}{class_group.pk:06d}",
                birth_date=datetime.date(2017, 1, 1),
            )
            for i in range(count)
        ]
    )
    students = list(
        Student.objects.filter(class_group=class_group, name__startswith=f"测{run}童").order_by("name")
    )
    password = make_password(None)
    users = User.objects.bulk_create(
        [
            User(
                username=f"1660{run:03d}{i:04d}",
                mobile=f"1660{run:03d}{i:04d}",
                last_name=f"测{run}家长{i:02d}",
                email=f"p{run}-{i}@example.edu.cn",
                password=password,
            )
            for i in range(count)
        ]
    )
    users = list(User.objects.filter(username__startswith=f"1660{run:03d}").order_by("username"))
    guardians = Guardian.objects.bulk_create(
        [Guardian(user=u, name=u.last_name, mobile=u.mobile) for u in users]
    )
    guardians = list(Guardian.objects.filter(user__in=users).order_by("mobile"))
    Guardianship.objects.bulk_create(
        [
            Guardianship(guardian=g, student=s, relationship="母亲")
            for g, s in zip(guardians, students, strict=True)
        ]
    )
    if pickups:
        AuthorizedPickup.objects.bulk_create(
            [
                AuthorizedPickup(
                    student=s,
                    name=f"测{run}奶奶{i:02d}",
                    relationship="奶奶",
                    mobile=f"1670{run:03d}{i:04d}",
                    id_last4=f"{1000 + i}",
                    valid_from=datetime.date(2026, 9, 1),
                    added_by=users[i],
                )
                for i, s in enumerate(students)
            ]
        )
    return students


def place(term: Term, group: ActivityGroup, students: list[Student], *, days: str = "12345", **extra) -> None:
    """Approved applications with a seat in the group (setup data: the enrollment flow has its own tests)."""
    now = timezone.now()
    applications = Application.objects.bulk_create(
        [
            Application(
                term=term,
                student=s,
                guardian=Guardian.objects.get(guardianship__student=s),
                status=Application.Status.APPROVED,
                days=days,
                pickup=extra.get("pickup", Application.Pickup.GUARDIAN),
                alone_consent=extra.get("alone_consent", False),
                safety_commitment=True,
                submitted_at=now,
            )
            for s in students
        ]
    )
    applications = list(Application.objects.filter(term=term, student__in=students))
    Placement.objects.bulk_create(
        [Placement(application=a, group=group, status=Placement.Status.PLACED) for a in applications]
    )


def care_session(
    demo,
    *,
    count: int = 4,
    class_group: ClassGroup | None = None,
    students: list[Student] | None = None,
    lead: User | None = None,
    start: datetime.time = datetime.time(16, 0),
    end: datetime.time = datetime.time(17, 0),
    day: datetime.date = DAY,
    days: str = "12345",
) -> Care:
    school = demo.school("s1")
    admin = demo.user("s1_admin")
    term = Term.objects.get(school=school, name="2026年秋季学期")
    lead = lead or builders.staff(school)
    size = max(count, len(students or []), 1)
    venue = builders.venue(school, actor=admin, capacity=max(size, 40))
    activity = builders.activity(school, actor=admin)
    group = builders.group(
        activity=activity,
        term=term,
        venue=venue,
        lead=lead,
        actor=admin,
        slots=[(day.isoweekday(), start, end)],
        capacity=max(size, 20),
    )
    class_group = class_group or (students[0].class_group if students else new_class(school))
    students = students if students is not None else children(class_group, count)
    place(term, group, students, days=days)
    session = group.sessions.get(date=day, start=start)
    return Care(
        session=session, group=group, students=students, class_group=class_group, lead=lead, term=term
    )


def care_in_session(demo, *, count: int = 3) -> Care:
    """A session on a Monday with `count` children marked present at 16:05 and still in care."""
    care = care_session(demo, count=count)
    with time_machine.travel(at(16, 5), tick=False):
        attendance_services.roll_call_save(
            session=care.session, actor=care.lead, marks={s.pk: "present" for s in care.students}
        )
    return care
