"""F17: supervision visits (bureau officers record them, school admins answer the findings) and the
school's documents (school admins upload versions, the bureaus over the school read them)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oversight.evaluation.selectors import term_choices
from oversight.supervision import forms, selectors, services
from schools import access
from schools.decorators import admin_or_bureau_required, bureau_officer_required, school_admin_required
from schools.formerrors import add_service_error, flash_service_error
from schools.models import Role

# --- supervision visits ----------------------------------------------------------------------


def _bureau_schools(user):
    """Schools the user may record a visit to: those under the regions of their own bureau."""
    s = access.scope(user)
    if s.everything:
        return access.schools_for(user)
    return access.schools_for(user).filter(access.paths_q("region__report_path", s.region_paths))


@require_GET
@admin_or_bureau_required
def visit_list(request):
    visits = selectors.visit_rows(selectors.visits_for(request.user), timezone.localdate())
    can_record = request.user.is_superuser or access.has_role(request.user, Role.BUREAU_OFFICER)
    return render(
        request, "oversight/supervision/visit_list.html", {"visits": visits, "can_record": can_record}
    )


@require_http_methods(["GET", "POST"])
@bureau_officer_required
def visit_create(request):
    schools = _bureau_schools(request.user).select_related("region")
    initial = {"school": request.GET.get("school"), "visited_on": timezone.localdate()}
    form = forms.VisitForm(request.POST or None, schools=schools, initial=initial)
    if request.method == "POST" and form.is_valid():
        school = form.cleaned_data["school"]
        region = selectors.visit_region_for(request.user, school) or school.region
        try:
            visit = services.visit_record(
                school=school,
                region=region,
                visited_on=form.cleaned_data["visited_on"],
                summary=form.cleaned_data["summary"],
                findings=form.finding_lines,
                deadline=form.cleaned_data["deadline"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_error(form, exc, {"visit_future": "visited_on", "deadline": "deadline"})
        else:
            messages.success(request, _("The visit has been recorded and the school told."))
            return redirect("oversight:visit-detail", visit_code=visit.code)
    return render(request, "oversight/supervision/visit_form.html", {"form": form})


@require_GET
@admin_or_bureau_required
def visit_detail(request, visit_code):
    visit = selectors.get_visit_for_user(request.user, visit_code)
    [visit] = selectors.visit_rows(
        selectors.visits_for(request.user).filter(pk=visit.pk), timezone.localdate()
    )
    answering = access.manages_school(request.user, visit.school_id)
    for finding in visit.finding_rows:
        finding.form = (
            forms.FindingAnswerForm(
                action=reverse("oversight:finding-answer", kwargs={"visit_finding_code": finding.code}),
                prefix=f"f{finding.number}",
            )
            if answering and finding.status == finding.Status.OPEN
            else None
        )
    return render(request, "oversight/supervision/visit_detail.html", {"visit": visit})


@require_POST
@school_admin_required
def finding_answer(request, visit_finding_code):
    finding = selectors.get_finding_for_school(request.user, visit_finding_code)
    form = forms.FindingAnswerForm(request.POST, request.FILES, action="", prefix=f"f{finding.number}")
    if not form.is_valid():
        messages.error(request, _("Say how the finding was rectified."))
    else:
        try:
            services.finding_answer(
                finding=finding,
                note=form.cleaned_data["note"],
                evidence=form.cleaned_data["evidence"],
                actor=request.user,
            )
        except ValidationError as exc:
            flash_service_error(request, exc)
        else:
            messages.success(request, _("The finding is reported as rectified."))
    return redirect("oversight:visit-detail", visit_code=finding.visit.code)


@require_GET
@admin_or_bureau_required
def evidence_download(request, evidence_code):
    evidence = selectors.get_evidence_for_user(request.user, evidence_code)
    return _attachment(evidence.file, evidence.file_name)


def _attachment(file, name: str) -> FileResponse:
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=name)
    response["Cache-Control"] = "private, no-store"
    return response


# --- the school's documents: rules and safety education -------------------------------------


@require_GET
@admin_or_bureau_required
def document_list(request):
    documents = selectors.documents_for(request.user)
    can_upload = access.managed_schools_for(request.user).exists()
    return render(
        request,
        "oversight/supervision/document_list.html",
        {"groups": selectors.document_history(documents), "can_upload": can_upload},
    )


@require_http_methods(["GET", "POST"])
@school_admin_required
def document_upload(request):
    schools = access.managed_schools_for(request.user)
    form = forms.DocumentForm(
        request.POST or None,
        request.FILES or None,
        schools=schools,
        terms=term_choices(timezone.localdate()),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            doc = services.document_upload(
                school=data["school"],
                term=data["term"],
                kind=data["kind"],
                title=data["title"],
                document=data["document"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_error(form, exc, {"document_type": "document", "document_size": "document"})
        else:
            messages.success(
                request, _("Version %(version)s of the document has been saved.") % {"version": doc.version}
            )
            return redirect("oversight:document-list")
    return render(request, "oversight/supervision/document_form.html", {"form": form})


@require_GET
@admin_or_bureau_required
def document_download(request, document_code):
    doc = selectors.get_document_for_user(request.user, document_code)
    return _attachment(doc.file, doc.file_name)
