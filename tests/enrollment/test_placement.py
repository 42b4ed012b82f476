import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from activities.models import ActivityGroup
from enrollment import services
from enrollment.models import Application, Choice, EnrollmentWindow, Placement
from notices.models import Notification
from tests.support.rounds import approved_applications, round_cleared

pytestmark = pytest.mark.django_db


def small_group(term, capacity):
    group = ActivityGroup.objects.filter(term=term, grades__contains="3").order_by("pk").first()
    ActivityGroup.objects.filter(pk=group.pk).update(capacity=capacity)
    group.refresh_from_db()
    return group


def approved(demo, apply, names, groups, **extra):
    apps = []
    for name in names:
        application = apply(child_name=name, groups=groups, **extra)
        services.application_approve(application=application, reviewer=demo.user("s1_head31"))
        application.refresh_from_db()
        apps.append(application)
    return apps


def class31(demo, n):
    return list(demo.klass("s1", 3, 1).students.order_by("pk").values_list("name", flat=True)[:n])


def test_it_places_priority_groups_first_and_never_above_capacity(demo, term, apply, window):
    group = small_group(term, 3)
    names = class31(demo, 6)
    regular = approved(demo, apply, names[:4], [group])
    priority = approved(demo, apply, names[4:], [group], migrant=True, priority_consent=True)
    result = services.placement_run(term=term, actor=demo.user("s1_admin"))
    assert result == {"placed": 3, "waitlisted": 3}
    placed = set(
        Placement.objects.filter(group=group, status="placed").values_list("application_id", flat=True)
    )
    assert {a.pk for a in priority} <= placed
    waitlist = list(Placement.objects.filter(group=group, status="waitlisted").order_by("position"))
    assert [p.position for p in waitlist] == [1, 2, 3]
    # Submission-time tie-break: the earlier regular applicants come first.
    assert placed - {a.pk for a in priority} == {regular[0].pk}


def test_it_uses_the_next_ranked_choice_when_the_first_is_full(demo, term, apply, window, grade3_groups):
    first = small_group(term, 1)
    second = next(g for g in grade3_groups if g.pk != first.pk)
    a, b = approved(demo, apply, class31(demo, 2), [first, second])
    services.placement_run(term=term, actor=demo.user("s1_admin"))
    assert Placement.objects.get(application=a, status="placed").group == first
    assert Placement.objects.get(application=b, status="placed").group == second


def test_it_records_a_reproducible_lottery(demo, term, apply, window):
    window.tie_break = EnrollmentWindow.TieBreak.LOTTERY
    window.save()
    group = small_group(term, 2)
    approved(demo, apply, class31(demo, 6), [group])
    services.placement_run(term=term, actor=demo.user("s1_admin"))
    window.refresh_from_db()
    assert window.lottery_seed
    first = set(Placement.objects.filter(status="placed").values_list("application_id", flat=True))
    services.placement_run(term=term, actor=demo.user("s1_admin"))
    assert set(Placement.objects.filter(status="placed").values_list("application_id", flat=True)) == first


def test_it_publishes_to_every_family_and_promotes_on_withdrawal(demo, term, apply, window):
    group = small_group(term, 1)
    a, b = approved(demo, apply, class31(demo, 2), [group])
    services.placement_run(term=term, actor=demo.user("s1_admin"))
    assert services.placement_publish(term=term, actor=demo.user("s1_admin")) == 2
    assert Notification.objects.filter(kind="enrollment/placed", recipient=a.guardian.user).exists()
    assert Notification.objects.filter(kind="enrollment/waitlisted", recipient=b.guardian.user).exists()
    with pytest.raises(ValidationError):
        services.placement_run(term=term, actor=demo.user("s1_admin"))

    services.application_withdraw(application=a, guardian=a.guardian)
    assert Placement.objects.get(application=b, group=group).status == "placed"
    assert Notification.objects.filter(kind="enrollment/promoted", recipient=b.guardian.user).exists()
    assert Placement.objects.filter(group=group, status="placed").count() == 1


def test_it_moves_a_child_by_hand_within_capacity(demo, term, apply, window, grade3_groups):
    group = small_group(term, 1)
    other = next(g for g in grade3_groups if g.pk != group.pk)
    a, b = approved(demo, apply, class31(demo, 2), [group])
    services.placement_run(term=term, actor=demo.user("s1_admin"))
    waiting = Placement.objects.get(application=b)
    moved = services.placement_move(placement=waiting, group=other, actor=demo.user("s1_admin"))
    assert moved.status == "placed" and moved.group == other
    full = Placement.objects.get(application=a)
    back = services.placement_move(placement=moved, group=group, actor=demo.user("s1_admin"))
    assert back.status == "waitlisted" and full.group == group


def test_it_fills_second_round_seats_first_come(demo, term, apply, window):
    group = small_group(term, 1)
    services.placement_run(term=term, actor=demo.user("s1_admin"))
    services.placement_publish(term=term, actor=demo.user("s1_admin"))
    services.second_round_open(term=term, needs_review=False, actor=demo.user("s1_admin"))
    first, second = class31(demo, 2)
    a = apply(child_name=first, groups=[group])
    b = apply(child_name=second, groups=[group])
    assert a.status == "approved" and Placement.objects.get(application=a).status == "placed"
    assert Placement.objects.get(application=b).status == "waitlisted"


def test_it_creates_no_placement_without_a_guardians_application():
    from django.contrib import admin

    for model in (Application, Placement, Choice):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(request=None)


@pytest.mark.django_db(transaction=True)
def test_it_never_overbooks_under_200_concurrent_placements(demo):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are exercised on PostgreSQL (SQLite serialises every write)")
    from activities.models import Term

    term = Term.objects.get(school=demo.school("s1"), name="2026年秋季学期")
    group = ActivityGroup.objects.filter(term=term).order_by("pk").first()
    ActivityGroup.objects.filter(pk=group.pk).update(capacity=30, grades="123456")
    round_cleared(term)  # start from an empty term, not the demo round
    students = list(demo.school("s1").students.order_by("pk")[:200])
    apps = approved_applications(term, students, days="135")
    barrier = threading.Barrier(40)

    def take(application):
        try:
            try:
                barrier.wait(timeout=5)
            except threading.BrokenBarrierError:
                pass
            return services.seat_take(application=application, group=group).status
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=40) as pool:
        statuses = list(pool.map(take, apps))
    assert statuses.count("placed") == 30
    assert Placement.objects.filter(group=group, status="placed").count() == 30
    positions = list(
        Placement.objects.filter(group=group, status="waitlisted").values_list("position", flat=True)
    )
    assert sorted(positions) == list(range(1, 171))
    assert Placement.objects.filter(group=group).values("application").distinct().count() == 200


def test_it_offers_an_approved_child_without_a_place_a_second_round_seat(
    demo, term, apply, window, grade3_groups
):
    group = small_group(term, 1)
    other = next(g for g in grade3_groups if g.pk != group.pk)
    a, b = approved(demo, apply, class31(demo, 2), [group])
    services.placement_run(term=term, actor=demo.user("s1_admin"))
    services.placement_publish(term=term, actor=demo.user("s1_admin"))
    services.second_round_open(term=term, needs_review=False, actor=demo.user("s1_admin"))
    again = apply(child_name=b.student.name, groups=[other])
    assert again.pk == b.pk
    assert Placement.objects.get(application=b, status="placed").group == other


def test_it_places_applications_approved_after_the_run_when_publishing(demo, term, apply, window):
    group = small_group(term, 5)
    (a,) = approved(demo, apply, class31(demo, 1), [group])
    services.placement_run(term=term, actor=demo.user("s1_admin"))
    (late,) = approved(demo, apply, class31(demo, 2)[1:], [group])
    services.placement_publish(term=term, actor=demo.user("s1_admin"))
    assert Placement.objects.get(application=late).status == "placed"
    assert Notification.objects.filter(kind="enrollment/placed", recipient=late.guardian.user).exists()
