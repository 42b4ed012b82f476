"""Incident reports: what happened, to whom, what was done, who was told. A severe incident
notifies the school's bureau at once (F12: the nearest region on its reporting chain with an active
officer; each officer told is an IncidentRecipient). Nothing is stamped "bureau notified" that no
officer received: with nobody on the chain, the school's admins are told so instead. Corrections and
later steps are follow-ups, never edits."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from activities.models import Venue
from audit import services as audit
from notices.services import notification_send
from safety.models import Incident, IncidentChild, IncidentFollowUp, IncidentRecipient
from schools.models import School, Student, User
from schools.selectors import Bureau, bureau_for_school, school_admins

NO_BUREAU = gettext_lazy(
    "No education bureau on this school's reporting chain has an officer in the portal: nobody has "
    "received this incident. Report it to the education bureau by telephone, and ask the bureau to "
    "set up an officer account."
)
# A report typed a minute after the clock on the wall: allow a little slack for "now".
CLOCK_SLACK = datetime.timedelta(minutes=5)


def _link(incident: Incident) -> str:
    return reverse("safety:incident-detail", kwargs={"incident_code": incident.code})


def _incident_text_check(
    *, kind: str, severity: str, place: str, description: str, actions_taken: str
) -> None:
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


def _incident_scope_check(*, school, occurred_at, children, venue, guardians_notified_at, now) -> None:
    """The children and the venue are the school's; the guardians were told after it happened."""
    if any(child.school_id != school.pk for child in children):
        raise ValidationError(_("Only children of this school can be named."), code="child")
    if venue is not None and venue.school_id != school.pk:
        raise ValidationError(_("Choose one of the school's venues."), code="venue")
    if guardians_notified_at is not None and not occurred_at <= guardians_notified_at <= now + CLOCK_SLACK:
        raise ValidationError(
            _("The guardians were notified after the incident and not later than now."), code="guardians_time"
        )


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
    """Report an incident. Severe: the school's bureau is notified at once (or, with no officer on
    the whole chain, the school's admins are told that nobody was); the school's admins are told
    of every report made by someone else.

    Raises ValidationError(code="future", "kind", "severity", "place", "description", "actions",
    "child", "venue", "guardians_time").
    """
    now = timezone.now()
    if occurred_at > now + CLOCK_SLACK:
        raise ValidationError(_("An incident cannot be reported before it happens."), code="future")
    _incident_text_check(
        kind=kind, severity=severity, place=place, description=description, actions_taken=actions_taken
    )
    _incident_scope_check(
        school=school,
        children=children,
        venue=venue,
        guardians_notified_at=guardians_notified_at,
        now=now,
        occurred_at=occurred_at,
    )
    severe = severity == Incident.Severity.SEVERE
    bureau = bureau_for_school(school) if severe else None
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
        # Set with the report itself, and only when an officer receives it: the notifications below
        # go out in the same transaction.
        bureau_notified_at=now if bureau else None,
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
    if bureau:
        _notify_bureau(incident, bureau)
    elif severe:
        _tell_no_bureau(incident)
    _tell_school_admins(incident, reporter=actor)
    return incident


def _tell_school_admins(incident: Incident, *, reporter: User) -> None:
    """The school's admins hear of every report someone else made."""
    for admin in school_admins(incident.school):
        if admin.pk != reporter.pk:
            notification_send(
                recipient=admin,
                kind="safety/incident_reported",
                link=_link(incident),
                dedupe_key=f"incident-reported:{incident.code}:{admin.pk}",
                incident=incident,
                school=incident.school,
            )


def _notify_bureau(incident: Incident, bureau: Bureau) -> int:
    now = timezone.now()
    IncidentRecipient.objects.bulk_create(
        [
            IncidentRecipient(incident=incident, region=bureau.region, officer=officer, notified_at=now)
            for officer in bureau.officers
            if not IncidentRecipient.objects.filter(incident=incident, officer=officer).exists()
        ]
    )
    for officer in bureau.officers:
        notification_send(
            recipient=officer,
            kind="safety/incident_bureau",
            link=_link(incident),
            dedupe_key=f"incident-bureau:{incident.code}:{officer.pk}",
            incident=incident,
            school=incident.school,
        )
    return len(bureau.officers)


def _tell_no_bureau(incident: Incident) -> None:
    for admin in school_admins(incident.school):
        notification_send(
            recipient=admin,
            kind="safety/incident_no_bureau",
            link=_link(incident),
            dedupe_key=f"incident-no-bureau:{incident.code}:{admin.pk}",
            incident=incident,
            school=incident.school,
        )


def incident_bureau_notified(incident: Incident) -> bool:
    return bool(
        incident.bureau_notified_at
        or incident.follow_ups.filter(kind=IncidentFollowUp.Kind.BUREAU_NOTIFIED).exists()
    )


@transaction.atomic
def incident_notify_bureau(*, incident: Incident, text: str = "", actor: User) -> IncidentFollowUp:
    """Tell the school's bureau of an incident it has not been told of. Raises
    ValidationError(code="already_notified") or (code="no_bureau": no officer anywhere on the
    school's reporting chain, so nothing is recorded as sent)."""
    # Lock the incident's row so that two clicks send one report (the row itself is never changed).
    Incident.objects.select_for_update().filter(pk=incident.pk).values_list("pk", flat=True).first()
    if incident_bureau_notified(incident):
        raise ValidationError(
            _("The bureau has already been notified of this incident."), code="already_notified"
        )
    bureau = bureau_for_school(incident.school)
    if bureau is None:
        raise ValidationError(NO_BUREAU, code="no_bureau")
    follow_up = IncidentFollowUp.objects.create(
        incident=incident,
        kind=IncidentFollowUp.Kind.BUREAU_NOTIFIED,
        at=timezone.now(),
        text=text.strip(),
        recorded_by=actor,
    )
    _notify_bureau(incident, bureau)
    audit.record(
        actor=actor, verb="incident.notify_bureau", target=incident, changes={"bureau": bureau.region.code}
    )
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


def incident_closed(incident: Incident) -> IncidentFollowUp | None:
    """The closing follow-up, if the incident is closed."""
    return incident.follow_ups.filter(kind=IncidentFollowUp.Kind.CLOSED).first()


def _guardians_told(incident: Incident) -> bool:
    return bool(
        incident.guardians_notified_at
        or incident.follow_ups.filter(kind=IncidentFollowUp.Kind.GUARDIANS_NOTIFIED).exists()
    )


@transaction.atomic
def incident_close(
    *, incident: Incident, outcome: str, at: datetime.datetime, actor: User
) -> IncidentFollowUp:
    """Close the incident with its outcome (how it ended: the child's recovery, what changed). Notes
    may still follow. Before closing, the guardians of any child named must have been told, and the
    bureau of a severe incident (unless nobody on the reporting chain can receive it).

    Raises ValidationError(code="closed", "text", "time", "guardians_first", "bureau_first").
    """
    # Lock the incident's row so that two admins closing at once get one closing (the partial
    # unique constraint backs it).
    Incident.objects.select_for_update().filter(pk=incident.pk).values_list("pk", flat=True).first()
    if incident_closed(incident) is not None:
        raise ValidationError(_("This incident is already closed."), code="closed")
    if not outcome.strip():
        raise ValidationError(_("Write the outcome: how the matter ended."), code="text")
    if not incident.occurred_at <= at <= timezone.now() + CLOCK_SLACK:
        raise ValidationError(_("The time must lie between the incident and now."), code="time")
    if incident.children_involved.exists() and not _guardians_told(incident):
        raise ValidationError(
            _("Record when the guardians were told before closing the incident."), code="guardians_first"
        )
    if (
        incident.severity == Incident.Severity.SEVERE
        and not incident_bureau_notified(incident)
        and bureau_for_school(incident.school) is not None
    ):
        raise ValidationError(
            _("A severe incident is closed only after the education bureau has been told of it."),
            code="bureau_first",
        )
    closing = IncidentFollowUp.objects.create(
        incident=incident, kind=IncidentFollowUp.Kind.CLOSED, at=at, text=outcome.strip(), recorded_by=actor
    )
    audit.record(actor=actor, verb="incident.close", target=incident)
    return closing
