"""Reading a roster file: the upload checks (size, extension, content, zip bombs) and the rows
of an .xlsx or .csv, through django-import-export's formats."""

import csv
import io
import zipfile
from itertools import islice

import tablib
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export.formats import base_formats

from schools.phones import normalise_text
from schools.roster.columns import ALIASES, FIELD_OF, HEADERS, MAX_ROWS, MAX_UNPACKED, REQUIRED, Table


def upload_check(upload) -> str:
    """The upload's kind, "xlsx" or "csv", after checking its size, name and content.

    Raises ValidationError(code="too_large", "macro", "xls", "kind", "not_xlsx", "not_csv", "empty").
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
    kind = name.rsplit(".", 1)[-1] if "." in name else ""
    if kind in ("xlsm", "xltm", "xlsb", "xlam"):
        raise ValidationError(
            _("Workbooks with macros are not accepted. Save the roster as an Excel workbook (.xlsx)."),
            code="macro",
        )
    if kind in ("xls", "et", "wps"):
        raise ValidationError(
            _(
                "Old Excel files (.xls) are not accepted. "
                "Save the roster as an Excel workbook (.xlsx) or CSV."
            ),
            code="xls",
        )
    if kind not in ("xlsx", "csv"):
        raise ValidationError(
            _("Only Excel workbooks (.xlsx) and CSV files (.csv) can be imported."), code="kind"
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    if kind == "xlsx":
        _check_xlsx(upload)
    elif head.startswith(b"PK\x03\x04") or b"\x00" in head:
        raise ValidationError(
            _("This is not a CSV text file. Save the roster from Excel as “CSV UTF-8” or as .xlsx."),
            code="not_csv",
        )
    upload.seek(0)
    return kind


def _check_xlsx(stream) -> None:
    not_xlsx = ValidationError(
        _(
            "This file is not a real Excel workbook (.xlsx); it may have been renamed. "
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
    """import-export's .xlsx format, reading the first sheet by values only (openpyxl read-only,
    defusedxml) and keeping blank rows so that row numbers match Excel's."""

    def create_dataset(self, in_stream):
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(in_stream), read_only=True, data_only=True)
        try:
            return _dataset(book.worksheets[0].iter_rows(values_only=True))
        finally:
            book.close()


class RosterCSV(base_formats.CSV):
    """import-export's CSV format; decodes UTF-8 (with or without BOM) or GB18030 (what Excel on a
    Chinese Windows writes) and keeps blank lines so that row numbers match Excel's."""

    def create_dataset(self, in_stream):
        text = csv_decode(in_stream) if isinstance(in_stream, bytes) else in_stream
        return _dataset(csv.reader(io.StringIO(text, newline="")))


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


def _dataset(rows) -> tablib.Dataset:
    """A tablib Dataset of every row, padded to the header's width; blank rows kept as None."""
    rows = iter(rows)
    headers = list(next(rows, None) or [])
    while headers and (headers[-1] is None or str(headers[-1]).strip() == ""):
        headers.pop()
    if not headers:
        return tablib.Dataset()
    dataset = tablib.Dataset(headers=headers)
    width = len(headers)
    for number, row in enumerate(islice(rows, MAX_ROWS + 1), start=2):
        row = tuple(row)
        if len(row) > width:
            if any(v is not None and str(v).strip() for v in row[width:]):
                raise ValidationError(
                    _("Row %(row)s has values in a column without a header."),
                    code="headerless",
                    params={"row": number},
                )
            row = row[:width]
        elif len(row) < width:
            row = row + (None,) * (width - len(row))
        dataset.append(row)
    return dataset


FORMATS = {"xlsx": RosterXLSX, "csv": RosterCSV}


def roster_read(*, data: bytes, kind: str) -> Table:
    """The rows of a roster file with checked headers.

    Raises ValidationError(code="unreadable", "headers", "no_rows", "too_many_rows", "encoding").
    """
    try:
        dataset = FORMATS[kind]().create_dataset(data)
    except ValidationError:
        raise
    except Exception:  # openpyxl and csv raise many kinds of errors on a damaged file
        raise ValidationError(
            _("The file could not be read. Open it in Excel, save it again as .xlsx and upload that."),
            code="unreadable",
        ) from None
    if not dataset.headers:
        raise ValidationError(_("The first row must hold the column headers."), code="headers")
    headers, problems = [], []
    for raw in dataset.headers:
        header = _header(raw)
        if header not in FIELD_OF:
            problems.append(
                ValidationError(
                    _("Unknown column “%(header)s”. The columns are: %(columns)s."),
                    code="headers",
                    params={"header": normalise_text(str(raw or "")) or "?", "columns": "、".join(HEADERS)},
                )
            )
        elif header in headers:
            problems.append(
                ValidationError(
                    _("The column “%(header)s” appears twice."), code="headers", params={"header": header}
                )
            )
        headers.append(header)
    for header in REQUIRED:
        if header not in headers:
            problems.append(
                ValidationError(
                    _("The column “%(header)s” is missing."), code="headers", params={"header": header}
                )
            )
    if problems:
        raise ValidationError(problems)
    if dataset.height > MAX_ROWS:
        raise ValidationError(
            _("The file has more than %(max)s rows. Split it into several files."),
            code="too_many_rows",
            params={"max": MAX_ROWS},
        )
    rows = [
        (number, values)
        for number, values in enumerate(dataset, start=2)
        if any(v is not None and (not isinstance(v, str) or v.strip()) for v in values)
    ]
    if not rows:
        raise ValidationError(_("The file has no student rows below the header."), code="no_rows")
    return Table(headers=headers, columns={FIELD_OF[h]: i for i, h in enumerate(headers)}, rows=rows)


def _header(raw) -> str:
    text = normalise_text(str(raw or "")).replace(" ", "").strip("*")
    for note in ("(必填)", "(选填)"):
        text = text.replace(note, "")
    return ALIASES.get(text, text)
