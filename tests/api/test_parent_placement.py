"""A child's seat and timetable on the phone: the group, activity, venue and weekly slots, and the
coming sessions on the family's days only (enrollment/days.py), as the family page shows them;
nothing before a seat; another family's child is 404."""

import pytest
from django.urls import reverse
from django.utils import timezone

from enrollment.models import Application, Placement

pytestmark = pytest.mark.django_db


def placement_url(child):
    return reverse("api:parent-placement", kwargs={"student_code": child.code})


def test_the_seat_the_weekly_slots_and_the_coming_sessions_on_the_familys_days(client, demo, token_for):
    child = demo.child("刘浩然")  # holds a seat in a group that meets on Mondays and Wednesdays
    seat = Placement.objects.select_related("group__venue", "application").get(
        application__student=child, status=Placement.Status.PLACED
    )
    # The family comes on Mondays only: the Wednesday sessions are not the child's.
    Application.objects.filter(pk=seat.application_id).update(days="1")
    body = client.get(placement_url(child), **token_for(demo.user("s1_parent"))).json()

    assert body["published"] and body["application"] == str(seat.application.code)
    assert body["days"] == ["1"]
    placed = body["placement"]
    assert placed["code"] == str(seat.code) and placed["status"] == "placed"
    assert placed["group_code"] == str(seat.group.code) and placed["venue"] == seat.group.venue.name
    assert sorted(s["weekday"] for s in placed["slots"]) == sorted(s.weekday for s in seat.group.slots.all())
    assert len(placed["slots"]) > 1
    sessions = body["sessions"]
    assert sessions
    today = timezone.localdate()
    coming = {
        str(s.code): s
        for s in seat.group.sessions.filter(date__gte=today).order_by("date", "start")
        if s.date.isoweekday() == 1
    }
    assert [s["code"] for s in sessions] == list(coming)[: len(sessions)]
    assert all(s["date"] >= today.isoformat() for s in sessions)


def test_a_child_without_an_application_has_no_seat(client, demo, token_for):
    body = client.get(placement_url(demo.child("刘子涵")), **token_for(demo.user("s1_parent"))).json()
    assert body["application"] is None and body["placement"] is None and body["sessions"] == []


def test_another_familys_child_is_404(client, demo, token_for):
    response = client.get(placement_url(demo.child("刘浩然")), **token_for(demo.user("s1_parent2")))
    assert response.status_code == 404
