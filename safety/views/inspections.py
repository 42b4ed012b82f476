"""Venue safety inspections for school admins: the overview of venues and open findings, a venue's
safety page (with the sessions booked there), recording an inspection, and signing findings off."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from activities import selectors as activity_selectors
from activities import services as activity_services
from safety.forms import records as forms
from safety.models import Finding
from safety.selectors import records as selectors
from safety.services import inspections as services
from schools.decorators import school_admin_required
from schools.formerrors import add_service_error


@require_GET
@school_admin_required
def overview(request):
    school = selectors.admin_school(request.user, request.GET.get("school"))
    today = timezone.localdate()
    return render(
        request,
        "safety/records/inspections.html",
        {
            "school": school,
            "venues": selectors.inspection_overview(school),
            "findings": selectors.open_findings(school),
            "today": today,
        },
    )


@require_GET
@school_admin_required
def venue_safety(request, venue_code):
    venue = activity_selectors.get_venue_for_user(request.user, venue_code)
    today = timezone.localdate()
    return render(
        request,
        "safety/records/venue_safety.html",
        {
            "school": venue.school,
            "venue": venue,
            "blocked": activity_services.venue_blocked_reason(venue),
            "inspections": selectors.venue_inspections(venue),
            "findings": selectors.venue_findings(venue),
            "sessions": selectors.venue_sessions_ahead(venue, today),
            "today": today,
        },
    )


@require_http_methods(["GET", "POST"])
@school_admin_required
def inspection_create(request, venue_code):
    venue = activity_selectors.get_venue_for_user(request.user, venue_code)
    form = forms.InspectionForm(request.POST if request.method == "POST" else None, venue=venue)
    if form.is_valid():
        try:
            inspection = services.inspection_record(
                venue=venue,
                inspected_on=form.cleaned_data["inspected_on"],
                checks=form.checks(),
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_error(form, exc, {"future": "inspected_on"})
        else:
            messages.success(
                request, _("The inspection of %(venue)s has been recorded.") % {"venue": venue.name}
            )
            if inspection.findings.filter(severity=Finding.Severity.CRITICAL).exists():
                messages.warning(
                    request,
                    _(
                        "A critical finding closes %(venue)s: no sessions can be scheduled there until it "
                        "is signed off. Cancel or move the sessions booked there; their teachers and "
                        "families are told."
                    )
                    % {"venue": venue.name},
                )
            return redirect("safety:venue-safety", venue_code=venue.code)
    return render(
        request, "safety/records/inspection_form.html", {"school": venue.school, "venue": venue, "form": form}
    )


@require_GET
@school_admin_required
def inspection_detail(request, inspection_code):
    inspection = selectors.get_inspection_for_user(request.user, inspection_code)
    return render(
        request,
        "safety/records/inspection_detail.html",
        {
            "school": inspection.school,
            "inspection": inspection,
            "results": selectors.inspection_results(inspection),
            "findings": list(inspection.findings.select_related("signoff").order_by("id")),
        },
    )


@require_http_methods(["GET", "POST"])
@school_admin_required
def finding_detail(request, finding_code):
    finding = selectors.get_finding_for_user(request.user, finding_code)
    signed = hasattr(finding, "signoff")
    form = None if signed else forms.SignoffForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form is None:
        messages.error(request, _("This finding has already been signed off."))
        return redirect("safety:finding-detail", finding_code=finding.code)
    if form is not None and form.is_valid():
        try:
            services.finding_signoff(finding=finding, note=form.cleaned_data["note"], actor=request.user)
        except ValidationError as exc:
            add_service_error(form, exc, {"note": "note"})
        else:
            messages.success(request, _("The finding has been signed off."))
            if finding.severity == Finding.Severity.CRITICAL and not activity_services.venue_blocked_reason(
                finding.venue
            ):
                messages.info(
                    request, _("%(venue)s can host sessions again.") % {"venue": finding.venue.name}
                )
            return redirect("safety:venue-safety", venue_code=finding.venue.code)
    return render(
        request,
        "safety/records/finding_detail.html",
        {
            "school": finding.school,
            "finding": finding,
            "form": form,
            "overdue": not signed and finding.deadline < timezone.localdate(),
        },
    )
