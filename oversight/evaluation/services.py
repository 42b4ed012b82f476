"""Writes for term reports, evaluation weights and good practice. Each transition is audited and
notifies the other side after commit (notices.notification_send).

Report states: draft → submitted → accepted | returned (with the bureau's notes) → resubmitted →
accepted | returned …; only the reviewing bureau (selectors.reviewing_region_for, fixed at each
submission) decides."""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from notices.services import notification_send
from oversight.evaluation import scoring, selectors
from oversight.models import TERM_PATTERN, WEIGHT_FIELDS, GoodPractice, TermReport, WeightSet
from schools.models import Membership, Region, Role, School, User
from schools.selectors import region_officers, school_admins

EDITABLE = (TermReport.Status.DRAFT, TermReport.Status.RETURNED)
PENDING = (TermReport.Status.SUBMITTED, TermReport.Status.RESUBMITTED)


def _report_link(report: TermReport) -> str:
    return reverse("oversight:term-report-detail", kwargs={"term_report_code": report.code})


def _check_term(term: str) -> None:
    if not re.fullmatch(TERM_PATTERN, term or ""):
        raise ValidationError(_("Choose a term."), code="bad_term")


# --- term reports ---------------------------------------------------------------------------


@transaction.atomic
def report_prepare(*, school: School, term: str, user: User) -> TermReport:
    """Open (or refresh) the school's report for the term with the term's indicators taken from the
    daily summaries. Raises ValidationError(code="bad_term" | "locked")."""
    _check_term(term)
    report, created = TermReport.objects.select_for_update().get_or_create(
        school=school, term=term, defaults={"prepared_by": user}
    )
    if report.status not in EDITABLE:
        raise ValidationError(_("A submitted or accepted report cannot be changed."), code="locked")
    report.indicators = selectors.report_indicators(school=school, term=term)
    report.indicators_at = timezone.now()
    report.save(update_fields=["indicators", "indicators_at"])
    if created:
        audit.record(actor=user, verb="termreport.prepare", target=report)
    return report


@transaction.atomic
def report_update(*, report: TermReport, user: User, summary: str, problems: str, plans: str) -> TermReport:
    """Save the narrative. Raises ValidationError(code="locked")."""
    report = TermReport.objects.select_for_update().get(pk=report.pk)
    if report.status not in EDITABLE:
        raise ValidationError(_("A submitted or accepted report cannot be changed."), code="locked")
    report.summary, report.problems, report.plans = summary, problems, plans
    report.save(update_fields=["summary", "problems", "plans"])
    audit.record(actor=user, verb="termreport.update", target=report)
    return report


@transaction.atomic
def report_submit(*, report: TermReport, user: User) -> TermReport:
    """Submit (or resubmit after a return) to the bureau the school reports to, with the indicators
    taken again. Raises ValidationError(code="locked" | "incomplete" | "no_bureau")."""
    report = (
        TermReport.objects.select_for_update(of=("self",)).select_related("school__region").get(pk=report.pk)
    )
    if report.status not in EDITABLE:
        raise ValidationError(_("This report has already been submitted."), code="locked")
    if not (report.summary.strip() and report.problems.strip() and report.plans.strip()):
        raise ValidationError(
            _("Fill in the work summary, the problems and the next steps before submitting."),
            code="incomplete",
        )
    reviewer = selectors.reviewing_region_for(report.school)
    if reviewer is None:
        raise ValidationError(
            _("No education bureau above this school can review the report."), code="no_bureau"
        )
    previous = report.status
    report.status = (
        TermReport.Status.RESUBMITTED
        if previous == TermReport.Status.RETURNED
        else TermReport.Status.SUBMITTED
    )
    report.indicators = selectors.report_indicators(school=report.school, term=report.term)
    report.indicators_at = report.submitted_at = timezone.now()
    report.submitted_by, report.reviewing_region = user, reviewer
    report.save()
    audit.record(
        actor=user,
        verb=f"termreport.{report.status}",
        target=report,
        changes={"status": [previous, report.status], "reviewing_region": reviewer.code},
    )
    for officer in region_officers(reviewer.pk):
        notification_send(
            recipient=officer,
            kind="evaluation/report_submitted",
            link=_report_link(report),
            dedupe_key=f"termreport-{report.status}:{report.code}:{report.submitted_at.timestamp()}:{officer.pk}",
            report=report,
            school=report.school,
        )
    return report


def _decide(report: TermReport, officer: User) -> TermReport:
    report = (
        TermReport.objects.select_for_update(of=("self",))
        .select_related("school", "reviewing_region")
        .get(pk=report.pk)
    )
    if report.status not in PENDING:
        raise ValidationError(_("Only a submitted report can be accepted or returned."), code="not_pending")
    if (
        not officer.is_superuser
        and not Membership.objects.filter(
            user=officer, role=Role.BUREAU_OFFICER, region_id=report.reviewing_region_id
        ).exists()
    ):
        raise ValidationError(_("Only the bureau the school reports to can decide."), code="not_reviewer")
    return report


def _notify_school(report: TermReport, kind: str) -> None:
    for admin in school_admins(report.school):
        notification_send(
            recipient=admin,
            kind=kind,
            link=_report_link(report),
            dedupe_key=f"{kind}:{report.code}:{report.decided_at.timestamp()}:{admin.pk}",
            report=report,
            school=report.school,
            bureau=report.reviewing_region,
        )


@transaction.atomic
def report_return(*, report: TermReport, officer: User, note: str) -> TermReport:
    """Return to the school with notes. Raises ValidationError(code="not_pending" |
    "not_reviewer" | "no_note")."""
    report = _decide(report, officer)
    if not note.strip():
        raise ValidationError(_("Write what the school should change."), code="no_note")
    previous = report.status
    report.status, report.return_note = TermReport.Status.RETURNED, note.strip()
    report.decided_by, report.decided_at = officer, timezone.now()
    report.save(update_fields=["status", "return_note", "decided_by", "decided_at"])
    audit.record(
        actor=officer,
        verb="termreport.return",
        target=report,
        changes={"status": [previous, report.status], "note": report.return_note},
    )
    _notify_school(report, "evaluation/report_returned")
    return report


@transaction.atomic
def report_accept(*, report: TermReport, officer: User) -> TermReport:
    """Accept. Raises ValidationError(code="not_pending" | "not_reviewer")."""
    report = _decide(report, officer)
    previous = report.status
    report.status = TermReport.Status.ACCEPTED
    report.decided_by, report.decided_at = officer, timezone.now()
    report.save(update_fields=["status", "decided_by", "decided_at"])
    audit.record(
        actor=officer, verb="termreport.accept", target=report, changes={"status": [previous, report.status]}
    )
    _notify_school(report, "evaluation/report_accepted")
    return report


# --- weights --------------------------------------------------------------------------------


def weights_validate(weights: dict) -> None:
    """Raises ValidationError(code="negative" | "not_100" | "missing")."""
    if set(weights) != set(scoring.KEYS) or any(v is None for v in weights.values()):
        raise ValidationError(_("Give a weight for every indicator."), code="missing")
    if any(v < 0 for v in weights.values()):
        raise ValidationError(_("Weights cannot be negative."), code="negative")
    total = sum(weights.values())
    if total != 100:
        raise ValidationError(
            _("The weights add up to %(total)s; they must add up to 100."),
            code="not_100",
            params={"total": total},
        )


@transaction.atomic
def weights_set(*, region: Region, term: str, weights: dict, officer: User) -> WeightSet:
    """Set the region's weights for the term. Raises ValidationError(code="bad_term" | "negative" |
    "not_100" | "missing")."""
    _check_term(term)
    weights_validate(weights)
    columns = {WEIGHT_FIELDS[key]: value for key, value in weights.items()}
    weight_set, created = WeightSet.objects.update_or_create(
        region=region, term=term, defaults={**columns, "set_by": officer}
    )
    audit.record(actor=officer, verb="weightset.set", target=weight_set, changes={"weights": weights})
    return weight_set


# --- good practice --------------------------------------------------------------------------


@transaction.atomic
def practice_submit(*, school: School, user: User, title: str, summary: str, body: str) -> GoodPractice:
    practice = GoodPractice.objects.create(
        school=school, submitted_by=user, title=title, summary=summary, body=body
    )
    audit.record(actor=user, verb="goodpractice.submit", target=practice)
    return practice


@transaction.atomic
def practice_decide(
    *, practice: GoodPractice, officer: User, feature: bool, region: Region | None
) -> GoodPractice:
    """Feature a write-up for the schools of the officer's region, or mark it not featured.
    Raises ValidationError(code="no_region")."""
    practice = (
        GoodPractice.objects.select_for_update(of=("self",)).select_related("school").get(pk=practice.pk)
    )
    if feature and region is None:
        raise ValidationError(_("Only a bureau above this school can feature it."), code="no_region")
    previous = practice.status
    practice.status = GoodPractice.Status.FEATURED if feature else GoodPractice.Status.NOT_FEATURED
    practice.featured_region = region if feature else None
    practice.decided_by, practice.decided_at = officer, timezone.now()
    practice.save(update_fields=["status", "featured_region", "decided_by", "decided_at"])
    audit.record(
        actor=officer,
        verb="goodpractice.feature" if feature else "goodpractice.not_feature",
        target=practice,
        changes={"status": [previous, practice.status], "region": region.code if feature else None},
    )
    if feature and previous != GoodPractice.Status.FEATURED:
        for admin in school_admins(practice.school):
            notification_send(
                recipient=admin,
                kind="evaluation/practice_featured",
                link=reverse("oversight:practice-detail", kwargs={"practice_code": practice.code}),
                dedupe_key=f"practice-featured:{practice.code}:{admin.pk}",
                practice=practice,
                region=region,
            )
    return practice
