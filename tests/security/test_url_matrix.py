"""The URL matrix (tests/support/url_matrix.py) holds for every named URL and every role: anonymous
visitors are sent to sign in, each role's demo persona is refused (404/403) every page not meant for
it and reaches every page meant for it, and nothing a refused request sends changes any data."""

import uuid

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from audit.models import AccessLog
from tests.support import url_matrix
from tests.support.url_patterns import OBJECT_KWARGS, inside, matrix_patterns, special_values
from tests.support.url_scope import fingerprint

pytestmark = pytest.mark.django_db

ROLES = sorted(url_matrix.PERSONAS)


def _any_visible(kwarg, users):
    """An identifier for the first of these users who sees such an object (else any object, else a
    well-formed code when the demo has none of the kind)."""
    for user in users:
        value = inside(user, kwarg)
        if value is not None:
            return value
    model, field, _visible = OBJECT_KWARGS[kwarg]
    obj = model.objects.order_by("pk").first()
    if obj is None and field == "code":
        return uuid.uuid4()  # none in the demo (an app's sign-in): a well-formed code of nothing
    return None if obj is None else getattr(obj, field)


def test_every_url_is_classified():
    names = {name for name, _kw in matrix_patterns()}
    unclassified = sorted(names - set(url_matrix.URLS))
    assert not unclassified, f"classify these URLs in tests/support/url_matrix.py: {unclassified}"
    stale = sorted(set(url_matrix.URLS) - names)
    assert not stale, f"these URLs no longer exist: {stale}"
    for name, allowed in url_matrix.URLS.items():
        assert allowed in ("public", "token", url_matrix.PROVINCE) or (
            allowed and allowed <= url_matrix.EVERYONE
        ), name


def test_anonymous_visitors_are_sent_to_sign_in(client, demo):
    admin = demo.user("s1_admin")
    login = reverse(settings.LOGIN_URL)
    wrong = []
    for name, kwargs in matrix_patterns():
        allowed = url_matrix.URLS[name]
        if allowed == "public":
            continue
        url = reverse(name, kwargs={kw: _any_visible(kw, [admin]) for kw in kwargs})
        response = client.get(url)
        if response.status_code == 405:  # POST only: the same must hold for a POST
            response = client.post(url)
        if allowed == "token":
            ok = response.status_code == 404
        else:
            ok = response.status_code == 302 and response["Location"].startswith(login)
        if not ok:
            wrong.append(f"{name} {url} -> {response.status_code}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_refused_every_page_not_meant_for_it(demo, role):
    user = demo.user(url_matrix.PERSONAS[role])
    # Objects the persona sees, else its school's (s1_admin sees all of s1), else its bureau's.
    sources = [user, demo.user("s1_admin"), demo.user("zy_bureau")]
    client = Client()
    client.force_login(user)
    before = fingerprint(exclude=(AccessLog,))
    wrong = []
    for name, kwargs in matrix_patterns():
        allowed = url_matrix.URLS[name]
        if allowed == url_matrix.PROVINCE:
            allowed = frozenset()  # no persona is a province officer
        if allowed in ("public", "token") or role in allowed:
            continue
        values = {kw: _any_visible(kw, sources) for kw in kwargs}
        assert all(v is not None for v in values.values()), name
        url = reverse(name, kwargs=values)
        status = client.get(url).status_code
        if status == 405:
            status = client.post(url).status_code
        if status not in (403, 404):
            wrong.append(f"{name} {url} -> {status}")
    assert not wrong, f"{role} reaches:\n" + "\n".join(wrong)
    assert fingerprint(exclude=(AccessLog,)) == before


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_every_page_meant_for_it(demo, role):
    user = demo.user(url_matrix.PERSONAS[role])
    client = Client()
    client.force_login(user)
    wrong, checked = [], 0
    for name, kwargs in matrix_patterns():
        allowed = url_matrix.URLS[name]
        if allowed in ("public", "token", url_matrix.PROVINCE) or role not in allowed:
            continue
        values = special_values(name, user)
        if values is False:
            values = {kw: inside(user, kw) for kw in kwargs}
            if any(v is None for v in values.values()):
                values = None
        if values is None:
            continue  # nothing of that kind in the persona's scope in the demo data
        status = client.get(reverse(name, kwargs=values)).status_code
        checked += 1
        if status in (403, 404, 500):
            wrong.append(f"{name} -> {status}")
    assert not wrong, f"{role} is refused:\n" + "\n".join(wrong)
    assert checked >= 3


def test_the_calendar_feed_answers_a_valid_token_only(client, demo):
    from activities import services

    url = reverse("activities:ical-feed")
    assert (
        client.get(url, {"token": services.calendar_feed_rotate(user=demo.user("s1_staff"))}).status_code
        == 200
    )
    assert (
        client.get(url, {"token": services.calendar_feed_rotate(user=demo.user("s1_parent"))}).status_code
        == 404
    )
    assert client.get(url, {"token": "forged"}).status_code == 404


def test_parents_and_staff_share_no_page_but_the_common_ones():
    """Intent: a parent never reaches a staff page. The only pages both open are each user's own
    (home, inbox, password, a school's request to confirm a child sent to one's own account), the
    family page that sends staff on, and a complaint (its author, the school and the bureau)."""
    shared_on_purpose = {
        "home",
        "logout",
        "password-change",
        "devices:list",
        "devices:revoke",
        "notices:inbox",
        "notices:notification-open",
        "notices:mark-all-read",
        "enrollment:family",
        "subsidies:complaint-detail",
        "schools:guardian-link-decide",
    }
    staff = url_matrix.EVERYONE - {url_matrix.PARENT}
    shared = {
        name
        for name, allowed in url_matrix.URLS.items()
        if allowed not in ("public", "token") and url_matrix.PARENT in allowed and allowed & staff
    }
    assert shared == shared_on_purpose
