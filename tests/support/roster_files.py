"""Roster files (花名册) for the import tests: rows of new children that never clash with the demo
roster, as .xlsx or .csv, and the import they make."""

import datetime
import io

import openpyxl
from django.urls import reverse

from schools import roster
from schools.models import RosterImport
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


def xlsx(rows: list[dict], headers=HEADERS) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for values in rows:
        sheet.append([values.get(h) if values else None for h in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[dict], encoding="utf-8-sig") -> bytes:
    lines = [",".join(HEADERS)] + [",".join(str(r[h]) for h in HEADERS) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def last_import() -> RosterImport:
    return RosterImport.objects.order_by("-pk").first()


def confirm(client, item: RosterImport):
    return client.post(reverse("schools:roster-import-detail", kwargs={"import_code": item.code}), {})
