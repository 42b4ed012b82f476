"""A report as a PDF (fpdf2), A4 landscape, in a font that covers Chinese: REPORT_FONT_PATH, by
default Debian's WenQuanYi Micro Hei, which bin/ensure-fonts installs (make run and make test call it).
The whole font is available, so any school's name renders; fpdf2 embeds only the glyphs used."""

import logging
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

from oversight.reports.content import Content

# fontTools logs every subsetting step at INFO: a page of glyph names per report.
logging.getLogger("fontTools").setLevel(logging.WARNING)
FAMILY = "report-cjk"
HEADINGS = FontFace(fill_color=(230, 236, 245))
TOTAL = FontFace(fill_color=(245, 245, 245))


def font_path() -> Path:
    path = Path(settings.REPORT_FONT_PATH)
    if not path.is_file():
        raise ImproperlyConfigured(
            f"REPORT_FONT_PATH {path} is missing: run bin/ensure-fonts (apt-get install fonts-wqy-microhei)"
        )
    return path


def _text(value) -> str:
    return "" if value is None else str(value)


class _Document(FPDF):
    def footer(self):
        self.set_y(-12)
        self.set_font(FAMILY, size=8)
        self.cell(0, 8, _("Page %(page)s") % {"page": self.page_no()}, align="C")


def render(content: Content) -> bytes:
    pdf = _Document(orientation="landscape", format="A4")
    pdf.set_title(content.title)
    pdf.set_creator("AfterSchool")
    pdf.add_font(FAMILY, fname=str(font_path()))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font(FAMILY, size=16)
    pdf.multi_cell(0, 10, content.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=9)
    for line in content.lines:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    for table in content.tables:
        pdf.ln(4)
        pdf.set_font(FAMILY, size=12)
        pdf.cell(0, 8, table.title, new_x="LMARGIN", new_y="NEXT")
        wide = len(table.headers) > 2
        pdf.set_font(FAMILY, size=6.5 if wide else 9)
        # The figures' columns share what the two name columns leave of the page, 14 mm at most.
        other = min(14, int((pdf.epw - 46) * 10 / max(len(table.headers) - 2, 1)) / 10)
        widths = (30, 16) + (other,) * (len(table.headers) - 2) if wide else (90, 40)
        with pdf.table(
            col_widths=widths,
            width=sum(widths),
            align="LEFT",
            headings_style=HEADINGS,
            line_height=4 if wide else 6,
            text_align="LEFT",
            repeat_headings=1,
        ) as grid:
            grid.row([_text(h) for h in table.headers])
            for i, values in enumerate(table.rows):
                last = table.total_row and i == len(table.rows) - 1
                grid.row([_text(v) for v in values], style=TOTAL if last else None)
    if content.signature:
        pdf.ln(8)
        pdf.set_font(FAMILY, size=10)
        for i in range(0, len(content.signature), 2):
            pair = content.signature[i : i + 2]
            pdf.cell(130, 9, pair[0])
            pdf.cell(0, 9, pair[1] if len(pair) > 1 else "", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
