"""Service days from China's official calendar: public holidays and 调休 make-up working days.

Three sources, first match wins for a whole year:
1. the State Council's yearly schedule (国务院办公厅关于某年部分节假日安排的通知) as a province
   officer entered it (OfficialYear): the only source that makes a year "confirmed";
2. chinese-calendar, where it has data (it stops at the last year the State Council announced when
   it was released);
3. the `holidays` package, which computes the festivals for any year up to 2100 but knows the
   make-up days only of years its authors have entered.

A year none of them covers falls back to plain Monday to Friday. The entered days are loaded once per
call (one query per range), never per day: sessions_generate walks every day of a term.
"""

import datetime
import re
from dataclasses import dataclass, field
from functools import lru_cache

import chinese_calendar
import holidays as holidays_lib

SOURCE_ENTERED = "entered"
SOURCE_CHINESE_CALENDAR = "chinese_calendar"
SOURCE_HOLIDAYS = "holidays"
SOURCE_NONE = "none"

# 'Day off (substituted from 02/14/2026)': the weekday 02-20 is off, the Saturday 02-14 works for it.
_SUBSTITUTED = re.compile(r"substituted from (\d{2})/(\d{2})/(\d{4})")


@dataclass(frozen=True)
class Year:
    """One year's rest days that fall on weekdays and make-up working days on weekends."""

    year: int
    source: str
    holidays: frozenset = frozenset()  # weekday dates that are official rest days
    makeup_runs_as: dict = field(default_factory=dict)  # weekend working day -> ISO weekday it follows
    names: dict = field(default_factory=dict)  # date -> holiday name, where a source gives one

    @property
    def confirmed(self) -> bool:
        return self.source == SOURCE_ENTERED

    @property
    def has_data(self) -> bool:
        return self.source != SOURCE_NONE

    def workday(self, day: datetime.date) -> bool | None:
        if not self.has_data:
            return None
        if day in self.makeup_runs_as:
            return True
        if day in self.holidays:
            return False
        return day.isoweekday() <= 5


@lru_cache(maxsize=256)
def _holidays_year(year: int) -> Year:
    """The holidays package's view of a year (static data: safe to cache in every process)."""
    if not holidays_lib.China.start_year <= year <= holidays_lib.China.end_year:
        return Year(year=year, source=SOURCE_NONE)
    found = holidays_lib.China(years=year)
    if not found:
        return Year(year=year, source=SOURCE_NONE)
    zh = holidays_lib.China(years=year, language="zh_CN")
    rest = frozenset(d for d in found if d.isoweekday() <= 5)
    runs_as = {d: 1 for d in found.weekend_workdays if d.year == year}
    for day, name in found.items():
        match = _SUBSTITUTED.search(name)
        if match:
            month, dom, y = (int(g) for g in match.groups())
            workday = datetime.date(y, month, dom)
            if workday.isoweekday() > 5 and day.isoweekday() <= 5:
                runs_as[workday] = day.isoweekday()
    return Year(
        year=year,
        source=SOURCE_HOLIDAYS,
        holidays=rest,
        makeup_runs_as=runs_as,
        names={d: zh.get(d, "") for d in found},
    )


@lru_cache(maxsize=256)
def _library_year(year: int) -> Year:
    """chinese-calendar where it has the year, else the holidays package."""
    try:
        chinese_calendar.is_workday(datetime.date(year, 6, 1))
    except NotImplementedError:
        return _holidays_year(year)
    fallback = _holidays_year(year)
    rest, runs_as, day = set(), {}, datetime.date(year, 1, 1)
    while day.year == year:
        working = chinese_calendar.is_workday(day)
        if day.isoweekday() <= 5 and not working:
            rest.add(day)
        elif day.isoweekday() > 5 and working:
            # chinese-calendar does not say which weekday a make-up day swaps with; holidays does.
            runs_as[day] = fallback.makeup_runs_as.get(day, 1)
        day += datetime.timedelta(days=1)
    return Year(
        year=year,
        source=SOURCE_CHINESE_CALENDAR,
        holidays=frozenset(rest),
        makeup_runs_as=runs_as,
        names=fallback.names,
    )


def _entered(years) -> dict[int, Year]:
    from activities.models import OfficialDay  # models import nothing from here; keep it lazy

    result: dict[int, dict] = {}
    rows = OfficialDay.objects.filter(schedule__year__in=list(years)).values_list(
        "schedule__year", "date", "kind", "name", "runs_as"
    )
    for year, day, kind, name, runs_as in rows:
        entry = result.setdefault(year, {"holidays": set(), "makeup": {}, "names": {}})
        entry["names"][day] = name
        if kind == OfficialDay.Kind.WORKDAY:
            entry["makeup"][day] = runs_as
        elif day.isoweekday() <= 5:
            entry["holidays"].add(day)
    from activities.models import OfficialYear

    for year in OfficialYear.objects.filter(year__in=list(years)).values_list("year", flat=True):
        result.setdefault(year, {"holidays": set(), "makeup": {}, "names": {}})
    return {
        year: Year(
            year=year,
            source=SOURCE_ENTERED,
            holidays=frozenset(e["holidays"]),
            makeup_runs_as=e["makeup"],
            names=e["names"],
        )
        for year, e in result.items()
    }


def years(start: datetime.date, end: datetime.date, *, entered: bool = True) -> dict[int, Year]:
    """Each year between two dates as the best source knows it (one query for the entered years)."""
    span = range(start.year, end.year + 1)
    found = _entered(span) if entered else {}
    return {y: found.get(y) or _library_year(y) for y in span}


def year(y: int) -> Year:
    return years(datetime.date(y, 1, 1), datetime.date(y, 1, 1))[y]


def library_year(y: int) -> Year:
    """What the libraries alone say about a year (the page's suggestion before a schedule is entered)."""
    return _library_year(y)


def official_workday(day: datetime.date) -> bool | None:
    """True on an official working day (make-up days included), False on holidays and rest days,
    None when no source has data for that year."""
    return year(day.year).workday(day)


def service_days(
    *,
    start: datetime.date,
    end: datetime.date,
    weekdays: set[int],
    closures: set[datetime.date],
    makeup_runs_as: dict[datetime.date, int],
    default_makeup_runs_as: int | None = None,
) -> tuple[list[tuple[datetime.date, int]], set[int]]:
    """The dates the service runs and the weekday timetable each follows, and the years no source
    has data for (those fall back to plain Monday-to-Friday, without holidays).

    A make-up day the term has no row for follows the calendar's default (the entered schedule's
    weekday, else the library's substitution, else Monday) unless default_makeup_runs_as is given."""
    calendars = years(start, end)
    days, missing = [], set()
    day = start
    while day <= end:
        if day not in closures:
            cal = calendars[day.year]
            workday = cal.workday(day)
            if workday is None:
                missing.add(day.year)
                workday = day.isoweekday() <= 5
            if workday:
                runs_as = day.isoweekday()
                if runs_as > 5:  # an official make-up working day on a weekend
                    runs_as = (
                        makeup_runs_as.get(day) or default_makeup_runs_as or cal.makeup_runs_as.get(day, 1)
                    )
                if runs_as in weekdays:
                    days.append((day, runs_as))
        day += datetime.timedelta(days=1)
    return days, missing


def makeup_days(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """Official make-up working days (weekend dates that are working days) between two dates."""
    return sorted(makeup_defaults(start, end))


def makeup_defaults(start: datetime.date, end: datetime.date) -> dict[datetime.date, int]:
    """Official make-up working days between two dates and the weekday timetable each follows by
    default: the entered schedule's, else the library's substitution, else Monday."""
    found = {}
    for cal in years(start, end).values():
        for day, runs_as in cal.makeup_runs_as.items():
            if start <= day <= end:
                found[day] = runs_as or 1
    return dict(sorted(found.items()))


def years_without_data(start: datetime.date, end: datetime.date) -> list[int]:
    """Years no source covers: sessions there follow plain Monday to Friday."""
    return [y for y, cal in years(start, end).items() if not cal.has_data]


def years_unconfirmed(start: datetime.date, end: datetime.date) -> list[int]:
    """Years without an entered State Council schedule, even where a library covers them."""
    return [y for y, cal in years(start, end).items() if not cal.confirmed]
