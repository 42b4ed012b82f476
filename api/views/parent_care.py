"""The parent's care journeys on the phone: the demand survey, the child's seat and timetable,
attendance and who collected the child, pick-up persons and the pick-up code. As in
api/views/parent.py, each view fetches through the family's scoped getters (404 outside them),
checks input with the web page's own form and calls the same service and selector as the page."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, permission_classes, throttle_classes
from rest_framework.response import Response

from activities.models import Category
from api import idempotency
from api.serializers import parent_care as shapes
from api.throttling import CodeThrottle, WriteThrottle
from api.views.parent import PARENT, TAGS, _child, _form_errors
from audit import services as audit
from enrollment import forms as enrollment_forms
from enrollment import selectors as enrollment_selectors
from enrollment import services as enrollment_services
from safety.selectors import attendance as attendance_selectors
from safety.services import codes
from schools import forms as school_forms
from schools import selectors as school_selectors
from schools import services as school_services

# --- the demand survey ---------------------------------------------------------------------------


def _open_survey(student):
    """The child's current term and its survey if it takes answers now (else None)."""
    term = enrollment_selectors.term_current(school=student.school, today=timezone.localdate())
    survey = enrollment_selectors.survey_of(term) if term else None
    return term, survey if enrollment_selectors.survey_is_open(survey, timezone.now()) else None


def _survey_answer_out(response) -> dict | None:
    if response is None:
        return None
    return {
        "wants_service": response.wants_service,
        "days": list(response.days),
        "latest_pickup": response.latest_pickup,
        "interests": list(response.interests),
    }


def _survey_state(student) -> dict:
    term, survey = _open_survey(student)
    answer = enrollment_selectors.survey_response(survey=survey, student=student) if survey else None
    return {
        "open": survey is not None,
        "term": term.name if term else None,
        "opens_at": survey.opens_at if survey else None,
        "closes_at": survey.closes_at if survey else None,
        "note": survey.note if survey else "",
        "weekdays": list(term.weekdays) if term else [],
        "interests": list(Category.values),
        "answer": _survey_answer_out(answer),
    }


def _survey_answer(request, student_code):
    student = _child(request, student_code)
    term, survey = _open_survey(student)
    if survey is None:
        raise ValidationError(_("The survey is not open."), code="closed")
    data = shapes.SurveyAnswer(data=request.data)
    data.is_valid(raise_exception=True)
    answer = data.validated_data
    latest = answer["latest_pickup"]
    form = enrollment_forms.SurveyForm(
        MultiValueDict(
            {
                "wants_service": ["1" if answer["wants_service"] else "0"],
                "days": list(answer["days"]),
                "latest_pickup": [latest.strftime("%H:%M") if latest else ""],
                "interests": list(answer["interests"]),
            }
        ),
        weekdays=term.weekdays,
    )
    if not form.is_valid():
        raise _form_errors(form)
    cleaned = form.cleaned_data
    enrollment_services.survey_answer(
        survey=survey,
        guardian=request.user.guardian,
        student=student,
        wants_service=cleaned["wants_service"],
        days=enrollment_forms.days_string(cleaned["days"]),
        latest_pickup=cleaned["latest_pickup"],
        interests=cleaned["interests"],
    )
    return Response(shapes.SurveyOut(_survey_state(student)).data)


@extend_schema(
    methods=["GET"], tags=TAGS, responses={200: shapes.SurveyOut}, summary="The demand survey for a child"
)
@extend_schema(
    methods=["POST"],
    tags=TAGS,
    request=shapes.SurveyAnswer,
    responses={200: shapes.SurveyOut},
    parameters=[idempotency.PARAMETER],
    summary="Answer the demand survey (or change the answer while it is open)",
)
@api_view(["GET", "POST"])
@permission_classes(PARENT)
def survey(request, student_code):
    if request.method == "POST":
        return idempotency.run_idempotent(request, _survey_answer, student_code)
    return Response(shapes.SurveyOut(_survey_state(_child(request, student_code))).data)


# --- the seat and the timetable --------------------------------------------------------------------


@extend_schema(
    tags=TAGS, responses={200: shapes.ChildPlacementOut}, summary="A child's seat and timetable this term"
)
@api_view(["GET"])
@permission_classes(PARENT)
def placement(request, student_code):
    student = _child(request, student_code)
    found = (
        (card, block)
        for block in enrollment_selectors.family_enrollment(user=request.user)
        for card in block.children
        if card.student.pk == student.pk
    )
    card, block = next(found, (None, None))
    application = card.application if card else None
    seat = card.placement if card else None
    if seat is not None:
        seat.waitlist_rank = card.waitlist_rank
    body = {
        "term": block.term.name if block and block.term else None,
        "published": bool(block and block.published),
        "application": application.code if application else None,
        "application_status": application.status if application else None,
        "days": list(application.days) if application else [],
        "placement": seat,
        "sessions": card.sessions if card else [],
    }
    return Response(shapes.ChildPlacementOut(body).data)


# --- attendance and who collected the child -------------------------------------------------------


@extend_schema(
    tags=TAGS,
    responses={200: shapes.AttendanceOut},
    summary="A child's attendance today and in the last two weeks, who collected them, and leave",
)
@api_view(["GET"])
@permission_classes(PARENT)
def attendance(request, student_code):
    student = _child(request, student_code)
    rows = attendance_selectors.family_children(user=request.user, today=timezone.localdate())
    row = next((r for r in rows if r.student.pk == student.pk), None)
    body = {
        "today": row.today if row else [],
        "history": row.history if row else [],
        "leaves": row.leaves if row else [],
    }
    return Response(shapes.AttendanceOut(body).data)


# --- pick-up persons -------------------------------------------------------------------------------


# The service's refusals that belong to one field, as the web page shows them.
PICKUP_ERROR_FIELDS = {"mobile": "mobile", "id_last4": "id_last4", "dates": "valid_until"}


def _pickup_add(request, student_code):
    student = _child(request, student_code)
    data = shapes.PickupIn(data=request.data)
    data.is_valid(raise_exception=True)
    fields = {k: ("" if v is None else str(v)) for k, v in data.validated_data.items()}
    form = school_forms.PickupAddForm(fields)
    if not form.is_valid():
        raise _form_errors(form)
    try:
        pickup = school_services.pickup_add(student=student, actor=request.user, **form.cleaned_data)
    except ValidationError as exc:
        field = PICKUP_ERROR_FIELDS.get(getattr(exc, "code", None))
        if field is None:
            raise
        raise ValidationError({field: exc}) from exc
    pickup.state = pickup.state_on(timezone.localdate())
    return Response(shapes.PickupOut(pickup).data, status=status.HTTP_201_CREATED)


@extend_schema(
    methods=["GET"],
    tags=TAGS,
    responses={200: shapes.PickupOut(many=True)},
    summary="The persons who may collect a child",
)
@extend_schema(
    methods=["POST"],
    tags=TAGS,
    request=shapes.PickupIn,
    responses={201: shapes.PickupOut},
    parameters=[idempotency.PARAMETER],
    summary="Add a pick-up person",
)
@api_view(["GET", "POST"])
@permission_classes(PARENT)
def pickups(request, student_code):
    if request.method == "POST":
        return idempotency.run_idempotent(request, _pickup_add, student_code)
    student = _child(request, student_code)
    # PIPL: a view of a child's record is logged, the family's own included (as on the web page).
    audit.access_record(user=request.user, target=student, path=request.path)
    rows = school_selectors.family_child_pickups(user=request.user, student=student)
    return Response(shapes.PickupOut(rows, many=True).data)


@extend_schema(tags=TAGS, request=None, responses={200: shapes.PickupOut}, summary="End a pick-up person")
@api_view(["POST"])
@permission_classes(PARENT)
def pickup_end(request, pickup_code):
    pickup = school_selectors.get_family_pickup_for_user(user=request.user, code=pickup_code)
    pickup = school_services.pickup_end(pickup=pickup, actor=request.user)
    pickup.state = pickup.state_on(timezone.localdate())
    return Response(shapes.PickupOut(pickup).data)


# --- the pick-up code ------------------------------------------------------------------------------


@extend_schema(
    methods=["GET"],
    tags=TAGS,
    responses={200: shapes.PickupCodeState},
    summary="My live pick-up code for a child (its digits are never shown again)",
)
@extend_schema(
    methods=["POST"],
    tags=TAGS,
    request=None,
    responses={201: shapes.PickupCodeIssued},
    summary="Issue a new pick-up code (my previous one stops working)",
)
@extend_schema(
    methods=["DELETE"],
    tags=TAGS,
    responses={204: None},
    summary="Withdraw my live pick-up code (nothing to withdraw is no error)",
)
@api_view(["GET", "POST", "DELETE"])
@permission_classes(PARENT)
@throttle_classes([CodeThrottle, WriteThrottle])
def pickup_code(request, student_code):
    """The digits are in the answer to the POST only and stored nowhere in plain text, so this write
    takes no Idempotency-Key (its stored answer would keep them): a retry issues a fresh code and
    the previous one stops working. DELETE withdraws the caller's live code (a phone lost, a code
    sent to the wrong person); repeating it changes nothing."""
    student = _child(request, student_code)
    if request.method == "DELETE":
        live = codes.pickup_code_live(student=student, issued_by=request.user)
        if live is not None:
            try:
                codes.pickup_code_revoke(row=live, actor=request.user)
            except ValidationError:
                pass  # used or locked between the two reads: it no longer works either way
        response = Response(status=status.HTTP_204_NO_CONTENT)
    elif request.method == "POST":
        row, digits = codes.pickup_code_issue(student=student, guardian_user=request.user)
        body = {"code": row.code, "issued_at": row.issued_at, "expires_at": row.expires_at, "digits": digits}
        response = Response(shapes.PickupCodeIssued(body).data, status=status.HTTP_201_CREATED)
    else:
        live = codes.pickup_code_live(student=student, issued_by=request.user)
        response = Response(shapes.PickupCodeState({"live": live, "ttl_minutes": codes.TTL_MINUTES}).data)
    add_never_cache_headers(response)  # no cache between the phone and the portal keeps a code
    return response
