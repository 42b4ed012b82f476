"""Gate register, inspections, emergency plans, duty roster and incidents (F6).

M4: 强化活动场所安全检查和门卫登记管理制度 … 应急预案; H4: 建立安全责任制和应急预案.
Every model here is append-only history (audit.models.AppendOnlyModel: saving an existing row,
deleting, and queryset update/delete all raise). A correction is a new row: an exit, a sign-off,
a new plan version, a later duty assignment, an incident follow-up.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.models import Activity, ActivityGroup, Venue
from audit.models import AppendOnlyModel
from schools.models import School, Student, mask_tail

__all__ = [
    "GateEntry",
    "GateExit",
    "Inspection",
    "InspectionResult",
    "Finding",
    "FindingSignoff",
    "PlanKind",
    "EmergencyPlan",
    "PlanReview",
    "Drill",
    "GroupSafetyOfficer",
    "DutyAssignment",
    "Incident",
    "IncidentChild",
    "IncidentRecipient",
    "IncidentFollowUp",
    "OffCampusCoordination",
]

USER = settings.AUTH_USER_MODEL


# --- gate register (门卫登记) ------------------------------------------------------------------


class GateEntry(AppendOnlyModel):
    """A visitor let in at the gate. The exit is its own row (GateExit)."""

    class Purpose(models.TextChoices):
        PICK_UP = "pick_up", _("collecting a child")
        MEETING = "meeting", _("meeting a teacher")
        DELIVERY = "delivery", _("delivery")
        MAINTENANCE = "maintenance", _("repair or maintenance")
        OFFICIAL = "official", _("official visit")
        OTHER = "other", _("other")

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="gate_entries"
    )
    name = models.CharField(_("visitor's name"), max_length=50)
    # PIPL data minimisation: the guard checks the card; only the last 4 characters are kept.
    id_last4 = models.CharField(_("last 4 characters of ID number"), max_length=4)
    mobile = models.CharField(_("mobile number"), max_length=11)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    visiting = models.CharField(_("visiting"), max_length=100)
    note = models.CharField(_("note"), max_length=200, blank=True)
    entered_at = models.DateTimeField(_("entered"), default=timezone.now)
    recorded_by = models.ForeignKey(
        USER, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("gate register entry")
        verbose_name_plural = _("gate register")
        ordering = ["-entered_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="gateentry_code_unique"),
            models.CheckConstraint(
                condition=Q(
                    purpose__in=["pick_up", "meeting", "delivery", "maintenance", "official", "other"]
                ),
                name="gateentry_purpose_valid",
            ),
            models.CheckConstraint(
                condition=Q(id_last4__regex=r"^[0-9]{3}[0-9X]$"), name="gateentry_id_last4"
            ),
            models.CheckConstraint(condition=Q(mobile__regex=r"^1[0-9]{10}$"), name="gateentry_mobile"),
        ]
        indexes = [
            # The gate screen ("inside now") and a day's register: a school's entries by time.
            models.Index(fields=["school", "-entered_at"], name="gateentry_school_time_idx"),
        ]

    def __str__(self):
        return f"{self.name} {timezone.localtime(self.entered_at):%Y-%m-%d %H:%M}"

    @property
    def masked_id(self) -> str:
        return mask_tail("*" * 14 + self.id_last4)

    @property
    def masked_mobile(self) -> str:
        return (
            f"{self.mobile[:3]}****{self.mobile[-4:]}" if len(self.mobile) == 11 else mask_tail(self.mobile)
        )


class GateExit(AppendOnlyModel):
    entry = models.OneToOneField(
        GateEntry, verbose_name=_("entry"), on_delete=models.PROTECT, related_name="exit"
    )
    left_at = models.DateTimeField(_("left"), default=timezone.now)
    recorded_by = models.ForeignKey(
        USER, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("gate register exit")
        verbose_name_plural = _("gate register exits")
        ordering = ["-left_at", "-id"]

    def __str__(self):
        return f"{self.entry.name} {timezone.localtime(self.left_at):%H:%M}"


# --- venue safety inspections (安全检查) -------------------------------------------------------


class Inspection(AppendOnlyModel):
    """One walk through a venue's checklist (safety.checklists), with a result per item."""

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    school = models.ForeignKey(  # the venue's, copied so that scope queries are one join shorter
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="inspections"
    )
    venue = models.ForeignKey(
        Venue, verbose_name=_("venue"), on_delete=models.PROTECT, related_name="inspections"
    )
    inspected_on = models.DateField(_("inspected on"))
    inspector = models.ForeignKey(
        USER, verbose_name=_("inspector"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("venue inspection")
        verbose_name_plural = _("venue inspections")
        ordering = ["-inspected_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["code"], name="inspection_code_unique")]
        indexes = [
            # A venue's inspection history and its last inspection, newest first.
            models.Index(fields=["venue", "-inspected_on"], name="inspection_venue_idx"),
        ]

    def __str__(self):
        return f"{self.venue} {self.inspected_on}"


class InspectionResult(AppendOnlyModel):
    class Result(models.TextChoices):
        OK = "ok", _("in order")
        PROBLEM = "problem", _("problem found")
        NOT_APPLICABLE = "na", _("not applicable")

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.PROTECT, related_name="results"
    )
    item = models.CharField(_("checklist item"), max_length=40)
    # The item's wording when it was checked: the checklist may change, the record may not.
    label = models.CharField(_("item"), max_length=200)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("inspection result")
        verbose_name_plural = _("inspection results")
        ordering = ["inspection_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="inspectionresult_one_per_item"),
            models.CheckConstraint(
                condition=Q(result__in=["ok", "problem", "na"]), name="inspectionresult_result_valid"
            ),
            models.CheckConstraint(
                condition=~Q(result="problem") | ~Q(note=""), name="inspectionresult_problem_described"
            ),
        ]

    def __str__(self):
        return f"{self.label}: {self.get_result_display()}"


class Finding(AppendOnlyModel):
    """A problem found by an inspection, to be put right by a deadline and signed off."""

    class Severity(models.TextChoices):
        MINOR = "minor", _("minor")
        MAJOR = "major", _("major")
        # A critical finding closes the venue: no sessions are scheduled there until sign-off.
        CRITICAL = "critical", _("critical")

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.PROTECT, related_name="findings"
    )
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="+")
    venue = models.ForeignKey(
        Venue, verbose_name=_("venue"), on_delete=models.PROTECT, related_name="findings"
    )
    item = models.CharField(_("checklist item"), max_length=40)
    label = models.CharField(_("item"), max_length=200)
    description = models.CharField(_("what is wrong"), max_length=300)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    found_on = models.DateField(_("found on"))
    deadline = models.DateField(_("rectify by"))
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("inspection finding")
        verbose_name_plural = _("inspection findings")
        ordering = ["deadline", "id"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="finding_code_unique"),
            models.CheckConstraint(
                condition=Q(severity__in=["minor", "major", "critical"]), name="finding_severity_valid"
            ),
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("found_on")), name="finding_deadline_after_found"
            ),
        ]
        indexes = [
            # Open findings of a school by deadline: the overview and the overdue reminder.
            models.Index(fields=["school", "deadline"], name="finding_school_deadline_idx"),
            # The venue blocker: a venue's findings of one severity.
            models.Index(fields=["venue", "severity"], name="finding_venue_severity_idx"),
        ]

    def __str__(self):
        return f"{self.venue}: {self.description}"


class FindingSignoff(AppendOnlyModel):
    """The rectification of a finding, checked and signed off (整改销号)."""

    finding = models.OneToOneField(
        Finding, verbose_name=_("finding"), on_delete=models.PROTECT, related_name="signoff"
    )
    note = models.CharField(_("what was done"), max_length=300)
    signed_by = models.ForeignKey(
        USER, verbose_name=_("signed off by"), on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(_("signed off"), default=timezone.now)

    class Meta:
        verbose_name = _("finding sign-off")
        verbose_name_plural = _("finding sign-offs")
        ordering = ["-signed_at", "-id"]

    def __str__(self):
        return str(self.finding)


# --- emergency plans and drills (应急预案) -----------------------------------------------------


class PlanKind(models.TextChoices):
    FIRE = "fire", _("fire")
    EARTHQUAKE = "earthquake", _("earthquake")
    INJURY = "injury", _("injury and sudden illness")
    MISSING_CHILD = "missing_child", _("missing child")
    FOOD_SAFETY = "food_safety", _("food safety")
    WEATHER = "weather", _("severe weather")
    INTRUSION = "intrusion", _("intruder on campus")
    TRAFFIC = "traffic", _("traffic accident")
    OTHER = "other", _("other emergencies")


class EmergencyPlan(AppendOnlyModel):
    """One version of a school's plan for one kind of emergency; a revision is a new version."""

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="emergency_plans"
    )
    kind = models.CharField(_("kind of emergency"), max_length=20, choices=PlanKind.choices)
    version = models.PositiveSmallIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=100)
    responsible = models.ForeignKey(
        USER, verbose_name=_("responsible person"), on_delete=models.PROTECT, related_name="+"
    )
    summary = models.TextField(_("summary of the measures"))
    # Never served from MEDIA_URL: the download view checks the reader's scope first.
    document = models.FileField(_("document"), upload_to="plans/%Y/", blank=True)
    document_name = models.CharField(_("document file name"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        USER, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("emergency plan")
        verbose_name_plural = _("emergency plans")
        ordering = ["school_id", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="emergencyplan_code_unique"),
            models.UniqueConstraint(
                fields=["school", "kind", "version"], name="emergencyplan_version_unique"
            ),
            models.CheckConstraint(condition=Q(kind__in=PlanKind.values), name="emergencyplan_kind_valid"),
            models.CheckConstraint(condition=Q(version__gte=1), name="emergencyplan_version_positive"),
        ]
        indexes = [
            # The plans page and the review reminder: a school's plans, newest version of each kind first.
            models.Index(fields=["school", "kind", "-version"], name="emergencyplan_current_idx"),
        ]

    def __str__(self):
        return f"{self.title} (v{self.version})"


class PlanReview(AppendOnlyModel):
    """A plan read again and found still right (年度复核)."""

    plan = models.ForeignKey(
        EmergencyPlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="reviews"
    )
    reviewed_on = models.DateField(_("reviewed on"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    reviewed_by = models.ForeignKey(
        USER, verbose_name=_("reviewed by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("plan review")
        verbose_name_plural = _("plan reviews")
        ordering = ["-reviewed_on", "-id"]
        indexes = [
            # A plan's latest review (the "not reviewed for a year" check).
            models.Index(fields=["plan", "-reviewed_on"], name="planreview_plan_idx"),
        ]

    def __str__(self):
        return f"{self.plan} {self.reviewed_on}"


class Drill(AppendOnlyModel):
    """An emergency drill (演练) held under a plan."""

    plan = models.ForeignKey(
        EmergencyPlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="drills"
    )
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField(_("held on"))
    participants = models.PositiveIntegerField(_("participants"))
    notes = models.TextField(_("notes"))
    recorded_by = models.ForeignKey(
        USER, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("drill")
        verbose_name_plural = _("drills")
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(participants__gte=1), name="drill_participants_positive")
        ]
        indexes = [
            # The plans page: a school's drills, newest first.
            models.Index(fields=["school", "-held_on"], name="drill_school_idx"),
        ]

    def __str__(self):
        return f"{self.plan} {self.held_on}"


# --- safety responsibility (安全责任制): group officers and the duty roster -------------------


class GroupSafetyOfficer(AppendOnlyModel):
    """Who answers for a group's safety. The latest assignment counts; without one, the venue's
    safety officer does."""

    group = models.ForeignKey(
        ActivityGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="safety_officers"
    )
    officer = models.ForeignKey(
        USER, verbose_name=_("safety officer"), on_delete=models.PROTECT, related_name="+"
    )
    assigned_by = models.ForeignKey(
        USER, verbose_name=_("assigned by"), on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(_("assigned"), default=timezone.now)

    class Meta:
        verbose_name = _("group safety officer")
        verbose_name_plural = _("group safety officers")
        ordering = ["-assigned_at", "-id"]
        indexes = [
            # A group's current officer: its latest assignment.
            models.Index(fields=["group", "-assigned_at"], name="groupofficer_group_idx"),
        ]

    def __str__(self):
        return f"{self.group}: {self.officer}"


class DutyAssignment(AppendOnlyModel):
    """The leader on duty (值班领导) at a school on one day. A later row for the same day replaces
    an earlier one; history stays."""

    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="duty_assignments"
    )
    date = models.DateField(_("date"))
    leader = models.ForeignKey(
        USER, verbose_name=_("leader on duty"), on_delete=models.PROTECT, related_name="+"
    )
    assigned_by = models.ForeignKey(
        USER, verbose_name=_("assigned by"), on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(_("assigned"), default=timezone.now)

    class Meta:
        verbose_name = _("duty assignment")
        verbose_name_plural = _("duty roster")
        ordering = ["date", "-id"]
        indexes = [
            # duty_leaders(school, day) and the roster page: a school's days, latest row per day.
            models.Index(fields=["school", "date"], name="dutyassignment_school_date_idx"),
        ]

    def __str__(self):
        return f"{self.date} {self.leader}"


# --- incident reports ------------------------------------------------------------------------


class Incident(AppendOnlyModel):
    class Kind(models.TextChoices):
        INJURY = "injury", _("injury")
        ILLNESS = "illness", _("sudden illness")
        CONFLICT = "conflict", _("fight or bullying")
        MISSING = "missing", _("missing child")
        FOOD = "food", _("food safety")
        FIRE = "fire", _("fire")
        TRAFFIC = "traffic", _("traffic")
        INTRUSION = "intrusion", _("intruder")
        OTHER = "other", _("other")

    class Severity(models.TextChoices):
        MINOR = "minor", _("minor")
        MODERATE = "moderate", _("moderate")
        # The school's bureau is notified at once (F12: the nearest region with an officer).
        SEVERE = "severe", _("severe")

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="incidents"
    )
    occurred_at = models.DateTimeField(_("when"))
    place = models.CharField(_("where"), max_length=100)
    venue = models.ForeignKey(
        Venue, verbose_name=_("venue"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    description = models.TextField(_("what happened"))
    actions_taken = models.TextField(_("actions taken"))
    guardians_notified_at = models.DateTimeField(_("guardians notified"), null=True, blank=True)
    # Set only when at least one bureau officer received the report (IncidentRecipient names them):
    # a severe incident at a school with no officer anywhere on its chain stays unset (F12).
    bureau_notified_at = models.DateTimeField(_("bureau notified"), null=True, blank=True)
    reported_by = models.ForeignKey(
        USER, verbose_name=_("reported by"), on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(_("reported"), default=timezone.now)

    class Meta:
        verbose_name = _("incident report")
        verbose_name_plural = _("incident reports")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="incident_code_unique"),
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "injury",
                        "illness",
                        "conflict",
                        "missing",
                        "food",
                        "fire",
                        "traffic",
                        "intrusion",
                        "other",
                    ]
                ),
                name="incident_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(severity__in=["minor", "moderate", "severe"]), name="incident_severity_valid"
            ),
        ]
        indexes = [
            # The school's and the bureau's incident lists: a school's incidents, newest first.
            models.Index(fields=["school", "-occurred_at"], name="incident_school_time_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {timezone.localtime(self.occurred_at):%Y-%m-%d %H:%M}"


class IncidentChild(AppendOnlyModel):
    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.PROTECT, related_name="children_involved"
    )
    student = models.ForeignKey(Student, verbose_name=_("child"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("child involved")
        verbose_name_plural = _("children involved")
        ordering = ["incident_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "student"], name="incidentchild_unique"),
        ]
        indexes = [
            # A child's incidents (the guardian's and the class teacher's view).
            models.Index(fields=["student"], name="incidentchild_student_idx"),
        ]

    def __str__(self):
        return str(self.student)


class IncidentRecipient(AppendOnlyModel):
    """F12: a bureau officer who was sent the incident, and as the officer of which region (the
    nearest on the school's reporting chain with an active officer)."""

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.PROTECT, related_name="bureau_recipients"
    )
    region = models.ForeignKey(
        "schools.Region", verbose_name=_("bureau"), on_delete=models.PROTECT, related_name="+"
    )
    officer = models.ForeignKey(USER, verbose_name=_("officer"), on_delete=models.PROTECT, related_name="+")
    notified_at = models.DateTimeField(_("notified"), default=timezone.now)

    class Meta:
        verbose_name = _("bureau recipient")
        verbose_name_plural = _("bureau recipients")
        ordering = ["incident_id", "notified_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "officer"], name="incidentrecipient_once"),
        ]

    def __str__(self):
        return f"{self.officer} ({self.region})"


class IncidentFollowUp(AppendOnlyModel):
    """What happened after the report: a note or correction, guardians or the bureau told, and
    at most once the closing, with its outcome (结案: the matter is settled; notes may follow)."""

    class Kind(models.TextChoices):
        NOTE = "note", _("note or correction")
        GUARDIANS_NOTIFIED = "guardians", _("guardians notified")
        BUREAU_NOTIFIED = "bureau", _("bureau notified")
        CLOSED = "closed", _("closed")

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.PROTECT, related_name="follow_ups"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    at = models.DateTimeField(_("when"))
    text = models.TextField(_("text"), blank=True)
    recorded_by = models.ForeignKey(
        USER, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("incident follow-up")
        verbose_name_plural = _("incident follow-ups")
        ordering = ["incident_id", "at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["note", "guardians", "bureau", "closed"]),
                name="incidentfollowup_kind_valid",
            ),
            models.CheckConstraint(
                condition=~Q(kind="note") | ~Q(text=""), name="incidentfollowup_note_has_text"
            ),
            models.CheckConstraint(
                condition=~Q(kind="closed") | ~Q(text=""), name="incidentfollowup_outcome_given"
            ),
            # An incident is closed once (two clicks, two admins: the second insert fails).
            models.UniqueConstraint(
                fields=["incident"], condition=Q(kind="closed"), name="incidentfollowup_closed_once"
            ),
        ]
        indexes = [
            # An incident's page: its follow-ups in order.
            models.Index(fields=["incident", "at"], name="incidentfollowup_incident_idx"),
        ]

    def __str__(self):
        return f"{self.incident}: {self.get_kind_display()}"


# --- off-campus coordination (M4) ------------------------------------------------------------


class OffCampusCoordination(AppendOnlyModel):
    """M4: 教育行政部门要加强与综治、公安、卫生、食药监督等部门的协调配合 … 交通、场地、消防、食品卫生、
    安全保卫: one contact with one department about an off-campus activity, and what was agreed."""

    class Department(models.TextChoices):
        PUBLIC_SECURITY = "public_security", _("public security")
        HEALTH = "health", _("health")
        FOOD_SAFETY = "food_safety", _("food and drug supervision")
        FIRE = "fire", _("fire and rescue")
        COMPREHENSIVE = "comprehensive", _("comprehensive governance")

    code = models.UUIDField(_("public code"), default=uuid.uuid4, editable=False)
    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.PROTECT, related_name="coordinations"
    )
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="+")
    department = models.CharField(_("department"), max_length=20, choices=Department.choices)
    traffic = models.BooleanField(_("traffic"), default=False)
    venue = models.BooleanField(_("venue"), default=False)
    fire = models.BooleanField(_("fire safety"), default=False)
    food = models.BooleanField(_("food hygiene"), default=False)
    security = models.BooleanField(_("security"), default=False)
    contacted_on = models.DateField(_("contacted on"))
    contact = models.CharField(_("contact person and unit"), max_length=100)
    outcome = models.TextField(_("what was agreed"))
    recorded_by = models.ForeignKey(
        USER, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("off-campus coordination")
        verbose_name_plural = _("off-campus coordination")
        ordering = ["-contacted_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="offcampuscoordination_code_unique"),
            models.CheckConstraint(
                condition=Q(
                    department__in=["public_security", "health", "food_safety", "fire", "comprehensive"]
                ),
                name="offcampuscoordination_department_valid",
            ),
            models.CheckConstraint(
                condition=Q(traffic=True) | Q(venue=True) | Q(fire=True) | Q(food=True) | Q(security=True),
                name="offcampuscoordination_has_aspect",
            ),
        ]
        indexes = [
            # An activity's coordination record, newest first.
            models.Index(fields=["activity", "-contacted_on"], name="offcampuscoord_activity_idx"),
        ]

    def __str__(self):
        return f"{self.activity}: {self.get_department_display()} {self.contacted_on}"

    @property
    def aspect_labels(self) -> list:
        fields = ("traffic", "venue", "fire", "food", "security")
        return [self._meta.get_field(f).verbose_name for f in fields if getattr(self, f)]
