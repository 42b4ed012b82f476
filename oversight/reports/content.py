"""What a generated report says, independent of its format: a title, a few lines about it, and
tables. Every figure comes from oversight.summaries.selectors.indicators_for (the daily summaries), never from
the raw records, so a report costs the same as the dashboard. Counts of sensitive groups (priority
groups, incidents, guardians' reports) pass through schools.smallnumbers.small_count ("<5"), and the
rows and kinds beside a shown total through its complementary suppression ("*")."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from oversight.models import GeneratedReport
from oversight.summaries import selectors
from schools import access
from schools.models import Region, School
from schools.smallnumbers import small_count

Progress = Callable[[int], None]


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list]
    key: str  # stable name of the table (tests, sheet order)
    total_row: bool = False  # the last row is the total


@dataclass
class Content:
    title: str
    lines: list[str]
    tables: list[Table] = field(default_factory=list)
    signature: list[str] = field(default_factory=list)  # the upward summary's signature block


def _yes_no(flag) -> str:
    return _("Yes") if flag else _("No")


def _num(value):
    """Rates and averages the selectors leave undefined (no one enrolled, no marks) stay blank."""
    return value


def indicator_rows(values: dict) -> list[list]:
    """Every indicator of the dashboard, as (label, value) rows for a region's or school's totals."""
    rows = []
    if "schools" in values:
        rows += [
            [_("Number of schools"), values["schools"]],
            [_("Schools offering the service"), values["offering"]],
        ]
    rows += [
        [_("Students enrolled"), values["enrolled"]],
        [_("Children placed"), values["placed"]],
        [_("Participation rate (%)"), _num(values["participation_rate"])],
        [_("Priority-group children in the schools"), small_count(values["priority_students"])],
        [_("Priority-group children who applied"), small_count(values["priority_applied"])],
        [_("Priority-group children placed"), small_count(values["priority_placed"])],
        [_("Priority-group coverage (%)"), _num(values["priority_coverage"])],
        [_("Sessions held"), values["sessions_held"]],
        [_("Attendance marks expected"), values["marks_expected"]],
        [_("Attendance marks present"), values["marks_present"]],
        [_("Attendance rate (%)"), _num(values["attendance_rate"])],
        [_("Teachers leading groups"), values["teachers"]],
        [_("Teachers of the schools"), values["teachers_total"]],
        [_("Teachers who led or assisted a held session"), values["teachers_active"]],
        [_("Teacher participation (%)"), _num(values["teacher_participation"])],
        [_("Category coverage (%)"), _num(values["category_coverage"])],
        [_("Service hours (teachers)"), values["teacher_hours"]],
        [_("Hours attended by children"), values["child_hours"]],
        [_("Hours attended per placed child"), _num(values["hours_per_child"])],
        [_("Incidents"), small_count(values["incidents"])],
        [_("Open inspection findings"), values["findings_open"]],
        *[
            [_("Reports from guardians: %(kind)s") % {"kind": label}, small_count(count)]
            for label, count in selectors.complaint_kinds(values)
        ],
        [_("Reports from guardians in all"), small_count(values["complaints"])],
        [_("Subsidies claimed (yuan)"), values["subsidy_claimed"]],
        [_("Subsidies paid (yuan)"), values["subsidy_paid"]],
    ]
    return rows


def row_headers(first: list[str]) -> list[str]:
    return [
        *first,
        _("Offers the service"),
        _("Enrolled"),
        _("Placed"),
        _("Participation rate (%)"),
        _("Priority-group coverage (%)"),
        _("Attendance rate (%)"),
        _("Sessions"),
        _("Teachers"),
        _("Service hours"),
        _("Hours per child"),
        _("Incidents"),
        _("Open findings"),
        _("Reports from guardians"),
        _("Subsidies claimed (yuan)"),
        _("Subsidies paid (yuan)"),
        _("Teacher participation (%)"),
        _("Category coverage (%)"),
    ]


def row_values(values: dict, *, offering: str) -> list:
    return [
        offering,
        values["enrolled"],
        values["placed"],
        _num(values["participation_rate"]),
        _num(values["priority_coverage"]),
        _num(values["attendance_rate"]),
        values["sessions_held"],
        values["teachers"],
        values["teacher_hours"],
        _num(values["hours_per_child"]),
        small_count(values["incidents"]),
        values["findings_open"],
        small_count(values["complaints"]),
        values["subsidy_claimed"],
        values["subsidy_paid"],
        _num(values["teacher_participation"]),
        _num(values["category_coverage"]),
    ]


def _offering(totals: dict) -> str:
    return f"{totals['offering']} / {totals['schools']}"


def sub_regions(region: Region) -> list[Region]:
    """The regions reporting straight to this one (a city's counties; a province's cities and the
    counties it administers directly), by code."""
    depth = region.report_path.count("/") + 1
    return [
        r
        for r in Region.objects.filter(report_path__startswith=region.report_path).exclude(pk=region.pk)
        if r.report_path.count("/") == depth
    ]


def _counties(region: Region) -> list[Region]:
    """The county-level regions in the region's reporting chain (rows of a city's upward summary)."""
    return list(
        Region.objects.filter(report_path__startswith=region.report_path, level=Region.Level.COUNTY).order_by(
            "code"
        )
    )


def requester_name(report: GeneratedReport) -> str:
    user = report.requested_by
    return user.display_name if user else ""


def _title(report: GeneratedReport) -> str:
    names = {
        GeneratedReport.Kind.MONTHLY: _("%(scope)s after-school service monthly report, %(period)s"),
        GeneratedReport.Kind.TERM: _("%(scope)s after-school service term statistics, %(period)s"),
        GeneratedReport.Kind.UPWARD: _(
            "%(scope)s after-school service summary for the next level, %(period)s"
        ),
    }
    return names[report.kind] % {"scope": report.scope_name, "period": report.period_label}


def build(report: GeneratedReport, *, progress: Progress) -> Content:
    """The report's content; calls progress(0–90) after each section."""
    period = selectors.Period(report.period_first, report.period_last)
    if report.region_id:
        schools = access.schools_reporting_to(report.region)
    else:
        schools = School.objects.filter(pk=report.school_id)
    data = selectors.indicators_for(schools=schools, period=period)
    progress(20)
    last_day = data["last_day"]
    lines = [
        _("Period: %(first)s to %(last)s.") % {"first": period.first, "last": period.last},
        _("Enrolment, placements, teachers and open findings as of %(day)s.") % {"day": last_day}
        if last_day
        else _("No figures have been computed for this period yet."),
        _("Generated %(when)s by %(who)s.")
        % {
            "when": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
            "who": requester_name(report) or _("the monthly schedule"),
        },
        _(
            "Counts of sensitive groups from 1 to 4 are shown as <5; "
            "* withheld so that such a count cannot be worked out from the total."
        ),
    ]
    content = Content(title=_title(report), lines=lines)
    if report.kind == GeneratedReport.Kind.UPWARD:
        _upward(content, report, data, period, progress)
        return content
    content.tables.append(
        Table(_("Totals"), [_("Indicator"), _("Figure")], indicator_rows(data["totals"]), key="totals")
    )
    progress(30)
    if report.region_id and report.region.level != Region.Level.COUNTY:
        parts = sub_regions(report.region)
        sums = []
        for i, sub in enumerate(parts, start=1):
            sums.append(
                selectors.indicators_for(schools=access.schools_reporting_to(sub), period=period)["totals"]
            )
            progress(30 + 40 * i // len(parts))
        rows = [
            [sub.name, totals["schools"], *row_values(totals, offering=_offering(totals))]
            for sub, totals in zip(parts, selectors.protected_rows(sums, data["totals"]), strict=True)
        ]
        content.tables.append(
            Table(_("Sub-regions"), row_headers([_("Region"), _("Schools")]), rows, key="regions")
        )
    rows = [
        [
            row["school"].name,
            row["school"].region.name,
            *row_values(row, offering=_yes_no(row["offers_service"])),
        ]
        for row in selectors.protected_rows(data["schools"], data["totals"])
    ]
    content.tables.append(Table(_("Schools"), row_headers([_("School"), _("County")]), rows, key="schools"))
    progress(80)
    return content


def _upward(content: Content, report, data, period, progress: Progress) -> None:
    """上报汇总表: one row per school (a county's) or per county (a city's or province's), the
    total, and the block the bureau signs and dates before sending it up."""
    totals = data["totals"]
    if report.region_id and report.region.level != Region.Level.COUNTY:
        counties = _counties(report.region)
        sums = []
        for i, county in enumerate(counties, start=1):
            sums.append(
                selectors.indicators_for(schools=access.schools_reporting_to(county), period=period)["totals"]
            )
            progress(20 + 60 * i // len(counties))
        rows = [
            [county.name, part["schools"], *row_values(part, offering=_offering(part))]
            for county, part in zip(counties, selectors.protected_rows(sums, totals), strict=True)
        ]
        headers = row_headers([_("County"), _("Schools")])
        rows.append([_("Total"), totals["schools"], *row_values(totals, offering=_offering(totals))])
    else:
        rows = [
            [row["school"].name, 1, *row_values(row, offering=_yes_no(row["offers_service"]))]
            for row in selectors.protected_rows(data["schools"], totals)
        ]
        headers = row_headers([_("School"), _("Schools")])
        rows.append([_("Total"), totals["schools"], *row_values(totals, offering=_offering(totals))])
        progress(80)
    content.tables.append(Table(_("Summary"), headers, rows, key="upward", total_row=True))
    content.signature = [
        _("Reporting unit: %(unit)s") % {"unit": report.scope_name},
        _("Head of unit (signature):"),
        _("Prepared by: %(name)s") % {"name": requester_name(report)},
        _("Telephone:"),
        _("Date: %(date)s") % {"date": timezone.localdate().isoformat()},
        _("(Seal of the unit)"),
    ]
