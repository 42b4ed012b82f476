"""Fixtures of the F6 safety-record tests (gate, inspections, plans, roster, incidents); their
helpers (MONDAY, at, html) are in tests/support/records.py."""

import datetime

import pytest

from activities import services as activity_services
from activities.models import Activity, Category, VenueKind


@pytest.fixture
def admin_client(client, demo):
    client.force_login(demo.user("s1_admin"))
    return client


@pytest.fixture
def guard_client(client, demo):
    client.force_login(demo.user("s1_guard"))
    return client


@pytest.fixture
def venue(s1, s1_admin):
    return activity_services.venue_save(
        school=s1,
        name="安全测试活动室",
        kind=VenueKind.GYM,
        capacity=40,
        safety_officer=s1_admin,
        actor=s1_admin,
    )


@pytest.fixture
def december_term(s1, s1_admin):
    return activity_services.term_save(
        school=s1,
        name="安全测试学期",
        start=datetime.date(2026, 12, 1),
        end=datetime.date(2026, 12, 31),
        weekdays="12345",
        day_start=datetime.time(16, 0),
        day_end=datetime.time(18, 0),
        actor=s1_admin,
    )


@pytest.fixture
def make_group(s1, s1_admin, december_term):
    def make(venue, name="安全测试组", title="安全测试篮球", weekday=2):
        activity = Activity.objects.filter(school=s1, title=title).first() or activity_services.activity_save(
            school=s1, title=title, category=Category.SPORTS, actor=s1_admin
        )
        return activity_services.group_save(
            activity=activity,
            term=december_term,
            name=name,
            lead=s1_admin,
            venue=venue,
            grades="34",
            capacity=20,
            slots=[(weekday, datetime.time(16, 0), datetime.time(17, 0))],
            actor=s1_admin,
        )

    return make
