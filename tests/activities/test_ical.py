"""The iCalendar feed of a teacher's sessions: subscribed with a signed token, no session."""

import datetime
import os
from unittest import mock
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from activities import ical, services
from tests.support import builders
from tests.support.builders import hour

pytestmark = pytest.mark.django_db


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
    services.calendar_feed_rotate(user=teacher)  # F13: no key, no feed
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
    assert client.get(feed_url(services.calendar_feed_rotate(user=demo.user("s1_parent")))).status_code == 404


# --- rotation, expiry, never logged ---------------------------------------------------------------


def test_without_a_key_there_is_no_feed_and_opening_the_page_creates_none(client, demo):
    from activities.models import CalendarFeedKey

    teacher = builders.staff(demo.school("s1"))
    client.force_login(teacher)
    page = client.get(reverse("activities:my-sessions")).content.decode()
    assert 'id="ical-url"' not in page and 'id="ical-rotate"' in page
    assert not CalendarFeedKey.objects.filter(user=teacher).exists()
    assert ical.token_for(teacher) is None
    # The old-style token (signed user id and password fingerprint) no longer opens a feed.
    old = signing.dumps({"u": teacher.pk, "f": ical._fingerprint(teacher)}, salt=ical.SALT)
    assert client.get(feed_url(old)).status_code == 404


def test_replacing_the_address_stops_the_old_one_at_once(client, setup):
    from audit.models import AuditEvent

    teacher, *_groups = setup
    old = ical.token_for(teacher)
    assert client.get(feed_url(old)).status_code == 200
    client.force_login(teacher)
    response = client.post(reverse("activities:ical-rotate"))
    assert response.status_code == 302 and response["Location"] == reverse("activities:my-sessions")
    new = ical.token_for(teacher)
    assert new != old
    client.logout()
    assert client.get(feed_url(old)).status_code == 404
    assert client.get(feed_url(new)).status_code == 200
    event = AuditEvent.objects.filter(verb="calendar_feed.rotate", actor=teacher).get()
    assert new not in str(event.changes) and old not in str(event.changes)
    # A GET does not rotate, and only staff may rotate.
    client.force_login(teacher)
    assert client.get(reverse("activities:ical-rotate")).status_code == 405
    assert ical.token_for(teacher) == new


def test_the_address_expires_and_the_page_says_when(client, setup, settings):
    teacher, *_groups = setup
    settings.ICAL_TOKEN_DAYS = 365
    token = ical.token_for(teacher)
    issued = ical.feed_key(teacher).issued_at
    expires = timezone.localtime(issued + datetime.timedelta(days=365))
    client.force_login(teacher)
    page = client.get(reverse("activities:my-sessions")).content.decode()
    assert 'id="ical-expires"' in page and expires.strftime("%Y-%m-%d") in page
    import time_machine

    # A calendar app fetches the feed without the teacher's cookies.
    app = Client()
    with time_machine.travel(issued + datetime.timedelta(days=364), tick=False):
        assert app.get(feed_url(token)).status_code == 200
    with time_machine.travel(issued + datetime.timedelta(days=365, seconds=1), tick=False):
        assert app.get(feed_url(token)).status_code == 404
        client.force_login(teacher)
        page = client.get(reverse("activities:my-sessions")).content.decode()
        assert 'id="ical-expired"' in page and 'id="ical-url"' not in page
        client.post(reverse("activities:ical-rotate"))
        assert app.get(feed_url(ical.token_for(teacher))).status_code == 200


def test_the_token_never_reaches_a_log_line():
    import logging
    import runpy
    from pathlib import Path

    from audit.logging import MaskPersonalData

    token = "eyJ1Ijo1LCJrIjoiYWJjIn0:1vX2ab:Zm9vYmFyYmF6"
    record = logging.LogRecord(
        "django.server", logging.INFO, __file__, 1, '"GET %s HTTP/1.1" 200 512', (feed_url(token),), None
    )
    MaskPersonalData().filter(record)
    assert token not in record.getMessage() and "token=***" in record.getMessage()
    # gunicorn's access log writes the path without its query string. (Read in this process: the
    # configuration's environment for gunicorn's workers must not stay in the test's.)
    with mock.patch.dict(os.environ):
        conf = runpy.run_path(str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"))
    fmt = conf["access_log_format"]
    assert "%(U)s" in fmt and "%(r)s" not in fmt and "%(q)s" not in fmt and "%(f)s" not in fmt
