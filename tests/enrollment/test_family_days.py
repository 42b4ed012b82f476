"""A family's days and a group's days agree (F12): the form shows each group's days and refuses a
choice that meets on none of the family's; no placement path seats a child in such a group; and the
child is expected exactly at the group's sessions on the family's days, everywhere (roll call, the
family's page, leave, cancelled-session notices; per-student funding in tests/subsidies), by one
rule."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from activities.models import ActivityGroup, MakeupDay, Session
from enrollment import selectors, services
from enrollment.models import Application, Placement
from safety.selectors import attendance
from tests.support.placements import placed_without_a_common_day

pytestmark = pytest.mark.django_db


def group_named(term, prefix: str) -> ActivityGroup:
    return ActivityGroup.objects.get(term=term, name__startswith=prefix)


@pytest.fixture
def homework(term):
    return group_named(term, "作业看管")  # Monday to Friday


@pytest.fixture
def basketball(term):
    return group_named(term, "快乐篮球")  # Monday and Wednesday


@pytest.fixture
def chorus(term):
    return group_named(term, "童声合唱团")  # Tuesday and Thursday


def class31(demo, n, but=()):
    return [s.name for s in demo.klass("s1", 3, 1).students.order_by("pk") if s.name not in but][:n]


def approve(demo, application):
    services.application_approve(application=application, reviewer=demo.user("s1_head31"))
    application.refresh_from_db()
    return application


def publish(demo, term):
    services.placement_run(term=term, actor=demo.user("s1_admin"))
    services.placement_publish(term=term, actor=demo.user("s1_admin"))


# --- the application: choices meet on a chosen day -------------------------------------------


def test_it_refuses_a_choice_that_meets_on_none_of_the_familys_days(apply, basketball, chorus):
    with pytest.raises(ValidationError) as exc:
        apply(days="24", groups=[chorus, basketball])
    assert exc.value.code == "days_mismatch"
    assert "快乐篮球" in exc.value.messages[0] and "周一、周三" in exc.value.messages[0]
    assert not Application.objects.filter(student__name="刘子涵", term=basketball.term).exists()
    assert apply(days="24", groups=[chorus]).days == "24"


def test_an_update_needs_a_common_day_like_a_submit(apply, basketball, chorus):
    application = apply(days="24", groups=[chorus])
    with pytest.raises(ValidationError) as exc:
        services.application_update(
            application=application,
            guardian=application.guardian,
            days="24",
            group_ids=[chorus.pk, basketball.pk],
            pickup=Application.Pickup.GUARDIAN,
            safety_commitment=True,
        )
    assert exc.value.code == "days_mismatch" and "快乐篮球" in exc.value.messages[0]
    assert [c.group_id for c in application.choices.all()] == [chorus.pk]


def test_the_form_shows_each_groups_days_and_keeps_what_was_typed_when_refused(
    client, demo, apply, notice, basketball, chorus
):
    child = demo.child("刘子涵")
    services.notice_acknowledge(notice=notice, guardian=child.guardians.get())
    client.force_login(demo.user("s1_parent"))
    url = reverse("enrollment:apply", kwargs={"student_code": child.code})
    page = client.get(url).content.decode()
    option = re.search(rf'<option value="{basketball.code}"[^>]*>([^<]*)</option>', page).group(1)
    assert "周一、周三" in option
    assert "周二、周四" in re.search(rf'<option value="{chorus.code}"[^>]*>([^<]*)</option>', page).group(1)

    data = {
        "days": ["2", "4"],
        "choice_1": str(chorus.code),
        "choice_2": str(basketball.code),
        "pickup": "guardian",
        "safety_commitment": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "没有一天相同" in page
    assert re.search(r'name="days" value="2"[^>]*checked', page)
    assert re.search(r'name="days" value="4"[^>]*checked', page)
    assert not re.search(r'name="days" value="1"[^>]*checked', page)
    assert re.search(rf'<option value="{basketball.code}"[^>]*selected', page)
    assert not Application.objects.filter(student=child, term=basketball.term).exists()


# --- placement: never a group without a common day ------------------------------------------


def legacy_days(application, days: str) -> Application:
    """An application whose days changed after its choices were checked (data from before F12)."""
    Application.objects.filter(pk=application.pk).update(days=days)
    application.refresh_from_db()
    return application


def test_the_placement_run_passes_over_a_choice_without_a_common_day(demo, term, apply, basketball, chorus):
    application = approve(demo, apply(days="1234", groups=[basketball, chorus]))
    legacy_days(application, "24")
    services.placement_run(term=term, actor=demo.user("s1_admin"))
    assert Placement.objects.get(application=application, status="placed").group == chorus


def test_a_late_approval_and_a_seat_taken_by_hand_need_a_common_day(demo, term, apply, basketball, chorus):
    services.placement_run(term=term, actor=demo.user("s1_admin"))
    application = approve(demo, apply(days="1234", groups=[basketball, chorus]))
    legacy_days(application, "24")
    services.placement_publish(term=term, actor=demo.user("s1_admin"))
    assert Placement.objects.get(application=application, status="placed").group == chorus
    with pytest.raises(ValidationError) as exc:
        services.seat_take(application=application, group=basketball)
    assert exc.value.code == "days_mismatch"


def test_a_manual_move_needs_a_common_day(demo, term, apply, basketball, chorus, homework):
    application = approve(demo, apply(days="24", groups=[chorus]))
    publish(demo, term)
    placement = Placement.objects.get(application=application, status="placed")
    with pytest.raises(ValidationError) as exc:
        services.placement_move(placement=placement, group=basketball, actor=demo.user("s1_admin"))
    assert exc.value.code == "days_mismatch"
    assert Placement.objects.get(application=application, status="placed").group == chorus
    moved = services.placement_move(placement=placement, group=homework, actor=demo.user("s1_admin"))
    assert moved.group == homework and moved.status == "placed"


def test_wait_list_promotion_skips_a_child_without_a_common_day(demo, term, apply, basketball):
    ActivityGroup.objects.filter(pk=basketball.pk).update(capacity=1)
    first, second, third = (
        approve(demo, apply(child_name=name, days="13", groups=[basketball])) for name in class31(demo, 3)
    )
    publish(demo, term)
    assert Placement.objects.get(application=first, group=basketball).status == "placed"
    legacy_days(second, "24")
    services.application_withdraw(application=first, guardian=first.guardian)
    assert Placement.objects.get(application=third, group=basketball).status == "placed"
    waiting = Placement.objects.get(application=second, group=basketball)
    assert waiting.status == "waitlisted" and waiting.position == 1


# --- one rule for who is expected -------------------------------------------------------------


def test_the_familys_page_roll_call_and_leave_list_the_same_sessions(demo, term, apply, homework):
    child = demo.child("刘子涵")
    application = approve(demo, apply(days="13", groups=[homework]))
    publish(demo, term)
    today = timezone.localdate()
    expected = [
        item.session
        for item in attendance.rosters(
            list(
                Session.objects.filter(
                    group=homework, date__gte=today, date__lte=today + datetime.timedelta(days=35)
                )
                .select_related(*attendance.SESSION_RELATED)
                .order_by("date", "start")
            )
        )
        if any(c.student.pk == child.pk for c in item.roll)
    ]
    assert expected and {s.date.isoweekday() for s in expected} <= {1, 3}

    upcoming = attendance.child_upcoming_sessions(student=child, today=today)  # the leave form's list
    fortnight = today + datetime.timedelta(days=14)
    assert [s.pk for s in upcoming] == [s.pk for s in expected if s.date <= fortnight]

    [block] = [b for b in selectors.family_enrollment(user=application.guardian.user) if b.term == term]
    card = next(c for c in block.children if c.student.pk == child.pk)
    assert card.sessions, "the family's page lists the next sessions"
    assert {s.date.isoweekday() for s in card.sessions} <= {1, 3}
    assert [s.pk for s in card.sessions] == [s.pk for s in expected][:5]


def test_a_make_up_day_counts_as_the_weekday_it_runs(demo, term, apply, homework):
    application = approve(demo, apply(days="1", groups=[homework]))
    publish(demo, term)
    saturday = timezone.localdate() + datetime.timedelta(days=(6 - timezone.localdate().isoweekday()) % 7 + 7)
    sunday = saturday + datetime.timedelta(days=1)
    MakeupDay.objects.create(term=term, date=saturday, runs_as=2)
    MakeupDay.objects.create(term=term, date=sunday, runs_as=1)
    found = selectors.families_of_cancelled_sessions(group=homework, dates=[saturday, sunday])
    assert found[application.guardian.user]["dates"] == {sunday}


# --- the demo obeys the rule ---------------------------------------------------------------


def test_the_demo_places_no_child_in_a_group_without_a_common_day(demo):
    assert Placement.objects.filter(status=Placement.Status.PLACED).count() > 100
    assert placed_without_a_common_day() == []


def test_a_group_cannot_move_to_days_none_of_its_placed_children_chose(demo, term, apply, basketball):
    from activities import services as activity_services

    approve(demo, apply(days="13", groups=[basketball]))
    publish(demo, term)
    group = ActivityGroup.objects.select_related("activity", "term", "lead", "venue").get(pk=basketball.pk)
    slots = [(s.weekday, s.start, s.end) for s in group.slots.all()]

    def save(new_slots):
        return activity_services.group_save(
            activity=group.activity,
            term=group.term,
            name=group.name,
            lead=group.lead,
            venue=group.venue,
            grades=group.grades,
            capacity=group.capacity,
            slots=new_slots,
            assistants=list(group.assistants.all()),
            actor=demo.user("s1_admin"),
            group=group,
        )

    stranded = (
        Placement.objects.filter(group=basketball, status="placed")
        .exclude(application__days__contains="1")
        .exclude(application__days__contains="3")
    )
    assert not stranded.exists()
    with pytest.raises(ValidationError) as exc:
        save(
            [(2, start, end) for _w, start, end in slots[:1]]
            + [(4, start, end) for _w, start, end in slots[:1]]
        )
    assert exc.value.code == "days_stranded"
    assert sorted(basketball.slots.values_list("weekday", flat=True)) == [1, 3]
    save(
        [(1, start, end) for _w, start, end in slots[:1]] + [(3, start, end) for _w, start, end in slots[:1]]
    )
