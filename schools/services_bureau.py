"""F17: a bureau runs its region: registers and edits its schools, invites officer and school-admin
accounts (activated by their own one-time code, schools.activation) and disables them. The views pass
rows already scoped by schools.access (region_schools_for, region_memberships_for); every write is
audited."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from schools import access
from schools.models import ActivationCode, Guardian, Membership, Region, Role, School, User
from schools.services import account_activation_issue, account_create, membership_add, school_save


@transaction.atomic
def school_register(*, identifier: str, name: str, stage: str, region: Region, actor: User) -> School:
    """A new school of the region; it offers the service until its admin says otherwise. Raises
    ValidationError(code="identifier_taken", "not_county"; {"identifier": [...]} for a malformed one)."""
    identifier = identifier.strip()
    if School.objects.filter(identifier=identifier).exists():
        raise ValidationError(
            _("A school with this identifier is already registered."), code="identifier_taken"
        )
    return school_save(identifier=identifier, name=name.strip(), region=region, stage=stage, actor=actor)


@transaction.atomic
def school_update(*, school: School, name: str, stage: str, region: Region, actor: User) -> School:
    """Rename a school, change its stage or county; whether it offers the service stays the school's
    own decision. Raises ValidationError(code="not_county")."""
    return school_save(
        identifier=school.identifier,
        name=name.strip(),
        region=region,
        stage=stage,
        offers_service=school.offers_service,
        no_service_explanation=school.no_service_explanation,
        actor=actor,
    )


@transaction.atomic
def region_account_invite(
    *,
    role: str,
    username: str,
    name: str,
    mobile: str,
    region: Region | None,
    school: School | None,
    actor: User,
) -> tuple[User, str]:
    """A new bureau-officer (of a region) or school-admin (of a school) account; returns it and its
    one-time activation code, shown once. Raises ValidationError(code="role_scope", "username_taken",
    "mobile_taken", "mobile")."""
    if role == Role.BUREAU_OFFICER and region is None:
        raise ValidationError(_("Choose the region of the new officer."), code="role_scope")
    if role == Role.SCHOOL_ADMIN and school is None:
        raise ValidationError(_("Choose the school of the new school admin."), code="role_scope")
    if role not in (Role.BUREAU_OFFICER, Role.SCHOOL_ADMIN):
        raise ValidationError(_("A bureau invites officers and school admins only."), code="role_scope")
    user = account_create(username=username, name=name, mobile=mobile, role=role, actor=actor)
    if role == Role.BUREAU_OFFICER:
        membership_add(user=user, role=role, region=region, actor=actor)
    else:
        membership_add(user=user, role=role, school=school, actor=actor)
    return user, account_activation_issue(user=user, actor=actor)


@transaction.atomic
def region_account_disable(*, membership: Membership, managed: QuerySet[Membership], actor: User) -> User:
    """Disable the account holding this role: it can no longer sign in and its activation code stops
    working. Only an account that belongs wholly to the actor's region (every role among `managed`,
    no family of its own, no Django-admin account), never the actor's own. Raises
    ValidationError(code="own_account", "not_managed")."""
    user = User.objects.select_for_update().get(pk=membership.user_id)
    if user.pk == actor.pk:
        raise ValidationError(_("You cannot disable your own account."), code="own_account")
    outside = Membership.objects.filter(user=user).exclude(pk__in=managed.values("pk")).exists()
    if outside or user.is_staff or user.is_superuser or Guardian.objects.filter(user=user).exists():
        raise ValidationError(
            _("This account also belongs elsewhere; the system administrator disables it."),
            code="not_managed",
        )
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
        ActivationCode.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        access.forget(user)
        audit.record(actor=actor, verb="user.disable", target=user)
    return user
