"""A report as an .xlsx workbook: a cover sheet, then one sheet per table. Text cells pass
schools.spreadsheets.neutralise, so a school or region name can never run as a formula."""

import io
import re

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from oversight.reports.content import Content
from schools.spreadsheets import neutralise

BOLD = Font(bold=True)


def _sheet_title(title: str, used: set) -> str:
    name = re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "Sheet"
    while name in used:
        name = name[:28] + f"_{len(used)}"
    used.add(name)
    return name


def _cell(value):
    return neutralise(value) if isinstance(value, str) else value


def render(content: Content) -> bytes:
    book = Workbook()
    cover = book.active
    used: set = set()
    cover.title = _sheet_title(content.tables[0].title if len(content.tables) == 1 else _("Report"), used)
    cover.append([_cell(content.title)])
    cover["A1"].font = Font(bold=True, size=14)
    for line in content.lines:
        cover.append([_cell(line)])
    cover.append([])
    sheets = [(cover, content.tables[0])] if len(content.tables) == 1 else []
    if not sheets:
        for table in content.tables:
            sheets.append((book.create_sheet(_sheet_title(table.title, used)), table))
    for sheet, table in sheets:
        start = sheet.max_row + 1 if sheet is cover else 1
        sheet.append([_cell(h) for h in table.headers])
        for cell in sheet[start]:
            cell.font = BOLD
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in table.rows:
            sheet.append([_cell(v) for v in row])
        if table.total_row:
            for cell in sheet[sheet.max_row]:
                cell.font = BOLD
        sheet.freeze_panes = sheet.cell(row=start + 1, column=2)
        for i, _h in enumerate(table.headers, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = 28 if i == 1 else 12
    if content.signature:
        cover.append([])
        for line in content.signature:
            cover.append([_cell(line)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
