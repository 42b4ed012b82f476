import datetime
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schools.phones import mobile_normalise

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


class User(AbstractUser):
    """A person who signs in: parent, teacher, guard, school admin or bureau officer."""

    # Mainland mobile numbers, normalised to 11 digits; parents sign in with it.
    mobile = models.CharField(_("mobile number"), max_length=11, null=True, blank=True)
    must_change_password = models.BooleanField(_("must change password at next login"), default=False)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.UniqueConstraint(fields=["mobile"], name="user_mobile_unique"),
            models.CheckConstraint(
                condition=models.Q(language__in=LANGUAGE_CODES), name="user_language_valid"
            ),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """A person's name as pages show it: Chinese order (王老师), the username when none was given."""
        return self.get_full_name() or self.username

    def clean(self):
        super().clean()
        # F13: a username shaped like a mobile number names whoever holds that mobile at login
        # (schools.auth) and when a school adds a guardian by mobile; only the account's own
        # mobile number may be its username.
        try:
            as_mobile = mobile_normalise(self.username or "")
        except ValidationError:
            return
        if as_mobile != self.mobile:
            raise ValidationError(
                {
                    "username": ValidationError(
                        _("A username cannot be a mobile number other than the account's own."),
                        code="username_mobile",
                    )
                }
            )

    def get_full_name(self) -> str:
        # Chinese order: family name first, no space (王老师, 刘海燕).
        return f"{self.last_name}{self.first_name}".strip()


class Role(models.TextChoices):
    PARENT = "parent", _("parent")
    CLASS_TEACHER = "class_teacher", _("class teacher")
    SERVICE_TEACHER = "service_teacher", _("service teacher")
    GATE_GUARD = "gate_guard", _("gate guard")
    SCHOOL_ADMIN = "school_admin", _("school admin")
    BUREAU_OFFICER = "bureau_officer", _("bureau officer")


SCHOOL_ROLES = [Role.SERVICE_TEACHER, Role.GATE_GUARD, Role.SCHOOL_ADMIN]


def path_codes(path: str) -> list[str]:
    """The region codes in a reporting path as Region stores it, top down (see Region.chain_codes)."""
    return [c for c in path.split("/") if c]


class Region(models.Model):
    """An administrative region (GB/T 2260) and the bureau that oversees it."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("province")
        CITY = "city", _("city")
        COUNTY = "county", _("county")

    code = models.CharField(_("GB/T 2260 code"), max_length=12)
    name = models.CharField(_("name"), max_length=60)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("administrative parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # A county-level city administered directly by the province (省直管县, e.g. 巩义市) reports to the
    # province, not to the city it sits in: its bureau's data flows up that way.
    reports_to = models.ForeignKey(
        "self",
        verbose_name=_("reports to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reporting",
    )
    # Codes along the reporting chain, "/41/4101/410102/": a bureau sees every region whose path
    # starts with its own. The row's own path is derived in save() (below); the paths of the regions
    # reporting through it are refreshed by services.region_save / region_repath, never by hand.
    report_path = models.CharField(_("reporting path"), max_length=200, editable=False)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="region_code_unique"),
            models.CheckConstraint(
                condition=models.Q(level__in=["province", "city", "county"]), name="region_level_valid"
            ),
            # F13: scoping fails closed. An empty path is a prefix of every path (its bureau would
            # see the whole country), so the database refuses any path that is not "/…/<code>/"
            # without empty segments; schools.access also ignores such a path.
            models.CheckConstraint(
                condition=models.Q(report_path__startswith="/")
                & models.Q(report_path__endswith=Concat(Value("/"), "code", Value("/")))
                & ~models.Q(report_path__contains="//")
                & ~models.Q(code="")
                & ~models.Q(code__contains="/"),
                name="region_report_path_well_formed",
            ),
        ]
        indexes = [
            # Bureau scoping: regions (and their schools) under a reporting path prefix.
            models.Index(fields=["report_path"], name="region_report_path_idx"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # STYLE keeps side effects out of save(); this is none: it derives the row's own report_path
        # from its reporting chain, so no way of saving (admin, shell, fixtures, a service) can write
        # a stale or empty path, which would widen a bureau officer's scope. It writes no other row:
        # the regions reporting through this one are re-pathed by services.region_repath.
        self.report_path = self.reporting_chain_path()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "report_path" not in update_fields:
            kwargs["update_fields"] = {*update_fields, "report_path"}
        super().save(*args, **kwargs)

    @property
    def chain_codes(self) -> list[str]:
        """The region codes on the reporting chain, top down: "/41/4101/410102/" gives
        ["41", "4101", "410102"] (the region's own code last)."""
        return path_codes(self.report_path)

    def reporting_chain_path(self) -> str:
        """The path the reporting chain gives this row: the codes from the top down to its own."""
        codes, node, seen = [], self, set()
        while node is not None and (node.pk is None or node.pk not in seen):
            seen.add(node.pk)
            codes.append(node.code)
            node = node.reports_to
        return "/" + "/".join(reversed(codes)) + "/"


class School(models.Model):
    class Stage(models.TextChoices):
        PRIMARY = "primary", _("primary school")
        JUNIOR = "junior", _("junior secondary school")
        NINE_YEAR = "nine_year", _("nine-year school")

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    # 学校标识码: the Ministry's 10-digit school identifier.
    identifier = models.CharField(
        _("school identifier"),
        max_length=10,
        validators=[RegexValidator(r"^\d{10}$", _("The school identifier has 10 digits."))],
    )
    name = models.CharField(_("name"), max_length=100)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, default=Stage.PRIMARY)
    region = models.ForeignKey(
        Region, verbose_name=_("county"), on_delete=models.PROTECT, related_name="schools"
    )
    # H1: a school that cannot offer the service this term explains why to parents.
    offers_service = models.BooleanField(_("offers the service this term"), default=True)
    no_service_explanation = models.TextField(_("explanation to parents"), blank=True)

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["region__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="school_code_unique"),
            models.UniqueConstraint(fields=["identifier"], name="school_identifier_unique"),
            models.CheckConstraint(
                condition=models.Q(stage__in=["primary", "junior", "nine_year"]), name="school_stage_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(offers_service=True) | ~models.Q(no_service_explanation=""),
                name="school_explains_no_service",
            ),
        ]

    def __str__(self):
        return self.name


GRADE_NAMES = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九"}


class ClassGroup(models.Model):
    """A school class (行政班), e.g. 三年级(1)班. Its class teacher is a Membership."""

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="classes"
    )
    grade = models.PositiveSmallIntegerField(_("grade"))
    number = models.PositiveSmallIntegerField(_("class number"))
    # F15: the school year in which the class graduated (学年升级 of its top grade); a graduated
    # class keeps its grade and children as history and frees its name for the class moving up.
    graduated_in = models.PositiveSmallIntegerField(_("graduated in school year"), null=True, blank=True)

    class Meta:
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        ordering = ["school_id", "grade", "number"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="classgroup_code_unique"),
            models.UniqueConstraint(
                fields=["school", "grade", "number"],
                condition=models.Q(graduated_in__isnull=True),
                name="classgroup_unique_in_school",
            ),
            models.CheckConstraint(
                condition=models.Q(grade__gte=1, grade__lte=9), name="classgroup_grade_1_9"
            ),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="classgroup_number_positive"),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        return class_display_name(self.grade, self.number)


def class_display_name(grade: int, number: int) -> str:
    return f"{GRADE_NAMES.get(grade, grade)}年级({number})班"


class LeaveReason(models.TextChoices):
    GRADUATED = "graduated", _("graduated")
    TRANSFERRED = "transferred", _("transferred to another school")
    LEFT = "left", _("left school")


class Student(models.Model):
    class Gender(models.TextChoices):
        MALE = "M", _("male")
        FEMALE = "F", _("female")

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    # Denormalised from the class so that every scope query is one join shorter; services keep
    # it equal to class_group.school.
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="students"
    )
    class_group = models.ForeignKey(
        ClassGroup, verbose_name=_("class"), on_delete=models.PROTECT, related_name="students"
    )
    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    # 全国学籍号: G + the 18-character ID number when the child has one (check digit validated).
    student_number = models.CharField(_("national student number"), max_length=20)
    birth_date = models.DateField(_("birth date"))
    # M2: priority groups served first (留守儿童, 进城务工人员随迁子女, other groups in need).
    left_behind = models.BooleanField(_("left-behind child"), default=False)
    migrant = models.BooleanField(_("child of migrant workers"), default=False)
    low_income = models.BooleanField(_("low-income family"), default=False)
    disability = models.BooleanField(_("disability"), default=False)
    other_priority_note = models.CharField(_("other need (note)"), max_length=200, blank=True)
    active = models.BooleanField(_("enrolled"), default=True)
    # F15: when and why a child left the school; the retention clock (privacy.retention) starts on
    # left_on. Empty while enrolled.
    left_on = models.DateField(_("left school on"), null=True, blank=True)
    left_reason = models.CharField(
        _("reason for leaving"), max_length=12, choices=LeaveReason.choices, blank=True
    )

    class Meta:
        verbose_name = _("student")
        verbose_name_plural = _("students")
        ordering = ["class_group__grade", "class_group__number", "name"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="student_code_unique"),
            models.UniqueConstraint(fields=["student_number"], name="student_number_unique"),
            models.CheckConstraint(condition=models.Q(gender__in=["M", "F"]), name="student_gender_valid"),
            models.CheckConstraint(
                condition=models.Q(left_reason__in=["", "graduated", "transferred", "left"]),
                name="student_left_reason_valid",
            ),
            # A child who left has a date and a reason; an enrolled child has neither.
            models.CheckConstraint(
                condition=models.Q(active=True, left_on__isnull=True, left_reason="")
                | models.Q(active=False, left_on__isnull=False) & ~models.Q(left_reason="")
                | models.Q(active=False, left_on__isnull=True, left_reason=""),
                name="student_left_matches_active",
            ),
        ]
        indexes = [
            # Class rosters: a class's students by name.
            models.Index(fields=["class_group", "name"], name="student_class_name_idx"),
            # School lists and search by name.
            models.Index(fields=["school", "name"], name="student_school_name_idx"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_priority(self) -> bool:
        return bool(
            self.left_behind or self.migrant or self.low_income or self.disability or self.other_priority_note
        )

    @property
    def masked_student_number(self) -> str:
        return mask_tail(self.student_number)


def mask_tail(value: str, keep: int = 4) -> str:
    """Show only the last digits of an identifier (PIPL: minors' ID numbers are sensitive)."""
    if not value:
        return ""
    return "*" * max(len(value) - keep, 0) + value[-keep:]


class Guardian(models.Model):
    """A parent or other guardian; signs in with their mobile number."""

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.PROTECT, related_name="guardian"
    )
    name = models.CharField(_("name"), max_length=50)
    mobile = models.CharField(_("mobile number"), max_length=11)
    students = models.ManyToManyField(
        Student, through="Guardianship", related_name="guardians", verbose_name=_("children")
    )

    class Meta:
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="guardian_code_unique"),
            models.UniqueConstraint(fields=["mobile"], name="guardian_mobile_unique"),
        ]

    def __str__(self):
        return self.name


class Guardianship(models.Model):
    """A guardian of a child. The school may restrict one (e.g. a court order: they may not collect
    the child or see the child's pages) or end the guardianship; the row stays as history."""

    guardian = models.ForeignKey(Guardian, verbose_name=_("guardian"), on_delete=models.PROTECT)
    student = models.ForeignKey(Student, verbose_name=_("student"), on_delete=models.PROTECT)
    relationship = models.CharField(_("relationship"), max_length=20)
    restricted = models.BooleanField(_("restricted by the school"), default=False)
    restriction_reason = models.CharField(_("reason for the restriction"), max_length=200, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    ended_reason = models.CharField(_("reason for ending"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("guardianship")
        verbose_name_plural = _("guardianships")
        constraints = [
            models.UniqueConstraint(fields=["guardian", "student"], name="guardianship_unique"),
            models.CheckConstraint(
                condition=models.Q(restricted=False) | ~models.Q(restriction_reason=""),
                name="guardianship_restriction_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True) | ~models.Q(ended_reason=""),
                name="guardianship_end_has_reason",
            ),
        ]
        indexes = [
            # A child's guardians (pick-up checks, notifications).
            models.Index(fields=["student"], name="guardianship_student_idx"),
        ]

    def __str__(self):
        return f"{self.guardian} – {self.student} ({self.relationship})"

    @property
    def active(self) -> bool:
        """May collect the child and see the child's pages: neither restricted nor ended."""
        return not self.restricted and self.ended_at is None


def _next_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))


class AuthorizedPickupQuerySet(models.QuerySet):
    """Pick-up validity, the one home of the rule (AuthorizedPickup.state_on is the same in Python).

    A person's state on a day, first match wins: restricted (by the school), ended (the guardian or
    school ended them on or before that day), expired (past valid_until), upcoming (before
    valid_from), valid. Only "valid" may collect the child."""

    @staticmethod
    def state_expression(day: datetime.date) -> models.Case:
        return models.Case(
            models.When(restricted=True, then=Value("restricted")),
            models.When(ended_at__lt=_next_midnight(day), then=Value("ended")),
            models.When(valid_until__lt=day, then=Value("expired")),
            models.When(valid_from__gt=day, then=Value("upcoming")),
            default=Value("valid"),
            output_field=models.CharField(),
        )

    def state_on(self, day: datetime.date):
        """Each person annotated with `state` as of this day."""
        return self.annotate(state=self.state_expression(day))

    def valid_on(self, day: datetime.date):
        """The persons who may collect the child on this day."""
        return self.alias(pickup_state_on=self.state_expression(day)).filter(pickup_state_on="valid")


class AuthorizedPickup(models.Model):
    """A person a guardian allows to collect the child; a school may restrict one (with a reason)."""

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.PROTECT, related_name="pickups"
    )
    name = models.CharField(_("name"), max_length=50)
    relationship = models.CharField(_("relationship"), max_length=20)
    mobile = models.CharField(_("mobile number"), max_length=11)
    id_last4 = models.CharField(
        _("last 4 characters of ID number"),
        max_length=4,
        validators=[RegexValidator(r"^\d{3}[\dX]$", _("Enter the last 4 characters of the ID number."))],
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(_("added"), auto_now_add=True)
    # Ending keeps the row (history); the person is no longer valid from that day on.
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    restricted = models.BooleanField(_("restricted by the school"), default=False)
    restriction_reason = models.CharField(_("reason for the restriction"), max_length=200, blank=True)

    objects = AuthorizedPickupQuerySet.as_manager()

    class Meta:
        verbose_name = _("authorised pick-up person")
        verbose_name_plural = _("authorised pick-up persons")
        ordering = ["student_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="authorizedpickup_code_unique"),
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="authorizedpickup_valid_range",
            ),
            models.CheckConstraint(
                condition=models.Q(restricted=False) | ~models.Q(restriction_reason=""),
                name="authorizedpickup_restriction_has_reason",
            ),
        ]
        indexes = [
            # A child's pick-up list and the gate's lookup by mobile number.
            models.Index(fields=["student", "valid_from"], name="pickup_student_idx"),
            models.Index(fields=["mobile"], name="pickup_mobile_idx"),
        ]

    def __str__(self):
        return f"{self.name} ({self.relationship})"

    def state_on(self, day: datetime.date) -> str:
        """AuthorizedPickupQuerySet.state_on for a loaded row: restricted, ended, expired, upcoming, valid."""
        if self.restricted:
            return "restricted"
        if self.ended_at is not None and self.ended_at < _next_midnight(day):
            return "ended"
        if self.valid_until is not None and self.valid_until < day:
            return "expired"
        if self.valid_from > day:
            return "upcoming"
        return "valid"

    def is_valid_on(self, day: datetime.date) -> bool:
        """May collect the child on this day: not restricted, not ended, within the dates."""
        return self.state_on(day) == "valid"


class Membership(models.Model):
    """A staff role with its scope: a region for bureaus, a school for staff, a class for class teachers."""

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    school = models.ForeignKey(
        School,
        verbose_name=_("school"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    class_group = models.ForeignKey(
        ClassGroup,
        verbose_name=_("class"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["role", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="membership_code_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role if r != Role.PARENT]),
                name="membership_role_valid",
            ),
            # Each role carries exactly the scope it needs.
            models.CheckConstraint(
                condition=(
                    models.Q(
                        role="bureau_officer",
                        region__isnull=False,
                        school__isnull=True,
                        class_group__isnull=True,
                    )
                    | models.Q(
                        role="class_teacher",
                        region__isnull=True,
                        school__isnull=False,
                        class_group__isnull=False,
                    )
                    | models.Q(
                        role__in=["service_teacher", "gate_guard", "school_admin"],
                        region__isnull=True,
                        school__isnull=False,
                        class_group__isnull=True,
                    )
                ),
                name="membership_scope_matches_role",
            ),
            # One class teacher (班主任) per class.
            models.UniqueConstraint(
                fields=["class_group"],
                condition=models.Q(role="class_teacher"),
                name="membership_one_class_teacher",
            ),
            models.UniqueConstraint(
                fields=["user", "region"],
                condition=models.Q(role="bureau_officer"),
                name="membership_unique_bureau",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "school"],
                condition=models.Q(role__in=["service_teacher", "gate_guard", "school_admin"]),
                name="membership_unique_school_role",
            ),
        ]

    def __str__(self):
        scope = self.class_group or self.school or self.region
        return f"{self.user} · {self.get_role_display()} · {scope}"


# --- roster import (schools/roster/) -------------------------------------------------------


class RosterImport(models.Model):
    """One uploaded roster file (花名册): checked first (a dry run), then imported all or nothing."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("checked, waiting for confirmation")
        COLUMNS = "columns", _("waiting for the columns to be chosen")
        REJECTED = "rejected", _("rejected")
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("importing")
        DONE = "done", _("imported")
        FAILED = "failed", _("failed")

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="roster_imports"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    # The file holds children's personal data: it lives under MEDIA_ROOT/imports/ (never served)
    # and is deleted once the import is done or rejected.
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", blank=True)
    original_name = models.CharField(_("file name"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PREVIEWED)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows checked"), default=0)
    # [{"row": spreadsheet row or null for the whole file, "column": header or "", "message": …}]
    errors = models.JSONField(_("errors"), default=list, blank=True)
    # Which column feeds which field (schools.roster.columns.ColumnPlan.as_dict), with the school
    # admin's choice where a header was ambiguous: the confirmed import reads the file the same way.
    column_plan = models.JSONField(_("columns"), default=dict, blank=True)
    # What the preview found would be created, then what the import did create.
    preview_counts = models.JSONField(_("preview counts"), default=dict, blank=True)
    created_counts = models.JSONField(_("created counts"), default=dict, blank=True)
    # F15: a re-import updates: the codes of the school's enrolled children missing from the file
    # (shown in the preview), and those the admin ticked as having left school at confirmation.
    change_counts = models.JSONField(_("changes to stored children"), default=dict, blank=True)
    missing = models.JSONField(_("children missing from the file"), default=list, blank=True)
    marked_left = models.JSONField(_("children marked as left"), default=list, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created = models.DateTimeField(_("uploaded"), auto_now_add=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="rosterimport_code_unique"),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["previewed", "columns", "rejected", "queued", "running", "done", "failed"]
                ),
                name="rosterimport_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(processed_rows__lte=models.F("total_rows")),
                name="rosterimport_progress_within_total",
            ),
        ]
        indexes = [
            # The upload page: a school's recent imports, newest first.
            models.Index(fields=["school", "-created"], name="rosterimport_school_idx"),
        ]

    def __str__(self):
        return self.original_name

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(self.processed_rows * 100 / self.total_rows) if self.total_rows else 0

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


# --- the school year (schools/rollover.py) ----------------------------------------------------


class SchoolYearRollover(models.Model):
    """One year rollover (学年升级) of a school: classes moved up, the top grade graduated. One per
    school and school year, so a second run finds the row and changes nothing."""

    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="rollovers"
    )
    # The school year that begins (schools.schoolyear.school_year): 2027 for the rollover into 2027–28.
    year = models.PositiveSmallIntegerField(_("school year"))
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("run by"), on_delete=models.PROTECT, related_name="+"
    )
    run_at = models.DateTimeField(_("run at"), auto_now_add=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)

    class Meta:
        verbose_name = _("school year rollover")
        verbose_name_plural = _("school year rollovers")
        ordering = ["-year", "school_id"]
        constraints = [
            models.UniqueConstraint(fields=["school", "year"], name="schoolyearrollover_once_a_year"),
        ]

    def __str__(self):
        return f"{self.school} {self.year}"


class SchoolLeaving(models.Model):
    """A child leaving a school (graduated, transferred out, left): the school's own record of it,
    kept when the child's record moves to another school."""

    student = models.ForeignKey(
        "Student", verbose_name=_("student"), on_delete=models.PROTECT, related_name="leavings"
    )
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="leavings"
    )
    class_name = models.CharField(_("class"), max_length=30)
    left_on = models.DateField(_("left school on"))
    reason = models.CharField(_("reason for leaving"), max_length=12, choices=LeaveReason.choices)
    to_school = models.ForeignKey(
        School,
        verbose_name=_("to school"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("school leaving")
        verbose_name_plural = _("school leavings")
        ordering = ["-left_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reason__in=["graduated", "transferred", "left"]),
                name="schoolleaving_reason_valid",
            ),
        ]
        indexes = [models.Index(fields=["school", "-left_on"], name="schoolleaving_school_idx")]

    def __str__(self):
        return f"{self.student} {self.get_reason_display()} {self.left_on}"


# --- login throttling (schools/lockout.py) ---------------------------------------------------


class LoginLockout(models.Model):
    """One lockout of a login (django-axes): the next one within a day lasts twice as long."""

    # schools.auth.login_key: the account's username, or the folded spelling of an unknown login.
    key = models.CharField(_("login"), max_length=255)
    locked_at = models.DateTimeField(_("locked at"))
    locked_until = models.DateTimeField(_("locked until"))

    class Meta:
        verbose_name = _("login lockout")
        verbose_name_plural = _("login lockouts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(locked_until__gt=models.F("locked_at")),
                name="loginlockout_ends_after_start",
            ),
        ]
        indexes = [
            # The cool-off of a login: its lockouts of the last day.
            models.Index(fields=["key", "locked_at"], name="loginlockout_key_idx"),
            # Forgetting lockouts older than a day.
            models.Index(fields=["locked_at"], name="loginlockout_locked_at_idx"),
        ]

    def __str__(self):
        return f"{self.key} {self.locked_at:%Y-%m-%d %H:%M}"


# --- account activation (schools/activation.py) ----------------------------------------------


class ActivationCode(models.Model):
    """A one-time code with which a person activates their account (or sets a new password): the
    first sign-in of an imported parent or a staff account a school admin created, and the
    forgotten-password path. Only an HMAC of the code is kept; it is shown once (slip, SMS)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="activation_codes",
    )
    digest = models.CharField(max_length=64, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(_("issued"))
    expires_at = models.DateTimeField(_("expires"))
    # Wrong codes typed for this account while this code was live; at the limit it stops working.
    failures = models.PositiveSmallIntegerField(_("wrong attempts"), default=0)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    # Replaced by a new code, or locked after too many wrong attempts.
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("activation code")
        verbose_name_plural = _("activation codes")
        constraints = [
            # One live code per account: a reissue revokes the previous one in the same transaction.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(used_at__isnull=True, revoked_at__isnull=True),
                name="activationcode_one_open_per_user",
            ),
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created")), name="activationcode_expires_after"
            ),
        ]

    def __str__(self):
        return f"{self.user} {self.created:%Y-%m-%d}"


class GuardianLink(models.Model):
    """A school asks an existing account (by its mobile number) to become a child's guardian. Until
    the account holder accepts on their home page there is no Guardianship: no access to the child,
    and the school sees only the masked mobile number, never the account holder's name."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for the parent's confirmation")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.PROTECT, related_name="guardian_links"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="guardian_links",
    )
    mobile = models.CharField(_("mobile number"), max_length=11)
    relationship = models.CharField(_("relationship"), max_length=20)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created = models.DateTimeField(_("requested"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("guardian link request")
        verbose_name_plural = _("guardian link requests")
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="guardianlink_code_unique"),
            models.UniqueConstraint(
                fields=["student", "user"],
                condition=models.Q(status="pending"),
                name="guardianlink_one_pending",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "accepted", "declined"]),
                name="guardianlink_status_valid",
            ),
        ]
        indexes = [
            # A parent's home page: the requests waiting for them.
            models.Index(fields=["user", "status"], name="guardianlink_user_idx"),
            # A child's record at the school: its pending requests.
            models.Index(fields=["student", "status"], name="guardianlink_student_idx"),
        ]

    def __str__(self):
        return f"{mask_tail(self.mobile)} → {self.student}"

    @property
    def masked_mobile(self) -> str:
        return (
            f"{self.mobile[:3]}****{self.mobile[-4:]}" if len(self.mobile) == 11 else mask_tail(self.mobile)
        )
