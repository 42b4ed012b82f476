"""F13: a guardian whom the school restricted (or whose guardianship it ended) after they applied
hears nothing more about the child: every notice to the child's guardians reads the guardianship
when it goes out (schools.selectors.guardianships_to_tell)."""

import datetime

import pytest
from django.utils import timezone

from activities.models import ActivityGroup
from enrollment import selectors, services
from enrollment.models import Placement
from notices.models import Notification
from schools import services as school_services
from schools.models import Guardianship

pytestmark = pytest.mark.django_db


def restrict(demo, application):
    link = Guardianship.objects.get(guardian=application.guardian, student=application.student)
    school_services.guardianship_restrict(link=link, reason="法院禁止令", actor=demo.user("s1_admin"))


def end(demo, application):
    link = Guardianship.objects.get(guardian=application.guardian, student=application.student)
    school_services.guardianship_end(link=link, reason="监护关系变更", actor=demo.user("s1_admin"))


def told(application, kind) -> bool:
    return Notification.objects.filter(recipient=application.guardian.user, kind=kind).exists()


def class31(demo, n):
    return list(demo.klass("s1", 3, 1).students.order_by("pk").values_list("name", flat=True)[:n])


def test_the_class_review_is_not_sent_to_a_guardian_restricted_after_applying(demo, apply):
    application = apply()
    restrict(demo, application)
    services.application_approve(application=application, reviewer=demo.user("s1_head31"))
    assert not told(application, "enrollment/approved")


def test_publication_and_promotion_skip_a_restricted_or_ended_guardianship(demo, term, apply, window):
    group = ActivityGroup.objects.filter(term=term, grades__contains="3").order_by("pk").first()
    ActivityGroup.objects.filter(pk=group.pk).update(capacity=1)
    first, second, third = [apply(child_name=name, groups=[group]) for name in class31(demo, 3)]
    for application in (first, second, third):
        services.application_approve(application=application, reviewer=demo.user("s1_head31"))
    services.placement_run(term=term, actor=demo.user("s1_admin"))
    placed = Placement.objects.get(group=group, status="placed").application
    waiting = [a for a in (first, second, third) if a.pk != placed.pk]
    restrict(demo, waiting[0])
    end(demo, waiting[1])

    assert services.placement_publish(term=term, actor=demo.user("s1_admin")) == 1
    assert told(placed, "enrollment/placed")
    assert not any(told(a, "enrollment/waitlisted") for a in waiting)

    services.application_withdraw(application=placed, guardian=placed.guardian)
    assert Placement.objects.filter(group=group, status="placed").exclude(application=placed).exists()
    assert not any(told(a, "enrollment/promoted") for a in waiting)


def test_the_window_reminder_skips_a_guardian_restricted_for_every_child(demo, window):
    link = Guardianship.objects.get(student=demo.child("陈雨桐"))
    assert not Guardianship.objects.filter(guardian=link.guardian).exclude(pk=link.pk).exists()
    school_services.guardianship_restrict(link=link, reason="法院禁止令", actor=demo.user("s1_admin"))
    services.reminders_window_open()
    assert not Notification.objects.filter(
        recipient=link.guardian.user, kind="enrollment/window_open"
    ).exists()
    # A guardian restricted for one child still hears of the window for their other child.
    sibling = Guardianship.objects.get(guardian__user=demo.user("s1_parent"), student=demo.child("刘子涵"))
    school_services.guardianship_restrict(link=sibling, reason="法院禁止令", actor=demo.user("s1_admin"))
    services.reminders_window_open()
    assert Notification.objects.filter(
        recipient=demo.user("s1_parent"), kind="enrollment/window_open"
    ).exists()


def test_the_families_of_cancelled_sessions_leave_out_a_restricted_guardian(demo, term, apply, window):
    homework = ActivityGroup.objects.get(term=term, name__startswith="作业看管")  # Monday to Friday
    application = apply(days="12345", groups=[homework])
    services.application_approve(application=application, reviewer=demo.user("s1_head31"))
    services.placement_run(term=term, actor=demo.user("s1_admin"))
    services.placement_publish(term=term, actor=demo.user("s1_admin"))
    today = timezone.localdate()
    monday = today + datetime.timedelta(days=8 - today.isoweekday())
    assert application.guardian.user in selectors.families_of_cancelled_sessions(
        group=homework, dates=[monday]
    )
    restrict(demo, application)
    assert application.guardian.user not in selectors.families_of_cancelled_sessions(
        group=homework, dates=[monday]
    )
