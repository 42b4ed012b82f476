"""Venue safety inspections (M4: 强化活动场所安全检查): checklist results, findings with a
rectification deadline, sign-off; an open critical finding closes the venue to scheduling."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import Venue
from audit import services as audit
from notices.services import notification_send
from safety import checklists
from safety.models import Finding, FindingSignoff, Inspection, InspectionResult
from schools.models import User
from schools.selectors import school_admins

Result = InspectionResult.Result
Severity = Finding.Severity


@dataclass(frozen=True)
class ItemCheck:
    """One checklist item as the inspector answered it."""

    item: str
    result: str
    note: str = ""
    severity: str = ""
    deadline: datetime.date | None = None


@transaction.atomic
def inspection_record(
    *,
    venue: Venue,
    inspected_on: datetime.date,
    checks: list[ItemCheck],
    note: str = "",
    actor: User,
) -> Inspection:
    """Record an inspection: a result for every checklist item, a finding for every problem.

    Raises ValidationError(code="future", "items", "result", "problem_note", "severity", "deadline").
    """
    if inspected_on > timezone.localdate():
        raise ValidationError(_("An inspection cannot be recorded before it happens."), code="future")
    items = checklists.checklist_for(venue.kind)
    answered = {check.item: check for check in checks}
    if set(answered) != {key for key, _label in items}:
        raise ValidationError(_("Answer every item of the checklist."), code="items")
    for key, label in items:
        check = answered[key]
        if check.result not in Result.values:
            raise ValidationError(_("Choose a result for “%(item)s”."), code="result", params={"item": label})
        if check.result != Result.PROBLEM:
            continue
        if not check.note.strip():
            raise ValidationError(
                _("Describe the problem found at “%(item)s”."), code="problem_note", params={"item": label}
            )
        if check.severity not in Severity.values:
            raise ValidationError(
                _("Choose how serious the problem at “%(item)s” is."), code="severity", params={"item": label}
            )
        if check.deadline is None or check.deadline < inspected_on:
            raise ValidationError(
                _("Set a rectification deadline for “%(item)s” on or after the inspection day."),
                code="deadline",
                params={"item": label},
            )
    inspection = Inspection.objects.create(
        school_id=venue.school_id, venue=venue, inspected_on=inspected_on, inspector=actor, note=note.strip()
    )
    InspectionResult.objects.bulk_create(
        [
            InspectionResult(
                inspection=inspection,
                item=key,
                label=str(label),
                result=answered[key].result,
                note=answered[key].note.strip()[:300],
            )
            for key, label in items
        ]
    )
    findings = [
        Finding(
            inspection=inspection,
            school_id=venue.school_id,
            venue=venue,
            item=key,
            label=str(label),
            description=answered[key].note.strip()[:300],
            severity=answered[key].severity,
            found_on=inspected_on,
            deadline=answered[key].deadline,
        )
        for key, label in items
        if answered[key].result == Result.PROBLEM
    ]
    Finding.objects.bulk_create(findings)
    audit.record(
        actor=actor,
        verb="inspection.record",
        target=inspection,
        changes={
            "findings": len(findings),
            "critical": sum(1 for f in findings if f.severity == Severity.CRITICAL),
        },
    )
    return inspection


def finding_signoff(*, finding: Finding, note: str, actor: User) -> FindingSignoff:
    """Sign a finding off once it has been put right. Raises ValidationError(code="note", "signed_off")."""
    if not note.strip():
        raise ValidationError(_("Say what was done to put it right."), code="note")
    try:
        with transaction.atomic():
            signoff = FindingSignoff.objects.create(finding=finding, note=note.strip()[:300], signed_by=actor)
            audit.record(
                actor=actor, verb="finding.signoff", target=finding, changes={"severity": finding.severity}
            )
    except IntegrityError:  # one sign-off per finding (the one-to-one)
        raise ValidationError(_("This finding has already been signed off."), code="signed_off") from None
    return signoff


def open_critical_finding(venue: Venue) -> Finding | None:
    return (
        Finding.objects.filter(venue=venue, severity=Severity.CRITICAL, signoff__isnull=True)
        .order_by("found_on", "id")
        .first()
    )


def venue_blocker(venue: Venue) -> str | None:
    """Registered in activities.services.VENUE_BLOCKERS (safety/apps.py): the reason a venue may
    not host sessions, or None."""
    finding = open_critical_finding(venue)
    if finding is None:
        return None
    return _(
        "%(venue)s has an open critical safety finding (%(finding)s, found on %(date)s). "
        "No sessions can be scheduled there until it is put right and signed off."
    ) % {"venue": venue.name, "finding": finding.description, "date": finding.found_on.isoformat()}


def reminders_findings_overdue(*, today: datetime.date | None = None) -> int:
    """Remind school admins of findings past their deadline and not signed off: once a week each."""
    today = today or timezone.localdate()
    year, week, _weekday = today.isocalendar()
    overdue = list(
        Finding.objects.filter(deadline__lt=today, signoff__isnull=True)
        .select_related("venue", "school")
        .order_by("school_id", "deadline")
    )
    admins: dict[int, list[User]] = {}
    sent = 0
    for finding in overdue:
        if finding.school_id not in admins:
            admins[finding.school_id] = school_admins(finding.school)
        for admin in admins[finding.school_id]:
            notification_send(
                recipient=admin,
                kind="safety/finding_overdue",
                link=reverse("safety:finding-detail", kwargs={"finding_code": finding.code}),
                dedupe_key=f"finding-overdue:{finding.code}:{admin.pk}:{year}-W{week:02d}",
                finding=finding,
                days=(today - finding.deadline).days,
            )
            sent += 1
    return sent
