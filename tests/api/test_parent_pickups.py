"""Pick-up persons and the pick-up code on the phone: the list (ID numbers masked, the school's
restriction shown but not its reason, the view logged), add through the web page's form and service
(a retry with the same Idempotency-Key writes once; a person the school restricted is refused), end;
the pick-up code issued once in the answer and stored nowhere in plain text, the live code shown
without its digits, attempts throttled; another family's child or person is 404 and nothing changes."""

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from api.models import IdempotencyKey
from audit.models import AccessLog
from safety.models import PickupCode
from safety.services import codes
from schools import services as school_services
from schools.models import AuthorizedPickup

pytestmark = pytest.mark.django_db


def pickups_url(child):
    return reverse("api:parent-pickups", kwargs={"student_code": child.code})


def end_url(pickup):
    return reverse("api:parent-pickup-end", kwargs={"pickup_code": pickup.code})


def code_url(child):
    return reverse("api:parent-pickup-code", kwargs={"student_code": child.code})


def grandma(demo) -> AuthorizedPickup:
    return AuthorizedPickup.objects.get(student=demo.child("刘子涵"), name="刘桂兰")


def uncle(**extra) -> dict:
    data = {
        "name": "刘舅舅",
        "relationship": "舅舅",
        "mobile": "136 5555 7777",
        "id_last4": "123x",
        "valid_from": timezone.localdate().isoformat(),
    }
    data.update(extra)
    return data


def test_the_list_masks_id_numbers_hides_the_restriction_reason_and_logs_the_view(client, demo, token_for):
    pickup = grandma(demo)
    school_services.pickup_restrict(pickup=pickup, reason="法院禁止令", actor=demo.user("s1_admin"))
    child = pickup.student
    response = client.get(pickups_url(child), **token_for(demo.user("s1_parent")))
    assert response.status_code == 200
    row = next(r for r in response.json() if r["code"] == str(pickup.code))
    assert row["state"] == "restricted" and row["name"] == "刘桂兰"
    assert row["id_number"] == "*" * 14 + pickup.id_last4 and "id_last4" not in row
    assert "法院禁止令" not in response.content.decode()
    log = AccessLog.objects.filter(target_id=str(child.code)).order_by("-pk").first()
    assert log.user == demo.user("s1_parent") and log.path == pickups_url(child)


def test_a_parent_adds_a_person_once_per_idempotency_key_and_ends_them(client, demo, token_for):
    child = demo.child("刘浩然")
    headers = {**token_for(demo.user("s1_parent")), "HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    first = client.post(pickups_url(child), uncle(), content_type="application/json", **headers)
    again = client.post(pickups_url(child), uncle(), content_type="application/json", **headers)
    assert first.status_code == again.status_code == 201, first.json()
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    added = AuthorizedPickup.objects.get(student=child, name="刘舅舅")  # one row
    assert added.mobile == "13655557777" and added.id_last4 == "123X"  # the service normalised them
    assert added.added_by == demo.user("s1_parent")
    assert first.json()["state"] == "valid" and first.json()["id_number"].endswith("123X")

    response = client.post(end_url(added), **headers | {"HTTP_IDEMPOTENCY_KEY": ""})
    assert response.status_code == 200 and response.json()["state"] == "ended"
    added.refresh_from_db()
    assert added.ended_at is not None
    # Ending twice is the service's refusal, with its code.
    response = client.post(end_url(added), **token_for(demo.user("s1_parent")))
    assert response.status_code == 400 and response.json()["code"] == "ended"


def test_the_web_forms_checks_and_the_schools_restriction_refuse_a_person(client, demo, token_for):
    child = demo.child("刘子涵")
    headers = token_for(demo.user("s1_parent"))
    before = AuthorizedPickup.objects.count()
    response = client.post(
        pickups_url(child), uncle(id_last4="12ab"), content_type="application/json", **headers
    )
    assert response.status_code == 400 and "id_last4" in response.json()
    response = client.post(
        pickups_url(child), uncle(mobile="12345"), content_type="application/json", **headers
    )
    assert response.status_code == 400 and "mobile" in response.json()
    ended_first = uncle(valid_until="2026-01-01")
    response = client.post(pickups_url(child), ended_first, content_type="application/json", **headers)
    assert response.status_code == 400 and "valid_until" in response.json()
    pickup = grandma(demo)
    school_services.pickup_restrict(pickup=pickup, reason="法院禁止令", actor=demo.user("s1_admin"))
    again = {
        "name": pickup.name,
        "relationship": "外婆",
        "mobile": pickup.mobile,
        "id_last4": pickup.id_last4,
        "valid_from": timezone.localdate().isoformat(),
    }
    response = client.post(pickups_url(child), again, content_type="application/json", **headers)
    assert response.status_code == 400 and response.json()["code"] == "restricted"
    assert AuthorizedPickup.objects.count() == before


def test_another_family_gets_404_and_nothing_changes(client, demo, token_for):
    pickup = grandma(demo)
    headers = token_for(demo.user("s1_parent2"))
    before = AuthorizedPickup.objects.count()
    assert client.get(pickups_url(pickup.student), **headers).status_code == 404
    response = client.post(pickups_url(pickup.student), uncle(), content_type="application/json", **headers)
    assert response.status_code == 404
    assert client.post(end_url(pickup), **headers).status_code == 404
    assert client.get(code_url(pickup.student), **headers).status_code == 404
    assert client.post(code_url(pickup.student), **headers).status_code == 404
    pickup.refresh_from_db()
    assert pickup.ended_at is None and AuthorizedPickup.objects.count() == before
    assert not PickupCode.objects.filter(student=pickup.student).exists()


def test_the_pick_up_code_is_in_the_answer_once_and_stored_nowhere_in_plain_text(client, demo, token_for):
    child = demo.child("刘子涵")
    headers = {**token_for(demo.user("s1_parent")), "HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    assert client.get(code_url(child), **headers).json()["live"] is None
    response = client.post(code_url(child), **headers)
    assert response.status_code == 201
    issued = response.json()
    assert "no-store" in response["Cache-Control"]
    digits = issued["digits"]
    assert len(digits) == codes.CODE_DIGITS and digits.isdigit()
    row = PickupCode.objects.get(code=issued["code"])
    assert row.digest == codes.code_digest(digits) and row.issued_by == demo.user("s1_parent")
    # The write keeps no answer for retries: its digits would be stored in plain text.
    assert not IdempotencyKey.objects.filter(user=demo.user("s1_parent")).exists()

    shown = client.get(code_url(child), **headers)
    assert shown.json()["live"]["code"] == str(row.code) and digits not in shown.content.decode()

    # A new code replaces the guardian's previous one.
    second = client.post(code_url(child), **headers).json()
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert client.get(code_url(child), **headers).json()["live"]["code"] == second["code"]


def test_pick_up_code_requests_are_throttled(client, demo, token_for, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "code": "2/minute"}
    child = demo.child("刘子涵")
    headers = token_for(demo.user("s1_parent"))
    assert [client.post(code_url(child), **headers).status_code for _ in range(3)] == [201, 201, 429]
    assert PickupCode.objects.filter(student=child).count() == 2


def test_a_parent_withdraws_their_live_pick_up_code_and_the_gate_no_longer_takes_it(client, demo, token_for):
    child = demo.child("刘子涵")
    headers = token_for(demo.user("s1_parent"))
    issued = client.post(code_url(child), **headers).json()
    assert codes.pickup_code_check(student=child, code=issued["digits"]).code  # it works at the gate
    assert client.delete(code_url(child), **headers).status_code == 204
    assert client.get(code_url(child), **headers).json()["live"] is None
    row = PickupCode.objects.get(code=issued["code"])
    assert row.revoked_at is not None
    with pytest.raises(ValidationError):
        codes.pickup_code_check(student=child, code=issued["digits"])
    assert client.delete(code_url(child), **headers).status_code == 204  # a repeat changes nothing
    # Another family's parent cannot withdraw it.
    again = client.post(code_url(child), **headers).json()
    assert client.delete(code_url(child), **token_for(demo.user("s1_parent2"))).status_code == 404
    assert PickupCode.objects.get(code=again["code"]).revoked_at is None
