"""Writes to terms, venues, activities, groups and sessions. Every rule of M1/M3/H2/H3 lives here,
so forms, the Django admin, imports and any API all go through the same checks."""

import datetime
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from activities import calendar, rules
from activities.models import (
    Activity,
    ActivityGroup,
    Category,
    Closure,
    MakeupDay,
    OffCampusChecklist,
    Provider,
    Session,
    Slot,
    Term,
    Venue,
    VenueKind,
)
from audit import services as audit
from schools.models import Membership, Role, School, User

STAFF_ROLES = (Role.SERVICE_TEACHER, Role.SCHOOL_ADMIN, Role.CLASS_TEACHER)


def _is_staff(user: User, school: School) -> bool:
    return Membership.objects.filter(user=user, school=school, role__in=STAFF_ROLES).exists()


# --- terms ----------------------------------------------------------------------------------


@transaction.atomic
def term_save(
    *,
    school: School,
    name: str,
    start: datetime.date,
    end: datetime.date,
    weekdays: str,
    day_start: datetime.time,
    day_end: datetime.time,
    actor: User | None,
    term: Term | None = None,
) -> Term:
    """Create or change a service term and list its official make-up days.

    Raises ValidationError(code="dates", "window", "too_early" or "weekdays").
    """
    if end < start:
        raise ValidationError(_("The last day cannot be before the first day."), code="dates")
    if day_end <= day_start:
        raise ValidationError(_("The service must end after it starts."), code="window")
    weekdays = "".join(sorted(set(weekdays)))
    if not weekdays or any(d not in "1234567" for d in weekdays):
        raise ValidationError(_("Choose at least one service weekday."), code="weekdays")
    policy = rules.policy_for(school)
    if policy.earliest_end and day_end < policy.earliest_end:
        raise ValidationError(
            _(
                "%(region)s requires the service day to end no earlier than %(time)s "
                "(M1: local service hours)."
            ),
            code="too_early",
            params={"region": policy.earliest_end_region, "time": policy.earliest_end.strftime("%H:%M")},
        )
    term = term or Term(school=school)
    term.name, term.start, term.end, term.weekdays = name.strip(), start, end, weekdays
    term.day_start, term.day_end = day_start, day_end
    term.full_clean(exclude=["school"])
    term.save()
    known = set(term.makeup_days.values_list("date", flat=True))
    MakeupDay.objects.bulk_create(
        [MakeupDay(term=term, date=d, runs_as=1) for d in calendar.makeup_days(start, end) if d not in known]
    )
    # New dates or weekdays apply to every group: rebuild their sessions (records are kept).
    for group in term.groups.select_related("term").prefetch_related("assistants"):
        sessions_generate(group=group)
    audit.record(actor=actor, verb="term.save", target=term, changes={"start": str(start), "end": str(end)})
    return term


@transaction.atomic
def closure_add(*, term: Term, date: datetime.date, reason: str, actor: User | None) -> Closure:
    """Close the service on a day; that day's sessions without records go. Raises ValidationError."""
    if not term.start <= date <= term.end:
        raise ValidationError(_("The date is outside the term."), code="outside_term")
    closure, _created = Closure.objects.update_or_create(term=term, date=date, defaults={"reason": reason})
    Session.objects.filter(group__term=term, date=date, has_records=False).delete()
    audit.record(
        actor=actor, verb="term.closure_add", target=term, changes={"date": str(date), "reason": reason}
    )
    return closure


@transaction.atomic
def makeup_day_set(*, makeup: MakeupDay, runs_as: int, actor: User | None) -> MakeupDay:
    """Choose whose weekday timetable a make-up working day runs, and regenerate.

    Raises ValidationError(code="weekday").
    """
    if not 1 <= runs_as <= 5:
        raise ValidationError(_("A make-up day runs the timetable of a weekday."), code="weekday")
    makeup.runs_as = runs_as
    makeup.save(update_fields=["runs_as"])
    for group in makeup.term.groups.all():
        sessions_generate(group=group)
    audit.record(
        actor=actor, verb="term.makeup_day_set", target=makeup.term, changes={str(makeup.date): runs_as}
    )
    return makeup


# --- venues and providers -------------------------------------------------------------------


@transaction.atomic
def venue_save(
    *,
    school: School,
    name: str,
    kind: str,
    capacity: int,
    safety_officer: User,
    address: str = "",
    actor: User | None,
    venue: Venue | None = None,
) -> Venue:
    """Create or change a venue. Raises ValidationError(code="kind", "address", "officer", "capacity")."""
    if kind not in VenueKind.values:
        raise ValidationError(_("Choose one of the listed kinds of venue."), code="kind")
    if kind == VenueKind.OFF_CAMPUS and not address.strip():
        raise ValidationError(_("An off-campus site needs its address."), code="address")
    if not _is_staff(safety_officer, school):
        raise ValidationError(_("The safety officer must be a member of the school's staff."), code="officer")
    if venue is not None and capacity < venue.capacity:
        too_big = venue.groups.filter(capacity__gt=capacity).first()
        if too_big:
            raise ValidationError(
                _("Group %(group)s has %(n)s places; the venue cannot hold fewer."),
                code="capacity",
                params={"group": too_big.name, "n": too_big.capacity},
            )
    if Venue.objects.filter(school=school, name=name.strip()).exclude(pk=getattr(venue, "pk", None)).exists():
        raise ValidationError(
            _("The school already has a venue called %(name)s."), code="duplicate", params={"name": name}
        )
    venue = venue or Venue(school=school)
    venue.name, venue.kind, venue.capacity = name.strip(), kind, capacity
    venue.safety_officer, venue.address = safety_officer, address.strip()
    venue.full_clean(exclude=["school"])
    venue.save()
    audit.record(actor=actor, verb="venue.save", target=venue, changes={"capacity": capacity})
    return venue


# --- activities -----------------------------------------------------------------------------


def activity_validate(
    *,
    school: School,
    title: str,
    category: str,
    description: str = "",
    provider: Provider | None = None,
    film_title: str = "",
    film_age_rating: str = "",
) -> None:
    """The content rules every write path applies (forms, admin, import, API).

    Raises ValidationError(code="category", "extra_lessons", "provider_expired", "film").
    """
    if category not in Category.values:
        raise ValidationError(_("Choose one of the permitted categories (M3)."), code="category")
    found = rules.extra_lesson_terms_found(rules.policy_for(school), title, description)
    if found:
        raise ValidationError(
            _(
                "“%(title)s” reads as extra lessons or collective teaching (%(words)s). The after-school "
                "service must never become collective teaching or extra lessons (M3, H3)."
            ),
            code="extra_lessons",
            params={"title": title, "words": "、".join(found)},
        )
    if provider is not None and provider.valid_until < timezone.localdate():
        raise ValidationError(
            _("The qualification of %(provider)s expired on %(date)s; choose a qualified provider."),
            code="provider_expired",
            params={"provider": provider.name, "date": provider.valid_until.isoformat()},
        )
    if category == Category.FILMS and not (film_title.strip() and film_age_rating.strip()):
        raise ValidationError(_("A film needs its title and the ages it suits."), code="film")


@transaction.atomic
def activity_save(
    *,
    school: School,
    title: str,
    category: str,
    description: str = "",
    provider: Provider | None = None,
    off_campus: bool = False,
    film_title: str = "",
    film_age_rating: str = "",
    actor: User | None,
    activity: Activity | None = None,
) -> Activity:
    """Create or change an activity after the content rules. Raises ValidationError (activity_validate)."""
    activity_validate(
        school=school,
        title=title,
        category=category,
        description=description,
        provider=provider,
        film_title=film_title,
        film_age_rating=film_age_rating,
    )
    clash = Activity.objects.filter(school=school, title=title.strip()).exclude(
        pk=getattr(activity, "pk", None)
    )
    if clash.exists():
        raise ValidationError(
            _("The school already has an activity called %(title)s."),
            code="duplicate",
            params={"title": title},
        )
    activity = activity or Activity(school=school)
    activity.title, activity.category, activity.description = title.strip(), category, description.strip()
    activity.provider, activity.off_campus = provider, off_campus
    activity.film_title, activity.film_age_rating = film_title.strip(), film_age_rating.strip()
    activity.full_clean(exclude=["school"])
    activity.save()
    if off_campus:
        OffCampusChecklist.objects.get_or_create(activity=activity)
    audit.record(actor=actor, verb="activity.save", target=activity, changes={"category": category})
    return activity


@transaction.atomic
def checklist_complete(
    *,
    checklist: OffCampusChecklist,
    traffic: bool,
    venue: bool,
    fire: bool,
    food: bool,
    security: bool,
    notes: str,
    actor: User,
) -> OffCampusChecklist:
    """M4: record the off-campus safety checks; all five must pass. The county bureau is told.

    Raises ValidationError(code="incomplete").
    """
    from notices.services import notification_send

    missing = [
        label
        for ok, label in (
            (traffic, _("traffic")),
            (venue, _("venue")),
            (fire, _("fire safety")),
            (food, _("food hygiene")),
            (security, _("security")),
        )
        if not ok
    ]
    if missing:
        raise ValidationError(
            _("The off-campus activity cannot run until these are checked: %(items)s."),
            code="incomplete",
            params={"items": "、".join(missing)},
        )
    checklist.traffic = checklist.venue = checklist.fire = checklist.food = checklist.security = True
    checklist.notes, checklist.completed_by, checklist.completed_at = notes, actor, timezone.now()
    checklist.save()
    activity = checklist.activity
    audit.record(actor=actor, verb="activity.checklist_complete", target=activity)
    officers = Membership.objects.filter(
        role=Role.BUREAU_OFFICER, region=activity.school.region
    ).select_related("user")
    for membership in officers:
        notification_send(
            recipient=membership.user,
            kind="activities/off_campus_ready",
            dedupe_key=f"offcampus:{activity.code}:{membership.user_id}",
            activity=activity,
            school=activity.school,
        )
    return checklist


def activity_can_run(activity: Activity) -> bool:
    """An off-campus activity runs only once its safety checklist is complete (M4)."""
    if not activity.off_campus:
        return True
    checklist = getattr(activity, "checklist", None)
    return bool(checklist and checklist.complete)


# --- groups and sessions --------------------------------------------------------------------


@transaction.atomic
def group_save(
    *,
    activity: Activity,
    term: Term,
    name: str,
    lead: User,
    venue: Venue,
    grades: str,
    capacity: int,
    slots: list[tuple[int, datetime.time, datetime.time]],
    assistants: list[User] | None = None,
    actor: User | None,
    group: ActivityGroup | None = None,
) -> ActivityGroup:
    """Create or change a group and (re)generate its sessions for the whole term.

    Raises ValidationError(code="capacity", "tutoring", "lead", "slot", "grades", "conflict", ...).
    """
    school = activity.school
    if term.school_id != school.id or venue.school_id != school.id:
        raise ValidationError(_("Term, venue and activity must belong to the same school."), code="school")
    venue_refuse_if_blocked(venue)  # F6: e.g. an open critical safety finding (see VENUE_BLOCKERS)
    if capacity > venue.capacity:
        raise ValidationError(
            _("A group cannot have more places (%(n)s) than its venue holds (%(venue)s: %(cap)s)."),
            code="capacity",
            params={"n": capacity, "venue": venue.name, "cap": venue.capacity},
        )
    if activity.category == Category.TUTORING:
        limit = rules.policy_for(school).tutoring_max_group
        if capacity > limit:
            raise ValidationError(
                _("Free tutoring is for small groups: at most %(n)s students (set by the region)."),
                code="tutoring",
                params={"n": limit},
            )
    if lead in (assistants or []):
        raise ValidationError(
            _("The lead teacher cannot also be an assistant of the group."), code="assistant"
        )
    staff = [lead, *(assistants or [])]
    for person in staff:
        if not _is_staff(person, school):
            raise ValidationError(
                _("%(name)s is not on this school's staff."), code="lead", params={"name": str(person)}
            )
    grades = "".join(sorted(set(grades)))
    if not grades or any(g not in "123456789" for g in grades):
        raise ValidationError(_("Choose the grades the group is open to."), code="grades")
    if not slots:
        raise ValidationError(_("Add at least one weekly time slot."), code="slot")
    for weekday, start, end in slots:
        if weekday not in term.weekday_set:
            raise ValidationError(_("The service does not run on that weekday this term."), code="slot")
        if not (term.day_start <= start < end <= term.day_end):
            raise ValidationError(
                _("Time slots must lie inside the service day (%(start)s–%(end)s)."),
                code="slot",
                params={"start": term.day_start.strftime("%H:%M"), "end": term.day_end.strftime("%H:%M")},
            )
    if (
        ActivityGroup.objects.filter(term=term, name=name.strip())
        .exclude(pk=getattr(group, "pk", None))
        .exists()
    ):
        raise ValidationError(
            _("This term already has a group called %(name)s."), code="duplicate", params={"name": name}
        )
    group = group or ActivityGroup(activity=activity, term=term)
    group.name, group.lead, group.venue = name.strip(), lead, venue
    group.grades, group.capacity = grades, capacity
    group.full_clean(exclude=["activity", "term"])
    group.save()
    group.assistants.set(assistants or [])
    group.slots.all().delete()
    Slot.objects.bulk_create([Slot(group=group, weekday=w, start=s, end=e) for w, s, e in slots])
    sessions_generate(group=group)
    audit.record(
        actor=actor, verb="group.save", target=group, changes={"capacity": capacity, "venue": venue.name}
    )
    return group


def sessions_generate(*, group: ActivityGroup) -> list[int]:
    """Rebuild a group's sessions for the term from its slots and China's calendar: no sessions on
    official holidays or the school's closures, sessions on official make-up days (with the weekday
    timetable the school chose). Sessions that already have records stay as they are.

    Returns the years the holiday library has no data for. Raises ValidationError(code="conflict").
    """
    term = group.term
    days, missing = calendar.service_days(
        start=term.start,
        end=term.end,
        weekdays=term.weekday_set,
        closures=set(term.closures.values_list("date", flat=True)),
        makeup_runs_as=dict(term.makeup_days.values_list("date", "runs_as")),
    )
    slots = defaultdict(list)
    for slot in group.slots.all():
        slots[slot.weekday].append(slot)
    if slots and days:
        venue_refuse_if_blocked(group.venue)  # F6: no sessions in a blocked venue (VENUE_BLOCKERS)
    kept = {(s.date, s.start) for s in group.sessions.filter(has_records=True)}
    group.sessions.filter(has_records=False).delete()
    wanted = [
        Session(group=group, date=day, start=slot.start, end=slot.end, venue=group.venue, lead=group.lead)
        for day, runs_as in days
        for slot in slots.get(runs_as, [])
        if (day, slot.start) not in kept
    ]
    _refuse_conflicts(group, wanted)
    Session.objects.bulk_create(wanted)
    return sorted(missing)


def _refuse_conflicts(group: ActivityGroup, wanted: list[Session]) -> None:
    """A venue or a staff member in two sessions at once is refused, naming the first clash."""
    if not wanted:
        return
    staff = {group.lead_id, *group.assistants.values_list("pk", flat=True)}
    others = (
        Session.objects.filter(date__gte=wanted[0].date, date__lte=wanted[-1].date)
        .exclude(group=group)
        .filter(Q(venue_id=group.venue_id) | Q(lead_id__in=staff) | Q(group__assistants__in=staff))
        .distinct()
        .select_related("group", "venue")
        .prefetch_related("group__assistants")
    )
    by_date = defaultdict(list)
    for other in others:
        by_date[other.date].append(other)
    for session in wanted:
        for other in by_date.get(session.date, []):
            if session.start < other.end and other.start < session.end:
                other_staff = {other.lead_id, *(a.pk for a in other.group.assistants.all())}
                if other.venue_id == group.venue_id:
                    what = _("the venue %(venue)s") % {"venue": other.venue.name}
                elif staff & other_staff:
                    what = _("a teacher of this group")
                else:
                    continue
                raise ValidationError(
                    _(
                        "Double booking: %(what)s is already in use by %(other)s on %(date)s "
                        "%(start)s–%(end)s."
                    ),
                    code="conflict",
                    params={
                        "what": what,
                        "other": other.group.name,
                        "date": other.date.isoformat(),
                        "start": other.start.strftime("%H:%M"),
                        "end": other.end.strftime("%H:%M"),
                    },
                )


# --- added by the F6 helper: venue blockers -------------------------------------------------
# Higher floors register callables venue -> reason | None here (safety/apps.py registers "an open
# critical inspection finding", M4); activities never imports them. group_save and
# sessions_generate refuse to schedule into a venue for which any blocker gives a reason.
VENUE_BLOCKERS: list = []


def venue_blocked_reason(venue: Venue) -> str | None:
    """Why no sessions may be scheduled into the venue now, or None. For pages to show a warning."""
    for blocker in VENUE_BLOCKERS:
        reason = blocker(venue)
        if reason:
            return str(reason)
    return None


def venue_refuse_if_blocked(venue: Venue) -> None:
    """Raises ValidationError(code="venue_blocked") with the blocker's reason."""
    reason = venue_blocked_reason(venue)
    if reason:
        raise ValidationError(reason, code="venue_blocked")
