"""Account activation (F13): each new account gets its own one-time code, never a shared password.

A guardian created by a roster import or by a school admin, and a staff account a school admin
creates, start with no usable password and an activation code: random (secrets), 8 characters from
an alphabet without look-alikes (0/O, 1/I/L), about 40 bits; single use; expiring after
ACTIVATION_CODE_DAYS; void after ACTIVATION_CODE_MAX_FAILURES wrong codes typed for the account.
Only an HMAC of the code (keyed with SECRET_KEY) is stored: the code exists in clear only in the
response that prints it (activation slips) and in the SMS, when a sender is configured
(ACTIVATION_SMS_SENDER, called after commit). A school admin reissues a code (the old one stops
working); that is also how a parent who forgot the password sets a new one.

The activation page signs in through django.contrib.auth.authenticate with ActivationCodeBackend,
so django-axes counts wrong codes against the account like wrong passwords (schools.lockout).
"""

import datetime
import hashlib
import hmac
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import override

from audit import services as audit
from schools.auth import users_for_login
from schools.models import ActivationCode, Guardianship, Membership, Role, School, User
from schools.phones import normalise_text

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
CODE_LENGTH = 8


def code_digest(code: str) -> str:
    key = hashlib.sha256(f"activation-code:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, code_normalise(code).encode(), hashlib.sha256).hexdigest()


def code_normalise(typed: str) -> str:
    """The code as stored: full-width folded, upper case, without the spaces and dashes of the slip."""
    return normalise_text(typed).upper().replace(" ", "").replace("-", "")


def code_display(code: str) -> str:
    """ABCD-EFGH: easier to read out and to type."""
    return f"{code[:4]}-{code[4:]}"


def _live(now: datetime.datetime):
    return ActivationCode.objects.filter(used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)


# --- issuing ----------------------------------------------------------------------------------


def activation_codes_issue(*, users: Iterable[User], actor: User | None) -> dict[int, str]:
    """A new code for each account; any earlier code stops working. Returns {user id: code in
    clear}, shown once and never stored. Call inside a transaction. Raises nothing."""
    users = list(users)
    if not users:
        return {}
    now = timezone.now()
    expires = now + datetime.timedelta(days=settings.ACTIVATION_CODE_DAYS)
    ids = [user.pk for user in users]
    ActivationCode.objects.filter(user_id__in=ids, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    codes = {user.pk: "".join(secrets.choice(ALPHABET) for _i in range(CODE_LENGTH)) for user in users}
    ActivationCode.objects.bulk_create(
        [
            ActivationCode(
                user_id=pk, digest=code_digest(code), issued_by=actor, created=now, expires_at=expires
            )
            for pk, code in codes.items()
        ]
    )
    return codes


def activation_sms_on_commit(*, codes: dict[int, str]) -> None:
    """Send each new code by SMS after the transaction commits, when ACTIVATION_SMS_SENDER names a
    sender (a dotted callable taking mobile= and message=; none ships with the portal). Raises nothing."""
    path = settings.ACTIVATION_SMS_SENDER
    if not path or not codes:
        return
    users = list(User.objects.filter(pk__in=codes, mobile__isnull=False).only("pk", "mobile", "language"))

    def send():
        sender = import_string(path)
        for user in users:
            with override(user.language):
                message = _(
                    "Your after-school service activation code is %(code)s (valid for %(days)s days). "
                    "Open the portal, choose “Activate your account” and enter your mobile number."
                ) % {"code": code_display(codes[user.pk]), "days": settings.ACTIVATION_CODE_DAYS}
            sender(mobile=user.mobile, message=message)

    transaction.on_commit(send)


def activation_managed_by(*, user: User, schools: Iterable[School]) -> bool:
    """May the admin of these schools reset the account? Only an account that belongs wholly to
    them: its roles and its children are all there, and it is no Django-admin account, so that no
    school can take over a person who also belongs elsewhere. Raises nothing."""
    ids = [school.pk for school in schools]
    if user.is_staff or user.is_superuser or not ids:
        return False
    if Membership.objects.filter(user=user).exclude(school__in=ids).exists():
        return False
    if Guardianship.objects.filter(guardian__user=user).exclude(student__school__in=ids).exists():
        return False
    return (
        Membership.objects.filter(user=user, school__in=ids).exclude(role=Role.BUREAU_OFFICER).exists()
        or Guardianship.objects.filter(guardian__user=user, student__school__in=ids).exists()
    )


@transaction.atomic
def activation_code_reissue(*, user: User, schools: Iterable[School], actor: User) -> str:
    """A school admin gives a person a new code (first sign-in or a forgotten password); the old
    one stops working, the password stays until the new code is used. Returns the code in clear.

    Raises ValidationError(code="not_managed")."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    if not activation_managed_by(user=user, schools=schools):
        raise ValidationError(
            _("This account also belongs elsewhere; the system administrator resets it."),
            code="not_managed",
        )
    codes = activation_codes_issue(users=[user], actor=actor)
    audit.record(actor=actor, verb="user.activation_reissue", target=user)
    activation_sms_on_commit(codes=codes)
    return codes[user.pk]


# --- using a code -----------------------------------------------------------------------------


def activation_code_check(*, user: User, code: str) -> bool:
    """Whether the code is the account's live one. A wrong code counts against the live code,
    which stops working at ACTIVATION_CODE_MAX_FAILURES. Raises nothing."""
    now = timezone.now()
    row = _live(now).filter(user=user).first()
    if row is None:
        code_digest(code)  # the same work as a real check
        return False
    if hmac.compare_digest(code_digest(code), row.digest):
        return True
    with transaction.atomic():
        ActivationCode.objects.filter(pk=row.pk).update(failures=F("failures") + 1)
        ActivationCode.objects.filter(
            pk=row.pk, revoked_at__isnull=True, failures__gte=settings.ACTIVATION_CODE_MAX_FAILURES
        ).update(revoked_at=now)
    return False


@transaction.atomic
def account_activate(*, user: User, code: str, password: str) -> User:
    """Use the code: the person's own password replaces any other, and the code is spent.

    Raises ValidationError(code="code_invalid") or {"new_password1": [...]} for a weak password."""
    now = timezone.now()
    row = _live(now).select_for_update().filter(user=user).first()
    if row is None or not hmac.compare_digest(code_digest(code), row.digest):
        raise ValidationError(_("This activation code is not valid."), code="code_invalid")
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password1": exc.error_list}) from None
    row.used_at = now
    row.save(update_fields=["used_at"])
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    audit.record(actor=user, verb="user.activate", target=user)
    return user


class ActivationCodeBackend(ModelBackend):
    """authenticate(request, username=<username or mobile>, activation_code=<code>): the account
    whose live code this is. Used by the activation page only; it never accepts a password."""

    def authenticate(self, request, username=None, activation_code=None):
        if username is None or activation_code is None:
            return None
        users = users_for_login(username)
        if len(users) != 1:
            code_digest(activation_code)
            return None
        user = users[0]
        if self.user_can_authenticate(user) and activation_code_check(user=user, code=activation_code):
            return user
        return None


# --- activation slips -------------------------------------------------------------------------


def mobile_masked(mobile: str) -> str:
    return f"{mobile[:3]}****{mobile[-4:]}" if len(mobile) == 11 else "*" * len(mobile)


def awaiting_activation(queryset):
    """Accounts that have never set a password (Django's unusable password starts with "!")."""
    return queryset.filter(password__startswith="!")


@transaction.atomic
def activation_slips_issue(*, class_group, actor: User) -> list[dict]:
    """New codes for the class's parents who have not activated their account yet, one slip each:
    the codes printed earlier for them stop working. Raises nothing.

    Each slip: {"guardian": Guardian, "children": [names in this class], "mobile": "139****0001",
    "code": "ABCD-EFGH"}."""
    from schools.models import Guardian

    school = class_group.school
    guardians = list(
        Guardian.objects.filter(
            guardianship__student__class_group=class_group,
            guardianship__student__active=True,
            user__in=awaiting_activation(User.objects.all()),
        )
        .select_related("user")
        .distinct()
        .order_by("name", "pk")
    )
    guardians = [g for g in guardians if activation_managed_by(user=g.user, schools=[school])]
    codes = activation_codes_issue(users=[g.user for g in guardians], actor=actor)
    children: dict[int, list[str]] = {}
    for guardian_id, name in (
        Guardianship.objects.filter(
            guardian__in=guardians, student__class_group=class_group, student__active=True
        )
        .order_by("student__name")
        .values_list("guardian_id", "student__name")
    ):
        children.setdefault(guardian_id, []).append(name)
    audit.record(
        actor=actor, verb="activation.slips", target=class_group, changes={"accounts": len(guardians)}
    )
    return [
        {
            "guardian": g,
            "children": children.get(g.pk, []),
            "mobile": mobile_masked(g.mobile),
            "code": code_display(codes[g.user_id]),
        }
        for g in guardians
    ]


def awaiting_counts(*, school: School) -> dict[int, int]:
    """{class id: parents of its enrolled children who have not activated their account yet}."""
    from django.db.models import Count

    return dict(
        Guardianship.objects.filter(
            student__school=school,
            student__active=True,
            guardian__user__in=awaiting_activation(User.objects.all()),
        )
        .values("student__class_group")
        .annotate(n=Count("guardian", distinct=True))
        .values_list("student__class_group", "n")
    )
