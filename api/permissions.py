"""Permissions of the API: signed in, past every account gate, a write's body well formed, and (per
view) holding a role. The defaults are settings.REST_FRAMEWORK's; a view for some roles takes
`for_roles(...)`, the defaults and the role."""

from rest_framework import exceptions, permissions
from rest_framework.settings import api_settings

from api import gates
from schools import access


class AccountGateOwed(exceptions.PermissionDenied):
    def __init__(self, target: str):
        super().__init__(detail=gates.refusal(target))


class AccountGatesPassed(permissions.BasePermission):
    """Every request of a signed-in user passes settings.ACCOUNT_GATES, as on the web (a password to
    change set after the token was issued, a new privacy notice)."""

    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated:
            return True
        if not hasattr(user, "is_verified"):  # a session user without django_otp's middleware
            user.is_verified = lambda: False
        target = gates.owed_gate(user)
        if target is not None:
            raise AccountGateOwed(target)
        return True


class WellFormedBody(permissions.BasePermission):
    """A write's JSON body is a JSON object: a garbled one is refused (400) before the view acts, also
    by the views that read no body (a withdrawal, a sign-out), which DRF leaves unparsed. A body of
    another media type is refused (415) by the views that read one, and ignored by the others."""

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS or not _is_json(request.content_type):
            return True
        if not isinstance(request.data, dict):  # parsing raises ParseError (400)
            raise exceptions.ParseError
        return True


def _is_json(content_type: str) -> bool:
    return (content_type or "").split(";")[0].strip().lower() == "application/json"


def for_roles(*roles: str) -> list:
    """The permission classes of a view for some roles: the defaults, then `role_required`."""
    return [*api_settings.DEFAULT_PERMISSION_CLASSES, role_required(*roles)]


def role_required(*roles: str):
    """A permission class for views of some roles (schools.access.has_role). Another role gets 404,
    like an object outside one's scope."""

    class HasRole(permissions.BasePermission):
        def has_permission(self, request, view):
            if not access.has_role(request.user, *roles):
                raise exceptions.NotFound
            return True

    HasRole.__name__ = f"HasRole_{'_'.join(roles)}"
    return HasRole
