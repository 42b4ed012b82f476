"""Helpers of the F6 safety-record tests (gate, inspections, plans, roster, incidents); their
fixtures are in tests/safety/conftest.py."""

import datetime
import zoneinfo

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(day: datetime.date, hour: int = 16, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TZ)


# A Monday inside the demo term, after the demo's records: every clock-dependent test runs "then".
MONDAY = datetime.date(2026, 11, 30)


def html(response) -> str:
    return response.content.decode()
