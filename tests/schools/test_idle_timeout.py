"""Idle staff sessions and the URLs that authenticate by a token (schools.middleware.
StaffIdleTimeoutMiddleware): the calendar feed's ?token=, the API's Bearer token, /metrics' token and
the activation code are answered as themselves whatever stale cookie comes with them; the idle
session is still ended, its cached copy too (cached_db), and such a request never keeps a session
alive. The pages themselves still send an idle session to sign-in (tests/security/test_headers.py)."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from activities import ical
from activities import services as activity_services
from api import services as api_services

pytestmark = pytest.mark.django_db


def _stale(user, start):
    """A browser signed in as `user` at `start`, its session's key; the caller travels past the limit."""
    client = Client(REMOTE_ADDR="203.0.113.9")
    with time_machine.travel(start, tick=False):
        client.force_login(user)
        assert client.get(reverse("home")).status_code == 200
    return client, client.cookies[settings.SESSION_COOKIE_NAME].value


def _ended(key: str) -> bool:
    """Neither in the cache nor in the database (cached_db's exists() asks both)."""
    return not SessionStore().exists(key)


@pytest.fixture
def later():
    return timezone.now() + datetime.timedelta(minutes=settings.STAFF_IDLE_MINUTES + 1)


def test_a_token_url_with_an_idle_sessions_cookie_answers_the_token_and_ends_the_session(demo, later):
    teacher = demo.user("s1_staff")
    activity_services.calendar_feed_rotate(user=teacher)
    feed = f"{reverse('activities:ical-feed')}?token={ical.token_for(teacher)}"
    client, key = _stale(teacher, timezone.now())
    with time_machine.travel(later, tick=False):
        response = client.get(feed)
        assert response.status_code == 200, response.get("Location")
        assert response["Content-Type"].startswith("text/calendar")
        assert _ended(key)
        # The session is gone for the pages too: sign-in, not the stale session.
        page = client.get(reverse("home"))
        assert page.status_code == 302 and page.url.startswith(reverse("login"))


def test_the_api_the_activation_page_and_metrics_answer_whatever_idle_cookie_comes(demo, later, settings):
    teacher = demo.user("s1_head31")
    _token, secret = api_services.token_issue(user=teacher, name="phone")
    settings.METRICS_TOKEN = "scrape-secret"
    calls = [
        (reverse("api:profile"), {"HTTP_AUTHORIZATION": f"Bearer {secret}"}, 200),
        (reverse("activate"), {}, 200),
        (reverse("metrics"), {"HTTP_AUTHORIZATION": "Bearer scrape-secret"}, 200),
    ]
    for url, headers, status in calls:
        client, key = _stale(teacher, timezone.now())
        with time_machine.travel(later, tick=False):
            response = client.get(url, **headers)
            assert response.status_code == status, (url, response.status_code, response.get("Location"))
            assert _ended(key), url


def test_a_token_url_never_keeps_a_session_alive(demo):
    teacher = demo.user("s1_staff")
    activity_services.calendar_feed_rotate(user=teacher)
    feed = f"{reverse('activities:ical-feed')}?token={ical.token_for(teacher)}"
    start = timezone.now()
    client, _key = _stale(teacher, start)
    limit = settings.STAFF_IDLE_MINUTES
    # A calendar app polling with the browser's cookie every few minutes is no one at the screen.
    for minutes in range(5, limit + 5, 5):
        with time_machine.travel(start + datetime.timedelta(minutes=minutes), tick=False):
            assert client.get(feed).status_code == 200
    with time_machine.travel(start + datetime.timedelta(minutes=limit + 1), tick=False):
        response = client.get(reverse("home"))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
