"""A roster as a school register system (学籍系统) exports it, for trying the import and for the
docs: two title rows (the first merged across the sheet), the register's own header spellings
(学生姓名, 学籍号（必填）, 监护人联系电话, 是否留守儿童 …) and columns the portal does not use
(序号, 民族, 家庭住址, 备注). `python manage.py roster_sample` writes one."""

import datetime
import io
import random

from schools.validators import student_number_from_id_base

# The register's header -> the portal's header (None: a column the portal does not use).
REGISTER_COLUMNS = [
    ("序号", None),
    ("学生姓名", "姓名"),
    ("性别", "性别"),
    ("民族", None),
    ("学籍号（必填）", "全国学籍号"),
    ("出生日期", "出生日期"),
    ("年级", "年级"),
    ("班级", "班级"),
    ("家庭住址", None),
    ("监护人姓名", "监护人姓名"),
    ("监护人联系电话", "监护人手机号"),
    ("与学生关系", "与学生关系"),
    ("是否留守儿童", "留守儿童"),
    ("是否进城务工人员随迁子女", "进城务工人员随迁子女"),
    ("备注", None),
]
REGISTER_HEADERS = [header for header, _portal in REGISTER_COLUMNS]
FILLERS = {"民族": "汉族", "家庭住址": "郑州市二七区大学路 1 号", "备注": ""}


def register_table(children: list[dict], *, title: str = "学生花名册", title_rows: int = 2):
    """(rows, merged) of a register export: the title rows, the header row, one row per child
    (a dict by the portal's headers). merged holds ((top, left), (bottom, right)) from 0."""
    rows = [[title] + [""] * (len(REGISTER_HEADERS) - 1)]
    rows += [["导出时间：2026-09-01"] + [""] * (len(REGISTER_HEADERS) - 1) for _i in range(title_rows - 1)]
    rows.append(list(REGISTER_HEADERS))
    for number, child in enumerate(children, start=1):
        line = []
        for header, portal in REGISTER_COLUMNS:
            value = number if header == "序号" else FILLERS.get(header, "")
            line.append(child.get(portal, "") if portal else value)
        rows.append(line)
    merged = [((0, 0), (0, len(REGISTER_HEADERS) - 1))] if title_rows else []
    return rows, merged


def register_xlsx(children: list[dict], **kwargs) -> bytes:
    """The register export as .xlsx bytes."""
    return table_xlsx(*register_table(children, **kwargs))


def table_xlsx(lines: list[list], merged=()) -> bytes:
    """Rows as they stand (title rows included) as .xlsx bytes, with merged ranges
    ((top, left), (bottom, right)) counted from 0."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "学生信息"
    for line in lines:
        sheet.append(line)
    for (top, left), (bottom, right) in merged:
        sheet.merge_cells(start_row=top + 1, start_column=left + 1, end_row=bottom + 1, end_column=right + 1)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def sample_children(count: int, *, seed: int = 15) -> list[dict]:
    """Fictitious children (dicts by the portal's headers) with valid 学籍号; area code 410103."""
    rng = random.Random(seed)
    surnames, given = "王李张刘陈杨赵黄周吴", "子涵一诺梓萱浩宇欣怡宇轩思远雨桐"
    children = []
    for i in range(count):
        birth = datetime.date(2018, 1, 1) + datetime.timedelta(days=rng.randrange(365))
        surname = surnames[i % len(surnames)]
        children.append(
            {
                "姓名": surname + rng.choice(given) + rng.choice(given),
                "性别": rng.choice("男女"),
                "全国学籍号": student_number_from_id_base(f"410103{birth:%Y%m%d}{i % 1000:03d}"),
                "出生日期": f"{birth:%Y-%m-%d}",
                "年级": "二年级",
                "班级": f"{i % 2 + 1}班",
                "监护人姓名": surname + rng.choice("建国秀英志强丽华"),
                "监护人手机号": f"1390371{i:04d}",
                "与学生关系": rng.choice(["父亲", "母亲", "祖父", "祖母"]),
                "留守儿童": "是" if i % 10 == 3 else "否",
                "进城务工人员随迁子女": "是" if i % 10 == 7 else "否",
            }
        )
    return children


def register_column_plan() -> dict:
    """The column plan a register export's headers give (kept on the demo's roster imports)."""
    from schools.roster.reading import column_plan

    lines, _merged = register_table([])
    return column_plan(lines[-1], header_row=len(lines), width=len(REGISTER_HEADERS)).as_dict()
