"""Small builders for the activities view tests. They go through activities.services and give each
test its own staff and venues, so that nothing collides with the demo timetable."""

import datetime
import itertools

from activities import services
from activities.models import Category, VenueKind
from schools.models import Role
from tests.support import factories

_seq = itertools.count(1)
WINDOW = (datetime.time(16, 0), datetime.time(18, 0))  # 郑州市 requires the day to end at 17:30 or later


def staff(school, role=Role.SERVICE_TEACHER, **kwargs):
    """A new staff member; no usable password (hashing is slow): tests sign them in with force_login."""
    return factories.staff(role=role, school=school, **kwargs)


def term(school, *, start, end, actor, name=None, weekdays="12345"):
    return services.term_save(
        school=school,
        name=name or f"视图测试学期{next(_seq)}",
        start=start,
        end=end,
        weekdays=weekdays,
        day_start=WINDOW[0],
        day_end=WINDOW[1],
        actor=actor,
    )


def venue(school, *, actor, officer=None, capacity=40, name=None, kind=VenueKind.FUNCTION_ROOM, address=""):
    return services.venue_save(
        school=school,
        name=name or f"视图测试室{next(_seq)}",
        kind=kind,
        capacity=capacity,
        safety_officer=officer or actor,
        address=address,
        actor=actor,
    )


def activity(school, *, actor, title=None, category=Category.SPORTS, **kwargs):
    return services.activity_save(
        school=school, title=title or f"视图测试活动{next(_seq)}", category=category, actor=actor, **kwargs
    )


def group(*, activity, term, venue, lead, actor, slots, assistants=None, capacity=20, name=None):
    return services.group_save(
        activity=activity,
        term=term,
        name=name or f"视图测试组{next(_seq)}",
        lead=lead,
        venue=venue,
        grades="345",
        capacity=capacity,
        slots=slots,
        assistants=assistants or [],
        actor=actor,
    )


def hour(h: int, m: int = 0) -> datetime.time:
    return datetime.time(h, m)
