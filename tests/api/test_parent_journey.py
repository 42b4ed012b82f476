"""A parent's phone journey over real HTTP with a token (live server + urllib): sign in, read the
notice, apply, the school places the child through its own services, the parent sees the seat,
reports leave (a retry with the same Idempotency-Key writes once) and cancels it. Runs on SQLite
and, with DATABASE_URL, on PostgreSQL."""

import datetime
import uuid

import pytest
from django.conf import settings
from django.utils import timezone

from enrollment import services as enrollment_services
from enrollment.models import Application
from safety.models import Leave
from tests.support.api_phone import Phone

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_parent_applies_is_placed_and_reports_leave_over_http(
    live_server, demo, term, notice, grade3_groups
):
    phone = Phone(live_server.url)
    status, body, _h = phone.call(
        "POST",
        "/api/v1/auth/token/",
        {"username": "s1_parent", "password": settings.DEMO_PASSWORD, "device_name": "test phone"},
    )
    assert status == 201, body
    phone.token = body["token"]

    status, children, _h = phone.call("GET", "/api/v1/parent/children/")
    assert status == 200
    child = next(c for c in children if c["name"] == "刘子涵")

    # Applying before reading the notice is refused by the service, with its code.
    answers = {
        "days": ["1", "3", "5"],
        "choices": [str(g.code) for g in grade3_groups[:2]],
        "pickup": "guardian",
        "safety_commitment": True,
    }
    apply_path = f"/api/v1/parent/children/{child['code']}/applications/"
    status, body, _h = phone.call("POST", apply_path, answers)
    assert status == 400 and body["code"] == "notice"
    status, body, _h = phone.call(
        "POST", f"/api/v1/parent/children/{child['code']}/notice/", {"version": notice.version}
    )
    assert status == 200 and body["acknowledged"]
    status, application, _h = phone.call("POST", apply_path, answers, {"Idempotency-Key": str(uuid.uuid4())})
    assert status == 201, application
    assert application["status"] == "submitted"

    # The class teacher approves and the school places, through the services the pages call.
    row = Application.objects.get(code=application["code"])
    enrollment_services.application_approve(application=row, reviewer=demo.user("s1_head31"))
    enrollment_services.placement_run(term=term, actor=demo.user("s1_admin"))
    enrollment_services.placement_publish(term=term, actor=demo.user("s1_admin"))

    status, applications, _h = phone.call("GET", "/api/v1/parent/applications/")
    mine = next(a for a in applications if a["code"] == application["code"])
    assert mine["status"] == "approved"
    assert [p["status"] for p in mine["placements"]] == ["placed"]
    assert mine["placements"][0]["group_code"] == str(grade3_groups[0].code)
    status, seat, _h = phone.call("GET", f"/api/v1/parent/children/{child['code']}/placement/")
    assert status == 200 and seat["placement"]["group_code"] == str(grade3_groups[0].code)
    assert seat["days"] == ["1", "3", "5"] and seat["sessions"]

    # Leave two days ahead; the phone retries after a lost answer with the same key.
    day = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    leave_path = f"/api/v1/parent/children/{child['code']}/leave/"
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = phone.call("POST", leave_path, {"start": day, "end": day, "reason": "看病"}, key)
    again = phone.call("POST", leave_path, {"start": day, "end": day, "reason": "看病"}, key)
    assert first[0] == again[0] == 201, first[1]
    assert again[1] == first[1] and again[2]["Idempotent-Replayed"] == "true"
    assert Leave.objects.filter(student__code=child["code"], start=day).count() == 1

    status, body, _h = phone.call("POST", f"/api/v1/parent/leave/{first[1]['code']}/cancel/")
    assert status == 200 and body["cancelled"]
    # Withdrawing frees the seat: the service's own rule.
    status, body, _h = phone.call("POST", f"/api/v1/parent/applications/{application['code']}/withdraw/")
    assert status == 200 and body["status"] == "withdrawn"
