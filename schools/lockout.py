"""Login throttling on django-axes: failures count against the account, not against its spelling.

Two limits, both kept in axes' own tables (shared by every process):
- AXES_FAILURE_LIMIT wrong passwords for one account from one address lock that pair;
- LOGIN_ACCOUNT_FAILURE_LIMIT wrong passwords for one account from any addresses lock the account.
A lockout lasts the cool-off from the failure that started it; each lockout of the same account
within LOGIN_LOCKOUT_MEMORY doubles the next one (LoginLockout rows remember them).
"""

import datetime

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt, AccessAttemptExpiration
from django.conf import settings
from django.db.models import Max, QuerySet, Sum
from django.http import HttpRequest
from django.utils import timezone

from schools.auth import login_key
from schools.models import LoginLockout

LONGEST_COOL_OFF = datetime.timedelta(days=1)


def _typed_login(request: HttpRequest | None, credentials: dict | None) -> str:
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials and credentials.get(field) is not None:
        return str(credentials[field])
    if request is not None and request.method == "POST":
        return request.POST.get(field, "")
    return ""


def axes_username(request: HttpRequest | None, credentials: dict | None = None) -> str:
    """AXES_USERNAME_CALLABLE: what axes files a login attempt under (schools.auth.login_key)."""
    typed = _typed_login(request, credentials)
    if request is None:
        return login_key(typed)
    # axes asks several times per request; look the account up once.
    keys = request.__dict__.setdefault("_login_keys", {})
    if typed not in keys:
        keys[typed] = login_key(typed)
    return keys[typed]


def cool_off(request: HttpRequest | None) -> datetime.timedelta:
    """AXES_COOLOFF_TIME: the base cool-off, doubled for each lockout of this login in the last day."""
    base = datetime.timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES)
    if request is None:
        return base
    now = getattr(request, "axes_attempt_time", None) or timezone.now()
    earlier = LoginLockout.objects.filter(
        key=axes_username(request, getattr(request, "axes_credentials", None)),
        locked_at__gt=now - settings.LOGIN_LOCKOUT_MEMORY,
    ).count()
    return min(base * 2 ** min(earlier, 10), LONGEST_COOL_OFF)


def _failures(attempts: QuerySet) -> int:
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler with a limit per account and address and a higher one per account."""

    def get_user_attempts(self, request, credentials=None) -> list[QuerySet]:
        """This account's live failures: [from this address, from any address].

        A failure counts until its expiry (AXES_USE_ATTEMPT_EXPIRATION), which a lockout extends,
        rather than for a window of the current cool-off, which changes as lockouts double it.
        """
        now = request.axes_attempt_time or timezone.now()
        live = AccessAttempt.objects.filter(
            username=get_client_username(request, credentials), expiration__expires_at__gt=now
        )
        return [live.filter(ip_address=request.axes_ip_address), live]

    def _limits(self, request, credentials) -> list[tuple[QuerySet, int]]:
        from_here, from_anywhere = self.get_user_attempts(request, credentials)
        return [
            (from_here, settings.AXES_FAILURE_LIMIT),
            (from_anywhere, settings.LOGIN_ACCOUNT_FAILURE_LIMIT),
        ]

    def _locking(self, request, credentials) -> list[QuerySet]:
        return [
            attempts for attempts, limit in self._limits(request, credentials) if _failures(attempts) >= limit
        ]

    def get_failures(self, request, credentials=None) -> int:
        """Failures from this address; AXES_FAILURE_LIMIT once the account's own limit is reached."""
        (from_here, _limit), (from_anywhere, account_limit) = self._limits(request, credentials)
        here = _failures(from_here)
        if _failures(from_anywhere) >= account_limit:
            return max(here, settings.AXES_FAILURE_LIMIT)
        return here

    def locked_until(self, request, credentials=None) -> datetime.datetime | None:
        """When the lockout this request meets ends (None: not locked)."""
        ends = [
            attempts.aggregate(end=Max("expiration__expires_at"))["end"]
            for attempts in self._locking(request, credentials)
        ]
        return max(ends, default=None)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        # Refused while locked: axes records nothing (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT
        # off), so the end of the lockout the page announces does not move.
        refused = request is not None and getattr(request, "axes_locked_out", False)
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or refused or not request.axes_locked_out:
            return
        # This failure started a lockout: it lasts the cool-off from now, however long ago the
        # earlier failures were, and is remembered so that the next one lasts twice as long.
        now = request.axes_attempt_time
        until = now + get_cool_off(request)
        for attempts in self._locking(request, credentials):
            AccessAttemptExpiration.objects.filter(
                access_attempt__in=list(attempts.values_list("pk", flat=True)), expires_at__lt=until
            ).update(expires_at=until)
        LoginLockout.objects.filter(locked_at__lte=now - settings.LOGIN_LOCKOUT_MEMORY).delete()
        LoginLockout.objects.create(
            key=get_client_username(request, credentials), locked_at=now, locked_until=until
        )

    def reset_user_attempts(self, request, credentials=None) -> int:
        """A successful login clears its own address's failures; those from elsewhere still count."""
        count, _ = AccessAttempt.objects.filter(
            username=get_client_username(request, credentials), ip_address=request.axes_ip_address
        ).delete()
        return count
