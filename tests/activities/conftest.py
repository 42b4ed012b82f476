import datetime

import pytest

from activities import services
from activities.models import Category, VenueKind


@pytest.fixture
def term(demo, s1):
    return services.term_save(
        school=s1,
        name="测试学期",
        start=datetime.date(2026, 9, 14),
        end=datetime.date(2026, 10, 16),
        weekdays="12345",
        day_start=datetime.time(16, 0),
        day_end=datetime.time(18, 0),
        actor=demo.user("s1_admin"),
    )


@pytest.fixture
def venue_factory(demo, s1):
    def make(name="测试活动室", capacity=40, kind=VenueKind.FUNCTION_ROOM):
        return services.venue_save(
            school=s1,
            name=name,
            kind=kind,
            capacity=capacity,
            safety_officer=demo.user("s1_admin"),
            actor=demo.user("s1_admin"),
        )

    return make


@pytest.fixture
def activity_factory(demo, s1):
    def make(title="测试篮球", category=Category.SPORTS, **kwargs):
        return services.activity_save(
            school=s1, title=title, category=category, actor=demo.user("s1_admin"), **kwargs
        )

    return make


@pytest.fixture
def built_while_running():
    """F15: these tests set up and change terms of autumn 2026 that ended before the suite's clock
    (2026-11-29), as the school did while they ran: the archive rule reads their first day as today."""
    with services.history_as_of(datetime.date(2026, 9, 1)):
        yield
