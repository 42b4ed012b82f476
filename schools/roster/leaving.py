"""Children leaving a school through a roster re-import (F15): those the admin ticked as having
left (never one who was not ticked), and the transfers in, which the sending school sees as a
"transferred" leaving record and a notice to its admins."""

from django.urls import reverse
from django.utils import timezone

from audit import services as audit
from schools import selectors
from schools.models import LeaveReason, School, SchoolLeaving, Student, User


def children_leave(*, school: School, children: list[Student], reason: str, day, actor: User | None) -> None:
    """Record these children (loaded with their class) as having left the school on `day`: a
    leaving record each, inactive with the day and reason. Call inside a transaction."""
    SchoolLeaving.objects.bulk_create(
        [
            SchoolLeaving(
                student=child,
                school=school,
                class_name=child.class_group.display_name,
                left_on=day,
                reason=reason,
                recorded_by=actor,
            )
            for child in children
        ]
    )
    Student.objects.filter(pk__in=[c.pk for c in children]).update(
        active=False, left_on=day, left_reason=reason
    )


def children_mark_left(
    *, school: School, codes: list[str], still_missing: list[str], actor: User | None
) -> int:
    """Mark the ticked children, still enrolled and still missing from the file, as having left
    the school today; one leaving record and one audit row each. Returns how many."""
    codes = set(codes) & set(still_missing)
    if not codes:
        return 0
    children = list(
        Student.objects.filter(school=school, active=True, code__in=codes).select_related("class_group")
    )
    children_leave(
        school=school, children=children, reason=LeaveReason.LEFT, day=timezone.localdate(), actor=actor
    )
    for child in children:
        audit.record(actor=actor, verb="student.left", target=child, changes={"reason": LeaveReason.LEFT})
    return len(children)


def transfers_record(*, school: School, plan, actor: User | None) -> None:
    """Audit each transfer in and tell the sending schools' admins (after the planning wrote the
    move and the leaving record). Raises nothing."""
    from notices.services import notification_send

    if not plan.transfers:
        return
    by_school: dict[int, int] = {}
    for child in Student.objects.filter(pk__in=list(plan.transfers)):
        from_school, _class_name = plan.transfers[child.pk]
        audit.record(
            actor=actor,
            verb="student.transfer_in",
            target=child,
            changes={"from_school": from_school, "to_school": school.pk},
        )
        by_school[from_school] = by_school.get(from_school, 0) + 1
    for sending in School.objects.filter(pk__in=by_school):
        for admin in selectors.school_admins(sending):
            notification_send(
                recipient=admin,
                kind="schools/transfer_out",
                link=reverse("schools:student-list") + f"?school={sending.code}",
                count=by_school[sending.pk],
                to_school=school.name,
            )
