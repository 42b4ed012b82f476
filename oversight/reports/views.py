"""Generated reports (F8): the archive with the request form, a report's page with its progress,
the JSON the progress bar polls, and the scoped download."""

from pathlib import PurePath

from django.contrib import messages
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from audit import services as audit
from oversight.reports import forms, services
from oversight.reports import selectors as report_selectors
from oversight.summaries import selectors
from schools.decorators import admin_or_bureau_required

ARCHIVE_SIZE = 50


@require_http_methods(["GET", "POST"])
@admin_or_bureau_required
def reports(request):
    regions, schools = report_selectors.scopes_for(request.user)
    form = forms.ReportRequestForm(
        request.POST or None,
        regions=regions,
        schools=schools,
        choices=selectors.period_choices(today=timezone.localdate(), months=12),
    )
    if request.method == "POST" and form.is_valid():
        region, school = form.cleaned_data["scope"]
        try:
            report, created = services.report_request(
                user=request.user,
                kind=form.cleaned_data["kind"],
                period_key=form.cleaned_data["period"],
                fmt=form.cleaned_data["format"],
                region=region,
                school=school,
            )
        except ValueError:
            form.add_error("period", _("Choose a month or term from the list."))
        else:
            if not created:
                messages.info(request, _("The same report is already being generated."))
            return redirect("oversight:report-detail", report_code=report.code)
    archive = list(report_selectors.generated_reports_for(request.user)[:ARCHIVE_SIZE])
    return render(request, "oversight/reports/reports.html", {"form": form, "reports": archive})


@require_GET
@admin_or_bureau_required
def report_detail(request, report_code):
    report = report_selectors.get_generated_report_for_user(request.user, report_code)
    return render(request, "oversight/reports/report_detail.html", {"report": report})


@require_GET
@never_cache
@admin_or_bureau_required
def report_status(request, report_code):
    report = report_selectors.get_generated_report_for_user(request.user, report_code)
    return JsonResponse(
        {
            "status": report.status,
            "label": report.get_status_display(),
            "percent": report.progress,
            "active": report.is_active,
            "download": reverse("oversight:report-download", kwargs={"report_code": report.code})
            if report.file
            else "",
        }
    )


@require_GET
@admin_or_bureau_required
def report_download(request, report_code):
    report = report_selectors.get_generated_report_for_user(request.user, report_code)
    if not report.file:
        raise Http404
    try:
        handle = report.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    # Who took which region's figures is kept, like every other download.
    audit.access_record(user=request.user, target=report, path=request.get_full_path())
    response = FileResponse(handle, as_attachment=True, filename=PurePath(report.file.name).name)
    response["Cache-Control"] = "private, no-store"
    return response
