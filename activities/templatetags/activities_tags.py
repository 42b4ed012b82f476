"""Display helpers for the activities templates: weekday names, staff names, hours."""

from django import template

from activities import forms

register = template.Library()


@register.filter
def weekday(value) -> str:
    """A date's (or an ISO weekday number's) short name: 周一 … 周日."""
    number = value.isoweekday() if hasattr(value, "isoweekday") else int(value)
    return str(forms.WEEKDAY_NAMES.get(number, ""))


@register.filter
def weekdays(value: str) -> str:
    """ "135" → 周一、周三、周五."""
    return "、".join(str(forms.WEEKDAY_NAMES[int(d)]) for d in sorted(value or "") if d.isdigit())


@register.filter
def person(user) -> str:
    return user.display_name if user else ""


@register.filter
def hours(value) -> str:
    """1.5 → "1.5", 2.0 → "2", 0 → "–"."""
    if not value:
        return "–"
    return f"{value:.2f}".rstrip("0").rstrip(".")
