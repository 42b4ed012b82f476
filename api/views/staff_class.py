"""The class teacher's phone journeys: the review queue of their own classes and a decision on one
application (approve, return with a note, decline with a reason), the class's sessions today and
handing the class over with the head count. The same selectors and services as enrollment.views.review
and safety.views.attendance; anything outside the teacher's classes is 404."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.response import Response

from api.permissions import for_roles
from api.serializers import staff as shapes
from api.views.staff import REFUSED, refused
from audit import services as audit
from enrollment import selectors as enrollment_selectors
from enrollment import services as enrollment_services
from enrollment.models import Application
from safety.selectors import attendance as selectors
from safety.services import handover as handover_services
from schools.models import Role

CLASS_TEACHER = for_roles(Role.CLASS_TEACHER)
CLASS_TEACHER_OR_ADMIN = for_roles(Role.CLASS_TEACHER, Role.SCHOOL_ADMIN)


@extend_schema(
    tags=["class teacher"],
    responses={200: shapes.Application(many=True)},
    summary="Applications of my classes waiting for review, priority groups first",
)
@api_view(["GET"])
@permission_classes(CLASS_TEACHER)
def review_queue(request):
    terms = enrollment_selectors.review_terms(user=request.user, today=timezone.localdate())
    applications = enrollment_selectors.review_queue(
        user=request.user, terms=terms, status=Application.Status.SUBMITTED
    )
    audit.access_log(request=request, targets=[a.student for a in applications])  # PIPL
    return Response(shapes.Application(applications, many=True).data)


def _decide(application, user, action: str, note: str) -> None:
    if action == "approve":
        enrollment_services.application_approve(application=application, reviewer=user)
    elif action == "return":
        enrollment_services.application_return(application=application, reviewer=user, note=note)
    else:
        enrollment_services.application_decline(application=application, reviewer=user, reason=note)


@extend_schema(
    tags=["class teacher"],
    request=shapes.Review,
    responses={200: shapes.Application, 400: REFUSED},
    summary="Approve, return with a note, or decline with a reason",
)
@api_view(["POST"])
@permission_classes(CLASS_TEACHER)
def review_decide(request, application_code):
    application = enrollment_selectors.get_application_to_review_for_user(
        user=request.user, code=application_code
    )
    shape = shapes.Review(data=request.data)
    shape.is_valid(raise_exception=True)
    try:
        _decide(
            application, request.user, shape.validated_data["action"], shape.validated_data.get("note", "")
        )
    except ValidationError as exc:
        return refused(exc)
    application.refresh_from_db()
    return Response(shapes.Application(application).data)


@extend_schema(
    tags=["class teacher"], responses={200: shapes.ClassDay(many=True)}, summary="My classes today"
)
@api_view(["GET"])
@permission_classes(CLASS_TEACHER_OR_ADMIN)
def class_days(request):
    day = timezone.localdate()
    rows = []
    for class_group in selectors.teacher_classes(user=request.user):
        items = selectors.class_day(class_group=class_group, day=day)
        audit.access_log(request=request, targets=[c.student for item in items for c in item.children])
        rows.append({"code": class_group.code, "name": str(class_group), "sessions": items})
    return Response(shapes.ClassDay(rows, many=True).data)


@extend_schema(
    tags=["class teacher"],
    request=shapes.ClassHandover,
    responses={201: shapes.HandoverConfirmed, 400: REFUSED},
    summary="Hand the class over to a session's teacher with the head count",
)
@api_view(["POST"])
@permission_classes(CLASS_TEACHER_OR_ADMIN)
def class_handover(request, class_code):
    class_group = selectors.class_for_teacher(user=request.user, code=class_code)
    shape = shapes.ClassHandover(data=request.data)
    shape.is_valid(raise_exception=True)
    items = selectors.class_day(class_group=class_group, day=timezone.localdate())
    item = next((i for i in items if i.roster.session.code == shape.validated_data["session"]), None)
    if item is None:
        return refused(ValidationError(_("No child of this class is in this session today."), code="session"))
    count = shape.validated_data["count"]
    try:
        handover_services.handover_class_give(
            session=item.roster.session, class_group=class_group, actor=request.user, count=count
        )
    except ValidationError as exc:
        return refused(exc)
    text = _("Handed over to %(name)s: %(n)s children. They confirm the count.") % {
        "name": item.roster.holder,
        "n": count,
    }
    body = {"count": count, "mismatch": False, "detail": text}
    return Response(shapes.HandoverConfirmed(body).data, status=status.HTTP_201_CREATED)
