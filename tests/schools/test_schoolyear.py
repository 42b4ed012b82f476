"""The school-year calendar of the demo (schools.schoolyear): rules, not a database."""

import datetime

import pytest

from schools import schoolyear

YEARS = range(2026, 2041)
DAY = datetime.timedelta(days=1)


def test_it_keeps_the_autumn_2026_dates_the_demo_always_had():
    autumn = schoolyear.autumn_term(2026)
    assert (autumn.name, autumn.kind, autumn.start, autumn.end) == (
        "2026年秋季学期",
        "autumn",
        datetime.date(2026, 9, 1),
        datetime.date(2027, 1, 22),
    )
    assert autumn.key == "2026-autumn" and autumn.school_year == 2026


def test_it_starts_spring_2027_on_the_monday_two_weeks_after_the_spring_festival():
    assert schoolyear.spring_festival(2027) == datetime.date(2027, 2, 6)
    spring = schoolyear.spring_term(2027)
    assert (spring.name, spring.start, spring.end) == (
        "2027年春季学期",
        datetime.date(2027, 2, 22),
        datetime.date(2027, 7, 2),
    )
    assert spring.key == "2027-spring" and spring.school_year == 2026


@pytest.mark.parametrize("year", YEARS)
def test_it_follows_the_rules_every_year(year):
    festival = schoolyear.spring_festival(year + 1)
    autumn, spring = schoolyear.autumn_term(year), schoolyear.spring_term(year + 1)
    assert autumn.start.isoweekday() == 1 or autumn.start == datetime.date(year, 9, 1)
    assert datetime.date(year, 9, 1) <= autumn.start <= datetime.date(year, 9, 3)
    assert autumn.end.isoweekday() == 5 and festival - 20 * DAY <= autumn.end <= festival - 14 * DAY
    assert spring.start.isoweekday() == 1 and festival + 14 * DAY <= spring.start <= festival + 20 * DAY
    assert spring.end.isoweekday() == 5 and datetime.date(year + 1, 7, 1) <= spring.end
    assert spring.end <= datetime.date(year + 1, 7, 7)
    # Ordered, apart, and the Spring Festival always falls in the winter break.
    assert schoolyear.spring_term(year).end < autumn.start < autumn.end < festival < spring.start < spring.end
    assert festival not in spring and festival not in autumn


@pytest.mark.parametrize("year", YEARS)
def test_it_classifies_every_day_of_the_year_consistently(year):
    day = datetime.date(year, 1, 1)
    while day.year == year:
        previous, current, coming = schoolyear.terms_around(day)
        assert previous.end < day < coming.start
        if current is None:  # a holiday: previous and coming are next to each other
            assert previous.kind != coming.kind
            assert schoolyear.history_term(day) == previous and schoolyear.live_term(day) == coming
        else:
            assert previous.end < current.start and day in current and current.end < coming.start
            assert previous.kind != current.kind != coming.kind
            assert schoolyear.history_term(day) == current == schoolyear.live_term(day)
        assert sum(day in t for t in (previous, coming)) == 0
        assert schoolyear.school_year(day) == schoolyear.live_term(day).school_year
        day += DAY


@pytest.mark.parametrize(
    "day, previous, current, coming",
    [
        ("2026-11-29", "2026年春季学期", "2026年秋季学期", "2027年春季学期"),
        ("2026-12-31", "2026年春季学期", "2026年秋季学期", "2027年春季学期"),
        ("2027-01-31", "2026年秋季学期", None, "2027年春季学期"),
        ("2027-03-15", "2026年秋季学期", "2027年春季学期", "2027年秋季学期"),
        ("2027-07-25", "2027年春季学期", None, "2027年秋季学期"),
        ("2027-09-01", "2027年春季学期", "2027年秋季学期", "2028年春季学期"),
    ],
)
def test_it_names_the_terms_around_a_day(day, previous, current, coming):
    terms = schoolyear.terms_around(datetime.date.fromisoformat(day))
    assert [t.name if t else None for t in terms] == [previous, current, coming]


def test_it_gives_children_of_a_school_year_their_birth_dates():
    assert schoolyear.birth_dates(1, 2026) == (datetime.date(2019, 9, 1), datetime.date(2020, 8, 31))
    assert schoolyear.birth_dates(6, 2027) == (datetime.date(2015, 9, 1), datetime.date(2016, 8, 31))
    # In the summer the children already belong to the coming school year.
    assert schoolyear.school_year(datetime.date(2027, 7, 25)) == 2027
    assert schoolyear.school_year(datetime.date(2027, 1, 31)) == 2026


def test_it_opens_the_enrollment_window_before_the_term():
    window = schoolyear.enrollment_window(schoolyear.autumn_term(2026))
    assert (window.opens.date(), window.closes.date(), window.review_deadline.date()) == (
        datetime.date(2026, 8, 20),
        datetime.date(2026, 8, 28),
        datetime.date(2026, 8, 31),
    )
    assert window.survey_opens.date() == datetime.date(2026, 8, 10) and window.survey_closes < window.opens


@pytest.mark.parametrize("year", YEARS)
def test_it_keeps_the_coming_terms_window_open_on_every_holiday(year):
    day = datetime.date(year, 1, 1)
    while day.year == year:
        _previous, current, coming = schoolyear.terms_around(day)
        if current is None:
            window = schoolyear.enrollment_window(coming, open_on=day)
            noon = schoolyear.at(day, 12)
            assert window.survey_opens < window.survey_closes < window.opens < noon < window.closes
            assert window.closes <= window.review_deadline
        day += DAY


def test_it_counts_term_days_back_over_weekends_and_holidays():
    monday = datetime.date(2027, 3, 15)
    assert schoolyear.term_weekdays_back(monday, 1) == datetime.date(2027, 3, 12)
    # Three weeks of spring term, then the winter break is skipped to the autumn term's last day.
    assert schoolyear.term_weekdays_back(monday, 15) == datetime.date(2027, 2, 22)
    assert schoolyear.term_weekdays_back(monday, 16) == datetime.date(2027, 1, 22)
    assert schoolyear.term_weekdays_back(datetime.date(2026, 11, 29), 63) == datetime.date(2026, 9, 2)


@pytest.mark.parametrize(
    "day, months",
    [
        ("2026-11-29", ["2026-09", "2026-10"]),
        ("2027-03-15", ["2027-01", "2027-02"]),
        ("2027-07-25", ["2027-05", "2027-06"]),
        ("2026-09-15", ["2026-06", "2026-07"]),  # August has no term day
    ],
)
def test_it_claims_the_last_two_complete_months_with_term_days(day, months):
    found = schoolyear.claim_months(datetime.date.fromisoformat(day))
    assert [f"{m:%Y-%m}" for m in found] == months
