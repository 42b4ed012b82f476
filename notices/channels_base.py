"""What every channel shares: the error it raises, the recipient's language, template look-up."""

from django.conf import settings
from django.utils.translation import gettext as _


class ChannelError(Exception):
    """A send failed; `code` is the provider's error code or the exception class (no personal data)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = str(code)[:200]


def recipient_language(user) -> str:
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def template_for(mapping: dict, *, kind: str, language: str) -> str:
    """The provider template id for a kind in a language: mapping[kind] (or mapping["*"]) is an id
    for every language or {language: id}; the site language stands in for a missing one."""
    entry = mapping.get(kind) or mapping.get("*") or ""
    if isinstance(entry, dict):
        return entry.get(language) or entry.get(settings.LANGUAGE_CODE) or ""
    return entry


def message_text(notification) -> str:
    """Title, body and link as one plain text (e-mail body, console and file SMS)."""
    body = notification.body
    if notification.link:
        body = f"{body}\n\n{_('Open in the portal:')} {notification.link}"
    return body
