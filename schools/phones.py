"""Chinese mobile numbers: normalised and validated with the phonenumbers library."""

import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def normalise_text(value: str) -> str:
    """Fold full-width digits, letters and spaces (as typed on Chinese keyboards) and trim."""
    return unicodedata.normalize("NFKC", value or "").strip()


def mobile_normalise(value: str) -> str:
    """The 11-digit national form of a mainland mobile number. Raises ValidationError(code="mobile")."""
    raw = normalise_text(value).replace(" ", "").replace("-", "")
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        number = None
    if (
        number is None
        or number.country_code != 86
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE
    ):
        raise ValidationError(
            _("“%(value)s” is not a valid mainland China mobile number."),
            code="mobile",
            params={"value": value},
        )
    return str(number.national_number)


def looks_like_mobile(value: str) -> bool:
    try:
        mobile_normalise(value)
    except ValidationError:
        return False
    return True
