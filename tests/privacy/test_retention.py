"""F10 retention: children who left longer ago than their region's period are anonymised with their
pick-up persons and guardians without another child; data inside the period is kept; the log holds
no personal data; a second run changes nothing more."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from enrollment.models import Application
from privacy import retention
from privacy.models import DeletionLog, RetentionPolicy, StudentDeparture
from schools.models import AuthorizedPickup, Guardian, GuardianLink, Student, User

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(datetime.datetime(2028, 3, 31, 3, 0))


def leave(student, noticed_at):
    Student.objects.filter(pk=student.pk).update(active=False)
    StudentDeparture.objects.create(student=student, noticed_at=noticed_at)


def snapshot():
    return (
        list(Student.objects.order_by("pk").values()),
        list(Guardian.objects.order_by("pk").values()),
        list(User.objects.order_by("pk").values()),
        list(AuthorizedPickup.objects.order_by("pk").values()),
        list(Application.objects.order_by("pk").values()),
    )


@pytest.fixture
def departed(demo):
    """陈雨桐 left 13 months ago (her guardian has no other child); 刘浩然 left a month ago (his
    mother keeps 刘子涵 at the school)."""
    old, recent = demo.child("陈雨桐"), demo.child("刘浩然")
    Student.objects.filter(pk=old.pk).update(left_behind=True, other_priority_note="父母在外地务工")
    leave(old, NOW - datetime.timedelta(days=400))
    leave(recent, NOW - datetime.timedelta(days=30))
    old.refresh_from_db()
    return old, recent


def personal_values(student):
    guardian = student.guardians.get()
    values = {student.name, student.student_number, guardian.name, guardian.mobile}
    values |= {guardian.user.username}
    for pickup in AuthorizedPickup.objects.filter(student=student):
        values |= {pickup.name, pickup.mobile}
    return {v for v in values if v}


def test_it_anonymises_data_past_the_period_and_keeps_the_rest(departed):
    old, recent = departed
    old_guardian, recent_guardian = old.guardians.get(), recent.guardians.get()
    before_recent = Student.objects.filter(pk=recent.pk).values().get()

    logs = retention.retention_run(now=NOW)

    old.refresh_from_db()
    assert old.name == retention.ANONYMOUS and old.student_number.startswith("ANON")
    assert not old.is_priority and (old.birth_date.month, old.birth_date.day) == (1, 1)
    old_guardian.refresh_from_db()
    assert old_guardian.name == retention.ANONYMOUS and not old_guardian.mobile.startswith("1")
    account = User.objects.get(pk=old_guardian.user_id)
    assert not account.is_active and account.mobile is None and not account.has_usable_password()
    assert all(
        p.name == retention.ANONYMOUS and not p.mobile for p in AuthorizedPickup.objects.filter(student=old)
    )
    assert StudentDeparture.objects.get(student=old).anonymised_at == NOW

    # Inside the period, and a guardian who still has a child at school: kept as they were.
    assert Student.objects.filter(pk=recent.pk).values().get() == before_recent
    recent_guardian.refresh_from_db()
    assert recent_guardian.name != retention.ANONYMOUS
    assert User.objects.get(pk=recent_guardian.user_id).is_active

    kinds = {log.kind: log.count for log in logs}
    assert kinds[DeletionLog.Kind.STUDENT] == 1 and kinds[DeletionLog.Kind.GUARDIAN] == 1


def test_the_deletion_log_holds_no_personal_data(departed):
    old, _recent = departed
    secrets = personal_values(old) | {str(old.pk), str(old.code)}
    retention.retention_run(now=NOW)
    assert DeletionLog.objects.exists()
    for row in DeletionLog.objects.values():
        text = " ".join(str(v) for k, v in row.items() if k not in ("id", "run", "at", "count"))
        assert not any(secret in text for secret in secrets), text


def test_a_second_run_changes_nothing_more(departed):
    retention.retention_run(now=NOW)
    before, logs = snapshot(), DeletionLog.objects.count()
    assert retention.retention_run(now=NOW) == []
    assert snapshot() == before and DeletionLog.objects.count() == logs


def test_the_regions_own_period_wins_over_the_default(demo, departed):
    old, _recent = departed
    RetentionPolicy.objects.create(region=old.school.region, months=24)
    retention.retention_run(now=NOW)
    old.refresh_from_db()
    assert old.name != retention.ANONYMOUS
    assert retention.retention_run(now=NOW + datetime.timedelta(days=366)) != []
    old.refresh_from_db()
    assert old.name == retention.ANONYMOUS


def test_the_first_run_starts_the_clock_for_children_who_left(demo):
    child = demo.child("陈雨桐")
    Student.objects.filter(pk=child.pk).update(active=False)
    logs = retention.retention_run(now=NOW)
    assert DeletionLog.Kind.STUDENT not in {log.kind for log in logs}
    assert StudentDeparture.objects.get(student=child).noticed_at == NOW
    child.refresh_from_db()
    assert child.name == "陈雨桐"


def test_a_child_who_came_back_is_not_anonymised(demo, departed):
    old, _recent = departed
    Student.objects.filter(pk=old.pk).update(active=True)
    retention.retention_run(now=NOW)
    old.refresh_from_db()
    assert old.name == "陈雨桐"
    assert not StudentDeparture.objects.filter(student=old).exists()


def test_old_applications_lose_their_priority_data(demo):
    application = Application.objects.select_related("term").order_by("pk").first()
    Application.objects.filter(pk=application.pk).update(
        priority_consent=True, migrant=True, other_need="随迁"
    )
    inside = application.term.end + datetime.timedelta(days=30)
    now = timezone.make_aware(datetime.datetime.combine(inside, datetime.time(3)))
    retention.retention_run(now=now)
    application.refresh_from_db()
    assert application.migrant  # the term ended a month ago: kept
    later = now + datetime.timedelta(days=400)
    logs = retention.retention_run(now=later)
    application.refresh_from_db()
    assert not application.is_priority
    assert DeletionLog.Kind.APPLICATION in {log.kind for log in logs}


def test_the_command_and_the_beat_task_run_it(demo, settings, capsys):
    from privacy import tasks

    assert "privacy-retention" in settings.CELERY_BEAT_SCHEDULE
    call_command("retention_run")
    assert "Nothing past its retention period." in capsys.readouterr().out
    assert tasks.retention_run.delay().get() == 0


def test_requests_to_become_the_childs_guardian_lose_their_mobile_number(demo, departed):
    old, recent = departed
    asked = recent.guardians.get()
    GuardianLink.objects.create(student=old, user=asked.user, mobile=asked.mobile, relationship="姑姑")
    kept = GuardianLink.objects.create(
        student=recent, user=asked.user, mobile=asked.mobile, relationship="父亲"
    )

    retention.retention_run(now=NOW)

    assert list(GuardianLink.objects.filter(student=old).values_list("mobile", flat=True)) == [""]
    kept.refresh_from_db()
    assert kept.mobile == asked.mobile
