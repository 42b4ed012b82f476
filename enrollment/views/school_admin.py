"""The school admin's enrollment pages for a term: the application window and tie-break, the notice
to parents (each save publishes a new version), the demand survey's results, the applications
overview and placement: run, look, move by hand, publish, open a second round."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activities import services as activity_services
from audit import services as audit
from enrollment import forms, selectors, services
from enrollment.models import Application, EnrollmentWindow, Placement
from schools.decorators import school_admin_required
from schools.formerrors import add_service_error


def _context(term, active: str, **extra) -> dict:
    return {
        "term": term,
        "school": term.school,
        "terms": selectors.school_terms(term.school),
        "active": active,
        # F15: an archived term's pages are read-only (its services refuse with term_archived).
        "archived": activity_services.term_is_archived(term),
        **extra,
    }


@require_GET
@school_admin_required
def home(request):
    school = selectors.admin_school(user=request.user, code=request.GET.get("school"))
    term = selectors.term_current(school=school, today=timezone.localdate())
    if term is None:
        return render(request, "enrollment/admin/no_term.html", {"school": school})
    return redirect("enrollment:admin-term", term_code=term.code)


@require_http_methods(["GET", "POST"])
@school_admin_required
def term(request, term_code):
    term = selectors.get_admin_term_for_user(user=request.user, code=term_code)
    window = selectors.window_of(term)
    form = forms.WindowForm(
        request.POST if request.method == "POST" else None, initial=forms.WindowForm.initial_from(window)
    )
    if form.is_valid():
        try:
            services.window_save(term=term, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc, {"dates": "closes_at"})
        else:
            messages.success(request, _("The application window has been saved."))
            return redirect("enrollment:admin-term", term_code=term.code)
    notice = services.notice_current(term)
    rows, total = selectors.applications_overview(term)
    return render(
        request,
        "enrollment/admin/term.html",
        _context(
            term,
            "term",
            window=window,
            form=form,
            notice=notice,
            acknowledgements=selectors.acknowledgement_count(notice),
            round=services.application_round(term=term),
            rows=rows,
            total=total,
            statuses=Application.Status.choices,
        ),
    )


@require_http_methods(["GET", "POST"])
@school_admin_required
def notice(request, term_code):
    term = selectors.get_admin_term_for_user(user=request.user, code=term_code)
    current = services.notice_current(term)
    # F15: a notice carried over from an earlier term prefills the form until it is published.
    source = current or services.notice_draft(term)
    initial = (
        {
            "service_method": source.service_method,
            "content": source.content,
            "safety_measures": source.safety_measures,
        }
        if source
        else {}
    )
    form = forms.NoticeForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_valid():
        try:
            published = services.notice_publish(term=term, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("Version %(version)s of the notice is published. Guardians are asked to read it again.")
                % {"version": published.version},
            )
            return redirect("enrollment:admin-notice", term_code=term.code)
    return render(
        request,
        "enrollment/admin/notice.html",
        _context(
            term,
            "notice",
            notice=current,
            draft=source if source is not current else None,
            form=form,
            acknowledgements=selectors.acknowledgement_count(current),
        ),
    )


@require_GET
@school_admin_required
def surveys(request):
    """Every term's demand survey of the school (征求意见, M2): its state and how many answered."""
    school = selectors.admin_school(user=request.user, code=request.GET.get("school"))
    return render(
        request,
        "enrollment/admin/surveys.html",
        {"school": school, "rows": selectors.surveys_of_school(school)},
    )


@require_http_methods(["GET", "POST"])
@school_admin_required
def survey_edit(request, term_code):
    term = selectors.get_admin_term_for_user(user=request.user, code=term_code)
    current = selectors.survey_of(term)
    initial = forms.SurveySettingsForm.initial_from(current)
    form = forms.SurveySettingsForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_valid():
        try:
            services.survey_save(term=term, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc, {"dates": "closes_at"})
        else:
            messages.success(request, _("The demand survey has been saved."))
            return redirect("enrollment:admin-survey", term_code=term.code)
    return render(
        request, "enrollment/admin/survey_edit.html", _context(term, "survey", form=form, survey=current)
    )


def _survey_action(request, term_code, action, done: str):
    term = selectors.get_admin_term_for_user(user=request.user, code=term_code)
    current = selectors.survey_of(term)
    if current is None:
        raise Http404
    try:
        action(survey=current, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("enrollment:admin-survey", term_code=term.code)


@require_POST
@school_admin_required
def survey_open(request, term_code):
    return _survey_action(request, term_code, services.survey_open, _("The demand survey is open."))


@require_POST
@school_admin_required
def survey_close(request, term_code):
    return _survey_action(request, term_code, services.survey_close, _("The demand survey is closed."))


@require_GET
@school_admin_required
def survey(request, term_code):
    term = selectors.get_admin_term_for_user(user=request.user, code=term_code)
    results = selectors.survey_results(term)
    chart = results.chart_data(
        {
            "wants": _("Wants the service"),
            "notWants": _("Does not need it"),
            "byGrade": _("Answers per grade"),
            "days": _("Children per service day"),
            "pickup": _("Latest pick-up time"),
            "interests": _("Interests"),
            "children": _("Number of children"),
        }
    )
    state = selectors.survey_state(results.survey, timezone.now())
    return render(
        request,
        "enrollment/admin/survey.html",
        _context(term, "survey", results=results, chart=chart, state=state),
    )


@require_GET
@school_admin_required
def placement(request, term_code):
    term = selectors.get_admin_term_for_user(user=request.user, code=term_code)
    board = selectors.placement_board(term)
    placements = [p for g in board.groups for p in (*g.placed, *g.waiting)]
    audit.access_log(
        request=request,
        targets=[p.application.student for p in placements] + [a.student for a in board.unplaced],
    )
    return render(
        request,
        "enrollment/admin/placement.html",
        _context(
            term, "placement", board=board, window=board.window, second_round_form=forms.SecondRoundForm()
        ),
    )


def _placement_action(request, term_code, action) -> object:
    term = selectors.get_admin_term_for_user(user=request.user, code=term_code)
    try:
        message = action(term)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except EnrollmentWindow.DoesNotExist:
        messages.error(request, _("Set the application window first."))
    else:
        messages.success(request, message)
    return redirect("enrollment:admin-placement", term_code=term.code)


@require_POST
@school_admin_required
def placement_run(request, term_code):
    def run(term):
        result = services.placement_run(term=term, actor=request.user)
        return _("Placement done: %(placed)s children placed, %(waitlisted)s on wait lists.") % result

    return _placement_action(request, term_code, run)


@require_POST
@school_admin_required
def placement_publish(request, term_code):
    def publish(term):
        sent = services.placement_publish(term=term, actor=request.user)
        return _("The placement is published; %(count)s families have been told their result.") % {
            "count": sent
        }

    return _placement_action(request, term_code, publish)


@require_POST
@school_admin_required
def second_round_open(request, term_code):
    form = forms.SecondRoundForm(request.POST)
    needs_review = form.is_valid() and form.cleaned_data["needs_review"]

    def open_round(term):
        services.second_round_open(term=term, needs_review=needs_review, actor=request.user)
        if needs_review:
            return _(
                "The second round is open; class teachers review each application before it takes a place."
            )
        return _("The second round is open; the remaining places go first come, first served.")

    return _placement_action(request, term_code, open_round)


@require_http_methods(["GET", "POST"])
@school_admin_required
def placement_move(request, placement_code):
    placement = selectors.get_placement_to_manage_for_user(user=request.user, code=placement_code)
    term = placement.group.term
    audit.access_log(request=request, targets=[placement.application.student])
    if placement.status == Placement.Status.RELEASED:
        messages.info(request, _("This place has been released; there is nothing to move."))
        return redirect("enrollment:admin-placement", term_code=term.code)
    form = forms.MoveForm(
        request.POST if request.method == "POST" else None, groups=selectors.move_targets(placement)
    )
    if form.is_valid():
        try:
            moved = services.placement_move(
                placement=placement, group=form.cleaned_data["group"], actor=request.user
            )
        except ValidationError as exc:
            add_service_error(form, exc, {"grade": "group", "term": "group"})
        else:
            if moved.status == Placement.Status.PLACED:
                text = _("%(child)s now has a place in %(group)s.")
            else:
                text = _("%(group)s is full: %(child)s is on its wait list.")
            messages.success(
                request, text % {"child": placement.application.student.name, "group": moved.group.name}
            )
            return redirect("enrollment:admin-placement", term_code=term.code)
    return render(
        request, "enrollment/admin/move.html", _context(term, "placement", placement=placement, form=form)
    )
