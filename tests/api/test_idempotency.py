"""The Idempotency-Key mechanism (api.idempotency) on a view of its own: a retry with the same key
writes once and gets the first answer; another body with the same key is 422; a failed attempt
releases the key; keys are per user; concurrent duplicates write once (PostgreSQL, real threads)."""

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client
from django.urls import include, path
from django.utils import timezone
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.response import Response

from api import idempotency, services
from api.models import IdempotencyKey
from audit import services as audit
from audit.models import AuditEvent
from tests.support.factories import UserFactory

URL = "/probe/"


@api_view(["POST"])
@idempotency.idempotent
def probe(request):
    """Writes one audit row per run; fails on request."""
    if request.data.get("fail"):
        raise RuntimeError("the service fell over")
    event = audit.record(actor=request.user, verb="probe.create", target=request.user)
    return Response({"event": event.pk, "note": request.data.get("note")}, status=status.HTTP_201_CREATED)


urlpatterns = [path("probe/", probe), path("", include("afterschool.urls"))]

pytestmark = pytest.mark.urls(__name__)


def writes():
    return AuditEvent.objects.filter(verb="probe.create").count()


def bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {services.token_issue(user=user, name='phone')[1]}"}


def post(client, headers, body, key=None):
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(URL, body, content_type="application/json", **headers, **extra)


@pytest.fixture
def headers(db):
    return bearer(UserFactory(password=None))


@pytest.mark.django_db
def test_a_retry_with_the_same_key_writes_once_and_gets_the_first_answer(client, headers):
    first = post(client, headers, {"note": "a"}, key="k-1")
    again = post(client, headers, {"note": "a"}, key="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert writes() == 1


@pytest.mark.django_db
def test_without_a_key_each_post_writes(client, headers):
    post(client, headers, {"note": "a"})
    post(client, headers, {"note": "a"})
    assert writes() == 2


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_refused_with_422(client, headers):
    post(client, headers, {"note": "a"}, key="k-2")
    other = post(client, headers, {"note": "b"}, key="k-2")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_mismatch"
    assert writes() == 1


@pytest.mark.django_db
def test_keys_belong_to_one_user(client, headers):
    post(client, headers, {"note": "a"}, key="shared")
    post(client, bearer(UserFactory(password=None)), {"note": "a"}, key="shared")
    assert writes() == 2


@pytest.mark.django_db
def test_a_failed_attempt_releases_the_key_so_a_retry_runs(headers):
    client = Client(raise_request_exception=False)
    assert post(client, headers, {"fail": True}, key="k-3").status_code == 500
    assert not IdempotencyKey.objects.exists()
    assert post(client, headers, {"fail": True}, key="k-3").status_code == 500
    assert writes() == 0


@pytest.mark.django_db
def test_a_key_in_progress_answers_409_and_a_stale_claim_is_taken_over(client, headers):
    post(client, headers, {"note": "a"}, key="k-4")
    row = IdempotencyKey.objects.get(key="k-4")
    IdempotencyKey.objects.filter(pk=row.pk).update(response_status=None, response_body=None)
    busy = post(client, headers, {"note": "a"}, key="k-4")
    assert busy.status_code == 409 and writes() == 1
    IdempotencyKey.objects.filter(pk=row.pk).update(claimed_at=timezone.now() - datetime.timedelta(minutes=5))
    assert post(client, headers, {"note": "a"}, key="k-4").status_code == 201
    assert writes() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_write_once():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent claims are exercised on PostgreSQL (SQLite serialises every write)")
    headers = bearer(UserFactory(password=None))
    barrier = threading.Barrier(6)

    def send(_n):
        try:
            try:
                barrier.wait(timeout=5)
            except threading.BrokenBarrierError:
                pass
            return post(Client(), headers, {"note": "same"}, key="k-race").status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(send, range(6)))
    assert writes() == 1
    assert set(answers) <= {201, 409} and 201 in answers


@pytest.mark.django_db
def test_answers_are_forgotten_after_the_keep_period(client, headers, settings):
    post(client, headers, {"note": "a"}, key="k-old")
    assert services.idempotency_keys_expire() == 0
    later = timezone.now() + datetime.timedelta(hours=settings.IDEMPOTENCY_KEEP_HOURS, minutes=1)
    assert services.idempotency_keys_expire(now=later) == 1
