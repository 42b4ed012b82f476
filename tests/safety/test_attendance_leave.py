"""Leave (请假): a guardian reports leave for dates or one session ahead; the class teacher and the
session's teacher see it; it can be cancelled and stays on record."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from safety.models import Leave, LeaveCancellation
from safety.selectors import attendance as selectors
from safety.services import attendance as services
from tests.support.attendance import DAY, at, care_session

pytestmark = pytest.mark.django_db


def leave_url(student):
    return reverse("safety:leave-report", kwargs={"student_code": student.code})


def test_a_guardian_reports_leave_for_days_through_the_page(demo, client):
    care = care_session(demo, count=1)
    child = care.students[0]
    with time_machine.travel(at(8), tick=False):
        client.force_login(care.guardian(child).user)
        response = client.post(
            leave_url(child),
            {
                "scope": "days",
                "start": DAY.isoformat(),
                "end": (DAY + datetime.timedelta(days=2)).isoformat(),
                "reason": "发烧",
            },
        )
        assert response.status_code == 302
        leave = Leave.objects.get(student=child)
        assert (leave.start, leave.end, leave.reason) == (DAY, DAY + datetime.timedelta(days=2), "发烧")
        page = client.get(reverse("safety:family")).content.decode()
    assert "发烧" in page


def test_a_guardian_reports_leave_for_one_session(demo, client):
    care = care_session(demo, count=1)
    child = care.students[0]
    with time_machine.travel(at(8, 0, DAY - datetime.timedelta(days=3)), tick=False):
        client.force_login(care.guardian(child).user)
        page = client.get(leave_url(child)).content.decode()
        assert str(care.session.code) in page
        response = client.post(leave_url(child), {"scope": "session", "session": str(care.session.code)})
    assert response.status_code == 302
    leave = Leave.objects.get(student=child)
    assert leave.session == care.session and leave.start == leave.end == DAY
    care.session.refresh_from_db()
    assert care.session.has_records  # the timetable keeps a session that leave points at
    assert selectors.roster(care.session).on_leave[0].student == child


def test_the_class_teacher_and_the_sessions_teacher_see_the_leave(demo, client):
    care = care_session(demo, count=1, class_group=demo.klass("s1", 3, 1))
    child = care.students[0]
    with time_machine.travel(at(8), tick=False):
        services.leave_report(
            student=child, actor=care.guardian(child).user, start=DAY, end=DAY, reason="看牙医"
        )
        client.force_login(demo.user("s1_head31"))
        page = client.get(
            reverse("safety:class-day", kwargs={"class_code": care.class_group.code})
        ).content.decode()
        assert child.name in page and "看牙医" in page
        client.force_login(care.lead)
        page = client.get(
            reverse("safety:session", kwargs={"session_code": care.session.code})
        ).content.decode()
    assert child.name in page and "看牙医" in page


@pytest.mark.parametrize(
    ("start", "end", "now", "code"),
    [
        (DAY - datetime.timedelta(days=1), DAY, at(8), "past"),
        (DAY, DAY - datetime.timedelta(days=1), at(8), "dates"),
        (DAY, DAY + datetime.timedelta(days=40), at(8), "too_long"),
        (DAY, DAY, at(16, 1), "too_late"),
    ],
)
def test_leave_is_reported_ahead(demo, start, end, now, code):
    care = care_session(demo, count=1)
    child = care.students[0]
    with time_machine.travel(now, tick=False), pytest.raises(ValidationError) as error:
        services.leave_report(student=child, actor=care.guardian(child).user, start=start, end=end)
    assert error.value.code == code


def test_leave_for_days_already_on_leave_is_refused(demo):
    care = care_session(demo, count=1)
    child = care.students[0]
    user = care.guardian(child).user
    with time_machine.travel(at(8), tick=False):
        services.leave_report(student=child, actor=user, start=DAY, end=DAY + datetime.timedelta(days=1))
        with pytest.raises(ValidationError) as error:
            services.leave_report(
                student=child,
                actor=user,
                start=DAY + datetime.timedelta(days=1),
                end=DAY + datetime.timedelta(days=1),
            )
    assert error.value.code == "overlap"


def test_cancelled_leave_stays_on_record_and_the_child_is_expected_again(demo, client):
    care = care_session(demo, count=1)
    child = care.students[0]
    with time_machine.travel(at(8), tick=False):
        leave = services.leave_report(student=child, actor=care.guardian(child).user, start=DAY, end=DAY)
        client.force_login(care.guardian(child).user)
        response = client.post(reverse("safety:leave-cancel", kwargs={"leave_code": leave.code}))
        assert response.status_code == 302
        assert LeaveCancellation.objects.filter(leave=leave).exists()
        assert Leave.objects.filter(pk=leave.pk).exists()
        assert selectors.roster(care.session).expected_count == 1
        client.post(reverse("safety:leave-cancel", kwargs={"leave_code": leave.code}))
    assert LeaveCancellation.objects.filter(leave=leave).count() == 1


def test_a_rejected_leave_form_keeps_what_was_typed(demo, client):
    care = care_session(demo, count=1)
    child = care.students[0]
    with time_machine.travel(at(8), tick=False):
        client.force_login(care.guardian(child).user)
        response = client.post(
            leave_url(child), {"scope": "days", "start": "2026-12-01", "end": "2026-12-01", "reason": "旅游"}
        )
    assert response.status_code == 400
    assert "旅游" in response.content.decode()
    assert not Leave.objects.filter(student=child).exists()


def test_nobody_else_reports_or_cancels_a_childs_leave(demo, client):
    care = care_session(demo, count=1)
    child = care.students[0]
    with time_machine.travel(at(8), tick=False):
        leave = services.leave_report(student=child, actor=care.guardian(child).user, start=DAY, end=DAY)
        for username in ("s1_parent", "s2_parent", "s1_staff", "s1_head31", "s1_admin"):
            client.force_login(demo.user(username))
            assert client.get(leave_url(child)).status_code == 404, username
            assert (
                client.post(leave_url(child), {"scope": "days", "start": DAY.isoformat()}).status_code == 404
            )
            assert (
                client.post(reverse("safety:leave-cancel", kwargs={"leave_code": leave.code})).status_code
                == 404
            )
    assert Leave.objects.filter(student=child).count() == 1
    assert (
        not LeaveCancellation.objects.exists() or not LeaveCancellation.objects.filter(leave=leave).exists()
    )


def test_the_family_page_is_for_parents_and_shows_only_their_children(demo, client):
    client.force_login(demo.user("s1_parent"))
    page = client.get(reverse("safety:family")).content.decode()
    names = sorted(s.name for s in demo.user("s1_parent").guardian.students.all())
    assert all(name in page for name in names)
    assert demo.child("陈雨桐").name not in page  # s1_parent2's child
    for username in ("s1_staff", "s1_admin", "zy_bureau"):
        client.force_login(demo.user(username))
        assert client.get(reverse("safety:family")).status_code == 404
