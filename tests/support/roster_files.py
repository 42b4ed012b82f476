"""Roster files (花名册) for the import tests: rows of new children that never clash with the demo
roster, as .xlsx, .xls or .csv, plain or as a school register system (学籍系统) exports them, and
the import they make."""

import csv
import datetime
import io
import os
import zipfile

import openpyxl
from django.urls import reverse

from schools import roster
from schools.models import GRADE_NAMES, Guardianship, RosterImport, Student
from schools.roster.samples import register_table
from schools.validators import student_number_from_id_base

HEADERS = roster.HEADERS


def student_number(i: int, birth: datetime.date = datetime.date(2018, 5, 6)) -> str:
    # 410103 (二七区): no demo child has it, so these never clash with the demo roster.
    base = f"410103{birth:%Y%m%d}{i % 1000:03d}"
    return student_number_from_id_base(base)


def row(i: int, **changes) -> dict:
    values = {
        "姓名": f"王同学{i}",
        "性别": "男" if i % 2 else "女",
        "全国学籍号": student_number(i),
        "出生日期": "2018-05-06",
        "年级": "三年级",
        "班级": "(1)班",
        "监护人姓名": f"王家长{i}",
        "监护人手机号": f"1528888{i:04d}",
        "与学生关系": "父亲",
        "留守儿童": "否",
        "进城务工人员随迁子女": "",
        "低收入家庭": "",
        "残疾": "",
        "其他需要": "",
    }
    values.update(changes)
    return values


def stored_row(child: Student, **changes) -> dict:
    """The roster row of a stored child as the school's register would export it."""
    guardianship = (
        Guardianship.objects.filter(student=child, ended_at__isnull=True)
        .select_related("guardian")
        .order_by("pk")
        .first()
    )
    values = {
        "姓名": child.name,
        "性别": "男" if child.gender == "M" else "女",
        "全国学籍号": child.student_number,
        "出生日期": child.birth_date.isoformat(),
        "年级": f"{GRADE_NAMES[child.class_group.grade]}年级",
        "班级": f"({child.class_group.number})班",
        "监护人姓名": guardianship.guardian.name,
        "监护人手机号": guardianship.guardian.mobile,
        "与学生关系": guardianship.relationship,
        "留守儿童": "是" if child.left_behind else "否",
        "进城务工人员随迁子女": "是" if child.migrant else "",
        "低收入家庭": "",
        "残疾": "",
        "其他需要": "",
    }
    values.update(changes)
    return values


def enrolled(school) -> list[Student]:
    return list(
        Student.objects.filter(school=school, active=True, guardianship__ended_at__isnull=True)
        .select_related("class_group")
        .distinct()
        .order_by("pk")
    )


def xlsx(rows: list[dict], headers=HEADERS) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for values in rows:
        sheet.append([values.get(h) if values else None for h in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def padded_xlsx(rows: list[dict], size: int) -> bytes:
    """An .xlsx of these rows grown to about `size` bytes by a stored picture (a school's logo, as
    real exports carry), which openpyxl leaves alone: a large upload that imports quickly."""
    buffer = io.BytesIO(xlsx(rows))
    room = size - len(buffer.getvalue())
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("xl/media/image1.png", os.urandom(max(room, 0)))
    return buffer.getvalue()


def csv_bytes(rows: list[dict], encoding="utf-8-sig") -> bytes:
    lines = [",".join(HEADERS)] + [",".join(str(r[h]) for h in HEADERS) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def table_csv(lines: list[list], encoding: str) -> bytes:
    """Rows as they stand (title rows included) as CSV text in the given encoding."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(lines)
    return buffer.getvalue().encode(encoding)


def table_xls(lines: list[list], merged=()) -> bytes:
    """The same as an old Excel file (.xls, BIFF8), written by xlwt."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("学生信息")
    covered = set()
    for (top, left), (bottom, right) in merged:
        sheet.write_merge(top, bottom, left, right, lines[top][left])
        covered |= {(r, c) for r in range(top, bottom + 1) for c in range(left, right + 1)}
    for r, line in enumerate(lines):
        for c, value in enumerate(line):
            if (r, c) not in covered and value not in ("", None):
                sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def register(rows: list[dict], *, renames: dict | None = None, title_rows: int = 2) -> tuple[list, list]:
    """(lines, merged) of a register export of these children; renames changes register headers."""
    lines, merged = register_table(rows, title_rows=title_rows)
    header = lines[title_rows]
    lines[title_rows] = [(renames or {}).get(h, h) for h in header]
    return lines, merged


def last_import() -> RosterImport:
    return RosterImport.objects.order_by("-pk").first()


def confirm(client, item: RosterImport):
    return client.post(reverse("schools:roster-import-detail", kwargs={"import_code": item.code}), {})
