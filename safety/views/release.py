"""Release pages (F5, phone first): a session's release list, releasing one child (checked against
the child's list; a refused person is recorded and alerted), the school's still-here board and the
gate guard's look-up of a pick-up person by name, mobile or code."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from audit import services as audit
from safety.forms import attendance as forms
from safety.selectors import attendance as selectors
from safety.services import codes
from safety.services import release as services
from schools.decorators import gate_guard_or_admin_required, teacher_or_admin_required
from schools.formerrors import add_service_error


@require_GET
@teacher_or_admin_required
def release_list(request, session_code):
    session = selectors.get_session_for_user(request.user, session_code)
    roster = selectors.roster(session, with_refusals=True, with_people=True)  # who released each child
    audit.access_log(request=request, targets=[c.student for c in roster.children])
    return render(
        request,
        "safety/attendance/release_list.html",
        {"session": session, "roster": roster, "is_today": session.date == timezone.localdate()},
    )


# Service refusals by code → the field the teacher corrects.
RELEASE_ERROR_FIELDS = {
    "code": "code",
    "no_code": "code",
    "code_locked": "code",
    "code_used": "code",
    "id_last4": "id_last4",
    "verification": "verification",
    "name": "other_name",
    "to_session": "to_session",
}


@require_http_methods(["GET", "POST"])
@teacher_or_admin_required
def release_child(request, session_code, student_code):
    session = selectors.get_session_for_user(request.user, session_code)
    student = selectors.get_child_for_session(session=session, code=student_code)
    roster = selectors.roster(session, with_refusals=True)
    child = next((c for c in roster.children if c.student.pk == student.pk), None)
    if child is None:
        raise Http404
    audit.access_log(request=request, targets=[student])
    people = selectors.pickup_list(students=[student], day=session.date)[student.pk]
    form = forms.ReleaseForm(
        request.POST if request.method == "POST" else None,
        people=people,
        may_go_alone=child.may_go_alone,
        sessions=selectors.transfer_choices(session=session),
    )
    if request.method == "POST" and form.is_valid():
        try:
            outcome = services.release_decide(
                session=session, student=student, actor=request.user, **form.decision()
            )
        except ValidationError as exc:
            add_service_error(form, exc, RELEASE_ERROR_FIELDS)
        else:
            messages.success(request, outcome.message)
            return redirect("safety:release-list", session_code=session.code)
    return render(
        request,
        "safety/attendance/release_child.html",
        {"session": session, "child": child, "people": people, "form": form},
        status=400 if form.errors else 200,
    )


def _pick_school(request, schools):
    if not schools:
        raise Http404
    wanted = request.GET.get("school")
    if wanted:
        school = next((s for s in schools if str(s.code) == wanted), None)
        if school is None:
            raise Http404
        return school
    return schools[0]


@require_GET
@gate_guard_or_admin_required
def still_here(request):
    schools = selectors.board_schools(user=request.user)
    school = _pick_school(request, schools)
    board = selectors.board(
        school=school, now=timezone.now(), grace_minutes=services.UNRELEASED_GRACE_MINUTES
    )
    audit.access_log(
        request=request,
        targets=[row.child.student for row in board.rows]
        + [c.student for c in board.unaccounted]
        + [a.student for a in board.alerts if a.student_id],
    )
    return render(
        request,
        "safety/attendance/still_here.html",
        {"board": board, "schools": schools if len(schools) > 1 else [], "school": school},
    )


@require_GET
@gate_guard_or_admin_required
def gate(request):
    schools = selectors.guard_schools(user=request.user)
    school = _pick_school(request, schools)
    form = forms.GateSearchForm(request.GET or None)
    matches = None
    if form.is_valid() and form.cleaned_data["q"].strip():
        query = form.cleaned_data["q"]
        digest = codes.pickup_code_lookup_digest(query)
        # F13: 6 digits can be guessed; look-ups by code that find nobody are counted in the shared
        # cache and, past the limit, codes are not looked up (name and mobile still are).
        blocked = digest is not None and codes.gate_code_blocked(user=request.user, school_id=school.pk)
        matches = selectors.gate_lookup(
            school=school, query=query, now=timezone.now(), code_digest=None if blocked else digest
        )
        if blocked:
            form.add_error(
                "q",
                _(
                    "Too many wrong pick-up codes. Look-ups by code are paused for up to %(minutes)s "
                    "minutes; look the person up by name or mobile number, or call the school office."
                )
                % {"minutes": codes.GATE_MISS_WINDOW_MINUTES},
            )
        elif digest is not None and not matches:
            codes.gate_code_miss(user=request.user, school_id=school.pk)
        # PIPL: a look-up shows children's data to the gate: one access-log row per child shown.
        audit.access_record_many(
            user=request.user,
            targets=list({m.student.pk: m.student for m in matches}.values()),
            path=request.path,
        )
        if blocked and not matches:
            matches = None  # no "not on any list": the code was not looked up
    return render(
        request,
        "safety/attendance/gate.html",
        {"form": form, "matches": matches, "school": school, "schools": schools if len(schools) > 1 else []},
    )
