"""Terms, venues, activities and groups for school admins; timetables, "my sessions", the iCalendar
feed and workload for admins and the staff who lead or assist groups."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activities import calendar, forms, ical, selectors, services
from activities.models import OffCampusChecklist, Review
from schools import access
from schools.decorators import bureau_officer_required, school_admin_required, teacher_or_admin_required
from schools.formerrors import add_service_error, flash_service_error
from schools.models import Role

MY_SESSIONS_DAYS = 14
NAME_TAKEN = gettext_lazy("Another record of this school already has that name.")


def _warn_missing_years(request, term) -> None:
    text = _calendar_warning(term)
    if text:
        messages.warning(request, text)


def _calendar_warning(term) -> str:
    """What the term page says about years whose dates are not confirmed (F11)."""
    missing = calendar.years_without_data(term.start, term.end)
    unconfirmed = [y for y in calendar.years_unconfirmed(term.start, term.end) if y not in missing]
    parts = []
    if unconfirmed:
        parts.append(
            _(
                "No confirmed State Council schedule for %(years)s; dates follow the holiday library until "
                "a province officer enters it."
            )
            % {"years": "、".join(str(y) for y in unconfirmed)}
        )
    if missing:
        parts.append(_missing_years_text(missing))
    return " ".join(parts)


def _missing_years_text(years: list[int]) -> str:
    return _(
        "The official holiday calendar has no data yet for %(years)s: sessions in those years follow "
        "plain Monday to Friday, without public holidays or make-up days. Check them by hand."
    ) % {"years": "、".join(str(y) for y in years)}


def _school(request):
    return selectors.managed_school(request.user, request.GET.get("school"))


# --- terms ----------------------------------------------------------------------------------


@require_GET
@school_admin_required
def term_list(request):
    school = _school(request)
    return render(
        request, "activities/term_list.html", {"school": school, "terms": selectors.term_list(school)}
    )


@require_http_methods(["GET", "POST"])
@school_admin_required
def term_create(request):
    school = _school(request)
    form = forms.TermForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            term = _term_save(request, form, school=school, term=None)
        except (ValidationError, IntegrityError) as exc:
            add_service_error(form, exc, clash=NAME_TAKEN)
        else:
            return redirect("activities:term-edit", term_code=term.code)
    return render(request, "activities/term_form.html", {"school": school, "form": form, "term": None})


def _term_save(request, form, *, school, term):
    data = form.cleaned_data
    term = services.term_save(
        school=school,
        name=data["name"],
        start=data["start"],
        end=data["end"],
        weekdays=form.weekdays_string,
        day_start=data["day_start"],
        day_end=data["day_end"],
        actor=request.user,
        term=term,
    )
    messages.success(request, _("The term %(name)s has been saved.") % {"name": term.name})
    _warn_missing_years(request, term)
    return term


@require_http_methods(["GET", "POST"])
@school_admin_required
def term_edit(request, term_code):
    term = selectors.get_term_for_user(request.user, term_code)
    form = forms.TermForm(
        request.POST if request.method == "POST" else None, initial=forms.TermForm.initial_from(term)
    )
    if form.is_valid():
        try:
            _term_save(request, form, school=term.school, term=term)
        except (ValidationError, IntegrityError) as exc:
            add_service_error(form, exc, clash=NAME_TAKEN)
            term.refresh_from_db()
        else:
            return redirect("activities:term-edit", term_code=term.code)
    return _term_page(request, term, form=form)


@require_http_methods(["GET", "POST"])
@school_admin_required
def term_copy(request, term_code):
    """F15: a new term from this one: a preview of what is copied, then the new name and dates."""
    source = selectors.get_term_for_user(request.user, term_code)
    coming = selectors.term_next_dates(source)
    form = forms.TermCopyForm(
        request.POST if request.method == "POST" else None,
        initial={"name": coming.name, "start": coming.start, "end": coming.end},
    )
    if form.is_valid():
        try:
            term = services.term_copy(source=source, actor=request.user, **form.cleaned_data)
        except (ValidationError, IntegrityError) as exc:
            add_service_error(
                form, exc, {"duplicate": "name", "name": "name", "overlap": "start"}, clash=NAME_TAKEN
            )
        else:
            messages.success(
                request,
                _(
                    "The term %(name)s has been created from %(source)s. Check its groups, then generate "
                    "their sessions."
                )
                % {"name": term.name, "source": source.name},
            )
            _warn_missing_years(request, term)
            return redirect("activities:term-edit", term_code=term.code)
    return render(
        request,
        "activities/term_copy.html",
        {
            "school": source.school,
            "source": source,
            "form": form,
            "preview": selectors.term_copy_preview(source),
        },
    )


@require_POST
@school_admin_required
def term_sessions_confirm(request, term_code):
    """F15: the copied groups have been checked: generate their sessions."""
    term = selectors.get_term_for_user(request.user, term_code)
    try:
        count = services.term_sessions_confirm(term=term, actor=request.user)
    except ValidationError as exc:
        flash_service_error(request, exc)
    else:
        messages.success(request, _("Sessions have been generated for %(n)s groups.") % {"n": count})
    return redirect("activities:term-edit", term_code=term.code)


def _term_page(request, term, *, form=None, closure_form=None, makeup_form=None):
    kwargs = {"term_code": term.code}
    return render(
        request,
        "activities/term_form.html",
        {
            "school": term.school,
            "term": term,
            "archived": services.term_is_archived(term),
            "pending_groups": selectors.term_pending_groups(term),
            "form": form or forms.TermForm(initial=forms.TermForm.initial_from(term)),
            "closures": term.closures.order_by("date"),
            "closure_form": closure_form
            or forms.ClosureForm(action=reverse("activities:term-closure-add", kwargs=kwargs)),
            "makeup_form": makeup_form
            or forms.MakeupDaysForm(
                makeup_days=selectors.term_makeup_days(term),
                action=reverse("activities:term-makeup-days", kwargs=kwargs),
            ),
            "missing_years": _calendar_warning(term),
            "calendar_changes": selectors.term_calendar_changes(term),
        },
    )


@require_POST
@school_admin_required
def term_closure_add(request, term_code):
    term = selectors.get_term_for_user(request.user, term_code)
    form = forms.ClosureForm(request.POST, action=request.path)
    if form.is_valid():
        try:
            services.closure_add(
                term=term,
                date=form.cleaned_data["date"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("The service is closed on %(date)s; that day's sessions have been removed.")
                % {"date": form.cleaned_data["date"].isoformat()},
            )
            return redirect("activities:term-edit", term_code=term.code)
    return _term_page(request, term, closure_form=form)


@require_POST
@school_admin_required
def term_makeup_days(request, term_code):
    term = selectors.get_term_for_user(request.user, term_code)
    form = forms.MakeupDaysForm(
        request.POST, makeup_days=selectors.term_makeup_days(term), action=request.path
    )
    if form.is_valid():
        try:
            for makeup, runs_as in form.changed_days():
                services.makeup_day_set(makeup=makeup, runs_as=runs_as, actor=request.user)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The make-up days have been saved and the sessions regenerated."))
            return redirect("activities:term-edit", term_code=term.code)
    return _term_page(request, term, makeup_form=form)


# --- venues ---------------------------------------------------------------------------------


@require_GET
@school_admin_required
def venue_list(request):
    school = _school(request)
    return render(
        request, "activities/venue_list.html", {"school": school, "venues": selectors.venue_list(school)}
    )


@require_http_methods(["GET", "POST"])
@school_admin_required
def venue_create(request):
    return _venue_form(request, school=_school(request), venue=None)


@require_http_methods(["GET", "POST"])
@school_admin_required
def venue_edit(request, venue_code):
    venue = selectors.get_venue_for_user(request.user, venue_code)
    return _venue_form(request, school=venue.school, venue=venue)


@require_http_methods(["GET", "POST"])
@school_admin_required
def venue_sessions(request, venue_code):
    """F12: the future sessions of a venue closed by an inspection finding: the admin cancels them
    or moves them to another venue, and their teachers and families are told."""
    venue = selectors.get_venue_for_user(request.user, venue_code)
    form = forms.VenueSessionsForm(
        request.POST if request.method == "POST" else None, venue=venue, user=request.user
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            done = services.venue_sessions_relocate(
                venue=venue,
                to_venue=data["to_venue"] if data["action"] == "move" else None,
                reason=data["reason"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            if "moved" in done:
                message = _("%(n)s sessions moved to %(venue)s; teachers and families have been told.") % {
                    "n": done["moved"],
                    "venue": data["to_venue"].name,
                }
            else:
                message = _("%(n)s sessions cancelled; teachers and families have been told.") % {
                    "n": done["cancelled"]
                }
            messages.success(request, message)
            return redirect("activities:venue-sessions", venue_code=venue.code)
    sessions = list(
        services.venue_future_sessions(venue).select_related("group").order_by("date", "start")[:200]
    )
    return render(
        request,
        "activities/venue_sessions.html",
        {
            "school": venue.school,
            "venue": venue,
            "blocked": services.venue_blocked_reason(venue),
            "sessions": sessions,
            "form": form if sessions else None,
        },
        status=400 if form.is_bound else 200,
    )


def _venue_form(request, *, school, venue):
    form = forms.VenueForm(
        request.POST if request.method == "POST" else None,
        school=school,
        initial=forms.VenueForm.initial_from(venue) if venue else None,
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            venue = services.venue_save(
                school=school,
                name=data["name"],
                kind=data["kind"],
                capacity=data["capacity"],
                safety_officer=data["safety_officer"],
                address=data["address"],
                actor=request.user,
                venue=venue,
            )
        except (ValidationError, IntegrityError) as exc:
            add_service_error(form, exc, clash=NAME_TAKEN)
            if venue is not None:
                venue.refresh_from_db()
        else:
            messages.success(request, _("The venue %(name)s has been saved.") % {"name": venue.name})
            return redirect(f"{reverse('activities:venue-list')}?school={school.code}")
    return render(request, "activities/venue_form.html", {"school": school, "form": form, "venue": venue})


# --- activities -----------------------------------------------------------------------------


@require_GET
@school_admin_required
def activity_list(request):
    school = _school(request)
    activities = list(selectors.activity_list(school))
    for activity in activities:
        activity.blocked = services.activity_blocked_reason(activity)
        activity.can_run = activity.blocked is None
    return render(request, "activities/activity_list.html", {"school": school, "activities": activities})


@require_http_methods(["GET", "POST"])
@school_admin_required
def activity_create(request):
    return _activity_form(request, school=_school(request), activity=None)


@require_http_methods(["GET", "POST"])
@school_admin_required
def activity_edit(request, activity_code):
    activity = selectors.get_activity_for_user(request.user, activity_code)
    return _activity_form(request, school=activity.school, activity=activity)


def _activity_form(request, *, school, activity):
    form = forms.ActivityForm(
        request.POST if request.method == "POST" else None,
        school=school,
        initial=forms.ActivityForm.initial_from(activity) if activity else None,
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            activity = services.activity_save(school=school, actor=request.user, activity=activity, **data)
        except (ValidationError, IntegrityError) as exc:
            add_service_error(form, exc, {"explanation_needed": "explanation"}, clash=NAME_TAKEN)
            if activity is not None:
                activity.refresh_from_db()
        else:
            messages.success(request, _("The activity %(title)s has been saved.") % {"title": activity.title})
            if activity.review == Review.HELD:
                messages.warning(
                    request,
                    _(
                        "It is held for the education bureau's review: no sessions or applications until "
                        "the bureau approves it."
                    ),
                )
            if getattr(activity, "bureau_told", None) is False:
                messages.error(
                    request,
                    _(
                        "No education bureau on this school's reporting chain has an officer in the portal, "
                        "so nobody can review the activity yet. Ask the education bureau to set up an "
                        "officer account."
                    ),
                )
            if activity.off_campus and not services.activity_can_run(activity):
                return redirect("activities:activity-checklist", activity_code=activity.code)
            return redirect(f"{reverse('activities:activity-list')}?school={school.code}")
    return render(
        request, "activities/activity_form.html", {"school": school, "form": form, "activity": activity}
    )


@require_http_methods(["GET", "POST"])
@school_admin_required
def activity_checklist(request, activity_code):
    """M4: the off-campus safety checklist; the bureau is notified once it is complete."""
    activity = selectors.get_activity_for_user(request.user, activity_code)
    if not activity.off_campus:
        raise Http404
    checklist = getattr(activity, "checklist", None) or OffCampusChecklist(activity=activity)
    form = forms.ChecklistForm(request.POST if request.method == "POST" else None)
    if checklist.complete:
        form = None
    elif form.is_valid():
        try:
            checklist = services.checklist_complete(
                checklist=checklist, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            if checklist.bureau_told:
                messages.success(
                    request, _("The safety checklist is complete and the bureau has been notified.")
                )
            else:
                messages.warning(
                    request,
                    _(
                        "The safety checklist is complete, but no education bureau on the school's "
                        "reporting chain has an officer in the portal: nobody has been notified."
                    ),
                )
            for name, reason in checklist.failed_groups:
                messages.warning(
                    request,
                    _("No sessions could be generated for %(group)s: %(reason)s")
                    % {"group": name, "reason": reason},
                )
            return redirect("activities:activity-checklist", activity_code=activity.code)
    return render(
        request,
        "activities/activity_checklist.html",
        {
            "school": activity.school,
            "activity": activity,
            "checklist": checklist,
            "form": form,
            "blocked": services.activity_blocked_reason(activity),
        },
    )


# --- groups ---------------------------------------------------------------------------------


@require_GET
@teacher_or_admin_required
def group_list(request):
    """School admins: their school's groups. Other staff: the groups they lead or assist."""
    if access.has_role(request.user, Role.SCHOOL_ADMIN) or request.user.is_superuser:
        school = _school(request)
    else:
        school = None
    groups = selectors.group_list(user=request.user, school=school)
    return render(request, "activities/group_list.html", {"school": school, "groups": groups})


@require_http_methods(["GET", "POST"])
@school_admin_required
def group_create(request):
    return _group_form(request, school=_school(request), group=None)


@require_http_methods(["GET", "POST"])
@school_admin_required
def group_edit(request, group_code):
    group = selectors.get_group_to_manage(request.user, group_code)
    if services.term_is_archived(group.term):
        # F15: an archived term's groups are read-only: their page, without the form.
        messages.info(
            request, _("%(term)s is archived: its groups can no longer be changed.") % {"term": group.term}
        )
        return redirect("activities:group-detail", group_code=group.code)
    return _group_form(request, school=group.activity.school, group=group)


def _group_form(request, *, school, group):
    data = request.POST if request.method == "POST" else None
    form = forms.GroupForm(
        data,
        school=school,
        user=request.user,
        editing=group is not None,
        initial=forms.GroupForm.initial_from(group) if group else None,
    )
    slots = forms.slot_formset(data, group=group)
    if data is not None and form.is_valid() and slots.is_valid():
        cleaned = form.cleaned_data
        term = group.term if group else cleaned["term"]
        try:
            group = services.group_save(
                activity=group.activity if group else cleaned["activity"],
                term=term,
                name=cleaned["name"],
                lead=cleaned["lead"],
                venue=cleaned["venue"],
                grades=form.grades_string,
                capacity=cleaned["capacity"],
                slots=slots.slots(),
                assistants=list(cleaned["assistants"]),
                actor=request.user,
                group=group,
            )
        except (ValidationError, IntegrityError) as exc:
            add_service_error(form, exc, clash=NAME_TAKEN)
            if group is not None:
                group = selectors.get_group_to_manage(request.user, group.code)
        else:
            blocked = services.activity_blocked_reason(group.activity)
            if blocked:
                messages.warning(
                    request,
                    _(
                        "The group %(name)s has been saved. It has no sessions and takes no "
                        "applications: %(why)s."
                    )
                    % {"name": group.name, "why": blocked},
                )
            else:
                messages.success(
                    request,
                    _("The group %(name)s has been saved and its sessions generated for the whole term.")
                    % {"name": group.name},
                )
            _warn_missing_years(request, term)
            return redirect("activities:group-detail", group_code=group.code)
    return render(
        request,
        "activities/group_form.html",
        {"school": school, "form": form, "slots": slots, "group": group},
    )


@require_GET
@teacher_or_admin_required
def group_detail(request, group_code):
    group = selectors.get_group_for_user(request.user, group_code)
    return render(
        request,
        "activities/group_detail.html",
        {
            "group": group,
            "sessions": selectors.group_sessions(group),
            "can_manage": access.manages_school(request.user, group.activity.school_id),
            "archived": services.term_is_archived(group.term),
            "can_run": services.activity_can_run(group.activity),
            "blocked": services.activity_blocked_reason(group.activity),
            # An open critical safety finding on the venue stops its sessions (F6).
            "venue_warning": services.venue_blocked_reason(group.venue),
        },
    )


# --- timetables, my sessions, the calendar feed, workload -----------------------------------


def _week(value: str | None) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    return selectors.week_start_of(day)


@require_GET
@school_admin_required
def timetable(request):
    school = _school(request)
    by = "staff" if request.GET.get("by") == "staff" else "venue"
    grid = selectors.week_grid(school, _week(request.GET.get("week")), by=by)
    return render(request, "activities/timetable.html", {"school": school, "grid": grid, "by": by})


@require_GET
@teacher_or_admin_required
def my_sessions(request):
    today = timezone.localdate()
    sessions = selectors.teacher_sessions(
        request.user, today, today + datetime.timedelta(days=MY_SESSIONS_DAYS - 1)
    )
    key = ical.feed_key(request.user)
    token = ical.token_for(request.user, key) if key is not None else None
    feed_url = request.build_absolute_uri(f"{reverse('activities:ical-feed')}?token={token}") if token else ""
    return render(
        request,
        "activities/my_sessions.html",
        {
            "sessions": sessions,
            "feed_url": feed_url,
            "feed_expires": ical.expires_at(key) if key is not None else None,
            "feed_expired": key is not None and ical.expires_at(key) <= timezone.now(),
            "days": MY_SESSIONS_DAYS,
        },
    )


@require_POST
@teacher_or_admin_required
def ical_rotate(request):
    """F13: create the calendar address, or replace it (the old one stops working at once)."""
    services.calendar_feed_rotate(user=request.user)
    messages.success(request, _("Your new calendar address is ready; any previous address no longer works."))
    return redirect("activities:my-sessions")


@login_not_required  # the token says whose feed it is (schools.middleware.StaffIdleTimeoutMiddleware)
@require_GET
def ical_feed(request):
    """No session: calendar apps subscribe with the signed token. Bad, foreign or revoked: 404."""
    user = ical.user_for_token(request.GET.get("token", ""))
    if user is None or not access.has_role(user, Role.SCHOOL_ADMIN, Role.SERVICE_TEACHER, Role.CLASS_TEACHER):
        raise Http404
    today = timezone.localdate()
    sessions = selectors.teacher_sessions(
        user,
        today - datetime.timedelta(days=ical.FEED_DAYS_BACK),
        today + datetime.timedelta(days=ical.FEED_DAYS_AHEAD),
    )
    body = ical.calendar_for(
        name=_("After-school sessions of %(name)s") % {"name": user.display_name},
        sessions=sessions,
        domain=request.get_host().split(":")[0],
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="sessions.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response


def _month(value: str | None) -> datetime.date:
    try:
        return datetime.date.fromisoformat(f"{value}-01") if value else timezone.localdate().replace(day=1)
    except ValueError:
        return timezone.localdate().replace(day=1)


@require_GET
@teacher_or_admin_required
def workload(request):
    """Hours per teacher per ISO week and for the month: a school admin sees their school's staff,
    everyone else their own hours."""
    month = _month(request.GET.get("month"))
    if access.has_role(request.user, Role.SCHOOL_ADMIN) or request.user.is_superuser:
        school = _school(request)
        result = selectors.workload(school=school, month=month)
    else:
        school = None
        result = selectors.workload(user=request.user, month=month)
    first, _last = selectors.month_bounds(month)
    previous = (first - datetime.timedelta(days=1)).replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return render(
        request,
        "activities/workload.html",
        {"school": school, "workload": result, "previous": previous, "following": following},
    )


# --- the State Council's yearly schedule: province officers and superusers ------------------------


def _province_officer(request) -> None:
    """Only a province's bureau officers (and superusers) enter the national schedule; others 404."""
    if not access.is_province_officer(request.user):
        raise Http404


@require_GET
@bureau_officer_required
def calendar_years(request):
    _province_officer(request)
    rows = selectors.calendar_years(today=timezone.localdate())
    return render(
        request,
        "activities/calendar_years.html",
        {"rows": rows, "unconfirmed": [r for r in rows if not r.confirmed and r.schools]},
    )


@require_http_methods(["GET", "POST"])
@bureau_officer_required
def calendar_year(request, year: int):
    _province_officer(request)
    if not 2000 <= year <= 2100:
        raise Http404
    schedule = selectors.official_year(year)
    data = request.POST if request.method == "POST" else None
    form = forms.OfficialYearForm(data, year=year, initial=_calendar_initial(year, schedule))
    if form.is_valid():
        try:
            services.official_year_save(
                year=year,
                notice_title=form.cleaned_data["notice_title"],
                notice_number=form.cleaned_data["notice_number"],
                days=form.entries,
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _(
                    "The %(year)s schedule has been saved. The sessions of every school's terms in %(year)s "
                    "have been regenerated and those affected have been told."
                )
                % {"year": year},
            )
            return redirect("activities:calendar-year", year=year)
    library = calendar.library_year(year)
    return render(
        request,
        "activities/calendar_year.html",
        {
            "year": year,
            "schedule": schedule,
            "form": form,
            "library_source": library.source,
            "suggested": schedule is None and library.has_data,
        },
    )


def _calendar_initial(year: int, schedule) -> dict:
    """The entered schedule, or the holiday libraries' view of the year as a starting point."""
    if schedule is not None:
        return {
            "notice_title": schedule.notice_title,
            "notice_number": schedule.notice_number,
            "days": forms.official_days_text(schedule.days.all()),
        }
    return {
        "notice_title": f"国务院办公厅关于{year}年部分节假日安排的通知",  # the document's own title
        "days": forms.official_days_text(selectors.library_days(calendar.library_year(year))),
    }
