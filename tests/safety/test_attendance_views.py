"""The school's records and export, the demo's four weeks, and every F5 URL answering 404 outside
each persona's scope."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from safety.models import Attendance, CareAlert, Handover, HandoverConfirmation, Leave, Release
from safety.services import attendance, release
from schools.models import User
from tests.support import url_scope
from tests.support.attendance import DAY, at, care_session

pytestmark = pytest.mark.django_db

F5_URLS = {
    "safety:session",
    "safety:roll-call",
    "safety:duty-handover",
    "safety:release-list",
    "safety:release-child",
    "safety:handover-confirm",
    "safety:class-day",
    "safety:leave-report",
    "safety:pickup-code",
    "safety:leave-cancel",
}


def test_every_f5_url_answers_404_outside_each_personas_scope_and_changes_nothing(client, demo):
    patterns = [(name, kwargs) for name, kwargs in url_scope.object_patterns() if name in F5_URLS]
    assert {name for name, _k in patterns} == F5_URLS
    # hn_bureau sees every demo region and school: one in another province is outside every scope.
    from schools import services as org

    hubei = org.region_save(code="42", name="湖北省", level="province")
    jiangan = org.region_save(code="420102", name="江岸区", level="county", parent=hubei)
    org.class_create(
        school=org.school_save(identifier="4201020001", name="江岸区实验小学", region=jiangan),
        grade=1,
        number=1,
    )
    # force_login stamps User.last_login: not a change made by the requests under test.
    before = url_scope.fingerprint(exclude=(User,))
    failures = []
    for username in url_scope.PERSONAS:
        user = demo.user(username)
        client.force_login(user)
        for name, kwargs in patterns:
            url = reverse(name, kwargs={kw: url_scope.outside(user, kw) for kw in kwargs})
            statuses = {method: getattr(client, method)(url).status_code for method in ("get", "post")}
            if set(statuses.values()) - {404, 405} or 404 not in statuses.values():
                failures.append(f"{username} {name} {url} -> {statuses}")
    assert not failures, "\n".join(failures)
    assert url_scope.fingerprint(exclude=(User,)) == before


def records_page(client, **params):
    return client.get(reverse("safety:attendance-records"), params)


def test_the_school_admin_sees_the_days_records_by_group_and_class(demo, client):
    care = care_session(demo, count=2, class_group=demo.klass("s1", 3, 1))
    other = care_session(demo, count=1, start=datetime.time(17), end=datetime.time(18))
    first, second = care.students
    with time_machine.travel(at(16, 5), tick=False):
        attendance.roll_call_save(
            session=care.session, actor=care.lead, marks={first.pk: "present", second.pk: "absent"}
        )
    with time_machine.travel(at(17, 3), tick=False):
        release.release_record(
            session=care.session,
            student=first,
            actor=care.lead,
            guardian=care.guardian(first),
            verification="photo",
        )
        client.force_login(demo.user("s1_admin"))
        page = records_page(client, day=DAY.isoformat(), group=str(care.group.code)).content.decode()
        assert first.name in page and second.name in page and other.students[0].name not in page
        assert care.guardian(first).name in page  # released to
        page = records_page(
            client, day=DAY.isoformat(), class_group=str(care.class_group.code)
        ).content.decode()
        assert first.name in page and other.students[0].name not in page


def test_the_export_holds_attendance_releases_and_handovers(demo, client):
    care = care_session(demo, count=2, class_group=demo.klass("s1", 3, 1))
    first, second = care.students
    from safety.services import handover

    with time_machine.travel(at(15, 58), tick=False):
        given = handover.handover_class_give(
            session=care.session, class_group=care.class_group, actor=demo.user("s1_head31"), count=2
        )
        handover.handover_confirm(handover=given, actor=care.lead, count=2)
    with time_machine.travel(at(16, 5), tick=False):
        attendance.roll_call_save(
            session=care.session, actor=care.lead, marks={first.pk: "present", second.pk: "late"}
        )
    with time_machine.travel(at(17, 3), tick=False):
        release.release_record(
            session=care.session,
            student=first,
            actor=care.lead,
            guardian=care.guardian(first),
            verification="photo",
        )
        client.force_login(demo.user("s1_admin"))
        response = client.get(
            reverse("safety:records-export"),
            {"start": DAY.isoformat(), "end": DAY.isoformat(), "group": str(care.group.code)},
        )
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["考勤", "放学交接", "交接班"]
    rows = list(book["考勤"].iter_rows(values_only=True))
    assert [(r[5], r[6]) for r in rows[1:]] == [(first.name, "出勤"), (second.name, "迟到")]
    releases = list(book["放学交接"].iter_rows(values_only=True))[1:]
    assert [(r[5], r[7]) for r in releases] == [(first.name, care.guardian(first).name)]
    handovers = list(book["交接班"].iter_rows(values_only=True))[1:]
    assert [(r[5], r[9], r[10]) for r in handovers] == [("三年级(1)班", 2, 2)]


def test_an_export_of_a_bad_range_is_refused_with_the_form(demo, client):
    client.force_login(demo.user("s1_admin"))
    response = client.get(reverse("safety:records-export"), {"start": "2026-12-10", "end": "2026-12-01"})
    assert response.status_code == 400
    assert "2026-12-10" in response.content.decode()


def test_an_export_narrowed_to_another_schools_group_or_class_is_refused_not_widened(demo, client):
    """A group or class that is not the school's is a form error: never an export of the whole school."""
    care = care_session(demo, count=1)  # s1's group and class
    client.force_login(demo.user("s2_admin"))
    for field, code in (("group", care.group.code), ("class_group", care.students[0].class_group.code)):
        response = client.get(
            reverse("safety:records-export"), {"start": DAY.isoformat(), "end": DAY.isoformat(), field: code}
        )
        assert response.status_code == 400, field
        assert response["Content-Type"].startswith("text/html")


def test_records_and_export_are_for_school_admins_of_that_school(demo, client):
    for username in ("s1_staff", "s1_head31", "s1_guard", "s1_parent", "zy_bureau"):
        client.force_login(demo.user(username))
        assert records_page(client).status_code == 404, username
        assert (
            client.get(
                reverse("safety:records-export"), {"start": "2026-12-01", "end": "2026-12-02"}
            ).status_code
            == 404
        )
    client.force_login(demo.user("s2_admin"))
    assert records_page(client, school=str(demo.school("s1").code)).status_code == 404
    care = care_session(demo, count=1)
    page = records_page(client, day=DAY.isoformat(), group=str(care.group.code)).content.decode()
    assert care.students[0].name not in page  # another school's group is ignored, never shown


def test_the_demo_holds_four_weeks_of_records_and_seeding_again_changes_nothing(demo):
    today = timezone.localdate()
    marks = Attendance.objects.filter(session__date__lt=today)
    assert marks.filter(session__date__gte=today - datetime.timedelta(days=28)).count() == marks.count() > 0
    for key in ("s1", "s2", "s3"):
        school = demo.school(key)
        assert Attendance.objects.filter(session__group__activity__school=school).exists(), key
        assert Release.objects.filter(school=school).exists(), key
        assert Handover.objects.filter(school=school).exists(), key
    assert not Attendance.objects.filter(session__group__activity__school=demo.school("s4")).exists()
    assert Leave.objects.exists() and CareAlert.objects.exists()
    assert HandoverConfirmation.objects.count() == Handover.objects.count()
    counts = [m.objects.count() for m in (Attendance, Release, Handover, Leave, CareAlert)]
    call_command("seed_demo", stdout=io.StringIO())
    assert [m.objects.count() for m in (Attendance, Release, Handover, Leave, CareAlert)] == counts
