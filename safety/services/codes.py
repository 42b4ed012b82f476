"""Pick-up codes (F5): a guardian shows a short code or QR on the phone at pick-up.

Random (secrets), 6 digits, single use, expiring, locked after MAX_MISSES wrong entries. Only an
HMAC of the code (keyed with SECRET_KEY) is stored, so a copy of the database does not reveal
live codes; checks compare digests in constant time. The code itself is shown once, on the response
to the guardian's request, and kept nowhere (not in the session either). Each guardian has at most
one live code per child and revokes only their own.

The gate's look-up by code counts misses per gate user and school, and per school, in the shared
cache (every web process sees the same counts): after GATE_MISS_LIMIT (or GATE_SCHOOL_MISS_LIMIT)
misses within GATE_MISS_WINDOW_MINUTES, look-ups by code are refused until the window has passed.
"""

import datetime
import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from safety.models import PickupCode
from schools.models import Guardianship, Student, User

CODE_DIGITS = 6
TTL_MINUTES = 30  # or the end of the day, whichever comes first
MAX_MISSES = 5
_ISSUE_TRIES = 10
GATE_MISS_LIMIT = 5  # one gate user at one school
GATE_SCHOOL_MISS_LIMIT = 20  # all users of one school together
GATE_MISS_WINDOW_MINUTES = 15


def code_digest(code: str) -> str:
    key = hashlib.sha256(f"pickup-code:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, code.strip().encode(), hashlib.sha256).hexdigest()


def _live(now: datetime.datetime):
    return PickupCode.objects.filter(
        used_at__isnull=True, locked_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    )


@transaction.atomic
def pickup_code_issue(
    *, student: Student, guardian_user: User, now: datetime.datetime | None = None
) -> tuple[PickupCode, str]:
    """A new code for the child (the guardian's previous one stops working). Returns the row and the code,
    which is shown once and never stored. Raises ValidationError(code="not_guardian")."""
    now = now or timezone.now()
    if not Guardianship.objects.filter(
        student=student, guardian__user=guardian_user, restricted=False, ended_at=None
    ).exists():
        raise ValidationError(_("Only the child's guardians can issue a pick-up code."), code="not_guardian")
    # Lock the child's row: two taps at once must not leave two live codes (the constraint says so).
    Student.objects.select_for_update().filter(pk=student.pk).first()
    # Only the guardian's own previous code stops working; another guardian's is theirs (F13).
    PickupCode.objects.filter(
        student=student,
        issued_by=guardian_user,
        used_at__isnull=True,
        locked_at__isnull=True,
        revoked_at__isnull=True,
    ).update(revoked_at=now)
    end_of_day = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate(now) + datetime.timedelta(days=1), datetime.time.min)
    )
    expires = min(now + datetime.timedelta(minutes=TTL_MINUTES), end_of_day)
    for _try in range(_ISSUE_TRIES):
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        digest = code_digest(code)
        # The gate looks codes up by digest within the school: keep live codes there distinct.
        if not _live(now).filter(digest=digest, student__school_id=student.school_id).exists():
            break
    row = PickupCode.objects.create(
        student=student, issued_by=guardian_user, issued_at=now, expires_at=expires, digest=digest
    )
    audit.record(
        actor=guardian_user,
        verb="pickup_code.issue",
        target=student,
        changes={"expires": expires.isoformat()},
    )
    return row, code


def pickup_code_live(
    *, student: Student, issued_by: User, now: datetime.datetime | None = None
) -> PickupCode | None:
    """The guardian's own live code for the child, if any."""
    return _live(now or timezone.now()).filter(student=student, issued_by=issued_by).first()


@transaction.atomic
def pickup_code_revoke(*, row: PickupCode, actor: User, now: datetime.datetime | None = None) -> PickupCode:
    """The guardian who issued the code withdraws it. Views find the row among the user's own codes
    (404 otherwise). Raises ValidationError(code="not_issuer", "not_live")."""
    now = now or timezone.now()
    if row.issued_by_id != actor.pk:
        raise ValidationError(
            _("Only the guardian who issued a pick-up code can revoke it."), code="not_issuer"
        )
    if not PickupCode.objects.filter(
        pk=row.pk, used_at__isnull=True, locked_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now):
        raise ValidationError(_("This pick-up code no longer works."), code="not_live")
    row.revoked_at = now
    audit.record(actor=actor, verb="pickup_code.revoke", target=row.student, changes={"code": str(row.code)})
    return row


def pickup_code_check(*, student: Student, code: str, now: datetime.datetime | None = None) -> PickupCode:
    """The child's live code if `code` is it; a wrong entry counts a miss (kept even when the
    caller's transaction fails) and the code locks at MAX_MISSES.

    Raises ValidationError(code="no_code", "code" or "code_locked").
    """
    now = now or timezone.now()
    # Each guardian's latest code (several guardians may each have one live).
    rows = {}
    for row in PickupCode.objects.filter(
        student=student, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).order_by("-issued_at"):
        rows.setdefault(row.issued_by_id, row)
    if rows:
        # F13: a code issued by a guardian the school has since restricted or removed does not count.
        active = set(
            Guardianship.objects.filter(
                student=student, guardian__user_id__in=rows, restricted=False, ended_at=None
            ).values_list("guardian__user_id", flat=True)
        )
        rows = {k: v for k, v in rows.items() if k in active}
    if not rows:
        raise ValidationError(
            _("There is no valid pick-up code for this child. Ask the guardian to show a new one."),
            code="no_code",
        )
    open_rows = [row for row in rows.values() if row.locked_at is None]
    if not open_rows:
        raise ValidationError(
            _("This pick-up code is locked after too many wrong entries. The guardian must issue a new one."),
            code="code_locked",
        )
    entered = code_digest("".join(ch for ch in (code or "") if ch.isdigit()))
    for row in open_rows:
        if hmac.compare_digest(entered, row.digest):
            return row
    for row in open_rows:
        _miss(row.pk, now)
    raise ValidationError(_("The pick-up code is wrong."), code="code")


def _miss(pk: int, now: datetime.datetime) -> None:
    # A conditional UPDATE counts the miss even when two teachers type at once.
    PickupCode.objects.filter(pk=pk, locked_at__isnull=True).update(misses=F("misses") + 1)
    PickupCode.objects.filter(pk=pk, locked_at__isnull=True, misses__gte=MAX_MISSES).update(locked_at=now)


def pickup_code_use(*, row: PickupCode, now: datetime.datetime) -> None:
    """Spend the code inside the release's transaction. Raises ValidationError(code="code_used")."""
    if not PickupCode.objects.filter(pk=row.pk, used_at__isnull=True, locked_at__isnull=True).update(
        used_at=now
    ):
        raise ValidationError(_("This pick-up code has already been used."), code="code_used")


def pickup_code_lookup_digest(query: str) -> str | None:
    """The digest to look a typed or scanned code up by, or None when it is not a code."""
    digits = "".join(ch for ch in (query or "") if ch.isdigit())
    if len(digits) != CODE_DIGITS or len(query.strip()) > CODE_DIGITS + 2:
        return None
    return code_digest(digits)


# --- the gate's look-up by code: misses counted in the shared cache -------------------------


def gate_miss_keys(*, user: User, school_id: int, now: datetime.datetime | None = None) -> tuple[str, str]:
    """The cache keys of the current window (fixed windows: the key names the window, so a count
    ends with its window on any cache backend): this user at this school, and the whole school."""
    window = int((now or timezone.now()).timestamp()) // (GATE_MISS_WINDOW_MINUTES * 60)
    return f"pickup-gate-miss:{window}:{school_id}:{user.pk}", f"pickup-gate-miss:{window}:{school_id}"


def gate_code_blocked(*, user: User, school_id: int, now: datetime.datetime | None = None) -> bool:
    """Whether look-ups by code are refused for this user at this school (too many misses)."""
    mine, school = (
        int(cache.get(key) or 0) for key in gate_miss_keys(user=user, school_id=school_id, now=now)
    )
    return mine >= GATE_MISS_LIMIT or school >= GATE_SCHOOL_MISS_LIMIT


def gate_code_miss(*, user: User, school_id: int, now: datetime.datetime | None = None) -> int:
    """Count a look-up by code that matched no live code; returns the user's misses in the window."""
    timeout = GATE_MISS_WINDOW_MINUTES * 60 * 2
    counts = []
    for key in gate_miss_keys(user=user, school_id=school_id, now=now):
        cache.add(key, 0, timeout)
        try:
            counts.append(cache.incr(key))
        except ValueError:  # evicted between add and incr
            cache.set(key, 1, timeout)
            counts.append(1)
    return counts[0]
