"""Roster import (花名册) and export: preview first, all or nothing, every bad row named by its Excel
row number; upload checks; the school's own export; the Celery path with its progress."""

import datetime
import io
import re
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AccessLog, AuditEvent
from schools import roster, spreadsheets
from schools.models import (
    ActivationCode,
    ClassGroup,
    Guardian,
    GuardianLink,
    Guardianship,
    RosterImport,
    Student,
    User,
)
from tests.support.roster_files import HEADERS, confirm, csv_bytes, last_import, row, student_number, xlsx

pytestmark = pytest.mark.django_db


def upload(client, data: bytes, name: str = "花名册.xlsx", school=None):
    url = reverse("schools:roster-import") + (f"?school={school.code}" if school else "")
    return client.post(url, {"file": SimpleUploadedFile(name, data)})


def html(response) -> str:
    return response.content.decode()


def counts() -> tuple:
    return (
        Student.objects.count(),
        Guardian.objects.count(),
        Guardianship.objects.count(),
        User.objects.count(),
        ClassGroup.objects.count(),
    )


def detail(client, item: RosterImport):
    return client.get(reverse("schools:roster-import-detail", kwargs={"import_code": item.code}))


# --- the acceptance case ----------------------------------------------------------------------


def test_it_saves_nothing_from_200_rows_when_row_137_has_a_wrong_check_digit_and_names_it(admin):
    rows = [row(i) for i in range(200)]
    # Spreadsheet row 137 = the 136th student (the header is row 1).
    good = rows[135]["全国学籍号"]
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    rows[135]["全国学籍号"] = wrong
    data = xlsx(rows)
    assert openpyxl.load_workbook(io.BytesIO(data)).active.cell(row=137, column=3).value == wrong
    before = counts()

    response = upload(admin, data)

    assert response.status_code == 302
    item = last_import()
    assert item.status == RosterImport.Status.REJECTED and item.total_rows == 200
    assert counts() == before
    page = html(admin.get(response.url))
    errors = re.findall(
        r"<tr>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*<td[^>]*>(.*?)</td>\s*<td>(.*?)</td>", page
    )
    assert errors == [("137", "全国学籍号", "*" * 15 + wrong[-4:], "学籍号中的身份证号校验位错误。")]
    assert "没有保存任何数据" in page
    assert "表头为第 1 行" in page
    assert wrong not in page  # the identifier is shown masked
    # A rejected file cannot be confirmed.
    confirm(admin, item)
    assert counts() == before


# --- a good file ------------------------------------------------------------------------------


def test_it_imports_students_guardians_accounts_and_new_classes_after_preview_and_confirmation(
    admin, client, demo
):
    rows = [
        row(1),
        row(2, 监护人姓名="王家长1", 监护人手机号="15288880001", 与学生关系="母亲"),  # sibling of row 2
        row(3, 年级="七年级", 班级="2班", 留守儿童="是", 其他需要="哮喘"),  # a class s1 does not have
        row(4, 监护人姓名="刘海燕", 监护人手机号="13900000001", 与学生关系="母亲"),  # s1_parent, known
    ]
    before = counts()
    response = upload(admin, xlsx(rows))
    item = last_import()
    assert response.status_code == 302 and item.status == RosterImport.Status.PREVIEWED
    assert counts() == before  # the preview saves nothing
    assert item.preview_counts == {
        "students": 4,
        "classes_new": 1,
        "guardians_new": 2,
        "guardians_linked": 1,
        "accounts_new": 2,
        "errors": 0,
        "bad_rows": 0,
    }
    page = html(detail(admin, item))
    assert "没有发现问题" in page and "roster-confirm-form" in page

    response = confirm(admin, item)
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == RosterImport.Status.DONE
    assert item.created_counts["students"] == 4
    assert not item.file
    school = demo.school("s1")
    new = {
        s.student_number: s
        for s in Student.objects.filter(student_number__in=[r["全国学籍号"] for r in rows])
    }
    assert len(new) == 4 and {s.school for s in new.values()} == {school}
    third = new[rows[2]["全国学籍号"]]
    assert (third.class_group.grade, third.class_group.number, third.left_behind) == (7, 2, True)
    assert third.other_priority_note == "哮喘" and third.birth_date == datetime.date(2018, 5, 6)
    assert ClassGroup.objects.filter(school=school, grade=7, number=2).exists()
    sibling_parent = Guardian.objects.get(mobile="15288880001")
    assert set(sibling_parent.students.values_list("student_number", flat=True)) == {
        rows[0]["全国学籍号"],
        rows[1]["全国学籍号"],
    }
    # s1_parent already has an account: asked to confirm, not linked (F13).
    known = Guardian.objects.get(mobile="13900000001")
    assert known.user.username == "s1_parent" and known.students.count() == 2
    fourth = new[rows[3]["全国学籍号"]]
    link = GuardianLink.objects.get(student=fourth)
    assert (link.user, link.status, link.relationship) == (known.user, "pending", "母亲")
    account = sibling_parent.user
    assert (account.username, account.mobile) == ("15288880001", "15288880001")
    # No password at all until the parent activates the account with their own code.
    assert not account.has_usable_password()
    assert ActivationCode.objects.filter(user=account, used_at=None, revoked_at=None).count() == 1
    assert AuditEvent.objects.filter(verb="roster.import", target_id=str(item.code)).exists()
    assert "成功导入 4 名学生" in html(admin.get(response.url))


def test_it_trims_full_width_spaces_and_digits(admin):
    full = str.maketrans("0123456789G", "０１２３４５６７８９Ｇ")
    rows = [
        row(
            1,
            姓名="\u3000王小明\u3000",
            全国学籍号=" " + student_number(1).translate(full) + "\u3000",
            监护人手机号="１５２ ８８８８ ０００１",
            出生日期="2018/5/6",
            年级="3",
            班级="（2）班",
            留守儿童="\u3000是",
        )
    ]
    upload(admin, xlsx(rows))
    item = last_import()
    assert item.status == RosterImport.Status.PREVIEWED, item.errors
    confirm(admin, item)
    child = Student.objects.get(student_number=student_number(1))
    assert (child.name, child.class_group.grade, child.class_group.number) == ("王小明", 3, 2)
    assert child.left_behind and child.birth_date == datetime.date(2018, 5, 6)
    assert Guardian.objects.get(students=child).mobile == "15288880001"


def test_it_reads_excel_dates_and_the_other_ways_schools_write_grades_and_classes(admin):
    rows = [
        row(1, 出生日期=datetime.datetime(2018, 5, 6), 年级=3, 班级=1),
        row(2, 出生日期="2018年5月6日", 年级="初一", 班级="七年级(3)班"),
        row(3, 出生日期="20180506", 年级="九", 班级="十二"),
    ]
    upload(admin, xlsx(rows))
    item = last_import()
    assert item.status == RosterImport.Status.PREVIEWED, item.errors
    confirm(admin, item)
    classes = {
        s.student_number: (s.class_group.grade, s.class_group.number, s.birth_date)
        for s in Student.objects.filter(student_number__in=[r["全国学籍号"] for r in rows])
    }
    day = datetime.date(2018, 5, 6)
    assert classes == {
        student_number(1): (3, 1, day),
        student_number(2): (7, 3, day),
        student_number(3): (9, 12, day),
    }


def test_it_imports_csv_in_utf8_with_bom_and_in_gb18030(admin, demo):
    upload(admin, csv_bytes([row(1), row(2)]), name="roster.csv")
    upload(admin, csv_bytes([row(3)], encoding="gb18030"), name="roster-gbk.csv")
    for item in RosterImport.objects.filter(school=demo.school("s1"), original_name__startswith="roster"):
        assert item.status == RosterImport.Status.PREVIEWED, item.errors
        confirm(admin, item)
    assert Student.objects.get(student_number=student_number(3)).name == "王同学3"
    assert Student.objects.filter(student_number__in=[student_number(i) for i in (1, 2, 3)]).count() == 3


# --- bad rows -----------------------------------------------------------------------------------


def errors_of(item: RosterImport) -> list[tuple]:
    return [(e["row"], e["column"], e["message"]) for e in item.errors]


def test_it_reports_duplicates_within_the_file_and_against_the_school_by_row(admin, demo):
    # The demo seeds numbers whose check digit is off: give this child a valid one.
    known = student_number(999)
    Student.objects.filter(pk=demo.child("刘子涵").pk).update(student_number=known)
    rows = [row(1), row(2, 全国学籍号=student_number(1)), row(3, 全国学籍号=known)]
    before = counts()
    upload(admin, xlsx(rows))
    item = last_import()
    assert item.status == RosterImport.Status.REJECTED
    assert errors_of(item) == [
        (3, "全国学籍号", "第 2 行也是这个全国学籍号。"),
        (4, "全国学籍号", "已有学生使用这个全国学籍号。"),
    ]
    assert counts() == before


def test_it_reports_a_bad_mobile_and_every_other_bad_cell_with_row_and_column(admin):
    rows = [
        row(1),
        row(2, 监护人手机号="1234567"),
        None,  # a blank row keeps its number
        row(4, 性别="男孩", 出生日期="2018-13-01", 年级="十年级", 班级="甲班", 留守儿童="也许", 姓名=""),
        row(5, 监护人姓名="另一个人", 监护人手机号="15288880001"),
    ]
    upload(admin, xlsx(rows))
    item = last_import()
    assert errors_of(item) == [
        (3, "监护人手机号", "不是有效的中国大陆手机号（11 位）。"),
        (5, "姓名", "此列必须填写。"),
        (5, "性别", "请填写“男”或“女”。"),
        (5, "出生日期", "不是日期，请写成 2018-05-06 这样的格式。"),
        (5, "年级", "年级请写 1 到 9，或如“三年级”。"),
        (5, "班级", "班级请写成 1、1班 或 (1)班。"),
        (5, "留守儿童", "请填写“是”或“否”（空白为“否”）。"),
        (6, "监护人手机号", "这个手机号在第 2 行属于另一位监护人。"),
    ]
    assert item.preview_counts["bad_rows"] == 3
    page = html(detail(admin, item))
    assert "请修改文件中的 3 行后重新上传" in page
    assert "1234567" not in page  # masked: ***4567
    assert "***4567" in page


def test_it_names_missing_columns_and_does_not_count_an_unused_one_as_a_fault(admin):
    # F15: a column the portal does not use (家庭住址) is listed as ignored, not refused.
    headers = [h for h in HEADERS if h != "性别"] + ["家庭住址"]
    before = RosterImport.objects.count()
    response = upload(admin, xlsx([row(1)], headers=headers))
    page = html(response)
    assert response.status_code == 200
    assert "缺少“性别”列" in page
    assert "未知的列" not in page
    assert RosterImport.objects.count() == before


def test_it_accepts_the_usual_other_header_spellings(admin):
    headers = ["学籍号" if h == "全国学籍号" else h for h in HEADERS]
    data = xlsx([{("学籍号" if k == "全国学籍号" else k): v for k, v in row(1).items()}], headers=headers)
    upload(admin, data)
    assert last_import().status == RosterImport.Status.PREVIEWED


# --- files refused ------------------------------------------------------------------------------


def macro_workbook() -> bytes:
    buffer = io.BytesIO(xlsx([row(1)]))
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 macro")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("roster.xlsm", b"PK\x03\x04 anything", "不接受带宏的工作簿"),
        ("roster.xlsx", "macro", "不接受带宏的工作簿"),
        ("notes.txt", "这不是表格".encode(), "只能导入 Excel 工作簿（.xlsx 或 .xls）和 CSV 文件（.csv）"),
        ("roster.xlsx", "这是改了扩展名的文本文件".encode(), "这不是真正的 Excel 工作簿（.xlsx 或 .xls）"),
        ("roster.xls", "这是改了扩展名的文本文件".encode(), "这不是真正的 Excel 工作簿（.xlsx 或 .xls）"),
        # F15: an .xls is read; one that only starts like one is damaged and named so
        ("roster.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "无法读取该文件"),
        ("roster.csv", "zip", "这不是 CSV 文本文件"),
        ("roster.csv", b"", "提交的是空文件"),  # Django's own check, in REST framework's wording
    ],
)
def test_it_refuses_macros_non_spreadsheets_and_renamed_files_with_a_clear_message(
    admin, name, data, message
):
    data = {"macro": macro_workbook(), "zip": xlsx([row(1)])}.get(data, data)
    response = upload(admin, data, name=name)
    assert response.status_code == 200
    assert message in html(response)
    assert not RosterImport.objects.filter(original_name=name).exists()


def test_it_refuses_an_oversize_file(admin, settings):
    settings.ROSTER_IMPORT_MAX_BYTES = 4096
    response = upload(admin, xlsx([row(i) for i in range(50)]))
    assert response.status_code == 200
    assert "文件超过 0.00390625 MB，请把花名册拆成几个文件。" in html(response)
    assert not RosterImport.objects.filter(original_name="花名册.xlsx").exists()


def test_it_refuses_a_workbook_that_unpacks_to_a_huge_size(monkeypatch, admin):
    monkeypatch.setattr(roster.reading, "MAX_UNPACKED", 1000)
    response = upload(admin, xlsx([row(1)]))
    assert "解压后过大" in html(response)


# --- confirmation checks again --------------------------------------------------------------------


def test_it_checks_again_at_confirmation_and_saves_nothing_when_the_data_changed(admin, demo):
    from schools import services

    upload(admin, xlsx([row(1), row(2)]))
    item = last_import()
    assert item.status == RosterImport.Status.PREVIEWED
    services.student_save(
        class_group=demo.klass("s1", 1, 1),
        name="抢先录入",
        gender="F",
        student_number=student_number(2),
        birth_date=datetime.date(2018, 5, 6),
    )
    before = counts()
    response = confirm(admin, item)
    item.refresh_from_db()
    assert item.status == RosterImport.Status.REJECTED
    assert errors_of(item) == [(3, "全国学籍号", "已有学生使用这个全国学籍号。")]
    assert counts() == before
    assert "没有导入任何数据" in html(admin.get(response.url))


def test_it_imports_a_confirmed_file_only_once(admin):
    upload(admin, xlsx([row(1)]))
    item = last_import()
    confirm(admin, item)
    response = confirm(admin, item)
    assert Student.objects.filter(student_number=student_number(1)).count() == 1
    assert "已经确认" in html(admin.get(response.url))


# --- large files: Celery and progress --------------------------------------------------------------


def test_it_imports_a_large_file_on_the_worker_and_reports_progress(
    admin, settings, django_capture_on_commit_callbacks, monkeypatch
):
    settings.ROSTER_IMPORT_SYNC_ROWS = 10
    seen = []
    real = roster.imports._progress_writer

    def spy(pk):
        write = real(pk)

        def record(done):
            write(done)
            seen.append(RosterImport.objects.get(pk=pk).processed_rows)

        return record

    monkeypatch.setattr(roster.imports, "_progress_writer", spy)
    upload(admin, xlsx([row(i) for i in range(450)]))
    item = last_import()
    progress_url = reverse("schools:roster-import-progress", kwargs={"import_code": item.code})
    assert admin.get(progress_url).json()["status"] == "previewed"

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        confirm(admin, item)
    assert len(callbacks) >= 1  # enqueued after commit; eager in tests
    item.refresh_from_db()
    assert item.status == RosterImport.Status.DONE
    assert seen == [200, 400]  # progress written while the rows were checked
    assert Student.objects.filter(student_number__startswith="G410103").count() == 450
    data = admin.get(progress_url).json()
    assert data == {
        "status": "done",
        "label": "已导入",
        "processed": 450,
        "total": 450,
        "percent": 100,
        "active": False,
    }


def test_it_shows_a_progress_bar_while_an_import_runs(admin, demo):
    item = RosterImport.objects.create(
        school=demo.school("s1"),
        uploaded_by=demo.user("s1_admin"),
        original_name="大文件.xlsx",
        status=RosterImport.Status.RUNNING,
        total_rows=2000,
        processed_rows=500,
    )
    page = html(detail(admin, item))
    assert 'id="roster-progress"' in page and 'value="25"' in page
    assert "js/roster-progress.js" in page and "<script>" not in page
    data = admin.get(reverse("schools:roster-import-progress", kwargs={"import_code": item.code})).json()
    assert (data["percent"], data["active"], data["label"]) == (25, True, "正在导入")


def test_it_marks_an_import_failed_when_the_file_is_gone(admin, media):
    upload(admin, xlsx([row(1)]))
    item = last_import()
    (media / item.file.name).unlink()
    confirm(admin, item)
    item.refresh_from_db()
    assert item.status == RosterImport.Status.FAILED
    assert Student.objects.filter(student_number=student_number(1)).count() == 0
    assert "意外错误" in html(detail(admin, item))


# --- the uploaded file ----------------------------------------------------------------------------


def test_it_keeps_the_file_out_of_reach_and_deletes_it_once_imported(
    admin, media, django_capture_on_commit_callbacks
):
    upload(admin, xlsx([row(1)]))
    item = last_import()
    path = media / item.file.name
    assert path.exists() and item.file.name.startswith("imports/")
    assert str(item.code) in item.file.name  # not the uploaded name
    with django_capture_on_commit_callbacks(execute=True):
        confirm(admin, item)
    assert not path.exists()


# --- template, export ----------------------------------------------------------------------------


def test_it_offers_a_template_that_imports_once_filled_in(admin):
    response = admin.get(reverse("schools:roster-template"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS
    assert sheet.cell(row=2, column=3).number_format == "@"
    assert book.worksheets[1].title == "填写说明"
    for column, value in enumerate(row(1).values(), start=1):
        sheet.cell(row=2, column=column, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    upload(admin, buffer.getvalue(), name="模板.xlsx")
    item = RosterImport.objects.get(original_name="模板.xlsx")
    assert item.status == RosterImport.Status.PREVIEWED, item.errors
    assert item.total_rows == 1


def test_it_exports_only_the_schools_own_students_and_neutralises_formulas(
    admin, demo, django_assert_max_num_queries
):
    child = demo.child("刘子涵")
    Student.objects.filter(pk=child.pk).update(other_priority_note='=HYPERLINK("http://x","点我")')
    Guardian.objects.filter(mobile="13900000001").update(name="@SUM(1+1)")
    # 8, plus the access log of every child exported (F12): their codes, and the insert in SQLite's
    # batches of 199 rows (one statement on PostgreSQL).
    with django_assert_max_num_queries(10):
        response = admin.get(reverse("schools:roster-export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    numbers = {r[2] for r in rows[1:]}
    s1 = set(Student.objects.filter(school=demo.school("s1")).values_list("student_number", flat=True))
    assert numbers == s1
    assert demo.child("杨一诺").student_number not in numbers  # an s2 child
    mine = next(r for r in rows[1:] if r[2] == child.student_number)
    assert mine[0] == "刘子涵" and mine[4] == "三年级" and mine[5] == "(1)班"
    assert mine[6] == "'@SUM(1+1)" and mine[7] == "13900000001"
    assert mine[13] == '\'=HYPERLINK("http://x","点我")'
    assert all(cell.data_type != "f" for line in sheet.iter_rows() for cell in line)
    assert AccessLog.objects.filter(
        user=demo.user("s1_admin"), target_id=str(demo.school("s1").code)
    ).exists()
    # The export reads back with the import's own reader: same headers, same rows.
    table = roster.roster_read(data=response.content, kind="xlsx")
    assert len(table.rows) == len(s1)


def test_it_exports_at_a_constant_number_of_queries(admin, demo, django_assert_max_num_queries):
    upload(admin, xlsx([row(i) for i in range(120)]))
    confirm(admin, last_import())
    with django_assert_max_num_queries(10):  # as above: the access log's codes and insert batches
        response = admin.get(reverse("schools:roster-export"))
    assert response.status_code == 200


def test_it_shows_the_upload_page_with_recent_imports_at_a_constant_number_of_queries(
    admin, demo, django_assert_max_num_queries
):
    for _i in range(5):
        upload(admin, xlsx([row(1)]))
    with django_assert_max_num_queries(8):
        response = admin.get(reverse("schools:roster-import"))
    page = html(response)
    assert response.status_code == 200
    assert "表头为第 1 行，第一名学生为第 2 行" in page
    assert page.count("花名册.xlsx") >= 5


# --- who may -------------------------------------------------------------------------------------


def test_it_answers_404_to_another_schools_admin_for_an_import(client, admin, demo):
    upload(admin, xlsx([row(1)]))
    item = last_import()
    client.force_login(demo.user("s2_admin"))
    assert detail(client, item).status_code == 404
    assert confirm(client, item).status_code == 404
    progress = reverse("schools:roster-import-progress", kwargs={"import_code": item.code})
    assert client.get(progress).status_code == 404
    item.refresh_from_db()
    assert item.status == RosterImport.Status.PREVIEWED
    # Their own export holds none of s1's children.
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(reverse("schools:roster-export")).content)).active
    assert demo.child("刘子涵").student_number not in {r[2] for r in sheet.iter_rows(values_only=True)}
    # And naming s1 in the query string does not help.
    assert (
        client.get(reverse("schools:roster-export") + f"?school={demo.school('s1').code}").status_code == 404
    )


@pytest.mark.parametrize("username", ["s1_head31", "s1_parent", "s1_staff", "s1_guard", "zy_bureau"])
def test_it_answers_404_to_everyone_but_school_admins(client, admin, demo, username):
    upload(admin, xlsx([row(1)]))
    item = last_import()
    client.force_login(demo.user(username))
    urls = [
        reverse("schools:roster-import"),
        reverse("schools:roster-export"),
        reverse("schools:roster-template"),
        reverse("schools:roster-import-detail", kwargs={"import_code": item.code}),
        reverse("schools:roster-import-progress", kwargs={"import_code": item.code}),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert upload(client, xlsx([row(2)])).status_code == 404
    assert confirm(client, item).status_code == 404
    item.refresh_from_db()
    assert item.status == RosterImport.Status.PREVIEWED


def test_it_lets_a_superuser_choose_the_school(client, demo):
    client.force_login(demo.user("admin"))
    s2 = demo.school("s2")
    response = upload(client, xlsx([row(1)]), school=s2)
    assert response.status_code == 302
    assert last_import().school == s2


# --- the reader on its own -------------------------------------------------------------------------


def test_it_numbers_rows_as_excel_does_across_blank_rows():
    data = xlsx([row(1), None, None, row(4, 性别="?")])
    table = roster.roster_read(data=data, kind="xlsx")
    assert [number for number, _values in table.rows] == [2, 5]
    _clean, errors = roster.rows_check(table)
    assert [(e.row, e.column) for e in errors] == [(5, "性别")]


def test_it_refuses_values_in_a_column_without_a_header():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    sheet.append([*row(1).values(), "多余"])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(Exception) as caught:
        roster.roster_read(data=buffer.getvalue(), kind="xlsx")
    assert "第 2 行在没有表头的列中有内容" in " ".join(caught.value.messages)


def test_it_neutralises_every_formula_start():
    assert [spreadsheets.neutralise(v) for v in ["=1", "+1", "-1", "@A1", "\t=1", "ok", 5]] == [
        "'=1",
        "'+1",
        "'-1",
        "'@A1",
        "'\t=1",
        "ok",
        5,
    ]
