"""Funding, rates, held workload, claims and complaints (M5, H2, H3).

The service is free to parents (H3: 坚持课后免费服务; M5: 严禁以课后服务名义乱收费). Schools, units
(qualified providers) and teachers are paid through fiscal subsidies (财政补贴) and government purchase
of services (政府购买服务), at rates the regions set, for the workload actually delivered (H3: 考虑教师
工作量). Nothing in this app is ever shown to a parent except their own complaints.

Money is Decimal with two places everywhere; rows about money are PROTECTed, never deleted in cascade.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from activities.models import Provider, Term
from schools.fields import optional_fk
from schools.models import Guardian, Region, School, Student

MONEY = dict(max_digits=12, decimal_places=2)


class Budget(models.Model):
    """财政补贴: what a region sets aside for the service in one fiscal (calendar) year. Approved claims
    of the schools in the region count against it and never exceed it."""

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="subsidy_budgets"
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    total = models.DecimalField(_("budget (yuan)"), **MONEY)
    # The sum of the claims approved against this budget. Only subsidies.services writes it, under a
    # lock on this row (approved + amount <= total), so two officers approving at once can never
    # overspend; the check constraint below is the last guard.
    approved = models.DecimalField(_("approved (yuan)"), default=0, editable=False, **MONEY)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("set by"), on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("subsidy budget")
        verbose_name_plural = _("subsidy budgets")
        ordering = ["-fiscal_year", "region__code"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="budget_code_unique"),
            models.UniqueConstraint(fields=["region", "fiscal_year"], name="budget_one_per_region_year"),
            models.CheckConstraint(
                condition=Q(fiscal_year__gte=2000, fiscal_year__lte=2100), name="budget_year_sane"
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="budget_total_not_negative"),
            models.CheckConstraint(condition=Q(approved__gte=0), name="budget_approved_not_negative"),
            models.CheckConstraint(condition=Q(approved__lte=F("total")), name="budget_never_overspent"),
        ]

    def __str__(self):
        return f"{self.region} {self.fiscal_year}"

    @property
    def remaining(self):
        return self.total - self.approved


class PurchaseContract(models.Model):
    """政府购买服务: a region's contract with a qualified provider (unit) for part of the service."""

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="purchase_contracts"
    )
    provider = models.ForeignKey(
        Provider, verbose_name=_("provider"), on_delete=models.PROTECT, related_name="purchase_contracts"
    )
    number = models.CharField(_("contract number"), max_length=60)
    scope = models.TextField(_("scope of the service"))
    amount = models.DecimalField(_("contract amount (yuan)"), **MONEY)
    start = models.DateField(_("from"))
    end = models.DateField(_("until"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("purchase-of-services contract")
        verbose_name_plural = _("purchase-of-services contracts")
        ordering = ["-start", "number"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="purchasecontract_code_unique"),
            models.UniqueConstraint(fields=["number"], name="purchasecontract_number_unique"),
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="purchasecontract_dates_ordered"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="purchasecontract_amount_positive"),
        ]
        indexes = [
            # Claim lines: the contract in force with a provider over a claim's period.
            models.Index(fields=["provider", "start"], name="contract_provider_start_idx"),
        ]

    def __str__(self):
        return self.number


class Rate(models.Model):
    """A rate a region sets, in force from a date on until the region sets the next one of its kind.
    The nearest region on a school's reporting chain with a rate in force on the day wins."""

    class Kind(models.TextChoices):
        TEACHER_HOUR = "teacher_hour", _("per service hour of a teacher")
        PROVIDER_SESSION = "provider_session", _("per session of a provider")
        STUDENT = "student", _("per student and month")

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="subsidy_rates"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    amount = models.DecimalField(_("rate (yuan)"), max_digits=10, decimal_places=2)
    # H3: teachers' hours count, up to a monthly cap per teacher.
    monthly_cap = models.DecimalField(
        _("monthly cap per teacher (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    effective_from = models.DateField(_("in force from"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("set by"), on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("subsidy rate")
        verbose_name_plural = _("subsidy rates")
        ordering = ["region__code", "kind", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="rate_code_unique"),
            # Also serves the rate look-up: a chain's rates of a kind by date.
            models.UniqueConstraint(fields=["region", "kind", "effective_from"], name="rate_one_per_day"),
            models.CheckConstraint(
                condition=Q(kind__in=["teacher_hour", "provider_session", "student"]), name="rate_kind_valid"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="rate_amount_positive"),
            models.CheckConstraint(
                condition=Q(monthly_cap__isnull=True) | Q(kind="teacher_hour", monthly_cap__gt=0),
                name="rate_cap_for_teacher_hours_only",
            ),
        ]

    def __str__(self):
        return f"{self.region} {self.get_kind_display()} {self.amount}"


class WorkloadAdjustment(models.Model):
    """A school admin's correction to the held workload (a session held without a roll call, a
    substitution): hours for a teacher or sessions for a provider, on a day, always with a reason."""

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="workload_adjustments"
    )
    date = models.DateField(_("date"))
    teacher = optional_fk(settings.AUTH_USER_MODEL, _("teacher"), related_name="workload_adjustments")
    provider = optional_fk(Provider, _("provider"), related_name="workload_adjustments")
    hours = models.DecimalField(_("hours (+/-)"), max_digits=6, decimal_places=2, default=0)
    sessions = models.IntegerField(_("sessions (+/-)"), default=0)
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("workload adjustment")
        verbose_name_plural = _("workload adjustments")
        ordering = ["date", "created"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="workloadadjustment_code_unique"),
            models.CheckConstraint(
                condition=(
                    Q(teacher__isnull=False, provider__isnull=True, sessions=0) & ~Q(hours=0)
                    | Q(teacher__isnull=True, provider__isnull=False, hours=0) & ~Q(sessions=0)
                ),
                name="workloadadjustment_teacher_hours_or_provider_sessions",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="workloadadjustment_has_reason"),
        ]
        indexes = [
            # Workload pages and claims: a school's adjustments between two dates.
            models.Index(fields=["school", "date"], name="adjustment_school_date_idx"),
        ]

    def __str__(self):
        return f"{self.teacher or self.provider} {self.date}"


class Claim(models.Model):
    """A school's claim for a month or a term: prepared from held workload and rates, submitted to
    the county bureau, approved (against the county's budget) or returned with a note, then paid."""

    class Kind(models.TextChoices):
        MONTH = "month", _("month")
        TERM = "term", _("term")

    class Status(models.TextChoices):
        DRAFT = "draft", _("prepared")
        SUBMITTED = "submitted", _("submitted to the bureau")
        RETURNED = "returned", _("returned")
        APPROVED = "approved", _("approved by the bureau")
        PAID = "paid", _("paid")

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="claims"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    term = models.ForeignKey(
        Term, verbose_name=_("term"), null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    total = models.DecimalField(_("total (yuan)"), default=0, **MONEY)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("prepared by"), on_delete=models.PROTECT, related_name="+"
    )
    prepared_at = models.DateTimeField(_("computed"))
    submitted_by = optional_fk(settings.AUTH_USER_MODEL, _("submitted by"))
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    decided_by = optional_fk(settings.AUTH_USER_MODEL, _("decided by"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    note = models.TextField(_("the bureau's note"), blank=True)
    budget = optional_fk(Budget, _("budget"), related_name="claims")
    paid_by = optional_fk(settings.AUTH_USER_MODEL, _("marked paid by"))
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("subsidy claim")
        verbose_name_plural = _("subsidy claims")
        ordering = ["-period_start", "school__name"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="claim_code_unique"),
            # Overlapping periods are refused by the service (under a lock on the school row).
            models.UniqueConstraint(
                fields=["school", "period_start", "period_end"], name="claim_one_per_period"
            ),
            models.CheckConstraint(condition=Q(kind__in=["month", "term"]), name="claim_kind_valid"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "returned", "approved", "paid"]),
                name="claim_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="claim_period_ordered"
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="claim_total_not_negative"),
            models.CheckConstraint(
                condition=~Q(kind="term") | Q(term__isnull=False), name="claim_term_named"
            ),
            models.CheckConstraint(
                condition=~Q(status="returned") | ~Q(note=""), name="claim_returned_with_note"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "paid"])
                | Q(budget__isnull=False, decided_at__isnull=False),
                name="claim_approved_against_budget",
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | (Q(paid_at__isnull=False) & ~Q(payment_reference="")),
                name="claim_paid_with_reference",
            ),
        ]
        indexes = [
            # The school's claim list, newest period first.
            models.Index(fields=["school", "-period_start"], name="claim_school_period_idx"),
            # The bureau's queue: claims in a state (submitted first) across its schools.
            models.Index(fields=["status", "-period_start"], name="claim_status_period_idx"),
        ]

    def __str__(self):
        return f"{self.school} {self.period_label}"

    @property
    def period_label(self) -> str:
        if self.kind == self.Kind.TERM and self.term_id:
            return self.term.name
        return f"{self.period_start:%Y-%m}"

    @property
    def fiscal_year(self) -> int:
        # The calendar year in which the claimed period starts (an autumn term counts in its first year).
        return self.period_start.year

    @property
    def editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)


class ClaimLine(models.Model):
    """One payee of a claim, with a snapshot of what was counted and the rate, cap and amount at the
    time, so that a later rate change never alters a submitted claim."""

    class Kind(models.TextChoices):
        TEACHER = "teacher", _("teacher")
        PROVIDER = "provider", _("provider")
        STUDENT = "student", _("students served")

    claim = models.ForeignKey(Claim, verbose_name=_("claim"), on_delete=models.PROTECT, related_name="lines")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    teacher = optional_fk(settings.AUTH_USER_MODEL, _("teacher"))
    provider = optional_fk(Provider, _("provider"))
    contract = optional_fk(PurchaseContract, _("purchase contract"), related_name="claim_lines")
    label = models.CharField(_("payee"), max_length=100)
    sessions = models.PositiveIntegerField(_("sessions held"), default=0)
    hours = models.DecimalField(_("hours held"), max_digits=8, decimal_places=2, default=0)
    students = models.PositiveIntegerField(_("student-months"), default=0)
    # The one rate applied; empty when the rate changed within the period (see detail).
    rate = models.DecimalField(_("rate (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True)
    monthly_cap = models.DecimalField(
        _("monthly cap (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    gross = models.DecimalField(_("before the cap (yuan)"), **MONEY)
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    # Hours (teachers) or sessions (providers) held on days with no rate in force: not paid.
    unrated = models.DecimalField(_("without a rate"), max_digits=8, decimal_places=2, default=0)
    # Per month: [{"month": "2026-12", "hours": "23.00", "gross": "1840.00", "cap": "1000.00", …}].
    detail = models.JSONField(_("detail"), default=list, blank=True)

    class Meta:
        verbose_name = _("claim line")
        verbose_name_plural = _("claim lines")
        ordering = ["claim_id", "kind", "label"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["teacher", "provider", "student"]), name="claimline_kind_valid"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="teacher", teacher__isnull=False, provider__isnull=True)
                    | Q(kind="provider", teacher__isnull=True, provider__isnull=False)
                    | Q(kind="student", teacher__isnull=True, provider__isnull=True)
                ),
                name="claimline_payee_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0, gross__gte=0, hours__gte=0, unrated__gte=0),
                name="claimline_amounts_not_negative",
            ),
            models.CheckConstraint(condition=Q(amount__lte=F("gross")), name="claimline_amount_within_gross"),
            models.UniqueConstraint(
                fields=["claim", "teacher"], condition=Q(kind="teacher"), name="claimline_one_per_teacher"
            ),
            models.UniqueConstraint(
                fields=["claim", "provider"], condition=Q(kind="provider"), name="claimline_one_per_provider"
            ),
            models.UniqueConstraint(
                fields=["claim"], condition=Q(kind="student"), name="claimline_one_student_line"
            ),
        ]

    def __str__(self):
        return f"{self.claim} · {self.label}"


class Complaint(models.Model):
    """监督: a guardian's report about their child's school to the county bureau (not to the school).
    The bureau records its handling and replies to the guardian; the school sees only a summary the
    bureau chooses to share, and learns who reported only if the guardian agreed."""

    class Kind(models.TextChoices):
        CHARGING = "charging", _("charging in the name of the service")
        FORCED = "forced", _("forced participation")
        EXTRA_LESSONS = "extra_lessons", _("extra lessons or new teaching")
        SAFETY = "safety", _("a safety concern")

    class Status(models.TextChoices):
        RECEIVED = "received", _("received")
        HANDLING = "handling", _("being handled")
        ANSWERED = "answered", _("answered")

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    guardian = models.ForeignKey(
        Guardian, verbose_name=_("guardian"), on_delete=models.PROTECT, related_name="complaints"
    )
    student = models.ForeignKey(
        Student, verbose_name=_("child"), on_delete=models.PROTECT, related_name="complaints"
    )
    # The child's school when the report was made; its county bureau handles the report.
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="complaints"
    )
    kind = models.CharField(_("what it is about"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("what happened"))
    share_identity = models.BooleanField(_("the school may know who reported"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RECEIVED)
    created = models.DateTimeField(_("received"), auto_now_add=True)
    reply = models.TextField(_("the bureau's reply"), blank=True)
    replied_by = optional_fk(settings.AUTH_USER_MODEL, _("replied by"))
    replied_at = models.DateTimeField(_("replied"), null=True, blank=True)
    shared_summary = models.TextField(_("summary shared with the school"), blank=True)
    shared_by = optional_fk(settings.AUTH_USER_MODEL, _("shared by"))
    shared_at = models.DateTimeField(_("shared with the school"), null=True, blank=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="complaint_code_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=["charging", "forced", "extra_lessons", "safety"]),
                name="complaint_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["received", "handling", "answered"]), name="complaint_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="answered") | (~Q(reply="") & Q(replied_at__isnull=False)),
                name="complaint_answered_with_reply",
            ),
            models.CheckConstraint(
                condition=Q(shared_at__isnull=True) | ~Q(shared_summary=""),
                name="complaint_shared_with_summary",
            ),
        ]
        indexes = [
            # The county bureau's list and the counts by kind: a school's complaints, newest first.
            models.Index(fields=["school", "-created"], name="complaint_school_created_idx"),
            # The guardian's own reports, newest first.
            models.Index(fields=["guardian", "-created"], name="complaint_guardian_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.school}"


class ComplaintNote(models.Model):
    """One step of the bureau's handling (call to the school, visit, finding). Internal to the bureau;
    never shown to the school or the guardian. Append-only."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.PROTECT, related_name="notes"
    )
    text = models.TextField(_("handling"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("officer"), on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("handling note")
        verbose_name_plural = _("handling notes")
        ordering = ["complaint_id", "created", "pk"]

    def __str__(self):
        return f"{self.complaint} {self.created:%Y-%m-%d}"
