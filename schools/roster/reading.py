"""Reading a roster file as schools have them: the upload checks (size, extension, content by its
magic bytes, zip bombs), then the rows of an .xlsx, .xls or .csv (UTF-8 with or without BOM, or
GB18030/GBK). The header row is found among the first rows (a title above it, blank rows, merged
cells), headers are matched by a rule (columns.header_key) and the columns become a ColumnPlan:
matched, ambiguous (the school admin chooses) and ignored."""

import csv
import io
import unicodedata
import zipfile
from itertools import islice

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export.formats import base_formats

from schools.phones import normalise_text
from schools.roster.columns import (
    COLUMNS,
    FIELD_OF_KEY,
    GROUP_SUFFIXES,
    GUARDIAN_PREFIXES,
    HEADER_OF,
    HEADER_SCAN,
    HEADERS,
    MAX_ROWS,
    MAX_UNPACKED,
    RESEMBLES,
    STUDENT_PREFIXES,
    ColumnPlan,
    Table,
    header_key,
)
from schools.roster.rows import names_a_child

XLSX_MAGIC = b"PK\x03\x04"  # a zip archive
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE2 compound file (Excel 97-2003)


def upload_check(upload) -> str:
    """The upload's kind by its content, "xlsx", "xls" or "csv", after checking its size, name
    and content.

    Raises ValidationError(code="too_large", "macro", "kind", "not_xlsx", "not_csv", "empty").
    """
    limit = settings.ROSTER_IMPORT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("The file is larger than %(size)s MB. Split the roster into several files."),
            code="too_large",
            params={"size": f"{limit / 1024 / 1024:g}"},
        )
    if upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    name = (upload.name or "").lower()
    extension = name.rsplit(".", 1)[-1] if "." in name else ""
    if extension in ("xlsm", "xltm", "xlsb", "xlam"):
        raise ValidationError(
            _("Workbooks with macros are not accepted. Save the roster as an Excel workbook (.xlsx)."),
            code="macro",
        )
    if extension not in ("xlsx", "xls", "csv"):
        raise ValidationError(
            _("Only Excel workbooks (.xlsx or .xls) and CSV files (.csv) can be imported."), code="kind"
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = _sniff(head, extension)
    if kind == "xlsx":
        _check_xlsx(upload)
    upload.seek(0)
    return kind


def _sniff(head: bytes, extension: str) -> str:
    """The kind the content shows (a renamed workbook is read as what it is); the extension only
    says whether a spreadsheet or a text file was meant."""
    if head.startswith(XLSX_MAGIC):
        kind = "xlsx"
    elif head.startswith(XLS_MAGIC):
        kind = "xls"
    else:
        kind = "csv" if b"\x00" not in head else ""
    if extension == "csv" and kind != "csv":
        raise ValidationError(
            _("This is not a CSV text file. Save the roster from Excel as “CSV UTF-8” or as .xlsx."),
            code="not_csv",
        )
    if extension != "csv" and kind not in ("xlsx", "xls"):
        raise ValidationError(
            _(
                "This file is not a real Excel workbook (.xlsx or .xls); it may have been renamed. "
                "Open it in Excel and save it as .xlsx."
            ),
            code="not_xlsx",
        )
    return kind


def _check_xlsx(stream) -> None:
    not_xlsx = ValidationError(
        _(
            "This file is not a real Excel workbook (.xlsx or .xls); it may have been renamed. "
            "Open it in Excel and save it as .xlsx."
        ),
        code="not_xlsx",
    )
    try:
        with zipfile.ZipFile(stream) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
                raise not_xlsx
            content_types = archive.read("[Content_Types].xml")
    except (zipfile.BadZipFile, OSError, EOFError, KeyError):
        raise not_xlsx from None
    if any(n.lower().endswith("vbaproject.bin") for n in names) or b"macroEnabled" in content_types:
        raise ValidationError(
            _("Workbooks with macros are not accepted. Save the roster as an Excel workbook (.xlsx)."),
            code="macro",
        )
    if sum(info.file_size for info in infos) > MAX_UNPACKED:
        raise ValidationError(_("The workbook is too large once unpacked."), code="too_large")


# --- reading ----------------------------------------------------------------------------------


class RosterXLSX(base_formats.XLSX):
    """import-export's .xlsx format, which the export writes with."""


def csv_decode(data: bytes) -> str:
    """Raises ValidationError(code="encoding")."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(
        _("The CSV file could not be read. Save it from Excel as “CSV UTF-8”."), code="encoding"
    )


def _sheet(data: bytes, kind: str) -> tuple[list[list], list]:
    """The first sheet's rows from A1, blank rows kept so that row numbers match Excel's, and its
    merged ranges. Workbooks (.xlsx and .xls) are read by calamine as data: the values Excel
    stored, never a formula evaluated, no macro run."""
    limit = MAX_ROWS + HEADER_SCAN + 1
    if kind == "csv":
        text = csv_decode(data)
        return [list(row) for row in islice(csv.reader(io.StringIO(text, newline="")), limit)], []
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    indent = [""] * sheet.start[1] if sheet.start else []  # iter_rows starts at the first used column
    rows = [indent + list(row) for row in islice(sheet.iter_rows(), limit)]
    return rows, list(sheet.merged_cell_ranges or [])


def _filled(value) -> bool:
    return value is not None and (not isinstance(value, str) or bool(value.strip()))


def _header_row(rows: list[list]) -> int:
    """The index of the row among the first ones that names the most fields."""
    best, best_count = None, 0
    for index, row in enumerate(rows[:HEADER_SCAN]):
        count = len({FIELD_OF_KEY[key] for key in map(header_key, row) if key in FIELD_OF_KEY})
        if count > best_count:
            best, best_count = index, count
    if best is None:
        raise ValidationError(
            _(
                "No row of column headers was found in the first %(count)s rows. "
                "The columns are: %(columns)s."
            ),
            code="headers",
            params={"count": HEADER_SCAN, "columns": "、".join(HEADERS)},
        )
    return best


def _fill_merged(rows: list[list], merged: list, *, first: int, width: int) -> None:
    """A merged cell below the headers (a class written once for several children) gives its value
    to every cell it covers."""
    for (top, left), (bottom, right) in merged:
        if top < first or top >= len(rows) or left >= len(rows[top]):
            continue
        value = rows[top][left]
        for row in rows[top : min(bottom, len(rows) - 1) + 1]:
            for column in range(left, min(right, width - 1, len(row) - 1) + 1):
                row[column] = value


def _group_person(value) -> str | None:
    """The person a group header names (学生信息 → 学生, 监护人信息 → 监护人); None for other text."""
    text = "".join(unicodedata.normalize("NFKC", str(value)).split()) if _filled(value) else ""
    for suffix in GROUP_SUFFIXES:
        person = text.removesuffix(suffix)
        if person != text and person in STUDENT_PREFIXES + GUARDIAN_PREFIXES:
            return person
    return None


def _header_labels(rows: list[list], index: int, merged: list, width: int) -> list:
    """The column headers, read from the header row and the row above it together (a two-level
    header): a group above (学生信息, 监护人信息; merged over its columns, or without merged cells
    running to the next value) puts its person before each header below it, so that 监护人信息 +
    姓名 is the guardian's name; a header written in the row above with none below (序号 merged down
    both rows) is that one. A title above the header row is neither."""
    header = [*rows[index], *[""] * (width - len(rows[index]))]
    if index == 0:
        return header
    upper = [*rows[index - 1], *[""] * (width - len(rows[index - 1]))]
    spans = {}  # column -> (the merged value above it, whether it reaches down into the header row)
    for (top, left), (bottom, right) in merged:
        if top == index - 1 and left < width:
            for column in range(left, min(right, width - 1) + 1):
                spans[column] = (upper[left], bottom >= index)
    labels, person = [], None
    for column, own in enumerate(header):
        if column in spans:
            value, down = spans[column]
            person = _group_person(value)
        elif _filled(upper[column]):
            value, down = upper[column], True
            person = _group_person(value)
        else:
            value, down = None, False
        if _filled(own):
            labels.append(f"{person}{normalise_text(str(own))}" if person else own)
        elif down and _filled(value) and not person:
            labels.append(value)
        else:
            labels.append(own)
    return labels


def _headerless_rows(rows: list[list], index: int, width: int, header: list) -> list[int]:
    """The rows below the header with a value of their own in a column without one (read before
    merged cells spread): such a row may have slipped, and is refused unless it is the footer."""
    blank = [c for c in range(width) if c >= len(header) or not _filled(header[c])]
    return [
        number
        for number, row in enumerate(rows[index + 1 :], start=index + 2)
        if any(c < len(row) and _filled(row[c]) for c in blank)
    ]


def _footer_rows(rows: list[list], index: int, plan: ColumnPlan) -> list[int]:
    """The table's footer: the rows after the last one naming a child (rows.names_a_child) that
    name none (制表人：…, 合计：45人, 填表日期, a note merged across the row). A row like them above
    a child's row is not footer: it is checked, and refused, like any row. No footer without a
    child's row above it."""
    columns = {name: [column] for name, column in plan.matched.items()}
    for name, candidates in plan.ambiguous.items():
        columns[name] = candidates
    footer = []
    for number in range(len(rows), index + 1, -1):
        row = rows[number - 1]
        if not any(_filled(v) for v in row):
            continue
        if names_a_child(tuple(row), columns):
            return sorted(footer)
        footer.append(number)
    return []


def _resembles(key: str) -> str | None:
    found = [(len(part), name) for part, name in RESEMBLES.items() if key and part in key]
    return max(found)[1] if found else None


def column_plan(header: list, *, header_row: int, width: int, chosen: dict | None = None) -> ColumnPlan:
    """Which column feeds which field: a header that names a field once is matched; a field that
    two columns name, or that a column only resembles, is ambiguous until the school admin
    chooses (chosen: field name -> column, or -1 for none); every other column is ignored."""
    labels = [normalise_text(str(v)) if _filled(v) else "" for v in header]
    labels += [""] * (width - len(labels))
    plan = ColumnPlan(header_row=header_row, labels=labels)
    named, resembling = {}, {}
    for index, label in enumerate(labels):
        key = header_key(label)
        if key in FIELD_OF_KEY:
            named.setdefault(FIELD_OF_KEY[key], []).append(index)
        elif name := _resembles(key):
            resembling.setdefault(name, []).append(index)
        else:
            plan.ignored.append(index)
    for _header, name, _required in COLUMNS:
        columns = named.get(name, []) + resembling.get(name, [])
        if len(columns) == 1 and name in named:
            plan.matched[name] = columns[0]
        elif columns:
            plan.ambiguous[name] = sorted(columns)
    for name, column in (chosen or {}).items():
        candidates = plan.ambiguous.get(name, [])
        if column in candidates or (column == -1 and candidates):
            del plan.ambiguous[name]
            if column != -1:
                plan.matched[name] = column
            plan.ignored += [c for c in candidates if c != column]
    plan.ignored.sort()
    return plan


def roster_read(*, data: bytes, kind: str, columns: dict | None = None) -> Table:
    """The rows of a roster file below its header row, found among the first rows (title rows and
    blank rows above it are skipped) and above its footer, with the plan of its columns (and the
    footer's rows). columns: the school admin's
    choice for ambiguous columns (field name -> column).

    Raises ValidationError(code="unreadable", "headers", "no_rows", "too_many_rows", "encoding").
    """
    try:
        rows, merged = _sheet(data, kind)
    except ValidationError:
        raise
    except Exception:  # calamine and csv raise many kinds of errors on a damaged file
        raise ValidationError(
            _("The file could not be read. Open it in Excel, save it again as .xlsx and upload that."),
            code="unreadable",
        ) from None
    index = _header_row(rows)
    if len(rows) - index - 1 > MAX_ROWS:
        raise ValidationError(
            _("The file has more than %(max)s rows. Split it into several files."),
            code="too_many_rows",
            params={"max": MAX_ROWS},
        )
    width = max(len(row) for row in rows[index:])
    header = _header_labels(rows, index, merged, width)
    headerless = _headerless_rows(rows, index, width, header)
    _fill_merged(rows, merged, first=index + 1, width=width)
    plan = column_plan(header, header_row=index + 1, width=width, chosen=columns)
    plan.footer_rows = _footer_rows(rows, index, plan)
    footer = set(plan.footer_rows)
    if slipped := [number for number in headerless if number not in footer]:
        raise ValidationError(
            _("Row %(row)s has values in a column without a header."),
            code="headerless",
            params={"row": slipped[0]},
        )
    missing = [
        ValidationError(_("The column “%(header)s” is missing."), code="headers", params={"header": header})
        for header, name, required in COLUMNS
        if required and name not in plan.matched and name not in plan.ambiguous
    ]
    if missing:
        raise ValidationError(missing)
    body = [
        (number, tuple(row) + ("",) * (width - len(row)))
        for number, row in enumerate(rows[index + 1 :], start=index + 2)
        if any(_filled(v) for v in row) and number not in footer
    ]
    if not body:
        raise ValidationError(_("The file has no student rows below the header."), code="no_rows")
    plan.ignored = [i for i in plan.ignored if plan.labels[i]]
    order = sorted(plan.matched.items(), key=lambda item: item[1])
    return Table(headers=[HEADER_OF[name] for name, _i in order], columns=dict(order), rows=body, plan=plan)
