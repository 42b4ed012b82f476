"""Error reports to Sentry (sentry-sdk), on only when SENTRY_DSN is set (settings.py calls init).

Personal data stays out the way it stays out of the logs: every string of an event (message,
exception values, extra, tags, request data, headers, query string, breadcrumbs) goes through
audit.logging.mask, which masks mobile numbers, ID numbers, 全国学籍号 and URL tokens. On top of
that nothing the SDK would add about people is sent: no user, cookies or client address
(send_default_pii=False), no request bodies (names typed into forms) and no local variables of
stack frames (they hold rows of children).
"""

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration

from audit.logging import mask


def scrub(value):
    """The value with every string in it masked (dicts, lists and tuples walked)."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {key: scrub(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(item) for item in value]
    return value


def before_send(event, _hint):
    return scrub(event)


def before_breadcrumb(crumb, _hint):
    return scrub(crumb)


def init(*, dsn: str, environment: str = "", release: str = "", transport=None) -> None:
    """Start reporting errors of web requests and Celery tasks to the DSN."""
    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        before_send=before_send,
        before_send_transaction=before_send,
        before_breadcrumb=before_breadcrumb,
        traces_sample_rate=0,
        transport=transport,
    )
