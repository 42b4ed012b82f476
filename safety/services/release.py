"""Release (放学交接, M4, H4): every child leaves the school's care once a day, to a guardian or an
authorised pick-up person valid that day (checked against the list), or home alone only with the
guardian's written consent; or moves to another supervised group and is released from there.

One release per child per day: the child's Student row is locked before the check and a unique
constraint (student, date) backs it up, so twenty phones tapping "release" at once record one.
A restricted or unknown person is refused: the refusal is recorded and alerts the school and the
guardians at once. A child still in care after the end plus a grace period raises an alert to the
duty leader and the guardians, repeated each reminder interval until the child is released.
"""

import datetime
import hmac
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from activities import services as activity_services
from activities.models import Session
from audit import services as audit
from notices.services import notification_send
from safety.models import CareTransfer, PickupCode, Release, ReleaseRefusal
from safety.selectors import attendance as selectors
from safety.services import alerts, codes
from schools.models import AuthorizedPickup, Guardian, Guardianship, School, Student, User

UNRELEASED_GRACE_MINUTES = 30  # after the end of the child's session
REMINDER_MINUTES = 15  # then again every quarter of an hour until the child is released


class ReleaseRefused(ValidationError):
    """The person may not collect the child; the refusal has been recorded and alerted."""

    def __init__(self, refusal: ReleaseRefusal, message):
        super().__init__(message, code="refused")
        self.refusal = refusal


def _child_in(session: Session, student: Student):
    roster = selectors.roster(session)
    return next((c for c in roster.children if c.student.pk == student.pk), None), roster


def _require_in_care(child, now: datetime.datetime) -> None:
    if child is None:
        raise ValidationError(_("This child is not in this session today."), code="not_in_session")
    if child.release is not None:
        raise ValidationError(_("This child has already been released today."), code="already_released")
    if child.transfer_out is not None:
        raise ValidationError(_("This child has moved to another group."), code="moved")
    if not child.releasable:
        raise ValidationError(
            _("This child is not in your care today (on leave or absent)."), code="not_in_care"
        )


@transaction.atomic
def release_refuse(
    *,
    session: Session,
    student: Student,
    actor: User,
    name: str,
    reason: str,
    mobile: str = "",
    pickup: AuthorizedPickup | None = None,
    now: datetime.datetime | None = None,
) -> ReleaseRefusal:
    """Record that a person was refused the child, and alert the school admins, the duty leader
    and the guardians at once. Raises ValidationError(code="name")."""
    now = now or timezone.now()
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Write down the name the person gave."), code="name")
    school = session.group.activity.school
    refusal = ReleaseRefusal.objects.create(
        school=school,
        student=student,
        date=session.date,
        session=session,
        pickup=pickup,
        person_name=name[:50],
        person_mobile=(mobile or "").strip()[:20],
        reason=reason,
        refused_by=actor,
        refused_at=now,
    )
    audit.record(
        actor=actor, verb="release.refuse", target=refusal, changes={"reason": reason, "person": name[:50]}
    )
    alerts.alert_raise(
        key=f"refused:{refusal.code}",
        kind="refused",
        school=school,
        date=session.date,
        recipients=[
            *alerts.school_admins(school),
            *alerts.duty_leaders(school, session.date),
            *alerts.guardian_users(student),
        ],
        notice="safety/release_refused",
        link=reverse("safety:still-here"),
        student=student,
        session=session,
        detail=f"{student.name}: {name[:50]} ({reason})",
        refusal=refusal,
        reason=refusal.get_reason_display(),
    )
    return refusal


def release_record(
    *,
    session: Session,
    student: Student,
    actor: User,
    verification: str = "",
    guardian: Guardian | None = None,
    pickup: AuthorizedPickup | None = None,
    alone: bool = False,
    code: str = "",
    id_last4: str = "",
    now: datetime.datetime | None = None,
) -> Release:
    """Release the child at the end of the session to a guardian, an authorised person valid today,
    or home alone with the guardian's written consent, verified by pick-up code, last 4 ID digits
    or photo.

    Raises ReleaseRefused (code "refused", recorded and alerted) for a restricted person or one not
    valid today; ValidationError(code="not_today", "not_in_session", "already_released", "moved",
    "not_in_care", "person", "alone", "verification", "no_code", "code", "code_locked", "code_used",
    "id_last4").
    """
    now = now or timezone.now()
    # F15: on the term's last day the release works; from the day after the term is archived.
    activity_services.term_refuse_if_archived(session.group.term, day=timezone.localdate(now))
    if session.date != timezone.localdate(now):
        raise ValidationError(_("Children are released on the day of the session."), code="not_today")
    child, _roster = _child_in(session, student)
    _require_in_care(child, now)
    if sum(1 for x in (guardian, pickup) if x is not None) + bool(alone) != 1:
        raise ValidationError(_("Choose who collects the child."), code="person")
    if guardian is not None:
        _check_guardian(session=session, student=student, actor=actor, guardian=guardian, now=now)
    if pickup is not None:
        _check_pickup(session=session, student=student, actor=actor, pickup=pickup, now=now)
    if alone:
        if not child.may_go_alone:
            raise ValidationError(
                _("This child may not go home alone: the application has no written consent."), code="alone"
            )
        verification = Release.Verification.CONSENT
    elif verification not in (
        Release.Verification.CODE,
        Release.Verification.ID_LAST4,
        Release.Verification.PHOTO,
    ):
        raise ValidationError(_("Choose how you checked the person."), code="verification")
    code_row = _check_verification(
        student=student, verification=verification, pickup=pickup, code=code, id_last4=id_last4, now=now
    )
    return _release_write(
        session=session,
        student=student,
        actor=actor,
        child=child,
        guardian=guardian,
        pickup=pickup,
        verification=verification,
        code_row=code_row,
        now=now,
    )


def _refuse(
    *, session, student, actor, name, mobile, reason, now, pickup=None, message=None
) -> ReleaseRefused:
    """Record the refusal (it commits on its own) and return the error that tells the teacher."""
    refusal = release_refuse(
        session=session,
        student=student,
        actor=actor,
        name=name,
        mobile=mobile,
        pickup=pickup,
        reason=reason,
        now=now,
    )
    if message is None:
        message = _(
            "Do not hand the child to %(name)s: %(reason)s. This has been recorded and the school "
            "admin and the guardians have been alerted."
        ) % {"name": name, "reason": refusal.get_reason_display()}
    return ReleaseRefused(refusal, message)


def _check_guardian(*, session, student, actor, guardian: Guardian, now) -> None:
    link = Guardianship.objects.filter(guardian=guardian, student=student).first()
    if link is None:
        raise ValidationError(_("This person is not a guardian of the child."), code="person")
    if not link.active:
        # F13: the school restricted this guardian (court order) or ended the guardianship.
        raise _refuse(
            session=session,
            student=student,
            actor=actor,
            name=guardian.name,
            mobile=guardian.mobile,
            reason=ReleaseRefusal.Reason.RESTRICTED if link.restricted else ReleaseRefusal.Reason.NOT_VALID,
            now=now,
        )


def _check_pickup(*, session, student, actor, pickup: AuthorizedPickup, now) -> None:
    if pickup.student_id != student.pk:
        raise ValidationError(_("This person is not on the child's list."), code="person")
    if pickup.restricted or not pickup.is_valid_on(session.date):
        raise _refuse(
            session=session,
            student=student,
            actor=actor,
            name=pickup.name,
            mobile=pickup.mobile,
            pickup=pickup,
            reason=ReleaseRefusal.Reason.RESTRICTED if pickup.restricted else ReleaseRefusal.Reason.NOT_VALID,
            now=now,
        )


def _check_verification(
    *, student, verification: str, pickup: AuthorizedPickup | None, code: str, id_last4: str, now
) -> PickupCode | None:
    """Check the code or the ID digits given; returns the pick-up code row to spend, if any."""
    if verification == Release.Verification.CODE:
        # Checked before the transaction: a wrong entry is counted even though we refuse.
        return codes.pickup_code_check(student=student, code=code, now=now)
    if verification == Release.Verification.ID_LAST4:
        if pickup is None:
            raise ValidationError(
                _("ID digits are on file only for authorised persons: use the code or the photo."),
                code="id_last4",
            )
        entered = (id_last4 or "").strip().upper()
        if len(entered) != 4 or not hmac.compare_digest(entered, pickup.id_last4.upper()):
            raise ValidationError(_("The last 4 ID digits do not match the list."), code="id_last4")
    return None


@transaction.atomic
def _release_write(
    *, session, student, actor, child, guardian, pickup, verification, code_row, now
) -> Release:
    # The scarce resource is "the child's release today": lock the child's row, then check.
    Student.objects.select_for_update().filter(pk=student.pk).values_list("pk", flat=True).first()
    if Release.objects.filter(student=student, date=session.date).exists():
        raise ValidationError(_("This child has already been released today."), code="already_released")
    if CareTransfer.objects.filter(student=student, from_session=session).exists():
        raise ValidationError(_("This child has moved to another group."), code="moved")
    if code_row is not None:
        codes.pickup_code_use(row=code_row, now=now)
    if guardian is not None:
        to, name = Release.To.GUARDIAN, guardian.name
        relationship = (
            Guardianship.objects.filter(guardian=guardian, student=student)
            .values_list("relationship", flat=True)
            .first()
            or ""
        )
    elif pickup is not None:
        to, name, relationship = Release.To.PICKUP, pickup.name, pickup.relationship
    else:
        to, name, relationship = Release.To.ALONE, "", ""
    try:
        with transaction.atomic():
            release = Release.objects.create(
                school_id=session.group.activity.school_id,
                student=student,
                date=session.date,
                session=session,
                to=to,
                guardian=guardian,
                pickup=pickup,
                person_name=name[:50],
                person_relationship=relationship[:20],
                verification=verification,
                pickup_code=code_row,
                released_by=actor,
                released_at=now,
            )
    except IntegrityError:
        raise ValidationError(
            _("This child has already been released today."), code="already_released"
        ) from None
    Session.objects.filter(pk=session.pk, has_records=False).update(has_records=True)
    audit.record(
        actor=actor,
        verb="release.record",
        target=release,
        changes={"to": to, "person": name[:50], "verification": verification},
    )
    for user in alerts.guardian_users(student):
        notification_send(
            recipient=user,
            kind="safety/released",
            link=reverse("safety:family"),
            dedupe_key=f"released:{release.code}:{user.pk}",
            release=release,
            student=student,
            alone=to == Release.To.ALONE,
        )
    return release


# The choices a teacher makes on the release page besides a person on the child's list.
OTHER = "other"  # someone not on the list: refused
ALONE = "alone"  # home alone, with the guardian's written consent
TRANSFER = "transfer"  # to another supervised group of the school today


@dataclass(frozen=True)
class ReleaseOutcome:
    """What happened to the child, in words for the teacher."""

    transfer: CareTransfer | None
    release: Release | None
    message: str


def release_decide(
    *,
    session: Session,
    student: Student,
    actor: User,
    person: selectors.Person | str,
    to_session: Session | None = None,
    other_name: str = "",
    other_mobile: str = "",
    verification: str = "",
    code: str = "",
    id_last4: str = "",
    now: datetime.datetime | None = None,
) -> ReleaseOutcome:
    """Someone asks for the child: refuse them (OTHER), move the child to another group (TRANSFER),
    or release the child to `person` (a selectors.Person from the child's list) or home alone (ALONE).

    Raises ReleaseRefused (code "refused") for someone not on the list, after recording and alerting;
    ValidationError(code="to_session") without a group to move to; and whatever release_record and
    transfer_record raise.
    """
    if person == OTHER:
        raise _refuse(
            session=session,
            student=student,
            actor=actor,
            name=other_name,
            mobile=other_mobile,
            reason=ReleaseRefusal.Reason.UNKNOWN,
            now=now,
            message=_(
                "Refused: %(name)s is not on %(child)s's list. This has been recorded and the school "
                "admin and the guardians have been alerted. Keep the child with you."
            )
            % {"name": other_name, "child": student.name},
        )
    if person == TRANSFER:
        if to_session is None:
            raise ValidationError(_("Choose another group of the school today."), code="to_session")
        transfer = transfer_record(
            session=session, student=student, actor=actor, to_session=to_session, now=now
        )
        message = _("%(child)s moved to %(group)s.") % {"child": student.name, "group": to_session.group.name}
        return ReleaseOutcome(transfer=transfer, release=None, message=message)
    chosen = None if person == ALONE else person
    release = release_record(
        session=session,
        student=student,
        actor=actor,
        verification=verification or "",
        guardian=chosen.obj if chosen and chosen.kind == "guardian" else None,
        pickup=chosen.obj if chosen and chosen.kind == "pickup" else None,
        alone=person == ALONE,
        code=code or "",
        id_last4=id_last4 or "",
        now=now,
    )
    message = _("%(child)s released to %(person)s.") % {
        "child": student.name,
        "person": chosen.name if chosen else _("go home alone"),
    }
    return ReleaseOutcome(transfer=None, release=release, message=message)


@transaction.atomic
def transfer_record(
    *,
    session: Session,
    student: Student,
    actor: User,
    to_session: Session,
    now: datetime.datetime | None = None,
) -> CareTransfer:
    """Move a child in care to another supervised group of the school the same day; the receiving
    group releases the child later.

    Raises ValidationError(code="not_today", "to_session", "not_in_session", "already_released",
    "moved", "not_in_care").
    """
    now = now or timezone.now()
    activity_services.term_refuse_if_archived(session.group.term, day=timezone.localdate(now))
    if session.date != timezone.localdate(now):
        raise ValidationError(_("Children are moved on the day of the session."), code="not_today")
    if (
        to_session.pk == session.pk
        or to_session.date != session.date
        or to_session.group.activity.school_id != session.group.activity.school_id
    ):
        raise ValidationError(_("Choose another group of the school today."), code="to_session")
    Student.objects.select_for_update().filter(pk=student.pk).values_list("pk", flat=True).first()
    child, _roster = _child_in(session, student)
    _require_in_care(child, now)
    try:
        with transaction.atomic():
            transfer = CareTransfer.objects.create(
                school_id=session.group.activity.school_id,
                student=student,
                date=session.date,
                from_session=session,
                to_session=to_session,
                moved_by=actor,
                moved_at=now,
            )
    except IntegrityError:
        raise ValidationError(_("This child has moved to another group."), code="moved") from None
    Session.objects.filter(pk__in=[session.pk, to_session.pk], has_records=False).update(has_records=True)
    audit.record(actor=actor, verb="release.transfer", target=transfer, changes={"to": str(to_session.code)})
    return transfer


# --- children not released ------------------------------------------------------------------


def interval_index(*, due: datetime.datetime, now: datetime.datetime) -> int:
    """Which reminder interval `now` falls in after the due time (0 for the first)."""
    return int((now - due).total_seconds() // (REMINDER_MINUTES * 60))


def unreleased_sweep(*, now: datetime.datetime | None = None) -> int:
    """Alert the duty leader and the guardians about every child still in care after the end of
    their session plus the grace period: once per recipient per reminder interval, however many
    workers or beat runs call this at once. Runs outside a transaction: each alert commits on its
    own. Returns the alerts raised by this call."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    sessions = list(
        Session.objects.filter(date=day).select_related(*selectors.SESSION_RELATED).order_by("pk")
    )
    due = []
    for child, _item in selectors.care_sessions(selectors.rosters(sessions)).values():
        due_at = selectors.due_at(child.session, UNRELEASED_GRACE_MINUTES)
        if now >= due_at:
            index = interval_index(due=due_at, now=now)
            due.append((f"unreleased:{child.student.code}:{day.isoformat()}:{index}", child, index))
    due.sort(key=lambda item: item[0])
    raised = alerts.alerts_raised([key for key, _c, _i in due])
    leaders: dict[int, list[User]] = defaultdict(list)
    sent = 0
    for key, child, index in due:
        if key in raised:
            continue
        school: School = child.session.group.activity.school
        if school.pk not in leaders:
            leaders[school.pk] = alerts.duty_leaders(school, day)
        if alerts.alert_raise(
            key=key,
            kind="unreleased",
            school=school,
            date=day,
            recipients=[*leaders[school.pk], *alerts.guardian_users(child.student)],
            notice="safety/unreleased",
            link=reverse("safety:still-here"),
            student=child.student,
            session=child.session,
            detail=f"{child.student.name} · {child.session.group.name} · {index + 1}",
            reminder=index + 1,
            group=child.session.group,
        ):
            sent += 1
    return sent
