"""A child's attendance on the phone: per session the mark and who collected the child and when
(the release record), the last two weeks, and the family's leave, as the family page shows them;
another family's child is 404."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from safety.models import Attendance, Release
from safety.services import attendance as attendance_services

pytestmark = pytest.mark.django_db


def attendance_url(child):
    return reverse("api:parent-attendance", kwargs={"student_code": child.code})


def test_each_session_shows_the_mark_and_who_collected_the_child(client, demo, token_for):
    child = demo.child("刘浩然")  # four weeks of roll calls and releases in the demo
    body = client.get(attendance_url(child), **token_for(demo.user("s1_parent"))).json()
    history = body["history"]
    assert history and body["today"] == []  # the suite's day is a Sunday
    today = timezone.localdate()
    assert all(
        today - datetime.timedelta(days=14) <= datetime.date.fromisoformat(d["date"]) < today for d in history
    )
    assert [d["date"] for d in history] == sorted((d["date"] for d in history), reverse=True)
    released = 0
    for day in history:
        mark = Attendance.objects.filter(student=child, session__code=day["session"]).first()
        assert day["status"] == (mark.status if mark else "unmarked") or day["status"] == "on_leave"
        release = Release.objects.filter(student=child, date=day["date"]).first()
        if release is None:
            assert day["release"] is None
            continue
        released += 1
        assert day["release"]["to"] == release.to
        assert day["release"]["person"] == release.person_name
        assert datetime.datetime.fromisoformat(day["release"]["released_at"]) == release.released_at
    assert released


def test_leave_reported_ahead_is_listed(client, demo, token_for):
    child = demo.child("刘浩然")
    parent = demo.user("s1_parent")
    day = timezone.localdate() + datetime.timedelta(days=1)
    leave = attendance_services.leave_report(student=child, actor=parent, start=day, end=day, reason="看病")
    body = client.get(attendance_url(child), **token_for(parent)).json()
    row = next(r for r in body["leaves"] if r["code"] == str(leave.code))
    assert row["start"] == day.isoformat() and row["reason"] == "看病" and row["cancelled"] is False


def test_another_familys_child_is_404(client, demo, token_for):
    response = client.get(attendance_url(demo.child("刘浩然")), **token_for(demo.user("s1_parent2")))
    assert response.status_code == 404
