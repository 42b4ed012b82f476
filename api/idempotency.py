"""Idempotency-Key for POSTs that create (an application, a roll call, a release, a leave): a phone
that retries after a lost answer gets the first answer again and nothing is written twice.

Use it on a DRF view function (under @api_view) or an APIView method:

    @extend_schema(request=LeaveCreate, responses={201: LeaveOut}, parameters=[idempotency.PARAMETER])
    @api_view(["POST"])
    @idempotency.idempotent
    def leave_create(request, student_code): ...

(`PARAMETER` documents the header in the schema; tests/api/test_schema.py checks that each view so
decorated lists it.)

How it works (one row per user and key, api.models.IdempotencyKey):
1. The key is claimed first, in its own committed transaction: a unique constraint on (user, key)
   lets exactly one request in. The claim records a digest of method, path and body.
2. A later request with the same key and another digest gets 422; with the same digest it gets
   the stored answer (header `Idempotent-Replayed: true`), or 409 while the first is still running.
3. The view runs in one transaction with the storing of its answer: either both are committed or
   neither. A 5xx or an exception releases the claim, so a retry runs the view again; a claim left
   by a dead process is taken over after IDEMPOTENCY_CLAIM_SECONDS.
Without the header the view runs as usual. Answers are kept IDEMPOTENCY_KEEP_HOURS (api.tasks, hourly).
"""

import datetime
import functools
import hashlib
import json

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from api.models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255

PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="A key the app chooses once per action (a UUID); a retry with the same key and body "
    "gets the first answer and writes nothing.",
)


def fingerprint(request: Request) -> str:
    try:
        body = json.dumps(request.data, sort_keys=True, default=str)
    except TypeError:
        body = repr(request.data)
    text = f"{request.method} {request.path}\n{body}"
    return hashlib.sha256(text.encode()).hexdigest()


def _error(code: str, detail: str, http_status: int) -> Response:
    return Response({"code": code, "detail": detail}, status=http_status)


def _claim(user, key: str, digest: str) -> tuple[IdempotencyKey | None, Response | None]:
    """(the claimed row, None), or (None, the answer for a key already claimed)."""
    now = timezone.now()
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(user=user, key=key, fingerprint=digest, claimed_at=now), None
    except IntegrityError:
        pass
    row = IdempotencyKey.objects.filter(user=user, key=key).first()
    if row is None:  # released between our insert and this read: the client may retry at once
        return None, _error(
            "idempotency_busy", _("This request is still being processed."), status.HTTP_409_CONFLICT
        )
    if row.fingerprint != digest:
        return None, _error(
            "idempotency_mismatch",
            _("This Idempotency-Key was already used for another request."),
            status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    if row.response_status is not None:
        response = Response(row.response_body, status=row.response_status)
        response["Idempotent-Replayed"] = "true"
        return None, response
    stale = now - datetime.timedelta(seconds=settings.IDEMPOTENCY_CLAIM_SECONDS)
    taken = IdempotencyKey.objects.filter(
        pk=row.pk, response_status__isnull=True, claimed_at__lt=stale
    ).update(claimed_at=now)
    if taken:
        row.claimed_at = now
        return row, None
    return None, _error(
        "idempotency_busy", _("This request is still being processed."), status.HTTP_409_CONFLICT
    )


def _stored_body(response: Response):
    if getattr(response, "data", None) is None:
        return None
    return json.loads(JSONRenderer().render(response.data) or b"null")


def run_idempotent(request: Request, view, *args, **kwargs):
    """Run `view(request, *args, **kwargs)` under the request's Idempotency-Key, if it has one."""
    key = request.headers.get(HEADER, "").strip()
    if not key or not request.user.is_authenticated:
        return view(request, *args, **kwargs)
    if len(key) > MAX_KEY_LENGTH or "\x00" in key:
        return _error(
            "idempotency_key_invalid", _("The Idempotency-Key is too long."), status.HTTP_400_BAD_REQUEST
        )
    row, answer = _claim(request.user, key, fingerprint(request))
    if answer is not None:
        return answer
    try:
        with transaction.atomic():
            response = view(request, *args, **kwargs)
            if response.status_code >= 500:
                raise _Release(response)
            IdempotencyKey.objects.filter(pk=row.pk).update(
                response_status=response.status_code, response_body=_stored_body(response)
            )
    except _Release as released:
        IdempotencyKey.objects.filter(pk=row.pk).delete()
        return released.response
    except BaseException:
        IdempotencyKey.objects.filter(pk=row.pk).delete()
        raise
    return response


class _Release(Exception):
    def __init__(self, response):
        super().__init__()
        self.response = response


def idempotent(view):
    """Decorator for a DRF view function (below @api_view) or an APIView method."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if args and isinstance(args[0], Request):
            return run_idempotent(args[0], view, *args[1:], **kwargs)
        # An APIView method: (self, request, …)
        this, request, *rest = args
        return run_idempotent(request, lambda req, *a, **k: view(this, req, *a, **k), *rest, **kwargs)

    wrapper.idempotent = True
    return wrapper
