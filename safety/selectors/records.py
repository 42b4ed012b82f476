"""Reads for the gate register, inspections, plans, responsibility, incidents and off-campus
coordination (F6), scoped through schools.access:

- superuser: everything;
- gate guard: the gate register of their schools;
- school admin: every F6 record of the schools they run (gate register included);
- any staff member: the incidents they reported themselves, while still on that school's staff;
- bureau officer: the incidents of every school in their region (access.regions_for), read-only,
  without the children's names (PIPL: data minimisation);
- everybody else: nothing.

Each page costs a fixed number of queries however many rows it shows.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from activities import selectors as activity_selectors
from activities.models import Activity, ActivityGroup, Session, Term, Venue
from safety import checklists
from safety.models import (
    Drill,
    DutyAssignment,
    EmergencyPlan,
    Finding,
    GateEntry,
    GroupSafetyOfficer,
    Incident,
    IncidentChild,
    IncidentFollowUp,
    Inspection,
    OffCampusCoordination,
    PlanKind,
    PlanReview,
)
from safety.services import plans as plan_rules
from schools import access
from schools.models import Membership, Role, School, User

INSIDE_LOOKBACK_DAYS = 7


# --- scope ----------------------------------------------------------------------------------


def _school_q(user, prefix: str, ids: frozenset) -> Q | None:
    return Q(**{f"{prefix}__in": ids}) if ids else None


def gate_schools(user) -> QuerySet[School]:
    """Schools whose gate register the user keeps or reads: guards' and admins' own."""
    s = access.scope(user)
    if s.everything:
        return School.objects.all()
    return School.objects.filter(pk__in=s.guard_school_ids | s.admin_school_ids)


def gate_entries_for(user) -> QuerySet[GateEntry]:
    s = access.scope(user)
    if s.everything:
        return GateEntry.objects.all()
    return GateEntry.objects.filter(school_id__in=s.guard_school_ids | s.admin_school_ids)


def _admin_filter(model, user) -> QuerySet:
    s = access.scope(user)
    if s.everything:
        return model.objects.all()
    return model.objects.filter(school_id__in=s.admin_school_ids)


def inspections_for(user) -> QuerySet[Inspection]:
    return _admin_filter(Inspection, user)


def findings_for(user) -> QuerySet[Finding]:
    return _admin_filter(Finding, user)


def plans_for(user) -> QuerySet[EmergencyPlan]:
    return _admin_filter(EmergencyPlan, user)


def incidents_for(user) -> QuerySet[Incident]:
    """School admins: their schools'. Bureau officers: their region's (read-only). Other staff:
    what they reported, while on that school's staff."""
    s = access.scope(user)
    if s.everything:
        return Incident.objects.all()
    conditions = Q(pk__in=[])
    if s.admin_school_ids:
        conditions |= Q(school_id__in=s.admin_school_ids)
    if s.region_paths:
        conditions |= Q(school__region__in=access.regions_for(user))
    if s.staff_school_ids:
        conditions |= Q(school_id__in=s.staff_school_ids, reported_by_id=user.pk)
    return Incident.objects.filter(conditions)


def may_manage_incident(user, incident: Incident) -> bool:
    return access.manages_school(user, incident.school_id)


def may_see_children(user, incident: Incident) -> bool:
    """Bureaus see counts only; the school's admins and the reporter see the names."""
    return access.manages_school(user, incident.school_id) or incident.reported_by_id == user.pk


def _pick(schools: QuerySet[School], code) -> School:
    if code:
        return access.get_or_404(schools, code=code)
    school = schools.order_by("region__code", "name").first()
    if school is None:
        raise Http404
    return school


def gate_school(user, code=None) -> School:
    """The school whose gate the user is at: the one named (?school=<code>) or their first."""
    return _pick(gate_schools(user), code)


def admin_school(user, code=None) -> School:
    return activity_selectors.managed_school(user, code)


def reporting_schools(user) -> QuerySet[School]:
    """Schools where the user may report an incident: any school on whose staff they are."""
    s = access.scope(user)
    if s.everything:
        return School.objects.all()
    return School.objects.filter(pk__in=s.staff_school_ids)


def reporting_school(user, code=None) -> School:
    return _pick(reporting_schools(user), code)


def get_gate_entry_for_user(user, code) -> GateEntry:
    return access.get_or_404(gate_entries_for(user).select_related("school"), code=code)


def get_inspection_for_user(user, code) -> Inspection:
    return access.get_or_404(inspections_for(user).select_related("venue", "school", "inspector"), code=code)


def get_finding_for_user(user, code) -> Finding:
    return access.get_or_404(
        findings_for(user).select_related("venue", "school", "inspection__inspector", "signoff__signed_by"),
        code=code,
    )


def get_plan_for_user(user, code) -> EmergencyPlan:
    return access.get_or_404(plans_for(user).select_related("school", "responsible", "created_by"), code=code)


def get_incident_for_user(user, code) -> Incident:
    return access.get_or_404(
        incidents_for(user).select_related("school__region", "venue", "reported_by"), code=code
    )


# --- gate register --------------------------------------------------------------------------


def _local_day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return start, start + datetime.timedelta(days=1)


def gate_inside_now(school: School, now: datetime.datetime | None = None) -> list[GateEntry]:
    """Visitors let in during the last week and not yet signed out, earliest first (1 query)."""
    now = now or timezone.now()
    since = now - datetime.timedelta(days=INSIDE_LOOKBACK_DAYS)
    return list(
        GateEntry.objects.filter(school=school, entered_at__gte=since, exit__isnull=True).order_by(
            "entered_at", "id"
        )
    )


def gate_day(school: School, day: datetime.date) -> list[GateEntry]:
    """The register of one day: every entry with its exit, in order (1 query)."""
    start, end = _local_day_bounds(day)
    return list(
        GateEntry.objects.filter(school=school, entered_at__gte=start, entered_at__lt=end)
        .select_related("exit", "recorded_by", "exit__recorded_by")
        .order_by("entered_at", "id")
    )


def gate_left_today(school: School, day: datetime.date, limit: int = 20) -> list[GateEntry]:
    start, end = _local_day_bounds(day)
    return list(
        GateEntry.objects.filter(school=school, exit__left_at__gte=start, exit__left_at__lt=end)
        .select_related("exit")
        .order_by("-exit__left_at")[:limit]
    )


# --- inspections ----------------------------------------------------------------------------


@dataclass
class VenueRow:
    venue: Venue
    last_inspected: datetime.date | None
    open_findings: int
    critical: int


def _open_findings() -> QuerySet[Finding]:
    return Finding.objects.filter(signoff__isnull=True)


def inspection_overview(school: School) -> list[VenueRow]:
    """The school's venues with their last inspection and open findings (2 queries)."""
    venues = list(
        school.venues.select_related("safety_officer")
        .annotate(last_inspected=Max("inspections__inspected_on"))
        .order_by("-active", "name")
    )
    counts = {}
    for row in (
        _open_findings()
        .filter(school=school)
        .values("venue_id")
        .annotate(n=Count("id"), critical=Count("id", filter=Q(severity=Finding.Severity.CRITICAL)))
        .order_by()
    ):
        counts[row["venue_id"]] = row
    return [
        VenueRow(
            venue=v,
            last_inspected=v.last_inspected,
            open_findings=counts.get(v.pk, {}).get("n", 0),
            critical=counts.get(v.pk, {}).get("critical", 0),
        )
        for v in venues
    ]


def open_findings(school: School) -> list[Finding]:
    """Findings not signed off, by deadline (1 query)."""
    return list(_open_findings().filter(school=school).select_related("venue").order_by("deadline", "id"))


def venue_inspections(venue: Venue, limit: int = 20) -> list[Inspection]:
    return list(
        venue.inspections.select_related("inspector")
        .annotate(finding_count=Count("findings"))
        .order_by("-inspected_on", "-id")[:limit]
    )


def venue_findings(venue: Venue) -> list[Finding]:
    """All of a venue's findings, open ones first (1 query)."""
    return list(
        venue.findings.select_related("signoff__signed_by").order_by("signoff", "-severity", "deadline", "id")
    )


def venue_sessions_ahead(venue: Venue, today: datetime.date, limit: int = 30) -> list[Session]:
    """Sessions booked into the venue from today on (1 query)."""
    return list(
        Session.objects.filter(venue=venue, date__gte=today)
        .select_related("group__activity", "lead")
        .order_by("date", "start")[:limit]
    )


def inspection_results(inspection: Inspection) -> list:
    results = list(inspection.results.order_by("id"))
    for result in results:
        result.display_label = checklists.item_label(inspection.venue.kind, result.item, result.label)
    return results


# --- emergency plans ------------------------------------------------------------------------


def _with_latest_review(plans: QuerySet[EmergencyPlan]) -> QuerySet[EmergencyPlan]:
    return plans.annotate(latest_review=Max("reviews__reviewed_on"))


def _current_plans(schools) -> QuerySet[EmergencyPlan]:
    newest = EmergencyPlan.objects.filter(school_id=OuterRef("school_id"), kind=OuterRef("kind")).order_by(
        "-version"
    )
    plans = EmergencyPlan.objects.filter(version=Subquery(newest.values("version")[:1]))
    if schools is not None:
        plans = plans.filter(school__in=schools)
    return plans


def current_plans_with_review(*, schools=None) -> list[tuple[EmergencyPlan, datetime.date]]:
    """Each (school, kind)'s current plan with the day it was last written or reviewed (1 query)."""
    plans = (
        _with_latest_review(_current_plans(schools)).select_related("school").order_by("school_id", "kind")
    )
    return [(p, plan_rules.plan_last_reviewed(p, p.latest_review)) for p in plans]


@dataclass
class PlanRow:
    kind: str
    label: str
    plan: EmergencyPlan | None
    last_reviewed: datetime.date | None = None
    review_due: bool = False
    last_drill: datetime.date | None = None


def plans_page(school: School, today: datetime.date) -> list[PlanRow]:
    """One row per kind of emergency: the current plan (or none yet), review state, last drill (2 queries)."""
    current = {
        p.kind: p
        for p in _with_latest_review(_current_plans([school]))
        .annotate(last_drill=Max("drills__held_on"))
        .select_related("responsible")
    }
    drills = dict(
        Drill.objects.filter(school=school)
        .values("plan__kind")
        .annotate(last=Max("held_on"))
        .order_by()
        .values_list("plan__kind", "last")
    )
    rows = []
    for kind, label in PlanKind.choices:
        plan = current.get(kind)
        row = PlanRow(kind=kind, label=label, plan=plan, last_drill=drills.get(kind))
        if plan is not None:
            row.last_reviewed = plan_rules.plan_last_reviewed(plan, plan.latest_review)
            row.review_due = plan_rules.plan_review_due(row.last_reviewed, today)
        rows.append(row)
    return rows


@dataclass
class PlanDetail:
    plan: EmergencyPlan
    versions: list
    reviews: list
    drills: list
    is_current: bool
    last_reviewed: datetime.date
    review_due: bool


def plan_detail(plan: EmergencyPlan, today: datetime.date) -> PlanDetail:
    """A plan with its other versions, reviews and the kind's drills (4 queries)."""
    versions = list(
        EmergencyPlan.objects.filter(school_id=plan.school_id, kind=plan.kind)
        .select_related("created_by")
        .order_by("-version")
    )
    reviews = list(
        PlanReview.objects.filter(plan__school_id=plan.school_id, plan__kind=plan.kind)
        .select_related("reviewed_by", "plan")
        .order_by("-reviewed_on", "-id")
    )
    drills = list(
        Drill.objects.filter(school_id=plan.school_id, plan__kind=plan.kind)
        .select_related("recorded_by", "plan")
        .order_by("-held_on", "-id")
    )
    latest_review = max((r.reviewed_on for r in reviews if r.plan_id == plan.pk), default=None)
    last_reviewed = plan_rules.plan_last_reviewed(plan, latest_review)
    return PlanDetail(
        plan=plan,
        versions=versions,
        reviews=reviews,
        drills=drills,
        is_current=versions[0].pk == plan.pk,
        last_reviewed=last_reviewed,
        review_due=plan_rules.plan_review_due(last_reviewed, today),
    )


# --- responsibility and duty roster ---------------------------------------------------------


def staff_choices(school: School) -> list[User]:
    """The school's leaders and teachers, to choose an officer, a leader on duty or a plan's
    responsible person from (1 query)."""
    roles = (Role.SCHOOL_ADMIN, Role.SERVICE_TEACHER, Role.CLASS_TEACHER)
    return list(
        User.objects.filter(
            pk__in=Membership.objects.filter(school=school, role__in=roles).values("user_id"), is_active=True
        ).order_by("last_name", "first_name", "username")
    )


@dataclass
class DutyDay:
    date: datetime.date
    leader: User | None
    is_today: bool = False


def duty_roster(school: School, start: datetime.date, days: int) -> list[DutyDay]:
    """Each day from start on with its leader (the latest assignment of the day) (1 query)."""
    end = start + datetime.timedelta(days=days - 1)
    leaders: dict[datetime.date, User] = {}
    for row in (
        DutyAssignment.objects.filter(school=school, date__gte=start, date__lte=end)
        .select_related("leader")
        .order_by("id")
    ):
        leaders[row.date] = row.leader
    today = timezone.localdate()
    return [
        DutyDay(date=d, leader=leaders.get(d), is_today=d == today)
        for d in (start + datetime.timedelta(days=i) for i in range(days))
    ]


@dataclass
class GroupRow:
    group: ActivityGroup
    officer: User | None  # named for the group
    default_officer: User  # the venue's, when none is named
    history: list = field(default_factory=list)

    @property
    def effective(self) -> User:
        return self.officer or self.default_officer


def current_terms(school: School, today: datetime.date) -> list[Term]:
    """Terms running today or starting later; else the latest one (1 query)."""
    terms = list(school.terms.order_by("-start"))
    running = [t for t in terms if t.end >= today]
    return running or terms[:1]


def responsibility(school: School, today: datetime.date) -> tuple[list[Venue], list[GroupRow]]:
    """The school's venues with their officers, and the groups of its current terms with theirs
    (3 queries + 1 for the terms)."""
    venues = list(school.venues.filter(active=True).select_related("safety_officer").order_by("name"))
    terms = current_terms(school, today)
    groups = list(
        ActivityGroup.objects.filter(term__in=terms)
        .select_related("activity", "term", "venue__safety_officer", "lead")
        .order_by("activity__title", "name")
    )
    assignments: dict[int, list[GroupSafetyOfficer]] = {}
    for row in (
        GroupSafetyOfficer.objects.filter(group__in=groups)
        .select_related("officer", "assigned_by")
        .order_by("-id")
    ):
        assignments.setdefault(row.group_id, []).append(row)
    rows = []
    for group in groups:
        history = assignments.get(group.pk, [])
        rows.append(
            GroupRow(
                group=group,
                officer=history[0].officer if history else None,
                default_officer=group.venue.safety_officer,
                history=history,
            )
        )
    return venues, rows


def group_safety_officer(group: ActivityGroup) -> User:
    """The group's safety officer: the latest one named, else its venue's."""
    row = GroupSafetyOfficer.objects.filter(group=group).select_related("officer").order_by("-id").first()
    return row.officer if row else group.venue.safety_officer


# --- incidents ------------------------------------------------------------------------------


def incident_list(
    queryset: QuerySet[Incident], *, severity: str = "", state: str = "", limit: int = 200
) -> list[Incident]:
    """Incidents newest first with the number of children involved and when each was closed
    (`closed_at`, None while open); `state` "open" or "closed" keeps those only (1 query)."""
    if severity in Incident.Severity.values:
        queryset = queryset.filter(severity=severity)
    closing = IncidentFollowUp.objects.filter(incident=OuterRef("pk"), kind=IncidentFollowUp.Kind.CLOSED)
    queryset = queryset.annotate(closed_at=Subquery(closing.values("at")[:1]))
    if state == "open":
        queryset = queryset.filter(closed_at__isnull=True)
    elif state == "closed":
        queryset = queryset.filter(closed_at__isnull=False)
    return list(
        queryset.select_related("school", "reported_by")
        .annotate(children_count=Count("children_involved"))
        .order_by("-occurred_at", "-id")[:limit]
    )


def incident_children(incident: Incident) -> list[IncidentChild]:
    return list(incident.children_involved.select_related("student__class_group").order_by("id"))


def incident_follow_ups(incident: Incident) -> list[IncidentFollowUp]:
    return list(incident.follow_ups.select_related("recorded_by").order_by("at", "id"))


def incident_recipients(incident: Incident) -> list:
    """F12: the bureau officers the incident was sent to, with their region, in order."""
    return list(incident.bureau_recipients.select_related("officer", "region").order_by("notified_at", "id"))


def school_venues(school: School) -> list[Venue]:
    """The school's venues in use, for an incident report."""
    return list(Venue.objects.filter(school=school, active=True).order_by("name"))


def school_students(school: School) -> QuerySet:
    return (
        school.students.filter(active=True)
        .select_related("class_group")
        .order_by("class_group__grade", "class_group__number", "name")
    )


# --- off-campus coordination ----------------------------------------------------------------

ASPECTS = ("traffic", "venue", "fire", "food", "security")


@dataclass
class OffCampusRow:
    activity: Activity
    records: int
    departments: list
    aspects_covered: list
    aspects_missing: list


def offcampus_overview(school: School) -> list[OffCampusRow]:
    """The school's off-campus activities and what their coordination record covers (2 queries)."""
    activities = list(school.activities.filter(off_campus=True).select_related("checklist").order_by("title"))
    records: dict[int, list[OffCampusCoordination]] = {}
    for record in OffCampusCoordination.objects.filter(activity__in=activities).order_by("id"):
        records.setdefault(record.activity_id, []).append(record)
    rows = []
    labels = {f: OffCampusCoordination._meta.get_field(f).verbose_name for f in ASPECTS}
    for activity in activities:
        mine = records.get(activity.pk, [])
        covered = {f for f in ASPECTS for r in mine if getattr(r, f)}
        rows.append(
            OffCampusRow(
                activity=activity,
                records=len(mine),
                departments=sorted({r.get_department_display() for r in mine}, key=str),
                aspects_covered=[labels[f] for f in ASPECTS if f in covered],
                aspects_missing=[labels[f] for f in ASPECTS if f not in covered],
            )
        )
    return rows


def offcampus_records(activity: Activity) -> list[OffCampusCoordination]:
    return list(activity.coordinations.select_related("recorded_by").order_by("-contacted_on", "-id"))
