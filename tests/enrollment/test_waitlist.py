"""Wait lists move whenever seats appear (F12): raising a group's capacity, moving a child out, a
withdrawal and a family giving up its seat each promote the next children in order (only those for
whom the group meets on one of the family's days) and tell them, through one promotion path that
holds under concurrency."""

import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from activities import services as activity_services
from activities.models import ActivityGroup
from enrollment import services
from enrollment.models import Application, EnrollmentWindow, Placement
from notices.models import Notification
from tests.support.rounds import approved_applications, round_cleared

pytestmark = pytest.mark.django_db


def basketball(term) -> ActivityGroup:
    return ActivityGroup.objects.get(term=term, name__startswith="快乐篮球")  # Monday and Wednesday


def waiting_line(demo, term, apply, group, n: int, capacity: int = 1) -> list[Application]:
    """n approved children of class 3-1 for one group of `capacity` seats, placed and published."""
    ActivityGroup.objects.filter(pk=group.pk).update(capacity=capacity)
    names = list(demo.klass("s1", 3, 1).students.order_by("pk").values_list("name", flat=True)[:n])
    apps = []
    for name in names:
        application = apply(child_name=name, days="13", groups=[group])
        services.application_approve(application=application, reviewer=demo.user("s1_head31"))
        apps.append(application)
    services.placement_run(term=term, actor=demo.user("s1_admin"))
    services.placement_publish(term=term, actor=demo.user("s1_admin"))
    return apps


def waitlist(group) -> list[int]:
    return list(
        Placement.objects.filter(group=group, status="waitlisted")
        .order_by("position")
        .values_list("application_id", flat=True)
    )


def promoted_to(application) -> bool:
    return Notification.objects.filter(
        kind="enrollment/promoted", recipient=application.guardian.user
    ).exists()


def raise_capacity(group: ActivityGroup, capacity: int, actor) -> ActivityGroup:
    """The school admin's group edit (activities.services.group_save) with only the capacity changed."""
    group = ActivityGroup.objects.select_related("activity", "term", "lead", "venue").get(pk=group.pk)
    return activity_services.group_save(
        activity=group.activity,
        term=group.term,
        name=group.name,
        lead=group.lead,
        venue=group.venue,
        grades=group.grades,
        capacity=capacity,
        slots=[(s.weekday, s.start, s.end) for s in group.slots.all()],
        assistants=list(group.assistants.all()),
        actor=actor,
        group=group,
    )


def test_raising_a_groups_capacity_by_2_promotes_exactly_the_first_2_waitlisted_children(demo, term, apply):
    group = basketball(term)
    apps = waiting_line(demo, term, apply, group, 5)
    line = waitlist(group)
    assert len(line) == 4
    raise_capacity(group, 3, demo.user("s1_admin"))
    placed = set(
        Placement.objects.filter(group=group, status="placed").values_list("application_id", flat=True)
    )
    assert placed == {apps[0].pk, *line[:2]}
    assert waitlist(group) == line[2:]
    by_pk = {a.pk: a for a in apps}
    assert [promoted_to(by_pk[pk]) for pk in line] == [True, True, False, False]


def test_moving_a_child_out_promotes_the_next_child(demo, term, apply):
    group = basketball(term)
    first, second, third = waiting_line(demo, term, apply, group, 3)
    homework = ActivityGroup.objects.get(term=term, name__startswith="作业看管")
    seat = Placement.objects.get(application=first, status="placed")
    services.placement_move(placement=seat, group=homework, actor=demo.user("s1_admin"))
    assert Placement.objects.get(application=second, group=group).status == "placed"
    assert promoted_to(second) and not promoted_to(third)
    assert waitlist(group) == [third.pk]


def test_nothing_moves_before_placement_is_published(demo, term, apply):
    group = basketball(term)
    apps = waiting_line(demo, term, apply, group, 3)
    EnrollmentWindow.objects.filter(term=term).update(published_at=None)
    raise_capacity(group, 2, demo.user("s1_admin"))
    assert Placement.objects.filter(group=group, status="placed").count() == 1
    assert not promoted_to(apps[1])


@pytest.mark.django_db(transaction=True)
def test_concurrent_withdrawals_and_a_capacity_raise_never_overfill_a_group(demo):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are exercised on PostgreSQL (SQLite serialises every write)")
    from activities.models import Term

    term = Term.objects.get(school=demo.school("s1"), name="2026年秋季学期")
    group = basketball(term)
    ActivityGroup.objects.filter(pk=group.pk).update(capacity=5)
    round_cleared(term)  # start from an empty term, not the demo round
    students = list(demo.school("s1").students.filter(class_group__grade__gte=3).order_by("pk")[:30])
    now = timezone.now()
    apps = approved_applications(term, students, days="13")
    Placement.objects.bulk_create(
        [Placement(application=a, group=group, status="placed") for a in apps[:5]]
        + [
            Placement(application=a, group=group, status="waitlisted", position=i + 1)
            for i, a in enumerate(apps[5:])
        ]
    )
    EnrollmentWindow.objects.filter(term=term).update(published_at=now)
    admin = demo.user("s1_admin")
    barrier = threading.Barrier(6)
    errors = []

    def run(job):
        try:
            try:
                barrier.wait(timeout=5)
            except threading.BrokenBarrierError:
                pass
            job()
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)
        finally:
            connection.close()

    jobs = [lambda a=a: services.application_withdraw(application=a, guardian=a.guardian) for a in apps[:5]]
    jobs.append(lambda: raise_capacity(group, 8, admin))
    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    placed = list(
        Placement.objects.filter(group=group, status="placed").values_list("application_id", flat=True)
    )
    assert len(placed) == 8
    # The next children in order, each once.
    assert sorted(placed) == sorted(a.pk for a in apps[5:13])
    assert Placement.objects.filter(group=group, status="waitlisted").count() == len(apps) - 13


def test_a_family_giving_up_its_seat_promotes_the_next_child(client, demo, term, apply):
    group = basketball(term)
    names = [s.name for s in demo.klass("s1", 3, 1).students.order_by("pk") if s.name != "刘子涵"][:2]
    ActivityGroup.objects.filter(pk=group.pk).update(capacity=1)
    # 刘子涵 is in a priority group by the school's record: she gets the single seat.
    mine = apply(days="13", groups=[group])
    others = [apply(child_name=name, days="13", groups=[group]) for name in names]
    for application in (mine, *others):
        services.application_approve(application=application, reviewer=demo.user("s1_head31"))
    services.placement_run(term=term, actor=demo.user("s1_admin"))
    services.placement_publish(term=term, actor=demo.user("s1_admin"))
    seat = Placement.objects.get(application=mine, status="placed")
    line = waitlist(group)

    client.force_login(demo.user("s1_parent"))
    page = client.get(reverse("enrollment:family")).content.decode()
    decline = reverse("enrollment:placement-decline", kwargs={"placement_code": seat.code})
    assert f'action="{decline}"' in page
    assert client.get(decline).status_code == 405
    response = client.post(decline)
    assert response.status_code == 302
    seat.refresh_from_db()
    assert seat.status == "released"
    mine.refresh_from_db()
    assert mine.status == Application.Status.APPROVED  # a second round may still offer a seat
    promoted = Placement.objects.get(application_id=line[0], group=group)
    assert promoted.status == "placed" and promoted_to(promoted.application)
    assert waitlist(group) == line[1:]
    assert client.post(decline).status_code == 302  # no longer held: a message, nothing moves
    assert Placement.objects.filter(group=group, status="placed").count() == 1


def test_a_family_cannot_give_up_another_childs_seat(client, demo, term, apply):
    group = basketball(term)
    other = apply(
        child_name=demo.klass("s1", 3, 1).students.exclude(name="刘子涵").first().name, groups=[group]
    )
    services.application_approve(application=other, reviewer=demo.user("s1_head31"))
    services.placement_run(term=term, actor=demo.user("s1_admin"))
    services.placement_publish(term=term, actor=demo.user("s1_admin"))
    seat = Placement.objects.get(application=other, status="placed")
    client.force_login(demo.user("s1_parent"))
    response = client.post(reverse("enrollment:placement-decline", kwargs={"placement_code": seat.code}))
    assert response.status_code == 404
    seat.refresh_from_db()
    assert seat.status == "placed"
