"""The page-cost benchmark's own views (bench/urls.py): never part of the product.

hello: the framework's ceiling, a bare response behind the same middleware as every page.
signed_in_hello: the same for a signed-in user: login_required reads the session and the user (what
every page of the portal pays before its own work), then the same bare response.
naive_roll_call: the roll-call page (same view code, form and template) with the roster read the
naive way, one look-up per child and per related row instead of safety.selectors' fixed number of
queries, to show that the benchmark tells the two apart.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from enrollment.models import Application, Placement
from safety.forms import attendance as forms
from safety.models import Attendance, Leave, Release
from safety.selectors import attendance as selectors
from schools.decorators import teacher_or_admin_required


@require_GET
def hello(request):
    return HttpResponse("hello", content_type="text/plain")


@require_GET
@login_required
def signed_in_hello(request):
    return HttpResponse("hello", content_type="text/plain")


def naive_roster(session) -> selectors.SessionRoster:
    """Every child of the session, each related row fetched on its own (N+1 queries)."""
    weekday = str(session.date.isoweekday())
    children = []
    placements = Placement.objects.filter(
        group_id=session.group_id,
        status=Placement.Status.PLACED,
        application__status=Application.Status.APPROVED,
    )
    for placement in placements:
        application = placement.application
        student = application.student
        if not student.active or weekday not in application.days:
            continue
        leave = Leave.objects.filter(
            student=student, start__lte=session.date, end__gte=session.date, cancellation__isnull=True
        ).first()
        mark = Attendance.objects.filter(session=session, student=student).order_by("-revision").first()
        release = Release.objects.filter(student=student, date=session.date).first()
        children.append(
            selectors.ChildDay(
                student=student,
                session=session,
                application=application,
                leave=leave,
                mark=mark,
                release=release,
            )
        )
    children.sort(key=lambda c: (c.student.class_group.grade, c.student.class_group.number, c.student.name))
    return selectors.SessionRoster(session=session, children=children, holder=session.lead, handovers=[])


@require_GET
@teacher_or_admin_required
def naive_roll_call(request, session_code):
    session = selectors.get_session_for_user(request.user, session_code)
    roster = naive_roster(session)
    form = forms.RollCallForm(None, children=roster.roll)
    return render(
        request,
        "safety/attendance/roll_call.html",
        {
            "session": session,
            "roster": roster,
            "form": form,
            "is_today": session.date == timezone.localdate(),
        },
    )
