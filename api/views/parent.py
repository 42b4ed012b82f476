"""The parent's journeys on the phone: children, the school's notice, apply / edit / withdraw,
placements, leave. Each view fetches through the family's scoped getters (404 outside them), checks
input with the web page's own form where there is one, and calls the same service as the page."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from api import idempotency
from api.permissions import for_roles
from api.serializers import parent as shapes
from enrollment import forms as enrollment_forms
from enrollment import selectors as enrollment_selectors
from enrollment import services as enrollment_services
from safety.selectors import attendance as attendance_selectors
from safety.services import attendance as attendance_services
from schools import access
from schools import selectors as school_selectors
from schools.models import Role

PARENT = for_roles(Role.PARENT)
TAGS = ["parent"]


def _child(request, student_code):
    return school_selectors.get_family_child_for_user(user=request.user, code=student_code)


def _form_errors(form) -> ValidationError:
    return ValidationError({field: errors for field, errors in form.errors.items()})


# --- children and the school's notice ---------------------------------------------------------------


@extend_schema(tags=TAGS, responses={200: shapes.Child(many=True)}, summary="My children")
@api_view(["GET"])
@permission_classes(PARENT)
def children(request):
    return Response(shapes.Child(school_selectors.family_children(user=request.user), many=True).data)


@extend_schema(
    tags=TAGS, request=shapes.NoticeAck, responses={200: shapes.NoticeAcked}, summary="I read the notice"
)
@api_view(["POST"])
@permission_classes(PARENT)
def notice_acknowledge(request, student_code):
    student = _child(request, student_code)
    term = enrollment_selectors.term_current(school=student.school, today=timezone.localdate())
    data = shapes.NoticeAck(data=request.data)
    data.is_valid(raise_exception=True)
    form = enrollment_forms.NoticeAckForm(
        {"version": data.validated_data["version"]}, notices=enrollment_selectors.term_notices(term=term)
    )
    if not form.is_valid():
        raise NotFound
    notice = form.cleaned_data["version"]
    enrollment_services.notice_acknowledge(notice=notice, guardian=request.user.guardian)
    return Response({"version": notice.version, "acknowledged": True})


# --- applications -----------------------------------------------------------------------------------


def _application_form(request, student, term, data: dict, second_round: bool):
    """The web page's ApplicationForm over the groups and pick-up persons open to this child."""
    choices = [str(code) for code in data["choices"]]
    fields = MultiValueDict(
        {
            "days": list(data["days"]),
            **{f"choice_{n}": [code] for n, code in enumerate(choices, start=1)},
            "pickup": [data["pickup"]],
            "pickup_persons": [str(code) for code in data["pickup_persons"]],
            "other_need": [data["other_need"]],
        }
    )
    for name in enrollment_services.ApplicationAnswers.__annotations__:
        if isinstance(data.get(name), bool) and data[name]:
            fields[name] = "on"
    form = enrollment_forms.ApplicationForm(
        fields,
        groups=enrollment_selectors.groups_with_seats(term=term, student=student),
        pickups=enrollment_selectors.family_pickups_valid(
            user=request.user, student=student, today=timezone.localdate()
        ),
        weekdays=term.weekdays,
        second_round=second_round,
    )
    if not form.is_valid():
        raise _form_errors(form)
    return form.service_kwargs()


@extend_schema(
    tags=TAGS,
    request=shapes.ApplicationIn,
    responses={201: shapes.ApplicationOut},
    parameters=[idempotency.PARAMETER],
    summary="Apply for a child",
)
@api_view(["POST"])
@permission_classes(PARENT)
@idempotency.idempotent
def application_create(request, student_code):
    student = _child(request, student_code)
    term = enrollment_selectors.term_current(school=student.school, today=timezone.localdate())
    if term is None:
        raise ValidationError(_("Applications for this term are not open."), code="closed")
    data = shapes.ApplicationIn(data=request.data)
    data.is_valid(raise_exception=True)
    answers = _application_form(
        request,
        student,
        term,
        data.validated_data,
        enrollment_services.application_round(term=term) == "second",
    )
    application = enrollment_services.application_submit(
        guardian=request.user.guardian, student=student, term=term, **answers
    )
    return Response(shapes.ApplicationOut(application).data, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=TAGS, responses={200: shapes.ApplicationOut(many=True)}, summary="My children's applications"
)
@api_view(["GET"])
@permission_classes(PARENT)
def application_list(request):
    own = access.scope(request.user).child_ids
    rows = (
        enrollment_selectors.applications_for(request.user)
        .filter(student_id__in=own)
        .select_related("student", "term")
        .prefetch_related("placements__group")
        .order_by("-submitted_at")
    )
    return Response(shapes.ApplicationOut(rows, many=True).data)


@extend_schema(
    tags=TAGS, request=shapes.ApplicationIn, responses={200: shapes.ApplicationOut}, summary="Change it"
)
@api_view(["POST"])
@permission_classes(PARENT)
def application_update(request, application_code):
    application = enrollment_selectors.get_family_application_for_user(
        user=request.user, code=application_code
    )
    data = shapes.ApplicationIn(data=request.data)
    data.is_valid(raise_exception=True)
    answers = _application_form(
        request, application.student, application.term, data.validated_data, application.second_round
    )
    application = enrollment_services.application_update(
        application=application, guardian=request.user.guardian, **answers
    )
    return Response(shapes.ApplicationOut(application).data)


@extend_schema(tags=TAGS, request=None, responses={200: shapes.ApplicationOut}, summary="Withdraw it")
@api_view(["POST"])
@permission_classes(PARENT)
def application_withdraw(request, application_code):
    application = enrollment_selectors.get_family_application_for_user(
        user=request.user, code=application_code
    )
    application = enrollment_services.application_withdraw(
        application=application, guardian=request.user.guardian
    )
    return Response(shapes.ApplicationOut(application).data)


# --- leave --------------------------------------------------------------------------------------------


@extend_schema(
    tags=TAGS,
    request=shapes.LeaveIn,
    responses={201: shapes.LeaveOut},
    parameters=[idempotency.PARAMETER],
    summary="Report leave ahead",
)
@api_view(["POST"])
@permission_classes(PARENT)
@idempotency.idempotent
def leave_create(request, student_code):
    student = _child(request, student_code)
    data = shapes.LeaveIn(data=request.data)
    data.is_valid(raise_exception=True)
    session = None
    if data.validated_data.get("session"):
        sessions = attendance_selectors.child_upcoming_sessions(student=student, today=timezone.localdate())
        session = next((s for s in sessions if s.code == data.validated_data["session"]), None)
        if session is None:
            raise ValidationError(
                {"session": ValidationError(_("This session is not one of the child's."), code="session")}
            )
    leave = attendance_services.leave_report(
        student=student,
        actor=request.user,
        start=data.validated_data.get("start"),
        end=data.validated_data.get("end"),
        session=session,
        reason=data.validated_data["reason"],
    )
    return Response(shapes.LeaveOut(leave).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=TAGS, request=None, responses={200: shapes.LeaveOut}, summary="Cancel leave")
@api_view(["POST"])
@permission_classes(PARENT)
def leave_cancel(request, leave_code):
    leave = attendance_selectors.get_family_leave_for_user(user=request.user, code=leave_code)
    attendance_services.leave_cancel(leave=leave, actor=request.user)
    leave.refresh_from_db()
    return Response(shapes.LeaveOut(leave).data)
