"""Off-campus coordination (M4) for school admins: each off-campus activity's record of contacts
with public security, health, food and drug supervision and fire services."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from activities import selectors as activity_selectors
from safety.forms import records as forms
from safety.selectors import records as selectors
from safety.services import offcampus as services
from schools.decorators import school_admin_required
from schools.formerrors import add_service_error


@require_GET
@school_admin_required
def overview(request):
    school = selectors.admin_school(request.user, request.GET.get("school"))
    return render(
        request,
        "safety/records/offcampus.html",
        {"school": school, "rows": selectors.offcampus_overview(school)},
    )


@require_http_methods(["GET", "POST"])
@school_admin_required
def activity_record(request, activity_code):
    activity = activity_selectors.get_activity_for_user(request.user, activity_code)
    if not activity.off_campus:
        raise Http404
    form = forms.CoordinationForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            record = services.coordination_record(activity=activity, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(
                form,
                exc,
                {
                    "department": "department",
                    "future": "contacted_on",
                    "contact": "contact",
                    "outcome": "outcome",
                },
            )
        else:
            messages.success(request, _("The contact has been added to the record."))
            if record.bureau is None:
                messages.error(
                    request,
                    _(
                        "No education bureau on the school's reporting chain has an officer in the portal: "
                        "nobody has received this record. Send it to the education bureau another way."
                    ),
                )
            for name, reason in record.failed_groups:
                messages.warning(
                    request,
                    _("No sessions could be generated for %(group)s: %(reason)s")
                    % {"group": name, "reason": reason},
                )
            return redirect("safety:offcampus-activity", activity_code=activity.code)
    return render(
        request,
        "safety/records/offcampus_activity.html",
        {
            "school": activity.school,
            "activity": activity,
            "records": selectors.offcampus_records(activity),
            "form": form,
        },
    )
