"""F15 "Files as schools have them": a register export (学籍系统) often ends with rows below the
table — 制表人/审核人, 合计, 填表日期, blank rows, a note merged across the row. Trailing rows without a
学籍号 and without a name with a class are the table's footer: listed as ignored with their Excel row
numbers, never errors. The same row in the middle of the table is still an error."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from schools import roster
from schools.models import RosterImport, Student
from schools.roster.samples import REGISTER_HEADERS, table_xlsx
from tests.support.roster_files import confirm, last_import, register, row, table_csv, table_xls

pytestmark = pytest.mark.django_db

WIDTH = len(REGISTER_HEADERS)


def upload(client, data: bytes, name: str):
    return client.post(reverse("schools:roster-import"), {"file": SimpleUploadedFile(name, data)})


def page_of(client, item: RosterImport) -> str:
    url = reverse("schools:roster-import-detail", kwargs={"import_code": item.code})
    return client.get(url).content.decode()


def line(*cells: tuple[int, str]) -> list:
    values = [""] * WIDTH
    for column, value in cells:
        values[column] = value
    return values


def with_footer(children: list[dict]) -> tuple[list, list]:
    """A register export of these children (title rows on 1-2, header on 3) and its footer: a blank
    row, 制表人/审核人, 合计, 填表日期 past the last header, and a note merged across the row."""
    lines, merged = register(children)
    last = len(lines)  # the blank row below the table is row last + 1
    lines += [
        line(),
        line((0, "制表人：张三"), (8, "审核人：李四")),
        line((0, f"合计：{len(children)}人")),
        [*line(), "填表日期：2026-09-01"],
        line((0, "注：本表由学籍系统导出，请核对后上报。")),
    ]
    merged = [*merged, ((last + 4, 0), (last + 4, WIDTH - 1))]
    return lines, merged


def test_rows_below_the_table_are_its_footer_listed_as_ignored_and_the_children_import(admin):
    children = [row(i) for i in range(1, 4)]
    lines, merged = with_footer(children)  # children on rows 4-6, blank row 7, footer rows 8-11

    upload(admin, table_xlsx(lines, merged), "学籍系统导出.xlsx")

    item = last_import()
    assert item.status == RosterImport.Status.PREVIEWED, item.errors
    assert item.total_rows == 3 and item.errors == []
    assert item.column_plan["footer_rows"] == [8, 9, 10, 11]
    page = page_of(admin, item)
    footer = re.search(r'id="roster-rows-ignored".*?</div>', page, re.S).group(0)
    assert "8、9、10、11" in footer and "表格下方" in footer
    confirm(admin, item)
    item.refresh_from_db()
    assert item.status == RosterImport.Status.DONE and item.created_counts["students"] == 3
    assert Student.objects.filter(student_number__in=[c["全国学籍号"] for c in children]).count() == 3


@pytest.mark.parametrize("kind", ["xls", "csv"])
def test_an_xls_or_csv_footer_is_ignored_too(admin, kind):
    lines, merged = with_footer([row(1), row(2)])
    data = table_xls(lines, merged) if kind == "xls" else table_csv(lines, "gb18030")
    upload(admin, data, f"花名册.{kind}")
    item = last_import()
    assert item.status == RosterImport.Status.PREVIEWED, item.errors
    assert item.column_plan["footer_rows"] == [7, 8, 9, 10]


def test_a_footer_like_row_in_the_middle_of_the_table_is_still_an_error(admin):
    children = [row(i) for i in range(1, 4)]
    lines, merged = with_footer(children)
    lines.insert(4, line((0, "合计：1人")))  # between the first and the second child: row 5

    upload(admin, table_xlsx(lines, merged), "学籍系统导出.xlsx")

    item = last_import()
    assert item.status == RosterImport.Status.REJECTED
    assert {e["row"] for e in item.errors} == {5}
    assert item.column_plan["footer_rows"] == [9, 10, 11, 12]


def test_a_last_row_with_a_name_and_a_class_is_a_child_whose_problems_are_listed():
    children = [row(1), row(2, 全国学籍号="")]  # the last child's 学籍号 forgotten
    lines, merged = with_footer(children)
    table = roster.roster_read(data=table_xlsx(lines, merged), kind="xlsx")
    assert [number for number, _values in table.rows] == [4, 5]
    _clean, errors = roster.rows_check(table)
    assert [(e.row, e.column) for e in errors] == [(5, "全国学籍号")]


def test_a_last_row_with_only_a_student_number_is_a_child_too():
    lines, merged = with_footer([row(1), row(2, 姓名="", 班级="")])
    table = roster.roster_read(data=table_xlsx(lines, merged), kind="xlsx")
    assert [number for number, _values in table.rows] == [4, 5]
    assert table.plan.footer_rows == [7, 8, 9, 10]


def test_without_a_child_row_there_is_no_footer_and_the_rows_are_checked_as_rows():
    lines, merged = register([])
    lines += [line(), line((0, "合计：0人"))]
    table = roster.roster_read(data=table_xlsx(lines, merged), kind="xlsx")
    assert [number for number, _values in table.rows] == [5] and table.plan.footer_rows == []
