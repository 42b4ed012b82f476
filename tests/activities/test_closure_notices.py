"""F12: closing a day (closure) cancels its sessions and tells their teachers and the families
expected that day, through the same "sessions cancelled" notice as the official calendar."""

import datetime

import pytest
from django.urls import reverse

from activities.models import Session
from enrollment.models import Placement
from notices.models import Notification

pytestmark = pytest.mark.django_db

TUESDAY = datetime.date(2026, 12, 1)


def test_closing_a_day_tells_the_teachers_and_families_of_its_sessions(client, demo):
    term = demo.term("s1")
    sessions = list(Session.objects.filter(group__term=term, date=TUESDAY).select_related("group__lead"))
    assert sessions, "the demo has sessions on Tuesdays of the live term"
    family = (
        Placement.objects.filter(
            group__in=[s.group for s in sessions],
            status=Placement.Status.PLACED,
            application__days__contains="2",
        )
        .select_related("application__guardian__user")
        .first()
    )
    assert family is not None
    client.force_login(demo.user("s1_admin"))
    client.post(
        reverse("activities:term-closure-add", kwargs={"term_code": term.code}),
        {"closure-date": TUESDAY.isoformat(), "closure-reason": "运动会"},
    )
    assert not Session.objects.filter(group__term=term, date=TUESDAY, has_records=False).exists()
    told = Notification.objects.filter(kind="activities/sessions_cancelled")
    note = told.get(recipient=family.application.guardian.user)
    assert "2026-12-01" in note.body and "运动会" in note.body
    for session in sessions:
        assert told.filter(recipient=session.group.lead).exists()
