"""What the service consists of, where and when (M1, M3, H2, H3)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from schools.models import Region, School


class Category(models.TextChoices):
    """M3/H2: the closed list of content. Schools cannot add to it."""

    HOMEWORK = "homework", _("supervised homework")
    READING = "reading", _("independent reading")
    SPORTS = "sports", _("sports")
    ARTS = "arts", _("arts")
    SCIENCE = "science", _("science")
    GAMES = "games", _("games and play")
    OUTDOOR = "outdoor", _("outdoor and expansion training")
    CLUBS = "clubs", _("clubs and interest groups")
    FILMS = "films", _("child-appropriate films")
    TUTORING = "tutoring", _("free tutoring for students with difficulties")
    PIONEERS = "pioneers", _("Youth League / Young Pioneers")
    LABOUR = "labour", _("campus labour")
    PRACTICE = "practice", _("social and comprehensive practice")


class VenueKind(models.TextChoices):
    """H2: the school facilities the Henan notice names, plus classrooms and approved sites."""

    LIBRARY = "library", _("library")
    READING_ROOM = "reading_room", _("reading room")
    GYM = "gym", _("gym")
    SPORTS_FIELD = "sports_field", _("sports field")
    COMPUTER_ROOM = "computer_room", _("computer room")
    FUNCTION_ROOM = "function_room", _("function room")
    CLASSROOM = "classroom", _("classroom")
    OFF_CAMPUS = "off_campus", _("approved off-campus site")


class RegionPolicy(models.Model):
    """What a bureau sets for the schools under it (M1: 具体课后服务时间由各地确定).

    The nearest region along a school's reporting chain that sets a value wins.
    """

    region = models.OneToOneField(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="policy"
    )
    earliest_end = models.TimeField(_("earliest allowed end of the service day"), null=True, blank=True)
    latest_end = models.TimeField(_("latest allowed end of the service day"), null=True, blank=True)
    weekdays = models.CharField(
        _("service weekdays"),
        max_length=7,
        blank=True,
        help_text=_("ISO weekday numbers (1 = Monday); empty: inherited, else no limit."),
    )
    tutoring_max_group = models.PositiveSmallIntegerField(
        _("largest tutoring group"),
        null=True,
        blank=True,
        help_text=_("Free tutoring is for small groups only."),
    )
    extra_terms = models.TextField(
        _("further words that mark extra lessons"),
        blank=True,
        help_text=_("One per line; added to the national list (补课, 新课, 超前学习 …)."),
    )
    watch_terms = models.TextField(
        _("words that send an activity to the bureau's review"),
        blank=True,
        help_text=_("One per line; added to the national list (同步辅导, 衔接, 预习, 提高班)."),
    )

    class Meta:
        verbose_name = _("region policy")
        verbose_name_plural = _("region policies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(tutoring_max_group__isnull=True) | models.Q(tutoring_max_group__gte=1),
                name="regionpolicy_tutoring_positive",
            ),
        ]

    def __str__(self):
        return str(self.region)


class TermQuerySet(models.QuerySet):
    def archived_on(self, day):
        """F15: terms whose last day is before `day`: read-only from the day after their end."""
        return self.filter(end__lt=day)

    def live_on(self, day):
        """F15: terms not archived on `day` (running or still to come)."""
        return self.filter(end__gte=day)


class Term(models.Model):
    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="terms"
    )
    name = models.CharField(_("name"), max_length=60, help_text=_("e.g. 2026年秋季学期"))
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    # ISO weekdays the service runs, e.g. "12345" for Monday to Friday.
    weekdays = models.CharField(_("service weekdays"), max_length=7, default="12345")
    day_start = models.TimeField(_("service starts"))
    day_end = models.TimeField(_("service ends"))

    objects = TermQuerySet.as_manager()

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["-start"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="term_code_unique"),
            models.UniqueConstraint(fields=["school", "name"], name="term_name_unique_in_school"),
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="term_dates_ordered"),
            models.CheckConstraint(
                condition=models.Q(day_end__gt=models.F("day_start")), name="term_window_ordered"
            ),
            models.CheckConstraint(
                condition=models.Q(weekdays__regex=r"^[1-7]{1,7}$"), name="term_weekdays_valid"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def weekday_set(self) -> set[int]:
        return {int(d) for d in self.weekdays}

    def archived_on(self, day) -> bool:
        """F15: a term is archived (read-only) from the day after its last day. Nothing stores it:
        the release of a child on the last day still works that day, and the term locks at midnight."""
        return self.end < day


class Closure(models.Model):
    """A day the school itself closes the service (sports day, exam, weather)."""

    term = models.ForeignKey(Term, verbose_name=_("term"), on_delete=models.CASCADE, related_name="closures")
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=100)

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["term", "date"], name="closure_unique_day")]

    def __str__(self):
        return f"{self.date} {self.reason}"


class MakeupDay(models.Model):
    """An official make-up working day (调休) and whose weekday timetable the school runs on it."""

    term = models.ForeignKey(
        Term, verbose_name=_("term"), on_delete=models.CASCADE, related_name="makeup_days"
    )
    date = models.DateField(_("date"))
    runs_as = models.PositiveSmallIntegerField(_("runs the timetable of"))  # ISO weekday 1-5

    class Meta:
        verbose_name = _("make-up working day")
        verbose_name_plural = _("make-up working days")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["term", "date"], name="makeupday_unique_day"),
            models.CheckConstraint(
                condition=models.Q(runs_as__gte=1, runs_as__lte=7), name="makeupday_weekday"
            ),
        ]

    def __str__(self):
        return str(self.date)


class OfficialYear(models.Model):
    """The State Council's schedule of public holidays and make-up working days for one year
    (国务院办公厅关于某年部分节假日安排的通知), as a province officer entered it. It overrides the
    holiday libraries for its year; a year without one is "unconfirmed"."""

    year = models.PositiveSmallIntegerField(_("year"))
    notice_title = models.CharField(_("notice title"), max_length=200)
    notice_number = models.CharField(_("notice number"), max_length=60, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("entered"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    # Counts saves: part of the notifications' dedupe keys, so each correction is told once.
    revision = models.PositiveIntegerField(_("revision"), default=1)

    class Meta:
        verbose_name = _("official holiday schedule")
        verbose_name_plural = _("official holiday schedules")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["year"], name="officialyear_year_unique"),
            models.CheckConstraint(
                condition=models.Q(year__gte=2000, year__lte=2100), name="officialyear_year_range"
            ),
        ]

    def __str__(self):
        return str(self.year)


class OfficialDay(models.Model):
    """One day of a year's schedule: a public holiday, or a make-up working day (调休上班) that runs
    the timetable of the weekday it swaps with."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("public holiday")
        WORKDAY = "workday", _("make-up working day")

    schedule = models.ForeignKey(
        OfficialYear, verbose_name=_("schedule"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("holiday"), max_length=40, blank=True, help_text=_("e.g. 春节, 劳动节"))
    runs_as = models.PositiveSmallIntegerField(_("runs the timetable of"), null=True, blank=True)

    class Meta:
        verbose_name = _("official calendar day")
        verbose_name_plural = _("official calendar days")
        ordering = ["date"]
        constraints = [
            # A date belongs to one year's schedule only, and appears there once.
            models.UniqueConstraint(fields=["date"], name="officialday_date_unique"),
            models.CheckConstraint(
                condition=models.Q(kind__in=["holiday", "workday"]), name="officialday_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(kind="holiday", runs_as__isnull=True)
                | models.Q(kind="workday", runs_as__gte=1, runs_as__lte=5),
                name="officialday_runs_as",
            ),
        ]

    def __str__(self):
        return f"{self.date} {self.name or self.get_kind_display()}"


class Venue(models.Model):
    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="venues"
    )
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=20, choices=VenueKind.choices)
    capacity = models.PositiveIntegerField(_("capacity"))
    address = models.CharField(_("address (off-campus sites)"), max_length=200, blank=True)
    safety_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("safety officer"), on_delete=models.PROTECT, related_name="+"
    )
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["school_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="venue_code_unique"),
            models.UniqueConstraint(fields=["school", "name"], name="venue_name_unique_in_school"),
            models.CheckConstraint(condition=models.Q(kind__in=VenueKind.values), name="venue_kind_valid"),
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="venue_capacity_positive"),
        ]

    def __str__(self):
        return self.name


class Provider(models.Model):
    """The register of qualified providers (有资质的机构, M2) a region keeps."""

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="providers"
    )
    name = models.CharField(_("name"), max_length=100)
    licence = models.CharField(_("licence number"), max_length=60)
    qualification = models.CharField(_("qualification"), max_length=200)
    # F17: what the provider may offer (经营范围 / 服务范围), as its licence states it.
    scope = models.TextField(_("scope of service"), blank=True)
    valid_until = models.DateField(_("qualification valid until"))
    contact = models.CharField(_("contact"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("qualified provider")
        verbose_name_plural = _("qualified providers")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="provider_code_unique"),
            models.UniqueConstraint(fields=["licence"], name="provider_licence_unique"),
        ]

    def __str__(self):
        return self.name


class Review(models.TextChoices):
    """F17: where an activity stands in the bureau's content review."""

    NONE = "", _("not needed")
    HELD = "held", _("held for the bureau's review")
    APPROVED = "approved", _("approved by the bureau")
    REJECTED = "rejected", _("rejected by the bureau")


class Activity(models.Model):
    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="activities"
    )
    title = models.CharField(_("title"), max_length=100)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    description = models.TextField(_("description"), blank=True)
    # Empty: led by the school's own staff.
    provider = models.ForeignKey(
        Provider,
        verbose_name=_("provider"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    off_campus = models.BooleanField(_("off campus"), default=False)
    film_title = models.CharField(_("film title"), max_length=100, blank=True)
    film_age_rating = models.CharField(_("suitable for ages"), max_length=40, blank=True)
    active = models.BooleanField(_("offered"), default=True)
    # F17: text with words that suggest disguised lessons is held for the bureau's review.
    review = models.CharField(
        _("content review"), max_length=10, choices=Review.choices, default=Review.NONE, blank=True
    )
    review_words = models.CharField(_("words under review"), max_length=200, blank=True)
    review_explanation = models.TextField(_("the school's explanation"), blank=True)
    review_note = models.TextField(_("the bureau's note"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["school_id", "category", "title"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="activity_code_unique"),
            models.UniqueConstraint(fields=["school", "title"], name="activity_title_unique_in_school"),
            models.CheckConstraint(
                condition=models.Q(category__in=Category.values), name="activity_category_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(category="films") | ~models.Q(film_title=""),
                name="activity_film_has_title",
            ),
            models.CheckConstraint(
                condition=models.Q(review__in=Review.values), name="activity_review_valid"
            ),
        ]

    def __str__(self):
        return self.title


class OffCampusChecklist(models.Model):
    """M4: before an off-campus activity runs, traffic, venue, fire, food and security are checked
    and the bureau is told."""

    activity = models.OneToOneField(
        Activity, verbose_name=_("activity"), on_delete=models.PROTECT, related_name="checklist"
    )
    traffic = models.BooleanField(_("traffic safety checked"), default=False)
    venue = models.BooleanField(_("venue safety checked"), default=False)
    fire = models.BooleanField(_("fire safety checked"), default=False)
    food = models.BooleanField(_("food hygiene checked"), default=False)
    security = models.BooleanField(_("security checked"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("completed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    # F12: when the school first recorded its coordination with the departments concerned
    # (safety.OffCampusCoordination). The gate opens with both this and the completed checklist.
    coordinated_at = models.DateTimeField(_("coordination recorded"), null=True, blank=True)

    class Meta:
        verbose_name = _("off-campus safety checklist")
        verbose_name_plural = _("off-campus safety checklists")

    def __str__(self):
        return str(self.activity)

    @property
    def complete(self) -> bool:
        return self.completed_at is not None

    @property
    def gate_open(self) -> bool:
        """F12: the activity may take applications, get sessions and be roll-called."""
        return self.completed_at is not None and self.coordinated_at is not None


class ActivityGroup(models.Model):
    """One running group of an activity in a term: who leads it, where, for which grades, how many."""

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.PROTECT, related_name="groups"
    )
    term = models.ForeignKey(Term, verbose_name=_("term"), on_delete=models.PROTECT, related_name="groups")
    name = models.CharField(_("name"), max_length=60)
    # F15: empty only on a group copied from an earlier term whose lead left the school; a lead
    # must be chosen before the group gets sessions.
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lead teacher"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_groups",
    )
    assistants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("assistants"), blank=True, related_name="assisted_groups"
    )
    venue = models.ForeignKey(Venue, verbose_name=_("venue"), on_delete=models.PROTECT, related_name="groups")
    # Eligible grades as digits, e.g. "123" for grades 1 to 3.
    grades = models.CharField(_("grades"), max_length=9)
    capacity = models.PositiveIntegerField(_("capacity"))
    # F15: a group copied into a new term waits for the school admin to confirm it (or save it)
    # before its sessions are generated.
    sessions_pending = models.BooleanField(_("sessions not yet generated"), default=False)

    class Meta:
        verbose_name = _("activity group")
        verbose_name_plural = _("activity groups")
        ordering = ["term_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="activitygroup_code_unique"),
            models.UniqueConstraint(fields=["term", "name"], name="activitygroup_name_unique_in_term"),
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1), name="activitygroup_capacity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(grades__regex=r"^[1-9]{1,9}$"), name="activitygroup_grades"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def grade_list(self) -> list[int]:
        return sorted(int(g) for g in self.grades)


class Slot(models.Model):
    """A weekly time slot of a group: ISO weekday, start and end."""

    group = models.ForeignKey(
        ActivityGroup, verbose_name=_("group"), on_delete=models.CASCADE, related_name="slots"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"))
    start = models.TimeField(_("starts"))
    end = models.TimeField(_("ends"))

    class Meta:
        verbose_name = _("weekly slot")
        verbose_name_plural = _("weekly slots")
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weekday__gte=1, weekday__lte=7), name="slot_weekday_valid"
            ),
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="slot_times_ordered"),
            models.UniqueConstraint(fields=["group", "weekday", "start"], name="slot_unique_in_group"),
        ]

    def __str__(self):
        return f"{self.weekday} {self.start:%H:%M}-{self.end:%H:%M}"


class Session(models.Model):
    """One meeting of a group on one date. Generated from slots; safety records attendance at it."""

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    group = models.ForeignKey(
        ActivityGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="sessions"
    )
    date = models.DateField(_("date"))
    start = models.TimeField(_("starts"))
    end = models.TimeField(_("ends"))
    # Copied from the group so that a venue or lead change applies from a date on, not backwards.
    venue = models.ForeignKey(
        Venue, verbose_name=_("venue"), on_delete=models.PROTECT, related_name="sessions"
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lead teacher"),
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    # Set once records (roll call, handover) exist: regeneration keeps the session.
    has_records = models.BooleanField(_("has records"), default=False)
    # A kept session (it has records) whose date is no longer a service day, e.g. a holiday the
    # State Council's schedule added later: shown with a warning, never deleted.
    off_calendar = models.BooleanField(_("no longer a service day"), default=False)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["date", "start"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="session_code_unique"),
            models.UniqueConstraint(fields=["group", "date", "start"], name="session_unique_in_group"),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="session_times_ordered"
            ),
        ]
        indexes = [
            # Conflict checks and the venue timetable: a venue's sessions on a date.
            models.Index(fields=["venue", "date"], name="session_venue_date_idx"),
            # A teacher's "today" and their timetable: a lead's sessions by date.
            models.Index(fields=["lead", "date"], name="session_lead_date_idx"),
        ]

    def __str__(self):
        return f"{self.group} {self.date} {self.start:%H:%M}"


class CalendarFeedKey(models.Model):
    """The key behind a staff member's iCalendar subscription URL (F13). The URL's token is this
    key signed with SECRET_KEY; replacing the key (rotation) stops the old URL at once, and the
    token expires ICAL_TOKEN_DAYS after the key was issued. No key, no feed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(_("key"), max_length=64, editable=False)
    issued_at = models.DateTimeField(_("issued"))

    class Meta:
        verbose_name = _("calendar feed key")
        verbose_name_plural = _("calendar feed keys")
        constraints = [
            models.CheckConstraint(condition=~models.Q(key=""), name="calendarfeedkey_key_not_empty"),
        ]

    def __str__(self):
        return f"{self.user} {self.issued_at:%Y-%m-%d}"
