"""Demo: the 2027 State Council holiday schedule, as the province officer hn_bureau entered it.

Neither holiday library lists 2027's make-up working days, so without this the demo would run
sessions on them as plain weekends, and on Monday-to-Friday holidays the libraries miss. The dates
are plausible, not the real notice: the title says so. Idempotent: an entered 2027 is left alone.
Runs before activities.demo, so the demo's terms are built on it.
"""

import datetime

from activities import services
from activities.models import OfficialDay, OfficialYear
from schools.models import User

YEAR = 2027
TITLE = "国务院办公厅关于2027年部分节假日安排的通知（演示数据）"
HOLIDAY, WORKDAY = OfficialDay.Kind.HOLIDAY, OfficialDay.Kind.WORKDAY

# (first, last, name) holidays and (date, runs_as, name) make-up working days: a weekend day that
# works for a weekday taken off, running that weekday's timetable.
HOLIDAYS = [
    ((1, 1), (1, 3), "元旦"),
    ((2, 5), (2, 11), "春节"),
    ((4, 3), (4, 5), "清明节"),
    ((5, 1), (5, 5), "劳动节"),
    ((6, 9), (6, 9), "端午节"),
    ((9, 15), (9, 15), "中秋节"),
    ((10, 1), (10, 7), "国庆节"),
]
MAKEUP_DAYS = [
    ((1, 31), 4, "春节"),  # Sunday, for Thursday 11 February
    ((2, 20), 3, "春节"),  # Saturday, for Wednesday 10 February
    ((4, 25), 2, "劳动节"),  # Sunday, for Tuesday 4 May
    ((5, 8), 3, "劳动节"),  # Saturday, for Wednesday 5 May
    ((9, 26), 3, "国庆节"),  # Sunday, for Wednesday 6 October
    ((10, 9), 4, "国庆节"),  # Saturday, for Thursday 7 October
]


def days() -> list[services.DayEntry]:
    found = []
    for (m1, d1), (m2, d2), name in HOLIDAYS:
        day, last = datetime.date(YEAR, m1, d1), datetime.date(YEAR, m2, d2)
        while day <= last:
            found.append(services.DayEntry(day, HOLIDAY, name))
            day += datetime.timedelta(days=1)
    for (month, dom), runs_as, name in MAKEUP_DAYS:
        found.append(services.DayEntry(datetime.date(YEAR, month, dom), WORKDAY, name, runs_as))
    return found


def build(*, out=None) -> None:
    if OfficialYear.objects.filter(year=YEAR).exists():
        return
    if out:
        out.write(f"  official holiday schedule {YEAR} (hn_bureau)\n")
    services.official_year_save(
        year=YEAR,
        notice_title=TITLE,
        notice_number="国办发明电〔2026〕演示号",
        days=days(),
        actor=User.objects.filter(username="hn_bureau").first(),
    )
