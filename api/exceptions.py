"""DRF's exception handler, plus the services' ValidationError (a rule refused: 400 with its code).
Django's 404 and 403 answer DRF's own sentence in the caller's language, never the English text of
get_object_or_404 (which names the model)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            body = {
                field: [str(m) for e in errors for m in e.messages]
                for field, errors in exc.error_dict.items()
            }
            codes = [e.code for errors in exc.error_dict.values() for e in errors if e.code]
        else:
            body = {"non_field_errors": exc.messages}
            codes = [e.code for e in exc.error_list if e.code]
        if codes:
            body["code"] = codes[0]
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    return drf_exception_handler(exc, context)
