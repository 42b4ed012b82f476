"""The home page of each role, and the bureau's read-only page of one school."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from audit import services as audit
from schools import selectors, selectors_home, services
from schools.decorators import bureau_officer_required


@require_GET
@login_required
def home(request):
    today = timezone.localdate()
    sections = selectors_home.home_sections(user=request.user, today=today)
    # PIPL: the class teacher's roster shows each child's data (a family's own children excepted).
    audit.access_log(
        request=request,
        targets=[s for roster in sections.get("class_teacher", []) for s in roster.class_group.roster],
    )
    links = selectors.guardian_links_pending(user=request.user)
    return render(request, "schools/home.html", {"today": today, "guardian_links": links, **sections})


@require_POST
@login_required
def guardian_link_decide(request, link_code):
    """The account holder accepts or declines a school's request to become a child's guardian."""
    link = selectors.get_pending_guardian_link_for_user(user=request.user, code=link_code)
    accept = request.POST.get("decision") == "accept"
    try:
        services.guardian_link_decide(link=link, user=request.user, accept=accept)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if accept:
            messages.success(
                request, _("%(child)s is now linked to your account.") % {"child": link.student.name}
            )
        else:
            messages.info(request, _("You declined the school's request."))
    return redirect("home")


@require_GET
@bureau_officer_required
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
