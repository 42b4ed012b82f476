"""Indicators for a region's (or a school's) dashboard, read from the daily summaries only (F8).

Flows are summed over the period; stocks (enrolled, placed, priority groups, teachers, categories,
findings open, offering the service) are each school's values on the last rolled day of the period.
The Ministry's indicators: category coverage (share of the permitted categories a school runs),
teacher participation (teachers who led or assisted a held session ÷ the school's teachers) and
priority-group coverage over every priority-group child of the school.
"""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max, QuerySet, Sum
from django.utils.translation import gettext as _

from activities.models import Category
from oversight.models import COMPLAINT_FIELDS, DailySchoolSummary
from schools import access, smallnumbers
from schools.models import Role, School
from subsidies.models import Complaint

FLOWS = [
    "sessions_held",
    "marks_expected",
    "marks_present",
    "teacher_hours",
    "child_hours",
    "incidents",
    *COMPLAINT_FIELDS.values(),
    "subsidy_claimed",
    "subsidy_paid",
]
STOCKS = [
    "offers_service",
    "enrolled",
    "placed",
    "priority_students",
    "priority_applied",
    "priority_placed",
    "teachers",
    "teachers_total",
    "teachers_active_term",
    "teachers_active_month",
    "categories_run",
    "findings_open",
]


# M3: the permitted activity categories (a closed list): category coverage's denominator.
PERMITTED = len(Category.values)


@dataclass(frozen=True)
class Period:
    first: datetime.date
    last: datetime.date
    month: str = ""  # "2026-11"
    term: str = ""  # "2026-autumn": 1 Sep – 31 Jan; "2027-spring": 1 Feb – 31 Aug


def _month(year: int, month: int) -> Period:
    first = datetime.date(year, month, 1)
    nxt = datetime.date(year + month // 12, month % 12 + 1, 1)
    return Period(first, nxt - datetime.timedelta(days=1), month=f"{year:04d}-{month:02d}")


def period_parse(*, month: str = "", term: str = "", today: datetime.date) -> Period:
    """?term=2026-autumn, else ?month=2026-11, else this month (malformed values too)."""
    if m := re.fullmatch(r"(\d{4})-(autumn|spring)", term or ""):
        year = int(m[1])
        if m[2] == "autumn":
            return Period(datetime.date(year, 9, 1), datetime.date(year + 1, 1, 31), term=term)
        return Period(datetime.date(year, 2, 1), datetime.date(year, 8, 31), term=term)
    if (m := re.fullmatch(r"(\d{4})-(\d{2})", month or "")) and 1 <= int(m[2]) <= 12 and int(m[1]) > 1900:
        return _month(int(m[1]), int(m[2]))
    return _month(today.year, today.month)


def period_choices(*, today: datetime.date, months: int = 6) -> dict:
    """The switch: the last months and the terms around today."""
    result, year, month = [], today.year, today.month
    for _i in range(months):
        result.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    autumn = today.year if today.month >= 9 else today.year - 1
    terms = [
        (f"{autumn}-autumn", _("Autumn term %(year)s") % {"year": autumn}),
        (f"{autumn + 1}-spring", _("Spring term %(year)s") % {"year": autumn + 1}),
    ]
    return {"months": result, "terms": terms}


def dashboard_schools_for(user) -> QuerySet[School]:
    """Bureau officers: every school of their regions (access.schools_for); school admins: their own."""
    if user.is_superuser or access.has_role(user, Role.BUREAU_OFFICER):
        return access.schools_for(user)
    return access.managed_schools_for(user)


def _rate(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def is_month(period: Period) -> bool:
    """A calendar month (its teachers are counted per month); anything else per term so far."""
    whole = _month(period.first.year, period.first.month)
    return (period.first, period.last) == (whole.first, whole.last)


def _derive(values: dict, *, month: bool) -> dict:
    values["participation_rate"] = _rate(values["placed"], values["enrolled"])
    # M2 优先保障: over every priority-group child of the school, not only those who applied.
    values["priority_coverage"] = _rate(values["priority_placed"], values["priority_students"])
    # H3: who led or assisted a held session in the period (the month, else the term so far), of
    # the school's teachers.
    values["teachers_active"] = values["teachers_active_month" if month else "teachers_active_term"]
    values["teacher_participation"] = _rate(values["teachers_active"], values["teachers_total"])
    # M3: the share of the permitted categories a school runs; for a region, the mean over the
    # schools that offer the service.
    values["category_coverage"] = _rate(
        values["categories_run"], values.get("offering", 1 if values["offers_service"] else 0) * PERMITTED
    )
    values["attendance_rate"] = _rate(values["marks_present"], values["marks_expected"])
    values["hours_per_child"] = (
        (Decimal(values["child_hours"]) / values["placed"]).quantize(Decimal("0.1"))
        if values["placed"]
        else None
    )
    values["complaints"] = sum(values[f] for f in COMPLAINT_FIELDS.values())
    return values


def indicators_for(*, schools: QuerySet[School], period: Period) -> dict:
    """Region totals and one row per school, for the period (four queries whatever the data size)."""
    rows = DailySchoolSummary.objects.filter(school__in=schools, date__range=(period.first, period.last))
    month = is_month(period)
    last_day = rows.aggregate(last=Max("date"))["last"]
    flows = {
        row["school_id"]: row
        for row in rows.values("school_id").annotate(**{f: Sum(f) for f in FLOWS}).order_by()
    }
    stocks = {row["school_id"]: row for row in rows.filter(date=last_day).values("school_id", *STOCKS)}
    per_school = []
    for school in schools.select_related("region").order_by("region__code", "name"):
        values = {f: 0 for f in FLOWS + STOCKS}
        values.update({k: v or 0 for k, v in flows.get(school.pk, {}).items()})
        values.update(stocks.get(school.pk, {}))
        values["offers_service"] = bool(values["offers_service"])
        per_school.append({"school": school, "rolled": school.pk in flows, **_derive(values, month=month)})
    totals = {f: sum((row[f] for row in per_school), 0) for f in FLOWS + STOCKS}
    totals["schools"] = len(per_school)
    totals["offering"] = sum(1 for row in per_school if row["offers_service"])
    totals["categories_run"] = sum(row["categories_run"] for row in per_school if row["offers_service"])
    totals = _derive(totals, month=month)
    return {"period": period, "last_day": last_day, "totals": totals, "schools": per_school}


def daily_series(*, schools: QuerySet[School], period: Period) -> list[dict]:
    """Attendance per day of the period (the chart): one grouped query."""
    return [
        {
            "date": row["date"].isoformat(),
            "rate": float(rate) if (rate := _rate(row["present"], row["expected"])) is not None else None,
            "sessions": row["sessions"] or 0,
        }
        for row in DailySchoolSummary.objects.filter(
            school__in=schools, date__range=(period.first, period.last)
        )
        .values("date")
        .annotate(present=Sum("marks_present"), expected=Sum("marks_expected"), sessions=Sum("sessions_held"))
        .order_by("date")
    ]


def complaint_labels() -> dict:
    """Summary column -> the complaint kind's label."""
    return {COMPLAINT_FIELDS[value]: label for value, label in Complaint.Kind.choices}


# Counts of sensitive groups shown per school (or per region) beside their total.
SENSITIVE_COLUMNS = ("incidents", "complaints")


def protected_rows(rows: list[dict], totals: dict) -> list[dict]:
    """Rows of schools or regions for display: complementary suppression of the sensitive columns
    against the shown totals (schools.smallnumbers.protect); the small cells stay for small_count."""
    return smallnumbers.protect(rows, SENSITIVE_COLUMNS, total=totals)


def complaint_kinds(totals: dict) -> list[tuple[str, object]]:
    """(label, count) of each kind of guardians' report, beside their shown total: a kind that
    could be worked out from the total and the others is withheld."""
    labels = complaint_labels()
    counts = smallnumbers.protect_line([totals[f] for f in labels], total=totals["complaints"])
    return list(zip(labels.values(), counts, strict=True))
