"""F15 "Files as schools have them": a register system's export (学籍系统) is read as it is — title
rows and blank rows above the header, merged cells, 是否… and 监护人联系电话 headers, columns the
portal does not use — as .xlsx, .xls or CSV in UTF-8 or GB18030; an ambiguous header is chosen by
the school admin; every problem keeps the row number Excel shows."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from schools import roster
from schools.models import Guardian, RosterImport, Student
from schools.roster.columns import FIELD_OF_KEY, header_key
from schools.roster.samples import table_xlsx
from tests.support.roster_files import (
    HEADERS,
    confirm,
    last_import,
    register,
    row,
    table_csv,
    table_xls,
)

pytestmark = pytest.mark.django_db


def upload(client, data: bytes, name: str):
    return client.post(reverse("schools:roster-import"), {"file": SimpleUploadedFile(name, data)})


def page_of(client, item: RosterImport) -> str:
    url = reverse("schools:roster-import-detail", kwargs={"import_code": item.code})
    return client.get(url).content.decode()


def error_rows(page: str) -> list[tuple[str, str]]:
    return re.findall(r"<tr>\s*<td>(\d+)</td>\s*<td>(.*?)</td>", page)


def wrong_check_digit(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


# --- the acceptance case ----------------------------------------------------------------------


def test_a_register_export_with_two_title_rows_merged_cells_and_its_own_headers_names_the_excel_row(admin):
    children = [row(i) for i in range(1, 4)]
    children[0]["全国学籍号"] = wrong_check_digit(children[0]["全国学籍号"])
    lines, merged = register(children, renames={"监护人联系电话": "联系电话"})
    assert lines[2][lines[2].index("联系电话")] and lines[2][12] == "是否留守儿童"
    before = Student.objects.count()

    response = upload(admin, table_xlsx(lines, merged), "学籍系统导出.xlsx")

    assert response.status_code == 302
    item = last_import()
    assert item.status == RosterImport.Status.REJECTED and item.total_rows == 3
    assert [(e["row"], e["column"]) for e in item.errors] == [(4, "全国学籍号")]  # title, title, header
    page = page_of(admin, item)
    assert error_rows(page) == [("4", "全国学籍号")]
    assert "表头为第 3 行，第一名学生为第 4 行" in page
    assert Student.objects.count() == before


def test_the_same_export_with_good_numbers_imports_every_column_it_names(admin, demo):
    children = [row(1, 留守儿童="是"), row(2), row(3, 进城务工人员随迁子女="是")]
    children[1]["班级"] = ""  # written once for two children: merged down from the row above
    lines, merged = register(children, renames={"监护人联系电话": "联系电话", "学生姓名": "姓 名*"})
    class_column = lines[2].index("班级")
    merged = [*merged, ((3, class_column), (4, class_column))]

    upload(admin, table_xlsx(lines, merged), "学籍系统导出.xlsx")
    item = last_import()
    assert item.status == RosterImport.Status.PREVIEWED, item.errors
    page = page_of(admin, item)
    ignored = re.search(r'id="roster-columns-ignored".*?</div>', page, re.S).group(0)
    assert re.findall(r"<li>(.*?)</li>", ignored) == ["A：序号", "D：民族", "I：家庭住址", "O：备注"]

    confirm(admin, item)
    item.refresh_from_db()
    assert item.status == RosterImport.Status.DONE
    numbers = [c["全国学籍号"] for c in children]
    students = {s.name: s for s in Student.objects.filter(student_number__in=numbers)}
    assert students["王同学1"].left_behind and not students["王同学2"].left_behind
    assert students["王同学3"].migrant
    assert students["王同学2"].class_group == students["王同学1"].class_group  # the merged cell
    assert Guardian.objects.get(mobile=children[1]["监护人手机号"]).name == "王家长2"  # from 联系电话


# --- formats --------------------------------------------------------------------------------------


def test_an_old_excel_file_xls_is_imported(admin):
    children = [row(i) for i in range(1, 3)]
    lines, merged = register(children)
    data = table_xls(lines, merged)
    assert data.startswith(b"\xd0\xcf\x11\xe0")

    upload(admin, data, "花名册.xls")

    item = last_import()
    assert item.status == RosterImport.Status.PREVIEWED, item.errors
    assert item.file.name.endswith(".xls")
    confirm(admin, item)
    item.refresh_from_db()
    assert item.status == RosterImport.Status.DONE and item.created_counts["students"] == 2


def test_an_xls_names_the_excel_row_of_a_bad_number(admin):
    children = [row(i) for i in range(1, 4)]
    children[2]["监护人手机号"] = "1234"
    upload(admin, table_xls(*register(children)), "花名册.xls")
    item = last_import()
    assert [(e["row"], e["column"]) for e in item.errors] == [(6, "监护人手机号")]


def test_a_workbook_is_read_by_its_content_not_its_name(admin):
    upload(admin, table_xlsx(*register([row(1)])), "花名册.xls")  # an .xlsx saved with the old name
    assert last_import().status == RosterImport.Status.PREVIEWED


def test_a_gb18030_csv_with_title_rows_is_read(admin):
    lines, _merged = register([row(1), row(2, 姓名="欧阳䶮")])  # 䶮 is in GB18030, not in GBK
    upload(admin, table_csv(lines, "gb18030"), "花名册.csv")
    item = last_import()
    assert item.status == RosterImport.Status.PREVIEWED, item.errors
    confirm(admin, item)
    assert Student.objects.filter(name="欧阳䶮").exists()


def test_the_header_is_found_below_blank_rows_and_row_numbers_follow_excel(admin):
    children = [row(1), row(2, 出生日期="2018-02-30")]
    lines = [[], [], [None, None], HEADERS, *[[c[h] for h in HEADERS] for c in children]]
    upload(admin, table_xlsx(lines), "花名册.xlsx")
    item = last_import()
    assert [(e["row"], e["column"]) for e in item.errors] == [(6, "出生日期")]
    assert item.column_plan["header_row"] == 4


def test_a_sheet_without_a_header_row_in_its_first_rows_is_refused_with_a_message(admin):
    lines = [["学生花名册"]] + [[]] * 12 + [HEADERS, [row(1)[h] for h in HEADERS]]
    response = upload(admin, table_xlsx(lines), "花名册.xlsx")
    assert response.status_code == 200
    assert "前 10 行中没有找到列标题行" in response.content.decode()


def test_a_title_row_wider_than_the_header_is_no_value_without_a_header_but_a_child_row_is(admin):
    lines, merged = register([row(1)])
    lines[0] += ["", "", "制表：教务处"]  # a title spreading past the last header
    upload(admin, table_xlsx(lines, merged), "花名册.xlsx")
    assert last_import().status == RosterImport.Status.PREVIEWED
    lines[3] += ["", "多余"]
    response = upload(admin, table_xlsx(lines, merged), "花名册.xlsx")
    assert "第 4 行在没有表头的列中有内容" in response.content.decode()


def test_a_formula_is_read_as_what_excel_stored_never_evaluated(admin):
    children = [row(1), row(2)]
    lines, merged = register(children)
    lines[4][1] = '="王"&"五"'  # no stored result: the name is empty
    upload(admin, table_xlsx(lines, merged), "花名册.xlsx")
    item = last_import()
    assert [(e["row"], e["column"]) for e in item.errors] == [(5, "姓名")]


# --- headers by a rule ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("学生姓名", "name"),
        ("姓　名", "name"),  # an ideographic space
        (" 姓 名* ", "name"),
        ("ＸＭ", None),
        ("性别：", "gender"),
        ("学籍号（必填）", "student_number"),
        ("全国学籍号[G+身份证号]", "student_number"),
        ("出生年月", "birth_date"),
        ("班别", "class_number"),
        ("家长姓名", "guardian_name"),
        ("监护人姓名", "guardian_name"),
        ("监护人联系电话", "guardian_mobile"),
        ("家长手机号码", "guardian_mobile"),
        ("联系电话", "guardian_mobile"),
        ("联系方式", "guardian_mobile"),
        ("手机", "guardian_mobile"),
        ("是否留守儿童", "left_behind"),
        ("是否进城务工人员随迁子女", "migrant"),
        ("是否残疾", "disability"),
        ("与学生关系", "relationship"),
        ("序号", None),
        ("民族", None),
        ("家庭住址", None),
        ("备注", None),
    ],
)
def test_headers_are_matched_after_normalising(header, field):
    assert FIELD_OF_KEY.get(header_key(header)) == field


def test_every_column_of_the_template_still_matches_itself():
    assert {FIELD_OF_KEY[header_key(h)] for h in HEADERS} == {name for _h, name, _r in roster.COLUMNS}


# --- the mapping step -------------------------------------------------------------------------------


def ambiguous_file(children):
    headers = [*HEADERS, "家庭电话"]
    lines = [["学生花名册"], headers]
    for i, child in enumerate(children):
        lines.append([child[h] for h in HEADERS] + [f"1370371{i:04d}"])
    return table_xlsx(lines, [((0, 0), (0, len(headers) - 1))])


def test_two_columns_that_could_be_the_mobile_are_chosen_by_the_admin_and_the_import_uses_that_one(admin):
    children = [row(1), row(2)]
    response = upload(admin, ambiguous_file(children), "花名册.xlsx")
    assert response.status_code == 302
    item = last_import()
    assert item.status == RosterImport.Status.COLUMNS and item.file
    page = page_of(admin, item)
    assert 'id="roster-columns-form"' in page and "roster-confirm-form" not in page
    assert "H：监护人手机号" in page and "O：家庭电话" in page

    url = reverse("schools:roster-import-columns", kwargs={"import_code": item.code})
    response = admin.post(url, {"guardian_mobile": "14"})  # column O, 家庭电话

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == RosterImport.Status.PREVIEWED, item.errors
    assert item.column_plan["matched"]["guardian_mobile"] == 14 and 7 in item.column_plan["ignored"]
    event = AuditEvent.objects.get(verb="roster.columns", target_id=str(item.code))
    assert event.changes["columns"]["guardian_mobile"] == "O：家庭电话"
    assert "H：监护人手机号" in page_of(admin, item)  # now listed as not used
    confirm(admin, item)
    item.refresh_from_db()
    assert item.status == RosterImport.Status.DONE
    assert Guardian.objects.filter(mobile="13703710001", name="王家长2").exists()
    assert not Guardian.objects.filter(mobile=children[1]["监护人手机号"]).exists()


def test_the_mapping_form_refuses_no_choice_and_keeps_the_file_waiting(admin):
    upload(admin, ambiguous_file([row(1)]), "花名册.xlsx")
    item = last_import()
    url = reverse("schools:roster-import-columns", kwargs={"import_code": item.code})
    response = admin.post(url, {"guardian_mobile": ""})
    assert response.status_code == 400
    assert 'id="roster-columns-form"' in response.content.decode()
    item.refresh_from_db()
    assert item.status == RosterImport.Status.COLUMNS


def test_another_schools_admin_cannot_choose_the_columns(admin, client, demo):
    upload(admin, ambiguous_file([row(1)]), "花名册.xlsx")
    item = last_import()
    client.force_login(demo.user("s2_admin"))
    url = reverse("schools:roster-import-columns", kwargs={"import_code": item.code})
    assert client.post(url, {"guardian_mobile": "14"}).status_code == 404
    item.refresh_from_db()
    assert item.status == RosterImport.Status.COLUMNS


def test_a_table_that_starts_in_column_b_keeps_its_rows_and_columns():
    lines, merged = register([row(1), row(2)])
    shifted = [["", *line] for line in lines]
    merged = [((top, left + 1), (bottom, right + 1)) for (top, left), (bottom, right) in merged]
    table = roster.roster_read(data=table_xlsx(shifted, merged), kind="xlsx")
    assert [number for number, _values in table.rows] == [4, 5]
    assert table.plan.label(table.columns["name"]) == "C：学生姓名"
    assert table.rows[0][1][table.columns["student_number"]] == row(1)["全国学籍号"]
