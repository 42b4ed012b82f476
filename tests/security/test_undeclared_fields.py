"""Forms take only the fields they declare: a crafted POST with status, school, reviewer, student or
restriction fields changes nothing beyond what the form offers (no mass assignment)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import ActivityGroup, Term, Venue
from enrollment import services as enrollment
from enrollment.models import Application
from schools.models import AuthorizedPickup

pytestmark = pytest.mark.django_db


def _ready_to_apply(demo):
    child = demo.child("刘子涵")
    term = Term.objects.get(school=child.school, name="2026年秋季学期")
    enrollment.notice_acknowledge(notice=enrollment.notice_current(term), guardian=child.guardians.get())
    group = ActivityGroup.objects.filter(term=term, grades__contains="3").order_by("pk").first()
    return child, term, group


def test_an_application_ignores_status_reviewer_student_and_school(client, demo):
    child, term, group = _ready_to_apply(demo)
    other_child = demo.child("刘浩然")
    client.force_login(demo.user("s1_parent"))
    response = client.post(
        reverse("enrollment:apply", kwargs={"student_code": child.code}),
        {
            "days": ["1", "3"],
            "choice_1": str(group.code),
            "pickup": "guardian",
            "safety_commitment": "on",
            # not on the form:
            "status": Application.Status.APPROVED,
            "reviewed_by": demo.user("s1_head31").pk,
            "reviewed_at": "2026-09-01T10:00",
            "review_note": "ok",
            "student": other_child.pk,
            "student_code": other_child.code,
            "term": Term.objects.exclude(pk=term.pk).order_by("pk").first().pk,
            "school": demo.school("s2").pk,
        },
    )
    assert response.status_code == 302
    application = Application.objects.get(term=term, student=child)
    assert application.status == Application.Status.SUBMITTED
    assert application.reviewed_by is None and application.reviewed_at is None
    assert application.review_note == ""
    assert application.guardian.user == demo.user("s1_parent")
    assert not Application.objects.filter(student=other_child, submitted_at=application.submitted_at).exists()


def test_an_application_does_not_record_a_priority_group_without_consent(client, demo):
    child, term, group = _ready_to_apply(demo)
    client.force_login(demo.user("s1_parent"))
    response = client.post(
        reverse("enrollment:apply", kwargs={"student_code": child.code}),
        {
            "days": ["1"],
            "choice_1": str(group.code),
            "pickup": "guardian",
            "safety_commitment": "on",
            "left_behind": "on",
        },
    )
    assert response.status_code == 200
    assert not Application.objects.filter(term=term, student=child, left_behind=True).exists()


def test_a_pickup_person_ignores_restriction_student_and_author(client, demo):
    child, other_child = demo.child("刘浩然"), demo.child("刘子涵")
    client.force_login(demo.user("s1_parent"))
    response = client.post(
        reverse("schools:family-pickup-add", kwargs={"student_code": child.code}),
        {
            "name": "刘舅舅",
            "relationship": "舅舅",
            "mobile": "136 5555 7777",
            "id_last4": "123x",
            "valid_from": timezone.localdate().isoformat(),
            # not on the form:
            "student": other_child.pk,
            "restricted": "on",
            "restriction_reason": "x",
            "added_by": demo.user("s1_admin").pk,
            "ended_at": "2020-01-01T00:00",
        },
    )
    assert response.status_code == 302
    uncle = AuthorizedPickup.objects.get(name="刘舅舅")
    assert uncle.student == child
    assert not uncle.restricted and uncle.restriction_reason == ""
    assert uncle.added_by == demo.user("s1_parent") and uncle.ended_at is None


def test_a_venue_stays_in_the_admins_school(client, demo):
    s1, s2 = demo.school("s1"), demo.school("s2")
    client.force_login(demo.user("s1_admin"))
    response = client.post(
        f"{reverse('activities:venue-create')}?school={s1.code}",
        {
            "name": "舞蹈室",
            "kind": "function_room",
            "capacity": 30,
            "safety_officer": demo.user("s1_staff").pk,
            # not on the form:
            "school": s2.pk,
            "school_id": s2.pk,
            "active": "",
            "code": "00000000-0000-0000-0000-000000000001",
        },
    )
    assert response.status_code == 302
    venue = Venue.objects.get(name="舞蹈室")
    assert venue.school == s1 and venue.active and venue.capacity == 30
    assert str(venue.code) != "00000000-0000-0000-0000-000000000001"


def test_a_venue_cannot_be_created_in_another_school_through_the_query_string(client, demo):
    client.force_login(demo.user("s1_admin"))
    response = client.post(
        f"{reverse('activities:venue-create')}?school={demo.school('s2').code}",
        {"name": "外校场地", "kind": "gym", "capacity": 30, "safety_officer": demo.user("s1_staff").pk},
    )
    assert response.status_code in (200, 404)
    assert not Venue.objects.filter(name="外校场地").exists()
