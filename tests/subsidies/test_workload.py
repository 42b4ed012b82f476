"""Held workload: sessions actually held (roll call taken) and hours per teacher and provider per
month; teachers see their own; an admin's adjustment needs a reason and is audited."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from subsidies import selectors, services
from subsidies.models import WorkloadAdjustment
from tests.support import builders
from tests.support.claims import DECEMBER, MON_WED, MON_WED_HOURS, WEEKDAYS, claim_row, hold

pytestmark = pytest.mark.django_db


def row(lines, user):
    return next((line for line in lines if line.key == f"t{user.pk}"), None)


def test_only_held_sessions_count_for_leads_assistants_and_providers(s1, make_group, club):
    helper = builders.staff(s1, last_name="孙", first_name="助教")
    held = make_group(slots=MON_WED, assistants=[helper], provider=club)
    not_held = make_group(slots=WEEKDAYS)
    hold(held)
    result = selectors.held_workload(month=DECEMBER, school=s1)
    assert row(result.teachers, held.lead).hours == MON_WED_HOURS
    assert row(result.teachers, held.lead).sessions == 9
    assert row(result.teachers, helper).hours == MON_WED_HOURS
    assert row(result.teachers, not_held.lead) is None
    assert [(p.name, p.total_sessions) for p in result.providers] == [(club.name, 9)]


def test_a_teacher_sees_their_own_hours_only(client, s1, make_group):
    mine = make_group(slots=MON_WED, last_name="吴", first_name="本人")
    other = make_group(slots=WEEKDAYS, last_name="郑", first_name="别人")
    hold(mine)
    hold(other)
    client.force_login(mine.lead)
    page = client.get(reverse("subsidies:workload") + "?month=2026-12").content.decode()
    assert "吴本人" in page and "11.50" in page
    assert "郑别人" not in page and 'id="workload-providers"' not in page


def test_the_admin_sees_the_school_and_adjusts_with_a_reason_that_is_audited(
    client, s1, s1_admin, make_group
):
    group = make_group(slots=MON_WED, last_name="冯", first_name="主讲")
    hold(group)
    client.force_login(s1_admin)
    page = client.get(reverse("subsidies:workload") + "?month=2026-12").content.decode()
    assert "冯主讲" in page and "11.50" in page
    url = reverse("subsidies:workload-adjust") + f"?school={s1.code}"
    refused = client.post(url, {"date": "2026-12-21", "teacher": group.lead.pk, "hours": "1.5", "reason": ""})
    assert refused.status_code == 400 and 'value="1.5"' in refused.content.decode()
    assert not WorkloadAdjustment.objects.exists()
    response = client.post(
        url,
        {"date": "2026-12-21", "teacher": group.lead.pk, "hours": "1.5", "reason": "代课：原负责教师病假"},
    )
    assert response.status_code == 302 and "month=2026-12" in response["Location"]
    adjustment = WorkloadAdjustment.objects.get()
    assert adjustment.created_by == s1_admin and adjustment.hours == Decimal("1.5")
    event = AuditEvent.objects.get(verb="workload.adjust", target_id=str(adjustment.code))
    assert event.actor == s1_admin and event.changes["reason"] == "代课：原负责教师病假"
    page = client.get(response["Location"]).content.decode()
    assert "13.00" in page and "代课：原负责教师病假" in page


def test_an_adjustment_cannot_touch_a_submitted_claim_or_go_below_zero(s1, s1_admin, make_group):
    group = make_group(slots=MON_WED)
    hold(group)
    with pytest.raises(ValidationError) as negative:
        services.workload_adjust(
            school=s1, date=DECEMBER, teacher=group.lead, hours=Decimal("-12"), reason="误记", actor=s1_admin
        )
    assert negative.value.code == "negative"
    claim_row(s1, month=DECEMBER, total="1.00", prepared_by=s1_admin)
    with pytest.raises(ValidationError) as claimed:
        services.workload_adjust(
            school=s1, date=DECEMBER, teacher=group.lead, hours=Decimal("1"), reason="补记", actor=s1_admin
        )
    assert claimed.value.code == "claimed"


def test_only_the_schools_staff_and_providers_can_be_adjusted(demo, s1, s1_admin, club):
    outsider = demo.user("s2_admin")
    with pytest.raises(ValidationError) as refused:
        services.workload_adjust(
            school=s1, date=DECEMBER, teacher=outsider, hours=Decimal("1"), reason="x", actor=s1_admin
        )
    assert refused.value.code == "target"
    with pytest.raises(ValidationError) as no_reason:
        services.workload_adjust(
            school=s1, date=DECEMBER, provider=club, sessions=1, reason=" ", actor=s1_admin
        )
    assert no_reason.value.code == "reason"


@pytest.mark.parametrize("username", ["s1_parent", "s1_guard", "zy_bureau"])
def test_the_workload_pages_are_for_staff_only(client, demo, username):
    client.force_login(demo.user(username))
    assert client.get(reverse("subsidies:workload")).status_code == 404
    assert client.get(reverse("subsidies:workload-adjust")).status_code == 404


def test_a_teacher_cannot_adjust_and_an_admin_cannot_pick_another_school(client, demo, s1):
    client.force_login(demo.user("s1_staff"))
    assert client.post(reverse("subsidies:workload-adjust"), {"reason": "x"}).status_code == 404
    client.force_login(demo.user("s2_admin"))
    url = reverse("subsidies:workload") + f"?school={s1.code}"
    assert client.get(url).status_code == 404
    assert client.post(reverse("subsidies:workload-adjust") + f"?school={s1.code}", {}).status_code == 404
    assert not WorkloadAdjustment.objects.exists()


def test_the_workload_page_costs_a_fixed_number_of_queries(
    s1, s1_admin, make_group, django_assert_max_num_queries
):
    client = Client()
    client.force_login(s1_admin)
    client.get(reverse("home"))

    def count() -> int:
        with django_assert_max_num_queries(20) as queries:
            client.get(reverse("subsidies:workload") + "?month=2026-12")
        return len(queries)

    hold(make_group(slots=MON_WED))
    one = count()
    for _ in range(9):
        group = make_group(slots=MON_WED)
        hold(group)
        services.workload_adjust(
            school=s1,
            date=datetime.date(2026, 12, 3),
            teacher=group.lead,
            hours=1,
            reason="补记",
            actor=s1_admin,
        )
    assert count() == one
