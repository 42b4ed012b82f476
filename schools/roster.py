"""Roster import and export (花名册).

A school uploads its roster as .xlsx or .csv with the Chinese headers school registers use. The
file is read with django-import-export's formats, every row is checked (a dry run: nothing is
saved) and the school admin sees every problem by spreadsheet row and column. Once confirmed the
rows are checked again against the database and written in one transaction: all or nothing.
Large files run on a Celery worker that reports progress.

Row numbers are the ones Excel shows: the header is row 1, the first student is row 2; blank rows
are skipped but keep their numbers.

Speed: rows are validated in Python and written with one bulk insert per table (see
bench/roster_import.py).

Accounts (F13): a new guardian account has no password; it gets its own one-time activation code
(schools/activation.py), handed out on the class's activation slips or by SMS. A mobile number that
already has an account is never linked to the child at once: the account holder is asked to confirm
(a GuardianLink) and the school sees only the masked number until then.
"""

import csv
import datetime
import io
import logging
import re
import zipfile
from dataclasses import dataclass, field
from itertools import islice

import tablib
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import gettext_noop
from import_export import resources
from import_export.fields import Field
from import_export.formats import base_formats

from audit import services as audit
from notices.services import enqueue_on_commit
from schools import activation
from schools.models import (
    GRADE_NAMES,
    ClassGroup,
    Guardian,
    GuardianLink,
    Guardianship,
    RosterImport,
    School,
    Student,
    User,
    mask_tail,
)
from schools.phones import mobile_normalise, normalise_text
from schools.spreadsheets import neutralise
from schools.validators import student_number_normalise

logger = logging.getLogger(__name__)

# --- the columns ------------------------------------------------------------------------------

# Header, field, required. The order is the template's and the export's.
COLUMNS = [
    ("姓名", "name", True),
    ("性别", "gender", True),
    ("全国学籍号", "student_number", True),
    ("出生日期", "birth_date", True),
    ("年级", "grade", True),
    ("班级", "class_number", True),
    ("监护人姓名", "guardian_name", True),
    ("监护人手机号", "guardian_mobile", True),
    ("与学生关系", "relationship", True),
    ("留守儿童", "left_behind", False),
    ("进城务工人员随迁子女", "migrant", False),
    ("低收入家庭", "low_income", False),
    ("残疾", "disability", False),
    ("其他需要", "other_priority_note", False),
]
HEADERS = [header for header, _field, _required in COLUMNS]
FIELD_OF = {header: name for header, name, _required in COLUMNS}
HEADER_OF = {name: header for header, name, _required in COLUMNS}
REQUIRED = [header for header, _field, required in COLUMNS if required]
# Other spellings found in school registers.
ALIASES = {
    "学籍号": "全国学籍号",
    "学生姓名": "姓名",
    "出生年月日": "出生日期",
    "班别": "班级",
    "家长姓名": "监护人姓名",
    "家长手机号": "监护人手机号",
    "监护人电话": "监护人手机号",
    "家长电话": "监护人手机号",
    "关系": "与学生关系",
    "随迁子女": "进城务工人员随迁子女",
}
# Identifiers are shown masked in error lists; names are not shown at all.
MASKED = {"全国学籍号", "监护人手机号"}
HIDDEN = {"姓名", "监护人姓名", "与学生关系", "其他需要"}

MAX_ROWS = 20_000
MAX_ERRORS = 1_000  # stored and shown; the page says how many more there were
MAX_UNPACKED = 100 * 1024 * 1024  # a 5 MB .xlsx never unpacks to more: anything larger is a zip bomb
CHUNK = 900  # values per IN (...) query: below SQLite's oldest variable limit

GENDERS = {"男": "M", "女": "F", "男生": "M", "女生": "F", "M": "M", "F": "F"}
YES = {"是", "Y", "YES", "TRUE", "1", "√", "✓", "有"}
NO = {"", "否", "N", "NO", "FALSE", "0", "×", "无"}
CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
JUNIOR_GRADES = {"初一": 7, "初二": 8, "初三": 9}
DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
CLASS_RE = re.compile(r"^(?:.{1,3}年级)?\(?([0-9一二三四五六七八九十]{1,3})\)?班?$")


@dataclass
class RowError:
    row: int | None  # spreadsheet row; None for the whole file
    column: str
    message: str
    value: str = ""

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message, "value": self.value}


@dataclass
class Table:
    headers: list[str]  # canonical headers, in the file's order
    columns: dict[str, int]  # field name -> index in a row
    rows: list[tuple[int, tuple]]  # (spreadsheet row, values), blank rows left out


@dataclass
class Plan:
    """What an import would write, once every row passed."""

    rows: list[dict] = field(default_factory=list)
    classes_new: set = field(default_factory=set)  # {(grade, number)}
    class_ids: dict = field(default_factory=dict)  # {(grade, number): id}
    # mobile -> id of the existing account asked to confirm the link (a GuardianLink)
    link_user_ids: dict = field(default_factory=dict)
    guardians_new: dict = field(default_factory=dict)  # mobile -> name

    def counts(self) -> dict:
        return {
            "students": len(self.rows),
            "classes_new": len(self.classes_new),
            "guardians_new": len(self.guardians_new),
            "guardians_linked": len(self.link_user_ids),
            "accounts_new": len(self.guardians_new),
        }


# --- upload checks ----------------------------------------------------------------------------


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


# --- checking one row -------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    return normalise_text(str(value))


def _required(text: str, limit: int) -> str:
    if not text:
        raise ValidationError(_("This column must be filled in."), code="required")
    if len(text) > limit:
        raise ValidationError(_("At most %(limit)s characters."), code="too_long", params={"limit": limit})
    return text


def _gender(value) -> str:
    gender = GENDERS.get(_text(value).upper())
    if gender is None:
        raise ValidationError(_("Write 男 or 女."), code="gender")
    return gender


def _date(value) -> datetime.date:
    day = None
    if isinstance(value, datetime.datetime):
        day = value.date()
    elif isinstance(value, datetime.date):
        day = value
    elif isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < 80_000:
        from openpyxl.utils.datetime import from_excel  # an unformatted Excel date serial

        day = from_excel(value).date()
    else:
        text = _text(value).replace(" ", "")
        match = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text) or DATE_RE.match(text)
        if match:
            try:
                day = datetime.date(*(int(part) for part in match.groups()))
            except ValueError:
                day = None
    if day is None:
        raise ValidationError(_("Not a date. Write it like 2018-05-06."), code="date")
    today = timezone.localdate()
    if not (today.replace(year=today.year - 25, day=1) <= day <= today):
        raise ValidationError(_("This birth date is not possible for a student."), code="date_range")
    return day


def _cn_number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if text in CN_DIGITS:
        return CN_DIGITS[text]
    if text.startswith("十"):
        rest = text[1:]
        return 10 + (CN_DIGITS.get(rest, 0) if rest else 0) if (not rest or rest in CN_DIGITS) else None
    if len(text) >= 2 and text[1] == "十" and text[0] in CN_DIGITS:
        rest = text[2:]
        if rest and rest not in CN_DIGITS:
            return None
        return CN_DIGITS[text[0]] * 10 + (CN_DIGITS[rest] if rest else 0)
    return None


def _grade(value) -> int:
    text = _text(value).replace(" ", "")
    grade = JUNIOR_GRADES.get(text) or _cn_number(text.removesuffix("年级"))
    if grade is None or not 1 <= grade <= 9:
        raise ValidationError(_("Write the grade as 1 to 9 or like 三年级."), code="grade")
    return grade


def _class_number(value) -> int:
    match = CLASS_RE.match(_text(value).replace(" ", ""))
    number = _cn_number(match.group(1)) if match else None
    if number is None or not 1 <= number <= 99:
        raise ValidationError(_("Write the class like 1, 1班 or (1)班."), code="class")
    return number


def _flag(value) -> bool:
    text = _text(value).upper()
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValidationError(_("Write 是 or 否 (empty means 否)."), code="flag")


def _student_number(value) -> str:
    try:
        return student_number_normalise(_text(value))
    except ValidationError as exc:
        messages = {
            "student_number_checksum": _("The ID number inside the student number has a wrong check digit."),
            "student_number_id": _("The ID number inside the student number is not a valid ID number."),
        }
        if not _text(value):
            raise ValidationError(_("This column must be filled in."), code="required") from None
        raise ValidationError(
            messages.get(
                exc.code, _("Not a national student number (a letter followed by 6 to 19 digits or letters).")
            ),
            code=exc.code,
        ) from None


def _mobile(value) -> str:
    text = _text(value)
    if not text:
        raise ValidationError(_("This column must be filled in."), code="required")
    try:
        return mobile_normalise(text)
    except ValidationError:
        raise ValidationError(
            _("Not a valid mainland China mobile number (11 digits)."), code="mobile"
        ) from None


PARSERS = {
    "name": lambda v: _required(_text(v), 50),
    "gender": _gender,
    "student_number": _student_number,
    "birth_date": _date,
    "grade": _grade,
    "class_number": _class_number,
    "guardian_name": lambda v: _required(_text(v), 50),
    "guardian_mobile": _mobile,
    "relationship": lambda v: _required(_text(v), 20),
    "left_behind": _flag,
    "migrant": _flag,
    "low_income": _flag,
    "disability": _flag,
    "other_priority_note": lambda v: _optional_text(v, 200),
}


def _optional_text(value, limit: int) -> str:
    text = _text(value)
    if len(text) > limit:
        raise ValidationError(_("At most %(limit)s characters."), code="too_long", params={"limit": limit})
    return text


def _shown(header: str, value) -> str:
    if header in HIDDEN:
        return ""
    text = _text(value)
    return mask_tail(text) if header in MASKED else text[:30]


def _message(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def rows_check(table: Table, *, progress=None) -> tuple[list[dict], list[RowError]]:
    """Check every row on its own and against the other rows of the file. Reads no database.

    progress(n) is called now and then with the number of rows checked.
    """
    clean, errors = [], []
    numbers, mobiles = {}, {}
    fields = [(name, HEADER_OF[name], index, PARSERS[name]) for name, index in table.columns.items()]
    step = max(len(table.rows) // 20, 200)
    for done, (row_number, values) in enumerate(table.rows, start=1):
        row, bad = {"row": row_number}, False
        for name, header, index, parse in fields:
            value = values[index]
            try:
                row[name] = parse(value)
            except ValidationError as exc:
                errors.append(RowError(row_number, header, _message(exc), _shown(header, value)))
                bad = True
        number = row.get("student_number")
        if number:
            if number in numbers:
                errors.append(
                    RowError(
                        row_number,
                        HEADER_OF["student_number"],
                        _("The same national student number is also on row %(row)s.")
                        % {"row": numbers[number]},
                        mask_tail(number),
                    )
                )
                bad = True
            else:
                numbers[number] = row_number
        mobile = row.get("guardian_mobile")
        if mobile and row.get("guardian_name"):
            first = mobiles.setdefault(mobile, (row_number, row["guardian_name"]))
            if first[1] != row["guardian_name"]:
                errors.append(
                    RowError(
                        row_number,
                        HEADER_OF["guardian_mobile"],
                        _("This mobile number belongs to another guardian name on row %(row)s.")
                        % {"row": first[0]},
                        mask_tail(mobile),
                    )
                )
                bad = True
        if not bad:
            row.setdefault("left_behind", False)
            row.setdefault("migrant", False)
            row.setdefault("low_income", False)
            row.setdefault("disability", False)
            row.setdefault("other_priority_note", "")
            clean.append(row)
        if progress is not None and done % step == 0:
            progress(done)
    return clean, errors


def _chunks(values: list, size: int = CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def plan_against_school(*, school: School, rows: list[dict]) -> tuple[Plan, list[RowError]]:
    """Check the rows against what is already stored and work out what to create. Reads only."""
    plan, errors = Plan(), []
    numbers = [row["student_number"] for row in rows]
    taken = set()
    for chunk in _chunks(numbers):
        taken.update(
            Student.objects.filter(student_number__in=chunk).values_list("student_number", flat=True)
        )
    mobiles = list({row["guardian_mobile"] for row in rows})
    # An existing guardian, or an account holding the mobile as its own, is asked to confirm; an
    # account whose username merely looks like the mobile is not that person (F13): refused.
    for chunk in _chunks(mobiles):
        plan.link_user_ids.update(Guardian.objects.filter(mobile__in=chunk).values_list("mobile", "user_id"))
    free = [m for m in mobiles if m not in plan.link_user_ids]
    blocked = set()
    for chunk in _chunks(free, CHUNK // 2):
        chunk = set(chunk)
        users = User.objects.filter(Q(username__in=chunk) | Q(mobile__in=chunk)).values_list(
            "pk", "username", "mobile", "guardian__pk"
        )
        for pk, username, mobile, guardian_pk in users:
            if mobile in chunk and guardian_pk is None and plan.link_user_ids.get(mobile, pk) == pk:
                plan.link_user_ids[mobile] = pk
            else:
                blocked.add(mobile if mobile in chunk else username)
    plan.class_ids = {
        (grade, number): pk
        for grade, number, pk in ClassGroup.objects.filter(school=school).values_list("grade", "number", "pk")
    }
    for row in rows:
        if row["student_number"] in taken:
            errors.append(
                RowError(
                    row["row"],
                    HEADER_OF["student_number"],
                    _("A student with this national student number is already registered."),
                    mask_tail(row["student_number"]),
                )
            )
            continue
        mobile = row["guardian_mobile"]
        if mobile in blocked:
            errors.append(
                RowError(
                    row["row"],
                    HEADER_OF["guardian_mobile"],
                    _(
                        "This mobile number belongs to an account that cannot be linked; "
                        "ask the system administrator."
                    ),
                    mask_tail(mobile),
                )
            )
            continue
        key = (row["grade"], row["class_number"])
        if key not in plan.class_ids:
            plan.classes_new.add(key)
        if mobile not in plan.link_user_ids:
            plan.guardians_new.setdefault(mobile, row["guardian_name"])
        plan.rows.append(row)
    return plan, errors


def _write(*, school: School, plan: Plan, actor: User | None) -> dict:
    """Insert everything the plan holds: one bulk insert per table; new accounts get their own
    activation code (sent by SMS after commit when a sender is configured). Call inside a transaction."""
    counts = plan.counts()
    if plan.classes_new:
        ClassGroup.objects.bulk_create(
            [ClassGroup(school=school, grade=g, number=n) for g, n in sorted(plan.classes_new)]
        )
        plan.class_ids = dict(
            ((g, n), pk)
            for g, n, pk in ClassGroup.objects.filter(school=school).values_list("grade", "number", "pk")
        )
    unusable = make_password(None)  # no password until the person activates the account
    new_users = [
        User(username=mobile, mobile=mobile, last_name=name, password=unusable)
        for mobile, name in plan.guardians_new.items()
    ]
    User.objects.bulk_create(new_users)
    user_ids = _ids(User, "username", new_users)
    guardians = [
        Guardian(user_id=user_ids[mobile], name=name, mobile=mobile)
        for mobile, name in plan.guardians_new.items()
    ]
    Guardian.objects.bulk_create(guardians)
    guardian_ids = _ids(Guardian, "mobile", guardians)
    codes = activation.activation_codes_issue(users=[User(pk=pk) for pk in user_ids.values()], actor=actor)
    activation.activation_sms_on_commit(codes=codes)
    students = [
        Student(
            school=school,
            class_group_id=plan.class_ids[(row["grade"], row["class_number"])],
            name=row["name"],
            gender=row["gender"],
            student_number=row["student_number"],
            birth_date=row["birth_date"],
            left_behind=row["left_behind"],
            migrant=row["migrant"],
            low_income=row["low_income"],
            disability=row["disability"],
            other_priority_note=row["other_priority_note"],
        )
        for row in plan.rows
    ]
    Student.objects.bulk_create(students)
    student_ids = _ids(Student, "student_number", students)
    Guardianship.objects.bulk_create(
        [
            Guardianship(
                guardian_id=guardian_ids[row["guardian_mobile"]],
                student_id=student_ids[row["student_number"]],
                relationship=row["relationship"],
            )
            for row in plan.rows
            if row["guardian_mobile"] in guardian_ids
        ]
    )
    links = GuardianLink.objects.bulk_create(
        [
            GuardianLink(
                student_id=student_ids[row["student_number"]],
                user_id=plan.link_user_ids[row["guardian_mobile"]],
                mobile=row["guardian_mobile"],
                relationship=row["relationship"],
                requested_by=actor,
            )
            for row in plan.rows
            if row["guardian_mobile"] in plan.link_user_ids
        ]
    )
    if links:
        from schools import services

        services.guardian_links_notify(user_ids={link.user_id for link in links})
    return counts


def _ids(model, key: str, objs: list) -> dict:
    """{key: pk} of freshly bulk-inserted rows (PostgreSQL and SQLite ≥ 3.35 return the keys)."""
    if all(obj.pk is not None for obj in objs):
        return {getattr(obj, key): obj.pk for obj in objs}
    found = {}
    for chunk in _chunks([getattr(obj, key) for obj in objs]):
        found.update(model.objects.filter(**{f"{key}__in": chunk}).values_list(key, "pk"))
    return found


# --- services ---------------------------------------------------------------------------------


def _errors_json(errors: list[RowError]) -> list[dict]:
    errors = sorted(
        errors, key=lambda e: (e.row or 0, HEADERS.index(e.column) if e.column in HEADERS else 99)
    )
    return [e.as_dict() for e in errors[:MAX_ERRORS]]


@transaction.atomic
def roster_import_preview(*, school: School, uploaded_by: User, upload) -> RosterImport:
    """Check a roster file without importing it (a dry run) and keep it for confirmation.

    Returns a RosterImport that is PREVIEWED (ready) or REJECTED (with every bad row). Raises
    ValidationError for a file that cannot be read at all (see upload_check and roster_read).
    """
    kind = upload_check(upload)
    upload.seek(0)
    table = roster_read(data=upload.read(), kind=kind)
    rows, errors = rows_check(table)
    plan, db_errors = plan_against_school(school=school, rows=rows)
    errors += db_errors
    roster_import = RosterImport(
        school=school,
        uploaded_by=uploaded_by,
        original_name=(upload.name or "")[-200:],
        total_rows=len(table.rows),
        status=RosterImport.Status.REJECTED if errors else RosterImport.Status.PREVIEWED,
        errors=_errors_json(errors),
        preview_counts={**plan.counts(), "errors": len(errors), "bad_rows": len({e.row for e in errors})},
    )
    if not errors:
        upload.seek(0)
        roster_import.file.save(f"{roster_import.code}.{kind}", upload, save=False)
    roster_import.save()
    audit.record(
        actor=uploaded_by,
        verb="roster.preview",
        target=roster_import,
        changes={"rows": roster_import.total_rows, "errors": len(errors)},
    )
    return roster_import


def roster_import_confirm(*, roster_import: RosterImport, actor: User) -> RosterImport:
    """Import a previewed file: at once when small, on a Celery worker when large.

    Raises ValidationError(code="not_previewed").
    """
    with transaction.atomic():
        claimed = RosterImport.objects.filter(
            pk=roster_import.pk, status=RosterImport.Status.PREVIEWED
        ).update(status=RosterImport.Status.QUEUED, confirmed_by=actor)
        if not claimed:
            raise ValidationError(
                _("This import has already been confirmed or cannot be imported."), code="not_previewed"
            )
        audit.record(actor=actor, verb="roster.confirm", target=roster_import)
        background = roster_import.total_rows > settings.ROSTER_IMPORT_SYNC_ROWS
        if background:
            from schools import tasks

            pk = roster_import.pk
            enqueue_on_commit(tasks.roster_import_run, pk)
    if not background:
        roster_import_run(roster_import_id=roster_import.pk, report_progress=False)
    roster_import.refresh_from_db()
    return roster_import


def roster_import_run(*, roster_import_id: int, report_progress: bool = True) -> RosterImport | None:
    """Check the confirmed file again and import it in one transaction, or nothing at all.

    Not one transaction from end to end on purpose: the row checks run first, outside it, so that
    the progress they write can be read by the page that polls it; everything that reads or writes
    the school's data then runs in one transaction. Idempotent: an import that is not queued or
    running is left alone. Ends DONE, REJECTED (with the rows) or FAILED; raises nothing of its own.
    """
    active = [RosterImport.Status.QUEUED, RosterImport.Status.RUNNING]
    if not RosterImport.objects.filter(pk=roster_import_id, status__in=active).update(
        status=RosterImport.Status.RUNNING, processed_rows=0
    ):
        return None
    roster_import = RosterImport.objects.select_related("school", "confirmed_by").get(pk=roster_import_id)
    progress = _progress_writer(roster_import_id) if report_progress else None
    try:
        with roster_import.file.open("rb") as handle:
            data = handle.read()
        kind = roster_import.file.name.rsplit(".", 1)[-1]
        try:
            table = roster_read(data=data, kind=kind)
        except ValidationError as exc:
            return _finish_rejected(roster_import, [RowError(None, "", m) for m in exc.messages])
        rows, errors = rows_check(table, progress=progress)
        RosterImport.objects.filter(pk=roster_import_id).update(
            total_rows=len(table.rows), processed_rows=len(table.rows)
        )
        with transaction.atomic():
            locked = RosterImport.objects.select_for_update().get(pk=roster_import_id)
            if locked.status != RosterImport.Status.RUNNING:
                return locked
            plan, db_errors = plan_against_school(school=roster_import.school, rows=rows)
            if errors or db_errors:
                return _finish_rejected(roster_import, errors + db_errors)
            counts = _write(school=roster_import.school, plan=plan, actor=roster_import.confirmed_by)
            audit.record(
                actor=roster_import.confirmed_by, verb="roster.import", target=roster_import, changes=counts
            )
            _finish(roster_import, status=RosterImport.Status.DONE, created_counts=counts)
            return roster_import
    except IntegrityError:
        # Another import or an edit stored one of these students or parents in the meantime.
        message = _("The school's data changed while importing. Nothing was saved; upload the file again.")
        return _finish_rejected(roster_import, [RowError(None, "", message)])
    except Exception as exc:
        # No personal data in logs: the type and the import's code only.
        logger.error("roster import %s failed: %s", roster_import.code, type(exc).__name__)
        _finish(roster_import, status=RosterImport.Status.FAILED)
        return roster_import


def _progress_writer(roster_import_id: int):
    def write(done: int) -> None:
        RosterImport.objects.filter(pk=roster_import_id).update(processed_rows=done)

    return write


def _finish_rejected(roster_import: RosterImport, errors: list[RowError]) -> RosterImport:
    counts = {**roster_import.preview_counts, "errors": len(errors), "bad_rows": len({e.row for e in errors})}
    _finish(
        roster_import, status=RosterImport.Status.REJECTED, errors=_errors_json(errors), preview_counts=counts
    )
    return roster_import


def _finish(roster_import: RosterImport, *, status: str, **values) -> None:
    """End an import: keep the outcome and (unless it failed) drop the file."""
    name = roster_import.file.name
    values.update(status=status, finished=timezone.now())
    if status != RosterImport.Status.FAILED:
        values["file"] = ""
        if name:
            storage = roster_import.file.storage
            transaction.on_commit(lambda: storage.delete(name))
    if status == RosterImport.Status.DONE:
        values["processed_rows"] = roster_import.total_rows
    RosterImport.objects.filter(pk=roster_import.pk).update(**values)
    for key, value in values.items():
        setattr(roster_import, key, value)


# --- export and template ----------------------------------------------------------------------


def _yes_no(flag: bool) -> str:
    return "是" if flag else "否"


class StudentRosterResource(resources.ModelResource):
    """The school's roster with the import's Chinese headers: one row per student, with the first
    guardian (the one the import created). The school's own records keep the full numbers."""

    name = Field(attribute="name", column_name="姓名")
    gender = Field(column_name="性别")
    student_number = Field(attribute="student_number", column_name="全国学籍号")
    birth_date = Field(column_name="出生日期")
    grade = Field(column_name="年级")
    class_number = Field(column_name="班级")
    guardian_name = Field(column_name="监护人姓名")
    guardian_mobile = Field(column_name="监护人手机号")
    relationship = Field(column_name="与学生关系")
    left_behind = Field(column_name="留守儿童")
    migrant = Field(column_name="进城务工人员随迁子女")
    low_income = Field(column_name="低收入家庭")
    disability = Field(column_name="残疾")
    other_priority_note = Field(attribute="other_priority_note", column_name="其他需要")

    class Meta:
        model = Student
        fields = [name for _header, name, _required in COLUMNS]
        export_order = fields

    def iter_queryset(self, queryset):
        # One query plus one prefetch, whatever the size (import-export would page it).
        yield from queryset

    def export_resource(self, instance, selected_fields=None, **kwargs):
        return [neutralise(v) for v in super().export_resource(instance, selected_fields, **kwargs)]

    @staticmethod
    def _link(student):
        return student.links[0] if student.links else None

    def dehydrate_gender(self, student):
        return "男" if student.gender == Student.Gender.MALE else "女"

    def dehydrate_birth_date(self, student):
        return student.birth_date.isoformat()

    def dehydrate_grade(self, student):
        return f"{GRADE_NAMES.get(student.class_group.grade, student.class_group.grade)}年级"

    def dehydrate_class_number(self, student):
        return f"({student.class_group.number})班"

    def dehydrate_guardian_name(self, student):
        link = self._link(student)
        return link.guardian.name if link else ""

    def dehydrate_guardian_mobile(self, student):
        link = self._link(student)
        return link.guardian.mobile if link else ""

    def dehydrate_relationship(self, student):
        link = self._link(student)
        return link.relationship if link else ""

    def dehydrate_left_behind(self, student):
        return _yes_no(student.left_behind)

    def dehydrate_migrant(self, student):
        return _yes_no(student.migrant)

    def dehydrate_low_income(self, student):
        return _yes_no(student.low_income)

    def dehydrate_disability(self, student):
        return _yes_no(student.disability)


def roster_export_queryset(*, school: School):
    return (
        Student.objects.filter(school=school, active=True)
        .select_related("class_group")
        .prefetch_related(
            Prefetch(
                "guardianship_set",
                queryset=Guardianship.objects.select_related("guardian").order_by("pk"),
                to_attr="links",
            )
        )
        .order_by("class_group__grade", "class_group__number", "name", "pk")
    )


def roster_export_xlsx(*, school: School) -> tuple[bytes, int]:
    """The school's roster as .xlsx bytes, and the number of students in it."""
    dataset = StudentRosterResource().export(queryset=roster_export_queryset(school=school))
    dataset.title = "花名册"
    return RosterXLSX().export_data(dataset), dataset.height


def roster_template_xlsx() -> bytes:
    """An empty roster with the headers, text-formatted identifier columns and a sheet of notes."""
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "花名册"
    sheet.append(HEADERS)
    sheet.freeze_panes = "A2"
    for index, (header, _name, required) in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.cell(row=1, column=index).font = Font(bold=True, color="C00000" if required else "000000")
        sheet.column_dimensions[letter].width = max(10, len(header) * 2 + 4)
        if header in ("全国学籍号", "监护人手机号"):
            # Text cells: Excel would otherwise turn long digit strings into 1.38E+10.
            for row in range(2, 2002):
                sheet.cell(row=row, column=index).number_format = "@"
    notes = book.create_sheet(_("Notes"))
    notes.append([_("Column"), _("Required"), _("How to fill it in"), _("Example")])
    for header, _name, required in COLUMNS:
        how, example = TEMPLATE_NOTES[header]
        notes.append([header, _yes_no(required), str(how), example])
    notes.append([])
    notes.append(["", "", _(ROW_NOTE), ""])
    for letter, width in zip("ABCD", (22, 6, 60, 24), strict=True):
        notes.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


ROW_NOTE = gettext_noop(
    "Row 1 holds the headers; students start on row 2. Problems are reported by Excel row number. "
    "Only the first sheet is imported."
)
TEMPLATE_NOTES = {
    "姓名": (_lazy("The student's name, at most 50 characters"), "王子涵"),
    "性别": (_lazy("男 or 女"), "男"),
    "全国学籍号": (
        _lazy(
            "G and the 18-character ID number (its check digit is verified), or the number the register gives"
        ),
        "G410102201805061237",
    ),
    "出生日期": (_lazy("2018-05-06, 2018/5/6 or an Excel date"), "2018-05-06"),
    "年级": (_lazy("1 to 9, or like 三年级"), "三年级"),
    "班级": (_lazy("1, 1班 or (1)班; classes the school does not have yet are created"), "(1)班"),
    "监护人姓名": (
        _lazy("At most 50 characters; brothers and sisters share one guardian and mobile"),
        "王建国",
    ),
    "监护人手机号": (_lazy("11-digit mainland mobile number; the parent signs in with it"), "13800138000"),
    "与学生关系": (_lazy("父亲, 母亲, 爷爷, 奶奶 …"), "父亲"),
    "留守儿童": (_lazy("是 or 否; empty means 否"), "否"),
    "进城务工人员随迁子女": (_lazy("是 or 否; empty means 否"), "否"),
    "低收入家庭": (_lazy("是 or 否; empty means 否"), "否"),
    "残疾": (_lazy("是 or 否; empty means 否"), "否"),
    "其他需要": (_lazy("Any other need the school should know, at most 200 characters"), ""),
}
