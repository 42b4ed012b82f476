"""Display helpers for the enrollment templates."""

from django import template

register = template.Library()


@register.filter
def day_counts(row, weekdays: str) -> list[int]:
    """A survey row's number of children per service day, in the term's weekday order."""
    return row.day_counts(weekdays)
