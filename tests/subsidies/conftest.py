"""Fixtures for the subsidy tests: the demo personas, a December term of s1 with groups of new
teachers (so that nothing collides with the demo timetable), and "held" sessions (roll call taken:
Session.has_records, which F5's attendance sets)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from activities.models import Provider, Session
from subsidies.models import Claim
from tests.activities import builders
from tests.activities.builders import hour

DECEMBER = datetime.date(2026, 12, 1)  # a Tuesday; no public holidays this month
DECEMBER_END = datetime.date(2026, 12, 31)
FOOTBALL_CLUB = "豫体培字〔2024〕0137号"


def hold(group, first=DECEMBER, last=DECEMBER_END) -> int:
    """Mark a group's sessions between two dates held (roll call taken)."""
    return Session.objects.filter(group=group, date__gte=first, date__lte=last).update(has_records=True)


def held_hours(group, first=DECEMBER, last=DECEMBER_END) -> Decimal:
    total = Decimal(0)
    for session in Session.objects.filter(group=group, date__gte=first, date__lte=last, has_records=True):
        start = datetime.datetime.combine(session.date, session.start)
        end = datetime.datetime.combine(session.date, session.end)
        total += Decimal((end - start).seconds) / 3600
    return total


def claim_row(
    school, *, month: datetime.date, total: str, status=Claim.Status.SUBMITTED, prepared_by
) -> Claim:
    """A claim written straight to the table (for lists and races where its lines do not matter)."""
    last = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
    return Claim.objects.create(
        school=school,
        kind=Claim.Kind.MONTH,
        period_start=month,
        period_end=last,
        status=status,
        total=Decimal(total),
        prepared_by=prepared_by,
        prepared_at=timezone.now(),
        submitted_by=prepared_by if status != Claim.Status.DRAFT else None,
        submitted_at=timezone.now() if status != Claim.Status.DRAFT else None,
    )


@pytest.fixture
def s1(demo):
    return demo.school("s1")


@pytest.fixture
def s1_admin(demo):
    return demo.user("s1_admin")


@pytest.fixture
def zy_bureau(demo):
    return demo.user("zy_bureau")


@pytest.fixture
def club(demo):
    return Provider.objects.get(licence=FOOTBALL_CLUB)


@pytest.fixture
def december_term(s1, s1_admin):
    return builders.term(
        s1,
        start=datetime.date(2026, 11, 30),
        end=datetime.date(2027, 1, 8),
        actor=s1_admin,
        name="补助测试学期",
    )


@pytest.fixture
def make_group(s1, s1_admin, december_term):
    """A group of a new activity in a new venue, led by a new teacher unless one is given."""

    def make(*, slots, lead=None, assistants=None, provider=None, last_name="钱", first_name=None):
        lead = lead or builders.staff(s1, last_name=last_name, first_name=first_name or "老师")
        activity = builders.activity(s1, actor=s1_admin, provider=provider)
        return builders.group(
            activity=activity,
            term=december_term,
            venue=builders.venue(s1, actor=s1_admin),
            lead=lead,
            assistants=assistants,
            actor=s1_admin,
            slots=slots,
        )

    return make


# Mondays 16:00–17:00 and Wednesdays 16:00–17:30: December 2026 has 4 Mondays and 5 Wednesdays.
MON_WED = [(1, hour(16), hour(17)), (3, hour(16), hour(17, 30))]
MON_WED_HOURS = Decimal("11.5")
WEEKDAYS = [(d, hour(16), hour(17)) for d in range(1, 6)]  # 23 weekdays in December 2026
