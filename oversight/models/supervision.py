"""F17: the bureau's supervision visits (督导检查, M5) with their findings and the school's answers,
and the school's written rules (课后服务工作制度) and safety-education records as versioned documents.

A term is the oversight term key ("2026-autumn"), as for term reports and scores."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from oversight.models.evaluation import TERM_PATTERN, term_label
from schools.fields import optional_fk
from schools.models import Region, School


class SupervisionVisit(models.Model):
    """A bureau's visit to a school: what it found and by when the school must rectify it."""

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="supervision_visits"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("bureau"), on_delete=models.PROTECT, related_name="supervision_visits"
    )
    term = models.CharField(_("term"), max_length=12)
    visited_on = models.DateField(_("visited on"))
    summary = models.TextField(_("summary"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("supervision visit")
        verbose_name_plural = _("supervision visits")
        ordering = ["-visited_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="supervisionvisit_code_unique"),
            models.CheckConstraint(condition=Q(term__regex=TERM_PATTERN), name="supervisionvisit_term_valid"),
        ]

    def __str__(self):
        return f"{self.school} {self.visited_on}"


class VisitFinding(models.Model):
    """One finding of a visit; the school admin answers it once rectified (整改), with a note."""

    class Status(models.TextChoices):
        OPEN = "open", _("to rectify")
        RECTIFIED = "rectified", _("rectified")

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    visit = models.ForeignKey(
        SupervisionVisit, verbose_name=_("visit"), on_delete=models.PROTECT, related_name="findings"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    description = models.TextField(_("finding"))
    deadline = models.DateField(_("rectify by"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    answer_note = models.TextField(_("how it was rectified"), blank=True)
    answered_by = optional_fk(settings.AUTH_USER_MODEL, _("answered by"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("supervision finding")
        verbose_name_plural = _("supervision findings")
        ordering = ["visit", "number"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="visitfinding_code_unique"),
            models.UniqueConstraint(fields=["visit", "number"], name="visitfinding_number_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["open", "rectified"]), name="visitfinding_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="open") | (~Q(answer_note="") & Q(answered_at__isnull=False)),
                name="visitfinding_rectified_with_note",
            ),
        ]

    def __str__(self):
        return f"{self.visit} #{self.number}"

    def is_overdue(self, today) -> bool:
        return self.status == self.Status.OPEN and self.deadline < today


class FindingEvidence(models.Model):
    """A file (photo, PDF, Word) the school's answer to a finding carries as evidence of the
    rectification; downloadable by the school and the bureaus over it only."""

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    finding = models.ForeignKey(
        VisitFinding, verbose_name=_("finding"), on_delete=models.PROTECT, related_name="evidence"
    )
    file = models.FileField(_("file"), upload_to="finding-evidence/%Y/")
    file_name = models.CharField(_("file name"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("rectification evidence")
        verbose_name_plural = _("rectification evidence")
        ordering = ["finding", "id"]
        constraints = [models.UniqueConstraint(fields=["code"], name="findingevidence_code_unique")]

    def __str__(self):
        return self.file_name


class DocumentKind(models.TextChoices):
    RULES = "rules", _("after-school service rules")
    STAFF_TRAINING = "staff_training", _("safety training of teachers")
    PUPIL_EDUCATION = "pupil_education", _("safety education of pupils")


class SchoolDocument(models.Model):
    """One version of a school's document for a term; a new upload is the next version, and the
    earlier ones stay."""

    Kind = DocumentKind

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="service_documents"
    )
    term = models.CharField(_("term"), max_length=12)
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    version = models.PositiveSmallIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=100)
    file = models.FileField(_("file"), upload_to="school-documents/%Y/")
    file_name = models.CharField(_("file name"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("school document")
        verbose_name_plural = _("school documents")
        ordering = ["school", "-term", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="schooldocument_code_unique"),
            models.UniqueConstraint(
                fields=["school", "term", "kind", "version"], name="schooldocument_version_unique"
            ),
            models.CheckConstraint(condition=Q(term__regex=TERM_PATTERN), name="schooldocument_term_valid"),
            models.CheckConstraint(
                condition=Q(kind__in=["rules", "staff_training", "pupil_education"]),
                name="schooldocument_kind_valid",
            ),
        ]

    def __str__(self):
        return f"{self.title} v{self.version}"

    @property
    def term_label(self) -> str:
        return term_label(self.term)
