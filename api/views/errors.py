"""The API's answer to a URL under /api/ that names nothing (an identifier that is no UUID, a path
that does not exist): DRF's JSON 404 in the caller's language, as a view's own 404, instead of the
portal's HTML page (afterschool/urls.py: handler404)."""

from django.views import defaults
from rest_framework.decorators import api_view, permission_classes, throttle_classes
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny

PREFIX = "/api/"


@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
@permission_classes([AllowAny])  # a token, when sent, is still checked: its user's language
@throttle_classes([])
def _not_found(request):
    raise NotFound


def not_found(request, exception):
    if request.path.startswith(PREFIX):
        return _not_found(request)
    return defaults.page_not_found(request, exception)
