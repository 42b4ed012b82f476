"""Pre-aggregated daily figures per school (F8): the bureau's dashboards read only this table, so
their cost depends on schools × days, never on the number of attendance marks or placements.

Rows are derived data, rewritten by services.summaries_roll from the raw records; never edit by hand.
Flows (sessions, marks, hours, incidents, complaints, claims) count what happened on the day; stocks
(enrolled, placed, applied, teachers, findings open) are the state at the end of the day (for
students, applications and placements, which keep no history, the state when the day was rolled),
and a period's value of a stock is the one of its last rolled day.
"""

import os
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from schools.models import Region, School

MONEY = {"max_digits": 12, "decimal_places": 2}
# Complaint.Kind value -> summary column.
COMPLAINT_FIELDS = {
    "charging": "complaints_charging",
    "forced": "complaints_forced",
    "extra_lessons": "complaints_extra_lessons",
    "safety": "complaints_safety",
}


class DailySchoolSummary(models.Model):
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="daily_summaries"
    )
    date = models.DateField(_("date"))
    # Stocks at the end of the day.
    offers_service = models.BooleanField(_("offers the service"), default=False)
    enrolled = models.PositiveIntegerField(_("students enrolled"), default=0)
    placed = models.PositiveIntegerField(_("children placed"), default=0)
    priority_applied = models.PositiveIntegerField(_("priority-group children who applied"), default=0)
    priority_placed = models.PositiveIntegerField(_("priority-group children placed"), default=0)
    teachers = models.PositiveIntegerField(_("teachers leading groups"), default=0)
    findings_open = models.PositiveIntegerField(_("inspection findings open"), default=0)
    # Flows of the day.
    sessions_held = models.PositiveIntegerField(_("sessions held"), default=0)
    marks_expected = models.PositiveIntegerField(_("attendance marks expected"), default=0)
    marks_present = models.PositiveIntegerField(_("attendance marks present"), default=0)
    teacher_hours = models.DecimalField(_("teacher hours"), max_digits=10, decimal_places=2, default=0)
    child_hours = models.DecimalField(_("child hours attended"), max_digits=12, decimal_places=2, default=0)
    incidents = models.PositiveIntegerField(_("incidents"), default=0)
    # Guardians' reports received on the day, one column per Complaint.Kind (columns, not JSON, so
    # that a period is a plain SUM); a new kind needs a column here and in COMPLAINT_FIELDS.
    complaints_charging = models.PositiveIntegerField(_("reports: charging"), default=0)
    complaints_forced = models.PositiveIntegerField(_("reports: forced participation"), default=0)
    complaints_extra_lessons = models.PositiveIntegerField(_("reports: extra lessons"), default=0)
    complaints_safety = models.PositiveIntegerField(_("reports: safety"), default=0)
    # Claims whose period ends on the day: claimed = submitted, approved or paid; paid = paid.
    subsidy_claimed = models.DecimalField(_("subsidy claimed (yuan)"), default=Decimal("0"), **MONEY)
    subsidy_paid = models.DecimalField(_("subsidy paid (yuan)"), default=Decimal("0"), **MONEY)
    rolled_at = models.DateTimeField(_("computed"), auto_now=True)

    class Meta:
        verbose_name = _("daily school summary")
        verbose_name_plural = _("daily school summaries")
        ordering = ["date", "school_id"]
        constraints = [
            models.UniqueConstraint(fields=["school", "date"], name="dailyschoolsummary_one_per_school_day"),
            models.CheckConstraint(
                condition=models.Q(marks_present__lte=models.F("marks_expected")),
                name="dailyschoolsummary_present_within_expected",
            ),
            models.CheckConstraint(
                condition=models.Q(priority_placed__lte=models.F("priority_applied")),
                name="dailyschoolsummary_priority_placed_within_applied",
            ),
            models.CheckConstraint(
                condition=models.Q(subsidy_paid__lte=models.F("subsidy_claimed")),
                name="dailyschoolsummary_paid_within_claimed",
            ),
        ]
        indexes = [
            # Dashboards: every school's rows of a period (date range), then filtered to the region.
            models.Index(fields=["date", "school"], name="dailysummary_date_school_idx"),
        ]
        # The unique (school, date) index also serves one school's rows over a period.

    def __str__(self):
        return f"{self.school} {self.date}"


class ReportStorage(FileSystemStorage):
    """Files under REPORTS_ROOT, read at each use (tests point it elsewhere), with no URL."""

    @property
    def base_location(self):
        return settings.REPORTS_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None


def reports_storage():
    """Generated reports hold every school's figures: kept under REPORTS_ROOT, outside MEDIA_ROOT and
    static files, and served only by the scoped download view."""
    return ReportStorage()


class GeneratedReport(models.Model):
    """A monthly, term or upward-summary report of a region (or one school), generated in the
    background as .xlsx or .pdf and kept in the archive with who asked for it (F8)."""

    class Kind(models.TextChoices):
        MONTHLY = "monthly", _("monthly report")
        TERM = "term", _("term statistics report")
        UPWARD = "upward", _("summary for the next level")

    class Format(models.TextChoices):
        XLSX = "xlsx", _("Excel (.xlsx)")
        PDF = "pdf", _("PDF")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("being generated")
        DONE = "done", _("ready")
        FAILED = "failed", _("failed")

    ACTIVE = [Status.QUEUED, Status.RUNNING]

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    school = models.ForeignKey(
        School, verbose_name=_("school"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # "region:4101" or "school:<code>": one non-null key for the dedupe constraints below.
    scope_key = models.CharField(_("scope"), max_length=60, editable=False)
    period_key = models.CharField(_("period"), max_length=20)  # "2026-10" or "2026-autumn"
    period_first = models.DateField(_("first day"))
    period_last = models.DateField(_("last day"))
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    # Empty for the reports the monthly schedule generates.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created = models.DateTimeField(_("requested"), auto_now_add=True)
    started = models.DateTimeField(_("started"), null=True, blank=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    file = models.FileField(_("file"), storage=reports_storage, upload_to="%Y/%m/", blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("generated report")
        verbose_name_plural = _("generated reports")
        ordering = ["-created", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="generatedreport_code_unique"),
            models.CheckConstraint(
                condition=models.Q(kind__in=["monthly", "term", "upward"]), name="generatedreport_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(format__in=["xlsx", "pdf"]), name="generatedreport_format_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "running", "done", "failed"]),
                name="generatedreport_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="generatedreport_progress_max"
            ),
            models.CheckConstraint(
                condition=models.Q(region__isnull=False, school__isnull=True)
                | models.Q(region__isnull=True, school__isnull=False),
                name="generatedreport_one_scope",
            ),
            # A second identical request while one is queued or running gets the first.
            models.UniqueConstraint(
                fields=["kind", "scope_key", "period_key", "format"],
                condition=models.Q(status__in=["queued", "running"]),
                name="generatedreport_one_active",
            ),
            # The monthly schedule generates each region's month once, however often it runs.
            models.UniqueConstraint(
                fields=["kind", "scope_key", "period_key", "format"],
                condition=models.Q(requested_by__isnull=True),
                name="generatedreport_one_scheduled",
            ),
        ]
        indexes = [
            # The resume job: reports still queued or running since before a cut-off.
            models.Index(fields=["status", "created"], name="generatedreport_status_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.scope_name} {self.period_key} ({self.format})"

    @property
    def scope_name(self) -> str:
        return self.region.name if self.region_id else self.school.name

    @property
    def period_label(self) -> str:
        """ "2026-10", or "2026年秋季学期" for "2026-autumn" (in the active language)."""
        year, _sep, season = self.period_key.partition("-")
        if season == "autumn":
            return gettext("autumn term %(year)s") % {"year": year}
        if season == "spring":
            return gettext("spring term %(year)s") % {"year": year}
        return self.period_key

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE
