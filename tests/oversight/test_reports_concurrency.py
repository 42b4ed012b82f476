"""Two identical report requests at the same moment make one report, two workers handed the same
report generate it once, and two beats at once schedule each region's month once (PostgreSQL, real
threads: SQLite serialises every write and would prove nothing)."""

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from oversight import tasks
from oversight.models import GeneratedReport
from oversight.reports import services
from schools.models import Region

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def no_broker(monkeypatch, settings, tmp_path):
    """The tests run the work themselves, in threads: nothing goes to Celery."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent claims are exercised on PostgreSQL (SQLite serialises every write)")
    settings.REPORTS_ROOT = tmp_path
    monkeypatch.setattr(tasks.report_generate, "apply_async", lambda *args, **kwargs: None)


def at_once(calls):
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            try:
                barrier.wait(timeout=5)
            except threading.BrokenBarrierError:
                pass
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def test_identical_requests_at_once_make_one_report(demo):
    officer, region = demo.user("zz_bureau"), Region.objects.get(code="4101")

    def ask():
        return services.report_request(
            user=officer, kind="monthly", period_key="2026-10", fmt="xlsx", region=region
        )

    results = at_once([ask, ask, ask])
    assert len({report.pk for report, _created in results}) == 1
    assert sorted(created for _report, created in results) == [False, False, True]


def test_two_workers_generate_a_report_once(demo):
    report, _created = services.report_request(
        user=demo.user("zz_bureau"),
        kind="monthly",
        period_key="2026-10",
        fmt="xlsx",
        region=Region.objects.get(code="4101"),
    )
    results = at_once([lambda: services.report_generate(report_id=report.pk)] * 2)
    assert sorted(r is None for r in results) == [False, True]
    report.refresh_from_db()
    assert report.status == "done" and report.file


def test_two_beats_at_once_schedule_each_region_month_once(demo):
    day = datetime.date(2026, 12, 1)
    results = at_once([lambda: services.reports_schedule_monthly(today=day)] * 2)
    created = [r.scope_key + r.format for batch in results for r in batch]
    assert len(created) == len(set(created)) == 8
    assert GeneratedReport.objects.filter(requested_by=None, period_key="2026-11").count() == 8
