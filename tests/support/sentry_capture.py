"""Run in its own process by tests/foundation/test_sentry.py: initialises Sentry exactly as
settings.py does (afterschool.sentry.init), but with a transport that keeps events in memory, raises
an error carrying personal data in a view through the test client, and prints what Sentry would
have sent as JSON. Its own process, so the SDK's patches of Django never reach the rest of the suite."""

import json
import sys

import django
import sentry_sdk
from django.test import Client, override_settings
from django.urls import path
from sentry_sdk.transport import Transport

from afterschool import sentry

SENT = []


class MemoryTransport(Transport):
    def capture_envelope(self, envelope):
        SENT.extend(item.payload.json for item in envelope.items if item.payload.json is not None)


def broken_view(request):
    raise ValueError("guardian 13912345678 of student G110101201501011234 not found")


urlpatterns = [path("broken/", broken_view)]


def main():
    django.setup()
    sentry.init(dsn="https://public@sentry.invalid/1", environment="test", transport=MemoryTransport())
    with override_settings(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["testserver"], DEBUG=False):
        client = Client(raise_request_exception=False)
        response = client.get("/broken/", {"mobile": "139 1234 5678", "token": "feed-secret"})
        sentry_sdk.flush()
    json.dump({"status": response.status_code, "sent": SENT}, sys.stdout, default=str)


if __name__ == "__main__":
    main()
