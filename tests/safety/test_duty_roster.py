"""Safety responsibility (安全责任制): a named safety officer for each venue and group (the venue's
by default), and the duty roster whose leader of the day receives the attendance and release alerts."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from activities.models import ActivityGroup
from safety.models import DutyAssignment, GroupSafetyOfficer
from safety.selectors import records as selectors
from safety.services import alerts
from safety.services import roster as services
from tests.support.records import MONDAY, at, html

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def monday():
    with time_machine.travel(at(MONDAY, 9, 0), tick=False):
        yield


def test_the_demo_roster_names_a_leader_for_each_service_day(s1, demo):
    assert services.duty_leader_on(school=s1, day=MONDAY) == demo.user("s1_admin")  # Mondays
    assert services.duty_leader_on(school=s1, day=MONDAY + datetime.timedelta(days=1)) == demo.user(
        "s1_head11"
    )
    assert services.duty_leader_on(school=s1, day=datetime.date(2026, 12, 5)) is None  # a Saturday


def test_a_later_assignment_replaces_a_day_and_keeps_history(s1, s1_admin, demo):
    head = demo.user("s1_head32")
    days = services.duty_assign(
        school=s1,
        start=MONDAY,
        end=MONDAY + datetime.timedelta(days=13),
        weekdays={1},
        leader=head,
        actor=s1_admin,
    )
    assert days == 2
    assert services.duty_leader_on(school=s1, day=MONDAY) == head
    assert DutyAssignment.objects.filter(school=s1, date=MONDAY).count() == 2  # the demo row stays
    roster = selectors.duty_roster(s1, MONDAY, 7)
    assert roster[0].leader == head and roster[0].is_today and roster[1].leader == demo.user("s1_head11")


@pytest.mark.parametrize(
    "change, code",
    [
        ({"start": MONDAY - datetime.timedelta(days=1)}, "past"),
        ({"end": MONDAY - datetime.timedelta(days=1)}, "dates"),
        ({"end": MONDAY + datetime.timedelta(days=400)}, "too_long"),
        ({"weekdays": set()}, "weekdays"),
    ],
)
def test_it_refuses_bad_rosters(s1, s1_admin, change, code):
    args = dict(
        school=s1,
        start=MONDAY,
        end=MONDAY + datetime.timedelta(days=6),
        weekdays={1, 2},
        leader=s1_admin,
        actor=s1_admin,
    )
    with pytest.raises(ValidationError) as exc:
        services.duty_assign(**{**args, **change})
    assert exc.value.code == code


def test_a_leader_from_another_school_is_refused(s1, s1_admin, demo):
    with pytest.raises(ValidationError) as exc:
        services.duty_assign(
            school=s1, start=MONDAY, end=MONDAY, weekdays={1}, leader=demo.user("s2_admin"), actor=s1_admin
        )
    assert exc.value.code == "leader"


def test_todays_duty_leader_receives_the_alerts_falling_back_to_the_admins(s1, s1_admin, demo):
    head = demo.user("s1_head32")
    services.duty_assign(school=s1, start=MONDAY, end=MONDAY, weekdays={1}, leader=head, actor=s1_admin)
    assert alerts.duty_leaders(s1, MONDAY) == [head]
    saturday = datetime.date(2026, 12, 5)  # nobody on the roster
    assert alerts.duty_leaders(s1, saturday) == [s1_admin]


def test_a_group_gets_its_own_safety_officer_else_its_venues(s1, s1_admin, demo):
    group = ActivityGroup.objects.filter(activity__school=s1).exclude(safety_officers__isnull=False).first()
    assert selectors.group_safety_officer(group) == group.venue.safety_officer
    services.group_safety_officer_assign(group=group, officer=demo.user("s1_head31"), actor=s1_admin)
    assert selectors.group_safety_officer(group) == demo.user("s1_head31")
    with pytest.raises(ValidationError):
        services.group_safety_officer_assign(group=group, officer=demo.user("s1_parent"), actor=s1_admin)


def test_the_admin_names_a_group_officer_and_fills_the_roster_from_the_pages(admin_client, s1, demo):
    page = html(admin_client.get(reverse("safety:responsibility")))
    assert "图书馆" in page and "the venue's" in page or "场地的" in page
    group = ActivityGroup.objects.filter(activity__school=s1).exclude(safety_officers__isnull=False).first()
    head = demo.user("s1_head31")
    response = admin_client.post(
        reverse("safety:group-officer", kwargs={"group_code": group.code}), {f"g{group.pk}-officer": head.pk}
    )
    assert response.status_code == 302
    assert GroupSafetyOfficer.objects.filter(group=group).latest("id").officer == head

    response = admin_client.post(
        reverse("safety:duty-roster"),
        {
            "start": "2026-12-07",
            "end": "2026-12-11",
            "weekdays": ["1", "2", "3", "4", "5"],
            "leader": head.pk,
        },
    )
    assert response.status_code == 302
    assert services.duty_leader_on(school=s1, day=datetime.date(2026, 12, 9)) == head
    response = admin_client.post(
        reverse("safety:duty-roster"),
        {"start": "2026-11-01", "end": "2026-11-05", "weekdays": ["1"], "leader": head.pk},
    )
    assert response.status_code == 200 and 'value="2026-11-01"' in html(response)


def test_responsibility_pages_cost_the_same_queries_at_n_and_10n(
    admin_client, s1, s1_admin, demo, django_assert_max_num_queries
):
    groups = list(ActivityGroup.objects.filter(activity__school=s1))
    for url in (reverse("safety:responsibility"), reverse("safety:duty-roster")):
        admin_client.get(url)
        with django_assert_max_num_queries(20) as small:
            admin_client.get(url)
        for group in groups:
            for _ in range(5):
                services.group_safety_officer_assign(
                    group=group, officer=demo.user("s1_staff"), actor=s1_admin
                )
        services.duty_assign(
            school=s1,
            start=MONDAY,
            end=MONDAY + datetime.timedelta(days=27),
            weekdays={1, 2, 3, 4, 5, 6, 7},
            leader=demo.user("s1_staff"),
            actor=s1_admin,
        )
        with django_assert_max_num_queries(len(small.captured_queries)):
            assert admin_client.get(url).status_code == 200


def test_responsibility_pages_are_the_school_admins_only(client, demo, s1):
    group = ActivityGroup.objects.filter(activity__school=s1).first()
    for username in ("s2_admin", "s1_staff", "s1_guard", "zy_bureau", "s1_parent"):
        client.force_login(demo.user(username))
        response = client.post(
            reverse("safety:group-officer", kwargs={"group_code": group.code}),
            {f"g{group.pk}-officer": demo.user("s1_staff").pk},
        )
        assert response.status_code == 404, username
        if username != "s2_admin":
            assert client.get(reverse("safety:duty-roster")).status_code == 404
            assert client.get(reverse("safety:responsibility")).status_code == 404
    client.force_login(demo.user("s2_admin"))
    assert "s1_head11" not in html(client.get(reverse("safety:duty-roster")))
    assert not GroupSafetyOfficer.objects.filter(group=group, assigned_by__username="s2_admin").exists()
