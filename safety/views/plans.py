"""Emergency plans (应急预案) for school admins: one row per kind of emergency, new versions,
yearly reviews, drills, and the plan's document (served only after the scope check)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safety.forms import records as forms
from safety.models import PlanKind
from safety.selectors import records as selectors
from safety.services import plans as services
from schools.decorators import school_admin_required
from schools.formerrors import add_service_error


@require_GET
@school_admin_required
def plan_list(request):
    school = selectors.admin_school(request.user, request.GET.get("school"))
    return render(
        request,
        "safety/records/plans.html",
        {"school": school, "rows": selectors.plans_page(school, timezone.localdate())},
    )


@require_http_methods(["GET", "POST"])
@school_admin_required
def plan_create(request):
    """A plan's first version or a new one; GET ?kind= starts from the current version's text."""
    school = selectors.admin_school(request.user, request.GET.get("school"))
    kind = request.GET.get("kind", "")
    current = (
        selectors.plans_for(request.user).filter(school=school, kind=kind).order_by("-version").first()
        if kind in PlanKind.values
        else None
    )
    if current is not None:
        initial = forms.PlanForm.initial_from(current)
    else:
        initial = {"kind": kind} if kind in PlanKind.values else {}
    form = forms.PlanForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        staff=selectors.staff_choices(school),
        initial=initial,
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.plan_publish(
                school=school,
                kind=data["kind"],
                title=data["title"],
                responsible=data["responsible"],
                summary=data["summary"],
                document=data["document"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_error(
                form,
                exc,
                {
                    "responsible": "responsible",
                    "document_type": "document",
                    "document_size": "document",
                    "title": "title",
                },
            )
        else:
            messages.success(
                request,
                _("Version %(version)s of the plan “%(title)s” has been saved.")
                % {"version": plan.version, "title": plan.title},
            )
            return redirect("safety:plan-detail", plan_code=plan.code)
    return render(
        request, "safety/records/plan_form.html", {"school": school, "form": form, "current": current}
    )


def _detail(request, plan, *, review_form=None, drill_form=None, status=200):
    detail = selectors.plan_detail(plan, timezone.localdate())
    kwargs = {"plan_code": plan.code}
    return render(
        request,
        "safety/records/plan_detail.html",
        {
            "school": plan.school,
            "d": detail,
            "review_form": review_form
            or forms.PlanReviewForm(action=reverse("safety:plan-review", kwargs=kwargs)),
            "drill_form": drill_form or forms.DrillForm(action=reverse("safety:plan-drill", kwargs=kwargs)),
        },
        status=status,
    )


@require_GET
@school_admin_required
def plan_detail(request, plan_code):
    return _detail(request, selectors.get_plan_for_user(request.user, plan_code))


@require_POST
@school_admin_required
def plan_review(request, plan_code):
    plan = selectors.get_plan_for_user(request.user, plan_code)
    form = forms.PlanReviewForm(request.POST, action=request.path)
    if form.is_valid():
        try:
            services.plan_review_record(plan=plan, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc, {"future": "reviewed_on"})
        else:
            messages.success(request, _("The review has been recorded."))
            return redirect("safety:plan-detail", plan_code=plan.code)
    return _detail(request, plan, review_form=form)


@require_POST
@school_admin_required
def plan_drill(request, plan_code):
    plan = selectors.get_plan_for_user(request.user, plan_code)
    form = forms.DrillForm(request.POST, action=request.path)
    if form.is_valid():
        try:
            services.drill_record(plan=plan, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(
                form, exc, {"future": "held_on", "participants": "participants", "notes": "notes"}
            )
        else:
            messages.success(request, _("The drill has been recorded."))
            return redirect("safety:plan-detail", plan_code=plan.code)
    return _detail(request, plan, drill_form=form)


@require_GET
@school_admin_required
def plan_document(request, plan_code):
    plan = selectors.get_plan_for_user(request.user, plan_code)
    if not plan.document:
        raise Http404
    try:
        handle = plan.document.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=plan.document_name or plan.document.name)
    response["Cache-Control"] = "private, no-store"
    return response
