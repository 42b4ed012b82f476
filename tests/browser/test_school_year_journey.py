"""The school year (F15) at phone width, as s1_admin in the summer holiday of 2027: the year rollover
(classes move up, 六年级 graduates), the new year's roster from the school register (学籍系统
export with title rows) re-imported as an update (5 changed classes, 3 new children, 2 missing
ticked as left), the new autumn term copied from last autumn's, its notice published and its
application window opened on their pages; then s1_parent sees the new term on the family page."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from activities.models import Term
from enrollment.models import EnrollmentWindow, ParentNotice
from schools import schoolyear
from schools.models import ClassGroup, LeaveReason, Student
from schools.roster.samples import register_xlsx
from tests.support.phone import log_in, open_as
from tests.support.roster_files import enrolled, row, stored_row, student_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SUMMER = datetime.datetime(2027, 8, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
FIRST_GRADER = datetime.date(2021, 3, 1)


def new_year_rows(school, parent_children):
    """The register's file after the rollover: every enrolled child but two, five of 四年级(1)班
    moved to (2)班, three new first-graders. Returns (rows, moved, gone)."""
    children = enrolled(school)
    gone = [c for c in children if c.pk not in parent_children][:2]
    moved = [c for c in children if c not in gone and c.class_group.display_name == "四年级(1)班"][:5]
    assert len(moved) == 5
    rows = [stored_row(c, 班级="(2)班") if c in moved else stored_row(c) for c in children if c not in gone]
    rows += [
        row(
            900 + i,
            年级="一年级",
            班级="(1)班",
            出生日期=FIRST_GRADER.isoformat(),
            全国学籍号=student_number(900 + i, FIRST_GRADER),
        )
        for i in range(3)
    ]
    return rows, moved, gone


def test_the_demo_school_rolls_into_the_next_year(live_server, page, browser, demo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    s1 = demo.school("s1")
    with time_machine.travel(SUMMER, tick=True):
        log_in(page, live_server, "s1_admin")

        # The rollover: the preview names the new school year and each class's move; confirm.
        grade3 = ClassGroup.objects.get(school=s1, grade=3, number=1)
        sixth = list(Student.objects.filter(school=s1, active=True, class_group__grade=6))
        assert sixth
        page.goto(live_server.url + "/school/roster/rollover/")
        expect(page.locator("#rollover-preview")).to_contain_text("2027—2028")
        moves = page.locator("#rollover-classes")
        expect(moves.get_by_role("row", name=re.compile(r"^三年级\(1\)班 四年级\(1\)班"))).to_be_visible()
        expect(moves.get_by_role("row", name=re.compile(r"^六年级\(1\)班 毕业"))).to_be_visible()
        page.get_by_label("我已核对以上班级，确认将学校升入新学年。").check()
        page.get_by_role("button", name="学年升级").click()
        expect(page.locator("#rollover-done")).to_contain_text("2027—2028")
        grade3.refresh_from_db()
        assert grade3.grade == 4 and grade3.display_name == "四年级(1)班"
        for child in sixth:
            child.refresh_from_db()
            assert not child.active and child.left_reason == LeaveReason.GRADUATED and child.left_on

        # The new year's roster, as the register exports it (title rows, merged title cell).
        parent_children = set(demo.user("s1_parent").guardian.students.values_list("pk", flat=True))
        rows, moved, gone = new_year_rows(s1, parent_children)
        page.goto(live_server.url + "/school/roster/import/")
        page.get_by_label("花名册文件（.xlsx、.xls 或 .csv）").set_input_files(
            {"name": "2027学年花名册.xlsx", "mimeType": XLSX, "buffer": register_xlsx(rows)}
        )
        page.get_by_role("button", name="检查文件").click()
        expect(page.locator("#preview-ok")).to_be_visible()
        expect(page.locator("#preview-counts")).to_contain_text("新增 3 名学生")
        expect(page.locator("#count-class-changed")).to_contain_text("调整 5 名学生的班级")
        expect(page.locator("#count-missing")).to_contain_text("本校有 2 名在读学生不在文件中")
        for child in gone:
            box = page.get_by_role("checkbox", name=re.compile(f"^{child.name} · "))
            expect(box).not_to_be_checked()
            box.check()
        page.get_by_role("button", name="导入这些学生").click()
        expect(page.get_by_role("alert").first).to_contain_text("成功导入 3 名学生")
        g42 = ClassGroup.objects.get(school=s1, grade=4, number=2, graduated_in__isnull=True)
        for child in moved:
            child.refresh_from_db()
            assert child.class_group == g42 and child.active
        for child in gone:
            child.refresh_from_db()
            assert not child.active and child.left_reason == LeaveReason.LEFT
        first = Student.objects.filter(school=s1, active=True, class_group__grade=1)
        assert sorted(first.values_list("name", flat=True)) == ["王同学900", "王同学901", "王同学902"]
        assert Student.objects.filter(school=s1, active=True).count() == len(rows)

        # The new autumn term from last autumn's: same groups, its own dates.
        autumn = Term.objects.get(school=s1, name="2026年秋季学期")
        coming = schoolyear.autumn_term(2027)
        page.goto(live_server.url + f"/activities/terms/{autumn.code}/copy/")
        expect(page.locator("#copy-preview")).to_be_visible()
        page.get_by_label("学期名称").fill(coming.name)
        page.get_by_label("开始日期").fill(coming.start.isoformat())
        page.get_by_label("结束日期").fill(coming.end.isoformat())
        page.get_by_role("button", name="创建新学期").click()
        expect(page.get_by_role("alert").first).to_contain_text(coming.name)
        term = Term.objects.get(school=s1, name=coming.name)
        assert term.groups.count() == autumn.groups.count() > 0

        # Its notice (carried over as a draft) published, its application window opened.
        page.goto(live_server.url + f"/enrollment/admin/{term.code}/notice/")
        page.get_by_role("button", name="发布为新版本").click()
        expect(page.get_by_role("alert").first).to_contain_text("告家长书第 1 版已发布")
        assert ParentNotice.objects.filter(term=term, draft=False).exists()
        page.goto(live_server.url + f"/enrollment/admin/{term.code}/")
        page.get_by_label("报名开始").fill("2027-08-20T08:00")
        page.get_by_label("报名截止").fill("2027-08-27T18:00")
        page.get_by_label("班级审核截止").fill("2027-08-30T18:00")
        page.get_by_role("button", name="保存报名时间").click()
        expect(page.get_by_role("alert").first).to_contain_text("报名时间已保存")
        assert EnrollmentWindow.objects.filter(term=term).exists()

        # A parent of the school sees the new term.
        context, parent = open_as(browser, live_server, "s1_parent")
        parent.goto(live_server.url + "/enrollment/")
        expect(parent.locator("main")).to_contain_text(coming.name)
        context.close()
