"""Permissions of the API: signed in, past every account gate, and (per view) holding a role."""

from rest_framework import exceptions, permissions

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
