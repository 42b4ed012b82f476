"""Printable sign-in and pick-up sheets of one session (fpdf2, in the Chinese font of the reports,
REPORT_FONT_PATH) for a day without network: the children expected (enrollment.days through
safety.selectors.rosters), a column to sign on arrival and one at pick-up, and each child's valid
guardians and authorised pick-up persons, by name with the identity number masked. Built in memory
for the response; never written to disk."""

import logging
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from fpdf import FPDF

logging.getLogger("fontTools").setLevel(logging.WARNING)
FAMILY = "sheet-cjk"
# mm on A4 landscape (277 mm between the margins): number, child, class, status, arrived, signature,
# picked up by (names), time, signature.
COLUMNS = [8, 26, 24, 22, 16, 30, 95, 16, 40]
ROW = 10


def _header(pdf: FPDF, title: str, lines: list[str]) -> None:
    pdf.add_page()
    pdf.set_font(FAMILY, size=14)
    pdf.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=10)
    for line in lines:
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    headings = [
        _("No."),
        _("Child"),
        _("Class"),
        _("Note"),
        _("Arrived"),
        _("Signature on arrival"),
        _("May be picked up by"),
        _("Left at"),
        _("Signature of the person collecting"),
    ]
    pdf.set_font(FAMILY, size=8)
    for width, heading in zip(COLUMNS, headings, strict=True):
        pdf.multi_cell(width, ROW / 2, heading, border=1, new_x="RIGHT", new_y="TOP", max_line_height=ROW / 2)
    pdf.ln(ROW)


def session_sheet_pdf(*, title: str, lines: list[str], rows: list[dict]) -> bytes:
    """rows: dicts with "child", "class", "note" and "pickups" (strings, names with masked ids)."""
    path = Path(settings.REPORT_FONT_PATH)
    if not path.is_file():
        raise ImproperlyConfigured(f"REPORT_FONT_PATH {path} is missing: run bin/ensure-fonts")
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_title(title)
    pdf.set_creator("AfterSchool")
    pdf.add_font(FAMILY, fname=str(path))
    pdf.set_auto_page_break(auto=False)
    _header(pdf, title, lines)
    for index, row in enumerate(rows, start=1):
        if pdf.get_y() + ROW > pdf.h - 15:
            _header(pdf, title, lines)
        pdf.set_font(FAMILY, size=9)
        cells = [
            str(index),
            row["child"],
            row["class"],
            row["note"],
            "",
            "",
            "、".join(row["pickups"]),
            "",
            "",
        ]
        for width, text in zip(COLUMNS, cells, strict=True):
            size = 7 if pdf.get_string_width(text) > width - 2 else 9
            pdf.set_font(FAMILY, size=size)
            pdf.multi_cell(width, ROW, text, border=1, new_x="RIGHT", new_y="TOP", max_line_height=ROW / 2.5)
        pdf.ln(ROW)
    if not rows:
        pdf.set_font(FAMILY, size=10)
        pdf.cell(0, 8, _("No child is expected at this session."), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
