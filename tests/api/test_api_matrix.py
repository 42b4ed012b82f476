"""The API's scope crawl (tests/support/api_matrix.py), the twin of the pages' URL matrix and scope
tests: every endpoint classified; every endpoint that takes an identifier, called by every persona
with identifiers outside its scope, answers 404 and changes nothing; each role is refused every
endpoint not meant for it; anonymous callers get 401."""

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from api import services
from audit.models import AccessLog
from schools import services as org
from tests.support import api_matrix, url_matrix
from tests.support.url_patterns import OBJECT_KWARGS, inside
from tests.support.url_scope import PERSONAS, fingerprint, outside

pytestmark = pytest.mark.django_db


def _bearer(user):
    _token, secret = services.token_issue(user=user, name="crawler")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def devices(demo):
    """Every persona signed in on a phone, so that each has devices another persona must not reach."""
    return {username: _bearer(demo.user(username)) for username in PERSONAS}


@pytest.fixture
def elsewhere(demo):
    """A class of a school in another province: outside even hn_bureau's scope (as in
    tests/schools/test_url_scope.py), for the endpoints that take a class."""
    hubei = org.region_save(code="42", name="湖北省", level="province")
    jiangan = org.region_save(code="420102", name="江岸区", level="county", parent=hubei)
    school = org.school_save(identifier="4201020001", name="江岸区实验小学", region=jiangan)
    return org.class_create(school=school, grade=1, number=1)


def _any(kw, sources):
    """An identifier of the first of these users who sees such an object; else a well-formed one."""
    found = (inside(u, kw) for u in sources)
    return next((v for v in found if v is not None), None) or uuid.uuid4()


def _call(client, method, url, headers):
    return getattr(client, method)(
        url, data={} if method != "get" else None, content_type="application/json", **headers
    )


def test_every_endpoint_is_classified():
    names = {name for name, _kw, _cb in api_matrix.api_patterns()}
    unclassified = sorted(names - set(api_matrix.ENDPOINTS))
    assert not unclassified, f"classify these endpoints in tests/support/api_matrix.py: {unclassified}"
    stale = sorted(set(api_matrix.ENDPOINTS) - names)
    assert not stale, f"these endpoints no longer exist: {stale}"
    for name, allowed in api_matrix.ENDPOINTS.items():
        assert allowed == api_matrix.PUBLIC or (allowed and allowed <= url_matrix.EVERYONE), name
    for name, kwargs, _cb in api_matrix.api_patterns():
        assert set(kwargs) <= set(OBJECT_KWARGS), f"{name}: add {kwargs} to url_patterns.OBJECT_KWARGS"


def test_anonymous_callers_get_401(demo):
    client = Client()
    admin = demo.user("s1_admin")
    wrong = []
    for name, kwargs, callback in api_matrix.api_patterns():
        if api_matrix.ENDPOINTS[name] == api_matrix.PUBLIC:
            continue
        url = reverse(name, kwargs={kw: _any(kw, [admin]) for kw in kwargs})
        for method in api_matrix.methods_of(callback):
            status = _call(client, method, url, {}).status_code
            if status != 401:
                wrong.append(f"{method.upper()} {name} -> {status}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("username", PERSONAS)
def test_out_of_scope_identifiers_answer_404_and_change_nothing(demo, devices, elsewhere, username):
    user = demo.user(username)
    headers = devices[username]
    client = Client()
    before = fingerprint(exclude=(AccessLog,))
    wrong, checked = [], 0
    for name, kwargs, callback in api_matrix.api_patterns():
        if not kwargs or api_matrix.ENDPOINTS[name] == api_matrix.PUBLIC:
            continue
        values = {kw: outside(user, kw) for kw in kwargs}
        if any(v is None for v in values.values()):
            continue  # the persona sees every object of that kind
        url = reverse(name, kwargs=values)
        for method in api_matrix.methods_of(callback):
            status = _call(client, method, url, headers).status_code
            checked += 1
            if status != 404:
                wrong.append(f"{method.upper()} {url} ({name}) -> {status}")
    assert not wrong, f"{username} reaches:\n" + "\n".join(wrong)
    assert checked
    assert fingerprint(exclude=(AccessLog,)) == before


@pytest.mark.parametrize("role", sorted(url_matrix.PERSONAS))
def test_each_role_is_refused_every_endpoint_not_meant_for_it(demo, devices, role):
    user = demo.user(url_matrix.PERSONAS[role])
    headers = devices[url_matrix.PERSONAS[role]]
    sources = [user, demo.user("s1_admin"), demo.user("zy_bureau")]
    client = Client()
    before = fingerprint(exclude=(AccessLog,))
    wrong = []
    for name, kwargs, callback in api_matrix.api_patterns():
        allowed = api_matrix.ENDPOINTS[name]
        if allowed == api_matrix.PUBLIC or role in allowed:
            continue
        values = {kw: _any(kw, sources) for kw in kwargs}
        url = reverse(name, kwargs=values)
        for method in api_matrix.methods_of(callback):
            status = _call(client, method, url, headers).status_code
            if status != 404:
                wrong.append(f"{method.upper()} {name} -> {status}")
    assert not wrong, f"{role} reaches:\n" + "\n".join(wrong)
    assert fingerprint(exclude=(AccessLog,)) == before
