"""The school year's calendar, by rule (no database): which term a day falls in, the terms around it,
and the dates the demo hangs its records on (docs/demo.md "Time": the demo lives in the school year of
the day it is built).

- Autumn term: 1 September (the Monday after, if that is a weekend) to the last Friday at least
  14 days before the Spring Festival.
- Spring term: the first Monday at least 14 days after the Spring Festival to the first Friday of
  July (1–7 July).
- Everything between is a holiday: the winter break (around the Spring Festival) and the summer.

These are the demo's terms, not a school's: schools enter their own dates (activities.services).
"""

import datetime
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo

import holidays

TZ = ZoneInfo("Asia/Shanghai")
SPRING_FESTIVAL = "Chinese New Year (Spring Festival)"
DAY = datetime.timedelta(days=1)
AUTUMN, SPRING = "autumn", "spring"


@dataclass(frozen=True)
class TermDates:
    name: str  # "2026年秋季学期"
    kind: str  # AUTUMN or SPRING
    start: datetime.date
    end: datetime.date

    @property
    def key(self) -> str:
        """The oversight key of the term: "2026-autumn", "2027-spring"."""
        return f"{self.start.year}-{self.kind}"

    @property
    def school_year(self) -> int:
        """The year the school year starts: 2026 for autumn 2026 and spring 2027."""
        return self.start.year if self.kind == AUTUMN else self.start.year - 1

    def __contains__(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class WindowDates:
    """A term's needs survey and enrollment window (aware datetimes, Asia/Shanghai)."""

    survey_opens: datetime.datetime
    survey_closes: datetime.datetime
    opens: datetime.datetime
    closes: datetime.datetime
    review_deadline: datetime.datetime


@cache
def spring_festival(year: int) -> datetime.date:
    """The first day of the Spring Festival (农历正月初一) in a Gregorian year."""
    days = holidays.China(years=year, language="en_US")
    return min(day for day, name in days.items() if name == SPRING_FESTIVAL)


def _on_or_after(day: datetime.date, weekday: int) -> datetime.date:
    return day + datetime.timedelta(days=(weekday - day.isoweekday()) % 7)


def _on_or_before(day: datetime.date, weekday: int) -> datetime.date:
    return day - datetime.timedelta(days=(day.isoweekday() - weekday) % 7)


def autumn_term(year: int) -> TermDates:
    """The autumn term starting in September of `year`."""
    start = datetime.date(year, 9, 1)
    start = _on_or_after(start, 1) if start.isoweekday() > 5 else start
    end = _on_or_before(spring_festival(year + 1) - 14 * DAY, 5)
    return TermDates(name=f"{year}年秋季学期", kind=AUTUMN, start=start, end=end)


def spring_term(year: int) -> TermDates:
    """The spring term starting after the Spring Festival of `year`."""
    start = _on_or_after(spring_festival(year) + 14 * DAY, 1)
    end = _on_or_after(datetime.date(year, 7, 1), 5)
    return TermDates(name=f"{year}年春季学期", kind=SPRING, start=start, end=end)


def _terms_from(year: int, count: int) -> list[TermDates]:
    terms = []
    while len(terms) < count:
        terms += [spring_term(year), autumn_term(year)]
        year += 1
    return terms


def terms_around(day: datetime.date) -> tuple[TermDates, TermDates | None, TermDates]:
    """(previous, current, coming): the term `day` falls in (None on a holiday), the one before it
    and the one after it."""
    terms = _terms_from(day.year - 1, 6)  # spring and autumn of the year before to the year after
    for index, term in enumerate(terms):
        if day in term:
            return terms[index - 1], term, terms[index + 1]
        if day < term.start:
            return terms[index - 1], None, term
    raise AssertionError("unreachable: the year after always has a term after the day")


def current_term(day: datetime.date) -> TermDates | None:
    return terms_around(day)[1]


def history_term(day: datetime.date) -> TermDates:
    """The term whose weeks lie behind `day`: the current term on a term day, else the one just
    ended. The demo's attendance, claims and safety records live on it."""
    previous, current, _coming = terms_around(day)
    return current or previous


def live_term(day: datetime.date) -> TermDates:
    """The term parents deal with on `day`: the current one, else the coming one."""
    _previous, current, coming = terms_around(day)
    return current or coming


def school_year(day: datetime.date) -> int:
    """The school year children's grades follow on `day`: in the summer, the coming one."""
    return live_term(day).school_year


def birth_dates(grade: int, year: int) -> tuple[datetime.date, datetime.date]:
    """First and last birth date of a grade in school year `year` (grade 1 in 2026: born
    1 September 2019 to 31 August 2020)."""
    first = datetime.date(year - 6 - grade, 9, 1)
    return first, datetime.date(first.year + 1, 8, 31)


def term_weekdays_back(day: datetime.date, count: int) -> datetime.date:
    """The `count`-th Monday-to-Friday term day before `day` (1: the last one before it), skipping
    weekends and holidays; the demo dates its past records so, and they stay in term whatever day
    it is built."""
    found = 0
    while found < count:
        day -= DAY
        if day.isoweekday() <= 5 and current_term(day) is not None:
            found += 1
    return day


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TZ)


def enrollment_window(term: TermDates, *, open_on: datetime.date | None = None) -> WindowDates:
    """The term's survey (about three weeks before it starts) and enrollment window (opens 12 days
    before the start, closes 4 days before, class review by the day before). With `open_on`, a
    day before the term starts, the window is widened so that it is open on that day."""
    opens, closes = at(term.start - 12 * DAY, 9), at(term.start - 4 * DAY, 18)
    review = at(term.start - DAY, 18)
    if open_on is not None and open_on < term.start:
        opens = min(opens, at(open_on - 3 * DAY, 9))
        closes = max(closes, at(open_on + DAY, 18))
        review = max(review, closes)
    survey_opens = at(opens.date() - 10 * DAY, 9)
    return WindowDates(
        survey_opens=survey_opens,
        survey_closes=at(opens.date() - DAY, 18),
        opens=opens,
        closes=closes,
        review_deadline=review,
    )


def claim_months(day: datetime.date, count: int = 2) -> list[datetime.date]:
    """The first days of the last `count` complete months before `day` that have term days, oldest
    first (in late November: September and October)."""
    months, month = [], (day.replace(day=1) - DAY).replace(day=1)
    while len(months) < count:
        last = (month + 32 * DAY).replace(day=1) - DAY
        if any(
            term.start <= last and month <= term.end
            for term in (spring_term(month.year), autumn_term(month.year), autumn_term(month.year - 1))
        ):
            months.append(month)
        month = (month - DAY).replace(day=1)
    return months[::-1]
