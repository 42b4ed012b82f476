"""F12: safety gates are gates, not badges. An off-campus activity takes no applications, gets no
sessions and cannot be roll-called until its safety checklist is complete and its coordination with
the departments concerned is recorded; when the gate opens its sessions are generated then."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from activities import services as activity_services
from activities.models import Category, Session, VenueKind
from enrollment import services as enrollment_services
from safety.services import attendance as attendance_services
from safety.services import offcampus as offcampus_services
from tests.support.records import MONDAY, at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def monday():
    with time_machine.travel(at(MONDAY, 10, 0), tick=False):
        yield


@pytest.fixture
def trip_group(s1, s1_admin, december_term):
    """An off-campus activity with a group in December: nothing checked, nothing coordinated."""
    site = activity_services.venue_save(
        school=s1,
        name="测试研学基地",
        kind=VenueKind.OFF_CAMPUS,
        capacity=60,
        safety_officer=s1_admin,
        address="郑州市郑东新区",
        actor=s1_admin,
    )
    trip = activity_services.activity_save(
        school=s1, title="测试研学", category=Category.PRACTICE, off_campus=True, actor=s1_admin
    )
    return activity_services.group_save(
        activity=trip,
        term=december_term,
        name="测试研学组",
        lead=s1_admin,
        venue=site,
        grades="345",
        capacity=30,
        slots=[(3, datetime.time(16, 0), datetime.time(17, 30))],
        actor=s1_admin,
    )


def _open_to(group, demo):
    child = demo.klass("s1", 3, 1).students.order_by("pk").first()
    return enrollment_services.groups_open_to(term=group.term, student=child).filter(pk=group.pk).exists()


def _checklist(activity, actor):
    return activity_services.checklist_complete(
        checklist=activity.checklist,
        traffic=True,
        venue=True,
        fire=True,
        food=True,
        security=True,
        notes="路线已勘察",
        actor=actor,
    )


def _coordinate(activity, actor):
    return offcampus_services.coordination_record(
        activity=activity,
        department="public_security",
        traffic=True,
        security=True,
        contacted_on=MONDAY,
        contact="郑东分局交警大队 王警官",
        outcome="安排路口值守。",
        actor=actor,
    )


def test_no_sessions_and_no_applications_until_checklist_and_coordination_then_sessions_come(
    demo, trip_group, s1_admin
):
    activity = trip_group.activity
    assert trip_group.sessions.count() == 0
    assert not _open_to(trip_group, demo)

    _checklist(activity, s1_admin)
    activity.refresh_from_db()
    assert not activity_services.activity_can_run(activity)
    assert "coordination" in activity_services.activity_blocked_reason(activity) or "协调" in (
        activity_services.activity_blocked_reason(activity)
    )
    assert trip_group.sessions.count() == 0
    assert not _open_to(trip_group, demo)

    _coordinate(activity, s1_admin)
    activity.refresh_from_db()
    assert activity_services.activity_can_run(activity)
    wednesdays = set(trip_group.sessions.values_list("date", flat=True))
    assert wednesdays and all(d.isoweekday() == 3 for d in wednesdays)
    assert _open_to(trip_group, demo)


def test_the_coordination_first_then_the_checklist_opens_the_gate_too(demo, trip_group, s1_admin):
    _coordinate(trip_group.activity, s1_admin)
    assert trip_group.sessions.count() == 0
    _checklist(trip_group.activity, s1_admin)
    assert trip_group.sessions.count() > 0


def test_a_session_of_a_closed_gate_cannot_be_roll_called(demo, trip_group, s1_admin):
    # A session left from before the gate (e.g. typed in the admin) is refused at roll call.
    session = Session.objects.create(
        group=trip_group,
        date=MONDAY,
        start=datetime.time(16, 0),
        end=datetime.time(17, 0),
        venue=trip_group.venue,
        lead=s1_admin,
    )
    with pytest.raises(ValidationError) as exc:
        attendance_services.roll_call_save(session=session, actor=s1_admin, marks={}, now=at(MONDAY, 16, 30))
    assert exc.value.code == "cannot_run"


def test_the_group_page_and_the_checklist_page_say_why(client, demo, trip_group, s1_admin):
    client.force_login(s1_admin)
    page = client.get(reverse("activities:group-detail", kwargs={"group_code": trip_group.code}))
    assert "cannot-run" in page.content.decode()
    _checklist(trip_group.activity, s1_admin)
    page = client.get(
        reverse("activities:activity-checklist", kwargs={"activity_code": trip_group.activity.code})
    )
    assert 'id="coordination-missing"' in page.content.decode()
    assert reverse("safety:offcampus-activity", kwargs={"activity_code": trip_group.activity.code}) in (
        page.content.decode()
    )


def test_the_demo_shows_an_open_gate_and_a_closed_one(demo):
    term = demo.term("s1")
    open_group = term.groups.get(activity__title="郑州科技馆研学")
    closed_group = term.groups.get(activity__title="黄河湿地自然观察")
    assert activity_services.activity_can_run(open_group.activity) and open_group.sessions.exists()
    assert not activity_services.activity_can_run(closed_group.activity)
    assert not closed_group.sessions.exists()
