"""Class review (班级审核, M2) for class teachers, phone first: the queue of their own classes'
applications, priority groups first; approve (one or many), return with a note, decline with a
reason."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit import services as audit
from enrollment import forms, selectors, services
from enrollment.models import Application
from schools.decorators import class_teacher_required
from schools.formerrors import add_service_error

TABS = [
    Application.Status.SUBMITTED,
    Application.Status.RETURNED,
    Application.Status.APPROVED,
    Application.Status.DECLINED,
    Application.Status.WITHDRAWN,
]


@require_GET
@class_teacher_required
def queue(request):
    status = request.GET.get("status")
    if status not in Application.Status.values:
        status = Application.Status.SUBMITTED
    terms = selectors.review_terms(user=request.user, today=timezone.localdate())
    counts = selectors.review_counts(user=request.user, terms=terms)
    applications = selectors.review_queue(user=request.user, terms=terms, status=status)
    # PIPL: the queue shows each child's name, class and priority groups.
    audit.access_log(request=request, targets=[a.student for a in applications])
    return render(
        request,
        "enrollment/review_queue.html",
        {
            "terms": terms,
            "status": status,
            "tabs": [(s, Application.Status(s).label, counts.get(s, 0)) for s in TABS],
            "applications": applications,
            "pending": status == Application.Status.SUBMITTED,
        },
    )


@require_POST
@class_teacher_required
def bulk_approve(request):
    codes = []
    for value in request.POST.getlist("application"):
        try:
            codes.append(uuid.UUID(value))
        except ValueError:
            continue
    applications = selectors.review_applications(user=request.user, codes=codes)
    if not applications:
        messages.info(request, _("Tick the applications to approve first."))
        return redirect("enrollment:review")
    done = services.applications_approve(applications=applications, reviewer=request.user)
    messages.success(
        request,
        ngettext("%(count)s application approved.", "%(count)s applications approved.", done)
        % {"count": done},
    )
    if done < len(applications):
        messages.warning(
            request,
            _("%(count)s could not be approved: they were changed or reviewed meanwhile.")
            % {"count": len(applications) - done},
        )
    return redirect("enrollment:review")


ACTIONS = {
    "approve": gettext_lazy("The application for %(child)s has been approved."),
    "return": gettext_lazy("The application for %(child)s has been returned to the guardian."),
    "decline": gettext_lazy("The application for %(child)s has been declined."),
}


@require_http_methods(["GET", "POST"])
@class_teacher_required
def detail(request, application_code):
    application = selectors.get_application_to_review_for_user(user=request.user, code=application_code)
    form = forms.ReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action")
        note = form.cleaned_data["note"]
        try:
            if action == "approve":
                services.application_approve(application=application, reviewer=request.user)
            elif action == "return":
                services.application_return(application=application, reviewer=request.user, note=note)
            elif action == "decline":
                services.application_decline(application=application, reviewer=request.user, reason=note)
            else:
                raise ValidationError(_("Choose approve, return or decline."), code="action")
        except ValidationError as exc:
            add_service_error(form, exc, {"note": "note"})
        else:
            messages.success(request, str(ACTIONS[action]) % {"child": application.student.name})
            if request.POST.get("next") == "queue":
                return redirect("enrollment:review")
            return redirect("enrollment:review-detail", application_code=application.code)
    # PIPL: a view of a child's application (priority data included) is logged.
    audit.access_log(request=request, targets=[application, application.student])
    application = selectors.review_detail(application)
    return render(
        request,
        "enrollment/review_detail.html",
        {
            "application": application,
            "form": form,
            "pending": application.status == Application.Status.SUBMITTED,
        },
    )
