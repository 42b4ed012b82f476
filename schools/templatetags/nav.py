"""Navigation helpers for templates."""

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()


@register.simple_tag
def url_if_exists(name: str, **kwargs) -> str:
    """The URL of `name`, or "" while no page has that name yet (pages of other features land
    one by one; a link appears when its page exists). Tries the keyword arguments first, then
    none, so that both /school/<code>/classes/ and /school/classes/ shapes resolve."""
    attempts = [kwargs, {}] if kwargs else [{}]
    for attempt in attempts:
        try:
            return reverse(name, kwargs=attempt or None)
        except NoReverseMatch:
            continue
    return ""
