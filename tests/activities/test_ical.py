"""The iCalendar feed of a teacher's sessions: subscribed with a signed token, no session."""

import datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from activities import ical
from tests.activities import builders
from tests.activities.builders import hour

pytestmark = pytest.mark.django_db


@pytest.fixture
def s1(demo):
    return demo.school("s1")


@pytest.fixture
def setup(demo, s1):
    admin = demo.user("s1_admin")
    today = timezone.localdate()
    term = builders.term(
        s1, start=today - datetime.timedelta(days=7), end=today + datetime.timedelta(days=40), actor=admin
    )
    teacher, other = builders.staff(s1), builders.staff(s1)
    activity = builders.activity(s1, actor=admin, title="订阅测试活动")
    led = builders.group(
        activity=activity,
        term=term,
        venue=builders.venue(s1, actor=admin),
        lead=teacher,
        actor=admin,
        slots=[(1, hour(16), hour(17)), (3, hour(16), hour(17))],
        name="我带的组",
    )
    assisted = builders.group(
        activity=activity,
        term=term,
        venue=builders.venue(s1, actor=admin),
        lead=other,
        actor=admin,
        assistants=[teacher],
        slots=[(2, hour(17), hour(18))],
        name="我协助的组",
    )
    foreign = builders.group(
        activity=activity,
        term=term,
        venue=builders.venue(s1, actor=admin),
        lead=other,
        actor=admin,
        slots=[(4, hour(16), hour(17))],
        name="别人的组",
    )
    return teacher, led, assisted, foreign


def feed_url(token: str) -> str:
    return f"{reverse('activities:ical-feed')}?token={token}"


def test_my_sessions_shows_the_subscription_link_and_the_feed_needs_no_session(client, setup):
    teacher, *_groups = setup
    client.force_login(teacher)
    page = client.get(reverse("activities:my-sessions"))
    link = page.context["feed_url"]
    assert link.startswith("http://testserver/activities/my/calendar.ics?token=")
    assert link in page.content.decode()
    client.logout()
    response = client.get(link)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")


def test_the_feed_parses_and_holds_the_teachers_sessions_only(client, setup, django_assert_max_num_queries):
    teacher, led, assisted, foreign = setup
    with django_assert_max_num_queries(6):
        response = client.get(feed_url(ical.token_for(teacher)))
    calendar = icalendar.Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    uids = {str(e["UID"]) for e in events}
    today = timezone.localdate()
    window = (
        today - datetime.timedelta(days=ical.FEED_DAYS_BACK),
        today + datetime.timedelta(days=ical.FEED_DAYS_AHEAD),
    )
    expected = {
        f"{s.code}@testserver"
        for group in (led, assisted)
        for s in group.sessions.all()
        if window[0] <= s.date <= window[1]
    }
    assert expected and uids == expected
    assert not {f"{s.code}@testserver" for s in foreign.sessions.all()} & uids
    session = led.sessions.order_by("date").first()
    event = next(e for e in events if str(e["UID"]) == f"{session.code}@testserver")
    start = event.decoded("DTSTART")
    assert start == datetime.datetime.combine(session.date, session.start, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert str(event["SUMMARY"]) == "订阅测试活动 · 我带的组"
    assert str(event["LOCATION"]) == led.venue.name
    assert calendar.walk("VTIMEZONE"), "calendar apps need the time zone definition"


@pytest.mark.parametrize(
    "make_token",
    [
        lambda user: "",
        lambda user: "not-a-token",
        lambda user: ical.token_for(user)[:-3] + "abc",  # tampered
        lambda user: signing.dumps({"u": user.pk, "f": "x"}, salt=ical.SALT),  # forged fingerprint
        lambda user: signing.dumps({"u": user.pk}, salt="schools.other"),  # signed for something else
        lambda user: signing.dumps(user.pk, salt=ical.SALT),  # wrong shape
    ],
)
def test_a_bad_or_foreign_token_gets_404(client, setup, make_token):
    teacher, *_groups = setup
    assert client.get(feed_url(make_token(teacher))).status_code == 404


def test_a_token_stops_working_when_the_password_changes_or_the_account_is_closed(client, setup):
    teacher, *_groups = setup
    token = ical.token_for(teacher)
    teacher.set_password("Another-pass-2026")
    teacher.save()
    assert client.get(feed_url(token)).status_code == 404
    token = ical.token_for(teacher)
    assert client.get(feed_url(token)).status_code == 200
    teacher.is_active = False
    teacher.save()
    assert client.get(feed_url(token)).status_code == 404


def test_a_parents_token_gets_404(client, demo, setup):
    assert client.get(feed_url(ical.token_for(demo.user("s1_parent")))).status_code == 404
