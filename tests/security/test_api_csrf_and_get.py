"""The API's twin of test_csrf_and_get.py: a browser's session cookie without a CSRF token makes no
API write succeed (the API takes a Bearer token only; the cookie authenticates nothing there), and no
GET on the API writes anything (views of a child's record write their AccessLog row, the point of
them). Every endpoint under /api/v1/ comes from the URL resolver and the schema
(tests/support/api_inputs.py), so a new one is crawled as soon as it exists."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api import services
from audit.models import AccessLog
from tests.support import api_inputs, api_matrix, url_matrix
from tests.support.url_scope import fingerprint

pytestmark = pytest.mark.django_db

ROLES = sorted(url_matrix.PERSONAS)


@pytest.fixture(scope="module")
def operations():
    return {(op.path, op.method): op for op in api_inputs.operations()}


def _calls(user, role, operations, methods):
    """(method, name, url, a well-formed body) of every operation of the role with these methods."""
    today = timezone.localdate().isoformat()
    for name, kwargs, callback, path in api_inputs.endpoints_for(role):
        url = reverse(name, kwargs=api_inputs.identifiers(name, kwargs, user))
        for method in api_matrix.methods_of(callback):
            if method in methods:
                op = operations[(path, method)]
                yield method, name, url, {f: api_inputs.plausible(s, today) for f, s in op.fields.items()}


@pytest.mark.parametrize("role", ROLES)
def test_a_session_cookie_without_a_csrf_token_makes_no_api_write(demo, operations, role):
    user = demo.user(url_matrix.PERSONAS[role])
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    before = fingerprint()
    wrong, sent = [], 0
    for method, name, url, body in _calls(user, role, operations, api_inputs.WRITES):
        # As JSON (a script on the portal's own pages), and as a cross-site form can send it.
        for response in (
            getattr(client, method)(url, body, content_type="application/json"),
            getattr(client, method)(url, "a=1", content_type="application/x-www-form-urlencoded"),
        ):
            sent += 1
            if response.status_code < 400 or response.status_code >= 500:
                wrong.append(f"{method.upper()} {name} -> {response.status_code}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)
    assert sent > 2
    assert fingerprint() == before


@pytest.mark.parametrize("role", ROLES)
def test_no_api_get_changes_anything(demo, operations, role):
    user = demo.user(url_matrix.PERSONAS[role])
    _token, secret = services.token_issue(user=user, name="crawler")
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {secret}")
    before = fingerprint(exclude=(AccessLog,))
    statuses = {
        f"{name} {url}": client.get(url).status_code
        for _m, name, url, _b in _calls(user, role, operations, ("get",))
    }
    assert statuses
    assert not [call for call, status in statuses.items() if status >= 500], statuses
    assert fingerprint(exclude=(AccessLog,)) == before
