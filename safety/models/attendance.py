"""Attendance, leave, handover and release (F5; M4, H4: 考勤、监管、交接班制度).

Safety records are append-only history (audit.models.AppendOnlyModel): a correction is a new row,
never an edit, and nothing is deleted. The one mutable row here is the pick-up code, a short-lived
credential whose misses and use are counted on the row itself.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from activities.models import Session
from audit.models import AppendOnlyModel, AppendOnlyQuerySet
from schools.models import AuthorizedPickup, ClassGroup, Guardian, School, Student

__all__ = [
    "Attendance",
    "Leave",
    "LeaveCancellation",
    "Handover",
    "HandoverConfirmation",
    "PickupCode",
    "Release",
    "ReleaseRefusal",
    "CareTransfer",
    "CareAlert",
]


class AttendanceQuerySet(AppendOnlyQuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            obj.stamp_date()
        return super().bulk_create(objs, *args, **kwargs)


class Attendance(AppendOnlyModel):
    """One mark of one child in one session. The highest revision is the child's current status;
    a correction is the next revision (audited), the earlier marks stay.

    On PostgreSQL the table is partitioned by month of `date` (the session's date; migration
    0009, partitions made ahead by `safety.services.partitions`), so its primary key and unique
    constraints carry `date` and no foreign key points at a mark: nothing references attendance rows.
    Reads that know the session also filter on its date, so they touch one partition.
    """

    class Status(models.TextChoices):
        PRESENT = "present", _("present")
        ABSENT = "absent", _("absent")
        LATE = "late", _("late")
        LEFT_EARLY = "left_early", _("left early")
        ON_LEAVE = "on_leave", _("on leave")

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.PROTECT, related_name="attendance"
    )
    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.PROTECT, related_name="attendance"
    )
    # The session's date, copied: the partition key (a month per partition on PostgreSQL).
    date = models.DateField(_("date"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("marked by"), on_delete=models.PROTECT, related_name="+"
    )
    marked_at = models.DateTimeField(_("marked"))

    objects = AttendanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("attendance mark")
        verbose_name_plural = _("attendance marks")
        ordering = ["session_id", "student_id", "revision"]
        constraints = [
            # Two saves of the same roll at once: the session row lock serialises them, and this
            # stops a second "revision 2" if anything ever slipped past it. The date follows from the
            # session; it is here because a partitioned table's unique keys hold its partition key.
            models.UniqueConstraint(
                fields=["session", "student", "revision", "date"], name="attendance_one_mark_per_revision"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["present", "absent", "late", "left_early", "on_leave"]),
                name="attendance_status_valid",
            ),
            models.CheckConstraint(condition=models.Q(revision__gte=1), name="attendance_revision_positive"),
        ]
        indexes = [
            # A child's history (family page, school records by child): marks by student, newest first.
            models.Index(fields=["student", "-marked_at"], name="attendance_student_idx"),
        ]

    def __str__(self):
        return f"{self.student} · {self.session} · {self.status}"

    def stamp_date(self) -> None:
        """The partition key is the session's date, whoever builds the row."""
        if self.date is None:
            self.date = self.session.date

    def save(self, *args, **kwargs):
        self.stamp_date()
        super().save(*args, **kwargs)

    @property
    def is_correction(self) -> bool:
        return self.revision > 1


class Leave(AppendOnlyModel):
    """请假: a guardian tells the school ahead that the child will not come, for dates or for one
    session. Reported leave counts at once (the service is voluntary, H2); cancelling adds a
    LeaveCancellation."""

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.PROTECT, related_name="leaves"
    )
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    # Set: leave for this one session only (start = end = its date).
    session = models.ForeignKey(
        Session,
        verbose_name=_("session"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leaves",
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(_("reported"))

    class Meta:
        verbose_name = _("leave")
        verbose_name_plural = _("leave")
        ordering = ["-start", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="leave_code_unique"),
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="leave_dates_ordered"
            ),
            models.CheckConstraint(
                condition=models.Q(session__isnull=True) | models.Q(start=models.F("end")),
                name="leave_session_one_day",
            ),
        ]
        indexes = [
            # Roll call and the day's board: a set of children's leave overlapping a date.
            models.Index(fields=["student", "start", "end"], name="leave_student_dates_idx"),
        ]

    def __str__(self):
        return f"{self.student} {self.start}–{self.end}"


class LeaveCancellation(AppendOnlyModel):
    leave = models.OneToOneField(
        Leave, verbose_name=_("leave"), on_delete=models.PROTECT, related_name="cancellation"
    )
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("cancelled by"), on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("cancelled"))

    class Meta:
        verbose_name = _("leave cancellation")
        verbose_name_plural = _("leave cancellations")

    def __str__(self):
        return str(self.leave)


class Handover(AppendOnlyModel):
    """交接班: a teacher hands children over with a head count; the receiver confirms the count.

    - class: at service start the class teacher hands the children of their class expected in a
      session to the teacher holding it;
    - duty: the teacher holding a session hands the whole group to another teacher.
    """

    class Kind(models.TextChoices):
        CLASS = "class", _("class to service teacher")
        DUTY = "duty", _("change of duty teacher")

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.PROTECT, related_name="handovers"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    class_group = models.ForeignKey(
        ClassGroup, verbose_name=_("class"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("handed over by"), on_delete=models.PROTECT, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handed over to"),
        on_delete=models.PROTECT,
        related_name="handovers_received",
    )
    count = models.PositiveSmallIntegerField(_("head count handed over"))
    # What the records said at the time (placed, expected, not on leave): shown beside the counts.
    expected = models.PositiveSmallIntegerField(_("children expected"))
    given_at = models.DateTimeField(_("handed over"))

    class Meta:
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        ordering = ["session_id", "given_at"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="handover_code_unique"),
            # A class is handed to a session once; a wrong count shows up at confirmation.
            models.UniqueConstraint(
                fields=["session", "class_group"],
                condition=models.Q(kind="class"),
                name="handover_class_once_per_session",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["class", "duty"]), name="handover_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(kind="class", class_group__isnull=False)
                | models.Q(kind="duty", class_group__isnull=True),
                name="handover_class_matches_kind",
            ),
            models.CheckConstraint(
                condition=~models.Q(given_by=models.F("to_user")), name="handover_to_someone_else"
            ),
        ]
        indexes = [
            # The day's board, records and a receiver's pending confirmations: a school's handovers by date.
            models.Index(fields=["school", "given_at"], name="handover_school_idx"),
        ]

    def __str__(self):
        return f"{self.session} · {self.get_kind_display()} · {self.count}"


class HandoverConfirmation(AppendOnlyModel):
    handover = models.OneToOneField(
        Handover, verbose_name=_("handover"), on_delete=models.PROTECT, related_name="confirmation"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("confirmed by"), on_delete=models.PROTECT, related_name="+"
    )
    count = models.PositiveSmallIntegerField(_("head count received"))
    # The counts differ: recorded and flagged to the school admin (kept on the row for the records).
    mismatch = models.BooleanField(_("counts differ"))
    confirmed_at = models.DateTimeField(_("confirmed"))

    class Meta:
        verbose_name = _("handover confirmation")
        verbose_name_plural = _("handover confirmations")

    def __str__(self):
        return f"{self.handover} → {self.count}"


class PickupCode(models.Model):
    """A short code a guardian shows on the phone (or as a QR) at pick-up: random, single use,
    expiring, locked after repeated misses. Only an HMAC of the code is stored (never the code, not
    even in the guardian's session). Each guardian has at most one live code per child and revokes
    only their own."""

    # The row's public identifier (revoking it), not the pick-up code itself.
    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.PROTECT, related_name="pickup_codes"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued"))
    expires_at = models.DateTimeField(_("expires"))
    digest = models.CharField(_("code digest"), max_length=64, editable=False)
    misses = models.PositiveSmallIntegerField(_("wrong entries"), default=0)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    locked_at = models.DateTimeField(_("locked"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("replaced"), null=True, blank=True)

    class Meta:
        verbose_name = _("pick-up code")
        verbose_name_plural = _("pick-up codes")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="pickupcode_code_unique"),
            # Issuing a new code retires the guardian's old one first: at most one live code per
            # child and guardian; another guardian's code is theirs to revoke (F13).
            models.UniqueConstraint(
                fields=["student", "issued_by"],
                condition=models.Q(used_at__isnull=True, locked_at__isnull=True, revoked_at__isnull=True),
                name="pickupcode_one_live_per_child_and_issuer",
            ),
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("issued_at")),
                name="pickupcode_expires_after_issue",
            ),
        ]
        indexes = [
            # The gate's look-up by code: live codes with this digest.
            models.Index(fields=["digest"], name="pickupcode_digest_idx"),
        ]

    def __str__(self):
        return f"{self.student} {self.issued_at:%Y-%m-%d %H:%M}"


class Release(AppendOnlyModel):
    """放学交接: the child leaves the school's care at the end, once a day."""

    class To(models.TextChoices):
        GUARDIAN = "guardian", _("a guardian")
        PICKUP = "pickup", _("an authorised pick-up person")
        ALONE = "alone", _("goes home alone (written consent)")

    class Verification(models.TextChoices):
        CODE = "code", _("pick-up code")
        ID_LAST4 = "id_last4", _("last 4 ID digits")
        PHOTO = "photo", _("photo / known in person")
        CONSENT = "consent", _("guardian's written consent")

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.PROTECT, related_name="releases"
    )
    date = models.DateField(_("date"))
    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.PROTECT, related_name="releases"
    )
    to = models.CharField(_("released to"), max_length=10, choices=To.choices)
    guardian = models.ForeignKey(
        Guardian,
        verbose_name=_("guardian"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    pickup = models.ForeignKey(
        AuthorizedPickup,
        verbose_name=_("pick-up person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The person's name and relationship as they were at the time.
    person_name = models.CharField(_("person"), max_length=50, blank=True)
    person_relationship = models.CharField(_("relationship"), max_length=20, blank=True)
    verification = models.CharField(_("verified by"), max_length=10, choices=Verification.choices)
    pickup_code = models.ForeignKey(
        PickupCode,
        verbose_name=_("pick-up code"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("released by"), on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(_("released"))

    class Meta:
        verbose_name = _("release")
        verbose_name_plural = _("releases")
        ordering = ["-released_at"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="release_code_unique"),
            # One release per child per day; the service also locks the child's row first.
            models.UniqueConstraint(fields=["student", "date"], name="release_one_per_child_per_day"),
            models.CheckConstraint(
                condition=models.Q(to__in=["guardian", "pickup", "alone"]), name="release_to_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(verification__in=["code", "id_last4", "photo", "consent"]),
                name="release_verification_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(to="guardian", guardian__isnull=False, pickup__isnull=True)
                | models.Q(to="pickup", guardian__isnull=True, pickup__isnull=False)
                | models.Q(to="alone", guardian__isnull=True, pickup__isnull=True),
                name="release_person_matches_to",
            ),
            # Going home alone needs the guardian's written consent, and only that "verifies" it.
            models.CheckConstraint(
                condition=~models.Q(to="alone") | models.Q(verification="consent"),
                name="release_alone_by_consent",
            ),
            models.CheckConstraint(
                condition=models.Q(to="alone") | ~models.Q(verification="consent"),
                name="release_consent_only_alone",
            ),
            models.CheckConstraint(
                condition=~models.Q(verification="code") | models.Q(pickup_code__isnull=False),
                name="release_code_recorded",
            ),
        ]
        indexes = [
            # The still-here board and the school's records: a school's releases on a date.
            models.Index(fields=["school", "date"], name="release_school_date_idx"),
        ]

    def __str__(self):
        return f"{self.student} {self.date} → {self.person_name or self.get_to_display()}"


class ReleaseRefusal(AppendOnlyModel):
    """A person the teacher would not hand the child to: restricted, not valid today, or not on the
    child's list at all. Recorded and alerted to the school and the guardians at once."""

    class Reason(models.TextChoices):
        RESTRICTED = "restricted", _("restricted by the school")
        NOT_VALID = "not_valid", _("not valid today")
        UNKNOWN = "unknown", _("not on the child's list")

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.PROTECT, related_name="release_refusals"
    )
    date = models.DateField(_("date"))
    session = models.ForeignKey(
        Session, verbose_name=_("session"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pickup = models.ForeignKey(
        AuthorizedPickup,
        verbose_name=_("pick-up person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    person_name = models.CharField(_("person"), max_length=50)
    person_mobile = models.CharField(_("mobile number"), max_length=20, blank=True)
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    refused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("refused by"), on_delete=models.PROTECT, related_name="+"
    )
    refused_at = models.DateTimeField(_("refused"))

    class Meta:
        verbose_name = _("refused pick-up")
        verbose_name_plural = _("refused pick-ups")
        ordering = ["-refused_at"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="releaserefusal_code_unique"),
            models.CheckConstraint(
                condition=models.Q(reason__in=["restricted", "not_valid", "unknown"]),
                name="releaserefusal_reason_valid",
            ),
        ]
        indexes = [
            # The school's records and the board: a school's refusals on a date.
            models.Index(fields=["school", "date"], name="releaserefusal_school_idx"),
        ]

    def __str__(self):
        return f"{self.student} {self.date} ✗ {self.person_name}"


class CareTransfer(AppendOnlyModel):
    """The child moves from one session to another supervised group the same day: still in care,
    released later from the receiving session."""

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.PROTECT, related_name="care_transfers"
    )
    date = models.DateField(_("date"))
    from_session = models.ForeignKey(
        Session, verbose_name=_("from session"), on_delete=models.PROTECT, related_name="transfers_out"
    )
    to_session = models.ForeignKey(
        Session, verbose_name=_("to session"), on_delete=models.PROTECT, related_name="transfers_in"
    )
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("moved by"), on_delete=models.PROTECT, related_name="+"
    )
    moved_at = models.DateTimeField(_("moved"))

    class Meta:
        verbose_name = _("move to another group")
        verbose_name_plural = _("moves to another group")
        ordering = ["moved_at"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="caretransfer_code_unique"),
            models.UniqueConstraint(fields=["student", "from_session"], name="caretransfer_once_per_session"),
            models.CheckConstraint(
                condition=~models.Q(from_session=models.F("to_session")), name="caretransfer_to_another"
            ),
        ]
        indexes = [
            # The day's board and release lists: a school's moves on a date.
            models.Index(fields=["school", "date"], name="caretransfer_school_idx"),
        ]

    def __str__(self):
        return f"{self.student} {self.from_session_id} → {self.to_session_id}"


class CareAlert(AppendOnlyModel):
    """An alert raised about children in care; its key makes each one happen once however many
    workers or beat runs see it (the notifications to each recipient carry the key too)."""

    class Kind(models.TextChoices):
        ABSENT = "absent", _("expected child absent")
        HANDOVER_MISMATCH = "handover", _("handover count mismatch")
        REFUSED = "refused", _("pick-up refused")
        UNRELEASED = "unreleased", _("child not released")

    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    student = models.ForeignKey(
        Student, verbose_name=_("student"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    session = models.ForeignKey(
        Session, verbose_name=_("session"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    key = models.CharField(_("alert key"), max_length=200)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    created = models.DateTimeField(_("raised"), auto_now_add=True)

    class Meta:
        verbose_name = _("safety alert")
        verbose_name_plural = _("safety alerts")
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["key"], name="carealert_key_unique"),
            models.CheckConstraint(
                condition=models.Q(kind__in=["absent", "handover", "refused", "unreleased"]),
                name="carealert_kind_valid",
            ),
        ]
        indexes = [
            # The board and the records: a school's alerts on a date.
            models.Index(fields=["school", "date"], name="carealert_school_date_idx"),
        ]

    def __str__(self):
        return f"{self.date} {self.kind} {self.detail}"
