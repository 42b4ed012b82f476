"""F13 retention: stale roster-import files are purged after ROSTER_IMPORT_KEEP_HOURS, and
anonymisation reaches the texts that name a child — releases, refused pick-ups, safety alerts,
notifications — and gate-register visitors past the retention period."""

import datetime
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from activities.models import Session
from notices.models import Notification
from privacy import retention
from privacy.models import DeletionLog, StudentDeparture
from safety.models import CareAlert, GateEntry, Release, ReleaseRefusal
from schools.models import AuthorizedPickup, RosterImport, Student

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(datetime.datetime(2028, 3, 31, 3, 0))
ANON = retention.ANONYMOUS


# --- roster-import files ------------------------------------------------------------------------


def roster_import(demo, status, *, hours_ago, with_file=True, errors=()):
    item = RosterImport(
        school=demo.school("s1"),
        uploaded_by=demo.user("s1_admin"),
        original_name="花名册.csv",
        status=status,
        total_rows=2,
        errors=list(errors),
    )
    if with_file:
        item.file.save(
            f"{item.code}.csv", ContentFile("姓名,监护人手机号\n王小明,13900000001\n".encode()), save=False
        )
    item.save()
    RosterImport.objects.filter(pk=item.pk).update(created=NOW - datetime.timedelta(hours=hours_ago))
    item.refresh_from_db()
    return item


def test_stale_roster_import_files_are_deleted_after_the_set_time(
    demo, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.ROSTER_IMPORT_KEEP_HOURS = 48
    quoted = [
        {"row": 2, "column": "监护人手机号", "message": "“1390000001” 不是有效的手机号", "value": "王小明"}
    ]
    previewed = roster_import(demo, RosterImport.Status.PREVIEWED, hours_ago=72)
    failed = roster_import(demo, RosterImport.Status.FAILED, hours_ago=50)
    rejected = roster_import(demo, RosterImport.Status.REJECTED, hours_ago=49, with_file=False, errors=quoted)
    fresh = roster_import(demo, RosterImport.Status.PREVIEWED, hours_ago=2)
    files = {item.pk: Path(item.file.path) for item in (previewed, failed, fresh)}
    assert all(path.exists() for path in files.values())

    with django_capture_on_commit_callbacks(execute=True):
        logs = retention.retention_run(now=NOW)

    assert not files[previewed.pk].exists() and not files[failed.pk].exists()
    assert files[fresh.pk].exists()
    for item in (previewed, failed, rejected):
        item.refresh_from_db()
        assert not item.file
        assert "王小明" not in str(item.errors) and "1390000001" not in str(item.errors)
    assert previewed.status == RosterImport.Status.REJECTED  # can no longer be confirmed
    assert "48" in previewed.errors[0]["message"]
    assert failed.status == RosterImport.Status.FAILED and failed.errors == []
    fresh.refresh_from_db()
    assert fresh.status == RosterImport.Status.PREVIEWED and fresh.file
    assert {log.kind: log.count for log in logs}[DeletionLog.Kind.ROSTER_IMPORT] == 3

    logs = retention.retention_run(now=NOW)
    assert DeletionLog.Kind.ROSTER_IMPORT not in {log.kind for log in logs}


# --- texts that name a child who left -----------------------------------------------------------


@pytest.fixture
def departed(demo):
    """陈雨桐 left 13 months before NOW; a release, a refused pick-up, an alert and messages name her,
    her guardian and her pick-up person."""
    child = demo.child("陈雨桐")
    guardian = child.guardians.get()
    pickup = AuthorizedPickup.objects.filter(student=child).first()
    pickup_name = pickup.name if pickup else guardian.name
    school = child.school
    taken = set(Release.objects.filter(student=child).values_list("date", flat=True))
    session = (
        Session.objects.filter(group__activity__school=school).exclude(date__in=taken).order_by("date")[0]
    )
    teacher = demo.user("s1_admin")
    Release.objects.create(
        school=school,
        student=child,
        date=session.date,
        session=session,
        to="guardian",
        guardian=guardian,
        person_name=guardian.name,
        person_relationship="母亲",
        verification="photo",
        released_by=teacher,
        released_at=timezone.now(),
    )
    ReleaseRefusal.objects.create(
        school=school,
        student=child,
        date=session.date,
        person_name="陌生人甲",
        person_mobile="13712345678",
        reason="unknown",
        refused_by=teacher,
        refused_at=timezone.now(),
    )
    CareAlert.objects.create(
        school=school,
        date=session.date,
        kind="absent",
        student=child,
        key=f"test-absent:{child.code}",
        detail=f"{child.name} · 书法 16:00",
    )
    head = demo.user("s1_head32")
    messages = [
        Notification.objects.create(
            recipient=head, kind="safety/absent", title=f"{child.name} 缺勤", body=f"{child.name} 今天未到。"
        ),
        Notification.objects.create(
            recipient=guardian.user,
            kind="safety/released",
            title=f"{child.name} 已由 {pickup_name} 接走",
            body=f"{pickup_name} 于 17:05 接走 {child.name}。",
        ),
        Notification.objects.create(
            recipient=teacher, kind="safety/leave", title="请假", body=f"{guardian.name} 为孩子请假。"
        ),
    ]
    Student.objects.filter(pk=child.pk).update(active=False)
    StudentDeparture.objects.create(student=child, noticed_at=NOW - datetime.timedelta(days=400))
    return child, guardian, pickup_name, messages


def test_a_childs_releases_refusals_alerts_and_messages_are_anonymised(departed):
    child, guardian, pickup_name, messages = departed
    names = {child.name, guardian.name, pickup_name, "陌生人甲"}

    logs = retention.retention_run(now=NOW)

    for release in Release.objects.filter(student=child):
        assert release.person_name in ("", ANON) and release.person_relationship == ""
    for refusal in ReleaseRefusal.objects.filter(student=child):
        assert refusal.person_name == ANON and refusal.person_mobile == ""
    assert set(CareAlert.objects.filter(student=child).values_list("detail", flat=True)) == {ANON}
    for message in Notification.objects.filter(pk__in=[m.pk for m in messages]):
        text = message.title + message.body
        assert not any(name in text for name in names), text
        assert ANON in text
    kinds = {log.kind: log.count for log in logs}
    assert kinds[DeletionLog.Kind.RELEASE] >= 2 and kinds[DeletionLog.Kind.ALERT] >= 1
    assert kinds[DeletionLog.Kind.NOTIFICATION] >= 3

    again = retention.retention_run(now=NOW)
    assert not {DeletionLog.Kind.RELEASE, DeletionLog.Kind.ALERT, DeletionLog.Kind.NOTIFICATION} & {
        log.kind for log in again
    }


def test_gate_register_visitors_past_the_period_are_anonymised(demo):
    school = demo.school("s1")
    guard = demo.user("s1_guard")

    def entry(name, days_ago):
        return GateEntry.objects.create(
            school=school,
            name=name,
            id_last4="123X",
            mobile="13612345678",
            purpose="meeting",
            visiting="王老师 三年级(1)班 刘子涵",
            note="带来药品",
            entered_at=NOW - datetime.timedelta(days=days_ago),
            recorded_by=guard,
        )

    old, recent = entry("访客老", 400), entry("访客新", 30)
    logs = retention.retention_run(now=NOW)
    old = GateEntry.objects.get(pk=old.pk)
    assert (old.name, old.visiting, old.note) == (ANON, ANON, "")
    assert old.mobile != "13612345678" and old.id_last4 != "123X"
    recent = GateEntry.objects.get(pk=recent.pk)
    assert (recent.name, recent.mobile) == ("访客新", "13612345678")
    assert DeletionLog.Kind.VISITOR in {log.kind for log in logs}
