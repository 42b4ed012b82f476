"""F18: the gate's pick-up check finds the matching people first and reads only the sessions their
children may be in today: nobody matched, no roster at all; a match, the child's day as the whole
school's roster tells it (also for a child moved to another group)."""

import datetime

import pytest
import time_machine

from safety.selectors import attendance as selectors
from safety.services import release
from tests.support.attendance import at, care_in_session, care_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def care(demo):
    return care_in_session(demo)


def lookup(school, query: str, now: datetime.datetime):
    return selectors.gate_lookup(school=school, query=query, now=now, code_digest=None)


def day_of(school, student, now) -> selectors.ChildDay:
    """The child's day from the whole school's roster (what the look-up read before F18)."""
    items = selectors.rosters(selectors.school_sessions_on([school.pk], now.date()))
    return next(c for item in items for c in item.children if c.student.pk == student.pk and c.in_care)


def test_a_look_up_that_matches_nobody_reads_no_roster(demo, care, django_assert_num_queries):
    school = demo.school("s1")
    with django_assert_num_queries(2):  # the guardians, the authorised persons
        assert lookup(school, "不存在的人", at(16, 55)) == []


def test_a_match_shows_the_childs_day_as_the_schools_roster_does(demo, care):
    child = care.students[0]
    pickup = care.pickup(child)
    now = at(16, 55)
    [match] = lookup(demo.school("s1"), pickup.name, now)
    assert (match.student, match.person.obj) == (child, pickup)
    expected = day_of(demo.school("s1"), child, now)
    assert (
        (match.care.session, match.care.status)
        == (expected.session, expected.status)
        == (care.session, "present")
    )


def test_a_child_moved_to_another_group_is_found_in_the_receiving_group(demo, care):
    child = care.students[0]
    later = care_session(demo, count=1, start=datetime.time(17), end=datetime.time(18))
    with time_machine.travel(at(16, 58), tick=False):
        release.transfer_record(
            session=care.session, student=child, actor=care.lead, to_session=later.session
        )
    now = at(17, 10)
    [match] = lookup(demo.school("s1"), care.guardian(child).mobile, now)
    assert match.care.session == later.session == day_of(demo.school("s1"), child, now).session
    assert match.care.transfer_in is not None


def test_a_child_with_no_session_today_is_not_on_the_gates_list(demo, care):
    other = care_session(demo, count=1, day=datetime.date(2026, 12, 15))
    assert lookup(demo.school("s1"), care.guardian(other.students[0]).mobile, at(16, 55)) == []
