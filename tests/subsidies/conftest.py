"""Fixtures for the subsidy tests: the demo personas, a December term of s1 with groups of new
teachers (so that nothing collides with the demo timetable). Its dates, slots and "held" sessions
are in tests/support/claims.py."""

import datetime

import pytest

from activities.models import Provider
from tests.support import builders
from tests.support.claims import FOOTBALL_CLUB


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
