"""Emergency plans (应急预案, M4/H4) per school and kind, their yearly review, and drills."""

import datetime

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from notices.services import notification_send
from safety.models import Drill, EmergencyPlan, PlanKind, PlanReview
from safety.services.roster import on_staff
from schools.models import School, User
from schools.selectors import school_admins
from schools.uploads import document_check

REVIEW_EVERY_DAYS = 365


def plan_publish(
    *,
    school: School,
    kind: str,
    title: str,
    responsible: User,
    summary: str,
    document: UploadedFile | None = None,
    actor: User,
) -> EmergencyPlan:
    """Record a school's plan for one kind of emergency: a new version, the earlier ones kept.

    Raises ValidationError(code="kind", "title", "summary", "responsible", "document_type",
    "document_size", "conflict").
    """
    if kind not in PlanKind.values:
        raise ValidationError(_("Choose the kind of emergency."), code="kind")
    if not title.strip():
        raise ValidationError(_("Give the plan a title."), code="title")
    if not summary.strip():
        raise ValidationError(_("Summarise the plan's measures."), code="summary")
    if not on_staff(responsible, school):
        raise ValidationError(_("The responsible person must be on the school's staff."), code="responsible")
    # The same check as every uploaded document: type by name AND first bytes, and size.
    document_name = document_check(document) if document is not None else ""
    try:
        with transaction.atomic():
            latest = EmergencyPlan.objects.filter(school=school, kind=kind).aggregate(v=Max("version"))["v"]
            plan = EmergencyPlan(
                school=school,
                kind=kind,
                version=(latest or 0) + 1,
                title=title.strip()[:100],
                responsible=responsible,
                summary=summary.strip(),
                document_name=document_name,
                created_by=actor,
            )
            if document is not None:
                plan.document.save(document_name, document, save=False)
            plan.save()
            audit.record(actor=actor, verb="plan.publish", target=plan, changes={"version": plan.version})
    except IntegrityError:  # two saves of the same kind at once: the unique version catches it
        raise ValidationError(
            _("Someone saved this plan at the same moment. Look at the new version and try again."),
            code="conflict",
        ) from None
    return plan


def _current(plan: EmergencyPlan) -> bool:
    latest = EmergencyPlan.objects.filter(school_id=plan.school_id, kind=plan.kind).aggregate(
        v=Max("version")
    )
    return latest["v"] == plan.version


@transaction.atomic
def plan_review_record(
    *, plan: EmergencyPlan, reviewed_on: datetime.date, note: str = "", actor: User
) -> PlanReview:
    """Record that the current plan was reviewed and still holds. Raises ValidationError(code="future",
    "not_current")."""
    if reviewed_on > timezone.localdate():
        raise ValidationError(_("A review cannot be recorded before it happens."), code="future")
    if not _current(plan):
        raise ValidationError(_("Only the current version of a plan can be reviewed."), code="not_current")
    review = PlanReview.objects.create(
        plan=plan, reviewed_on=reviewed_on, note=note.strip()[:300], reviewed_by=actor
    )
    audit.record(
        actor=actor, verb="plan.review", target=plan, changes={"reviewed_on": reviewed_on.isoformat()}
    )
    return review


@transaction.atomic
def drill_record(
    *, plan: EmergencyPlan, held_on: datetime.date, participants: int, notes: str, actor: User
) -> Drill:
    """Record a drill held under a plan. Raises ValidationError(code="future", "participants", "notes")."""
    if held_on > timezone.localdate():
        raise ValidationError(_("A drill is recorded after it has been held."), code="future")
    if participants < 1:
        raise ValidationError(_("Enter how many took part."), code="participants")
    if not notes.strip():
        raise ValidationError(_("Note how the drill went and what is to be improved."), code="notes")
    drill = Drill.objects.create(
        plan=plan,
        school_id=plan.school_id,
        held_on=held_on,
        participants=participants,
        notes=notes.strip(),
        recorded_by=actor,
    )
    audit.record(actor=actor, verb="plan.drill", target=plan, changes={"held_on": held_on.isoformat()})
    return drill


def plan_last_reviewed(plan: EmergencyPlan, latest_review: datetime.date | None) -> datetime.date:
    """When the plan was last looked at: written (this version) or reviewed, whichever is later."""
    written = timezone.localtime(plan.created_at).date()
    return max(written, latest_review) if latest_review else written


def plan_review_due(last_reviewed: datetime.date, today: datetime.date) -> bool:
    return (today - last_reviewed).days > REVIEW_EVERY_DAYS


def reminders_plans_review_due(*, today: datetime.date | None = None) -> int:
    """Remind school admins of current plans not reviewed for a year: once per review cycle."""
    from safety.selectors import records as selectors

    today = today or timezone.localdate()
    sent = 0
    admins: dict[int, list[User]] = {}
    for plan, last_reviewed in selectors.current_plans_with_review(schools=None):
        if not plan_review_due(last_reviewed, today):
            continue
        if plan.school_id not in admins:
            admins[plan.school_id] = school_admins(plan.school)
        for admin in admins[plan.school_id]:
            notification_send(
                recipient=admin,
                kind="safety/plan_review_due",
                link=reverse("safety:plan-detail", kwargs={"plan_code": plan.code}),
                dedupe_key=f"plan-review-due:{plan.code}:{admin.pk}:{last_reviewed.isoformat()}",
                plan=plan,
                last_reviewed=last_reviewed,
            )
            sent += 1
    return sent
