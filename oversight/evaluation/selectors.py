"""Reads for term reports, scores and good practice, scoped through schools.access.

Reports: school admins read their school's, bureau officers those of every school under their
region (access.schools_for); only the reviewing bureau decides. Scores come from the daily
summaries through oversight.summaries.selectors, a fixed number of queries however many schools
there are.
"""

import datetime
import re

from django.db.models import Q, QuerySet

from oversight.evaluation import scoring
from oversight.models import TERM_PATTERN, GoodPractice, TermReport, WeightSet, term_label
from oversight.summaries import selectors as indicators
from schools import access
from schools.models import Region, Role, School, path_codes
from schools.selectors import bureau_for_school


def reviewing_region_for(school: School) -> Region | None:
    """The bureau a school reports to: the nearest region on its reporting chain with an active
    officer (a 省直管县 school: its county, else the province — never the city it sits in).
    F12: the one rule for everything sent to "the bureau" (schools.selectors.bureau_for_school)."""
    bureau = bureau_for_school(school)
    return bureau.region if bureau else None


# --- term reports ---------------------------------------------------------------------------


def term_reports_for(user) -> QuerySet[TermReport]:
    """Reports the user may read: their schools' (admins), those submitted under their bureau
    (officers)."""
    s = access.scope(user)
    if s.everything:
        return TermReport.objects.all()
    # A draft is the school's own until it is submitted.
    condition = access.paths_q("school__region__report_path", s.region_paths) & ~Q(
        status=TermReport.Status.DRAFT
    )
    if s.admin_school_ids:
        condition |= Q(school_id__in=s.admin_school_ids)
    return TermReport.objects.filter(condition)


def reports_managed_by(user) -> QuerySet[TermReport]:
    s = access.scope(user)
    if s.everything:
        return TermReport.objects.all()
    return TermReport.objects.filter(school_id__in=s.admin_school_ids)


def reports_reviewed_by(user) -> QuerySet[TermReport]:
    """Reports the user accepts or returns: those submitted to their own bureau."""
    return TermReport.objects.filter(reviewing_region__in=access.bureau_regions_of(user))


def _related(queryset: QuerySet[TermReport]) -> QuerySet[TermReport]:
    return queryset.select_related(
        "school__region", "reviewing_region", "prepared_by", "submitted_by", "decided_by"
    )


def get_term_report_for_user(user, code) -> TermReport:
    return access.get_or_404(_related(term_reports_for(user)), code=code)


def get_report_to_manage(user, code) -> TermReport:
    return access.get_or_404(_related(reports_managed_by(user)), code=code)


def get_report_to_review(user, code) -> TermReport:
    return access.get_or_404(_related(reports_reviewed_by(user)), code=code)


def report_list(user, *, term: str) -> QuerySet[TermReport]:
    return _related(term_reports_for(user)).filter(term=term).order_by("school__region__code", "school__name")


def can_review(user, report: TermReport) -> bool:
    return reports_reviewed_by(user).filter(pk=report.pk).exists()


def term_period(term: str) -> indicators.Period:
    return indicators.period_parse(term=term, today=datetime.date.today())


def report_indicators(*, school: School, term: str) -> dict:
    """The school's term indicators from the summaries, JSON-ready (decimals as text)."""
    data = indicators.indicators_for(schools=School.objects.filter(pk=school.pk), period=term_period(term))
    row = data["schools"][0]
    keep = [
        "enrolled",
        "placed",
        "participation_rate",
        "priority_students",
        "priority_applied",
        "priority_placed",
        "priority_coverage",
        "marks_expected",
        "marks_present",
        "attendance_rate",
        "sessions_held",
        "teachers",
        "teachers_total",
        "teachers_active",
        "teacher_participation",
        "category_coverage",
        "teacher_hours",
        "child_hours",
        "hours_per_child",
        "incidents",
        "complaints",
        "findings_open",
        "subsidy_claimed",
        "subsidy_paid",
    ]
    result = {key: (None if row[key] is None else str(row[key])) for key in keep}
    result["last_day"] = data["last_day"].isoformat() if data["last_day"] else None
    return result


# --- weights and scores ---------------------------------------------------------------------


def weights_for(*, region: Region, term: str) -> tuple[dict, WeightSet | None]:
    """The weights that apply to a region's term: its own, else the nearest bureau's above it on
    its reporting chain, else scoring.DEFAULT_WEIGHTS. One query."""
    codes = region.chain_codes[::-1]
    sets = {
        w.region.code: w
        for w in WeightSet.objects.filter(term=term, region__code__in=codes).select_related("region")
    }
    for code in codes:
        if code in sets:
            return sets[code].as_dict(), sets[code]
    return dict(scoring.DEFAULT_WEIGHTS), None


def ranking(*, schools: QuerySet[School], region: Region, term: str) -> dict:
    """Every school's term score under the region's weights, best first (six queries)."""
    period = term_period(term)
    weights, weight_set = weights_for(region=region, term=term)
    data = indicators.indicators_for(schools=schools, period=period)
    weeks = scoring.weeks_of(
        first=period.first, last=min(data["last_day"], period.last) if data["last_day"] else None
    )
    rows = [
        {"school": row["school"], **scoring.score(row, weights=weights, weeks=weeks)}
        for row in data["schools"]
    ]
    rows.sort(key=lambda r: (-r["score"], r["school"].region.code, r["school"].name))
    for position, row in enumerate(rows, 1):
        row["rank"] = position
    return {
        "rows": rows,
        "weights": weights,
        "weight_set": weight_set,
        "period": period,
        "last_day": data["last_day"],
    }


def region_schools(user, region: Region) -> QuerySet[School]:
    return access.schools_for(user).filter(region__report_path__startswith=region.report_path)


def school_score(*, school: School, term: str) -> dict:
    """One school's score and breakdown under the weights of the bureau nearest it."""
    result = ranking(schools=School.objects.filter(pk=school.pk), region=school.region, term=term)
    return {**result["rows"][0], "weights": result["weights"], "weight_set": result["weight_set"]}


def get_score_school_for_user(user, code) -> School:
    """Schools whose score the user may read: a school admin's own, a bureau's region's."""
    s = access.scope(user)
    if s.everything or s.region_paths:
        return access.get_or_404(access.schools_for(user).select_related("region"), code=code)
    return access.get_or_404(access.managed_schools_for(user).select_related("region"), code=code)


# --- good practice --------------------------------------------------------------------------


def _chain_codes_of_schools(school_ids) -> set[str]:
    paths = School.objects.filter(pk__in=school_ids).values_list("region__report_path", flat=True)
    return {c for path in paths for c in path_codes(path)}


def practices_for(user) -> QuerySet[GoodPractice]:
    """Write-ups the user may read: their school's own (admins), those of schools under their
    bureau (officers), and those featured for a region on their own reporting chain (officers) or
    their school's (school admins and teachers; not gate guards)."""
    s = access.scope(user)
    if s.everything:
        return GoodPractice.objects.all()
    condition = access.paths_q("school__region__report_path", s.region_paths) | (
        Q(status=GoodPractice.Status.FEATURED)
        & access.paths_q("featured_region__report_path", s.region_paths)
    )
    if s.admin_school_ids:
        condition |= Q(school_id__in=s.admin_school_ids)
    # Featured for a region above: a bureau's own chain, a school's reporting chain.
    codes = {c for path in s.region_paths for c in path_codes(path)}
    teaching = s.roles & {Role.SCHOOL_ADMIN, Role.CLASS_TEACHER, Role.SERVICE_TEACHER}
    if teaching and s.staff_school_ids:
        codes |= _chain_codes_of_schools(s.staff_school_ids)
    if codes:
        condition |= Q(status=GoodPractice.Status.FEATURED, featured_region__code__in=codes)
    return GoodPractice.objects.filter(condition)


def practices_decided_by(user) -> QuerySet[GoodPractice]:
    """Write-ups a bureau officer may feature: those of the schools under their region."""
    s = access.scope(user)
    if s.everything:
        return GoodPractice.objects.all()
    return GoodPractice.objects.filter(access.paths_q("school__region__report_path", s.region_paths))


def _practice_related(queryset):
    return queryset.select_related("school__region", "featured_region", "submitted_by", "decided_by")


def get_practice_for_user(user, code) -> GoodPractice:
    return access.get_or_404(_practice_related(practices_for(user)), code=code)


def get_practice_to_decide(user, code) -> GoodPractice:
    return access.get_or_404(_practice_related(practices_decided_by(user)), code=code)


def practice_lists(user) -> dict:
    """The featured write-ups the user sees, their school's own, and (bureaus) those to decide."""
    visible = _practice_related(practices_for(user))
    s = access.scope(user)
    return {
        "featured": list(visible.filter(status=GoodPractice.Status.FEATURED).order_by("-decided_at")),
        "own": list(visible.filter(school_id__in=s.admin_school_ids).order_by("-submitted_at"))
        if s.admin_school_ids
        else [],
        "to_decide": list(_practice_related(practices_decided_by(user)).order_by("status", "-submitted_at"))
        if (s.everything or s.region_paths)
        else [],
    }


def feature_region_for(user, practice: GoodPractice) -> Region | None:
    """The region a bureau officer features for: their own region above the school, the widest."""
    path = practice.school.region.report_path
    own = access.bureau_regions_of(user).order_by("report_path")
    regions = [r for r in own if path.startswith(r.report_path)]
    return min(regions, key=lambda r: len(r.report_path)) if regions else None


def current_term(today: datetime.date) -> str:
    """The term today falls in: 1 Sep – 31 Jan autumn, 1 Feb – 31 Aug spring."""
    if today.month >= 9:
        return f"{today.year}-autumn"
    if today.month == 1:
        return f"{today.year - 1}-autumn"
    return f"{today.year}-spring"


def term_choices(today: datetime.date) -> list[tuple[str, str]]:
    """The current term and the two before it."""
    term = current_term(today)
    year, season = int(term[:4]), term[5:]
    result = []
    for _i in range(3):
        key = f"{year}-{season}"
        result.append((key, term_label(key)))
        year, season = (year, "spring") if season == "autumn" else (year - 1, "autumn")
    return result


def term_from(value: str, today: datetime.date) -> str:
    """A well-formed ?term= value, else the current term."""
    return value if re.fullmatch(TERM_PATTERN, value or "") else current_term(today)
