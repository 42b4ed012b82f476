"""F18: the cache round trips of a signed-in request. Warm, it reads the session and then, in ONE
round trip, the account state together with the stamps it must still match; a bump is still seen
on the next request."""

import pytest
from django.core.cache import caches
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_GET

from schools import access, services
from schools.models import Role

pytestmark = pytest.mark.urls(__name__)


@require_GET
def hello(request):
    s = access.scope(request.user) if request.user.is_authenticated else None
    return HttpResponse(",".join(sorted(s.roles)) if s else "anonymous")


urlpatterns = [path("trips-hello/", hello), path("", include("afterschool.urls"))]

READS = ("get", "get_many", "has_key")


@pytest.fixture
def round_trips(monkeypatch):
    """The cache reads a request makes, outermost calls only (the file cache's get_many is a loop
    of gets; Redis answers it in one round trip)."""
    calls, depth = [], [0]
    backend = type(caches["default"])
    for name in READS:
        original = getattr(backend, name)

        def counted(self, *args, _original=original, _name=name, **kwargs):
            if not depth[0]:
                calls.append(_name)
            depth[0] += 1
            try:
                return _original(self, *args, **kwargs)
            finally:
                depth[0] -= 1

        monkeypatch.setattr(backend, name, counted)
    return calls


@pytest.fixture
def mother(client, demo):
    user = demo.user("s1_parent")
    client.force_login(user)
    assert client.get("/trips-hello/").content == b"parent"
    return user


def test_a_warm_request_reads_the_session_and_then_the_state_in_one_round_trip(client, mother, round_trips):
    client.get("/trips-hello/")
    assert round_trips == ["get", "get_many"]


def test_a_bump_between_two_requests_is_seen_in_the_same_round_trips(client, demo, mother, round_trips):
    services.membership_add(user=mother, role=Role.SERVICE_TEACHER, actor=None, school=demo.school("s1"))
    round_trips.clear()
    assert client.get("/trips-hello/").content == b"parent,service_teacher"
    assert round_trips[:2] == ["get", "get_many"]
    round_trips.clear()
    client.get("/trips-hello/")
    assert round_trips == ["get", "get_many"]
