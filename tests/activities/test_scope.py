"""Who may see and change terms, venues, activities and groups: not yours and not there look the
same (404), and an out-of-scope request changes nothing."""

import datetime

import pytest
from django.urls import reverse

from activities import selectors
from activities.models import ActivityGroup, Closure, OffCampusChecklist, Term
from schools.models import Role
from tests.support import builders
from tests.support.builders import hour

pytestmark = pytest.mark.django_db

LIST_PAGES = [
    "activities:term-list",
    "activities:term-create",
    "activities:venue-list",
    "activities:venue-create",
    "activities:activity-list",
    "activities:activity-create",
    "activities:group-create",
    "activities:timetable",
]
STAFF_PAGES = ["activities:group-list", "activities:my-sessions", "activities:workload"]


@pytest.fixture
def s1_objects(demo):
    s1, admin = demo.school("s1"), demo.user("s1_admin")
    term = builders.term(s1, start=datetime.date(2026, 11, 30), end=datetime.date(2026, 12, 18), actor=admin)
    activity = builders.activity(s1, actor=admin, category="practice", off_campus=True)
    group = builders.group(
        activity=activity,
        term=term,
        venue=builders.venue(s1, actor=admin),
        lead=demo.user("s1_staff"),
        actor=admin,
        slots=[(2, hour(17, 30), hour(18))],
    )
    return {"term": term, "venue": group.venue, "activity": activity, "group": group}


def object_urls(objects) -> list[str]:
    term, venue, activity, group = (objects[k] for k in ("term", "venue", "activity", "group"))
    return [
        reverse("activities:term-edit", kwargs={"term_code": term.code}),
        reverse("activities:term-closure-add", kwargs={"term_code": term.code}),
        reverse("activities:term-makeup-days", kwargs={"term_code": term.code}),
        reverse("activities:venue-edit", kwargs={"venue_code": venue.code}),
        reverse("activities:activity-edit", kwargs={"activity_code": activity.code}),
        reverse("activities:activity-checklist", kwargs={"activity_code": activity.code}),
        reverse("activities:group-detail", kwargs={"group_code": group.code}),
        reverse("activities:group-edit", kwargs={"group_code": group.code}),
    ]


def snapshot(objects):
    term, group = objects["term"], objects["group"]
    return (
        Term.objects.filter(pk=term.pk).values_list("name", "end").get(),
        Closure.objects.filter(term=term).count(),
        ActivityGroup.objects.filter(pk=group.pk).values_list("name", "capacity").get(),
        group.sessions.count(),
        OffCampusChecklist.objects.filter(activity=objects["activity"], completed_at__isnull=False).count(),
    )


@pytest.mark.parametrize(
    "username", ["s2_admin", "s3_admin", "s1_parent", "s2_parent", "s1_guard", "zy_bureau"]
)
def test_it_answers_404_to_other_schools_parents_guards_and_bureaus_for_s1_objects(
    client, demo, s1_objects, username
):
    client.force_login(demo.user(username))
    before = snapshot(s1_objects)
    closure_date = datetime.date(2026, 12, 1).isoformat()
    for url in object_urls(s1_objects):
        got = client.get(url).status_code
        posted = client.post(
            url,
            {
                "closure-date": closure_date,
                "closure-reason": "越权",
                "name": "越权",
                "capacity": 1,
                **{k: "on" for k in ("traffic", "venue", "fire", "food", "security")},
            },
        ).status_code
        assert {got, posted} <= {404, 405} and 404 in {got, posted}, url
    assert snapshot(s1_objects) == before


def test_it_answers_404_when_an_admin_names_another_school(client, demo):
    client.force_login(demo.user("s2_admin"))
    s1 = demo.school("s1")
    for name in LIST_PAGES + ["activities:group-list", "activities:workload"]:
        assert client.get(f"{reverse(name)}?school={s1.code}").status_code == 404, name
    assert client.get(f"{reverse('activities:term-list')}?school=not-a-uuid").status_code == 404
    response = client.get(reverse("activities:term-list"))
    assert response.status_code == 200 and response.context["school"] == demo.school("s2")


@pytest.mark.parametrize("username", ["s1_parent", "s1_parent2", "s1_guard", "hn_bureau", "zy_bureau"])
def test_it_answers_404_on_every_page_to_those_without_a_staff_role(client, demo, username):
    client.force_login(demo.user(username))
    for name in LIST_PAGES + STAFF_PAGES:
        assert client.get(reverse(name)).status_code == 404, (username, name)


def test_it_asks_an_anonymous_visitor_to_log_in(client):
    response = client.get(reverse("activities:my-sessions"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_a_service_teacher_reads_their_own_groups_and_changes_nothing(client, demo, s1_objects):
    staff = demo.user("s1_staff")
    client.force_login(staff)
    group = s1_objects["group"]
    response = client.get(reverse("activities:group-detail", kwargs={"group_code": group.code}))
    assert response.status_code == 200 and not response.context["can_manage"]
    assert (
        reverse("activities:group-edit", kwargs={"group_code": group.code}) not in response.content.decode()
    )
    assert client.get(reverse("activities:group-edit", kwargs={"group_code": group.code})).status_code == 404
    for name in LIST_PAGES:
        assert client.get(reverse(name)).status_code == 404, name
    for name in STAFF_PAGES:
        assert client.get(reverse(name)).status_code == 200, name
    mine = {g.pk for g in client.get(reverse("activities:group-list")).context["groups"]}
    assert group.pk in mine
    assert mine == set(selectors.groups_for(staff).values_list("pk", flat=True))
    others = ActivityGroup.objects.exclude(pk__in=mine).filter(activity__school=demo.school("s1")).first()
    assert (
        client.get(reverse("activities:group-detail", kwargs={"group_code": others.code})).status_code == 404
    )


def test_staff_who_leave_the_school_lose_sight_of_its_groups(demo, s1_objects):
    s1 = demo.school("s1")
    teacher = builders.staff(s1)
    group = s1_objects["group"]
    group.assistants.add(teacher)
    assert group in selectors.groups_for(teacher)
    teacher.memberships.filter(school=s1, role=Role.SERVICE_TEACHER).delete()
    teacher = type(teacher).objects.get(pk=teacher.pk)  # a fresh request: scope recomputed
    assert group not in selectors.groups_for(teacher)
    assert not selectors.sessions_for(teacher).exists()


def test_the_scoped_querysets_split_schools(demo, s1_objects):
    s1_admin, s2_admin = demo.user("s1_admin"), demo.user("s2_admin")
    for reader in (selectors.terms_for, selectors.venues_for, selectors.activities_for):
        assert reader(s1_admin).exists()
        assert not reader(s1_admin).exclude(school=demo.school("s1")).exists()
        assert not reader(s2_admin).filter(school=demo.school("s1")).exists()
        assert not reader(demo.user("s1_staff")).exists()
        assert not reader(demo.user("s1_parent")).exists()
    assert not selectors.groups_for(s2_admin).filter(activity__school=demo.school("s1")).exists()
    assert not selectors.sessions_for(s2_admin).filter(group__activity__school=demo.school("s1")).exists()
    assert not selectors.groups_for(demo.user("s1_parent")).exists()
    assert selectors.groups_for(demo.user("admin")).count() == ActivityGroup.objects.count()
