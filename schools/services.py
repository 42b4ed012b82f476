"""Writes to the organisation: regions, schools, classes, students, guardians, pick-up persons,
memberships. Each validates, writes in one transaction and records an audit event."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from notices import services as notices
from schools import access
from schools.models import (
    AuthorizedPickup,
    ClassGroup,
    Guardian,
    GuardianLink,
    Guardianship,
    Membership,
    Region,
    Role,
    School,
    Student,
    User,
)
from schools.phones import mobile_normalise, normalise_text
from schools.validators import id_last4_normalise, student_number_normalise

# --- accounts -------------------------------------------------------------------------------


@transaction.atomic
def user_password_changed(*, user: User) -> User:
    """The user chose a new password: lift the forced change. Raises nothing."""
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
    audit.record(actor=user, verb="user.password_change", target=user)
    return user


def user_language_set(*, user: User, language: str) -> User:
    """Remember the language the user chose, for e-mails sent to them. Raises nothing."""
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user


def user_profile_update(*, user: User, email: str, language: str, channels: list[str]) -> User:
    """Save one's own e-mail address, language and message channels together, or nothing: a
    channel that cannot be used (no address, not configured) raises the channel rules'
    ValidationError (notices.services.channel_preferences_set). What does not change is not
    written: no row, no audit event."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Choose a language from the list."), code="language_invalid")
    email = (email or "").strip()
    with transaction.atomic():
        before = {"email": bool(user.email), "language": user.language}
        changed = (user.email, user.language) != (email, language)
        if changed:
            user.email, user.language = email, language
            user.save(update_fields=["email", "language"])
        notices.channel_preferences_set(user=user, channels=channels, actor=user)
        if not changed:
            return user
        # The address itself stays out of the audit trail: whether there is one is enough.
        audit.record(
            actor=user,
            verb="user.profile_update",
            target=user,
            changes={"before": before, "now": {"email": bool(user.email), "language": user.language}},
        )
    return user


# --- regions and schools --------------------------------------------------------------------


def region_check_reports_to(*, region: Region, reports_to: Region | None) -> None:
    """The reporting chain must not come back to the region. Raises ValidationError(code="region_cycle")."""
    node = reports_to
    while node is not None:
        if node == region or (region.code and node.code == region.code):
            raise ValidationError(_("A region cannot report to itself."), code="region_cycle")
        node = node.reports_to


@transaction.atomic
def region_repath(*, region: Region) -> int:
    """Refresh the report_path of every region whose reporting chain passes through this one (its
    own is derived on save). Returns how many rows changed. Raises nothing.

    Only Region stores the path: schools, memberships and every other table join to it, so nothing
    else caches it."""
    changed, frontier, seen = 0, [region], {region.pk}
    while frontier:
        below = list(Region.objects.filter(reports_to__in=frontier).exclude(pk__in=seen).order_by("pk"))
        for child in below:
            seen.add(child.pk)
            old = child.report_path
            child.save(update_fields=["report_path"])  # Region.save derives the path
            changed += child.report_path != old
        frontier = below
    return changed


@transaction.atomic
def region_store(*, region: Region) -> Region:
    """Save a region built elsewhere (the Django admin's form) and re-path the regions reporting
    through it. reports_to defaults to the administrative parent.

    Raises ValidationError(code="region_cycle")."""
    if region.reports_to_id is None and region.parent_id is not None:
        region.reports_to = region.parent
    region_check_reports_to(region=region, reports_to=region.reports_to)
    region.report_path = region.reporting_chain_path()
    region.full_clean(exclude=["report_path"])
    region.save()
    region_repath(region=region)
    return region


@transaction.atomic
def region_save(
    *, code: str, name: str, level: str, parent: Region | None = None, reports_to: Region | None = None
) -> Region:
    """Create or update a region by its GB/T 2260 code and refresh the reporting paths below it.

    reports_to defaults to the administrative parent. Raises ValidationError(code="region_cycle").
    """
    region = Region.objects.filter(code=code).first() or Region(code=code)
    region.name, region.level, region.parent = name, level, parent
    region.reports_to = reports_to if reports_to is not None else parent
    return region_store(region=region)


@transaction.atomic
def school_save(
    *,
    identifier: str,
    name: str,
    region: Region,
    stage: str = School.Stage.PRIMARY,
    offers_service: bool = True,
    no_service_explanation: str = "",
    actor: User | None = None,
) -> School:
    """Create or update a school by its identifier.

    Raises ValidationError(code="not_county") or (code="explanation_required").
    """
    if region.level != Region.Level.COUNTY:
        raise ValidationError(_("A school belongs to a county-level region."), code="not_county")
    if not offers_service and not no_service_explanation.strip():
        raise ValidationError(
            _("A school that does not offer the service must explain why to parents."),
            code="explanation_required",
        )
    school = School.objects.filter(identifier=identifier).first() or School(identifier=identifier)
    before = {"offers_service": school.offers_service} if school.pk else {}
    school.name, school.region, school.stage = name, region, stage
    school.offers_service, school.no_service_explanation = offers_service, no_service_explanation.strip()
    school.full_clean()
    school.save()
    audit.record(actor=actor, verb="school.save", target=school, changes={**before, "now": offers_service})
    return school


@transaction.atomic
def school_service_set(*, school: School, offers_service: bool, explanation: str, actor: User) -> School:
    """H1: record whether the school offers the service this term, with the parents' explanation.

    Raises ValidationError(code="explanation_required").
    """
    if not offers_service and not explanation.strip():
        raise ValidationError(
            _("A school that does not offer the service must explain why to parents."),
            code="explanation_required",
        )
    changes = {"offers_service": [school.offers_service, offers_service]}
    school.offers_service = offers_service
    school.no_service_explanation = "" if offers_service else explanation.strip()
    school.save(update_fields=["offers_service", "no_service_explanation"])
    audit.record(actor=actor, verb="school.service_set", target=school, changes=changes)
    return school


# --- classes --------------------------------------------------------------------------------


@transaction.atomic
def class_create(*, school: School, grade: int, number: int, actor: User | None = None) -> ClassGroup:
    """Add a class to a school. Raises ValidationError(code="class_exists" or "grade")."""
    if not 1 <= grade <= 9:
        raise ValidationError(_("Grade must be between 1 and 9."), code="grade")
    if ClassGroup.objects.filter(
        school=school, grade=grade, number=number, graduated_in__isnull=True
    ).exists():
        raise ValidationError(_("This class already exists in the school."), code="class_exists")
    group = ClassGroup.objects.create(school=school, grade=grade, number=number)
    audit.record(actor=actor, verb="class.create", target=group)
    return group


@transaction.atomic
def class_teacher_set(*, class_group: ClassGroup, teacher: User | None, actor: User | None) -> None:
    """Make a user the class teacher (班主任) of a class, replacing the previous one. Raises nothing."""
    previous = Membership.objects.filter(class_group=class_group, role=Role.CLASS_TEACHER)
    old = list(previous.values_list("user__username", flat=True))
    previous.delete()
    if teacher is not None:
        Membership.objects.create(
            user=teacher, role=Role.CLASS_TEACHER, school=class_group.school, class_group=class_group
        )
        access.forget(teacher)
    audit.record(
        actor=actor,
        verb="class.teacher_set",
        target=class_group,
        changes={"from": old, "to": teacher.username if teacher else None},
    )


# --- memberships ----------------------------------------------------------------------------


@transaction.atomic
def membership_add(
    *,
    user: User,
    role: str,
    actor: User | None,
    school: School | None = None,
    region: Region | None = None,
) -> Membership:
    """Give a user a staff or bureau role. Raises ValidationError(code="role_scope" or "duplicate")."""
    if role == Role.BUREAU_OFFICER and (region is None or school is not None):
        raise ValidationError(_("A bureau officer belongs to a region."), code="role_scope")
    if role in (Role.SERVICE_TEACHER, Role.GATE_GUARD, Role.SCHOOL_ADMIN) and school is None:
        raise ValidationError(_("This role belongs to a school."), code="role_scope")
    if role in (Role.PARENT, Role.CLASS_TEACHER):
        raise ValidationError(
            _("Parents come from the roster and class teachers are set on their class."), code="role_scope"
        )
    if Membership.objects.filter(user=user, role=role, school=school, region=region).exists():
        raise ValidationError(_("This person already has this role."), code="duplicate")
    membership = Membership.objects.create(user=user, role=role, school=school, region=region)
    access.forget(user)
    audit.record(actor=actor, verb="membership.add", target=membership, changes={"role": role})
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor: User | None) -> None:
    """End a staff role. Raises nothing."""
    audit.record(
        actor=actor,
        verb="membership.remove",
        target=membership,
        changes={"user": membership.user.username, "role": membership.role},
    )
    membership.delete()
    access.forget(membership.user)


# --- guardians and students -----------------------------------------------------------------


def guardian_account_holder(*, mobile: str) -> User | None:
    """The account that holds this (normalised) mobile number as its own: an existing guardian's,
    or a user's verified mobile. Raises ValidationError(code="mobile_blocked") when only a username
    looks like it: that account is not this person (F13)."""
    guardian = Guardian.objects.filter(mobile=mobile).select_related("user").first()
    if guardian:
        return guardian.user
    holder = User.objects.filter(mobile=mobile).first()
    if holder is not None and not Guardian.objects.filter(user=holder).exists():
        return holder
    if holder is not None or User.objects.filter(username__iexact=mobile).exists():
        raise ValidationError(
            _(
                "This mobile number belongs to an account that cannot be linked; "
                "ask the system administrator."
            ),
            code="mobile_blocked",
        )
    return None


@transaction.atomic
def student_save(
    *,
    class_group: ClassGroup,
    name: str,
    gender: str,
    student_number: str,
    birth_date: datetime.date,
    left_behind: bool = False,
    migrant: bool = False,
    low_income: bool = False,
    disability: bool = False,
    other_priority_note: str = "",
    actor: User | None = None,
    student: Student | None = None,
) -> Student:
    """Create a student, or update one. Raises ValidationError (student_number, duplicate)."""
    number = student_number_normalise(student_number)
    clash = Student.objects.filter(student_number=number)
    if student is not None:
        clash = clash.exclude(pk=student.pk)
    if clash.exists():
        raise ValidationError(
            _("A student with national student number %(number)s already exists."),
            code="duplicate",
            params={"number": student.masked_student_number if student else "…" + number[-4:]},
        )
    student = student or Student()
    before = {"class": str(student.class_group)} if student.pk else {}
    student.school, student.class_group = class_group.school, class_group
    student.name, student.gender = normalise_text(name), gender
    student.student_number, student.birth_date = number, birth_date
    student.left_behind, student.migrant = left_behind, migrant
    student.low_income, student.disability = low_income, disability
    student.other_priority_note = normalise_text(other_priority_note)
    student.full_clean()
    student.save()
    audit.record(
        actor=actor,
        verb="student.save",
        target=student,
        changes={**before, "class": str(class_group)},
    )
    return student


@transaction.atomic
def guardian_add(
    *, student: Student, name: str, mobile: str, relationship: str, actor: User | None
) -> tuple[Guardianship | GuardianLink, str | None]:
    """A school names a child's guardian by mobile number.

    A new number: a guardian with a new account (the mobile as login, no password) and its
    activation code, returned in clear to print once (and sent by SMS when configured). A number
    that already has an account: the holder is asked to confirm (a pending GuardianLink); until
    then no access to the child, and the school learns nothing of the holder but the masked number.
    Raises ValidationError(code="mobile" or "mobile_blocked")."""
    from schools import activation

    mobile = mobile_normalise(mobile)
    relationship = normalise_text(relationship)
    holder = guardian_account_holder(mobile=mobile)
    if holder is not None:
        return guardian_link_request(
            student=student, user=holder, mobile=mobile, relationship=relationship, actor=actor
        ), None
    user = User(username=mobile, mobile=mobile, last_name=normalise_text(name))
    user.set_unusable_password()  # until the person activates the account with the code
    user.save()
    guardian = Guardian.objects.create(user=user, name=normalise_text(name), mobile=mobile)
    link = Guardianship.objects.create(guardian=guardian, student=student, relationship=relationship)
    codes = activation.activation_codes_issue(users=[user], actor=actor)
    activation.activation_sms_on_commit(codes=codes)
    audit.record(actor=actor, verb="guardianship.add", target=student, changes={"guardian": guardian.name})
    return link, codes[user.pk]


def guardianship_add(
    *, student: Student, name: str, mobile: str, relationship: str, actor: User | None
) -> Guardianship | GuardianLink:
    """guardian_add without the activation code. Raises ValidationError(code="mobile" or "mobile_blocked")."""
    return guardian_add(student=student, name=name, mobile=mobile, relationship=relationship, actor=actor)[0]


@transaction.atomic
def guardian_link_request(
    *, student: Student, user: User, mobile: str, relationship: str, actor: User | None
) -> Guardianship | GuardianLink:
    """Ask an existing account to become the child's guardian; the one already pending, or the
    guardianship when it exists already. Raises nothing."""
    existing = Guardianship.objects.filter(guardian__user=user, student=student).first()
    if existing is not None:
        return existing
    pending = GuardianLink.objects.filter(
        student=student, user=user, status=GuardianLink.Status.PENDING
    ).first()
    if pending is not None:
        return pending
    link = GuardianLink.objects.create(
        student=student, user=user, mobile=mobile, relationship=relationship, requested_by=actor
    )
    audit.record(actor=actor, verb="guardian_link.request", target=student, changes={"link": str(link.code)})
    guardian_links_notify(user_ids={user.pk})
    return link


def guardian_links_notify(*, user_ids: set[int]) -> None:
    """Tell each account holder that a school asks them to confirm a child. Raises nothing."""
    from notices.services import notification_send

    for user in User.objects.filter(pk__in=user_ids):
        notification_send(recipient=user, kind="schools/guardian_link", link=reverse("home"))


@transaction.atomic
def guardian_link_decide(*, link: GuardianLink, user: User, accept: bool) -> GuardianLink:
    """The account holder accepts (becoming the child's guardian) or declines a school's request.

    Raises ValidationError(code="not_pending")."""
    link = GuardianLink.objects.select_for_update().get(pk=link.pk, user=user)
    if link.status != GuardianLink.Status.PENDING:
        raise ValidationError(_("This request has already been answered."), code="not_pending")
    link.status = GuardianLink.Status.ACCEPTED if accept else GuardianLink.Status.DECLINED
    link.decided_at = timezone.now()
    link.save(update_fields=["status", "decided_at"])
    if accept:
        guardian = Guardian.objects.filter(user=user).first() or Guardian.objects.create(
            user=user, name=user.display_name, mobile=link.mobile
        )
        Guardianship.objects.get_or_create(
            guardian=guardian, student=link.student, defaults={"relationship": link.relationship}
        )
        access.forget(user)
    audit.record(
        actor=user,
        verb="guardian_link.accept" if accept else "guardian_link.decline",
        target=link.student,
        changes={"link": str(link.code)},
    )
    return link


def _guardianship_change(link: Guardianship, *, actor: User, verb: str, **fields) -> Guardianship:
    """Lock a guardianship that has not ended, set `fields`, drop the guardian's cached scope and
    write the audit row (with the reason, when one is set). Raises ValidationError(code="ended")."""
    link = (
        Guardianship.objects.select_for_update().select_related("guardian__user", "student").get(pk=link.pk)
    )
    if link.ended_at is not None:
        raise ValidationError(_("This guardianship has already ended."), code="ended")
    for name, value in fields.items():
        setattr(link, name, value)
    link.save(update_fields=list(fields))
    access.forget(link.guardian.user)
    changes = {"guardian": str(link.guardian.code)}
    reason = fields.get("restriction_reason") or fields.get("ended_reason")
    if reason:
        changes["reason"] = reason
    audit.record(actor=actor, verb=verb, target=link.student, changes=changes)
    return link


@transaction.atomic
def guardianship_restrict(*, link: Guardianship, reason: str, actor: User) -> Guardianship:
    """The school bars a guardian from collecting the child (e.g. a court order); they also lose
    the child's pages. Views allow this to school admins only. Raises ValidationError(code="reason",
    "ended")."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for the restriction."), code="reason")
    return _guardianship_change(
        link, actor=actor, verb="guardianship.restrict", restricted=True, restriction_reason=reason[:200]
    )


@transaction.atomic
def guardianship_unrestrict(*, link: Guardianship, actor: User) -> Guardianship:
    """The school lifts its restriction of a guardian. Raises ValidationError(code="ended")."""
    return _guardianship_change(
        link, actor=actor, verb="guardianship.unrestrict", restricted=False, restriction_reason=""
    )


@transaction.atomic
def guardianship_end(*, link: Guardianship, reason: str, actor: User) -> Guardianship:
    """The school ends a guardianship (the row stays as history): the person no longer collects the
    child, sees the child's pages or receives the child's notices. Raises ValidationError(
    code="reason", "ended")."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for ending the guardianship."), code="reason")
    return _guardianship_change(
        link, actor=actor, verb="guardianship.end", ended_at=timezone.now(), ended_reason=reason[:200]
    )


# --- pick-up persons ------------------------------------------------------------------------


@transaction.atomic
def pickup_add(
    *,
    student: Student,
    name: str,
    relationship: str,
    mobile: str,
    id_last4: str,
    valid_from: datetime.date,
    valid_until: datetime.date | None,
    actor: User,
) -> AuthorizedPickup:
    """A guardian (or the school) names a person who may collect the child.

    Raises ValidationError(code="mobile", "id_last4" or "dates").
    """
    if valid_until is not None and valid_until < valid_from:
        raise ValidationError(_("The end date cannot be before the start date."), code="dates")
    pickup = AuthorizedPickup(
        student=student,
        name=normalise_text(name),
        relationship=normalise_text(relationship),
        mobile=mobile_normalise(mobile),
        id_last4=id_last4_normalise(id_last4),
        valid_from=valid_from,
        valid_until=valid_until,
        added_by=actor,
    )
    if pickup_restricted_match(
        student=student, name=pickup.name, mobile=pickup.mobile, id_last4=pickup.id_last4
    ):
        # F13: a school's restriction binds the person, not the row: re-adding them is refused
        # outright (no approval queue); the school lifts its restriction on the existing row instead.
        raise ValidationError(
            _("The school has restricted this person, so they cannot be added. Contact the school."),
            code="restricted",
        )
    pickup.full_clean()
    pickup.save()
    audit.record(actor=actor, verb="pickup.add", target=pickup, changes={"student": str(student.code)})
    return pickup


def _family_ids(student: Student) -> list[int]:
    """The child and the children who share a guardian with them (siblings at any school)."""
    guardians = Guardianship.objects.filter(student=student).values("guardian_id")
    ids = set(Guardianship.objects.filter(guardian_id__in=guardians).values_list("student_id", flat=True))
    return sorted(ids | {student.pk})


def pickup_restricted_match(*, student: Student, name: str, mobile: str, id_last4: str) -> bool:
    """Whether the school restricted this person for the child's family: a restricted pick-up
    person with the same normalised mobile, or the same name and last 4 ID characters; or a
    restricted or ended-by-the-school guardian with the same mobile. Ended rows still count."""
    family = _family_ids(student)
    same_person = Q(mobile=mobile) | Q(name=name, id_last4=id_last4.upper())
    if AuthorizedPickup.objects.filter(same_person, student_id__in=family, restricted=True).exists():
        return True
    return Guardianship.objects.filter(
        Q(restricted=True) | Q(ended_at__isnull=False), student_id__in=family, guardian__mobile=mobile
    ).exists()


@transaction.atomic
def pickup_end(*, pickup: AuthorizedPickup, actor: User) -> AuthorizedPickup:
    """End a pick-up authorisation from today on; the row stays as history.

    Raises ValidationError(code="ended").
    """
    if pickup.ended_at is not None:
        raise ValidationError(_("This authorisation has already ended."), code="ended")
    pickup.ended_at = timezone.now()
    pickup.save(update_fields=["ended_at"])
    audit.record(actor=actor, verb="pickup.end", target=pickup)
    return pickup


@transaction.atomic
def pickup_restrict(*, pickup: AuthorizedPickup, reason: str, actor: User) -> AuthorizedPickup:
    """The school bars a person from collecting the child. Raises ValidationError(code="reason")."""
    if not reason.strip():
        raise ValidationError(_("Give the reason for the restriction."), code="reason")
    pickup.restricted, pickup.restriction_reason = True, reason.strip()
    pickup.save(update_fields=["restricted", "restriction_reason"])
    audit.record(actor=actor, verb="pickup.restrict", target=pickup, changes={"reason": reason.strip()})
    return pickup


@transaction.atomic
def pickup_unrestrict(*, pickup: AuthorizedPickup, actor: User) -> AuthorizedPickup:
    """The school lifts its restriction. Views allow this to school admins only. Raises nothing."""
    pickup.restricted, pickup.restriction_reason = False, ""
    pickup.save(update_fields=["restricted", "restriction_reason"])
    audit.record(actor=actor, verb="pickup.unrestrict", target=pickup)
    return pickup


# --- school admin screens (schools/views/school_admin.py) -----------------------------------------


@transaction.atomic
def staff_role_add(
    *, school: School, user: User, role: str, actor: User | None, class_group: ClassGroup | None = None
) -> None:
    """Give a person a role in the school; a new class teacher takes over the class from the last.

    Raises ValidationError(code="class_required", "role_scope" or "duplicate").
    """
    if role == Role.CLASS_TEACHER:
        if class_group is None or class_group.school_id != school.pk:
            raise ValidationError(_("Choose the class this person will lead."), code="class_required")
        class_teacher_set(class_group=class_group, teacher=user, actor=actor)
        return
    membership_add(user=user, role=role, school=school, actor=actor)


@transaction.atomic
def staff_user_create(
    *,
    school: School,
    role: str,
    username: str,
    name: str,
    mobile: str,
    actor: User | None,
    class_group: ClassGroup | None = None,
) -> tuple[User, str]:
    """A new staff account and its role. It has no password: the person activates it with the
    returned one-time code (shown once, on a slip; sent by SMS when configured).

    Raises ValidationError(code="username_taken", "mobile_taken", "mobile", "class_required"; or
    {"username": [...]} for a username shaped like another mobile number).
    """
    user = account_create(username=username, name=name, mobile=mobile, role=role, actor=actor)
    staff_role_add(school=school, user=user, role=role, class_group=class_group, actor=actor)
    return user, account_activation_issue(user=user, actor=actor)


def account_create(*, username: str, name: str, mobile: str, role: str, actor: User | None) -> User:
    """A new account without a password (it is activated by a one-time code). Call inside the
    caller's transaction, then give it its role and account_activation_issue. Raises
    ValidationError(code="username_taken", "mobile_taken", "mobile"; {"username": [...]})."""
    username = normalise_text(username)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(_("This username is already taken."), code="username_taken")
    mobile = mobile_normalise(mobile) if normalise_text(mobile) else None
    if mobile and User.objects.filter(Q(mobile=mobile) | Q(username__iexact=mobile)).exists():
        raise ValidationError(_("An account with this mobile number already exists."), code="mobile_taken")
    user = User(username=username, last_name=normalise_text(name), mobile=mobile)
    user.set_unusable_password()
    user.full_clean()  # User.clean: no username shaped like a mobile number but the account's own
    user.save()
    audit.record(actor=actor, verb="user.create", target=user, changes={"role": role})
    return user


def account_activation_issue(*, user: User, actor: User | None) -> str:
    """The new account's one-time activation code (schools.activation, the one mechanism), sent by
    SMS after commit when configured; returned in clear to be shown once."""
    from schools import activation

    codes = activation.activation_codes_issue(users=[user], actor=actor)
    activation.activation_sms_on_commit(codes=codes)
    return codes[user.pk]


@transaction.atomic
def staff_role_remove(*, membership: Membership, actor: User) -> None:
    """End a role in the school; school admins cannot drop their own admin role (nobody would be
    left to undo it). Raises ValidationError(code="own_admin_role")."""
    if membership.role == Role.SCHOOL_ADMIN and membership.user_id == actor.pk:
        raise ValidationError(_("You cannot remove your own school admin role."), code="own_admin_role")
    membership_remove(membership=membership, actor=actor)
