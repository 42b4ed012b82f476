"""F10: exports neutralise spreadsheet formulas; uploads are size-limited (tests/schools/
test_roster_import.py: oversize file, zip bomb) and parsed with defusedxml, so an XML entity bomb
in a workbook is refused instead of expanded."""

import io
import zipfile

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from safety.selectors import attendance_export
from schools import roster

BOMB = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n'
)


def workbook_with_entity_bomb() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["姓名"])
    book.active.append(["占位"])
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename in ("xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"):
                text = data.decode()
                body = text[text.index("?>") + 2 :].lstrip() if text.startswith("<?xml") else text
                data = (BOMB + body).replace("占位", "&lol3;").encode()
            target.writestr(info, data)
    return out.getvalue()


def test_openpyxl_parses_with_defusedxml():
    from openpyxl import xml

    assert xml.DEFUSEDXML is True


def test_a_workbook_with_an_xml_entity_bomb_is_refused():
    from defusedxml import EntitiesForbidden

    data = workbook_with_entity_bomb()
    with pytest.raises(ValidationError) as exc:
        roster.roster_read(data=data, kind="xlsx")
    assert exc.value.code == "unreadable"
    # Refused by defusedxml (the entity declaration), not by chance.
    with pytest.raises(ValueError) as raw:
        list(openpyxl.load_workbook(io.BytesIO(data), read_only=True).worksheets[0].iter_rows())
    assert isinstance(raw.value.__context__ or raw.value.__cause__, EntitiesForbidden)


def test_the_attendance_export_neutralises_formulas():
    """Leave reasons are typed by parents: a reason that looks like a formula stays text."""
    book = openpyxl.Workbook()
    sheet = attendance_export._sheet(
        book,
        "考勤",
        ["原因"],
        [['=HYPERLINK("http://x","点击")'], ["+1"], ["@SUM(A1)"], ["请假"]],
        first=True,
    )
    values = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert values == ['\'=HYPERLINK("http://x","点击")', "'+1", "'@SUM(A1)", "请假"]
