"""Celery tasks of the oversight app (STYLE §7): load, call a service."""

import datetime

from celery import shared_task

from oversight import services


@shared_task
def summaries_roll_recent() -> int:
    """Beat, hourly: recompute yesterday's and today's daily summaries."""
    return services.summaries_roll_recent()


@shared_task
def summaries_roll_day(day: str) -> int:
    """One day (ISO date), e.g. after a correction to old records."""
    return services.summaries_roll(day=datetime.date.fromisoformat(day))
