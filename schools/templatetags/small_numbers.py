from django import template

from schools.smallnumbers import small_count as _small_count

register = template.Library()


@register.filter
def small_count(value):
    """{{ count|small_count }}: a sensitive group's count, "<5" from 1 to 4 (schools.smallnumbers)."""
    return _small_count(value)
