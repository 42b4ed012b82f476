"""Generated reports (F8) as the tests ask for them: the request form posted, the task run eagerly,
the file downloaded and its sheets read."""

import datetime
import io

from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from oversight.models import GeneratedReport

REPORTS = reverse("oversight:reports")


def last_month() -> str:
    return f"{timezone.localdate().replace(day=1) - datetime.timedelta(days=1):%Y-%m}"


def this_term() -> str:
    today = timezone.localdate()
    return f"{today.year if today.month >= 9 else today.year - 1}-autumn"


def ask(client, capture, user, *, scope, kind="monthly", period=None, fmt="xlsx"):
    """POST the request form as the user and run the task the commit hands to Celery (eager)."""
    client.force_login(user)
    with capture(execute=True):
        response = client.post(
            REPORTS, {"kind": kind, "scope": scope, "period": period or last_month(), "format": fmt}
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    code = response["Location"].rstrip("/").split("/")[-1]
    return GeneratedReport.objects.get(code=code)


def download(client, report) -> bytes:
    response = client.get(reverse("oversight:report-download", kwargs={"report_code": report.code}))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def sheet_rows(data: bytes, title: str) -> list[tuple]:
    book = load_workbook(io.BytesIO(data))
    return [tuple(row) for row in book[title].iter_rows(values_only=True)]
