"""家长申请 → 班级审核 → 学校统一实施 (M2), voluntary at every step (M2, H2)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.models import ActivityGroup, Term
from schools.models import AuthorizedPickup, Guardian, Student

FREE_STATEMENT = (
    "课后服务坚持学生和家长自愿选择的原则，学校不收取任何费用，也不得以课后服务名义收费。"
    "家长可随时无需理由退出。"
)


class ParentNotice(models.Model):
    """告家长书 (M2: 主动向家长告知服务方式、服务内容、安全保障措施), versioned per term."""

    term = models.ForeignKey(Term, verbose_name=_("term"), on_delete=models.PROTECT, related_name="notices")
    version = models.PositiveIntegerField(_("version"))
    service_method = models.TextField(_("how the service is run"))
    content = models.TextField(_("what the service offers"))
    safety_measures = models.TextField(_("safety measures"))
    # M5/H3: the service is free; the statement is fixed, not editable by schools.
    free_statement = models.TextField(_("free-of-charge statement"), default=FREE_STATEMENT, editable=False)
    published_at = models.DateTimeField(_("published"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("published by"), on_delete=models.PROTECT, related_name="+"
    )
    # F15: carried over from an earlier term and not yet published (version 0, at most one a term):
    # parents never see it; publishing the notice replaces it with version 1.
    draft = models.BooleanField(_("draft"), default=False)

    class Meta:
        verbose_name = _("notice to parents")
        verbose_name_plural = _("notices to parents")
        ordering = ["term_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["term", "version"], name="parentnotice_version_unique")
        ]

    def __str__(self):
        return f"{self.term} v{self.version}"


class NoticeAcknowledgement(models.Model):
    notice = models.ForeignKey(
        ParentNotice, verbose_name=_("notice"), on_delete=models.PROTECT, related_name="acknowledgements"
    )
    guardian = models.ForeignKey(
        Guardian, verbose_name=_("guardian"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("acknowledged"), auto_now_add=True)

    class Meta:
        verbose_name = _("notice acknowledgement")
        verbose_name_plural = _("notice acknowledgements")
        constraints = [models.UniqueConstraint(fields=["notice", "guardian"], name="acknowledgement_once")]

    def __str__(self):
        return f"{self.guardian} · {self.notice}"


class EnrollmentWindow(models.Model):
    """The term's application window, review deadline, placement choices and publication."""

    class TieBreak(models.TextChoices):
        LOTTERY = "lottery", _("seeded lottery")
        SUBMISSION = "submission", _("submission time")

    term = models.OneToOneField(Term, verbose_name=_("term"), on_delete=models.PROTECT, related_name="window")
    opens_at = models.DateTimeField(_("applications open"))
    closes_at = models.DateTimeField(_("applications close"))
    review_deadline = models.DateTimeField(_("class review deadline"))
    tie_break = models.CharField(
        _("tie-break"), max_length=12, choices=TieBreak.choices, default=TieBreak.LOTTERY
    )
    lottery_seed = models.CharField(_("lottery seed"), max_length=64, blank=True)
    placement_run_at = models.DateTimeField(_("placement run"), null=True, blank=True)
    published_at = models.DateTimeField(_("placement published"), null=True, blank=True)
    second_round_open = models.BooleanField(_("second round open"), default=False)
    second_round_needs_review = models.BooleanField(
        _("second-round choices need class review"), default=False
    )

    class Meta:
        verbose_name = _("enrollment window")
        verbose_name_plural = _("enrollment windows")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")), name="window_ordered"
            ),
            models.CheckConstraint(
                condition=models.Q(review_deadline__gte=models.F("closes_at")),
                name="window_review_after_close",
            ),
            models.CheckConstraint(
                condition=models.Q(tie_break__in=["lottery", "submission"]), name="window_tie_break_valid"
            ),
        ]

    def __str__(self):
        return str(self.term)


class Survey(models.Model):
    """征求意见 (M2): which days, the latest pick-up time and interests, asked before applications."""

    term = models.OneToOneField(Term, verbose_name=_("term"), on_delete=models.PROTECT, related_name="survey")
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    note = models.TextField(_("note to parents"), blank=True)
    # F15: carried over from an earlier term: closed to parents until the school admin opens it.
    draft = models.BooleanField(_("draft"), default=False)

    class Meta:
        verbose_name = _("demand survey")
        verbose_name_plural = _("demand surveys")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")), name="survey_ordered"
            )
        ]

    def __str__(self):
        return str(self.term)


class SurveyResponse(models.Model):
    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="responses"
    )
    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.PROTECT, related_name="+"
    )
    guardian = models.ForeignKey(
        Guardian, verbose_name=_("guardian"), on_delete=models.PROTECT, related_name="+"
    )
    wants_service = models.BooleanField(_("wants the service"))
    days = models.CharField(_("days"), max_length=7, blank=True)
    latest_pickup = models.TimeField(_("latest pick-up time"), null=True, blank=True)
    interests = models.JSONField(_("interests"), default=list, blank=True)
    answered_at = models.DateTimeField(_("answered"), auto_now=True)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            models.UniqueConstraint(fields=["survey", "student"], name="surveyresponse_one_per_child"),
            models.CheckConstraint(
                condition=models.Q(days__regex=r"^[1-7]{0,7}$"), name="surveyresponse_days"
            ),
        ]

    def __str__(self):
        return f"{self.survey} · {self.student}"


class Application(models.Model):
    """A guardian's application for one child for one term (M2: 家长申请)."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("waiting for class review")
        RETURNED = "returned", _("returned for correction")
        APPROVED = "approved", _("approved")
        DECLINED = "declined", _("declined")
        WITHDRAWN = "withdrawn", _("withdrawn")

    class Pickup(models.TextChoices):
        GUARDIAN = "guardian", _("a guardian collects the child")
        AUTHORISED = "authorised", _("named authorised persons")
        ALONE = "alone", _("goes home alone (with written consent)")

    ACTIVE = (Status.SUBMITTED, Status.RETURNED, Status.APPROVED)

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    term = models.ForeignKey(
        Term, verbose_name=_("term"), on_delete=models.PROTECT, related_name="applications"
    )
    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.PROTECT, related_name="applications"
    )
    guardian = models.ForeignKey(
        Guardian, verbose_name=_("guardian"), on_delete=models.PROTECT, related_name="applications"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    second_round = models.BooleanField(_("second round"), default=False)
    days = models.CharField(_("days"), max_length=7)
    pickup = models.CharField(_("pick-up arrangement"), max_length=12, choices=Pickup.choices)
    pickup_persons = models.ManyToManyField(
        AuthorizedPickup, verbose_name=_("pick-up persons"), blank=True, related_name="+"
    )
    alone_consent = models.BooleanField(_("written consent to go home alone"), default=False)
    # Priority-group declaration (M2) with its own consent: PIPL treats it as sensitive data.
    left_behind = models.BooleanField(_("left-behind child"), default=False)
    migrant = models.BooleanField(_("child of migrant workers"), default=False)
    low_income = models.BooleanField(_("low-income family"), default=False)
    disability = models.BooleanField(_("disability"), default=False)
    other_need = models.CharField(_("other need"), max_length=200, blank=True)
    priority_consent = models.BooleanField(_("consent to process the priority-group data"), default=False)
    safety_commitment = models.BooleanField(_("safety commitment"), default=False)
    submitted_at = models.DateTimeField(_("submitted"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=300, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="application_code_unique"),
            models.UniqueConstraint(
                fields=["term", "student"],
                condition=models.Q(status__in=["submitted", "returned", "approved"]),
                name="application_one_active_per_term",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["submitted", "returned", "approved", "declined", "withdrawn"]),
                name="application_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(pickup__in=["guardian", "authorised", "alone"]),
                name="application_pickup_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(pickup="alone") | models.Q(alone_consent=True),
                name="application_alone_consent",
            ),
            models.CheckConstraint(
                condition=models.Q(safety_commitment=True), name="application_safety_commitment"
            ),
            models.CheckConstraint(condition=models.Q(days__regex=r"^[1-7]{1,7}$"), name="application_days"),
            models.CheckConstraint(
                condition=models.Q(priority_consent=True)
                | models.Q(
                    left_behind=False, migrant=False, low_income=False, disability=False, other_need=""
                ),
                name="application_priority_needs_consent",
            ),
        ]
        indexes = [
            # The class review queue: a term's applications by status.
            models.Index(fields=["term", "status"], name="application_term_status_idx"),
        ]

    def __str__(self):
        return f"{self.student} · {self.term}"

    @property
    def is_priority(self) -> bool:
        return bool(self.left_behind or self.migrant or self.low_income or self.disability or self.other_need)


class Choice(models.Model):
    """A ranked activity-group choice of an application (1 = first choice)."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="choices"
    )
    group = models.ForeignKey(
        ActivityGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="+"
    )
    rank = models.PositiveSmallIntegerField(_("rank"))

    class Meta:
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["application", "rank"], name="choice_rank_unique"),
            models.UniqueConstraint(fields=["application", "group"], name="choice_group_unique"),
            models.CheckConstraint(condition=models.Q(rank__gte=1), name="choice_rank_positive"),
        ]

    def __str__(self):
        return f"{self.rank}. {self.group}"


class PlacementQuerySet(models.QuerySet):
    def update(self, **kwargs):
        # The seat's history (placed_at, ended_at) is stamped wherever the status changes, so that
        # no path (placement, promotion, move, withdrawal) can forget it: the daily summaries read
        # each past day's placements from it (F12).
        status = kwargs.get("status")
        if status == Placement.Status.PLACED:
            kwargs.setdefault("placed_at", timezone.now())
            kwargs.setdefault("ended_at", None)
        elif status == Placement.Status.RELEASED:
            kwargs.setdefault(
                "ended_at",
                models.Case(
                    models.When(ended_at__isnull=True, then=models.Value(timezone.now())),
                    default=models.F("ended_at"),
                ),
            )
        return super().update(**kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            obj.stamp_history()
        return super().bulk_create(objs, *args, **kwargs)


class Placement(models.Model):
    """A child's seat in a group, or their place on its wait list (M2: 学校统一实施).

    Only ever made from an application (no path creates one without), never beyond capacity: seats
    are taken under a lock on the group row. placed_at and ended_at keep when the seat was taken and
    given up (stamped by the model and its queryset whatever path changes the status).
    """

    class Status(models.TextChoices):
        PLACED = "placed", _("placed")
        WAITLISTED = "waitlisted", _("on the wait list")
        RELEASED = "released", _("released")

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.PROTECT, related_name="placements"
    )
    group = models.ForeignKey(
        ActivityGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="placements"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    position = models.PositiveIntegerField(_("wait-list position"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    changed = models.DateTimeField(_("changed"), auto_now=True)
    placed_at = models.DateTimeField(_("seat taken"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    objects = PlacementQuerySet.as_manager()

    class Meta:
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        ordering = ["group_id", "status", "position"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="placement_code_unique"),
            # A child holds at most one seat and one wait-list entry per group at a time.
            models.UniqueConstraint(
                fields=["application", "group"],
                condition=models.Q(status__in=["placed", "waitlisted"]),
                name="placement_one_live_per_group",
            ),
            models.UniqueConstraint(
                fields=["application"],
                condition=models.Q(status="placed"),
                name="placement_one_seat_per_application",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["placed", "waitlisted", "released"]),
                name="placement_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="waitlisted") | models.Q(position__isnull=False),
                name="placement_waitlist_has_position",
            ),
        ]
        indexes = [
            # Seat counts and wait lists: a group's live placements by status and position.
            models.Index(fields=["group", "status", "position"], name="placement_group_status_idx"),
        ]

    def __str__(self):
        return f"{self.application} → {self.group} ({self.status})"

    def save(self, *args, **kwargs):
        changed = self.stamp_history()
        if changed and kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = [*kwargs["update_fields"], *changed]
        super().save(*args, **kwargs)

    def stamp_history(self) -> list[str]:
        """Stamp placed_at / ended_at for the row's status; returns the fields it set."""
        now, changed = timezone.now(), []
        if self.status == self.Status.PLACED and (self.placed_at is None or self.ended_at is not None):
            self.placed_at, self.ended_at = now, None
            changed = ["placed_at", "ended_at"]
        elif self.status == self.Status.RELEASED and self.ended_at is None:
            self.ended_at = now
            changed = ["ended_at"]
        return changed
