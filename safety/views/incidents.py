"""Incident reports: any staff member reports; the school admin sees the school's and adds
follow-ups; the bureau sees its region's, read-only and without children's names."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit import services as audit
from safety.forms import records as forms
from safety.models import IncidentFollowUp
from safety.selectors import records as selectors
from safety.services import incidents as services
from schools import access
from schools.decorators import school_admin_required, school_staff_required, staff_or_bureau_required
from schools.formerrors import add_service_error, call_service
from schools.models import Role

FIELDS = {
    "future": "occurred_at",
    "kind": "kind",
    "severity": "severity",
    "place": "place",
    "description": "description",
    "actions": "actions_taken",
    "child": "children",
    "venue": "venue",
    "guardians_time": "guardians_notified_at",
}


@require_GET
@staff_or_bureau_required
def incident_list(request):
    """Everything the user may read: the school's (admins), the region's (bureaus), their own reports."""
    incidents = selectors.incidents_for(request.user)
    school = None
    if request.GET.get("school"):
        school = selectors.admin_school(request.user, request.GET["school"])
        incidents = incidents.filter(school=school)
    elif access.has_role(request.user, Role.SCHOOL_ADMIN) and not access.has_role(
        request.user, Role.BUREAU_OFFICER
    ):
        school = selectors.admin_school(request.user)
        incidents = incidents.filter(school=school)
    form = forms.IncidentFilterForm(request.GET or None, initial={"school": getattr(school, "code", None)})
    chosen = form.cleaned_data if form.is_bound and form.is_valid() else {}
    return render(
        request,
        "safety/records/incidents.html",
        {
            "school": school,
            "incidents": selectors.incident_list(
                incidents, severity=chosen.get("severity", ""), state=chosen.get("state", "")
            ),
            "form": form,
            "can_report": bool(access.scope(request.user).staff_school_ids) or request.user.is_superuser,
        },
    )


@require_http_methods(["GET", "POST"])
@school_staff_required
def incident_create(request):
    school = selectors.reporting_school(request.user, request.GET.get("school"))
    form = forms.IncidentForm(
        request.POST if request.method == "POST" else None,
        venues=selectors.school_venues(school),
        students=list(selectors.school_students(school)),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            incident = services.incident_report(
                school=school,
                occurred_at=data["occurred_at"],
                place=data["place"],
                venue=data["venue"],
                kind=data["kind"],
                severity=data["severity"],
                description=data["description"],
                actions_taken=data["actions_taken"],
                children=data["children"],
                guardians_notified_at=data["guardians_notified_at"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_error(form, exc, FIELDS)
        else:
            messages.success(request, _("The incident has been reported."))
            if incident.bureau_notified_at:
                messages.warning(request, _("A severe incident: the education bureau has been notified."))
            elif incident.severity == incident.Severity.SEVERE:
                messages.error(request, services.NO_BUREAU)
            return redirect("safety:incident-detail", incident_code=incident.code)
    return render(
        request,
        "safety/records/incident_form.html",
        {"school": school, "form": form, "is_admin": access.manages_school(request.user, school.pk)},
    )


def _detail(request, incident, *, follow_up_form=None, bureau_form=None, close_form=None, status=200):
    kwargs = {"incident_code": incident.code}
    can_manage = selectors.may_manage_incident(request.user, incident)
    follow_ups = selectors.incident_follow_ups(incident)
    closing = next((f for f in follow_ups if f.kind == IncidentFollowUp.Kind.CLOSED), None)
    bureau_told = bool(incident.bureau_notified_at) or any(f.kind == "bureau" for f in follow_ups)
    recipients = selectors.incident_recipients(incident)
    children = (
        selectors.incident_children(incident) if selectors.may_see_children(request.user, incident) else None
    )
    # PIPL: the children named on the report (bureaus up the chain see no names: nothing to log).
    audit.access_log(request=request, targets=[c.student for c in children or []])
    return render(
        request,
        "safety/records/incident_detail.html",
        {
            "school": incident.school,
            "incident": incident,
            "children": children,
            "children_count": incident.children_involved.count(),
            "follow_ups": follow_ups,
            "bureau_told": bureau_told,
            "recipients": recipients,
            # F12: a severe incident nobody on the reporting chain received; say so on the page.
            "nobody_received": incident.severity == incident.Severity.SEVERE and not recipients,
            "no_bureau_message": services.NO_BUREAU,
            "can_manage": can_manage,
            "follow_up_form": (
                follow_up_form
                or forms.FollowUpForm(action=reverse("safety:incident-follow-up", kwargs=kwargs))
            )
            if can_manage
            else None,
            "bureau_form": (
                bureau_form
                or forms.NotifyBureauForm(action=reverse("safety:incident-notify-bureau", kwargs=kwargs))
            )
            if can_manage and not bureau_told
            else None,
            "closing": closing,
            "close_form": (
                close_form or forms.CloseIncidentForm(action=reverse("safety:incident-close", kwargs=kwargs))
            )
            if can_manage and closing is None
            else None,
        },
        status=status,
    )


@require_GET
@staff_or_bureau_required
def incident_detail(request, incident_code):
    return _detail(request, selectors.get_incident_for_user(request.user, incident_code))


def _managed_incident(request, incident_code):
    incident = selectors.get_incident_for_user(request.user, incident_code)
    if not selectors.may_manage_incident(request.user, incident):
        raise Http404  # readers (bureaus, the reporter) add nothing to the school's record
    return incident


@require_POST
@school_admin_required
def incident_follow_up(request, incident_code):
    incident = _managed_incident(request, incident_code)
    form = forms.FollowUpForm(request.POST, action=request.path)
    if call_service(
        form,
        lambda data: services.incident_follow_up(incident=incident, actor=request.user, **data),
        {"text": "text", "time": "at"},
    ):
        messages.success(request, _("Added to the report."))
        return redirect("safety:incident-detail", incident_code=incident.code)
    return _detail(request, incident, follow_up_form=form)


@require_POST
@school_admin_required
def incident_notify_bureau(request, incident_code):
    incident = _managed_incident(request, incident_code)
    form = forms.NotifyBureauForm(request.POST, action=request.path)
    if form.is_valid():
        try:
            services.incident_notify_bureau(
                incident=incident, text=form.cleaned_data["text"], actor=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The education bureau has been notified."))
        return redirect("safety:incident-detail", incident_code=incident.code)
    return _detail(request, incident, bureau_form=form)


@require_POST
@school_admin_required
def incident_close(request, incident_code):
    incident = _managed_incident(request, incident_code)
    form = forms.CloseIncidentForm(request.POST, action=request.path)
    if call_service(
        form,
        lambda data: services.incident_close(
            incident=incident, outcome=data["outcome"], at=data["at"], actor=request.user
        ),
        {"text": "outcome", "time": "at"},
    ):
        messages.success(request, _("The incident is closed."))
        return redirect("safety:incident-detail", incident_code=incident.code)
    return _detail(request, incident, close_form=form)
