"""Off-campus coordination (M4): the record of a school's contacts with public security, health,
food and drug supervision and fire services about an off-campus activity's traffic, venue, fire,
food hygiene and security."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import Activity
from audit import services as audit
from safety.models import OffCampusCoordination
from schools.models import User


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
    """Record one contact with a department. Raises ValidationError(code="not_off_campus",
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
    audit.record(
        actor=actor, verb="offcampus.coordination", target=activity, changes={"department": department}
    )
    return record
