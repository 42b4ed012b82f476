"""Teachers' pages (F5, phone first): today's sessions with counts, a session's page (handovers to
confirm, links to roll call and release), the roll call, the duty handover, and the class
teacher's day (hand the class over, see leave). Sessions come through safety.selectors, which build
on schools.access and activities.selectors; anything else answers 404."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activities import services as activity_services
from audit import services as audit
from safety import sheets
from safety.forms import attendance as forms
from safety.selectors import attendance as selectors
from safety.services import attendance as attendance_services
from safety.services import handover as handover_services
from schools.decorators import class_teacher_or_admin_required, teacher_or_admin_required
from schools.formerrors import add_service_error


@require_GET
@teacher_or_admin_required
def today(request):
    day = timezone.localdate()
    return render(
        request,
        "safety/attendance/today.html",
        {
            "today": day,
            "rosters": selectors.teacher_today(user=request.user, today=day),
            "pending": selectors.pending_for_receiver(user=request.user, today=day),
            "classes": selectors.teacher_classes(user=request.user),
        },
    )


@require_GET
@teacher_or_admin_required
def history(request):
    """The sessions the user ran (or their schools', for a school admin) over the last weeks, newest
    first, each linking to its page: a roll call is corrected the next day from here."""
    day = timezone.localdate()
    return render(
        request,
        "safety/attendance/history.html",
        {
            "sessions": selectors.session_history(user=request.user, today=day),
            "days": selectors.HISTORY_DAYS,
        },
    )


@require_GET
@teacher_or_admin_required
def session_sheet(request, session_code):
    """The sign-in and pick-up sheet of one session as a PDF, to print for a day without network."""
    session = selectors.get_session_for_user(request.user, session_code)
    sheet = selectors.session_sheet(session)
    # PIPL: the sheet names the children and their pick-up persons.
    audit.access_log(request=request, targets=[row.student for row in sheet.rows])
    group = session.group
    title = _("Sign-in and pick-up sheet")
    lines = [
        f"{group.activity.school.name} · {group.activity.title} · {group.name}",
        _("%(date)s, %(start)s–%(end)s, %(venue)s")
        % {
            "date": session.date.isoformat(),
            "start": session.start.strftime("%H:%M"),
            "end": session.end.strftime("%H:%M"),
            "venue": session.venue.name if session.venue_id else "",
        },
        _("Children expected: %(n)s") % {"n": sum(1 for row in sheet.rows if not row.note)},
    ]
    rows = [
        {"child": r.student.name, "class": r.class_name, "note": r.note, "pickups": r.pickups}
        for r in sheet.rows
    ]
    response = HttpResponse(
        sheets.session_sheet_pdf(title=title, lines=lines, rows=rows), content_type="application/pdf"
    )
    response["Content-Disposition"] = (
        f'inline; filename="sheet-{session.date.isoformat()}-{session.code}.pdf"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _session_page(request, session, *, confirm_forms=None):
    roster = selectors.roster(session, with_refusals=True)
    # PIPL: the page names the children on leave (the others are counted, not named).
    audit.access_log(request=request, targets=[c.student for c in roster.on_leave])
    confirm_forms = confirm_forms or {}
    pending = [
        (
            h,
            confirm_forms.get(h.pk)
            or forms.CountForm(
                initial={"count": h.count},
                action=reverse("safety:handover-confirm", kwargs={"handover_code": h.code}),
            ),
        )
        for h in roster.pending_handovers
        if h.to_user_id == request.user.pk or h.given_by_id != request.user.pk
    ]
    return render(
        request,
        "safety/attendance/session.html",
        {
            "session": session,
            "roster": roster,
            "pending": pending,
            "done": [h for h in roster.handovers if selectors.confirmation_of(h)],
            "is_today": session.date == timezone.localdate(),
        },
        status=400 if confirm_forms else 200,
    )


@require_GET
@teacher_or_admin_required
def session(request, session_code):
    return _session_page(request, selectors.get_session_for_user(request.user, session_code))


@require_POST
@teacher_or_admin_required
def handover_confirm(request, handover_code):
    handover = selectors.get_handover_to_confirm_for_user(user=request.user, code=handover_code)
    session = selectors.get_session_for_user(request.user, handover.session.code)
    form = forms.CountForm(
        request.POST, action=reverse("safety:handover-confirm", kwargs={"handover_code": handover.code})
    )
    if form.is_valid():
        try:
            confirmation = handover_services.handover_confirm(
                handover=handover, actor=request.user, count=form.cleaned_data["count"]
            )
        except ValidationError as exc:
            add_service_error(form, exc, {"count": "count"})
        else:
            if confirmation.mismatch:
                messages.warning(
                    request,
                    _(
                        "Recorded: %(given)s handed over, %(received)s counted. The school admin has been "
                        "told; find out where every child is."
                    )
                    % {"given": handover.count, "received": confirmation.count},
                )
            else:
                messages.success(
                    request, _("Handover confirmed: %(n)s children.") % {"n": confirmation.count}
                )
            return redirect("safety:session", session_code=session.code)
    return _session_page(request, session, confirm_forms={handover.pk: form})


@require_http_methods(["GET", "POST"])
@teacher_or_admin_required
def roll_call(request, session_code):
    session = selectors.get_session_for_user(request.user, session_code)
    roster = selectors.roster(session)
    form = forms.RollCallForm(request.POST if request.method == "POST" else None, children=roster.roll)
    audit.access_log(request=request, targets=[c.student for c in roster.roll])  # PIPL: each child named
    if request.method == "POST" and form.is_valid():
        try:
            result = attendance_services.roll_call_save(
                session=session, actor=request.user, marks=form.marks(), roster=roster
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            text = ngettext(
                "Roll call saved: %(n)s mark.", "Roll call saved: %(n)s marks.", result["saved"]
            ) % {"n": result["saved"]}
            if result["corrections"]:
                text += " " + ngettext(
                    "%(n)s correction recorded.", "%(n)s corrections recorded.", result["corrections"]
                ) % {"n": result["corrections"]}
            if result["absent"]:
                text += " " + _("The guardians and class teachers of absent children are being told.")
            messages.success(request, text)
            return redirect("safety:session", session_code=session.code)
    return render(
        request,
        "safety/attendance/roll_call.html",
        {
            "session": session,
            "roster": roster,
            "form": form,
            "is_today": session.date == timezone.localdate(),
            # F15: an archived term's roll calls are read-only.
            "archived": activity_services.term_is_archived(session.group.term),
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@teacher_or_admin_required
def duty_handover(request, session_code):
    session = selectors.get_session_for_user(request.user, session_code)
    roster = selectors.roster(session)
    staff = selectors.staff_choices(
        school=session.group.activity.school, exclude=[roster.holder, request.user]
    )
    form = forms.DutyHandoverForm(
        request.POST if request.method == "POST" else None,
        staff=staff,
        initial={"count": len(roster.in_care)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            handover_services.handover_duty_give(
                session=session,
                actor=request.user,
                to_user=form.cleaned_data["to_user"],
                count=form.cleaned_data["count"],
            )
        except ValidationError as exc:
            add_service_error(form, exc, {"count": "count", "same_person": "to_user", "not_staff": "to_user"})
        else:
            messages.success(
                request,
                _("Handed over. %(name)s confirms the count on their phone.")
                % {"name": form.cleaned_data["to_user"]},
            )
            return redirect("safety:session", session_code=session.code)
    return render(
        request,
        "safety/attendance/duty_handover.html",
        {"session": session, "roster": roster, "form": form},
        status=400 if form.errors else 200,
    )


# --- the class teacher --------------------------------------------------------------------------


@require_GET
@class_teacher_or_admin_required
def class_home(request):
    classes = selectors.teacher_classes(user=request.user)
    if len(classes) == 1:
        return redirect("safety:class-day", class_code=classes[0].code)
    return render(request, "safety/attendance/class_home.html", {"classes": classes})


@require_http_methods(["GET", "POST"])
@class_teacher_or_admin_required
def class_day(request, class_code):
    class_group = selectors.class_for_teacher(user=request.user, code=class_code)
    day = timezone.localdate()
    sessions = selectors.class_day(class_group=class_group, day=day)
    bound = None
    if request.method == "POST":
        bound = forms.ClassHandoverForm(request.POST, items=sessions)
        if bound.is_valid():
            item = bound.cleaned_data["session"]
            try:
                handover_services.handover_class_give(
                    session=item.roster.session,
                    class_group=class_group,
                    actor=request.user,
                    count=bound.cleaned_data["count"],
                )
            except ValidationError as exc:
                add_service_error(bound, exc, {"count": "count"})
            else:
                messages.success(
                    request,
                    _("Handed over to %(name)s: %(n)s children. They confirm the count.")
                    % {"name": item.roster.holder, "n": bound.cleaned_data["count"]},
                )
                return redirect("safety:class-day", class_code=class_group.code)
    rows = []
    for item in sessions:
        form = None
        if item.handover is None:
            if bound is not None and bound.data.get("session") == str(item.roster.session.code):
                form = bound
            else:
                form = forms.ClassHandoverForm(
                    session_code=item.roster.session.code, initial={"count": item.expected}
                )
        rows.append((item, form))
    leaves = selectors.class_leaves(class_group=class_group, start=day)
    audit.access_log(
        request=request,
        targets=[c.student for item in sessions for c in item.children] + [leave.student for leave in leaves],
    )
    return render(
        request,
        "safety/attendance/class_day.html",
        {
            "class_group": class_group,
            "today": day,
            "rows": rows,
            "leaves": leaves,
        },
        status=400 if bound is not None and bound.errors else 200,
    )
