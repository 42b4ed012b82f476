"""Checking each row of a roster on its own: every cell parsed, every problem listed by its
spreadsheet row and column; a dry run that reads nothing from the database."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from schools.models import mask_tail
from schools.phones import mobile_normalise, normalise_text
from schools.roster.columns import (
    CLASS_RE,
    CN_DIGITS,
    DATE_RE,
    GENDERS,
    HEADER_OF,
    HIDDEN,
    JUNIOR_GRADES,
    MASKED,
    NO,
    YES,
    RowError,
    Table,
)
from schools.validators import student_number_normalise


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


# A value shaped like a 学籍号 (checked or not): a row holding one is a child's, even a bad one.
STUDENT_NUMBER_LIKE = re.compile(r"^[A-Z][0-9A-Z]{6,19}$")


def names_a_child(values: tuple, columns: dict) -> bool:
    """Whether a row carries a child's identifying values: something shaped like a 学籍号, or a
    name with a class. Footer rows below a table (制表人：…, 合计：45人, a note merged across the
    row) carry neither. columns: field name -> the column or columns that may hold it."""

    def cells(name: str) -> list:
        return [values[c] for c in columns.get(name, ()) if c < len(values)]

    numbers = (_text(v).replace(" ", "").upper() for v in cells("student_number"))
    if any(STUDENT_NUMBER_LIKE.match(number) for number in numbers):
        return True
    names = [t for t in map(_text, cells("name")) if t and len(t) <= 50 and not re.search(r"[:：]", t)]
    return bool(names) and any(_is_class(v) for v in cells("class_number"))


def _is_class(value) -> bool:
    try:
        _class_number(value)
    except ValidationError:
        return False
    return True


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
