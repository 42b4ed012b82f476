"""F12: the indicators mean what the Ministry means, and a backfill reports the past as it was.

- category coverage: the share of the permitted activity categories (M3, a closed list of 13) a
  school runs;
- teacher participation: teachers who led or assisted a held session ÷ the school's teachers;
- priority-group coverage: over every priority-group child of the school (M2 优先保障), not only
  those who applied;
- the daily summaries' stocks (placed, priority groups, enrolled, offering the service) as of each
  day: re-rolling the past after today's changes leaves the past unchanged.
"""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity, ActivityGroup, Category, Session
from enrollment import services as enrollment_services
from enrollment.models import Application, Placement
from oversight.models import DailySchoolSummary
from oversight.summaries import services
from schools.models import Membership, Role, Student, User
from tests.support import factories

pytestmark = pytest.mark.django_db
URL = reverse("oversight:dashboard")


def _row(client, demo, school_key="s1", **params):
    client.force_login(demo.user("hn_bureau"))
    response = client.get(URL, params)
    assert response.status_code == 200
    school = demo.school(school_key)
    return response, next(row for row in response.context["schools"] if row["school"].pk == school.pk)


def _roll_today():
    services.summaries_roll(day=timezone.localdate())


def test_category_coverage_is_the_share_of_the_permitted_categories_the_school_runs(client, demo):
    term = demo.term("s1")
    running = set(ActivityGroup.objects.filter(term=term).values_list("activity__category", flat=True))
    assert 0 < len(running) < len(Category.values)
    _roll_today()
    response, row = _row(client, demo)
    assert row["category_coverage"] == (Decimal(len(running)) * 100 / 13).quantize(Decimal("0.1"))
    assert 'data-indicator="categories"' in response.content.decode()
    # An activity of a category the school does not run yet, with a group this term: one more.
    missing = next(c for c in Category.values if c not in running and c != Category.FILMS)
    group = ActivityGroup.objects.filter(term=term).first()
    activity = Activity.objects.create(school=demo.school("s1"), title="劳动实践", category=missing)
    ActivityGroup.objects.create(
        activity=activity,
        term=term,
        name="劳动实践组",
        lead=group.lead,
        venue=group.venue,
        grades="3",
        capacity=10,
    )
    _roll_today()
    _response, row = _row(client, demo)
    assert row["category_coverage"] == (Decimal(len(running) + 1) * 100 / 13).quantize(Decimal("0.1"))
    # A school that does not offer the service runs no category; the region's figure is the mean
    # over the schools that do.
    _response, s4 = _row(client, demo, "s4")
    assert s4["category_coverage"] is None


def test_teacher_participation_counts_leads_and_assistants_of_held_sessions_among_the_school_teachers(
    client, demo
):
    today = timezone.localdate()
    s1 = demo.school("s1")
    month = today.strftime("%Y-%m")
    held = Session.objects.filter(
        group__activity__school=s1, has_records=True, date__gte=today.replace(day=1), date__lte=today
    )
    leads = set(held.values_list("lead_id", flat=True))
    assert leads
    staff = set(
        Membership.objects.filter(school=s1, role__in=[Role.SERVICE_TEACHER, Role.CLASS_TEACHER]).values_list(
            "user_id", flat=True
        )
    )
    _roll_today()
    _response, row = _row(client, demo, month=month)
    assert row["teachers_total"] == len(staff | leads)
    assert row["teachers_active"] == len(leads)
    assert row["teacher_participation"] == (Decimal(len(leads)) * 100 / len(staff | leads)).quantize(
        Decimal("0.1")
    )
    # A class teacher who assists a group whose session was held this month now takes part; a new
    # service teacher who has led nothing is one more of the school's teachers.
    assistant = User.objects.get(pk=min(staff - leads))
    session = held.order_by("-date").first()
    session.group.assistants.add(assistant)
    factories.staff(username="s1_new_teacher", school=s1)
    _roll_today()
    _response, row = _row(client, demo, month=month)
    assert row["teachers_active"] == len(leads) + 1
    assert row["teachers_total"] == len(staff | leads) + 1
    assert row["teacher_participation"] == (
        Decimal(len(leads) + 1) * 100 / (len(staff | leads) + 1)
    ).quantize(Decimal("0.1"))


def test_priority_coverage_counts_every_priority_child_of_the_school_not_only_applicants(client, demo):
    s1 = demo.school("s1")
    _roll_today()
    _response, before = _row(client, demo)
    assert before["priority_students"] >= before["priority_applied"] > 0
    # Three priority-group children the school records who never applied: they are not covered.
    applied = Application.objects.filter(term=demo.term("s1")).values_list("student_id", flat=True)
    outside = list(
        Student.objects.filter(school=s1, active=True, left_behind=False, migrant=False)
        .exclude(pk__in=applied)
        .order_by("pk")[:3]
    )
    assert len(outside) == 3
    Student.objects.filter(pk__in=[s.pk for s in outside]).update(left_behind=True)
    _roll_today()
    _response, after = _row(client, demo)
    assert after["priority_students"] == before["priority_students"] + 3
    assert after["priority_applied"] == before["priority_applied"]
    assert after["priority_placed"] == before["priority_placed"]
    assert after["priority_coverage"] == (
        Decimal(after["priority_placed"]) * 100 / after["priority_students"]
    ).quantize(Decimal("0.1"))
    assert after["priority_coverage"] < before["priority_coverage"]


def test_a_backfill_reports_the_past_as_it_was(demo):
    """Today a placed child withdraws, another child takes a seat and s4 starts offering the
    service; re-rolling last month (the backfill command) leaves last month as it was."""
    today = timezone.localdate()
    s1 = demo.school("s1")
    past = today - datetime.timedelta(days=7)
    first = past - datetime.timedelta(days=3)
    services.summaries_roll_range(first=first, last=today)
    before = DailySchoolSummary.objects.get(school=s1, date=past)
    assert before.placed > 0
    seat = (
        Placement.objects.filter(
            status=Placement.Status.PLACED, group__term=demo.term("s1"), application__student__school=s1
        )
        .select_related("application__guardian")
        .first()
    )
    enrollment_services.application_withdraw(application=seat.application, guardian=seat.application.guardian)
    seat.refresh_from_db()
    assert seat.status == Placement.Status.RELEASED
    s4 = demo.school("s4")
    s4.offers_service = True
    s4.save(update_fields=["offers_service"])
    Student.objects.filter(pk=Student.objects.filter(school=s1, active=True).first().pk).update(active=False)

    call_command(
        "roll_summaries", "--from", first.isoformat(), "--to", today.isoformat(), stdout=io.StringIO()
    )
    after = DailySchoolSummary.objects.get(school=s1, date=past)
    assert after.placed == before.placed
    assert after.enrolled == before.enrolled
    assert after.priority_placed == before.priority_placed
    assert DailySchoolSummary.objects.get(school=s4, date=past).offers_service is False
    # Today is today's state.
    now = DailySchoolSummary.objects.get(school=s1, date=today)
    assert now.placed == before.placed - 1
    assert now.enrolled == before.enrolled - 1
    assert DailySchoolSummary.objects.get(school=s4, date=today).offers_service is True


def test_a_seat_taken_today_is_not_counted_in_the_past(demo):
    today = timezone.localdate()
    s1 = demo.school("s1")
    past = today - datetime.timedelta(days=5)
    services.summaries_roll_range(first=past, last=today)
    before_past = DailySchoolSummary.objects.get(school=s1, date=past).placed
    before_today = DailySchoolSummary.objects.get(school=s1, date=today).placed
    waiting = (
        Placement.objects.filter(status=Placement.Status.WAITLISTED, group__term=demo.term("s1"))
        .exclude(application__placements__status=Placement.Status.PLACED)
        .select_related("group")
        .first()
    )
    group = waiting.group
    group.capacity += 1
    group.save(update_fields=["capacity"])
    promoted = enrollment_services.waitlist_promote(group=group)
    assert [p.pk for p in promoted] == [waiting.pk]
    DailySchoolSummary.objects.filter(date__range=(past, today)).delete()
    services.summaries_roll_range(first=past, last=today)
    assert DailySchoolSummary.objects.get(school=s1, date=past).placed == before_past
    assert DailySchoolSummary.objects.get(school=s1, date=today).placed == before_today + 1
