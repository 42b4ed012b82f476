"""The home page of each role, and the bureau's read-only page of one school."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from audit import services as audit
from schools import selectors_home
from schools.decorators import role_required
from schools.models import Role


@require_http_methods(["GET"])
@login_required
def home(request):
    today = timezone.localdate()
    sections = selectors_home.home_sections(user=request.user, today=today)
    # PIPL: the class teacher's roster shows each child's data (a family's own children excepted).
    audit.access_log(
        request=request,
        targets=[s for roster in sections.get("class_teacher", []) for s in roster.class_group.roster],
    )
    return render(request, "schools/home.html", {"today": today, **sections})


@require_http_methods(["GET"])
@role_required(Role.BUREAU_OFFICER)
def bureau_school(request, school_code):
    school = selectors_home.school_for_bureau(user=request.user, code=school_code)
    classes = selectors_home.classes_for_bureau(user=request.user, school=school)
    return render(
        request,
        "schools/bureau_school.html",
        {
            "school": school,
            "classes": classes,
            "priority_labels": [label for _key, _q, label in selectors_home.PRIORITY_GROUPS],
        },
    )
