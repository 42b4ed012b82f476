"""Generated reports (F8): the archive of monthly, term and upward-summary files, kept under
REPORTS_ROOT and served only by the scoped download view."""

import os
import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from schools.fields import optional_fk
from schools.models import Region, School


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
    requested_by = optional_fk(settings.AUTH_USER_MODEL, _("requested by"))
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
