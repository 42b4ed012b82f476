"""Off-campus coordination (M4): the record of a school's contacts with public security, health,
food and drug supervision and fire services about an off-campus activity's traffic, venue, fire,
food hygiene and security."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities import services as activity_services
from activities.models import Activity
from audit import services as audit
from notices.services import notification_send
from safety.models import OffCampusCoordination
from schools.models import User
from schools.selectors import bureau_for_school


@transaction.atomic
def coordination_record(
    *,
    activity: Activity,
    department: str,
    contacted_on: datetime.date,
    contact: str,
    outcome: str,
    traffic: bool = False,
    venue: bool = False,
    fire: bool = False,
    food: bool = False,
    security: bool = False,
    actor: User,
) -> OffCampusCoordination:
    """Record one contact with a department; the school's bureau is told, and the first record
    opens the activity's gate (F12). Raises ValidationError(code="not_off_campus",
    "department", "aspects", "future", "contact", "outcome")."""
    if not activity.off_campus:
        raise ValidationError(_("Only off-campus activities need this coordination."), code="not_off_campus")
    if department not in OffCampusCoordination.Department.values:
        raise ValidationError(_("Choose the department."), code="department")
    if not any((traffic, venue, fire, food, security)):
        raise ValidationError(_("Tick at least one of the matters discussed."), code="aspects")
    if contacted_on > timezone.localdate():
        raise ValidationError(_("A contact is recorded after it took place."), code="future")
    if not contact.strip():
        raise ValidationError(_("Name the contact person and their unit."), code="contact")
    if not outcome.strip():
        raise ValidationError(_("Write down what was agreed."), code="outcome")
    record = OffCampusCoordination.objects.create(
        activity=activity,
        school_id=activity.school_id,
        department=department,
        traffic=traffic,
        venue=venue,
        fire=fire,
        food=food,
        security=security,
        contacted_on=contacted_on,
        contact=contact.strip()[:100],
        outcome=outcome.strip(),
        recorded_by=actor,
    )
    bureau = bureau_for_school(activity.school)
    audit.record(
        actor=actor,
        verb="offcampus.coordination",
        target=activity,
        changes={"department": department, "bureau": bureau.region.code if bureau else None},
    )
    # F12: the coordination is reported to the school's bureau (the nearest region with an active
    # officer); with nobody on the chain the page tells the school admin so (views/offcampus.py).
    for officer in bureau.officers if bureau else ():
        notification_send(
            recipient=officer,
            kind="safety/offcampus_coordination",
            dedupe_key=f"offcampus-coordination:{record.code}:{officer.pk}",
            record=record,
            activity=activity,
            school=activity.school,
        )
    # The first record opens the activity's gate if its checklist is complete (sessions generated).
    record.failed_groups = activity_services.checklist_coordination_recorded(
        activity=activity, at=record.recorded_at
    )
    record.bureau = bureau
    return record
