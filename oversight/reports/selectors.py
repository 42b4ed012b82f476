"""Which reports a user sees and may ask for, built on schools.access (out of scope is 404)."""

from django.db.models import Q, QuerySet

from oversight.models import GeneratedReport
from schools import access
from schools.access import any_of, under_paths
from schools.models import Region, School


def generated_reports_for(user) -> QuerySet[GeneratedReport]:
    """Bureau officers: reports of every region and school in their reporting chains; school
    admins: their schools' reports. Newest first."""
    s = access.scope(user)
    reports = GeneratedReport.objects.select_related("region", "school", "requested_by")
    if s.everything:
        return reports
    return reports.filter(
        any_of(
            [
                under_paths("region__report_path", s.region_paths),
                under_paths("school__region__report_path", s.region_paths),
                Q(school_id__in=s.admin_school_ids) if s.admin_school_ids else None,
            ]
        )
    )


def get_generated_report_for_user(user, code) -> GeneratedReport:
    return access.get_or_404(generated_reports_for(user), code=code)


def scopes_for(user) -> tuple[QuerySet[Region], QuerySet[School]]:
    """What the user may report on: the regions of their bureau roles (and those under them), and
    the schools they run."""
    return access.regions_for(user).order_by("report_path"), access.managed_schools_for(user).order_by("name")
