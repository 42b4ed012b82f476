"""Off-campus coordination (M4): for an off-campus activity, the record of contacts with public
security, health, food and drug supervision and fire services on traffic, venue, fire and food."""

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from activities import services as activity_services
from activities.models import Category
from safety.models import OffCampusCoordination
from safety.selectors import records as selectors
from safety.services import offcampus as services
from tests.support.records import MONDAY, at, html

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def monday():
    with time_machine.travel(at(MONDAY, 10, 0), tick=False):
        yield


@pytest.fixture
def trip(s1, s1_admin):
    return activity_services.activity_save(
        school=s1, title="科技馆研学", category=Category.PRACTICE, off_campus=True, actor=s1_admin
    )


def test_it_records_contacts_and_shows_what_is_not_yet_covered(s1, s1_admin, trip):
    services.coordination_record(
        activity=trip,
        department="public_security",
        traffic=True,
        security=True,
        contacted_on=MONDAY,
        contact="中原分局交警大队 李警官",
        outcome="安排护送车辆与路口值守。",
        actor=s1_admin,
    )
    row = next(r for r in selectors.offcampus_overview(s1) if r.activity == trip)
    assert row.records == 1 and len(row.aspects_covered) == 2 and len(row.aspects_missing) == 3


@pytest.mark.parametrize(
    "change, code",
    [({"traffic": False}, "aspects"), ({"department": "army"}, "department"), ({"outcome": " "}, "outcome")],
)
def test_it_refuses_an_incomplete_record(trip, s1_admin, change, code):
    data = dict(
        department="fire",
        traffic=True,
        contacted_on=MONDAY,
        contact="消防站",
        outcome="检查通道",
        actor=s1_admin,
    )
    with pytest.raises(ValidationError) as exc:
        services.coordination_record(activity=trip, **{**data, **change})
    assert exc.value.code == code


def test_an_on_campus_activity_has_no_coordination_page(admin_client, s1, s1_admin):
    activity = activity_services.activity_save(
        school=s1, title="校内手工", category=Category.ARTS, actor=s1_admin
    )
    assert (
        admin_client.get(
            reverse("safety:offcampus-activity", kwargs={"activity_code": activity.code})
        ).status_code
        == 404
    )
    with pytest.raises(ValidationError):
        services.coordination_record(
            activity=activity,
            department="fire",
            fire=True,
            contacted_on=MONDAY,
            contact="x",
            outcome="y",
            actor=s1_admin,
        )


def test_the_admin_adds_a_contact_from_the_page(admin_client, trip):
    url = reverse("safety:offcampus-activity", kwargs={"activity_code": trip.code})
    response = admin_client.post(
        url,
        {
            "department": "food_safety",
            "food": "on",
            "contacted_on": "2026-11-30",
            "contact": "市场监管所",
            "outcome": "午餐供应商证照齐全",
        },
    )
    assert response.status_code == 302
    assert OffCampusCoordination.objects.get(activity=trip).food
    assert "科技馆研学" in html(admin_client.get(reverse("safety:offcampus")))
    response = admin_client.post(
        url, {"department": "fire", "contacted_on": "2026-11-30", "contact": "消防站", "outcome": "通道"}
    )
    assert response.status_code == 200 and 'value="消防站"' in html(response)


def test_other_schools_and_roles_get_404(client, demo, trip):
    url = reverse("safety:offcampus-activity", kwargs={"activity_code": trip.code})
    for username in ("s2_admin", "s1_staff", "s1_guard", "zy_bureau"):
        client.force_login(demo.user(username))
        assert client.get(url).status_code == 404
        assert client.post(url, {"department": "fire"}).status_code == 404
    assert not OffCampusCoordination.objects.filter(activity=trip).exists()
