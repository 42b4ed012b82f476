"""Writes of the API's own rows: app tokens (issued, revoked). Each with an audit row."""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from api.models import ApiToken, IdempotencyKey
from audit import services as audit

TOKEN_PREFIX = "as1_"


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def token_issue(*, user, name: str, otp_device=None) -> tuple[ApiToken, str]:
    """A new token for one device; returns the row and the secret, which is never stored."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        key_hash=token_digest(secret),
        otp_device=otp_device,
        expires_at=timezone.now() + datetime.timedelta(days=settings.API_TOKEN_DAYS),
    )
    audit.record(actor=user, verb="api.token.issue", target=token)
    return token, secret


@transaction.atomic
def token_revoke(*, token: ApiToken, actor) -> ApiToken:
    """Sign one device out. Revoking a revoked token changes nothing."""
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if updated:
        audit.record(actor=actor, verb="api.token.revoke", target=token)
    token.refresh_from_db(fields=["revoked_at"])
    return token


def token_touch(*, token: ApiToken) -> None:
    """Note that the token was used, at most once a minute (no audit: not a change of data)."""
    now = timezone.now()
    if token.last_used is None or now - token.last_used > datetime.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        token.last_used = now


def idempotency_keys_expire(*, now: datetime.datetime | None = None) -> int:
    """Forget answers kept longer than IDEMPOTENCY_KEEP_HOURS (a retry that late writes anew);
    returns how many. Housekeeping of a cache-like table: no audit row."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(hours=settings.IDEMPOTENCY_KEEP_HOURS)
    deleted, _ = IdempotencyKey.objects.filter(claimed_at__lt=cutoff).delete()
    return deleted
