"""The service teacher's phone journeys: today's sessions (and the next day's), a session's roster,
the roll call in one request, confirming a handover with the head count, releasing a child (or
refusing the person). The same selectors, forms and services as the pages in safety.views; the
sessions come through safety.selectors (schools.access underneath): anything else is 404."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.response import Response

from api import exceptions, idempotency
from api.permissions import for_roles
from api.serializers import accounts as account_shapes
from api.serializers import staff as shapes
from audit import services as audit
from safety.forms import attendance as forms
from safety.selectors import attendance as selectors
from safety.services import attendance as attendance_services
from safety.services import handover as handover_services
from safety.services import release as release_services
from schools.models import Role

TEACHERS = for_roles(Role.SCHOOL_ADMIN, Role.SERVICE_TEACHER, Role.CLASS_TEACHER)
REFUSED = OpenApiResponse(account_shapes.Refusal, description="Refused by a rule, with its code")


def refused(exc: ValidationError) -> Response:
    """A service's refusal as the API's 400, answered (not raised) so that what the service
    recorded on its own (a refused person) is kept."""
    return exceptions.exception_handler(exc, None)


def form_errors(form) -> Response:
    body = {field: [e["message"] for e in errors] for field, errors in form.errors.get_json_data().items()}
    body["code"] = "invalid"
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


@extend_schema(
    tags=["service teacher"],
    operation_id="staff_sessions_today",
    responses={200: shapes.Today},
    summary="My sessions today and next",
)
@api_view(["GET"])
@permission_classes(TEACHERS)
def today(request):
    day = timezone.localdate()
    data = {
        "date": day,
        "sessions": selectors.teacher_today(user=request.user, today=day),
        "next_sessions": selectors.teacher_next_day(user=request.user, after=day),
        "pending": selectors.pending_for_receiver(user=request.user, today=day),
    }
    return Response(shapes.Today(data).data)


@extend_schema(
    tags=["service teacher"], responses={200: shapes.SessionDetail}, summary="A session's children"
)
@api_view(["GET"])
@permission_classes(TEACHERS)
def session(request, session_code):
    found = selectors.get_session_for_user(request.user, session_code)
    roster = selectors.roster(found, with_refusals=True)
    audit.access_log(request=request, targets=[c.student for c in roster.children])  # PIPL: each child named
    return Response(shapes.SessionDetail(roster).data)


@extend_schema(
    tags=["service teacher"],
    request=shapes.RollCall,
    responses={200: shapes.RollCallSaved, 400: REFUSED},
    parameters=[idempotency.PARAMETER],
    summary="Take the roll: the whole group's marks in one request",
)
@api_view(["POST"])
@permission_classes(TEACHERS)
@idempotency.idempotent
def roll_call(request, session_code):
    found = selectors.get_session_for_user(request.user, session_code)
    shape = shapes.RollCall(data=request.data)
    shape.is_valid(raise_exception=True)
    roster = selectors.roster(found)
    on_roll = {str(c.student.code) for c in roster.roll}
    strangers = [m for m in shape.validated_data["marks"] if str(m["student"]) not in on_roll]
    if strangers:
        return refused(
            ValidationError(_("This child is not on the roll of this session."), code="not_on_roll")
        )
    data = {f"s-{m['student']}": m["status"] for m in shape.validated_data["marks"]}
    form = forms.RollCallForm(data, children=roster.roll)
    if not form.is_valid():
        return form_errors(form)
    try:
        result = attendance_services.roll_call_save(
            session=found, actor=request.user, marks=form.marks(), roster=roster
        )
    except ValidationError as exc:
        return refused(exc)
    text = ngettext("Roll call saved: %(n)s mark.", "Roll call saved: %(n)s marks.", result["saved"]) % {
        "n": result["saved"]
    }
    body = {
        "saved": result["saved"],
        "corrections": result["corrections"],
        "absent": len(result["absent"]),
        "detail": text,
    }
    return Response(shapes.RollCallSaved(body).data)


@extend_schema(
    tags=["service teacher"],
    request=shapes.HeadCount,
    responses={200: shapes.HandoverConfirmed, 400: REFUSED},
    summary="Receive a group or class: confirm the head count",
)
@api_view(["POST"])
@permission_classes(TEACHERS)
def handover_confirm(request, handover_code):
    handover = selectors.get_handover_to_confirm_for_user(user=request.user, code=handover_code)
    selectors.get_session_for_user(request.user, handover.session.code)
    shape = shapes.HeadCount(data=request.data)
    shape.is_valid(raise_exception=True)
    try:
        confirmation = handover_services.handover_confirm(
            handover=handover, actor=request.user, count=shape.validated_data["count"]
        )
    except ValidationError as exc:
        return refused(exc)
    if confirmation.mismatch:
        text = _(
            "Recorded: %(given)s handed over, %(received)s counted. The school admin has been "
            "told; find out where every child is."
        ) % {"given": handover.count, "received": confirmation.count}
    else:
        text = _("Handover confirmed: %(n)s children.") % {"n": confirmation.count}
    body = {"count": confirmation.count, "mismatch": confirmation.mismatch, "detail": text}
    return Response(shapes.HandoverConfirmed(body).data)


def _release_target(request, session_code, student_code):
    """(session, student, the child's day) of a child the user may release, else 404."""
    found = selectors.get_session_for_user(request.user, session_code)
    student = selectors.get_child_for_session(session=found, code=student_code)
    roster = selectors.roster(found, with_refusals=True)
    child = next((c for c in roster.children if c.student.pk == student.pk), None)
    if child is None:
        raise Http404
    return found, student, child


@extend_schema(
    tags=["service teacher"], responses={200: shapes.ReleaseChild}, summary="A child and who may collect them"
)
@api_view(["GET"])
@permission_classes(TEACHERS)
def release_child(request, session_code, student_code):
    found, student, child = _release_target(request, session_code, student_code)
    audit.access_log(request=request, targets=[student])
    people = selectors.pickup_list(students=[student], day=found.date)[student.pk]
    return Response(shapes.ReleaseChild({"child": child, "people": people}).data)


@extend_schema(
    tags=["service teacher"],
    request=shapes.Release,
    responses={201: shapes.Released, 400: REFUSED},
    parameters=[idempotency.PARAMETER],
    summary="Release a child to a person on the list (or refuse someone not on it)",
)
@api_view(["POST"])
@permission_classes(TEACHERS)
@idempotency.idempotent
def release(request, session_code, student_code):
    found, student, child = _release_target(request, session_code, student_code)
    shape = shapes.Release(data=request.data)
    shape.is_valid(raise_exception=True)
    data = {k: str(v) for k, v in shape.validated_data.items()}
    form = forms.ReleaseForm(
        data,
        people=selectors.pickup_list(students=[student], day=found.date)[student.pk],
        may_go_alone=child.may_go_alone,
        sessions=selectors.transfer_choices(session=found),
    )
    if not form.is_valid():
        return form_errors(form)
    try:
        outcome = release_services.release_decide(
            session=found, student=student, actor=request.user, **form.decision()
        )
    except ValidationError as exc:
        return refused(exc)
    body = {
        "released": outcome.release is not None,
        "moved": outcome.transfer is not None,
        "detail": outcome.message,
    }
    return Response(shapes.Released(body).data, status=status.HTTP_201_CREATED)
