"""Activation slips as a PDF (fpdf2, as the bureau reports): A4 portrait, four slips a page, cut
along the dashed lines, in the Chinese font at REPORT_FONT_PATH (bin/ensure-fonts installs it).
Built in memory for the response that prints the codes; never written to disk."""

import logging
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from fpdf import FPDF

logging.getLogger("fontTools").setLevel(logging.WARNING)  # subsetting logs a page of glyph names
FAMILY = "slip-cjk"
PER_PAGE = 4
SLIP_HEIGHT = 66  # mm; four fit on an A4 page between the margins


def slips_pdf(*, school_name: str, class_name: str, slips: list[dict], activate_url: str, expires) -> bytes:
    """slips: dicts with "children", "mobile" (masked), "username" and "code" (shown once)."""
    path = Path(settings.REPORT_FONT_PATH)
    if not path.is_file():
        raise ImproperlyConfigured(f"REPORT_FONT_PATH {path} is missing: run bin/ensure-fonts")
    pdf = FPDF(orientation="portrait", format="A4")
    pdf.set_title(_("Activation slips"))
    pdf.set_creator("AfterSchool")
    pdf.add_font(FAMILY, fname=str(path))
    pdf.set_auto_page_break(auto=False)
    for index, slip in enumerate(slips):
        if index % PER_PAGE == 0:
            pdf.add_page()
        top = 12 + (index % PER_PAGE) * (SLIP_HEIGHT + 4)
        pdf.set_dash_pattern(dash=2, gap=2)
        pdf.rect(12, top, 186, SLIP_HEIGHT)
        pdf.set_dash_pattern()
        pdf.set_xy(16, top + 4)
        pdf.set_font(FAMILY, size=12)
        heading = " · ".join(filter(None, [school_name, class_name, _("Account activation")]))
        pdf.cell(178, 7, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FAMILY, size=10)
        lines = []
        if slip.get("children"):
            lines.append(f"{_('Child')}: {'、'.join(slip['children'])}")
        if slip.get("mobile"):
            lines.append(f"{_('Mobile number')}: {slip['mobile']}")
        if slip.get("username"):
            lines.append(f"{_('Username')}: {slip['username']}")
        lines.append(f"{_('Valid until')}: {expires:%Y-%m-%d}")
        for line in lines:
            pdf.set_x(16)
            pdf.cell(178, 6, line, new_x="LMARGIN", new_y="NEXT")
        pdf.set_x(16)
        pdf.set_font(FAMILY, size=18)
        pdf.cell(178, 11, f"{_('Activation code')}: {slip['code']}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FAMILY, size=9)
        pdf.set_x(16)
        pdf.multi_cell(
            178,
            5,
            _(
                "Open %(activate_url)s on your phone, enter your mobile number (or username) and this "
                "code, and choose your own password. The code works once; the school can give you a new one."
            )
            % {"activate_url": activate_url},
        )
    if not slips:
        pdf.add_page()
        pdf.set_font(FAMILY, size=12)
        pdf.cell(0, 10, _("Every parent of this class has already activated their account."))
    return bytes(pdf.output())
