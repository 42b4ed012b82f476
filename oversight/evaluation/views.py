"""Term reports (school admins prepare and submit; the bureau the school reports to accepts or
returns), evaluation (bureaus set weights and read the ranking; a school admin reads its own score)
and good practice (school admins submit, bureaus feature, schools of the region read)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oversight.evaluation import exports, forms, scoring, selectors, services
from oversight.models import term_label
from oversight.supervision import selectors as supervision_selectors
from schools import access
from schools.decorators import (
    admin_or_bureau_required,
    bureau_officer_required,
    school_admin_required,
    teacher_admin_or_bureau_required,
)
from schools.formerrors import add_service_error, call_service, flash_service_error
from schools.models import Role
from schools.replica import bureau_reads
from schools.smallnumbers import small_count

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _term(request) -> str:
    return selectors.term_from(request.GET.get("term", ""), timezone.localdate())


def _is_bureau(user) -> bool:
    return user.is_superuser or access.has_role(user, Role.BUREAU_OFFICER)


# --- term reports ---------------------------------------------------------------------------


@require_GET
@admin_or_bureau_required
def report_list(request):
    term = _term(request)
    user = request.user
    schools = list(access.managed_schools_for(user).select_related("region")) if not user.is_superuser else []
    reports = list(selectors.report_list(user, term=term))
    have = {report.school_id for report in reports}
    return render(
        request,
        "oversight/evaluation/report_list.html",
        {
            "term": term,
            "term_label": term_label(term),
            "terms": selectors.term_choices(timezone.localdate()),
            "reports": reports,
            "to_prepare": [school for school in schools if school.pk not in have],
            "is_bureau": _is_bureau(user),
            "reviewing": set(
                selectors.reports_reviewed_by(user).filter(term=term).values_list("pk", flat=True)
            ),
        },
    )


@require_POST
@school_admin_required
def report_prepare(request):
    form = forms.ReportPrepareForm(request.POST, schools=access.managed_schools_for(request.user))
    if not form.is_valid():
        raise Http404  # not one of the user's schools (not yours and not there look the same)
    school, term = form.cleaned_data["school"], form.cleaned_data["term"]
    try:
        report = services.report_prepare(school=school, term=term, user=request.user)
    except ValidationError as exc:
        flash_service_error(request, exc)
        return redirect("oversight:term-report-list")
    return redirect("oversight:term-report-detail", term_report_code=report.code)


def _report_url(action: str, report) -> str:
    return reverse(f"oversight:term-report-{action}", kwargs={"term_report_code": report.code})


def _report_page(request, report, *, narrative_form=None, return_form=None, status=200):
    user = request.user
    manages = selectors.reports_managed_by(user).filter(pk=report.pk).exists()
    reviews = report.is_pending and selectors.can_review(user, report)
    if manages and report.is_editable and narrative_form is None:
        narrative_form = forms.ReportNarrativeForm(instance=report, action=_report_url("edit", report))
    if reviews and return_form is None:
        return_form = forms.ReturnForm(action=_report_url("return", report))
    rows = [
        ("participation_rate", _("Participation rate"), "%"),
        ("attendance_rate", _("Attendance rate"), "%"),
        ("priority_coverage", _("Priority-group coverage"), "%"),
        ("enrolled", _("Students enrolled"), ""),
        ("placed", _("Children placed"), ""),
        ("sessions_held", _("Sessions held"), ""),
        ("teachers", _("Teachers leading groups"), ""),
        ("teacher_participation", _("Teacher participation"), "%"),
        ("category_coverage", _("Category coverage"), "%"),
        ("teacher_hours", _("Teacher hours"), ""),
        ("hours_per_child", _("Hours attended per placed child"), ""),
        ("incidents", _("Incidents"), ""),
        ("complaints", _("Reports from guardians"), ""),
        ("findings_open", _("Open inspection findings"), ""),
        ("subsidy_claimed", _("Subsidy claimed (yuan)"), ""),
        ("subsidy_paid", _("Subsidy paid (yuan)"), ""),
    ]
    # Stored as text (JSON-ready); counts of sensitive groups shown as "<5" from 1 to 4 (F13).
    sensitive = {"incidents", "complaints"}
    figures = [
        (label, small_count(int(value)) if key in sensitive and str(value).isdigit() else value, unit)
        for key, label, unit in rows
        for value in [report.indicators.get(key)]
    ]
    return render(
        request,
        "oversight/evaluation/report_detail.html",
        {
            "report": report,
            "figures": figures,
            "last_day": report.indicators.get("last_day"),
            "manages": manages,
            "reviews": reviews,
            "narrative_form": narrative_form if manages and report.is_editable else None,
            "return_form": return_form if reviews else None,
        },
        status=status,
    )


@require_GET
@admin_or_bureau_required
def report_detail(request, term_report_code):
    return _report_page(request, selectors.get_term_report_for_user(request.user, term_report_code))


def _report_step(request, report, form, call, *, done: str, page_form: str, fields: dict | None = None):
    """A form step on a term report: the service through the form, then the report's page, again
    with the refused form when the service says no."""
    if call_service(form, call, fields):
        messages.success(request, done)
        return redirect("oversight:term-report-detail", term_report_code=report.code)
    report.refresh_from_db()
    return _report_page(request, report, status=400, **{page_form: form})


@require_POST
@school_admin_required
def report_edit(request, term_report_code):
    report = selectors.get_report_to_manage(request.user, term_report_code)
    form = forms.ReportNarrativeForm(request.POST, instance=report, action=_report_url("edit", report))
    return _report_step(
        request,
        report,
        form,
        lambda data: services.report_update(
            report=report, user=request.user, **{f: data[f] for f in form.fields}
        ),
        done=_("The report has been saved."),
        page_form="narrative_form",
    )


@require_POST
@school_admin_required
def report_submit(request, term_report_code):
    report = selectors.get_report_to_manage(request.user, term_report_code)
    try:
        services.report_submit(report=report, user=request.user)
    except ValidationError as exc:
        flash_service_error(request, exc)
    else:
        messages.success(request, _("The report has been submitted to the education bureau."))
    return redirect("oversight:term-report-detail", term_report_code=report.code)


@require_POST
@bureau_officer_required
def report_return(request, term_report_code):
    report = selectors.get_report_to_review(request.user, term_report_code)
    form = forms.ReturnForm(request.POST, action=_report_url("return", report))
    return _report_step(
        request,
        report,
        form,
        lambda data: services.report_return(report=report, officer=request.user, note=data["note"]),
        done=_("The report has been returned to the school."),
        page_form="return_form",
        fields={"no_note": "note"},
    )


@require_POST
@bureau_officer_required
def report_accept(request, term_report_code):
    report = selectors.get_report_to_review(request.user, term_report_code)
    try:
        services.report_accept(report=report, officer=request.user)
    except ValidationError as exc:
        flash_service_error(request, exc)
    else:
        messages.success(request, _("The report has been accepted."))
    return redirect("oversight:term-report-detail", term_report_code=report.code)


# --- evaluation -----------------------------------------------------------------------------


def _bureau_region(request):
    """?region= among the regions the officer oversees, else their own (first) bureau region."""
    code = request.GET.get("region")
    if code:
        return access.get_region_for_user(request.user, code)
    region = access.bureau_regions_of(request.user).order_by("report_path").first()
    if region is None:
        raise Http404
    return region


@require_GET
@bureau_officer_required
@bureau_reads
def ranking(request):
    term, region = _term(request), _bureau_region(request)
    result = selectors.ranking(
        schools=selectors.region_schools(request.user, region), region=region, term=term
    )
    return render(
        request,
        "oversight/evaluation/ranking.html",
        {
            **result,
            "region": region,
            "term": term,
            "term_label": term_label(term),
            "terms": selectors.term_choices(timezone.localdate()),
            "indicators": scoring.INDICATORS,
            "weight_rows": [(i.label, result["weights"][i.key]) for i in scoring.INDICATORS],
            "can_set": access.bureau_regions_of(request.user).filter(pk=region.pk).exists(),
        },
    )


@require_GET
@bureau_officer_required
@bureau_reads
def ranking_export(request):
    term, region = _term(request), _bureau_region(request)
    result = selectors.ranking(
        schools=selectors.region_schools(request.user, region), region=region, term=term
    )
    data = exports.ranking_xlsx(region=region, term_label=term_label(term), result=result)
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, f"考评排名-{region.name}-{term}.xlsx")
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@bureau_officer_required
def weights(request):
    term = selectors.term_from(request.POST.get("term") or request.GET.get("term", ""), timezone.localdate())
    code = request.POST.get("region") or request.GET.get("region")
    own = access.bureau_regions_of(request.user).order_by("report_path")
    region = (access.filter_by_code(own, code) if code else own).first()
    if region is None:
        raise Http404
    action = f"{reverse('oversight:weights')}?term={term}&region={region.code}"
    current, weight_set = selectors.weights_for(region=region, term=term)
    if request.method == "POST":
        form = forms.WeightsForm(request.POST, action=action)
        if form.is_valid():
            try:
                services.weights_set(
                    region=region,
                    term=term,
                    weights={key: form.cleaned_data[key] for key in scoring.KEYS},
                    officer=request.user,
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("The weights have been saved."))
                return redirect(f"{reverse('oversight:ranking')}?term={term}&region={region.code}")
    else:
        form = forms.WeightsForm(initial=current, action=action)
    return render(
        request,
        "oversight/evaluation/weights.html",
        {
            "form": form,
            "region": region,
            "term": term,
            "term_label": term_label(term),
            "weight_set": weight_set,
            "inherited": weight_set is not None and weight_set.region_id != region.pk,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@admin_or_bureau_required
@bureau_reads
def school_score(request, school_code):
    school = selectors.get_score_school_for_user(request.user, school_code)
    term = _term(request)
    result = selectors.school_score(school=school, term=term)
    return render(
        request,
        "oversight/evaluation/school_score.html",
        {
            **result,
            "school": school,
            "term": term,
            "term_label": term_label(term),
            "terms": selectors.term_choices(timezone.localdate()),
            # F17: the term's supervision visits and the state of their findings.
            "visits": supervision_selectors.school_visits(
                school=school, term=term, today=timezone.localdate()
            ),
        },
    )


# --- good practice --------------------------------------------------------------------------


@require_GET
@teacher_admin_or_bureau_required
def practice_list(request):
    lists = selectors.practice_lists(request.user)
    schools = list(access.managed_schools_for(request.user)) if not request.user.is_superuser else []
    return render(request, "oversight/evaluation/practice_list.html", {**lists, "can_submit": bool(schools)})


@require_http_methods(["GET", "POST"])
@school_admin_required
def practice_new(request):
    schools = access.managed_schools_for(request.user)
    code = request.POST.get("school") or request.GET.get("school")
    school = (access.filter_by_code(schools, code) if code else schools.order_by("name")).first()
    if school is None:
        raise Http404
    form = forms.PracticeForm(
        request.POST or None, action=f"{reverse('oversight:practice-new')}?school={school.code}"
    )
    if request.method == "POST" and form.is_valid():
        practice = services.practice_submit(school=school, user=request.user, **form.cleaned_data)
        messages.success(request, _("Your write-up has been submitted to the education bureau."))
        return redirect("oversight:practice-detail", practice_code=practice.code)
    return render(
        request,
        "oversight/evaluation/practice_form.html",
        {"form": form, "school": school},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@teacher_admin_or_bureau_required
def practice_detail(request, practice_code):
    practice = selectors.get_practice_for_user(request.user, practice_code)
    can_decide = (
        _is_bureau(request.user)
        and selectors.practices_decided_by(request.user).filter(pk=practice.pk).exists()
    )
    return render(
        request, "oversight/evaluation/practice_detail.html", {"practice": practice, "can_decide": can_decide}
    )


@require_POST
@bureau_officer_required
def practice_decide(request, practice_code):
    practice = selectors.get_practice_to_decide(request.user, practice_code)
    feature = request.POST.get("feature") == "1"
    try:
        services.practice_decide(
            practice=practice,
            officer=request.user,
            feature=feature,
            region=selectors.feature_region_for(request.user, practice),
        )
    except ValidationError as exc:
        flash_service_error(request, exc)
    else:
        messages.success(
            request, _("The write-up is featured.") if feature else _("The write-up is not featured.")
        )
    return redirect("oversight:practice-detail", practice_code=practice.code)
