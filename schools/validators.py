"""Field rules for people's identifiers, each backed by a maintained library."""

import functools
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric

from schools.phones import normalise_text

STUDENT_NUMBER_RE = re.compile(r"^[A-Z][0-9A-Z]{6,19}$")


@functools.lru_cache(maxsize=8192)
def _birth_place_known(region: str, year: str) -> bool:
    """stdnum's birth-place look-up, remembered per region code and year: a roster of 10,000
    children born in one county over six years asks the data file a few dozen times, not 10,000."""
    try:
        ric.get_birth_place(f"{region}{year}0101000X")
    except ric.ValidationError:
        return False
    return True


def id_number_validate(number: str) -> str:
    """GB 11643 ID number: the same checks as stdnum's ric.validate (length, digits, check digit,
    birth date, birth place at that date), with the place look-up cached. Raises stdnum's errors."""
    number = ric.compact(number)
    if len(number) != 18:
        raise ric.InvalidLength()
    if not number[:-1].isdigit():
        raise ric.InvalidFormat()
    if number[-1] != ric.calc_check_digit(number):
        raise ric.InvalidChecksum()
    ric.get_birth_date(number)
    if not _birth_place_known(number[:6], number[6:10]):
        raise ric.InvalidComponent()
    return number


def student_number_from_id_base(base: str) -> str:
    """全国学籍号 G + an ID number whose GB 11643 check digit is computed for the first 17 digits
    (stdnum's calc_check_digit reads an 18-character number, so the 18th is filled before it)."""
    return "G" + base + ric.calc_check_digit(base + "0")


def student_number_normalise(value: str) -> str:
    """全国学籍号 in canonical form; G + an 18-character ID number is checked against GB 11643.

    Raises ValidationError(code="student_number" or "student_number_checksum").
    """
    number = normalise_text(value).replace(" ", "").upper()
    if not STUDENT_NUMBER_RE.match(number):
        raise ValidationError(
            _("“%(value)s” is not a national student number (a letter followed by digits)."),
            code="student_number",
            params={"value": value},
        )
    if number.startswith("G") and len(number) == 19:
        try:
            id_number_validate(number[1:])
        except ric.InvalidChecksum:
            raise ValidationError(
                _("The ID number inside student number “%(value)s” has a wrong check digit."),
                code="student_number_checksum",
                params={"value": value},
            ) from None
        except ric.ValidationError:
            raise ValidationError(
                _("The ID number inside student number “%(value)s” is not a valid ID number."),
                code="student_number_id",
                params={"value": value},
            ) from None
    return number


def id_last4_normalise(value: str) -> str:
    text = normalise_text(value).upper()
    if not re.fullmatch(r"\d{3}[\dX]", text):
        raise ValidationError(
            _("Enter the last 4 characters of the ID number (digits, or X at the end)."), code="id_last4"
        )
    return text
