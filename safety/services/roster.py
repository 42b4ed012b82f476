"""Safety responsibility (安全责任制, H4): each group's safety officer and the duty roster (值班) of
leaders for service days. Today's leader on duty receives the attendance and release alerts."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import ActivityGroup
from audit import services as audit
from safety.models import DutyAssignment, GroupSafetyOfficer
from schools.models import Membership, Role, School, User

ROSTER_MAX_DAYS = 200
LEADER_ROLES = (Role.SCHOOL_ADMIN, Role.SERVICE_TEACHER, Role.CLASS_TEACHER)
STAFF_ROLES = (*LEADER_ROLES, Role.GATE_GUARD)


def on_staff(user: User, school: School, roles=STAFF_ROLES) -> bool:
    """The user holds one of these roles at the school (officers, leaders on duty, plan owners)."""
    return Membership.objects.filter(user=user, school=school, role__in=roles, user__is_active=True).exists()


@transaction.atomic
def group_safety_officer_assign(*, group: ActivityGroup, officer: User, actor: User) -> GroupSafetyOfficer:
    """Name the safety officer of a group (the latest assignment counts). Raises
    ValidationError(code="officer")."""
    school = group.activity.school
    if not on_staff(officer, school, LEADER_ROLES):
        raise ValidationError(_("The safety officer must be on the school's staff."), code="officer")
    assignment = GroupSafetyOfficer.objects.create(group=group, officer=officer, assigned_by=actor)
    audit.record(
        actor=actor, verb="group.safety_officer", target=group, changes={"officer": officer.username}
    )
    return assignment


@transaction.atomic
def duty_assign(
    *,
    school: School,
    start: datetime.date,
    end: datetime.date,
    weekdays: set[int],
    leader: User,
    actor: User,
) -> int:
    """Put a leader on duty on the chosen weekdays between two dates (inclusive); a later
    assignment of a day replaces an earlier one. Returns the number of days.

    Raises ValidationError(code="dates", "past", "too_long", "weekdays", "leader").
    """
    if end < start:
        raise ValidationError(_("The last day cannot be before the first day."), code="dates")
    if start < timezone.localdate():
        raise ValidationError(
            _("The roster is planned from today on; past days stay as they were."), code="past"
        )
    if (end - start).days >= ROSTER_MAX_DAYS:
        raise ValidationError(
            _("Plan at most %(n)s days at a time."), code="too_long", params={"n": ROSTER_MAX_DAYS}
        )
    if not weekdays or not weekdays <= set(range(1, 8)):
        raise ValidationError(_("Choose at least one weekday."), code="weekdays")
    if not on_staff(leader, school, LEADER_ROLES):
        raise ValidationError(_("The leader on duty must be on the school's staff."), code="leader")
    days = [
        start + datetime.timedelta(days=i)
        for i in range((end - start).days + 1)
        if (start + datetime.timedelta(days=i)).isoweekday() in weekdays
    ]
    DutyAssignment.objects.bulk_create(
        [DutyAssignment(school=school, date=day, leader=leader, assigned_by=actor) for day in days]
    )
    audit.record(
        actor=actor,
        verb="duty.assign",
        target=school,
        changes={
            "leader": leader.username,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "days": len(days),
        },
    )
    return len(days)


def duty_leader_on(*, school: School, day: datetime.date) -> User | None:
    """The leader on duty at the school that day (the latest assignment), or None."""
    row = (
        DutyAssignment.objects.filter(school=school, date=day, leader__is_active=True)
        .select_related("leader")
        .order_by("-id")
        .first()
    )
    return row.leader if row else None
