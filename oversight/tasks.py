"""Celery tasks of the oversight app (docs/design.md, "Celery"): load, call a service."""

import datetime

from celery import shared_task

from oversight.summaries import services


@shared_task
def summaries_roll_recent() -> int:
    """Beat, hourly: recompute yesterday's and today's daily summaries."""
    return services.summaries_roll_recent()


@shared_task
def summaries_roll_day(day: str) -> int:
    """One day (ISO date), e.g. after a correction to old records."""
    return services.summaries_roll(day=datetime.date.fromisoformat(day))


@shared_task
def report_generate(report_id: int):
    """Generate one requested or scheduled report (claims the row; a duplicate does nothing)."""
    from oversight.reports import services as reports

    report = reports.report_generate(report_id=report_id)
    return report.status if report else None


@shared_task
def reports_monthly() -> int:
    """Beat, daily: the previous month's report of every bureau region, generated once."""
    from oversight.reports import services as reports

    return len(reports.reports_schedule_monthly())


@shared_task
def reports_resume() -> int:
    """Beat, every five minutes: reports still queued after two minutes are sent again."""
    from oversight.reports import services as reports

    return reports.reports_resume()
