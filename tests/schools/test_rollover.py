"""The year rollover (学年升级, F15): classes move up a grade with their class teachers, the top
grade graduates (inactive, with the day and the reason, starting the retention clock), a second
run changes nothing, and only the school's own admins reach the page."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from privacy.models import StudentDeparture
from privacy.retention import retention_run
from schools import rollover
from schools.models import (
    ClassGroup,
    LeaveReason,
    Membership,
    Role,
    SchoolLeaving,
    SchoolYearRollover,
    Student,
)

pytestmark = pytest.mark.django_db


def url(school=None) -> str:
    return reverse("schools:rollover") + (f"?school={school.code}" if school else "")


def teacher_of(group: ClassGroup):
    m = Membership.objects.filter(class_group=group, role=Role.CLASS_TEACHER).first()
    return m.user if m else None


def state(school) -> list:
    classes = list(
        ClassGroup.objects.filter(school=school).order_by("pk").values_list("pk", "grade", "graduated_in")
    )
    children = list(
        Student.objects.filter(school=school).order_by("pk").values_list("pk", "active", "left_reason")
    )
    teachers = list(
        Membership.objects.filter(school=school, role=Role.CLASS_TEACHER)
        .order_by("pk")
        .values_list("user_id", "class_group_id")
    )
    return [classes, children, teachers]


def test_the_demo_preview_of_s1_shows_every_class_moving_up_and_the_top_grade_graduating(admin, s1):
    response = admin.get(url())
    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview.done is None
    assert preview.year == 2027  # the demo lives in 2026–27; the rollover leads into 2027–28
    assert [m.new_name for m in preview.moves][:2] == ["二年级(1)班", "二年级(2)班"]
    assert len(preview.moves) == 10 and len(preview.graduating) == 2
    assert (
        preview.graduating_children
        == Student.objects.filter(school=s1, active=True, class_group__grade=6).count()
    )
    html = response.content.decode()
    assert "四年级(1)班" in html and "学年升级" in html
    assert not SchoolYearRollover.objects.exists()


def test_classes_move_up_with_their_teachers_and_the_top_grade_graduates(admin, s1, demo):
    grade3 = ClassGroup.objects.get(school=s1, grade=3, number=1)
    head = teacher_of(grade3)
    sixth = list(Student.objects.filter(school=s1, class_group__grade=6, active=True))
    assert sixth
    new_head = demo.user("s1_head62")
    g52 = ClassGroup.objects.get(school=s1, grade=5, number=2)
    form = {"confirm": "on"}
    for move in rollover.rollover_preview(school=s1).moves:
        teacher = teacher_of(move.class_group)
        form[f"teacher_{move.class_group.code.hex}"] = teacher.pk if teacher else ""
    form[f"teacher_{g52.code.hex}"] = new_head.pk  # changed in the preview form

    response = admin.post(url(), form)
    assert response.status_code == 302

    grade3.refresh_from_db()
    assert (grade3.grade, grade3.number, grade3.display_name) == (4, 1, "四年级(1)班")
    assert teacher_of(grade3) == head
    g52.refresh_from_db()
    assert g52.grade == 6 and teacher_of(g52) == new_head
    for child in sixth:
        child.refresh_from_db()
        assert not child.active
        assert child.left_on == datetime.date(2026, 11, 29)
        assert child.left_reason == LeaveReason.GRADUATED
    assert SchoolLeaving.objects.filter(school=s1, reason="graduated").count() == len(sixth)
    assert not ClassGroup.objects.filter(school=s1, grade=1, graduated_in__isnull=True).exists()
    graduated = ClassGroup.objects.filter(school=s1, graduated_in=2027)
    assert graduated.count() == 2
    assert not Membership.objects.filter(class_group__in=graduated).exists()
    done = SchoolYearRollover.objects.get(school=s1, year=2027)
    assert done.counts["children_graduated"] == len(sixth)
    assert AuditEvent.objects.filter(verb="schoolyear.rollover", target_id=str(done.pk)).exists()


def test_running_the_rollover_twice_changes_nothing_the_second_time(admin, s1, s1_admin):
    first = rollover.rollover_run(school=s1, actor=s1_admin)
    assert first is not None
    before = state(s1)
    audits = AuditEvent.objects.count()

    assert rollover.rollover_run(school=s1, actor=s1_admin) is None
    response = admin.post(url(), {"confirm": "on"})
    assert response.status_code == 302

    assert state(s1) == before
    assert AuditEvent.objects.count() == audits
    assert SchoolYearRollover.objects.filter(school=s1).count() == 1
    assert 'id="rollover-done"' in admin.get(url()).content.decode()


def test_the_graduates_retention_clock_starts_on_the_day_they_left(s1, s1_admin, settings):
    settings.RETENTION_MONTHS = 12
    rollover.rollover_run(school=s1, actor=s1_admin)
    graduate = Student.objects.filter(school=s1, left_reason="graduated").first()
    name = graduate.name
    # The daily job first sees them two months later: the clock still started on the day they left.
    with time_machine.travel(datetime.datetime(2027, 1, 29, 10, tzinfo=datetime.UTC)):
        retention_run()
    departure = StudentDeparture.objects.get(student=graduate)
    assert timezone.localtime(departure.noticed_at).date() == datetime.date(2026, 11, 29)
    with time_machine.travel(datetime.datetime(2027, 11, 30, 10, tzinfo=datetime.UTC)):
        retention_run()
    graduate.refresh_from_db()
    assert graduate.name != name and graduate.name == "已匿名"


def test_a_primary_school_graduates_grade_6_and_a_junior_school_grade_9(s1):
    assert rollover.top_grade(s1) == 6
    s1.stage = "junior"
    assert rollover.top_grade(s1) == 9


def test_another_schools_admin_gets_404_on_the_rollover_page(client, demo):
    client.force_login(demo.user("s2_admin"))
    s1 = demo.school("s1")
    assert client.get(url(s1)).status_code == 404
    assert client.post(url(s1), {"confirm": "on"}).status_code == 404
    assert not SchoolYearRollover.objects.exists()
    client.force_login(demo.user("s1_head31"))
    assert client.get(url()).status_code in (403, 404)
