"""F15 "Files as schools have them": a two-level header — 学生信息 merged above 姓名/学籍号 and
监护人信息 above 姓名/电话, 序号 and 备注 merged down both rows. A column's header is read from the two
rows together: 监护人信息 + 姓名 is the guardian's name, 学生信息 + 姓名 the child's."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from schools import roster
from schools.models import Guardian, RosterImport, Student
from schools.roster.samples import table_xlsx
from tests.support.roster_files import confirm, last_import, row, table_csv

pytestmark = pytest.mark.django_db

STUDENT = ["姓名", "性别", "学籍号", "出生日期", "年级", "班级"]
GUARDIAN = ["姓名", "电话", "关系"]
PORTAL = [
    "姓名",
    "性别",
    "全国学籍号",
    "出生日期",
    "年级",
    "班级",
    "监护人姓名",
    "监护人手机号",
    "与学生关系",
]
WIDTH = 1 + len(STUDENT) + len(GUARDIAN) + 1


def two_level(children: list[dict]) -> tuple[list, list]:
    """A title row, then 序号 | 学生信息 (six columns) | 监护人信息 (three) | 备注 over the second
    header row; one row per child from row 4."""
    upper = [
        "序号",
        "学生信息",
        *[""] * (len(STUDENT) - 1),
        "监护人信息",
        *[""] * (len(GUARDIAN) - 1),
        "备注",
    ]
    lower = ["", *STUDENT, *GUARDIAN, ""]
    lines = [["学生花名册", *[""] * (WIDTH - 1)], upper, lower]
    for number, child in enumerate(children, start=1):
        lines.append([number, *[child[h] for h in PORTAL], ""])
    guardian = 1 + len(STUDENT)
    merged = [
        ((0, 0), (0, WIDTH - 1)),
        ((1, 0), (2, 0)),  # 序号, down both header rows
        ((1, 1), (1, guardian - 1)),  # 学生信息
        ((1, guardian), (1, WIDTH - 2)),  # 监护人信息
        ((1, WIDTH - 1), (2, WIDTH - 1)),  # 备注
    ]
    return lines, merged


def test_the_group_above_names_whose_name_each_column_is_and_the_file_imports(admin):
    children = [row(1), row(2)]
    lines, merged = two_level(children)

    response = admin.post(
        reverse("schools:roster-import"),
        {"file": SimpleUploadedFile("花名册.xlsx", table_xlsx(lines, merged))},
    )

    assert response.status_code == 302
    item = last_import()
    assert item.status == RosterImport.Status.PREVIEWED, (item.status, item.errors, item.column_plan)
    matched = item.column_plan["matched"]
    assert (matched["name"], matched["guardian_name"], matched["guardian_mobile"]) == (1, 7, 8)
    assert matched["student_number"] == 3 and matched["relationship"] == 9
    assert item.column_plan["ignored"] == [0, 10]  # 序号 and 备注, read from the row above
    confirm(admin, item)
    item.refresh_from_db()
    assert item.status == RosterImport.Status.DONE
    child = Student.objects.get(student_number=children[0]["全国学籍号"])
    assert child.name == "王同学1"
    assert Guardian.objects.get(mobile=children[0]["监护人手机号"]).name == "王家长1"


def test_a_csv_without_merged_cells_reads_the_group_until_the_next_one():
    lines, _merged = two_level([row(1)])
    table = roster.roster_read(data=table_csv(lines, "utf-8-sig"), kind="csv")
    assert not table.plan.ambiguous
    columns = table.columns
    assert (columns["name"], columns["guardian_name"], columns["guardian_mobile"]) == (1, 7, 8)
    assert table.plan.labels[7] == "监护人姓名" and table.plan.labels[0] == "序号"


def test_a_title_merged_right_above_the_header_is_no_group():
    lines, merged = two_level([row(1)])
    lines[1] = ["学生花名册（2026学年）", *[""] * (WIDTH - 1)]
    lines[2] = ["序号", *STUDENT[:1], *STUDENT[1:], "监护人姓名", "监护人电话", "关系", "备注"]
    merged = [((1, 0), (1, WIDTH - 1))]
    table = roster.roster_read(data=table_xlsx(lines, merged), kind="xlsx")
    assert not table.plan.ambiguous
    assert (table.columns["name"], table.columns["guardian_name"]) == (1, 7)
    assert table.plan.labels[1] == "姓名"
