"""The staff endpoints over the test client: a retried roll call or release with the same
Idempotency-Key writes once (a correction made meanwhile stands; a refused person is recorded once);
a child not on the roll is refused and nothing is written; the guard's wrong codes pause look-ups
by code as on the gate page."""

import uuid

import pytest
import time_machine
from django.test import Client

from audit.models import AuditEvent
from safety.models import Attendance, ReleaseRefusal
from safety.selectors import attendance as selectors
from safety.services import attendance, codes
from tests.support.attendance import at, care_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def care(demo):
    return care_session(demo, count=3)


def _post(headers, path, body, key=None):
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return Client().post(path, body, content_type="application/json", **headers, **extra)


def _marks(care, status="present"):
    return {"marks": [{"student": str(s.code), "status": status} for s in care.students]}


def test_a_retried_roll_call_writes_once_and_a_correction_made_meanwhile_stands(care, token_for):
    headers = token_for(care.lead)
    path = f"/api/v1/staff/sessions/{care.session.code}/roll-call/"
    key = str(uuid.uuid4())
    with time_machine.travel(at(16, 5), tick=False):
        first = _post(headers, path, _marks(care), key)
        assert first.status_code == 200, first.json()
    child = care.students[0]
    with time_machine.travel(at(16, 10), tick=False):
        # On the web, the teacher corrects one mark; then the phone retries its lost request.
        attendance.roll_call_save(session=care.session, actor=care.lead, marks={child.pk: "late"})
        again = _post(headers, path, _marks(care), key)
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() == {**first.json(), "saved": 3}
    assert selectors.roster(care.session).roll[0].status == "late"
    assert (
        AuditEvent.objects.filter(verb="attendance.roll_call", target_id=str(care.session.code)).count() == 2
    )
    # Another body under the same key is refused.
    assert _post(headers, path, _marks(care, "absent"), key).status_code == 422


def test_a_child_not_on_the_roll_is_refused_and_nothing_is_written(demo, care, token_for):
    stranger = care_session(demo, count=1).students[0]
    body = _marks(care)
    body["marks"].append({"student": str(stranger.code), "status": "present"})
    with time_machine.travel(at(16, 5), tick=False):
        response = _post(token_for(care.lead), f"/api/v1/staff/sessions/{care.session.code}/roll-call/", body)
    assert response.status_code == 400 and response.json()["code"] == "not_on_roll"
    assert not Attendance.objects.filter(session=care.session).exists()


def test_a_retried_refusal_records_the_person_once(care, token_for):
    child = care.students[0]
    with time_machine.travel(at(16, 5), tick=False):
        attendance.roll_call_save(
            session=care.session, actor=care.lead, marks={s.pk: "present" for s in care.students}
        )
    path = f"/api/v1/staff/sessions/{care.session.code}/children/{child.code}/release/"
    body = {"person": "other", "other_name": "王某", "other_mobile": "13700000000"}
    key = str(uuid.uuid4())
    with time_machine.travel(at(17, 2), tick=False):
        first = _post(token_for(care.lead), path, body, key)
        again = _post(token_for(care.lead), path, body, key)
    assert first.status_code == again.status_code == 400
    assert first.json()["code"] == "refused" and again.json() == first.json()
    assert ReleaseRefusal.objects.filter(student=child).count() == 1


def test_wrong_codes_at_the_gate_pause_look_ups_by_code(demo, care, token_for):
    guard = demo.user("s1_guard")
    headers = token_for(guard)
    with time_machine.travel(at(16, 30), tick=False):
        for _ in range(codes.GATE_MISS_LIMIT):
            answer = Client().get("/api/v1/staff/pickup-check/", {"q": "000000"}, **headers).json()
            assert answer["matches"] == [] and not answer["paused"]
        answer = Client().get("/api/v1/staff/pickup-check/", {"q": "000000"}, **headers).json()
    assert answer["paused"] and answer["detail"]
