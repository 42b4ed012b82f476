"""Which reports a user sees and may ask for, built on schools.access (out of scope is 404)."""

from django.db.models import Q, QuerySet
from django.http import Http404

from oversight.models import GeneratedReport
from schools import access
from schools.access import any_of, under_paths


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


def get_report_for_user(user, code) -> GeneratedReport:
    return access.get_or_404(generated_reports_for(user), code=code)


def scope_choices(user) -> list[tuple[str, str]]:
    """What the user may report on: the regions of their bureau roles (and those under them), then
    the schools they run. Values "region:<code>" / "school:<code>"."""
    regions = [(f"region:{r.code}", r.name) for r in access.regions_for(user).order_by("report_path")]
    schools = [(f"school:{s.code}", s.name) for s in access.managed_schools_for(user).order_by("name")]
    return regions + schools


def scope_resolve(user, value: str):
    """(region, school) for a scope_choices value the user may use; Http404 otherwise."""
    kind, _sep, code = (value or "").partition(":")
    if kind == "region":
        return access.get_region_for_user(user, code), None
    if kind == "school":
        return None, access.get_or_404(access.managed_schools_for(user), code=code)
    raise Http404
