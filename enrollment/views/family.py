"""Parents' enrollment pages (F4, phone first): the school's notice with "I have read it", the
demand survey, each child's application and its state, the seat and the child's timetable once
placement is published. A guardian withdraws at any time, without a reason (H2)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from enrollment import forms, selectors, services
from enrollment.models import Application, Placement
from privacy import services as privacy_services
from schools import access
from schools import selectors as school_selectors
from schools.decorators import parent_required
from schools.formerrors import add_service_error
from schools.models import Role


def _family_url(anchor: str = "") -> str:
    return reverse("enrollment:family") + (f"#{anchor}" if anchor else "")


def _child_anchor(student) -> str:
    return f"child-{student.code}"


@require_GET
@login_required
def family(request):
    s = access.scope(request.user)
    if Role.PARENT not in s.roles or s.everything:
        # Notifications link staff here too: send each to their own enrollment page.
        if Role.CLASS_TEACHER in s.roles:
            return redirect("enrollment:review")
        if Role.SCHOOL_ADMIN in s.roles:
            return redirect("enrollment:admin")
        raise Http404
    blocks = selectors.family_enrollment(user=request.user)
    for block in blocks:
        if block.notice and not block.acknowledged and block.children:
            block.ack_form = forms.NoticeAckForm(
                initial={"version": block.notice.version},
                action=reverse(
                    "enrollment:notice-acknowledge", kwargs={"student_code": block.children[0].student.code}
                ),
            )
    return render(request, "enrollment/family.html", {"blocks": blocks})


@require_GET
@parent_required
def providers(request):
    """The register of qualified providers of each of the family's schools' regions (M2: families
    who want the service elsewhere are pointed to qualified providers), read only."""
    return render(
        request,
        "enrollment/providers.html",
        {"schools": selectors.family_providers(user=request.user, today=timezone.localdate())},
    )


@require_POST
@parent_required
def notice_acknowledge(request, student_code):
    student = school_selectors.get_family_child_for_user(user=request.user, code=student_code)
    term = selectors.term_current(school=student.school, today=timezone.localdate())
    form = forms.NoticeAckForm(request.POST, notices=selectors.term_notices(term=term))
    if not form.is_valid():
        raise Http404
    notice = form.cleaned_data["version"]
    try:
        services.notice_acknowledge(notice=notice, guardian=request.user.guardian)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Thank you. You have read the school's notice."))
    return redirect(_family_url(f"school-{student.school.code}"))


@require_http_methods(["GET", "POST"])
@parent_required
def survey(request, student_code):
    student = school_selectors.get_family_child_for_user(user=request.user, code=student_code)
    term = selectors.term_current(school=student.school, today=timezone.localdate())
    survey = selectors.survey_of(term) if term else None
    if not selectors.survey_is_open(survey, timezone.now()):
        messages.info(request, _("The survey is not open."))
        return redirect(_family_url(_child_anchor(student)))
    response = selectors.survey_response(survey=survey, student=student)
    form = forms.SurveyForm(
        request.POST if request.method == "POST" else None,
        initial=forms.SurveyForm.initial_from(response),
        weekdays=term.weekdays,
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.survey_answer(
                survey=survey,
                guardian=request.user.guardian,
                student=student,
                wants_service=data["wants_service"],
                days=forms.days_string(data["days"]),
                latest_pickup=data["latest_pickup"],
                interests=data["interests"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, _("Thank you for your answer. You can change it while the survey is open.")
            )
            return redirect(_family_url(_child_anchor(student)))
    return render(
        request, "enrollment/survey.html", {"student": student, "term": term, "survey": survey, "form": form}
    )


def _application_page(request, *, student, term, form, groups, application=None):
    return render(
        request,
        "enrollment/application_form.html",
        {
            "student": student,
            "term": term,
            "form": form,
            "groups": groups,
            "application": application,
            "second_round": form.second_round,
        },
    )


@require_http_methods(["GET", "POST"])
@parent_required
def apply(request, student_code):
    student = school_selectors.get_family_child_for_user(user=request.user, code=student_code)
    back = redirect(_family_url(_child_anchor(student)))
    term = selectors.term_current(school=student.school, today=timezone.localdate())
    if term is None or not student.school.offers_service:
        messages.info(request, _("The school does not offer the after-school service this term."))
        return back
    active = selectors.family_active_application(student=student, term=term)
    round_ = services.application_round(term=term)
    unplaced = (
        active is not None
        and active.status == Application.Status.APPROVED
        and not active.placements.filter(status=Placement.Status.PLACED).exists()
    )
    if active is not None and not (round_ == "second" and unplaced):
        return redirect("enrollment:application-edit", application_code=active.code)
    if not round_:
        messages.info(request, _("Applications for this term are not open."))
        return back
    guardian = request.user.guardian
    if not services.notice_acknowledged(term=term, guardian=guardian):
        messages.info(request, _("Please read and acknowledge the school's notice first."))
        return redirect(_family_url(f"school-{student.school.code}"))
    groups = selectors.groups_with_seats(term=term, student=student)
    form = forms.ApplicationForm(
        request.POST if request.method == "POST" else None,
        groups=groups,
        pickups=selectors.family_pickups_valid(
            user=request.user, student=student, today=timezone.localdate()
        ),
        weekdays=term.weekdays,
        second_round=round_ == "second",
    )
    if form.is_valid():
        try:
            application = services.application_submit(
                guardian=guardian, student=student, term=term, **form.service_kwargs()
            )
        except ValidationError as exc:
            add_service_error(form, exc, forms.APPLICATION_ERROR_FIELDS)
        else:
            # F10: the application gives the child's data, so it records the guardian's consent.
            privacy_services.consents_from_application(application=application)
            if application.status == Application.Status.APPROVED:
                messages.success(
                    request, _("The application has been received and the place assigned at once.")
                )
            else:
                messages.success(
                    request, _("The application has been sent. The class teacher will review it.")
                )
            return back
    return _application_page(request, student=student, term=term, form=form, groups=groups)


@require_http_methods(["GET", "POST"])
@parent_required
def application_edit(request, application_code):
    application = selectors.get_family_application_for_user(user=request.user, code=application_code)
    student = application.student
    if application.status not in (Application.Status.SUBMITTED, Application.Status.RETURNED):
        messages.info(request, _("Only an application not yet reviewed can be changed."))
        return redirect(_family_url(_child_anchor(student)))
    groups = selectors.groups_with_seats(term=application.term, student=student)
    form = forms.ApplicationForm(
        request.POST if request.method == "POST" else None,
        initial=forms.ApplicationForm.initial_from(application),
        groups=groups,
        pickups=selectors.family_pickups_valid(
            user=request.user, student=student, today=timezone.localdate()
        ),
        weekdays=application.term.weekdays,
        second_round=application.second_round,
        submit=_("Send the changes"),
    )
    if form.is_valid():
        try:
            application = services.application_update(
                application=application, guardian=request.user.guardian, **form.service_kwargs()
            )
        except ValidationError as exc:
            add_service_error(form, exc, forms.APPLICATION_ERROR_FIELDS)
        else:
            privacy_services.consents_from_application(application=application)
            messages.success(request, _("The changes have been sent. The class teacher will review them."))
            return redirect(_family_url(_child_anchor(student)))
    return _application_page(
        request, student=student, term=application.term, form=form, groups=groups, application=application
    )


@require_POST
@parent_required
def application_withdraw(request, application_code):
    application = selectors.get_family_application_for_user(user=request.user, code=application_code)
    try:
        services.application_withdraw(application=application, guardian=request.user.guardian)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _(
                "The application for %(child)s has been withdrawn. You can apply again while "
                "applications are open."
            )
            % {"child": application.student.name},
        )
    return redirect(_family_url(_child_anchor(application.student)))


@require_POST
@parent_required
def placement_decline(request, placement_code):
    """F12: turn down the seat; the next child on the wait list moves up."""
    placement = selectors.get_family_placement_for_user(user=request.user, code=placement_code)
    student = placement.application.student
    try:
        services.placement_decline(placement=placement, guardian=request.user.guardian)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(child)s's place in %(group)s has been given up; it goes to the next child on the wait list.")
            % {"child": student.name, "group": placement.group.name},
        )
    return redirect(_family_url(_child_anchor(student)))
