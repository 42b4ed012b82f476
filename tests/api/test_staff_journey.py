"""The staff's phone journeys over real HTTP with tokens (live server + urllib): the class teacher
approves an application from the review queue; the service teacher sees the session, takes the roll
in one request and releases a child (a retry with the same Idempotency-Key writes once); the gate
guard checks a pick-up code. Runs on SQLite and, with DATABASE_URL, on PostgreSQL."""

import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
import time_machine

from enrollment import services as enrollment_services
from enrollment.models import Application
from safety.models import Attendance, HandoverConfirmation, Release
from safety.services import codes
from safety.services import handover as handover_services
from schools.models import Student
from tests.support.api_phone import Phone
from tests.support.attendance import DAY, at, care_session

pytestmark = pytest.mark.django_db(transaction=True)


def _submitted(demo, term, notice, groups) -> Application:
    """刘子涵's application, as his guardian submits it on the web."""
    child = demo.child("刘子涵")
    guardian = child.guardians.first()
    enrollment_services.notice_acknowledge(notice=notice, guardian=guardian)
    return enrollment_services.application_submit(
        guardian=guardian,
        student=child,
        term=term,
        group_ids=[g.pk for g in groups[:2]],
        days="135",
        pickup=Application.Pickup.GUARDIAN,
        safety_commitment=True,
    )


def test_a_class_teacher_approves_an_application_over_http(live_server, demo, term, notice, grade3_groups):
    application = _submitted(demo, term, notice, grade3_groups)
    phone = Phone(live_server.url, "s1_head31")
    status, queue, _h = phone.call("GET", "/api/v1/staff/review/")
    assert status == 200
    assert str(application.code) in [a["code"] for a in queue]
    status, body, _h = phone.call(
        "POST", f"/api/v1/staff/review/{application.code}/decide/", {"action": "approve"}
    )
    assert status == 200, body
    assert body["status"] == "approved"
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED
    assert application.reviewed_by == demo.user("s1_head31")
    # Declining needs a reason: the service's own rule, answered with its code.
    other = _submitted_other(demo, term, grade3_groups)
    status, body, _h = phone.call("POST", f"/api/v1/staff/review/{other.code}/decide/", {"action": "decline"})
    assert status == 400 and body["code"]
    other.refresh_from_db()
    assert other.status == Application.Status.SUBMITTED


def _submitted_other(demo, term, groups) -> Application:
    """Another child of 三年级(1)班 without an application this term, applied for by a guardian."""
    head_class = demo.child("刘子涵").class_group
    taken = Application.objects.filter(term=term).values("student_id")
    child = (
        Student.objects.filter(class_group=head_class, active=True)
        .exclude(pk__in=taken)
        .exclude(guardians=None)
        .order_by("pk")
        .first()
    )
    guardian = child.guardians.first()
    enrollment_services.notice_acknowledge(notice=enrollment_services.notice_current(term), guardian=guardian)
    return enrollment_services.application_submit(
        guardian=guardian,
        student=child,
        term=term,
        group_ids=[g.pk for g in groups[:1]],
        days="135",
        pickup=Application.Pickup.GUARDIAN,
        safety_commitment=True,
    )


def test_a_service_teacher_takes_over_takes_the_roll_releases_and_the_guard_checks_a_code(live_server, demo):
    care = care_session(demo, count=3)
    first, second, third = care.students
    staff = demo.user("s1_staff")
    with time_machine.travel(at(16, 2), tick=True):
        # The group's lead hands the group over on the web; s1_staff receives it on the phone.
        handover = handover_services.handover_duty_give(
            session=care.session, actor=care.lead, to_user=staff, count=3
        )
        teacher = Phone(live_server.url, "s1_staff")
        status, today, _h = teacher.call("GET", "/api/v1/staff/sessions/")
        assert status == 200 and today["date"] == DAY.isoformat()
        assert str(care.session.code) in [s["code"] for s in today["sessions"]]
        assert [h["code"] for h in today["pending"]] == [str(handover.code)]
        status, body, _h = teacher.call(
            "POST", f"/api/v1/staff/handovers/{handover.code}/confirm/", {"count": 3}
        )
        assert status == 200, body
        assert (body["count"], body["mismatch"]) == (3, False)
        assert HandoverConfirmation.objects.get(handover=handover).confirmed_by == staff

    with time_machine.travel(at(16, 5), tick=True):
        # The whole group's marks in one request.
        marks = [
            {"student": str(first.code), "status": "present"},
            {"student": str(second.code), "status": "present"},
            {"student": str(third.code), "status": "absent"},
        ]
        key = {"Idempotency-Key": str(uuid.uuid4())}
        roll = f"/api/v1/staff/sessions/{care.session.code}/roll-call/"
        status, body, _h = teacher.call("POST", roll, {"marks": marks}, key)
        assert status == 200, body
        assert (body["saved"], body["absent"]) == (3, 1)
        status, again, headers = teacher.call("POST", roll, {"marks": marks}, key)
        assert (status, again, headers["Idempotent-Replayed"]) == (200, body, "true")
        assert dict(Attendance.objects.filter(session=care.session).values_list("student_id", "status")) == {
            first.pk: "present",
            second.pk: "present",
            third.pk: "absent",
        }

        status, session, _h = teacher.call("GET", f"/api/v1/staff/sessions/{care.session.code}/")
        assert status == 200 and (session["present"], session["absent"]) == (2, 1)

    with time_machine.travel(at(17, 2), tick=True):
        # The grandmother comes to the gate with the guardian's pick-up code.
        _row, code = codes.pickup_code_issue(student=first, guardian_user=care.guardian(first).user)
        guard = Phone(live_server.url, "s1_guard")
        status, check, _h = guard.call(
            "GET", "/api/v1/staff/pickup-check/?" + urllib.parse.urlencode({"q": code})
        )
        assert status == 200, check
        assert [(m["child"], m["by_code"], m["status"]) for m in check["matches"]] == [
            (first.name, True, "present")
        ]
        status, check, _h = guard.call("GET", "/api/v1/staff/pickup-check/?q=" + "000000")
        assert status == 200 and check["matches"] == [] and check["detail"]

        # The teacher releases the child to the guardian, checked by the code.
        path = f"/api/v1/staff/sessions/{care.session.code}/children/{first.code}/"
        status, child, _h = teacher.call("GET", path)
        assert status == 200 and child["child"]["releasable"]
        guardian_key = next(p["key"] for p in child["people"] if p["kind"] == "guardian")
        release = {"person": guardian_key, "verification": "code", "code": code}
        key = {"Idempotency-Key": str(uuid.uuid4())}
        status, body, _h = teacher.call("POST", path + "release/", release, key)
        assert status == 201, body
        assert body["released"] and first.name in body["detail"]
        status, again, headers = teacher.call("POST", path + "release/", release, key)
        assert (status, again, headers["Idempotent-Replayed"]) == (201, body, "true")
        record = Release.objects.get(student=first, date=DAY)
        assert (record.guardian, record.verification, record.released_by) == (
            care.guardian(first),
            "code",
            staff,
        )
