"""PIPL (F10): the privacy notice guardians accept, their consent records per child and purpose,
each region's retention period, and the log of what the retention job removed (no personal data).
This app sits on the lowest floor with schools and audit; feature apps reach it, never the reverse
(their data is cleared through the hooks named in settings.PRIVACY_HOOKS)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from schools.models import Guardian, Region, Student


class PrivacyNotice(models.Model):
    """隐私政策/个人信息保护告知, one platform-wide text, versioned; a new version asks again."""

    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("notice text"))
    published_at = models.DateTimeField(_("published"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notices")
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["version"], name="privacynotice_version_unique")]

    def __str__(self):
        return f"{self.title} v{self.version}"


class ConsentRecord(models.Model):
    """A guardian's consent for one child, one purpose, under one notice version; withdrawn by a date,
    never deleted (it is the evidence that processing was lawful while it lasted)."""

    class Purpose(models.TextChoices):
        PERSONAL = "personal", _("the child's personal data")
        SENSITIVE = "sensitive", _("sensitive priority-group data")

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    guardian = models.ForeignKey(
        Guardian, verbose_name=_("guardian"), on_delete=models.PROTECT, related_name="consents"
    )
    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.PROTECT, related_name="consents"
    )
    notice = models.ForeignKey(
        PrivacyNotice, verbose_name=_("notice version"), on_delete=models.PROTECT, related_name="consents"
    )
    purpose = models.CharField(_("purpose of processing"), max_length=10, choices=Purpose.choices)
    given_at = models.DateTimeField(_("given"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn on"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-given_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="consentrecord_code_unique"),
            models.UniqueConstraint(
                fields=["guardian", "student", "notice", "purpose"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="consentrecord_one_live_per_purpose",
            ),
            models.CheckConstraint(
                condition=models.Q(purpose__in=["personal", "sensitive"]), name="consentrecord_purpose_valid"
            ),
        ]
        indexes = [
            # The notice gate and the consent page: a guardian's records.
            models.Index(fields=["guardian", "purpose"], name="consentrecord_guardian_idx"),
        ]

    def __str__(self):
        return f"{self.get_purpose_display()} · v{self.notice.version}"


class RetentionPolicy(models.Model):
    """How long a region keeps a child's data after the child left, and an application's
    priority-group data after its term ended. The most specific region on a school's reporting
    path wins; without one, settings.RETENTION_MONTHS applies."""

    region = models.OneToOneField(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="retention_policy"
    )
    months = models.PositiveSmallIntegerField(_("months kept"))

    class Meta:
        verbose_name = _("retention period")
        verbose_name_plural = _("retention periods")
        constraints = [
            models.CheckConstraint(condition=models.Q(months__gte=1), name="retentionpolicy_months_min")
        ]

    def __str__(self):
        return f"{self.region}: {self.months}"


class StudentDeparture(models.Model):
    """When the retention job first saw a child no longer enrolled, and when it anonymised them."""

    student = models.OneToOneField(
        Student, verbose_name=_("student"), on_delete=models.PROTECT, related_name="departure"
    )
    noticed_at = models.DateTimeField(_("noticed"))
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)

    class Meta:
        verbose_name = _("student departure")
        verbose_name_plural = _("student departures")
        indexes = [
            # The retention run: departures not yet anonymised, oldest first.
            models.Index(fields=["anonymised_at", "noticed_at"], name="departure_pending_idx"),
        ]

    def __str__(self):
        return f"{self.student_id} {self.noticed_at:%Y-%m-%d}"


class DeletionLog(models.Model):
    """One row per retention run and kind of record: how many, what was done. Never names, mobile
    numbers, ID numbers or record ids."""

    class Kind(models.TextChoices):
        STUDENT = "student", _("students")
        GUARDIAN = "guardian", _("guardians")
        PICKUP = "pickup", _("pick-up persons")
        APPLICATION = "application", _("applications' priority-group data")
        RELEASE = "release", _("releases and refused pick-ups")
        ALERT = "alert", _("safety alerts")
        NOTIFICATION = "notification", _("notifications")
        VISITOR = "visitor", _("gate-register visitors")
        ROSTER_IMPORT = "import", _("roster-import files")

    run = models.UUIDField(_("run"))
    at = models.DateTimeField(_("time"), auto_now_add=True)
    kind = models.CharField(_("record type"), max_length=12, choices=Kind.choices)
    count = models.PositiveIntegerField(_("records"))
    description = models.CharField(_("what the run did"), max_length=200)

    class Meta:
        verbose_name = _("deletion log entry")
        verbose_name_plural = _("deletion log")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=[
                        "student",
                        "guardian",
                        "pickup",
                        "application",
                        "release",
                        "alert",
                        "notification",
                        "visitor",
                        "import",
                    ]
                ),
                name="deletionlog_kind_valid",
            )
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d} {self.kind} {self.count}"
