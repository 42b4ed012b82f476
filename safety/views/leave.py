"""Parents' pages (F5, phone first): each child's day (attendance, who collected them), the last
two weeks, leave (report ahead, cancel), and the pick-up code to show at the gate."""

import segno
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safety.forms import attendance as forms
from safety.selectors import attendance as selectors
from safety.services import attendance as services
from safety.services import codes
from schools import selectors as school_selectors
from schools.decorators import parent_required
from schools.formerrors import add_service_error

# Before F13 the plain codes were kept in the session under this key; it is dropped on the next POST.
OLD_SESSION_KEY = "safety_pickup_codes"


@require_GET
@parent_required
def family(request):
    day = timezone.localdate()
    return render(
        request,
        "safety/attendance/family.html",
        {"children": selectors.family_children(user=request.user, today=day), "today": day},
    )


@require_http_methods(["GET", "POST"])
@parent_required
def leave_report(request, student_code):
    student = school_selectors.get_family_child_for_user(user=request.user, code=student_code)
    day = timezone.localdate()
    sessions = selectors.child_upcoming_sessions(student=student, today=day)
    form = forms.LeaveForm(request.POST if request.method == "POST" else None, sessions=sessions, today=day)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.leave_report(
                student=student,
                actor=request.user,
                start=data.get("start"),
                end=data.get("end"),
                session=data["session"] if data["scope"] == forms.LeaveForm.FOR_SESSION else None,
                reason=data.get("reason") or "",
            )
        except ValidationError as exc:
            add_service_error(
                form,
                exc,
                {
                    "dates": "end",
                    "past": "start",
                    "too_long": "end",
                    "session": "session",
                    "too_late": "start",
                },
            )
        else:
            messages.success(
                request,
                _("Leave reported for %(child)s. The class teacher and the session's teacher can see it.")
                % {"child": student.name},
            )
            return redirect("safety:family")
    return render(
        request,
        "safety/attendance/leave_form.html",
        {"student": student, "form": form},
        status=400 if form.errors else 200,
    )


@require_POST
@parent_required
def leave_cancel(request, leave_code):
    leave = selectors.get_family_leave_for_user(user=request.user, code=leave_code)
    try:
        services.leave_cancel(leave=leave, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The leave has been cancelled."))
    return redirect("safety:family")


@require_http_methods(["GET", "POST"])
@parent_required
def pickup_code(request, student_code):
    """F13: the code is shown once, on the response to the POST that issues it, and stored nowhere in
    plain text (the database keeps a digest; the session nothing). A lost code is replaced by a new
    one. A POST with `revoke` withdraws one of the guardian's own live codes (another's: 404)."""
    student = school_selectors.get_family_child_for_user(user=request.user, code=student_code)
    code = None
    if request.method == "POST":
        request.session.pop(OLD_SESSION_KEY, None)
        if "revoke" in request.POST:
            row = selectors.get_own_pickup_code_for_user(
                user=request.user, student=student, code=request.POST["revoke"]
            )
            try:
                codes.pickup_code_revoke(row=row, actor=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("The pick-up code has been revoked."))
            return redirect("safety:pickup-code", student_code=student.code)
        try:
            _row, code = codes.pickup_code_issue(student=student, guardian_user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("safety:pickup-code", student_code=student.code)
    live = codes.pickup_code_live(student=student, issued_by=request.user)
    qr = mark_safe(segno.make(code, micro=False).svg_inline(scale=6, dark="#000")) if code else ""  # noqa: S308
    return render(
        request,
        "safety/attendance/pickup_code.html",
        {"student": student, "code": code, "live": live, "qr": qr, "ttl": codes.TTL_MINUTES},
    )
