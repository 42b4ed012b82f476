"""The gate guard's pick-up check: a pick-up code, or a person's name or mobile, checked against
today's lists of the guard's school, as on the gate page (safety.views.release.gate), with the same
pause after too many wrong codes and one access-log row per child shown."""

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.response import Response

from api.permissions import for_roles
from api.serializers import staff as shapes
from audit import services as audit
from safety.selectors import attendance as selectors
from safety.services import codes
from schools.models import Role

GUARD = for_roles(Role.GATE_GUARD, Role.SCHOOL_ADMIN)


def _school(request):
    schools = selectors.guard_schools(user=request.user)
    wanted = request.query_params.get("school")
    school = (
        next((s for s in schools if str(s.code) == wanted), None) if wanted else next(iter(schools), None)
    )
    if school is None:
        raise Http404
    return school


def _query(request) -> str:
    """The look-up's text (its first 50 characters), refused with a 400 when it is not text a person
    types (a NUL character, which PostgreSQL cannot compare)."""
    try:
        return serializers.CharField(allow_blank=True, trim_whitespace=False).run_validation(
            request.query_params.get("q", "")
        )[:50]
    except serializers.ValidationError as exc:
        raise serializers.ValidationError({"q": exc.detail}) from exc


def _detail(matches, paused: bool) -> str:
    if paused:
        return _(
            "Too many wrong pick-up codes. Look-ups by code are paused for up to %(minutes)s "
            "minutes; look the person up by name or mobile number, or call the school office."
        ) % {"minutes": codes.GATE_MISS_WINDOW_MINUTES}
    if not matches:
        return _(
            "Not on any of today's children's lists. Do not let this person take a child; call the class "
            "teacher or the school office."
        )
    return ""


@extend_schema(
    tags=["gate guard"],
    parameters=[
        OpenApiParameter("q", OpenApiTypes.STR, description="A pick-up code, a name or a mobile number"),
        OpenApiParameter("school", OpenApiTypes.UUID, description="The school (for a guard of several)"),
    ],
    responses={200: shapes.PickupCheck},
    summary="Check a pick-up code or a person against today's lists",
)
@api_view(["GET"])
@permission_classes(GUARD)
def pickup_check(request):
    school = _school(request)
    query = _query(request)
    matches, paused = [], False
    if query.strip():
        digest = codes.pickup_code_lookup_digest(query)
        # 6 digits can be guessed: misses by code are counted and, past the limit, codes are not looked up.
        paused = digest is not None and codes.gate_code_blocked(user=request.user, school_id=school.pk)
        matches = selectors.gate_lookup(
            school=school, query=query, now=timezone.now(), code_digest=None if paused else digest
        )
        if digest is not None and not paused and not matches:
            codes.gate_code_miss(user=request.user, school_id=school.pk)
        audit.access_record_many(
            user=request.user,
            targets=list({m.student.pk: m.student for m in matches}.values()),
            path=request.path,
        )
    body = {"school": school.code, "matches": matches, "paused": paused, "detail": _detail(matches, paused)}
    return Response(shapes.PickupCheck(body).data)
