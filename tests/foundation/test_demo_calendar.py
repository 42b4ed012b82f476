"""seed_demo builds the school year of the day it runs (docs/demo.md "Time"), whatever that day is.

Each test empties the database and seeds it at its own date (transactional tests: the database is
flushed afterwards, and the `demo` fixture of later tests seeds it again at the suite's clock)."""

import contextlib
import datetime
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from activities.models import Session, Term
from enrollment import selectors as enrollment_selectors
from enrollment.models import Application, EnrollmentWindow
from oversight.models import TermReport
from safety.models import Attendance, Incident, Inspection
from schools import schoolyear
from schools.models import ClassGroup, School, Student, User
from subsidies.models import Claim
from tests.support import url_scope
from tests.support.placements import placed_without_a_common_day

pytestmark = pytest.mark.django_db(transaction=True)

TZ = ZoneInfo("Asia/Shanghai")
S1 = "4101020001"
DEMO_USERS = {"admin", *url_scope.PERSONAS}


@contextlib.contextmanager
def seeded_at(when: datetime.datetime):
    """An emptied database seeded at `when`, with the clock held there for the assertions."""
    call_command("flush", interactive=False, verbosity=0)
    with time_machine.travel(when, tick=False):
        call_command("seed_demo", stdout=io.StringIO())
        yield when.date()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def assert_contract(year: int) -> None:
    """docs/demo.md's names and counts, which no date changes; children's ages follow the school year."""
    assert DEMO_USERS <= set(User.objects.values_list("username", flat=True))
    schools = dict(School.objects.values_list("identifier", "name"))
    assert set(schools.values()) == {
        "中原区实验小学",
        "金水区文化路小学",
        "巩义市紫荆路小学",
        "中原区西郊小学",
    }
    for identifier in ("4101020001", "4101050001", "4101810001"):
        classes = ClassGroup.objects.filter(school__identifier=identifier)
        assert sorted(classes.values_list("grade", "number")) == [(g, n) for g in range(1, 7) for n in (1, 2)]
        for group in classes:
            students = list(Student.objects.filter(class_group=group))
            assert len(students) == 20
            first, last = schoolyear.birth_dates(group.grade, year)
            assert all(first <= s.birth_date <= last for s in students), (group, year)
    students = Student.objects.filter(school__identifier__in=["4101020001", "4101050001", "4101810001"])
    priority = sum(1 for s in students if s.is_priority)
    assert 0.05 <= priority / students.count() <= 0.2
    s1_parent_children = set(
        Student.objects.filter(guardians__user__username="s1_parent").values_list("name", flat=True)
    )
    assert s1_parent_children == {"刘子涵", "刘浩然"}
    # F12: no child holds a seat in a group that meets on none of the family's days.
    assert placed_without_a_common_day() == []


def s1_terms() -> dict[str, Term]:
    return {t.name: t for t in Term.objects.filter(school__identifier=S1)}


def assert_live(today: datetime.date, live: str, archived: str) -> None:
    """A term day: the current term live, the previous one archived."""
    terms = s1_terms()
    assert set(terms) == {live, archived}
    term, old = terms[live], terms[archived]
    assert term.start <= today <= term.end and old.end < term.start
    s1 = School.objects.get(identifier=S1)
    assert enrollment_selectors.term_current(school=s1, today=today) == term
    assert old.groups.exists() and Session.objects.filter(group__term=old).exists()
    assert not EnrollmentWindow.objects.filter(term=old).exists()
    # Sessions today on a weekday, and after it.
    if today.isoweekday() <= 5:
        assert Session.objects.filter(group__term=term, date=today).exists()
    assert Session.objects.filter(group__term=term, date__gt=today).exists()
    # Four weeks of attendance, all of them before today and in the live term.
    marked = Attendance.objects.filter(session__group__term__school=s1)
    dates = set(marked.values_list("session__date", flat=True))
    assert dates and max(dates) < today and min(dates) >= max(term.start, today - datetime.timedelta(days=28))
    assert not marked.exclude(session__group__term=term).exists()
    # Applications in every state, placement published, a second round open.
    statuses = set(Application.objects.filter(term=term).values_list("status", flat=True))
    assert {"approved", "returned", "declined", "withdrawn"} <= statuses
    window = EnrollmentWindow.objects.get(term=term)
    assert window.closes_at < timezone.now() and window.published_at and window.second_round_open
    # Safety records and claims lie in the past.
    assert not Inspection.objects.filter(inspected_on__gte=today).exists()
    assert not Incident.objects.filter(occurred_at__gte=timezone.now()).exists()
    assert Claim.objects.filter(school=s1).count() == 2
    assert set(TermReport.objects.values_list("term", flat=True)) == {schoolyear.history_term(today).key}


def assert_holiday(today: datetime.date, archived: str, coming: str) -> None:
    """A holiday: the previous term archived with its history, the coming one open for applications."""
    terms = s1_terms()
    assert set(terms) == {archived, coming}
    old, term = terms[archived], terms[coming]
    assert old.end < today < term.start
    s1 = School.objects.get(identifier=S1)
    assert enrollment_selectors.term_current(school=s1, today=today) == term
    window = EnrollmentWindow.objects.get(term=term)
    assert window.opens_at < timezone.now() < window.closes_at <= window.review_deadline
    assert window.published_at is None and term.notices.exists()
    assert set(Application.objects.filter(term=term).values_list("status", flat=True)) == {"submitted"}
    assert not Application.objects.filter(term=term, submitted_at__gt=timezone.now()).exists()
    # Parents of docs/demo.md can still apply for the child the demo keeps free.
    assert not Application.objects.filter(term=term, student__name="刘子涵").exists()
    # The archived term keeps its history: placement, the last weeks of attendance.
    assert EnrollmentWindow.objects.get(term=old).published_at is not None
    marked = Attendance.objects.filter(session__group__term__school=s1)
    dates = set(marked.values_list("session__date", flat=True))
    assert dates and max(dates) <= old.end and min(dates) > old.end - datetime.timedelta(days=28)
    assert not marked.exclude(session__group__term=old).exists()
    assert not Session.objects.filter(group__term=old, date__gt=old.end).exists()


def test_it_builds_a_live_spring_term_and_does_nothing_the_second_time():
    when = datetime.datetime(2027, 3, 15, 9, 0, tzinfo=TZ)
    with seeded_at(when):
        assert_contract(2026)
        assert_live(when.date(), live="2027年春季学期", archived="2026年秋季学期")
        assert s1_terms()["2027年春季学期"].start == datetime.date(2027, 2, 22)
        # 2027's holidays: 清明 4–5 April, 劳动节 1–5 May, the Spring Festival (F11 acceptance).
        holidays = [datetime.date(2027, 4, 4), datetime.date(2027, 4, 5)]
        holidays += [datetime.date(2027, 5, d) for d in range(1, 6)]
        holidays += [datetime.date(2027, 2, d) for d in range(5, 12)]
        assert Session.objects.filter(date__year=2027).exists()
        assert not Session.objects.filter(date__in=holidays).exists()
        before = row_counts()
        call_command("seed_demo", stdout=io.StringIO())
        assert row_counts() == before


def test_it_builds_the_autumn_term_on_new_years_eve():
    when = datetime.datetime(2026, 12, 31, 23, 30, tzinfo=TZ)
    with seeded_at(when):
        assert_contract(2026)
        assert_live(when.date(), live="2026年秋季学期", archived="2026年春季学期")


def test_it_opens_the_spring_term_for_applications_in_the_winter_break():
    when = datetime.datetime(2027, 1, 31, 10, 0, tzinfo=TZ)
    with seeded_at(when):
        assert_contract(2026)
        assert_holiday(when.date(), archived="2026年秋季学期", coming="2027年春季学期")


def test_it_opens_the_next_school_year_in_the_summer():
    when = datetime.datetime(2027, 7, 25, 10, 0, tzinfo=TZ)
    with seeded_at(when):
        assert_contract(2027)  # the children have moved up a grade for the coming school year
        assert_holiday(when.date(), archived="2027年春季学期", coming="2027年秋季学期")
