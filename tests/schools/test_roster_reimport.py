"""The roster re-import (F15): next year's file updates the school's children, matched by 学籍号;
the preview counts new children, changed classes and guardians, unchanged ones and those missing
from the file (left only when ticked); a child of another school is a transfer in, which the
sending school sees as a leaving; all or nothing on a bad row."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from notices.models import Notification
from schools.models import ClassGroup, LeaveReason, SchoolLeaving, Student
from tests.support.roster_files import enrolled, last_import, row, stored_row, xlsx

pytestmark = pytest.mark.django_db


def upload(client, data: bytes, school=None):
    url = reverse("schools:roster-import") + (f"?school={school.code}" if school else "")
    return client.post(url, {"file": SimpleUploadedFile("花名册2027.xlsx", data)})


def detail_url(item) -> str:
    return reverse("schools:roster-import-detail", kwargs={"import_code": item.code})


def test_a_new_year_file_updates_the_roster_and_marks_only_ticked_children_as_left(admin, s1):
    children = enrolled(s1)
    assert Student.objects.filter(school=s1, active=True).count() == len(children)
    gone_ticked, gone_kept = children[0], children[1]
    moved = [c for c in children[2:] if c.class_group.grade == 4 and c.class_group.number == 1][:5]
    assert len(moved) == 5
    rows = [stored_row(c, 班级="(2)班") if c in moved else stored_row(c) for c in children[2:]]
    rows += [row(900 + i) for i in range(3)]

    response = upload(admin, xlsx(rows))
    item = last_import()
    assert response.status_code == 302, item.errors
    assert item.status == "previewed", item.errors
    counts = {**item.preview_counts, **item.change_counts}
    assert counts["students"] == 3
    assert counts["class_changed"] == 5
    assert counts["guardian_changed"] == 0
    assert counts["transfers_in"] == 0
    assert counts["unchanged"] == len(children) - 2 - 5
    assert counts["missing"] == 2
    assert sorted(item.missing) == sorted([str(gone_ticked.code), str(gone_kept.code)])

    page = admin.get(detail_url(item)).content.decode()
    assert gone_ticked.name in page and gone_kept.name in page
    assert 'id="count-missing"' in page and "不勾选则保留在读" in page
    assert (
        "checked" not in page.split('id="count-missing"')[1].split("</form>")[0].split('name="left"')[1][:80]
    )

    admin.post(detail_url(item), {"left": [str(gone_ticked.code)]})
    item.refresh_from_db()
    assert item.status == "done", item.errors

    g42 = ClassGroup.objects.get(school=s1, grade=4, number=2)
    for child in moved:
        child.refresh_from_db()
        assert child.class_group == g42 and child.active
    assert Student.objects.filter(school=s1, active=True).count() == len(children) - 1 + 3
    gone_ticked.refresh_from_db()
    gone_kept.refresh_from_db()
    assert not gone_ticked.active and gone_ticked.left_reason == LeaveReason.LEFT and gone_ticked.left_on
    assert gone_kept.active and gone_kept.left_on is None
    assert SchoolLeaving.objects.filter(student=gone_ticked, school=s1, reason="left").exists()
    assert AuditEvent.objects.filter(verb="student.left", target_id=str(gone_ticked.code)).exists()
    assert AuditEvent.objects.filter(verb="roster.import", changes__class_changed=5).exists()


def test_a_guardian_with_a_new_mobile_is_a_guardian_change(admin, s1):
    child = enrolled(s1)[5]
    response = upload(admin, xlsx([stored_row(child, 监护人手机号="15288889999", 监护人姓名="新家长")]))
    assert response.status_code == 302
    item = last_import()
    assert item.change_counts["guardian_changed"] == 1 and item.preview_counts["students"] == 0
    admin.post(detail_url(item), {})
    item.refresh_from_db()
    assert item.status == "done", item.errors
    assert child.guardians.filter(mobile="15288889999").exists()
    assert child.guardians.count() >= 2  # the earlier guardianship is kept, never ended silently


def test_a_child_of_another_school_is_a_transfer_in_and_the_sending_school_sees_the_leave(client, demo):
    s1, s2 = demo.school("s1"), demo.school("s2")
    child = enrolled(s1)[3]
    old_class = child.class_group.display_name
    guardians = set(child.guardians.values_list("pk", flat=True))
    client.force_login(demo.user("s2_admin"))
    upload(client, xlsx([stored_row(child, 年级="三年级", 班级="(2)班")]))
    item = last_import()
    assert item.school == s2 and item.status == "previewed", item.errors
    assert item.change_counts["transfers_in"] == 1 and item.preview_counts["students"] == 0
    assert str(child.code) not in item.missing
    client.post(detail_url(item), {})
    item.refresh_from_db()
    assert item.status == "done", item.errors

    child.refresh_from_db()
    assert child.school == s2 and child.active
    assert child.class_group == ClassGroup.objects.get(school=s2, grade=3, number=2)
    assert set(child.guardians.values_list("pk", flat=True)) == guardians
    leaving = SchoolLeaving.objects.get(student=child, school=s1)
    assert (leaving.reason, leaving.class_name, leaving.to_school) == ("transferred", old_class, s2)
    s1_admin = demo.user("s1_admin")
    assert Notification.objects.filter(recipient=s1_admin, kind="schools/transfer_out").exists()
    assert AuditEvent.objects.filter(verb="student.transfer_in", target_id=str(child.code)).exists()

    # s1's admin: the child is gone from the enrolled list, the leaving record is there.
    client.force_login(s1_admin)
    students = client.get(reverse("schools:student-list"))
    assert child not in list(students.context["page"].object_list)
    page = client.get(reverse("schools:roster-import")).content.decode()
    assert 'id="leavings"' in page and child.name in page and "转学" in page


def test_one_bad_row_saves_nothing_of_a_re_import(admin, s1):
    children = enrolled(s1)
    rows = [stored_row(c, 班级="(2)班") for c in children[:5]] + [row(950, 性别="?")]
    before = list(
        Student.objects.filter(school=s1).order_by("pk").values_list("pk", "class_group_id", "active")
    )
    upload(admin, xlsx(rows))
    item = last_import()
    assert item.status == "rejected"
    assert [e["row"] for e in item.errors] == [7]
    assert item.missing == []
    after = list(
        Student.objects.filter(school=s1).order_by("pk").values_list("pk", "class_group_id", "active")
    )
    assert after == before


def test_a_file_of_one_class_lists_as_missing_only_that_classs_children(admin, s1):
    children = enrolled(s1)
    g41 = [c for c in children if (c.class_group.grade, c.class_group.number) == (4, 1)]
    others = [c for c in children if c not in g41]
    assert len(g41) > 3 and others
    gone = g41[0]
    upload(admin, xlsx([stored_row(c) for c in g41[1:]]))

    item = last_import()
    assert item.status == "previewed", item.errors
    assert item.missing == [str(gone.code)]  # not every enrolled child of the other classes
    assert item.change_counts["missing"] == 1 and item.change_counts["unchanged"] == len(g41) - 1
    assert item.change_counts["classes_covered"] == ["四年级(1)班"]
    classes = {(c.class_group.grade, c.class_group.number) for c in children}
    assert item.change_counts["classes_untouched"] == len(classes) - 1
    page = admin.get(detail_url(item)).content.decode()
    covered = page.split('id="classes-covered"')[1].split("</p>")[0]
    assert "四年级(1)班" in covered and f"其他 {len(classes) - 1} 个班级不受影响" in covered
    assert gone.name in page and others[0].name not in page

    admin.post(detail_url(item), {"left": [str(gone.code)]})
    item.refresh_from_db()
    assert item.status == "done", item.errors
    assert Student.objects.filter(school=s1, active=True).count() == len(children) - 1


def test_a_full_file_covers_every_class_and_says_so(admin, s1):
    children = enrolled(s1)
    upload(admin, xlsx([stored_row(c) for c in children[1:]]))
    item = last_import()
    assert item.missing == [str(children[0].code)]
    assert item.change_counts["classes_untouched"] == 0
    page = admin.get(detail_url(item)).content.decode()
    assert "文件包含本校所有班级" in page.split('id="classes-covered"')[1].split("</p>")[0]
