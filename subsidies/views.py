"""Subsidy claims (school admins prepare and submit; the county bureau approves, returns and marks
paid), held workload, funding (budgets, purchase contracts, rates) for bureaus, and complaints
(guardians report to the county bureau, which handles, replies and may share with the school)."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activities.models import Provider
from audit import services as audit
from schools import access
from schools import selectors as school_selectors
from schools.decorators import (
    admin_or_bureau_required,
    bureau_officer_required,
    parent_required,
    school_admin_required,
    teacher_or_admin_required,
)
from schools.formerrors import add_service_error, call_service, flash_service_error
from schools.models import Role
from subsidies import exports, forms, selectors, services
from subsidies.models import Claim, Complaint

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


CLAIM_ERROR_FIELDS = {"period": "month", "overlap": "month", "empty": "month"}


def _school(request):
    return selectors.managed_school(request.user, request.GET.get("school"))


def _with_school(url: str, school) -> str:
    return f"{url}?school={school.code}"


# --- claims: school admin -------------------------------------------------------------------


def _claim_list_page(request, school, form=None, status=200):
    prepare_url = _with_school(reverse("subsidies:claim-prepare"), school)
    form = form or forms.ClaimPrepareForm(terms=selectors.terms_of_school(school), action=prepare_url)
    today = timezone.localdate()
    return render(
        request,
        "subsidies/claim_list.html",
        {
            "school": school,
            "schools": list(access.managed_schools_for(request.user).order_by("region__code", "name")),
            "claims": selectors.claim_list(school=school),
            "form": form,
            "rates": selectors.rates_in_force(school, today),
            "today": today,
        },
        status=status,
    )


@require_GET
@school_admin_required
def claim_list(request):
    return _claim_list_page(request, _school(request))


@require_POST
@school_admin_required
def claim_prepare(request):
    school = _school(request)
    form = forms.ClaimPrepareForm(
        request.POST,
        terms=selectors.terms_of_school(school),
        action=_with_school(reverse("subsidies:claim-prepare"), school),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            claim = services.claim_prepare(
                school=school,
                actor=request.user,
                month=data["month"] if data["kind"] == Claim.Kind.MONTH else None,
                term=data["term"] if data["kind"] == Claim.Kind.TERM else None,
            )
        except ValidationError as exc:
            fields = dict(CLAIM_ERROR_FIELDS)
            if data["kind"] == Claim.Kind.TERM:
                fields = {code: "term" for code in fields}
            add_service_error(form, exc, fields)
        else:
            messages.success(request, _("The claim has been prepared. Check it, then submit it."))
            return redirect("subsidies:claim-detail", claim_code=claim.code)
    return _claim_list_page(request, school, form=form, status=400)


# --- claims: shared detail ------------------------------------------------------------------


def _claim_page(request, claim, *, return_form=None, paid_form=None, status=200):
    s = access.scope(request.user)
    can_manage = access.manages_school(request.user, claim.school_id)
    can_decide = selectors.claims_decided_by(request.user).filter(pk=claim.pk).exists()
    lines = selectors.claim_lines(claim)
    code = {"claim_code": claim.code}
    if can_decide and claim.status == Claim.Status.SUBMITTED:
        return_form = return_form or forms.ClaimReturnForm(
            action=reverse("subsidies:claim-return", kwargs=code)
        )
    if can_decide and claim.status == Claim.Status.APPROVED:
        paid_form = paid_form or forms.ClaimPaidForm(action=reverse("subsidies:claim-paid", kwargs=code))
    budget = selectors.budget_for_claim(claim) if (can_decide or s.region_paths) else None
    return render(
        request,
        "subsidies/claim_detail.html",
        {
            "claim": claim,
            "lines": lines,
            "totals": selectors.claim_totals(lines),
            "unrated": selectors.unrated_lines(lines),
            "can_manage": can_manage,
            "can_decide": can_decide,
            "budget": budget,
            "return_form": return_form if can_decide and claim.status == Claim.Status.SUBMITTED else None,
            "paid_form": paid_form if can_decide and claim.status == Claim.Status.APPROVED else None,
        },
        status=status,
    )


@require_GET
@admin_or_bureau_required
def claim_detail(request, claim_code):
    return _claim_page(request, selectors.get_claim_for_user(request.user, claim_code))


@require_GET
@admin_or_bureau_required
def claim_export(request, claim_code):
    claim = selectors.get_claim_for_user(request.user, claim_code)
    data = exports.claim_xlsx(claim, selectors.claim_lines(claim))
    response = HttpResponse(data, content_type=XLSX)
    name = f"补助申报-{claim.school.name}-{claim.period_label}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["Cache-Control"] = "no-store"
    return response


def _claim_action(request, claim_code, *, getter, action, done: str):
    claim = getter(request.user, claim_code)
    try:
        action(claim)
    except ValidationError as exc:
        flash_service_error(request, exc)
    else:
        messages.success(request, done)
    return redirect("subsidies:claim-detail", claim_code=claim.code)


@require_POST
@school_admin_required
def claim_recompute(request, claim_code):
    return _claim_action(
        request,
        claim_code,
        getter=selectors.get_claim_to_manage,
        action=lambda claim: services.claim_recompute(claim=claim, actor=request.user),
        done=_("The claim has been computed again."),
    )


@require_POST
@school_admin_required
def claim_submit(request, claim_code):
    return _claim_action(
        request,
        claim_code,
        getter=selectors.get_claim_to_manage,
        action=lambda claim: services.claim_submit(claim=claim, actor=request.user),
        done=_("The claim has been submitted to the education bureau."),
    )


@require_POST
@school_admin_required
def claim_discard(request, claim_code):
    claim = selectors.get_claim_to_manage(request.user, claim_code)
    try:
        services.claim_discard(claim=claim, actor=request.user)
    except ValidationError as exc:
        flash_service_error(request, exc)
        return redirect("subsidies:claim-detail", claim_code=claim.code)
    messages.success(request, _("The claim has been discarded."))
    return redirect(_with_school(reverse("subsidies:claim-list"), claim.school))


@require_POST
@bureau_officer_required
def claim_approve(request, claim_code):
    return _claim_action(
        request,
        claim_code,
        getter=selectors.get_claim_to_decide,
        action=lambda claim: services.claim_approve(claim=claim, officer=request.user),
        done=_("The claim has been approved."),
    )


# The bureau's two steps with a form on a submitted or approved claim: form, service, field, message.
CLAIM_DECISIONS = {
    "return": (
        forms.ClaimReturnForm,
        services.claim_return,
        "note",
        gettext_lazy("The claim has been returned to the school."),
    ),
    "paid": (
        forms.ClaimPaidForm,
        services.claim_mark_paid,
        "reference",
        gettext_lazy("The claim has been marked paid."),
    ),
}


def _claim_decision(request, claim_code, key: str):
    """Return or mark paid: the officer's form, the service, the claim's page again when refused."""
    form_class, service, field, done = CLAIM_DECISIONS[key]
    claim = selectors.get_claim_to_decide(request.user, claim_code)
    form = form_class(
        request.POST, action=reverse(f"subsidies:claim-{key}", kwargs={"claim_code": claim.code})
    )
    if call_service(
        form, lambda data: service(claim=claim, officer=request.user, **{field: data[field]}), {field: field}
    ):
        messages.success(request, done)
        return redirect("subsidies:claim-detail", claim_code=claim.code)
    claim.refresh_from_db()
    return _claim_page(request, claim, status=400, **{f"{key}_form": form})


@require_POST
@bureau_officer_required
def claim_return(request, claim_code):
    return _claim_decision(request, claim_code, "return")


@require_POST
@bureau_officer_required
def claim_paid(request, claim_code):
    return _claim_decision(request, claim_code, "paid")


# --- claims: bureau queue -------------------------------------------------------------------


@require_GET
@bureau_officer_required
def claim_queue(request):
    form = forms.ClaimFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    return render(
        request,
        "subsidies/claim_queue.html",
        {"form": form, "claims": selectors.claim_queue(user=request.user, status=status)},
    )


# --- workload -------------------------------------------------------------------------------


def _neighbours(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    first, last = selectors.month_bounds(month)
    return (first - datetime.timedelta(days=1)).replace(day=1), last + datetime.timedelta(days=1)


@require_GET
@teacher_or_admin_required
def workload(request):
    """Held sessions and hours per month: a school admin sees everyone at their school (teachers and
    providers) and the adjustments; everyone else their own hours."""
    month = selectors.month_start(request.GET.get("month"), timezone.localdate())
    is_admin = request.user.is_superuser or access.has_role(request.user, Role.SCHOOL_ADMIN)
    school = _school(request) if is_admin else None
    result = (
        selectors.held_workload(month=month, school=school)
        if school
        else selectors.held_workload(month=month, user=request.user)
    )
    previous, following = _neighbours(month)
    return render(
        request,
        "subsidies/workload.html",
        {"school": school, "workload": result, "previous": previous, "following": following},
    )


@require_http_methods(["GET", "POST"])
@school_admin_required
def workload_adjust(request):
    school = _school(request)
    form = forms.AdjustmentForm(
        request.POST if request.method == "POST" else None,
        teachers=selectors.adjustable_teachers(school),
        providers=selectors.providers_at_school(school),
        initial={"date": timezone.localdate()},
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.workload_adjust(
                school=school,
                date=data["date"],
                reason=data["reason"],
                actor=request.user,
                teacher=data["teacher"],
                hours=data["hours"] or 0,
                provider=data["provider"],
                sessions=data["sessions"] or 0,
            )
        except ValidationError as exc:
            add_service_error(
                form,
                exc,
                {
                    "reason": "reason",
                    "claimed": "date",
                    "negative": "hours" if data["teacher"] else "sessions",
                },
            )
        else:
            messages.success(request, _("The adjustment has been recorded."))
            return redirect(
                f"{reverse('subsidies:workload')}?school={school.code}&month={data['date']:%Y-%m}"
            )
    return render(
        request,
        "subsidies/adjustment_form.html",
        {"school": school, "form": form},
        status=400 if form.is_bound else 200,
    )


# --- funding (bureaus) ----------------------------------------------------------------------


@require_GET
@bureau_officer_required
def funding(request):
    return render(
        request,
        "subsidies/funding.html",
        {
            "budgets": selectors.budget_list(request.user),
            "contracts": selectors.contract_list(request.user),
            "rates": selectors.rate_list(request.user),
            "managed": set(selectors.regions_managed_by(request.user).values_list("pk", flat=True)),
        },
    )


def _funding_form_page(request, form, *, title: str, status: int = 200):
    return render(request, "subsidies/funding_form.html", {"form": form, "title": title}, status=status)


@require_http_methods(["GET", "POST"])
@bureau_officer_required
def budget_create(request):
    regions = selectors.regions_managed_by(request.user)
    form = forms.BudgetForm(request.POST if request.method == "POST" else None, regions=regions)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.budget_save(
                region=data["region"],
                fiscal_year=data["fiscal_year"],
                total=data["total"],
                note=data["note"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_error(form, exc, {"duplicate": "fiscal_year"})
        else:
            messages.success(request, _("The budget has been saved."))
            return redirect("subsidies:funding")
    return _funding_form_page(request, form, title=_("New budget"), status=400 if form.is_bound else 200)


@require_http_methods(["GET", "POST"])
@bureau_officer_required
def budget_edit(request, budget_code):
    budget = selectors.get_budget_to_manage(request.user, budget_code)
    form = forms.BudgetForm(
        request.POST if request.method == "POST" else None,
        editing=True,
        initial={"total": budget.total, "note": budget.note},
    )
    if form.is_valid():
        try:
            services.budget_save(
                region=budget.region,
                fiscal_year=budget.fiscal_year,
                total=form.cleaned_data["total"],
                note=form.cleaned_data["note"],
                actor=request.user,
                budget=budget,
            )
        except ValidationError as exc:
            add_service_error(form, exc, {"below_approved": "total"})
        else:
            messages.success(request, _("The budget has been saved."))
            return redirect("subsidies:funding")
    title = _("Budget of %(region)s for %(year)s") % {
        "region": budget.region.name,
        "year": budget.fiscal_year,
    }
    return _funding_form_page(request, form, title=title, status=400 if form.is_bound else 200)


def _contract_form(request, *, contract=None):
    regions = selectors.regions_managed_by(request.user)
    data = request.POST if request.method == "POST" else None
    region = None
    if data and data.get("region"):
        region = access.filter_by_code(regions, data["region"]).first()
    region = region or (contract.region if contract else regions.order_by("code").first())
    providers = selectors.providers_for_region(region) if region else Provider.objects.none()
    initial = {}
    if contract is not None:
        initial = {
            "region": contract.region.code,
            "provider": contract.provider.code,
            "number": contract.number,
            "scope": contract.scope,
            "amount": contract.amount,
            "start": contract.start,
            "end": contract.end,
        }
    return forms.ContractForm(data, regions=regions, providers=providers, initial=initial)


def _contract_save(request, form, contract=None):
    data = form.cleaned_data
    services.contract_save(
        region=data["region"],
        provider=data["provider"],
        number=data["number"],
        scope=data["scope"],
        amount=data["amount"],
        start=data["start"],
        end=data["end"],
        actor=request.user,
        contract=contract,
    )


@require_http_methods(["GET", "POST"])
@bureau_officer_required
def contract_create(request):
    form = _contract_form(request)
    if form.is_valid():
        try:
            _contract_save(request, form)
        except ValidationError as exc:
            add_service_error(
                form,
                exc,
                {"dates": "end", "provider": "provider", "unqualified": "provider", "duplicate": "number"},
            )
        else:
            messages.success(request, _("The contract has been saved."))
            return redirect("subsidies:funding")
    return _funding_form_page(
        request, form, title=_("New purchase-of-services contract"), status=400 if form.is_bound else 200
    )


@require_http_methods(["GET", "POST"])
@bureau_officer_required
def contract_edit(request, contract_code):
    contract = selectors.get_contract_to_manage(request.user, contract_code)
    form = _contract_form(request, contract=contract)
    if form.is_valid():
        try:
            _contract_save(request, form, contract)
        except ValidationError as exc:
            add_service_error(
                form,
                exc,
                {"dates": "end", "provider": "provider", "unqualified": "provider", "duplicate": "number"},
            )
        else:
            messages.success(request, _("The contract has been saved."))
            return redirect("subsidies:funding")
    title = _("Contract %(number)s") % {"number": contract.number}
    return _funding_form_page(request, form, title=title, status=400 if form.is_bound else 200)


@require_http_methods(["GET", "POST"])
@bureau_officer_required
def rate_create(request):
    form = forms.RateForm(
        request.POST if request.method == "POST" else None, regions=selectors.regions_managed_by(request.user)
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.rate_set(
                region=data["region"],
                kind=data["kind"],
                amount=data["amount"],
                monthly_cap=data["monthly_cap"],
                effective_from=data["effective_from"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_error(form, exc, {"cap": "monthly_cap", "duplicate": "effective_from"})
        else:
            messages.success(request, _("The rate has been set."))
            return redirect("subsidies:funding")
    return _funding_form_page(request, form, title=_("New rate"), status=400 if form.is_bound else 200)


# --- complaints -----------------------------------------------------------------------------


@require_GET
@parent_required
def complaint_mine(request):
    complaints = selectors.complaints_of_guardian(request.user).select_related("school", "student")
    return render(request, "subsidies/complaint_mine.html", {"complaints": complaints})


@require_http_methods(["GET", "POST"])
@parent_required
def complaint_new(request):
    children = school_selectors.family_children(user=request.user)
    form = forms.ComplaintForm(request.POST if request.method == "POST" else None, children=children)
    if form.is_valid():
        data = form.cleaned_data
        try:
            complaint = services.complaint_submit(
                guardian=request.user.guardian,
                student=data["student"],
                kind=data["kind"],
                description=data["description"],
                share_identity=data["share_identity"],
            )
        except ValidationError as exc:
            add_service_error(form, exc, {"description": "description", "not_your_child": "student"})
        else:
            messages.success(
                request, _("Your report has been sent to the education bureau. You will see its reply here.")
            )
            return redirect("subsidies:complaint-detail", complaint_code=complaint.code)
    return render(
        request, "subsidies/complaint_form.html", {"form": form}, status=400 if form.is_bound else 200
    )


@require_GET
@admin_or_bureau_required
def complaint_list(request):
    s = access.scope(request.user)
    context = {"kinds": Complaint.Kind.choices}
    if s.region_paths or s.everything:
        context["queue"] = selectors.complaint_queue(user=request.user)
        context["counts"] = selectors.complaint_counts_by_county(user=request.user)
    if s.admin_school_ids or s.everything:
        context["shared"] = (
            selectors.complaints_shared_with(request.user)
            .select_related("school", "student__class_group", "guardian")
            .order_by("-shared_at")
        )
    return render(request, "subsidies/complaint_list.html", context)


def _complaint_page(request, complaint, *, note_form=None, reply_form=None, share_form=None, status=200):
    s = access.scope(request.user)
    handler = s.everything or selectors.complaints_handled_by(request.user).filter(pk=complaint.pk).exists()
    if handler:
        mode = "bureau"
    elif s.guardian_id and complaint.guardian_id == s.guardian_id:
        mode = "guardian"
    else:
        mode = "school"
    context = {"complaint": complaint, "mode": mode}
    if mode == "bureau" or (mode == "school" and complaint.share_identity):
        # PIPL: the page names the child (to the bureau always, to the school when the guardian agreed).
        audit.access_log(request=request, targets=[complaint.student])
    if mode == "bureau":
        code = {"complaint_code": complaint.code}
        context.update(
            notes=selectors.complaint_notes(complaint),
            note_form=note_form
            or forms.ComplaintNoteForm(action=reverse("subsidies:complaint-note", kwargs=code)),
            reply_form=reply_form
            or forms.ComplaintReplyForm(
                action=reverse("subsidies:complaint-reply", kwargs=code), initial={"text": complaint.reply}
            ),
            share_form=share_form
            or forms.ComplaintShareForm(
                action=reverse("subsidies:complaint-share", kwargs=code),
                initial={"summary": complaint.shared_summary or complaint.description},
            ),
        )
    return render(request, "subsidies/complaint_detail.html", context, status=status)


@require_GET
@login_required
def complaint_detail(request, complaint_code):
    return _complaint_page(request, selectors.get_complaint_for_user(request.user, complaint_code))


# The bureau's three steps on a complaint: form, service, the field the text goes in, the message.
COMPLAINT_ACTIONS = {
    "note": (
        forms.ComplaintNoteForm,
        services.complaint_note_add,
        "text",
        gettext_lazy("The handling step has been recorded."),
    ),
    "reply": (
        forms.ComplaintReplyForm,
        services.complaint_reply,
        "text",
        gettext_lazy("The reply has been sent to the guardian."),
    ),
    "share": (
        forms.ComplaintShareForm,
        services.complaint_share,
        "summary",
        gettext_lazy("The summary has been shared with the school."),
    ),
}


def _complaint_action(request, complaint_code, key: str):
    form_class, service, field, done = COMPLAINT_ACTIONS[key]
    complaint = selectors.get_complaint_to_handle(request.user, complaint_code)
    form = form_class(
        request.POST, action=reverse(f"subsidies:complaint-{key}", kwargs={"complaint_code": complaint.code})
    )
    if call_service(
        form,
        lambda data: service(complaint=complaint, officer=request.user, **{field: data[field]}),
        {field: field, "text": field, "summary": field},
    ):
        messages.success(request, done)
        return redirect("subsidies:complaint-detail", complaint_code=complaint.code)
    complaint = selectors.get_complaint_for_user(request.user, complaint.code)
    return _complaint_page(request, complaint, status=400, **{f"{key}_form": form})


@require_POST
@bureau_officer_required
def complaint_note(request, complaint_code):
    return _complaint_action(request, complaint_code, "note")


@require_POST
@bureau_officer_required
def complaint_reply(request, complaint_code):
    return _complaint_action(request, complaint_code, "reply")


@require_POST
@bureau_officer_required
def complaint_share(request, complaint_code):
    return _complaint_action(request, complaint_code, "share")
