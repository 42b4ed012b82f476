"""Reads for terms, venues, activities, groups, sessions, timetables and workload.

Scope builds on schools.access:
- superuser: everything;
- school admin: the terms, venues, activities, groups and sessions of the schools they manage;
- any staff member (service teacher, class teacher, school admin): read-only, the groups they lead
  or assist and those groups' sessions, at schools where they are still on the staff;
- everybody else: nothing.

Every list, grid and feed costs a fixed number of queries however many groups or sessions there are.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import ExtractIsoYear, ExtractWeek
from django.http import Http404
from django.utils import timezone

from activities.models import (
    Activity,
    ActivityGroup,
    MakeupDay,
    Provider,
    Session,
    Term,
    Venue,
)
from schools import access, schoolyear
from schools.models import Membership, Role, School, User
from schools.schoolyear import TermDates

STAFF_ROLES = (Role.SERVICE_TEACHER, Role.SCHOOL_ADMIN, Role.CLASS_TEACHER)


# --- scope ----------------------------------------------------------------------------------


def _managed_school_ids(user) -> frozenset | None:
    """None for "every school" (superusers), else the ids of the schools the user runs."""
    s = access.scope(user)
    if s.everything:
        return None
    return s.admin_school_ids


def _assisted_group_ids(user):
    return ActivityGroup.assistants.through.objects.filter(user_id=user.pk).values("activitygroup_id")


def terms_for(user) -> QuerySet[Term]:
    ids = _managed_school_ids(user)
    return Term.objects.all() if ids is None else Term.objects.filter(school_id__in=ids)


def venues_for(user) -> QuerySet[Venue]:
    ids = _managed_school_ids(user)
    return Venue.objects.all() if ids is None else Venue.objects.filter(school_id__in=ids)


def activities_for(user) -> QuerySet[Activity]:
    ids = _managed_school_ids(user)
    return Activity.objects.all() if ids is None else Activity.objects.filter(school_id__in=ids)


def groups_managed_by(user) -> QuerySet[ActivityGroup]:
    """Groups the user may change: those of the schools they run."""
    ids = _managed_school_ids(user)
    if ids is None:
        return ActivityGroup.objects.all()
    return ActivityGroup.objects.filter(activity__school_id__in=ids)


def groups_for(user) -> QuerySet[ActivityGroup]:
    """Groups the user may see: their schools' (admins), the ones they lead or assist (staff)."""
    s = access.scope(user)
    if s.everything:
        return ActivityGroup.objects.all()
    conditions = Q(pk__in=[])
    if s.admin_school_ids:
        conditions |= Q(activity__school_id__in=s.admin_school_ids)
    if s.staff_school_ids:
        conditions |= Q(activity__school_id__in=s.staff_school_ids) & (
            Q(lead_id=user.pk) | Q(pk__in=_assisted_group_ids(user))
        )
    return ActivityGroup.objects.filter(conditions)


def sessions_for(user) -> QuerySet[Session]:
    s = access.scope(user)
    if s.everything:
        return Session.objects.all()
    conditions = Q(pk__in=[])
    if s.admin_school_ids:
        conditions |= Q(group__activity__school_id__in=s.admin_school_ids)
    if s.staff_school_ids:
        conditions |= Q(group__activity__school_id__in=s.staff_school_ids) & own_sessions_q(user)
    return Session.objects.filter(conditions)


def own_sessions_q(user) -> Q:
    return Q(lead_id=user.pk) | Q(group_id__in=_assisted_group_ids(user))


def get_term_for_user(user, code) -> Term:
    return access.get_or_404(terms_for(user).select_related("school"), code=code)


def get_venue_for_user(user, code) -> Venue:
    return access.get_or_404(venues_for(user).select_related("school"), code=code)


def get_activity_for_user(user, code) -> Activity:
    return access.get_or_404(
        activities_for(user).select_related("school", "provider", "checklist"), code=code
    )


def get_group_for_user(user, code) -> ActivityGroup:
    """A group to look at (read-only for the staff who lead or assist it)."""
    return access.get_or_404(_group_related(groups_for(user)), code=code)


def get_group_to_manage(user, code) -> ActivityGroup:
    return access.get_or_404(_group_related(groups_managed_by(user)), code=code)


def _group_related(queryset: QuerySet[ActivityGroup]) -> QuerySet[ActivityGroup]:
    return queryset.select_related(
        "activity__school", "activity__checklist", "term", "venue", "lead"
    ).prefetch_related("assistants", "slots")


def managed_school(user, code=None) -> School:
    """The school an admin is working on: the one named (?school=<code>) or their first. 404 if none."""
    schools = access.managed_schools_for(user)
    if code:
        return access.get_or_404(schools, code=code)
    school = schools.order_by("region__code", "name").first()
    if school is None:
        raise Http404
    return school


# --- lists and choices ----------------------------------------------------------------------


def term_list(school: School) -> QuerySet[Term]:
    return school.terms.annotate(group_count=Count("groups")).order_by("-start")


@dataclass
class TermCopyPreview:
    """F15: what term_copy would carry into a new term, and the teachers it would leave out."""

    groups: int = 0
    activities: int = 0
    venues: int = 0
    slots: int = 0
    no_lead: list = field(default_factory=list)  # group names whose lead left the school
    left: list = field(default_factory=list)  # (group name, person) for assistants who left


def term_copy_preview(term: Term) -> TermCopyPreview:
    """Counts of the groups, activities, venues and weekly slots of the term, and the teachers no
    longer on the school's staff (3 queries)."""
    staff = set(
        Membership.objects.filter(school_id=term.school_id, role__in=STAFF_ROLES).values_list(
            "user_id", flat=True
        )
    )
    groups = list(
        term.groups.select_related("lead")
        .prefetch_related("assistants")
        .annotate(n=Count("slots"))
        .order_by("name")
    )
    preview = TermCopyPreview(
        groups=len(groups),
        activities=len({g.activity_id for g in groups}),
        venues=len({g.venue_id for g in groups}),
        slots=sum(g.n for g in groups),
    )
    for group in groups:
        if group.lead_id not in staff:
            preview.no_lead.append(group.name)
        preview.left += [(group.name, a) for a in group.assistants.all() if a.pk not in staff]
    return preview


def term_pending_groups(term: Term) -> list[ActivityGroup]:
    """F15: the term's copied groups still waiting for their sessions."""
    return list(term.groups.filter(sessions_pending=True).select_related("lead").order_by("name"))


def term_next_dates(term: Term) -> TermDates:
    """F15: the school-year term after `term` (schools/schoolyear.py), to prefill a copy."""
    return next(
        t for t in schoolyear.terms_around(term.end + datetime.timedelta(days=1)) if t and t.start > term.end
    )


def term_makeup_days(term: Term) -> QuerySet[MakeupDay]:
    return term.makeup_days.order_by("date")


def venue_list(school: School) -> QuerySet[Venue]:
    return school.venues.select_related("safety_officer").order_by("-active", "name")


def activity_list(school: School) -> QuerySet[Activity]:
    return school.activities.select_related("provider", "checklist").order_by("-active", "category", "title")


def group_list(*, user, school: School | None) -> QuerySet[ActivityGroup]:
    """An admin's school groups, or (school None) the groups the user leads or assists."""
    queryset = groups_for(user) if school is None else groups_managed_by(user).filter(activity__school=school)
    if school is None:
        queryset = queryset.filter(Q(lead_id=user.pk) | Q(pk__in=_assisted_group_ids(user)))
    return (
        queryset.select_related("activity", "term", "venue", "lead")
        .prefetch_related("assistants", "slots")
        .annotate(session_count=Count("sessions"))
        .order_by("-term__start", "activity__title", "name")
    )


def group_sessions(group: ActivityGroup) -> QuerySet[Session]:
    return group.sessions.select_related("venue", "lead").order_by("date", "start")


def staff_for_school(school: School) -> QuerySet[User]:
    """Users on a school's staff: those who may lead or assist a group or look after a venue."""
    ids = Membership.objects.filter(school=school, role__in=STAFF_ROLES).values("user_id")
    return User.objects.filter(pk__in=ids, is_active=True).order_by("last_name", "first_name", "username")


def providers_for_school(school: School, today: datetime.date | None = None) -> QuerySet[Provider]:
    """Qualified providers registered along the school's reporting chain, still qualified today."""
    today = today or timezone.localdate()
    codes = school.region.chain_codes
    return Provider.objects.filter(region__code__in=codes, valid_until__gte=today).order_by("name")


def providers_for(user) -> QuerySet[Provider]:
    """F17: the register entries a bureau officer keeps: those of the regions on or under theirs
    (superusers: all). A county officer never sees or changes the city's or another county's."""
    if not access.has_role(user, Role.BUREAU_OFFICER) and not access.scope(user).everything:
        return Provider.objects.none()
    return Provider.objects.filter(region__in=access.regions_for(user)).select_related("region")


def get_provider_for_user(user, code) -> Provider:
    return access.get_or_404(providers_for(user), code=code)


def provider_register(user, today: datetime.date) -> list[Provider]:
    """The officer's register, soonest expiry first, each row marked expired or expiring (30 days)."""
    rows = list(providers_for(user).order_by("valid_until", "name"))
    for provider in rows:
        provider.days_left = (provider.valid_until - today).days
        provider.expired = provider.days_left < 0
        provider.expiring = 0 <= provider.days_left <= 30
    return rows


# --- timetables -----------------------------------------------------------------------------


def week_start_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.isoweekday() - 1)


@dataclass
class GridRow:
    key: int
    label: str
    cells: list[list[Session]] = field(default_factory=list)  # one list per day, by start time


@dataclass
class WeekGrid:
    week_start: datetime.date
    days: list[datetime.date]
    rows: list[GridRow]

    @property
    def previous_week(self) -> datetime.date:
        return self.week_start - datetime.timedelta(days=7)

    @property
    def next_week(self) -> datetime.date:
        return self.week_start + datetime.timedelta(days=7)


def _week_sessions(school: School, days: list[datetime.date]) -> QuerySet[Session]:
    return (
        Session.objects.filter(group__activity__school=school, date__gte=days[0], date__lte=days[-1])
        .select_related("group__activity", "venue", "lead")
        .order_by("date", "start", "group__name")
    )


def week_grid(school: School, week_start: datetime.date, by: str = "venue") -> WeekGrid:
    """A school's week: rows of venues (every venue in use, empty or not) or of staff (everyone
    leading or assisting a session that week) × the seven days. Two queries."""
    week_start = week_start_of(week_start)
    days = [week_start + datetime.timedelta(days=i) for i in range(7)]
    rows: dict[int, GridRow] = {}

    def row(key: int, label: str) -> GridRow:
        if key not in rows:
            rows[key] = GridRow(key=key, label=label, cells=[[] for _ in days])
        return rows[key]

    if by == "staff":
        sessions = _week_sessions(school, days).prefetch_related("group__assistants")
        for session in sessions:
            people = [session.lead, *session.group.assistants.all()]
            for person in dict.fromkeys(people):
                row(person.pk, person.display_name).cells[(session.date - week_start).days].append(session)
        ordered = sorted(rows.values(), key=lambda r: r.label)
    else:
        for venue in school.venues.filter(active=True).order_by("name"):
            row(venue.pk, venue.name)
        for session in _week_sessions(school, days):
            row(session.venue_id, session.venue.name).cells[(session.date - week_start).days].append(session)
        ordered = sorted(rows.values(), key=lambda r: r.label)
    return WeekGrid(week_start=week_start, days=days, rows=ordered)


def teacher_sessions(user, start: datetime.date, end: datetime.date) -> QuerySet[Session]:
    """The sessions a staff member leads or assists between two dates (inclusive), in order."""
    return (
        sessions_for(user)
        .filter(own_sessions_q(user), date__gte=start, date__lte=end)
        .select_related("group__activity", "venue", "lead")
        .order_by("date", "start")
    )


# --- workload -------------------------------------------------------------------------------


@dataclass
class WorkloadRow:
    user_id: int
    name: str
    weeks: list[float]  # hours in each of Workload.weeks, in order
    total: float  # hours in the month


@dataclass
class Workload:
    month: datetime.date  # the first of the month
    weeks: list[tuple[int, int]]  # ISO (year, week) touching the month, in order
    rows: list[WorkloadRow]

    @property
    def week_labels(self) -> list[str]:
        return [f"{year}-W{week:02d}" for year, week in self.weeks]


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = month.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following - datetime.timedelta(days=1)


SESSION_DURATION = ExpressionWrapper(F("end") - F("start"), output_field=DurationField())


def workload(*, school: School | None = None, user=None, month: datetime.date) -> Workload:
    """Hours per teacher per ISO week and for the month, from the sessions they lead or assist
    (summed by the database). Three queries. Give a school (everyone there) or a user (their own)."""
    first, last = month_bounds(month)
    sessions = Session.objects.filter(date__gte=first, date__lte=last)
    if school is not None:
        sessions = sessions.filter(group__activity__school=school)
    if user is not None:
        sessions = sessions.filter(own_sessions_q(user))
    by_week = {"iso_year": ExtractIsoYear("date"), "iso_week": ExtractWeek("date")}
    led = sessions.values(person=F("lead_id"), **by_week).annotate(total=Sum(SESSION_DURATION)).order_by()
    assisted = (
        sessions.values(person=F("group__assistants"), **by_week)
        .annotate(total=Sum(SESSION_DURATION))
        .order_by()
    )
    hours: dict[int, dict[tuple[int, int], float]] = defaultdict(lambda: defaultdict(float))
    for part in (led, assisted):
        for item in part:
            if item["person"] is None or (user is not None and item["person"] != user.pk):
                continue
            week = (item["iso_year"], item["iso_week"])
            hours[item["person"]][week] += _hours(item["total"])
    weeks = sorted({(d.isocalendar()[0], d.isocalendar()[1]) for d in _days(first, last)})
    people = User.objects.filter(pk__in=list(hours)) if hours else User.objects.none()
    rows = [
        WorkloadRow(
            user_id=person.pk,
            name=person.display_name,
            weeks=[round(hours[person.pk].get(w, 0.0), 2) for w in weeks],
            total=round(sum(hours[person.pk].values()), 2),
        )
        for person in people
    ]
    rows.sort(key=lambda r: r.name)
    return Workload(month=first, weeks=weeks, rows=rows)


def _hours(total) -> float:
    if total is None:
        return 0.0
    if isinstance(total, datetime.timedelta):
        return total.total_seconds() / 3600
    return float(total) / 3_600_000_000  # microseconds, as SQLite's duration arithmetic yields


def _days(first: datetime.date, last: datetime.date):
    day = first
    while day <= last:
        yield day
        day += datetime.timedelta(days=1)


# --- the official calendar ------------------------------------------------------------------------


@dataclass
class CalendarYearRow:
    year: int
    schedule: object | None  # OfficialYear
    source: str  # what the libraries offer until a schedule is entered
    schools: int  # schools whose current terms touch the year

    @property
    def confirmed(self) -> bool:
        return self.schedule is not None


def calendar_years(*, today: datetime.date, schools: QuerySet[School] | None = None) -> list[CalendarYearRow]:
    """The years current terms (not yet ended) touch, the entered years, this year and next, each
    with its entered schedule and the number of schools whose terms touch it. Three queries."""
    from activities import calendar
    from activities.models import OfficialYear

    terms = Term.objects.filter(end__gte=today)
    if schools is not None:
        terms = terms.filter(school__in=schools)
    touching = defaultdict(set)
    for school_id, start, end in terms.values_list("school_id", "start", "end"):
        for year in range(start.year, end.year + 1):
            touching[year].add(school_id)
    entered = {o.year: o for o in OfficialYear.objects.select_related("entered_by")}
    years = sorted(set(touching) | set(entered) | {today.year, today.year + 1})
    return [
        CalendarYearRow(
            year=year,
            schedule=entered.get(year),
            source=calendar.library_year(year).source,
            schools=len(touching[year]),
        )
        for year in years
    ]


def calendar_unconfirmed(*, today: datetime.date, schools: QuerySet[School]) -> list[CalendarYearRow]:
    """Years without an entered State Council schedule that these schools' current terms touch."""
    return [row for row in calendar_years(today=today, schools=schools) if not row.confirmed and row.schools]


def term_calendar_changes(term: Term, *, limit: int = 10) -> list:
    """The latest re-syncs of a term after the official schedule changed (audit rows), newest first."""
    from audit.models import AuditEvent

    return list(
        AuditEvent.objects.filter(
            target_type=Term._meta.label_lower, target_id=str(term.code), verb="term.calendar_resync"
        ).order_by("-at", "-id")[:limit]
    )


def official_year(year: int):
    """The entered schedule of a year with its days, or None."""
    from activities.models import OfficialYear

    schedules = OfficialYear.objects.select_related("entered_by").prefetch_related("days")
    return schedules.filter(year=year).first()


def library_days(year) -> list:
    """A calendar.Year's holidays and make-up days as rows (date, kind, name, runs_as), for the
    schedule form's starting point."""
    from activities.services import DayEntry

    names = {d: _holiday_name(n) for d, n in year.names.items()}
    rows = [DayEntry(d, "workday", "", r) for d, r in year.makeup_runs_as.items()]
    off = (set(year.holidays) | set(names)) - set(year.makeup_runs_as)
    rows += [DayEntry(d, "holiday", names.get(d, "")) for d in off if d.year == year.year]
    runs = sorted(rows)
    # A substituted day off carries no festival name: give it its neighbour's.
    for i, row in enumerate(runs):
        if row.kind == "holiday" and not row.name and i and runs[i - 1].kind == "holiday":
            if (row.date - runs[i - 1].date).days <= 3:  # across a weekend
                runs[i] = row._replace(name=runs[i - 1].name)
    return runs


def _holiday_name(name: str) -> str:
    """'春节（补假）' → '春节'; '农历除夕' → '春节'; '休息日（由 … 调休）' → ''."""
    name = name.split("（")[0].split("(")[0].strip()
    if name == "农历除夕":
        return "春节"
    return "" if name == "休息日" else name


def official_years_for(user) -> QuerySet:
    """Entered schedules a user may open and correct: all of them for province officers and
    superusers (the schedule is national), none for anybody else."""
    from activities.models import OfficialYear

    return OfficialYear.objects.all() if access.is_province_officer(user) else OfficialYear.objects.none()


# --- F17: the bureau's region rules and content review -------------------------------------------


def regions_ruled_by(user) -> QuerySet:
    """The regions whose rules the user sets: those of their own bureau memberships (superusers:
    every region). Not the regions under them: a county's bureau sets the county's own."""
    return access.bureau_regions_of(user).order_by("report_path")


def get_ruled_region_for_user(user, code: str):
    return access.get_or_404(regions_ruled_by(user), code=code)


def activities_for_bureau_review(user) -> QuerySet[Activity]:
    """Held and decided activities of the schools whose bureau is the user's (access.bureau_region_ids:
    the nearest region on the school's chain with an officer); superusers: all."""
    rows = Activity.objects.exclude(review="").select_related("school", "school__region", "reviewed_by")
    if not access.scope(user).everything:
        rows = rows.filter(school__region_id__in=access.bureau_region_ids(user))
    return rows.order_by("-review", "school__name", "title")


def get_review_activity_for_user(user, code) -> Activity:
    return access.get_or_404(activities_for_bureau_review(user), code=code)
