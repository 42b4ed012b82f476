"""Every POST without a CSRF token is refused and changes nothing; no GET changes anything (views
of a child's record write their AccessLog row, which is the point of them)."""

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AccessLog
from tests.support.url_patterns import all_patterns, inside
from tests.support.url_scope import fingerprint, object_patterns

pytestmark = pytest.mark.django_db


def urls_for(user):
    for name, kwargs in all_patterns():
        values = {kw: inside(user, kw) for kw in kwargs}
        if any(v is None for v in values.values()):
            continue
        yield name, reverse(name, kwargs=values)


@pytest.mark.parametrize(
    "username", ["s1_admin", "s1_head31", "s1_staff", "s1_guard", "s1_parent", "zy_bureau"]
)
def test_every_post_without_a_csrf_token_is_refused_and_changes_nothing(demo, username):
    client = Client(enforce_csrf_checks=True)
    client.force_login(demo.user(username))
    before = fingerprint()
    refused = {name: client.post(url).status_code for name, url in urls_for(demo.user(username))}
    assert refused and set(refused.values()) == {403}, {k: v for k, v in refused.items() if v != 403}
    assert fingerprint() == before
    assert len(object_patterns()) > 10


@pytest.mark.parametrize(
    "username", ["s1_admin", "s1_head31", "s1_staff", "s1_guard", "s1_parent", "zy_bureau"]
)
def test_no_get_changes_anything(client, demo, username):
    client.force_login(demo.user(username))
    before = fingerprint(exclude=(AccessLog,))
    statuses = {name: client.get(url).status_code for name, url in urls_for(demo.user(username))}
    assert 500 not in statuses.values(), [n for n, s in statuses.items() if s == 500]
    assert fingerprint(exclude=(AccessLog,)) == before
