"""Writes for funding, rates, workload adjustments, claims and complaints.

Every service checks its rule, writes in one transaction, records an audit event and writes its
notifications (e-mailed after commit). Budgets are the scarce resource: an approval locks the budget
row before it checks approved + amount <= total, so two officers approving at once can never
overspend a region's budget (docs/design.md, "Code rules").
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import Provider, Term
from audit import services as audit
from notices.services import notification_send
from schools.models import Guardian, Region, School, Student, User
from schools.selectors import bureau_for_school, school_admins
from subsidies import claims, selectors
from subsidies.models import (
    Budget,
    Claim,
    ClaimLine,
    Complaint,
    ComplaintNote,
    PurchaseContract,
    Rate,
    WorkloadAdjustment,
)

# --- helpers --------------------------------------------------------------------------------


def _notify(recipients, *, kind: str, link: str, key: str, **context) -> None:
    """An in-app notification for each recipient, written in the caller's transaction (a rolled-back
    decision tells nobody anything); notices e-mails it after commit."""
    for person in dict.fromkeys(recipients):
        notification_send(recipient=person, kind=kind, link=link, dedupe_key=f"{key}:{person.pk}", **context)


def _required(text: str, refusal: str, *, code: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(refusal, code=code)
    return text


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


# --- funding --------------------------------------------------------------------------------


@transaction.atomic
def budget_save(
    *,
    region: Region,
    fiscal_year: int,
    total: Decimal,
    note: str = "",
    actor: User,
    budget: Budget | None = None,
) -> Budget:
    """Set a region's fiscal subsidy budget for a year, or change its total.

    Raises ValidationError(code="duplicate") or (code="below_approved")."""
    if budget is None:
        if Budget.objects.filter(region=region, fiscal_year=fiscal_year).exists():
            raise ValidationError(
                _("%(region)s already has a budget for %(year)s: change that one.")
                % {"region": region.name, "year": fiscal_year},
                code="duplicate",
            )
        try:
            with transaction.atomic():
                budget = Budget.objects.create(
                    region=region, fiscal_year=fiscal_year, total=total, note=note, created_by=actor
                )
        except IntegrityError:
            raise ValidationError(
                _("%(region)s already has a budget for %(year)s: change that one.")
                % {"region": region.name, "year": fiscal_year},
                code="duplicate",
            ) from None
        audit.record(actor=actor, verb="budget.create", target=budget, changes={"total": _money(total)})
        return budget
    # Locked as an approval locks it: a total never falls below what is approved meanwhile.
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    before = budget.total
    if total < budget.approved:
        raise ValidationError(
            _("The budget cannot be less than the %(approved)s yuan already approved.")
            % {"approved": _money(budget.approved)},
            code="below_approved",
        )
    budget.total, budget.note = total, note
    budget.save(update_fields=["total", "note"])
    audit.record(
        actor=actor, verb="budget.change", target=budget, changes={"total": [_money(before), _money(total)]}
    )
    return budget


@transaction.atomic
def contract_save(
    *,
    region: Region,
    provider: Provider,
    number: str,
    scope: str,
    amount: Decimal,
    start: datetime.date,
    end: datetime.date,
    actor: User,
    contract: PurchaseContract | None = None,
) -> PurchaseContract:
    """Record a purchase-of-services contract with a qualified provider.

    Raises ValidationError(code="dates"), (code="unqualified"), (code="provider") or (code="duplicate")."""
    if end < start:
        raise ValidationError(_("The contract cannot end before it starts."), code="dates")
    if not selectors.providers_for_region(region).filter(pk=provider.pk).exists():
        raise ValidationError(_("This provider is not registered for the region."), code="provider")
    if provider.valid_until < start:
        raise ValidationError(
            _("%(provider)s's qualification ended on %(day)s, before the contract starts.")
            % {"provider": provider.name, "day": provider.valid_until.isoformat()},
            code="unqualified",
        )
    duplicate = PurchaseContract.objects.filter(number=number)
    if contract is not None:
        duplicate = duplicate.exclude(pk=contract.pk)
    if duplicate.exists():
        raise ValidationError(_("Another contract already has this number."), code="duplicate")
    values = dict(
        region=region, provider=provider, number=number, scope=scope, amount=amount, start=start, end=end
    )
    if contract is None:
        contract = PurchaseContract.objects.create(created_by=actor, **values)
        verb = "contract.create"
    else:
        for name, value in values.items():
            setattr(contract, name, value)
        contract.save()
        verb = "contract.change"
    audit.record(
        actor=actor,
        verb=verb,
        target=contract,
        changes={"amount": _money(amount), "start": start.isoformat(), "end": end.isoformat()},
    )
    return contract


@transaction.atomic
def rate_set(
    *,
    region: Region,
    kind: str,
    amount: Decimal,
    effective_from: datetime.date,
    monthly_cap: Decimal | None = None,
    actor: User,
) -> Rate:
    """Set a rate from a date on (a change is a new rate; claims already submitted keep theirs).

    Raises ValidationError(code="cap") or (code="duplicate")."""
    if monthly_cap is not None and kind != Rate.Kind.TEACHER_HOUR:
        raise ValidationError(_("Only the hourly rate for teachers has a monthly cap."), code="cap")
    if Rate.objects.filter(region=region, kind=kind, effective_from=effective_from).exists():
        raise ValidationError(
            _("The region already has this kind of rate from that day. Choose another day."), code="duplicate"
        )
    rate = Rate.objects.create(
        region=region,
        kind=kind,
        amount=amount,
        monthly_cap=monthly_cap,
        effective_from=effective_from,
        created_by=actor,
    )
    audit.record(
        actor=actor,
        verb="rate.set",
        target=rate,
        changes={
            "kind": kind,
            "amount": _money(amount),
            "monthly_cap": _money(monthly_cap) if monthly_cap is not None else None,
            "effective_from": effective_from.isoformat(),
        },
    )
    return rate


# --- workload -------------------------------------------------------------------------------


def _claimed_on(school: School, day: datetime.date) -> Claim | None:
    """A claim already sent to the bureau that covers this day (its lines are fixed)."""
    return (
        Claim.objects.filter(school=school, period_start__lte=day, period_end__gte=day)
        .exclude(status__in=[Claim.Status.DRAFT, Claim.Status.RETURNED])
        .first()
    )


@transaction.atomic
def workload_adjust(
    *,
    school: School,
    date: datetime.date,
    reason: str,
    actor: User,
    teacher: User | None = None,
    hours: Decimal = Decimal(0),
    provider: Provider | None = None,
    sessions: int = 0,
) -> WorkloadAdjustment:
    """Correct a teacher's held hours or a provider's held sessions on a day, with a reason.

    Raises ValidationError(code="reason"), (code="target"), (code="claimed") or (code="negative")."""
    reason = _required(reason, _("Give the reason for the adjustment."), code="reason")
    if (teacher is None) == (provider is None) or (teacher and not hours) or (provider and not sessions):
        raise ValidationError(
            _("Adjust either a teacher's hours or a provider's sessions, by a number other than zero."),
            code="target",
        )
    if teacher is not None and not selectors.adjustable_teachers(school).filter(pk=teacher.pk).exists():
        raise ValidationError(_("This person is not on the school's staff."), code="target")
    if provider is not None and not selectors.providers_at_school(school).filter(pk=provider.pk).exists():
        raise ValidationError(_("This provider runs no activity at the school."), code="target")
    claim = _claimed_on(school, date)
    if claim is not None:
        raise ValidationError(
            _("The claim for %(period)s has been sent to the bureau; its workload can no longer change.")
            % {"period": claim.period_label},
            code="claimed",
        )
    month = selectors.held_workload(month=date, school=school)
    if teacher is not None:
        line = next((r for r in month.teachers if r.key == f"t{teacher.pk}"), None)
        if (line.hours if line else Decimal(0)) + hours < 0:
            raise ValidationError(_("The month's hours cannot fall below zero."), code="negative")
    else:
        line = next((r for r in month.providers if r.key == f"p{provider.pk}"), None)
        if (line.total_sessions if line else 0) + sessions < 0:
            raise ValidationError(_("The month's sessions cannot fall below zero."), code="negative")
    adjustment = WorkloadAdjustment.objects.create(
        school=school,
        date=date,
        teacher=teacher,
        provider=provider,
        hours=hours if teacher else Decimal(0),
        sessions=sessions if provider else 0,
        reason=reason,
        created_by=actor,
    )
    audit.record(
        actor=actor,
        verb="workload.adjust",
        target=adjustment,
        changes={
            "date": date.isoformat(),
            "teacher": teacher.username if teacher else None,
            "provider": provider.name if provider else None,
            "hours": str(hours) if teacher else None,
            "sessions": sessions if provider else None,
            "reason": reason,
        },
    )
    return adjustment


# --- claims ---------------------------------------------------------------------------------


def _claim_link(claim: Claim) -> str:
    return reverse("subsidies:claim-detail", kwargs={"claim_code": claim.code})


def _write_lines(claim: Claim) -> Decimal:
    drafts = claims.claim_compute(school=claim.school, first=claim.period_start, last=claim.period_end)
    ClaimLine.objects.bulk_create(
        [
            ClaimLine(
                claim=claim,
                kind=d.kind,
                teacher_id=d.teacher_id,
                provider_id=d.provider_id,
                contract_id=d.contract_id,
                label=d.label[:100],
                sessions=d.sessions,
                hours=d.hours,
                students=d.students,
                rate=d.rate,
                monthly_cap=d.monthly_cap,
                gross=d.gross,
                amount=d.amount,
                unrated=d.unrated,
                detail=d.detail,
            )
            for d in drafts
        ]
    )
    return sum((d.amount for d in drafts), Decimal(0))


@transaction.atomic
def claim_prepare(
    *, school: School, actor: User, month: datetime.date | None = None, term: Term | None = None
) -> Claim:
    """Prepare a claim for a month or a term from the held workload and the rates in force.

    Raises ValidationError(code="period"), (code="overlap") or (code="empty")."""
    if (month is None) == (term is None):
        raise ValidationError(_("Choose a month or a term."), code="period")
    if term is not None and term.school_id != school.pk:
        raise ValidationError(_("Choose one of the school's terms."), code="period")
    first, last = (term.start, term.end) if term else selectors.month_bounds(month)
    # The school row is the lock: two admins preparing overlapping periods at once queue here.
    School.objects.select_for_update().filter(pk=school.pk).first()
    overlapping = Claim.objects.filter(school=school, period_start__lte=last, period_end__gte=first).first()
    if overlapping is not None:
        raise ValidationError(
            _("The school already has a claim covering part of this period (%(period)s).")
            % {"period": overlapping.period_label},
            code="overlap",
        )
    claim = Claim.objects.create(
        school=school,
        kind=Claim.Kind.TERM if term else Claim.Kind.MONTH,
        term=term,
        period_start=first,
        period_end=last,
        prepared_by=actor,
        prepared_at=timezone.now(),
    )
    total = _write_lines(claim)
    if not claim.lines.exists():
        raise ValidationError(
            _("No sessions were held (roll call taken) in this period: there is nothing to claim."),
            code="empty",
        )
    claim.total = total
    claim.save(update_fields=["total"])
    audit.record(actor=actor, verb="claim.prepare", target=claim, changes={"total": _money(total)})
    return claim


def _locked(claim: Claim) -> Claim:
    """The claim row, locked for this transaction: two clicks never both change its state."""
    locked = Claim.objects.select_for_update().get(pk=claim.pk)
    for name in ("status", "total", "budget_id", "note", "decided_at"):
        setattr(claim, name, getattr(locked, name))
    return claim


def _locked_in(claim: Claim, status: str, refusal: str, *, code: str) -> Claim:
    """The claim locked, refused with `refusal` unless its status is `status`."""
    claim = _locked(claim)
    if claim.status != status:
        raise ValidationError(refusal, code=code)
    return claim


@transaction.atomic
def claim_recompute(*, claim: Claim, actor: User) -> Claim:
    """Compute a prepared or returned claim again (after adjustments or a rate change).

    Raises ValidationError(code="not_editable") or (code="empty")."""
    claim = _locked(claim)
    if not claim.editable:
        raise ValidationError(
            _("Only a prepared or returned claim can be computed again."), code="not_editable"
        )
    before = claim.total
    claim.lines.all().delete()
    total = _write_lines(claim)
    if not claim.lines.exists():
        raise ValidationError(
            _("No sessions were held (roll call taken) in this period: there is nothing to claim."),
            code="empty",
        )
    claim.total = total
    claim.prepared_at = timezone.now()
    claim.save(update_fields=["total", "prepared_at"])
    audit.record(
        actor=actor, verb="claim.recompute", target=claim, changes={"total": [_money(before), _money(total)]}
    )
    return claim


@transaction.atomic
def claim_discard(*, claim: Claim, actor: User) -> None:
    """Delete a claim that was never submitted. Raises ValidationError(code="not_draft")."""
    claim = _locked_in(
        claim,
        Claim.Status.DRAFT,
        _("Only a claim that was never submitted can be discarded."),
        code="not_draft",
    )
    audit.record(actor=actor, verb="claim.discard", target=claim, changes={"total": _money(claim.total)})
    claim.lines.all().delete()
    claim.delete()


@transaction.atomic
def claim_submit(*, claim: Claim, actor: User) -> Claim:
    """Send a prepared or returned claim to the school's bureau (F12: the nearest region on its
    reporting chain with an active officer; schools.selectors.bureau_for_school).

    Raises ValidationError(code="not_editable"), (code="zero") or (code="no_bureau")."""
    claim = _locked(claim)
    if not claim.editable:
        raise ValidationError(_("This claim has already been submitted."), code="not_editable")
    if claim.total <= 0:
        raise ValidationError(
            _("The claim comes to nothing: no rate is in force for the sessions held. Ask the bureau."),
            code="zero",
        )
    bureau = bureau_for_school(claim.school)
    if bureau is None:
        # Nothing is "submitted" that nobody can receive or decide.
        raise ValidationError(
            _(
                "No education bureau on this school's reporting chain has an officer in the portal, so "
                "nobody could receive the claim. Ask the education bureau to set up an officer account."
            ),
            code="no_bureau",
        )
    claim.status = Claim.Status.SUBMITTED
    claim.submitted_by, claim.submitted_at = actor, timezone.now()
    claim.save(update_fields=["status", "submitted_by", "submitted_at"])
    audit.record(
        actor=actor,
        verb="claim.submit",
        target=claim,
        changes={"total": _money(claim.total), "bureau": bureau.region.code},
    )
    _notify(
        bureau.officers,
        kind="subsidies/claim_submitted",
        link=_claim_link(claim),
        key=f"claim-submitted:{claim.code}:{claim.submitted_at:%Y%m%d%H%M%S}",
        claim=claim,
        total=_money(claim.total),
    )
    return claim


def _decided(claim: Claim, kind: str) -> None:
    _notify(
        [claim.prepared_by, *([claim.submitted_by] if claim.submitted_by_id else [])],
        kind=kind,
        link=_claim_link(claim),
        key=f"{kind}:{claim.code}:{timezone.now():%Y%m%d%H%M%S%f}",
        claim=claim,
        total=_money(claim.total),
    )


def _claim_decide(claim: Claim, officer: User, *, verb: str, notice: str, changes: dict, **values) -> Claim:
    """The bureau's step on a locked claim: set the values (status, the officer's stamp, the note or
    reference), save them, write the audit row and tell the school."""
    for name, value in values.items():
        setattr(claim, name, value)
    claim.save(update_fields=list(values))
    audit.record(actor=officer, verb=verb, target=claim, changes=changes)
    _decided(claim, notice)
    return claim


@transaction.atomic
def claim_approve(*, claim: Claim, officer: User) -> Claim:
    """Approve a submitted claim against the budget of the school's county for the claim's year.

    Raises ValidationError(code="not_submitted"), (code="no_budget") or (code="over_budget")."""
    claim = _locked_in(
        claim, Claim.Status.SUBMITTED, _("Only a submitted claim can be approved."), code="not_submitted"
    )
    # The scarce resource, locked late and once: the budget row (PostgreSQL: FOR UPDATE, so a second
    # officer approving at the same moment waits here and then sees the first approval; SQLite:
    # transactions begin IMMEDIATE, which serialises writers). The sum is Decimal arithmetic in
    # Python, never the database's floats; the check constraint approved <= total backs it up.
    budget = (
        Budget.objects.select_for_update()
        .filter(region_id=claim.school.region_id, fiscal_year=claim.fiscal_year)
        .first()
    )
    if budget is None:
        raise ValidationError(
            _("%(region)s has no subsidy budget for %(year)s yet.")
            % {"region": claim.school.region.name, "year": claim.fiscal_year},
            code="no_budget",
        )
    if budget.approved + claim.total > budget.total:
        raise ValidationError(
            _("The claim (%(amount)s yuan) exceeds what remains of the %(year)s budget (%(remaining)s yuan).")
            % {
                "amount": _money(claim.total),
                "year": claim.fiscal_year,
                "remaining": _money(budget.remaining),
            },
            code="over_budget",
        )
    budget.approved += claim.total
    budget.save(update_fields=["approved"])
    return _claim_decide(
        claim,
        officer,
        verb="claim.approve",
        notice="subsidies/claim_approved",
        changes={"total": _money(claim.total), "budget": str(budget.code)},
        status=Claim.Status.APPROVED,
        budget=budget,
        decided_by=officer,
        decided_at=timezone.now(),
    )


@transaction.atomic
def claim_return(*, claim: Claim, officer: User, note: str) -> Claim:
    """Return a submitted claim to the school with a note.

    Raises ValidationError(code="note") or (code="not_submitted")."""
    note = _required(note, _("Tell the school what to correct."), code="note")
    claim = _locked_in(
        claim, Claim.Status.SUBMITTED, _("Only a submitted claim can be returned."), code="not_submitted"
    )
    return _claim_decide(
        claim,
        officer,
        verb="claim.return",
        notice="subsidies/claim_returned",
        changes={"note": note},
        status=Claim.Status.RETURNED,
        note=note,
        decided_by=officer,
        decided_at=timezone.now(),
    )


@transaction.atomic
def claim_mark_paid(*, claim: Claim, officer: User, reference: str) -> Claim:
    """Mark an approved claim paid, with the payment's reference.

    Raises ValidationError(code="reference") or (code="not_approved")."""
    reference = _required(reference, _("Enter the payment reference."), code="reference")
    claim = _locked_in(
        claim, Claim.Status.APPROVED, _("Only an approved claim can be marked paid."), code="not_approved"
    )
    return _claim_decide(
        claim,
        officer,
        verb="claim.paid",
        notice="subsidies/claim_paid",
        changes={"reference": reference},
        status=Claim.Status.PAID,
        payment_reference=reference,
        paid_by=officer,
        paid_at=timezone.now(),
    )


# --- complaints -----------------------------------------------------------------------------


def _complaint_link(complaint: Complaint) -> str:
    return reverse("subsidies:complaint-detail", kwargs={"complaint_code": complaint.code})


@transaction.atomic
def complaint_submit(
    *, guardian: Guardian, student: Student, kind: str, description: str, share_identity: bool = False
) -> Complaint:
    """A guardian reports a concern about their child's school to the school's bureau (F12: its
    county's, else the nearest region above with an active officer; never to the school).
    Raises ValidationError(code="not_your_child"), (code="description") or (code="no_bureau")."""
    if not student.guardians.filter(pk=guardian.pk).exists():
        raise ValidationError(_("You can only report about your own child's school."), code="not_your_child")
    description = _required(description, _("Tell the bureau what happened."), code="description")
    bureau = bureau_for_school(student.school)
    if bureau is None:
        raise ValidationError(
            _(
                "No education bureau officer can receive reports about this school in the portal yet. "
                "Please contact the education bureau by telephone."
            ),
            code="no_bureau",
        )
    complaint = Complaint.objects.create(
        guardian=guardian,
        student=student,
        school=student.school,
        kind=kind,
        description=description,
        share_identity=share_identity,
    )
    audit.record(
        actor=guardian.user,
        verb="complaint.submit",
        target=complaint,
        changes={"kind": kind, "bureau": bureau.region.code},
    )
    _notify(
        bureau.officers,
        kind="subsidies/complaint_received",
        link=_complaint_link(complaint),
        key=f"complaint-received:{complaint.code}",
        complaint=complaint,
        school=student.school,
    )
    return complaint


@transaction.atomic
def complaint_note_add(*, complaint: Complaint, officer: User, text: str) -> ComplaintNote:
    """Record a step of the bureau's handling. Raises ValidationError(code="text")."""
    text = _required(text, _("Write down what was done."), code="text")
    note = ComplaintNote.objects.create(complaint=complaint, text=text, author=officer)
    Complaint.objects.filter(pk=complaint.pk, status=Complaint.Status.RECEIVED).update(
        status=Complaint.Status.HANDLING
    )
    complaint.refresh_from_db(fields=["status"])
    audit.record(actor=officer, verb="complaint.note", target=complaint)
    return note


@transaction.atomic
def complaint_reply(*, complaint: Complaint, officer: User, text: str) -> Complaint:
    """Write (or correct) the bureau's reply, which the guardian sees. Raises ValidationError(code="text")."""
    text = _required(text, _("Write the reply to the guardian."), code="text")
    complaint.reply = text
    complaint.replied_by, complaint.replied_at = officer, timezone.now()
    complaint.status = Complaint.Status.ANSWERED
    complaint.save(update_fields=["reply", "replied_by", "replied_at", "status"])
    audit.record(actor=officer, verb="complaint.reply", target=complaint)
    _notify(
        [complaint.guardian.user],
        kind="subsidies/complaint_replied",
        link=_complaint_link(complaint),
        key=f"complaint-replied:{complaint.code}:{complaint.replied_at:%Y%m%d%H%M%S%f}",
        complaint=complaint,
    )
    return complaint


@transaction.atomic
def complaint_share(*, complaint: Complaint, officer: User, summary: str) -> Complaint:
    """Share a (possibly redacted) summary with the school's admins. The guardian is named to the
    school only if they agreed when reporting. Raises ValidationError(code="summary")."""
    summary = _required(summary, _("Write the summary the school will see."), code="summary")
    complaint.shared_summary = summary
    complaint.shared_by, complaint.shared_at = officer, timezone.now()
    complaint.save(update_fields=["shared_summary", "shared_by", "shared_at"])
    audit.record(actor=officer, verb="complaint.share", target=complaint)
    _notify(
        school_admins(complaint.school),
        kind="subsidies/complaint_shared",
        link=_complaint_link(complaint),
        key=f"complaint-shared:{complaint.code}:{complaint.shared_at:%Y%m%d%H%M%S%f}",
        complaint=complaint,
        school=complaint.school,
    )
    return complaint
