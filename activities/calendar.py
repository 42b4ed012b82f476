"""Service days from China's official calendar (chinese-calendar: holidays and 调休 make-up days)."""

import datetime

import chinese_calendar


def official_workday(day: datetime.date) -> bool | None:
    """True on an official working day (make-up days included), False on holidays and rest days,
    None when the library has no data for that year yet."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


def service_days(
    *,
    start: datetime.date,
    end: datetime.date,
    weekdays: set[int],
    closures: set[datetime.date],
    makeup_runs_as: dict[datetime.date, int],
    default_makeup_runs_as: int = 1,
) -> tuple[list[tuple[datetime.date, int]], set[int]]:
    """The dates the service runs and the weekday timetable each follows, and the years the library
    has no data for (those fall back to plain Monday-to-Friday, without holidays)."""
    days, missing = [], set()
    day = start
    while day <= end:
        if day not in closures:
            workday = official_workday(day)
            if workday is None:
                missing.add(day.year)
                workday = day.isoweekday() <= 5
            if workday:
                runs_as = day.isoweekday()
                if runs_as > 5:  # an official make-up working day on a weekend
                    runs_as = makeup_runs_as.get(day, default_makeup_runs_as)
                if runs_as in weekdays:
                    days.append((day, runs_as))
        day += datetime.timedelta(days=1)
    return days, missing


def makeup_days(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """Official make-up working days (weekend dates that are working days) between two dates."""
    found, day = [], start
    while day <= end:
        if day.isoweekday() > 5 and official_workday(day):
            found.append(day)
        day += datetime.timedelta(days=1)
    return found


def years_without_data(start: datetime.date, end: datetime.date) -> list[int]:
    return [y for y in range(start.year, end.year + 1) if official_workday(datetime.date(y, 6, 1)) is None]
