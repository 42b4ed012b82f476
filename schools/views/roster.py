"""Roster import and export (花名册) for school admins: upload → check (dry run) → confirm → import,
with a progress bar for large files; the school's roster as .xlsx; an empty template."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit import services as audit
from schools import access, activation, activation_pdf, forms, rollover, roster, selectors
from schools.decorators import school_admin_required
from schools.models import School

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _school_context(request) -> dict:
    """The school worked on: the only one the admin manages, or ?school=<code> among several."""
    schools = list(access.managed_schools_for(request.user).select_related("region").order_by("name"))
    wanted = request.GET.get("school")
    school = next((s for s in schools if str(s.code) == wanted), None) if wanted else None
    if school is None and (wanted or not schools):
        raise Http404
    school = school or schools[0]
    several = len(schools) > 1
    return {
        "school": school,
        "school_qs": f"?school={school.code}" if several else "",
        "school_picker": forms.SchoolPickForm(
            initial={"school": school.code}, schools=School.objects.filter(pk__in=[s.pk for s in schools])
        )
        if several
        else None,
    }


@require_http_methods(["GET", "POST"])
@school_admin_required
def roster_import(request):
    ctx = _school_context(request)
    form = forms.RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = roster.roster_import_preview(
                school=ctx["school"],
                uploaded_by=request.user,
                upload=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("schools:roster-import-detail", import_code=result.code)
    recent = (
        access.roster_imports_for(request.user).filter(school=ctx["school"]).select_related("uploaded_by")
    )
    leavings = list(selectors.school_leavings(school=ctx["school"])[:50])
    if request.method == "GET":
        audit.access_log(request=request, student_codes=[leaving.student.code for leaving in leavings])
    return render(
        request,
        "schools/roster/import.html",
        {
            **ctx,
            "form": form,
            "recent": recent[:10],
            "leavings": leavings,
            "headers": roster.COLUMNS,
            "max_mb": f"{settings.ROSTER_IMPORT_MAX_BYTES / 1024 / 1024:g}",
        },
    )


@require_http_methods(["GET", "POST"])
@school_admin_required
def roster_import_detail(request, import_code):
    item = access.get_roster_import_for_user(request.user, import_code)
    missing = None
    if item.status == item.Status.PREVIEWED and item.missing:
        missing = (
            access.students_for(request.user)
            .filter(school=item.school, active=True, code__in=item.missing)
            .select_related("class_group")
            .order_by("class_group__grade", "class_group__number", "name")
        )
    form = forms.RosterConfirmForm(request.POST if request.method == "POST" else None, missing=missing)
    if request.method == "POST" and form.is_valid():
        left = [child.code for child in form.cleaned_data.get("left", [])]
        try:
            item = roster.roster_import_confirm(roster_import=item, actor=request.user, left=left)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if item.status == item.Status.DONE:
                messages.success(
                    request,
                    _("%(count)s students imported.") % {"count": item.created_counts.get("students", 0)},
                )
            elif item.status == item.Status.REJECTED:
                messages.error(request, _("Nothing was imported: the school's data no longer fits the file."))
        return redirect("schools:roster-import-detail", import_code=item.code)
    if missing is not None and request.method == "GET":
        audit.access_log(request=request, targets=missing)  # PIPL: the children listed on this page
    return render(
        request,
        "schools/roster/detail.html",
        {
            "item": item,
            "form": form,
            "errors_more": max(item.preview_counts.get("errors", 0) - len(item.errors), 0),
            "progress_url": reverse("schools:roster-import-progress", kwargs={"import_code": item.code}),
            **_columns_context(item),
        },
    )


def _columns_context(item, columns_form=None) -> dict:
    """The file's columns for the preview: those ignored, and the choice of ambiguous ones."""
    plan = roster.ColumnPlan.from_dict(item.column_plan) if item.column_plan else None
    if plan is not None and columns_form is None and item.status == item.Status.COLUMNS:
        columns_form = forms.RosterColumnsForm(plan=plan)
    return {"column_plan": plan, "columns_form": columns_form}


@require_POST
@school_admin_required
def roster_import_columns(request, import_code):
    """The school admin's choice of the columns a header left ambiguous; then the file is checked."""
    item = access.get_roster_import_for_user(request.user, import_code)
    if item.status != item.Status.COLUMNS:
        return redirect("schools:roster-import-detail", import_code=item.code)
    form = forms.RosterColumnsForm(request.POST, plan=roster.ColumnPlan.from_dict(item.column_plan))
    if form.is_valid():
        try:
            roster.roster_import_choose_columns(
                roster_import=item, actor=request.user, columns=form.columns()
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("schools:roster-import-detail", import_code=item.code)
    return render(
        request,
        "schools/roster/detail.html",
        {"item": item, "form": forms.RosterConfirmForm(), **_columns_context(item, form)},
        status=400,
    )


@require_http_methods(["GET", "POST"])
@school_admin_required
def rollover_page(request):
    """The year rollover (学年升级): the preview of every class's move, then the run."""
    ctx = _school_context(request)
    school = ctx["school"]
    preview = rollover.rollover_preview(school=school)
    form = forms.RolloverForm(
        request.POST if request.method == "POST" else None,
        moves=preview.moves,
        staff=selectors.staff_users(school=school),
    )
    if request.method == "POST" and (preview.done is not None or form.is_valid()):
        done = None
        if preview.done is None:
            done = rollover.rollover_run(school=school, actor=request.user, teachers=form.teachers())
        if done is None:
            messages.info(request, _("This school year has already been rolled over; nothing changed."))
        else:
            messages.success(
                request,
                _("%(classes)s classes moved up a grade; %(children)s children graduated.")
                % {
                    "classes": done.counts["classes_promoted"],
                    "children": done.counts["children_graduated"],
                },
            )
        return redirect(reverse("schools:rollover") + ctx["school_qs"])
    return render(request, "schools/roster/rollover.html", {**ctx, "preview": preview, "form": form})


@require_GET
@never_cache
@school_admin_required
def roster_import_progress(request, import_code):
    item = access.get_roster_import_for_user(request.user, import_code)
    return JsonResponse(
        {
            "status": item.status,
            "label": item.get_status_display(),
            "processed": item.processed_rows,
            "total": item.total_rows,
            "percent": item.percent,
            "active": item.is_active,
        }
    )


@require_GET
@school_admin_required
def roster_export(request):
    school = _school_context(request)["school"]
    data, _count = roster.roster_export_xlsx(school=school)
    # The school's own full records of children: who took them is logged, child by child (PIPL).
    audit.access_log(
        request=request,
        targets=[school],
        student_codes=roster.roster_export_queryset(school=school).values_list("code", flat=True),
    )
    name = f"花名册-{school.name}-{timezone.localdate():%Y%m%d}.xlsx"
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@school_admin_required
def roster_template(request):
    response = HttpResponse(roster.roster_template_xlsx(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, "花名册模板.xlsx")
    return response


# --- activation slips (schools/activation.py) -------------------------------------------------


@require_http_methods(["GET", "POST"])
@school_admin_required
def activation_slips(request):
    """Pick a class; printing gives each of its parents who has not activated their account yet a
    new one-time code on a slip (codes printed earlier for them stop working)."""
    ctx = _school_context(request)
    school = ctx["school"]
    classes = selectors.school_classes(user=request.user, school=school)
    form = forms.SlipClassForm(request.POST or None, classes=classes)
    if request.method == "POST" and form.is_valid():
        group = form.cleaned_data["class_group"]
        slips = activation.activation_slips_issue(class_group=group, actor=request.user)
        # Rendered in the POST's own response, not after a redirect: the codes exist in clear only
        # here (never in the database, the session or a URL), and the page is never cached.
        if "pdf" in request.POST:
            data = activation_pdf.slips_pdf(
                school_name=school.name,
                class_name=group.display_name,
                slips=slips,
                **_slip_context(request),
            )
            response = HttpResponse(data, content_type="application/pdf")
            name = f"激活单-{school.name}-{group.display_name}.pdf"
            response["Content-Disposition"] = content_disposition_header(True, name)
            response["Cache-Control"] = "no-store"
            return response
        return render(
            request,
            "schools/roster/slips_print.html",
            {**ctx, "group": group, "slips": slips, **_slip_context(request)},
        )
    awaiting = activation.awaiting_counts(school=school)
    rows = [(group, awaiting.get(group.pk, 0)) for group in classes]
    return render(
        request,
        "schools/roster/slips.html",
        {**ctx, "form": form, "rows": rows, "days": settings.ACTIVATION_CODE_DAYS},
    )


def _slip_context(request) -> dict:
    return {
        "activate_url": request.build_absolute_uri(reverse("activate")),
        "expires": timezone.localdate() + datetime.timedelta(days=settings.ACTIVATION_CODE_DAYS),
    }
