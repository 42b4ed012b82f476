"""Reads of the API's own rows, each scoped to the signed-in user."""

from django.db.models import QuerySet
from django.utils import timezone

from api.models import ApiToken
from schools import access


def tokens_live_for_user(*, user) -> QuerySet[ApiToken]:
    """The user's devices still signed in, newest first."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=timezone.now())


def get_token_for_user(user, code) -> ApiToken:
    """One of the user's own live tokens; anyone else's (or a malformed code) raises Http404."""
    return access.get_or_404(tokens_live_for_user(user=user), code=code)


def token_for_secret(*, digest: str) -> ApiToken | None:
    """The live token with this digest, with its user, or None."""
    return (
        ApiToken.objects.select_related("user", "otp_device")
        .filter(key_hash=digest, revoked_at__isnull=True, expires_at__gt=timezone.now(), user__is_active=True)
        .first()
    )
