"""Timetables: the school week by venue and by staff, a teacher's own sessions, the group list.
Each page costs the same number of queries when the school has ten times more groups."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities import selectors
from tests.support import builders

pytestmark = pytest.mark.django_db

N = 2
WEEK = datetime.date(2026, 11, 30)  # a Monday without holidays


@pytest.fixture
def admin(demo):
    return demo.user("s1_admin")


@pytest.fixture
def teacher(s1):
    """A service teacher who assists every group built below."""
    return builders.staff(s1, last_name="孙", first_name="协助")


@pytest.fixture
def school_week(s1, admin, teacher):
    today = timezone.localdate()
    term = builders.term(
        s1, start=min(today, WEEK), end=max(today, WEEK) + datetime.timedelta(days=20), actor=admin
    )
    activity = builders.activity(s1, actor=admin)
    made = []

    def grow(total: int):
        """Add groups until there are `total`: each its own lead and venue, the teacher assisting
        all of them at different times (5 weekdays × 4 half hours)."""
        while len(made) < total:
            i = len(made)
            start = datetime.time(16 + (i // 5) // 2, 30 * ((i // 5) % 2))
            end = (datetime.datetime.combine(WEEK, start) + datetime.timedelta(minutes=30)).time()
            made.append(
                builders.group(
                    activity=activity,
                    term=term,
                    venue=builders.venue(s1, actor=admin),
                    lead=builders.staff(s1),
                    assistants=[teacher],
                    actor=admin,
                    slots=[(i % 5 + 1, start, end)],
                )
            )
        return made

    return grow


def count_queries(client, url) -> tuple[int, object]:
    # One request first: after a long build the staff idle clock writes the session once (at most
    # once a minute, schools.middleware), which is not the page's cost.
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def test_the_week_grid_by_venue_costs_the_same_at_ten_times_the_groups(client, s1, admin, school_week):
    client.force_login(admin)
    url = f"{reverse('activities:timetable')}?school={s1.code}&by=venue&week={WEEK.isoformat()}"
    school_week(N)
    small, response = count_queries(client, url)
    cells = sum(len(cell) for row in response.context["grid"].rows for cell in row.cells)
    school_week(10 * N)
    large, response = count_queries(client, url)
    assert sum(len(cell) for row in response.context["grid"].rows for cell in row.cells) == cells + 9 * N
    assert small == large


def test_the_week_grid_by_staff_costs_the_same_at_ten_times_the_groups(
    client, s1, admin, teacher, school_week
):
    client.force_login(admin)
    url = f"{reverse('activities:timetable')}?school={s1.code}&by=staff&week={WEEK.isoformat()}"
    school_week(N)
    small, _response = count_queries(client, url)
    school_week(10 * N)
    large, response = count_queries(client, url)
    rows = {row.label: row for row in response.context["grid"].rows}
    assert sum(len(cell) for cell in rows["孙协助"].cells) == 10 * N  # the assistant has a row too
    assert small == large


def test_my_sessions_costs_the_same_at_ten_times_the_groups(client, teacher, school_week):
    client.force_login(teacher)
    url = reverse("activities:my-sessions")
    school_week(N)
    small, response = count_queries(client, url)
    few = len(response.context["sessions"])
    school_week(10 * N)
    large, response = count_queries(client, url)
    assert len(response.context["sessions"]) > few
    assert small == large


def test_the_group_list_costs_the_same_at_ten_times_the_groups(client, s1, admin, teacher, school_week):
    client.force_login(admin)
    url = f"{reverse('activities:group-list')}?school={s1.code}"
    school_week(N)
    small, response = count_queries(client, url)
    school_week(10 * N)
    large, _response = count_queries(client, url)
    assert small == large
    # The teacher's own list, too.
    client.force_login(teacher)
    mine, response = count_queries(client, reverse("activities:group-list"))
    assert len(response.context["groups"]) == 10 * N


def test_the_pages_stay_within_a_small_query_budget(
    client, s1, admin, teacher, school_week, django_assert_max_num_queries
):
    school_week(10 * N)
    client.force_login(admin)
    for by in ("venue", "staff"):
        with django_assert_max_num_queries(10):
            client.get(f"{reverse('activities:timetable')}?school={s1.code}&by={by}&week={WEEK}")
    with django_assert_max_num_queries(10):
        client.get(f"{reverse('activities:group-list')}?school={s1.code}")
    client.force_login(teacher)
    with django_assert_max_num_queries(10):
        client.get(reverse("activities:my-sessions"))


def test_the_venue_grid_lists_every_venue_and_places_sessions_on_their_day(s1, admin, school_week):
    groups = school_week(3)
    grid = selectors.week_grid(s1, WEEK + datetime.timedelta(days=3), by="venue")
    assert grid.week_start == WEEK and len(grid.days) == 7
    rows = {row.key: row for row in grid.rows}
    assert set(s1.venues.filter(active=True).values_list("pk", flat=True)) <= set(rows)
    for i, group in enumerate(groups):
        cell = rows[group.venue_id].cells[i % 5]
        assert [s.group_id for s in cell] == [group.pk]


def test_the_week_navigation_moves_a_week_at_a_time(client, s1, admin):
    client.force_login(admin)
    response = client.get(f"{reverse('activities:timetable')}?school={s1.code}&week=2026-12-02")
    grid = response.context["grid"]
    assert grid.week_start == WEEK
    page = response.content.decode()
    assert "week=2026-11-23" in page and "week=2026-12-07" in page
    response = client.get(f"{reverse('activities:timetable')}?school={s1.code}&week=not-a-date")
    assert response.status_code == 200
