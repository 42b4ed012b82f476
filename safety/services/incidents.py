"""Incident reports: what happened, to whom, what was done, who was told. A severe incident
notifies the county bureau at once. Corrections and later steps are follow-ups, never edits."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import Venue
from audit import services as audit
from notices.services import notification_send
from safety.models import Incident, IncidentChild, IncidentFollowUp
from schools.models import School, Student, User
from schools.selectors import county_officers, school_admins

# A report typed a minute after the clock on the wall: allow a little slack for "now".
CLOCK_SLACK = datetime.timedelta(minutes=5)


def _link(incident: Incident) -> str:
    return reverse("safety:incident-detail", kwargs={"incident_code": incident.code})


@transaction.atomic
def incident_report(
    *,
    school: School,
    occurred_at: datetime.datetime,
    place: str,
    kind: str,
    severity: str,
    description: str,
    actions_taken: str,
    children: list[Student],
    venue: Venue | None = None,
    guardians_notified_at: datetime.datetime | None = None,
    actor: User,
) -> Incident:
    """Report an incident. Severe: the county bureau is notified at once; the school's admins are
    told of every report made by someone else.

    Raises ValidationError(code="future", "kind", "severity", "place", "description", "actions",
    "child", "venue", "guardians_time").
    """
    now = timezone.now()
    if occurred_at > now + CLOCK_SLACK:
        raise ValidationError(_("An incident cannot be reported before it happens."), code="future")
    if kind not in Incident.Kind.values:
        raise ValidationError(_("Choose the type of incident."), code="kind")
    if severity not in Incident.Severity.values:
        raise ValidationError(_("Choose how severe the incident is."), code="severity")
    if not place.strip():
        raise ValidationError(_("Say where it happened."), code="place")
    if not description.strip():
        raise ValidationError(_("Describe what happened."), code="description")
    if not actions_taken.strip():
        raise ValidationError(_("Describe the actions taken."), code="actions")
    if any(child.school_id != school.pk for child in children):
        raise ValidationError(_("Only children of this school can be named."), code="child")
    if venue is not None and venue.school_id != school.pk:
        raise ValidationError(_("Choose one of the school's venues."), code="venue")
    if guardians_notified_at is not None and not occurred_at <= guardians_notified_at <= now + CLOCK_SLACK:
        raise ValidationError(
            _("The guardians were notified after the incident and not later than now."), code="guardians_time"
        )
    severe = severity == Incident.Severity.SEVERE
    incident = Incident.objects.create(
        school=school,
        occurred_at=occurred_at,
        place=place.strip()[:100],
        venue=venue,
        kind=kind,
        severity=severity,
        description=description.strip(),
        actions_taken=actions_taken.strip(),
        guardians_notified_at=guardians_notified_at,
        # Set with the report itself: the notifications below go out in the same transaction.
        bureau_notified_at=now if severe else None,
        reported_by=actor,
    )
    IncidentChild.objects.bulk_create(
        [IncidentChild(incident=incident, student=c) for c in dict.fromkeys(children)]
    )
    audit.record(
        actor=actor,
        verb="incident.report",
        target=incident,
        changes={"severity": severity, "kind": kind, "children": len(children)},
    )
    if severe:
        _notify_bureau(incident)
    for admin in school_admins(school):
        if admin.pk != actor.pk:
            notification_send(
                recipient=admin,
                kind="safety/incident_reported",
                link=_link(incident),
                dedupe_key=f"incident-reported:{incident.code}:{admin.pk}",
                incident=incident,
                school=school,
            )
    return incident


def _notify_bureau(incident: Incident) -> int:
    officers = county_officers(incident.school)
    for officer in officers:
        notification_send(
            recipient=officer,
            kind="safety/incident_bureau",
            link=_link(incident),
            dedupe_key=f"incident-bureau:{incident.code}:{officer.pk}",
            incident=incident,
            school=incident.school,
        )
    return len(officers)


def incident_bureau_notified(incident: Incident) -> bool:
    return bool(
        incident.bureau_notified_at
        or incident.follow_ups.filter(kind=IncidentFollowUp.Kind.BUREAU_NOTIFIED).exists()
    )


@transaction.atomic
def incident_notify_bureau(*, incident: Incident, text: str = "", actor: User) -> IncidentFollowUp:
    """Tell the county bureau of an incident that was not severe when reported. Raises
    ValidationError(code="already_notified")."""
    # Lock the incident's row so that two clicks send one report (the row itself is never changed).
    Incident.objects.select_for_update().filter(pk=incident.pk).values_list("pk", flat=True).first()
    if incident_bureau_notified(incident):
        raise ValidationError(
            _("The bureau has already been notified of this incident."), code="already_notified"
        )
    follow_up = IncidentFollowUp.objects.create(
        incident=incident,
        kind=IncidentFollowUp.Kind.BUREAU_NOTIFIED,
        at=timezone.now(),
        text=text.strip(),
        recorded_by=actor,
    )
    _notify_bureau(incident)
    audit.record(actor=actor, verb="incident.notify_bureau", target=incident)
    return follow_up


@transaction.atomic
def incident_follow_up(
    *, incident: Incident, kind: str, at: datetime.datetime, text: str = "", actor: User
) -> IncidentFollowUp:
    """Add a note or correction, or record when the guardians were told.

    Raises ValidationError(code="kind", "text", "time").
    """
    if kind not in (IncidentFollowUp.Kind.NOTE, IncidentFollowUp.Kind.GUARDIANS_NOTIFIED):
        raise ValidationError(_("Choose what to record."), code="kind")
    if kind == IncidentFollowUp.Kind.NOTE and not text.strip():
        raise ValidationError(_("Write the note or correction."), code="text")
    if not incident.occurred_at <= at <= timezone.now() + CLOCK_SLACK:
        raise ValidationError(_("The time must lie between the incident and now."), code="time")
    follow_up = IncidentFollowUp.objects.create(
        incident=incident, kind=kind, at=at, text=text.strip(), recorded_by=actor
    )
    audit.record(actor=actor, verb=f"incident.follow_up.{kind}", target=incident)
    return follow_up
