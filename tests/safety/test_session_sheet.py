"""The printable sign-in and pick-up sheet of a session (PDF): the children expected, those on leave
noted, each child's valid pick-up persons by name with the identity number masked; another school's
session answers 404."""

import pypdfium2 as pdfium
import pytest
import time_machine
from django.urls import reverse

from activities.models import Session
from enrollment.models import Application
from safety.services import attendance as attendance_services
from tests.support.attendance import DAY, at, care_session

pytestmark = pytest.mark.django_db


def sheet_url(session) -> str:
    return reverse("safety:session-sheet", kwargs={"session_code": session.code})


def text_of(data: bytes) -> str:
    document = pdfium.PdfDocument(data)
    return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))


def test_the_sheet_lists_the_expected_children_and_their_pick_up_persons_masked(client, demo):
    care = care_session(demo, count=3)
    first, second, third = care.students
    Application.objects.filter(student=third).update(days="2")  # not a Monday child
    with time_machine.travel(at(9), tick=False):
        attendance_services.leave_report(student=second, actor=care.guardian(second).user, start=DAY, end=DAY)
        client.force_login(care.lead)
        response = client.get(sheet_url(care.session))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = text_of(response.content)
    assert first.name in text and second.name in text
    assert third.name not in text
    pickup = care.pickup(first)
    assert pickup.name in text
    assert f"**************{pickup.id_last4}" in text
    assert pickup.mobile not in text
    assert care.guardian(first).name in text
    assert "请假" in text or "on leave" in text


def test_the_sheet_of_another_schools_session_is_404(client, demo):
    other = Session.objects.filter(group__activity__school=demo.school("s2")).first()
    assert other is not None
    client.force_login(demo.user("s1_admin"))
    assert client.get(sheet_url(other)).status_code == 404
    care = care_session(demo, count=1)
    client.force_login(demo.user("s2_admin"))
    assert client.get(sheet_url(care.session)).status_code == 404


def test_the_session_page_links_to_its_sheet(client, demo):
    care = care_session(demo, count=1)
    with time_machine.travel(at(15), tick=False):
        client.force_login(care.lead)
        page = client.get(
            reverse("safety:session", kwargs={"session_code": care.session.code})
        ).content.decode()
    assert sheet_url(care.session) in page
