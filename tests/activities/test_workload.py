"""Teacher workload: hours per teacher per ISO week and per month, from the sessions they lead or
assist (feeds the subsidy claims of F7)."""

import datetime
from collections import defaultdict

import pytest
from django.urls import reverse

from activities import selectors
from activities.models import Session
from tests.support import builders
from tests.support.builders import hour

pytestmark = pytest.mark.django_db

DECEMBER = datetime.date(2026, 12, 1)  # a Tuesday; no public holidays this month


@pytest.fixture
def people(demo, s1):
    admin = demo.user("s1_admin")
    term = builders.term(s1, start=datetime.date(2026, 11, 23), end=datetime.date(2027, 1, 8), actor=admin)
    teacher = builders.staff(s1, last_name="钱", first_name="主讲")
    helper = builders.staff(s1, last_name="钱", first_name="助教")
    other = builders.staff(s1, last_name="钱", first_name="另一位")
    activity = builders.activity(s1, actor=admin)
    builders.group(
        activity=activity,
        term=term,
        venue=builders.venue(s1, actor=admin),
        lead=teacher,
        assistants=[helper],
        actor=admin,
        slots=[(1, hour(16), hour(17)), (3, hour(16), hour(17, 30))],
    )
    builders.group(
        activity=activity,
        term=term,
        venue=builders.venue(s1, actor=admin),
        lead=other,
        actor=admin,
        slots=[(5, hour(17), hour(18))],
    )
    return teacher, helper, other


def rows_by_name(workload):
    return {row.name: row for row in workload.rows}


def test_it_adds_up_the_hours_of_the_month_and_of_each_iso_week(s1, people):
    workload = selectors.workload(school=s1, month=DECEMBER)
    assert workload.week_labels == ["2026-W49", "2026-W50", "2026-W51", "2026-W52", "2026-W53"]
    rows = rows_by_name(workload)
    # Mondays 7, 14, 21, 28 (1 h) and Wednesdays 2, 9, 16, 23, 30 (1.5 h); 30 Nov is November's.
    assert rows["钱主讲"].total == 4 * 1 + 5 * 1.5
    assert rows["钱主讲"].weeks == [1.5, 2.5, 2.5, 2.5, 2.5]
    assert rows["钱助教"].total == rows["钱主讲"].total  # assisting counts as well
    assert rows["钱另一位"].total == 4  # Fridays 4, 11, 18, 25
    assert rows["钱另一位"].weeks == [1, 1, 1, 1, 0]


def test_it_matches_the_sessions_for_every_teacher_of_the_school(s1, people):
    expected = defaultdict(float)
    last = datetime.date(2026, 12, 31)
    sessions = Session.objects.filter(group__activity__school=s1, date__gte=DECEMBER, date__lte=last)
    for session in sessions.select_related("group").prefetch_related("group__assistants"):
        length = (
            datetime.datetime.combine(session.date, session.end)
            - datetime.datetime.combine(session.date, session.start)
        ).total_seconds() / 3600
        for person in {session.lead_id, *(a.pk for a in session.group.assistants.all())}:
            expected[person] += length
    workload = selectors.workload(school=s1, month=DECEMBER)
    assert {row.user_id: row.total for row in workload.rows} == pytest.approx(dict(expected))
    for row in workload.rows:
        assert sum(row.weeks) == pytest.approx(row.total)


def test_a_teacher_sees_their_own_hours_and_an_admin_the_schools(client, demo, s1, people):
    teacher, helper, other = people
    client.force_login(helper)
    response = client.get(f"{reverse('activities:workload')}?month=2026-12")
    assert [row.name for row in response.context["workload"].rows] == ["钱助教"]
    assert "11.5" in response.content.decode()

    client.force_login(demo.user("s1_admin"))
    response = client.get(f"{reverse('activities:workload')}?school={s1.code}&month=2026-12")
    names = {row.name for row in response.context["workload"].rows}
    assert {"钱主讲", "钱助教", "钱另一位"} <= names
    assert "month=2026-11" in response.content.decode() and "month=2027-01" in response.content.decode()


def test_the_workload_page_costs_a_fixed_number_of_queries(
    client, demo, s1, people, django_assert_max_num_queries
):
    client.force_login(demo.user("s1_admin"))
    with django_assert_max_num_queries(9):
        response = client.get(f"{reverse('activities:workload')}?school={s1.code}&month=2026-12")
    assert response.status_code == 200
