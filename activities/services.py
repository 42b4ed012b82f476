"""Writes to terms, venues, activities, groups and sessions. Every rule of M1/M3/H2/H3 lives here,
so forms, the Django admin, imports and any API all go through the same checks."""

import datetime
import secrets
from collections import defaultdict
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from activities import calendar, ical, rules
from activities.models import (
    Activity,
    ActivityGroup,
    CalendarFeedKey,
    Category,
    Closure,
    MakeupDay,
    OffCampusChecklist,
    OfficialDay,
    OfficialYear,
    Provider,
    Review,
    Session,
    Slot,
    Term,
    Venue,
    VenueKind,
)
from audit import services as audit
from schools.models import Membership, Role, School, User
from schools.selectors import bureau_officers_for_school

STAFF_ROLES = (Role.SERVICE_TEACHER, Role.SCHOOL_ADMIN, Role.CLASS_TEACHER)


def _is_staff(user: User, school: School) -> bool:
    return Membership.objects.filter(user=user, school=school, role__in=STAFF_ROLES).exists()


# --- the calendar feed ----------------------------------------------------------------------------


@transaction.atomic
def calendar_feed_rotate(*, user: User, now: datetime.datetime | None = None) -> str:
    """Create or replace the user's calendar feed key: the previous address stops working at once,
    the new one works for ICAL_TOKEN_DAYS. Returns the new token. Raises nothing."""
    now = now or timezone.now()
    replaced = CalendarFeedKey.objects.filter(user=user).exists()
    key, _created = CalendarFeedKey.objects.update_or_create(
        user=user, defaults={"key": secrets.token_urlsafe(32), "issued_at": now}
    )
    # The token is never written to the audit row or a log.
    audit.record(
        actor=user,
        verb="calendar_feed.rotate" if replaced else "calendar_feed.create",
        target=user,
        changes={"expires": ical.expires_at(key).isoformat()},
    )
    return ical.token_for(user)


# --- the archive rule -------------------------------------------------------------------------


# Builders of past records (the demo's archived term) write as of a day of that term; nothing a
# request reaches sets it.
_history_day: ContextVar[datetime.date | None] = ContextVar("history_day", default=None)


@contextmanager
def history_as_of(day: datetime.date):
    """F15: within the block, the archive rule reads `day` as today (for demo builders only)."""
    token = _history_day.set(day)
    try:
        yield
    finally:
        _history_day.reset(token)


def term_is_archived(term: Term, *, day: datetime.date | None = None) -> bool:
    """F15: whether the term is archived on `day` (today): the one reading pages and services share."""
    return term.archived_on(day or _history_day.get() or timezone.localdate())


def term_refuse_if_archived(term: Term, *, day: datetime.date | None = None) -> None:
    """F15: a term whose last day is before `day` (today) is archived: read-only. Every write
    service that takes a term, group or session calls this (enrollment, safety, subsidies too).
    The last day itself still works (a child released that evening); the lock starts the day after.

    Raises ValidationError(code="term_archived")."""
    if term_is_archived(term, day=day):
        raise ValidationError(
            _("%(term)s ended on %(end)s and is archived: its records can be read but no longer changed."),
            code="term_archived",
            params={"term": term.name, "end": term.end.isoformat()},
        )


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
    if term is not None:
        term_refuse_if_archived(term)
    if end < start:
        raise ValidationError(_("The last day cannot be before the first day."), code="dates")
    if day_end <= day_start:
        raise ValidationError(_("The service must end after it starts."), code="window")
    weekdays = "".join(sorted(set(weekdays)))
    if not weekdays or any(d not in "1234567" for d in weekdays):
        raise ValidationError(_("Choose at least one service weekday."), code="weekdays")
    term_check_region_window(policy=rules.policy_for(school), day_end=day_end, weekdays=weekdays)
    term = term or Term(school=school)
    term.name, term.start, term.end, term.weekdays = name.strip(), start, end, weekdays
    term.day_start, term.day_end = day_start, day_end
    term.full_clean(exclude=["school"])
    term.save()
    known = set(term.makeup_days.values_list("date", flat=True))
    MakeupDay.objects.bulk_create(
        [
            MakeupDay(term=term, date=d, runs_as=runs_as)
            for d, runs_as in calendar.makeup_defaults(start, end).items()
            if d not in known
        ]
    )
    # New dates or weekdays apply to every group: rebuild their sessions (records are kept).
    for group in term.groups.select_related("term").prefetch_related("assistants"):
        sessions_generate(group=group)
    audit.record(actor=actor, verb="term.save", target=term, changes={"start": str(start), "end": str(end)})
    return term


# --- a new term from an earlier one (F15) ------------------------------------------------------
# Higher floors register callables (source=, term=, actor=) that carry their own per-term records
# over (enrollment/apps.py registers the notice and survey as drafts); activities never imports them.
TERM_COPIED: list = []


def _term_copy_check(*, source: Term, name: str, start: datetime.date, end: datetime.date) -> None:
    """Raises ValidationError(code="name", "dates", "duplicate", "overlap")."""
    if not name.strip():
        raise ValidationError(_("Give the new term a name."), code="name")
    if end < start:
        raise ValidationError(_("The last day cannot be before the first day."), code="dates")
    terms = Term.objects.filter(school_id=source.school_id)
    if terms.filter(name=name.strip()).exists():
        raise ValidationError(
            _("The school already has a term called %(name)s."),
            code="duplicate",
            params={"name": name.strip()},
        )
    other = terms.filter(start__lte=end, end__gte=start).first()
    if other is not None:
        raise ValidationError(
            _("The dates overlap %(term)s (%(start)s to %(end)s); terms of a school cannot overlap."),
            code="overlap",
            params={"term": other.name, "start": other.start.isoformat(), "end": other.end.isoformat()},
        )


def staff_ids(school: School) -> set[int]:
    """The ids of the people who hold a staff role at the school today."""
    return set(
        Membership.objects.filter(school=school, role__in=STAFF_ROLES).values_list("user_id", flat=True)
    )


@transaction.atomic
def term_copy(
    *, source: Term, name: str, start: datetime.date, end: datetime.date, actor: User | None
) -> Term:
    """F15: a new term of the same school from an earlier one: its service days and hours, and every
    group (activity, lead, assistants, venue, grades, capacity, weekly slots) as an editable copy
    whose sessions wait for term_sessions_confirm or the group's first save. Activities and venues
    belong to the school and are shared, not copied. Teachers no longer on the staff are left out
    (a group without a lead must get one before its sessions). Higher floors carry their records
    over through TERM_COPIED (the notice and survey, as drafts).

    Raises ValidationError(code="name", "dates", "duplicate", "overlap", and term_save's codes)."""
    _term_copy_check(source=source, name=name, start=start, end=end)
    term = term_save(
        school=source.school,
        name=name,
        start=start,
        end=end,
        weekdays=source.weekdays,
        day_start=source.day_start,
        day_end=source.day_end,
        actor=actor,
    )
    staff = staff_ids(source.school)
    groups = source.groups.select_related("activity").prefetch_related("assistants", "slots").order_by("name")
    left_out = 0
    for old in groups:
        lead_id = old.lead_id if old.lead_id in staff else None
        new = ActivityGroup.objects.create(
            activity=old.activity,
            term=term,
            name=old.name,
            lead_id=lead_id,
            venue_id=old.venue_id,
            grades=old.grades,
            capacity=old.capacity,
            sessions_pending=True,
        )
        assistants = [a for a in old.assistants.all() if a.pk in staff and a.pk != lead_id]
        new.assistants.set(assistants)
        Slot.objects.bulk_create(
            [Slot(group=new, weekday=x.weekday, start=x.start, end=x.end) for x in old.slots.all()]
        )
        left_out += (lead_id is None) + (len(old.assistants.all()) - len(assistants))
    for carry in TERM_COPIED:
        carry(source=source, term=term, actor=actor)
    audit.record(
        actor=actor,
        verb="term.copy",
        target=term,
        changes={"from": source.name, "groups": len(groups), "teachers_left_out": left_out},
    )
    return term


@transaction.atomic
def term_sessions_confirm(*, term: Term, actor: User | None) -> int:
    """F15: generate the sessions of the term's copied groups the school admin has checked.
    Returns how many groups got their sessions.

    Raises ValidationError(code="term_archived", "no_lead", "conflict", "venue_blocked", ...)."""
    term_refuse_if_archived(term)
    pending = list(
        term.groups.filter(sessions_pending=True)
        .select_related("term", "venue", "activity", "lead")
        .prefetch_related("assistants")
        .order_by("name")
    )
    for group in pending:
        if group.lead_id is None:
            raise ValidationError(
                _("Choose a lead teacher for %(group)s before its sessions are generated."),
                code="no_lead",
                params={"group": group.name},
            )
    for group in pending:
        group.sessions_pending = False
        group.save(update_fields=["sessions_pending"])
        sessions_generate(group=group)
    audit.record(actor=actor, verb="term.sessions_confirm", target=term, changes={"groups": len(pending)})
    return len(pending)


@transaction.atomic
def closure_add(*, term: Term, date: datetime.date, reason: str, actor: User | None) -> Closure:
    """Close the service on a day; that day's sessions without records go, and their teachers and
    families are told. Raises ValidationError."""
    term_refuse_if_archived(term)
    if not term.start <= date <= term.end:
        raise ValidationError(_("The date is outside the term."), code="outside_term")
    closure, _created = Closure.objects.update_or_create(term=term, date=date, defaults={"reason": reason})
    going = Session.objects.filter(group__term=term, date=date, has_records=False)
    # F12: the families and teachers of the cancelled sessions are told (not for a day gone by).
    groups = list(
        ActivityGroup.objects.filter(pk__in=going.values("group_id"))
        .select_related("lead")
        .prefetch_related("assistants")
    )
    going.delete()
    if date >= timezone.localdate():
        sessions_change_tell(
            by_group={group: [date] for group in groups},
            kind="activities/sessions_cancelled",
            key=f"closure:{term.code}:{date.isoformat()}",
            school=term.school,
            reason=reason or _("the school is closed that day"),
        )
    Session.objects.filter(group__term=term, date=date, has_records=True).update(off_calendar=True)
    audit.record(
        actor=actor, verb="term.closure_add", target=term, changes={"date": str(date), "reason": reason}
    )
    return closure


@transaction.atomic
def makeup_day_set(*, makeup: MakeupDay, runs_as: int, actor: User | None) -> MakeupDay:
    """Choose whose weekday timetable a make-up working day runs, and regenerate.

    Raises ValidationError(code="weekday").
    """
    term_refuse_if_archived(makeup.term)
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
        raise ValidationError(_("Choose one of the permitted categories."), code="category")
    found = rules.extra_lesson_terms_found(rules.policy_for(school), title, description)
    if found:
        raise ValidationError(
            _(
                "“%(title)s” reads as extra lessons or collective teaching (%(words)s). The after-school "
                "service must never become collective teaching or extra lessons."
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


def term_check_region_window(*, policy: rules.Policy, day_end: datetime.time, weekdays: str) -> None:
    """The service window and weekdays the region sets (M1; F17: latest end and weekdays too).
    Raises ValidationError(code="too_early", "too_late" or "region_weekdays")."""
    if policy.earliest_end and day_end < policy.earliest_end:
        raise ValidationError(
            _(
                "%(region)s requires the service day to end no earlier than %(time)s "
                "(each region sets its own service hours)."
            ),
            code="too_early",
            params={"region": policy.earliest_end_region, "time": policy.earliest_end.strftime("%H:%M")},
        )
    if policy.latest_end and day_end > policy.latest_end:
        raise ValidationError(
            _("%(region)s requires the service day to end no later than %(time)s."),
            code="too_late",
            params={"region": policy.latest_end_region, "time": policy.latest_end.strftime("%H:%M")},
        )
    if set(weekdays) - set(policy.weekdays):
        raise ValidationError(
            _("%(region)s allows the service only on these weekdays: %(days)s."),
            code="region_weekdays",
            params={"region": policy.weekdays_region, "days": rules.weekday_names(policy.weekdays)},
        )


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
    explanation: str = "",
) -> Activity:
    """Create or change an activity after the content rules. Raises ValidationError (activity_validate,
    or "explanation_needed" when words under watch need the school's explanation for the bureau)."""
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
    held = activity_review_needed(
        activity=activity, title=title, description=description, explanation=explanation
    )
    activity.title, activity.category, activity.description = title.strip(), category, description.strip()
    activity.provider, activity.off_campus = provider, off_campus
    activity.film_title, activity.film_age_rating = film_title.strip(), film_age_rating.strip()
    activity.full_clean(exclude=["school"])
    activity.save()
    if off_campus:
        OffCampusChecklist.objects.get_or_create(activity=activity)
    audit.record(actor=actor, verb="activity.save", target=activity, changes={"category": category})
    if held:
        # Held again after a change: its coming sessions without records go until approved.
        Session.objects.filter(
            group__activity=activity, date__gte=timezone.localdate(), has_records=False
        ).delete()
        audit.record(
            actor=actor,
            verb="activity.review_held",
            target=activity,
            changes={"words": activity.review_words},
        )
    activity.bureau_told = activity_review_requested(activity=activity) if held else None
    return activity


def activity_review_requested(*, activity: Activity) -> bool:
    """F17: a newly held activity goes to the officers of the school's bureau (the nearest region
    on its chain with an active officer, schools.selectors.bureau_for_school), each told once in
    their language with a link to the review page. False when nobody on the chain could be told:
    the school's page says so, and nothing is recorded as sent."""
    from notices.services import notification_send

    officers = bureau_officers_for_school(activity.school)
    held_at = timezone.now().isoformat()
    for officer in officers:
        notification_send(
            recipient=officer,
            kind="activities/content_held",
            link=reverse("activities:content-review", kwargs={"review_code": activity.code}),
            dedupe_key=f"review-held:{activity.code}:{held_at}:{officer.pk}",
            activity=activity,
            school=activity.school,
        )
    return bool(officers)


def activity_review_needed(*, activity: Activity, title: str, description: str, explanation: str) -> bool:
    """F17: words that suggest disguised lessons (rules.watch_terms_found) hold the activity for the
    bureau's review with the school's explanation; an approved text that did not change stays
    approved. Sets the review fields on the unsaved row; True when it is (again) held.
    Raises ValidationError(code="explanation_needed")."""
    words = rules.watch_terms_found(rules.policy_for(activity.school), title, description)
    if not words:
        activity.review, activity.review_words = Review.NONE, ""
        return False
    unchanged = activity.pk and (activity.title, activity.description) == (title.strip(), description.strip())
    if unchanged and activity.review in (Review.APPROVED, Review.HELD) and not explanation.strip():
        return False
    if not explanation.strip():
        raise ValidationError(
            _(
                "“%(title)s” contains words that may hide lessons (%(words)s). Explain what the activity "
                "does: it will be held for the education bureau's review and gets no sessions or "
                "applications until approved."
            ),
            code="explanation_needed",
            params={"title": title, "words": "、".join(words)},
        )
    activity.review, activity.review_words = Review.HELD, "、".join(words)[:200]
    activity.review_explanation, activity.review_note = explanation.strip(), ""
    activity.reviewed_by, activity.reviewed_at = None, None
    return True


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
    """M4: record the off-campus safety checks; all five must pass. The school's bureau is told.

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
    activity.checklist = checklist
    audit.record(actor=actor, verb="activity.checklist_complete", target=activity)
    checklist.failed_groups = activity_gate_opened(activity=activity)
    # F12: the school's bureau (the nearest region on its chain with an active officer) is told;
    # the page says so when nobody on the chain could be (checklist.bureau_told).
    officers = bureau_officers_for_school(activity.school)
    checklist.bureau_told = bool(officers)
    for officer in officers:
        notification_send(
            recipient=officer,
            kind="activities/off_campus_ready",
            dedupe_key=f"offcampus:{activity.code}:{officer.pk}",
            activity=activity,
            school=activity.school,
        )
    return checklist


@transaction.atomic
def checklist_coordination_recorded(*, activity: Activity, at: datetime.datetime) -> list[tuple[str, str]]:
    """F12: the school recorded its coordination with the departments concerned (safety calls this
    with each OffCampusCoordination). The first one opens the gate if the checklist is complete.
    Returns the groups whose sessions could not be generated (name, reason)."""
    checklist, _created = OffCampusChecklist.objects.select_for_update().get_or_create(activity=activity)
    if checklist.coordinated_at is None:
        checklist.coordinated_at = at
        checklist.save(update_fields=["coordinated_at"])
    activity.checklist = checklist
    return activity_gate_opened(activity=activity)


def activity_blocked_reason(activity: Activity) -> str | None:
    """F12, M4: why an off-campus activity may not run yet — no applications, no sessions, no roll
    call — or None. Both the safety checklist and the recorded coordination are needed.
    F17: an activity held for (or rejected in) the bureau's content review does not run either."""
    if activity.review == Review.HELD:
        return _("Cannot run until the education bureau has approved its content")
    if activity.review == Review.REJECTED:
        return _("Cannot run: the education bureau rejected its content")
    if not activity.off_campus:
        return None
    checklist = getattr(activity, "checklist", None)
    if checklist is None or not checklist.complete:
        return _("Cannot run until the safety checklist is complete")
    if checklist.coordinated_at is None:
        return _("Cannot run until the coordination with the departments concerned is recorded")
    return None


def activity_can_run(activity: Activity) -> bool:
    """An off-campus activity runs only once its safety checklist is complete and its coordination
    with the departments concerned recorded (M4, F12)."""
    return activity_blocked_reason(activity) is None


def runnable_q(prefix: str = "") -> Q:
    """activity_can_run as a filter: rows whose activity (at `prefix`, e.g. "activity__") may run."""
    reviewed = Q(**{f"{prefix}review__in": [Review.NONE, Review.APPROVED]})
    return reviewed & (
        Q(**{f"{prefix}off_campus": False})
        | Q(
            **{
                f"{prefix}checklist__completed_at__isnull": False,
                f"{prefix}checklist__coordinated_at__isnull": False,
            }
        )
    )


def activity_gate_opened(*, activity: Activity) -> list[tuple[str, str]]:
    """Generate the sessions of the activity's groups in terms not yet over, now that it may run.
    A group that cannot be scheduled (double booking, a blocked venue) is reported, not raised,
    so that recording the checklist or the coordination always succeeds."""
    if not activity_can_run(activity):
        return []
    failed = []
    today = timezone.localdate()
    groups = activity.groups.filter(term__end__gte=today).select_related("term", "venue", "activity")
    for group in groups:
        group.activity = activity
        try:
            with transaction.atomic():
                sessions_generate(group=group)
        except ValidationError as exc:
            failed.append((group.name, " ".join(exc.messages)))
    return failed


# --- groups and sessions --------------------------------------------------------------------


def _venue_check_holds(venue: Venue, capacity: int) -> None:
    """Raises ValidationError(code="capacity") when a group of this size does not fit the venue."""
    if capacity > venue.capacity:
        raise ValidationError(
            _("A group cannot have more places (%(n)s) than its venue holds (%(venue)s: %(cap)s)."),
            code="capacity",
            params={"n": capacity, "venue": venue.name, "cap": venue.capacity},
        )


def _group_check_places(*, activity: Activity, venue: Venue, capacity: int) -> None:
    """The venue is usable and holds the group; free tutoring stays a small group.
    Raises ValidationError(code="capacity", "tutoring", or a venue blocker's)."""
    venue_refuse_if_blocked(venue)  # F6: e.g. an open critical safety finding (see VENUE_BLOCKERS)
    _venue_check_holds(venue, capacity)
    if activity.category == Category.TUTORING:
        limit = rules.policy_for(activity.school).tutoring_max_group
        if capacity > limit:
            raise ValidationError(
                _("Free tutoring is for small groups: at most %(n)s students (set by the region)."),
                code="tutoring",
                params={"n": limit},
            )


def _group_check_staff(*, school, lead: User, assistants: list[User]) -> None:
    """Lead and assistants are distinct people on the school's staff.
    Raises ValidationError(code="assistant", "lead")."""
    if lead in assistants:
        raise ValidationError(
            _("The lead teacher cannot also be an assistant of the group."), code="assistant"
        )
    for person in [lead, *assistants]:
        if not _is_staff(person, school):
            raise ValidationError(
                _("%(name)s is not on this school's staff."), code="lead", params={"name": str(person)}
            )


def _group_check_slots(*, term: Term, slots: list[tuple[int, datetime.time, datetime.time]]) -> None:
    """At least one weekly slot, each on a service weekday and inside the service day.
    Raises ValidationError(code="slot")."""
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

    Raises ValidationError(code="capacity", "tutoring", "lead", "slot", "grades", "conflict",
    "days_stranded", ...).
    """
    school = activity.school
    term_refuse_if_archived(term)
    if term.school_id != school.id or venue.school_id != school.id:
        raise ValidationError(_("Term, venue and activity must belong to the same school."), code="school")
    _group_check_places(activity=activity, venue=venue, capacity=capacity)
    _group_check_staff(school=school, lead=lead, assistants=assistants or [])
    grades = "".join(sorted(set(grades)))
    if not grades or any(g not in "123456789" for g in grades):
        raise ValidationError(_("Choose the grades the group is open to."), code="grades")
    _group_check_slots(term=term, slots=slots)
    if group is not None:
        meets = "".join(sorted({str(weekday) for weekday, _start, _end in slots}))
        for check in SLOT_CHECKS:
            check(group=group, weekdays=meets)
    if (
        ActivityGroup.objects.filter(term=term, name=name.strip())
        .exclude(pk=getattr(group, "pk", None))
        .exists()
    ):
        raise ValidationError(
            _("This term already has a group called %(name)s."), code="duplicate", params={"name": name}
        )
    existed = group is not None
    group = group or ActivityGroup(activity=activity, term=term)
    group.name, group.lead, group.venue = name.strip(), lead, venue
    group.grades, group.capacity = grades, capacity
    # F15: the first save of a group copied from an earlier term confirms it: sessions follow.
    group.sessions_pending = False
    group.full_clean(exclude=["activity", "term"])
    group.save()
    group.assistants.set(assistants or [])
    group.slots.all().delete()
    Slot.objects.bulk_create([Slot(group=group, weekday=w, start=s, end=e) for w, s, e in slots])
    sessions_generate(group=group)
    audit.record(
        actor=actor, verb="group.save", target=group, changes={"capacity": capacity, "venue": venue.name}
    )
    if existed:
        for fill in SEATS_CHANGED:
            fill(group=group)
    return group


def sessions_generate(*, group: ActivityGroup) -> list[int]:
    """Rebuild a group's sessions for the term from its slots and China's calendar: no sessions on
    official holidays or the school's closures, sessions on official make-up days (with the weekday
    timetable the school chose). Sessions that already have records stay as they are.

    Returns the years the holiday library has no data for. Raises ValidationError(code="conflict").
    """
    term = group.term
    if group.sessions_pending or group.lead_id is None:
        # F15: a group copied into a new term gets sessions once the school admin confirms it.
        return []
    if not activity_can_run(group.activity):
        # F12: a gate, not a badge: an off-campus activity without its checklist and coordination
        # gets no sessions (held ones stay); activity_gate_opened generates them when it opens.
        group.sessions.filter(has_records=False).delete()
        return []
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
    held = list(group.sessions.filter(has_records=True).values_list("pk", "date", "start", "off_calendar"))
    kept = {(date, start) for _pk, date, start, _off in held}
    # Held sessions are never deleted; one whose date stopped being a service day (a holiday added
    # by the State Council's schedule, a closure) is flagged for the pages to warn about.
    service_dates = {day for day, _runs_as in days}
    flag = [pk for pk, date, _s, off in held if date not in service_dates and not off]
    unflag = [pk for pk, date, _s, off in held if date in service_dates and off]
    if flag:
        Session.objects.filter(pk__in=flag).update(off_calendar=True)
    if unflag:
        Session.objects.filter(pk__in=unflag).update(off_calendar=False)
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
                raise _double_booking(
                    what=what, other=other.group.name, date=other.date, start=other.start, end=other.end
                )


def _double_booking(*, what: str, other: str, date: datetime.date, start, end) -> ValidationError:
    """The error for a venue or a person in two sessions at once (code="conflict")."""
    return ValidationError(
        _("Double booking: %(what)s is already in use by %(other)s on %(date)s %(start)s–%(end)s."),
        code="conflict",
        params={
            "what": what,
            "other": other,
            "date": date.isoformat(),
            "start": start.strftime("%H:%M"),
            "end": end.strftime("%H:%M"),
        },
    )


# --- venue blockers -------------------------------------------------------------------------------
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


def venue_future_sessions(venue: Venue):
    """Sessions still to come in the venue (from today on, no roll call yet)."""
    return Session.objects.filter(venue=venue, date__gte=timezone.localdate(), has_records=False)


def _venue_check_relocation(*, venue: Venue, to_venue: Venue, groups, sessions: list[Session]) -> None:
    """The other venue is the school's, usable, holds every group and is free at every session.
    Raises ValidationError(code="school", "same_venue", "venue_blocked", "capacity", "conflict")."""
    if to_venue.school_id != venue.school_id:
        raise ValidationError(_("Choose another venue of the same school."), code="school")
    if to_venue.pk == venue.pk:
        raise ValidationError(_("Choose another venue."), code="same_venue")
    venue_refuse_if_blocked(to_venue)
    for group in groups:
        _venue_check_holds(to_venue, group.capacity)
    clashes = Session.objects.filter(venue=to_venue, date__in={s.date for s in sessions}).values_list(
        "date", "start", "end", "group__name"
    )
    for session in sessions:
        for date, start, end, other in clashes:
            if date == session.date and session.start < end and start < session.end:
                what = _("the venue %(venue)s") % {"venue": to_venue.name}
                raise _double_booking(what=what, other=other, date=date, start=start, end=end)


@transaction.atomic
def venue_sessions_relocate(
    *, venue: Venue, to_venue: Venue | None, reason: str = "", actor: User | None
) -> dict:
    """F12: a venue that may not host sessions (e.g. closed by a critical inspection finding) has
    its future sessions cancelled (to_venue None) or moved to another venue of the school, whose
    groups then meet there; their teachers and families are told. Returns {"cancelled" | "moved": n}.

    Raises ValidationError(code="school", "same_venue", "venue_blocked", "capacity", "conflict")."""
    sessions = list(venue_future_sessions(venue).select_related("group").order_by("date", "start"))
    by_group: dict = defaultdict(set)
    for session in sessions:
        by_group[session.group_id].add(session.date)
    group_rows = {
        g.pk: g
        for g in ActivityGroup.objects.filter(pk__in=by_group)
        .select_related("lead", "term__school", "venue")
        .prefetch_related("assistants")
    }
    dates_by_group = {group_rows[pk]: dates for pk, dates in by_group.items()}
    key = f"venue:{venue.code}:{timezone.now():%Y%m%d%H%M%S%f}"
    if to_venue is None:
        Session.objects.filter(pk__in=[s.pk for s in sessions]).delete()
        sessions_change_tell(
            by_group=dates_by_group,
            kind="activities/sessions_cancelled",
            key=f"{key}:cancelled",
            school=venue.school,
            reason=reason or _("%(venue)s is closed") % {"venue": venue.name},
        )
        audit.record(
            actor=actor, verb="venue.sessions_cancel", target=venue, changes={"sessions": len(sessions)}
        )
        return {"cancelled": len(sessions)}
    _venue_check_relocation(venue=venue, to_venue=to_venue, groups=group_rows.values(), sessions=sessions)
    Session.objects.filter(pk__in=[s.pk for s in sessions]).update(venue=to_venue)
    # The groups meet in the new venue from now on, so that a later rebuild keeps them there.
    ActivityGroup.objects.filter(pk__in=group_rows, venue=venue).update(venue=to_venue)
    sessions_change_tell(
        by_group=dates_by_group,
        kind="activities/sessions_moved",
        key=f"{key}:moved",
        school=venue.school,
        venue=venue,
        to_venue=to_venue,
    )
    audit.record(
        actor=actor,
        verb="venue.sessions_move",
        target=venue,
        changes={"sessions": len(sessions), "to": to_venue.name},
    )
    return {"moved": len(sessions)}


# --- the State Council's yearly schedule ----------------------------------------------------------
# Higher floors register callables (group=, dates=) -> {user: {"dates": set, "children": set}}
# naming the families to tell when sessions of a group are cancelled (enrollment/apps.py registers
# the guardians of the children placed in it); activities never imports them.
SESSION_AUDIENCES: list = []

# F12: higher floors register callables (group=) that fill a group's free seats from its wait list
# (enrollment/apps.py registers enrollment.services.waitlist_promote); called when a group is
# changed, e.g. its capacity raised, so that new seats go to the children waiting.
SEATS_CHANGED: list = []
# F12: and callables (group=, weekdays=) that raise ValidationError when a group's new weekdays
# would leave placed children with none of their family's days (enrollment.services).
SLOT_CHECKS: list = []


class DayEntry(NamedTuple):
    """One day of a year's schedule as typed: kind is OfficialDay.Kind; runs_as only for make-up days."""

    date: datetime.date
    kind: str
    name: str = ""
    runs_as: int | None = None


def official_days_check(*, year: int, days: list[DayEntry]) -> list[tuple[int, ValidationError]]:
    """Every problem of a typed schedule, each with the index of its day (for row-level messages).

    Codes: "outside_year", "kind", "runs_as", "not_weekend", "duplicate"."""
    problems, seen = [], {}
    for index, day in enumerate(days):
        params = {"date": day.date.isoformat(), "year": year}
        if day.date.year != year:
            error = ValidationError(_("%(date)s is not in %(year)s."), code="outside_year", params=params)
            problems.append((index, error))
        elif day.date in seen:
            problems.append(
                (
                    index,
                    ValidationError(
                        _("%(date)s is listed twice."),
                        code="duplicate",
                        params={**params, "first": seen[day.date] + 1},
                    ),
                )
            )
        elif day.kind not in OfficialDay.Kind.values:
            problems.append((index, ValidationError(_("Say whether the day is a holiday."), code="kind")))
        elif day.kind == OfficialDay.Kind.WORKDAY and not (day.runs_as and 1 <= day.runs_as <= 5):
            problems.append(
                (
                    index,
                    ValidationError(
                        _(
                            "The make-up working day %(date)s needs the weekday whose timetable it "
                            "follows (Monday to Friday)."
                        ),
                        code="runs_as",
                        params=params,
                    ),
                )
            )
        elif day.kind == OfficialDay.Kind.WORKDAY and day.date.isoweekday() <= 5:
            problems.append(
                (
                    index,
                    ValidationError(
                        _("%(date)s is a weekday: a make-up working day falls on a Saturday or Sunday."),
                        code="not_weekend",
                        params=params,
                    ),
                )
            )
        seen.setdefault(day.date, index)
    return problems


@transaction.atomic
def official_year_save(
    *,
    year: int,
    notice_title: str,
    notice_number: str = "",
    days: list[DayEntry],
    actor: User | None,
) -> OfficialYear:
    """Enter or correct the State Council's schedule for a year, then re-sync every school's terms
    that touch the year (make-up days and sessions) and tell those affected.

    Raises ValidationError(code="year", "title", "empty", or one of official_days_check's codes).
    """
    if not 2000 <= year <= 2100:
        raise ValidationError(_("Choose a year between 2000 and 2100."), code="year")
    if not notice_title.strip():
        raise ValidationError(_("Enter the title of the State Council's notice."), code="title")
    if not days:
        raise ValidationError(_("Enter the year's holidays and make-up working days."), code="empty")
    problems = official_days_check(year=year, days=days)
    if problems:
        raise problems[0][1]
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    previous = calendar.makeup_defaults(first, last)
    schedule = OfficialYear.objects.select_for_update().filter(year=year).first()
    if schedule is None:
        schedule = OfficialYear(year=year, entered_by=actor if getattr(actor, "pk", None) else None)
    else:
        schedule.revision += 1
    schedule.notice_title, schedule.notice_number = notice_title.strip(), notice_number.strip()
    schedule.save()
    schedule.days.all().delete()
    OfficialDay.objects.bulk_create(
        [
            OfficialDay(
                schedule=schedule,
                date=d.date,
                kind=d.kind,
                name=d.name.strip()[:40],
                runs_as=d.runs_as if d.kind == OfficialDay.Kind.WORKDAY else None,
            )
            for d in sorted(days)
        ]
    )
    audit.record(
        actor=actor,
        verb="calendar.year_save",
        target=schedule,
        changes={
            "revision": schedule.revision,
            "holidays": sorted(d.date.isoformat() for d in days if d.kind == OfficialDay.Kind.HOLIDAY),
            "makeup": {d.date.isoformat(): d.runs_as for d in days if d.kind == OfficialDay.Kind.WORKDAY},
        },
    )
    calendar_resync(schedule=schedule, previous_defaults=previous, actor=actor)
    return schedule


@dataclass
class TermCalendarChange:
    """What a re-sync changed in one term: (date, group name) pairs, and groups it could not rebuild."""

    term: Term
    cancelled: list = field(default_factory=list)
    added: list = field(default_factory=list)
    flagged: list = field(default_factory=list)
    failed: list = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.cancelled or self.added or self.flagged or self.failed)

    def as_changes(self) -> dict:
        def rows(pairs):
            return [[d.isoformat(), name] for d, name in sorted(pairs)]

        return {
            "cancelled": rows(self.cancelled),
            "added": rows(self.added),
            "flagged": rows(self.flagged),
            "failed": [[name, reason] for name, reason in self.failed],
        }


def _sessions_snapshot(term: Term, first: datetime.date, last: datetime.date) -> dict:
    rows = Session.objects.filter(group__term=term, date__gte=first, date__lte=last).values_list(
        "group_id", "date", "off_calendar"
    )
    found: dict = defaultdict(lambda: {"dates": set(), "off": set()})
    for group_id, date, off in rows:
        found[group_id]["dates"].add(date)
        if off:
            found[group_id]["off"].add(date)
    return found


def calendar_resync(
    *, schedule: OfficialYear, previous_defaults: dict[datetime.date, int], actor: User | None
) -> list[TermCalendarChange]:
    """Bring every term that touches the schedule's year in line with it: its make-up days, then
    its groups' sessions (held sessions stay, flagged if their day is gone). Records each term's
    changes (audit row "term.calendar_resync", shown on the term page) and tells school admins,
    lead teachers and families. Called inside official_year_save's transaction. Raises nothing:
    a group that cannot be rebuilt (double booking, a blocked venue) is reported instead."""
    year = schedule.year
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    defaults = calendar.makeup_defaults(first, last)
    changes = []
    terms = Term.objects.filter(start__lte=last, end__gte=first).select_related("school").order_by("pk")
    for term in terms:
        lo, hi = max(term.start, first), min(term.end, last)
        rows = {m.date: m for m in term.makeup_days.filter(date__gte=lo, date__lte=hi)}
        official = {d: r for d, r in defaults.items() if lo <= d <= hi}
        # A make-up day no longer official goes (its held sessions stay, flagged). One still official
        # follows the schedule's weekday unless the school had chosen another than the old default.
        MakeupDay.objects.filter(pk__in=[m.pk for d, m in rows.items() if d not in official]).delete()
        MakeupDay.objects.bulk_create(
            [MakeupDay(term=term, date=d, runs_as=r) for d, r in official.items() if d not in rows]
        )
        for d, makeup in rows.items():
            chosen = makeup.runs_as != previous_defaults.get(d, 1)
            if d in official and makeup.runs_as != official[d] and not chosen:
                makeup.runs_as = official[d]
                makeup.save(update_fields=["runs_as"])
        before = _sessions_snapshot(term, lo, hi)
        change = TermCalendarChange(term=term)
        groups = list(term.groups.select_related("term", "venue", "lead").prefetch_related("assistants"))
        for group in groups:
            try:
                with transaction.atomic():
                    sessions_generate(group=group)
            except ValidationError as exc:
                change.failed.append((group.name, " ".join(exc.messages)))
        after = _sessions_snapshot(term, lo, hi)
        for group in groups:
            was, now = before[group.pk], after[group.pk]
            change.cancelled += [(d, group.name) for d in was["dates"] - now["dates"]]
            change.added += [(d, group.name) for d in now["dates"] - was["dates"]]
            change.flagged += [(d, group.name) for d in now["off"] - was["off"]]
        if change:
            audit.record(
                actor=actor,
                verb="term.calendar_resync",
                target=term,
                changes={"year": year, "revision": schedule.revision, **change.as_changes()},
            )
            _tell_calendar_change(schedule=schedule, change=change, groups={g.name: g for g in groups})
        changes.append(change)
    return changes


def _tell_calendar_change(*, schedule: OfficialYear, change: TermCalendarChange, groups: dict) -> None:
    """School admins get the summary; lead teachers and families get the cancelled sessions from
    today on, one notification per person per save (dedupe keys carry the schedule's revision)."""
    from django.urls import reverse

    from notices.services import notification_send

    term, school = change.term, change.term.school
    key = f"calendar:{schedule.year}:r{schedule.revision}"
    admins = Membership.objects.filter(role=Role.SCHOOL_ADMIN, school=school).select_related("user")
    for membership in admins:
        notification_send(
            recipient=membership.user,
            kind="activities/calendar_changed",
            link=reverse("activities:term-edit", kwargs={"term_code": term.code}),
            dedupe_key=f"{key}:term:{term.code}:{membership.user_id}",
            schedule=schedule,
            school=school,
            term=term,
            cancelled=sorted(change.cancelled),
            added=sorted(change.added),
            flagged=sorted(change.flagged),
            failed=change.failed,
        )
    today = timezone.localdate()
    by_group = defaultdict(set)
    for d, name in change.cancelled:
        if d >= today:
            by_group[groups[name]].add(d)
    sessions_change_tell(
        by_group=by_group,
        kind="activities/sessions_cancelled",
        key=f"{key}:cancelled:{term.code}",
        teachers="lead",
        schedule=schedule,
        school=school,
    )


def sessions_change_tell(
    *, by_group: dict, kind: str, key: str, teachers: str = "all", **context
) -> set[User]:
    """Tell each teacher and family concerned, once, which sessions of which groups changed
    ({group: dates}). Families come from SESSION_AUDIENCES (those expected on those dates); teachers
    are each group's lead ("lead") or its lead and assistants ("all"). The notification template
    gets `lines` [(group name, dates)] and the context. Returns who was told."""
    from notices.services import notification_send

    told: dict = defaultdict(lambda: defaultdict(set))  # user -> group name -> dates
    for group, dates in by_group.items():
        if not dates:
            continue
        staff = [group.lead] if teachers == "lead" else [group.lead, *group.assistants.all()]
        for person in filter(None, staff):
            told[person][group.name] |= set(dates)
        for audience in SESSION_AUDIENCES:
            for user, found in audience(group=group, dates=sorted(dates)).items():
                told[user][group.name] |= set(found["dates"])
    for user, per_group in told.items():
        notification_send(
            recipient=user,
            kind=kind,
            dedupe_key=f"{key}:{user.pk}",
            lines=[(name, sorted(dates)) for name, dates in sorted(per_group.items())],
            **context,
        )
    return set(told)
