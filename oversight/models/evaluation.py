"""School term reports upward, evaluation weights and good practice (F8; M5 纳入考评体系, 督导检查;
H1 及时总结好的经验做法).

A term is the oversight dashboard's term key ("2026-autumn": 1 Sep – 31 Jan; "2027-spring":
1 Feb – 31 Aug), the same for every school of a region, so reports and scores line up with the
dashboard's figures.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.utils.translation import gettext_lazy as _

from schools.fields import optional_fk
from schools.models import Region, School

TERM_PATTERN = r"^[0-9]{4}-(autumn|spring)$"


def term_label(term: str) -> str:
    """ "2026-autumn" -> the dashboard's label of that term (秋季学期 2026)."""
    year, _sep, season = term.partition("-")
    if season == "autumn":
        return _("Autumn term %(year)s") % {"year": year}
    return _("Spring term %(year)s") % {"year": year}


class TermReport(models.Model):
    """学校学期报告: a school's report on its term, reviewed by the bureau it reports to."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted for review")
        RETURNED = "returned", _("returned")
        RESUBMITTED = "resubmitted", _("resubmitted")
        ACCEPTED = "accepted", _("accepted by the bureau")

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="term_reports"
    )
    term = models.CharField(_("term"), max_length=12)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    # The term's indicators as they stood when last taken from the daily summaries (decimals as text).
    indicators = models.JSONField(_("indicators"), default=dict, blank=True)
    indicators_at = models.DateTimeField(_("indicators taken"), null=True, blank=True)
    summary = models.TextField(_("work summary"), blank=True)  # 工作总结
    problems = models.TextField(_("problems"), blank=True)  # 存在问题
    plans = models.TextField(_("next steps"), blank=True)  # 下一步打算
    # The bureau that reviews it, fixed at each submission: the nearest region on the school's
    # reporting chain that has bureau officers (a 省直管县 school: its county, then the province).
    reviewing_region = optional_fk(Region, _("reviewing bureau"))
    return_note = models.TextField(_("bureau's notes"), blank=True)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("prepared by"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = optional_fk(settings.AUTH_USER_MODEL, _("submitted by"))
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    decided_by = optional_fk(settings.AUTH_USER_MODEL, _("decided by"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("school term report")
        verbose_name_plural = _("school term reports")
        ordering = ["-term", "school__name"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="termreport_code_unique"),
            models.UniqueConstraint(fields=["school", "term"], name="termreport_one_per_school_term"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "returned", "resubmitted", "accepted"]),
                name="termreport_status_valid",
            ),
            models.CheckConstraint(condition=Q(term__regex=TERM_PATTERN), name="termreport_term_valid"),
            models.CheckConstraint(
                condition=~Q(status="returned") | ~Q(return_note=""), name="termreport_returned_with_notes"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(reviewing_region__isnull=False),
                name="termreport_submitted_has_reviewer",
            ),
        ]
        indexes = [
            # The bureau's queue: reports a region reviews, for a term.
            models.Index(fields=["reviewing_region", "term"], name="termreport_reviewer_term_idx"),
        ]

    def __str__(self):
        return f"{self.school} {self.term}"

    @property
    def term_label(self) -> str:
        return term_label(self.term)

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.SUBMITTED, self.Status.RESUBMITTED)

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)


# Indicator key -> weight column. The keys are those of oversight.evaluation.scoring.INDICATORS.
WEIGHT_FIELDS = {
    "participation": "w_participation",
    "attendance": "w_attendance",
    "priority": "w_priority",
    "hours": "w_hours",
    "incidents": "w_incidents",
    "complaints": "w_complaints",
    "findings": "w_findings",
}


class WeightSet(models.Model):
    """The indicator weights (percent, summing to 100) a bureau sets for its region's term evaluation."""

    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="weight_sets"
    )
    term = models.CharField(_("term"), max_length=12)
    w_participation = models.PositiveSmallIntegerField(_("participation rate"), default=0)
    w_attendance = models.PositiveSmallIntegerField(_("attendance rate"), default=0)
    w_priority = models.PositiveSmallIntegerField(_("priority-group coverage"), default=0)
    w_hours = models.PositiveSmallIntegerField(_("hours per child"), default=0)
    w_incidents = models.PositiveSmallIntegerField(_("incidents"), default=0)
    w_complaints = models.PositiveSmallIntegerField(_("reports from guardians"), default=0)
    w_findings = models.PositiveSmallIntegerField(_("open inspection findings"), default=0)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("set by"), on_delete=models.PROTECT, related_name="+"
    )
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("evaluation weights")
        verbose_name_plural = _("evaluation weights")
        ordering = ["-term", "region__code"]
        constraints = [
            models.UniqueConstraint(fields=["region", "term"], name="weightset_one_per_region_term"),
            models.CheckConstraint(condition=Q(term__regex=TERM_PATTERN), name="weightset_term_valid"),
            models.CheckConstraint(
                condition=Q(
                    w_participation=Value(100)
                    - F("w_attendance")
                    - F("w_priority")
                    - F("w_hours")
                    - F("w_incidents")
                    - F("w_complaints")
                    - F("w_findings")
                ),
                name="weightset_sums_to_100",
            ),
        ]
        # The unique (region, term) index serves the look-up of a term's weights along a chain.

    def __str__(self):
        return f"{self.region} {self.term}"

    def as_dict(self) -> dict[str, int]:
        return {key: getattr(self, field) for key, field in WEIGHT_FIELDS.items()}


class GoodPractice(models.Model):
    """经验做法: a school's write-up; a bureau may feature it for the schools of its region."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("submitted for review")
        FEATURED = "featured", _("featured")
        NOT_FEATURED = "not_featured", _("not featured")

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="good_practices"
    )
    title = models.CharField(_("title"), max_length=120)
    summary = models.CharField(_("summary"), max_length=300)
    body = models.TextField(_("write-up"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    # The region whose schools see it when featured (the featuring bureau's own region).
    featured_region = optional_fk(Region, _("featured for"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    decided_by = optional_fk(settings.AUTH_USER_MODEL, _("decided by"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("good practice")
        verbose_name_plural = _("good practices")
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="goodpractice_code_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["submitted", "featured", "not_featured"]),
                name="goodpractice_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="featured", featured_region__isnull=False)
                | (~Q(status="featured") & Q(featured_region__isnull=True)),
                name="goodpractice_featured_has_region",
            ),
        ]
        indexes = [
            # The featured list: featured write-ups for the regions on a school's reporting chain.
            models.Index(fields=["featured_region", "status"], name="goodpractice_featured_idx"),
        ]

    def __str__(self):
        return self.title
