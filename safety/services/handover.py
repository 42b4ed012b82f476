"""Handover (交接班, M4, H4): children change hands with a head count that both sides confirm.

At service start the class teacher hands the children of the class expected in a session to the
teacher holding it; during the service the teacher on duty hands the group to another. The
receiver counts again; a different count is recorded and flagged to the school admin at once.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from activities import selectors as activity_selectors
from activities import services as activity_services
from activities.models import Session
from audit import services as audit
from notices.services import notification_send
from safety.models import Handover, HandoverConfirmation
from safety.selectors import attendance as selectors
from safety.services import alerts
from schools import access
from schools.models import ClassGroup, Membership, Role, User

MAX_COUNT = 500


def _today_only(session: Session, now: datetime.datetime) -> None:
    activity_services.term_refuse_if_archived(session.group.term, day=timezone.localdate(now))
    if session.date != timezone.localdate(now):
        raise ValidationError(_("Handovers are recorded on the day of the session."), code="not_today")


def _count(count) -> int:
    if count is None or not (0 <= int(count) <= MAX_COUNT):
        raise ValidationError(_("Enter the number of children you counted."), code="count")
    return int(count)


def _is_class_teacher(user: User, class_group: ClassGroup) -> bool:
    return Membership.objects.filter(user=user, role=Role.CLASS_TEACHER, class_group=class_group).exists()


@transaction.atomic
def handover_class_give(
    *,
    session: Session,
    class_group: ClassGroup,
    actor: User,
    count: int,
    now: datetime.datetime | None = None,
) -> Handover:
    """The class teacher hands the children of the class expected in the session to the teacher
    holding it, with a head count.

    Raises ValidationError(code="not_class_teacher", "not_today", "count", "no_children",
    "same_person" or "duplicate").
    """
    now = now or timezone.now()
    if not (
        actor.is_superuser
        or _is_class_teacher(actor, class_group)
        or access.manages_school(actor, class_group.school_id)
    ):
        raise ValidationError(_("Only the class teacher hands this class over."), code="not_class_teacher")
    _today_only(session, now)
    count = _count(count)
    session = (
        Session.objects.select_for_update().select_related(*selectors.SESSION_RELATED).get(pk=session.pk)
    )
    roster = selectors.roster(session)
    mine = [c for c in roster.roll if c.student.class_group_id == class_group.pk]
    if not mine:
        raise ValidationError(_("No child of this class is in this session today."), code="no_children")
    if roster.holder.pk == actor.pk:
        raise ValidationError(_("You hold this session yourself: no handover is needed."), code="same_person")
    if Handover.objects.filter(session=session, class_group=class_group, kind=Handover.Kind.CLASS).exists():
        raise ValidationError(_("This class has already been handed over to this session."), code="duplicate")
    try:
        with transaction.atomic():
            handover = Handover.objects.create(
                school_id=class_group.school_id,
                session=session,
                kind=Handover.Kind.CLASS,
                class_group=class_group,
                given_by=actor,
                to_user=roster.holder,
                count=count,
                expected=sum(1 for c in mine if c.expected),
                given_at=now,
            )
    except IntegrityError:
        raise ValidationError(
            _("This class has already been handed over to this session."), code="duplicate"
        ) from None
    Session.objects.filter(pk=session.pk, has_records=False).update(has_records=True)
    audit.record(
        actor=actor,
        verb="handover.give",
        target=handover,
        changes={"count": count, "class": str(class_group)},
    )
    _ask_to_confirm(handover)
    return handover


@transaction.atomic
def handover_duty_give(
    *, session: Session, actor: User, to_user: User, count: int, now: datetime.datetime | None = None
) -> Handover:
    """The teacher holding the session hands the whole group to another teacher of the school.

    Raises ValidationError(code="not_holder", "not_today", "count", "same_person", "not_staff" or
    "pending").
    """
    now = now or timezone.now()
    _today_only(session, now)
    count = _count(count)
    session = (
        Session.objects.select_for_update().select_related(*selectors.SESSION_RELATED).get(pk=session.pk)
    )
    roster = selectors.roster(session)
    school = session.group.activity.school
    is_admin = actor.is_superuser or access.manages_school(actor, school.pk)
    if roster.holder.pk != actor.pk and not is_admin:
        raise ValidationError(_("Only the teacher on duty hands the group over."), code="not_holder")
    if to_user.pk == roster.holder.pk or to_user.pk == actor.pk:
        raise ValidationError(_("Choose another teacher to take over."), code="same_person")
    if not activity_selectors.staff_for_school(school).filter(pk=to_user.pk).exists():
        raise ValidationError(_("The teacher taking over must be on the school's staff."), code="not_staff")
    if any(h.kind == Handover.Kind.DUTY for h in roster.pending_handovers):
        raise ValidationError(_("A handover of this group is waiting for confirmation."), code="pending")
    handover = Handover.objects.create(
        school=school,
        session=session,
        kind=Handover.Kind.DUTY,
        given_by=actor,
        to_user=to_user,
        count=count,
        expected=len(roster.in_care),
        given_at=now,
    )
    Session.objects.filter(pk=session.pk, has_records=False).update(has_records=True)
    audit.record(
        actor=actor, verb="handover.give", target=handover, changes={"count": count, "to": to_user.username}
    )
    _ask_to_confirm(handover)
    return handover


def _ask_to_confirm(handover: Handover) -> None:
    notification_send(
        recipient=handover.to_user,
        kind="safety/handover_to_confirm",
        link=reverse("safety:session", kwargs={"session_code": handover.session.code}),
        dedupe_key=f"handover_to_confirm:{handover.code}",
        handover=handover,
        session=handover.session,
        giver=handover.given_by,
    )


@transaction.atomic
def handover_confirm(
    *, handover: Handover, actor: User, count: int, now: datetime.datetime | None = None
) -> HandoverConfirmation:
    """The receiver counts the children and confirms. A different count is recorded and flagged to
    the school admins (and the giver) at once.

    Raises ValidationError(code="not_receiver", "count" or "confirmed").
    """
    now = now or timezone.now()
    count = _count(count)
    handover = Handover.objects.select_related("session__group__activity__school", "given_by").get(
        pk=handover.pk
    )
    session = handover.session
    staff = {session.lead_id, *session.group.assistants.values_list("pk", flat=True)}
    if actor.pk == handover.given_by_id or not (actor.pk == handover.to_user_id or actor.pk in staff):
        raise ValidationError(_("Only the receiving teacher confirms this handover."), code="not_receiver")
    try:
        with transaction.atomic():
            confirmation = HandoverConfirmation.objects.create(
                handover=handover,
                confirmed_by=actor,
                count=count,
                mismatch=count != handover.count,
                confirmed_at=now,
            )
    except IntegrityError:
        raise ValidationError(_("This handover has already been confirmed."), code="confirmed") from None
    audit.record(
        actor=actor,
        verb="handover.confirm",
        target=handover,
        changes={"given": handover.count, "received": count, "mismatch": confirmation.mismatch},
    )
    if confirmation.mismatch:
        school = session.group.activity.school
        detail = f"{session.group.name} {session.start:%H:%M}: {handover.count} → {count}"
        alerts.alert_raise(
            key=f"handover:{handover.code}",
            kind="handover",
            school=school,
            date=session.date,
            recipients=[*alerts.school_admins(school), handover.given_by],
            notice="safety/handover_mismatch",
            link=reverse("safety:still-here"),
            session=session,
            detail=detail,
            handover=handover,
            received=count,
            receiver=actor,
        )
    return confirmation
