"""Safety responsibility (安全责任制) for school admins: each venue's and group's safety officer,
and the duty roster (值班) of leaders for service days."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activities import selectors as activity_selectors
from safety.forms import records as forms
from safety.selectors import records as selectors
from safety.services import roster as services
from schools.decorators import school_admin_required
from schools.formerrors import add_service_error

ROSTER_DAYS = 28


def _officer_forms(rows, staff, data=None, failed=None):
    for row in rows:
        prefix = f"g{row.group.pk}"
        bound = data if failed is not None and failed == row.group.pk else None
        row.form = forms.GroupOfficerForm(
            bound,
            staff=staff,
            prefix=prefix,
            action=reverse("safety:group-officer", kwargs={"group_code": row.group.code}),
            initial={"officer": row.effective.pk},
        )
    return rows


def _page(request, school, *, data=None, failed=None, status=200):
    today = timezone.localdate()
    staff = selectors.staff_choices(school)
    venues, rows = selectors.responsibility(school, today)
    return render(
        request,
        "safety/records/responsibility.html",
        {"school": school, "venues": venues, "rows": _officer_forms(rows, staff, data, failed)},
        status=status,
    )


@require_GET
@school_admin_required
def overview(request):
    return _page(request, selectors.admin_school(request.user, request.GET.get("school")))


@require_POST
@school_admin_required
def group_officer(request, group_code):
    group = activity_selectors.get_group_to_manage(request.user, group_code)
    school = group.activity.school
    form = forms.GroupOfficerForm(request.POST, staff=selectors.staff_choices(school), prefix=f"g{group.pk}")
    if form.is_valid():
        try:
            services.group_safety_officer_assign(
                group=group, officer=form.cleaned_data["officer"], actor=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("The safety officer of %(group)s has been named.") % {"group": group.name}
            )
            return redirect(f"{reverse('safety:responsibility')}?school={school.code}")
    else:
        messages.error(request, _("Choose a member of staff."))
    return redirect(f"{reverse('safety:responsibility')}?school={school.code}")


def _start(value: str | None) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        return timezone.localdate()


@require_http_methods(["GET", "POST"])
@school_admin_required
def duty_roster(request):
    school = selectors.admin_school(request.user, request.GET.get("school"))
    staff = selectors.staff_choices(school)
    form = forms.DutyForm(
        request.POST if request.method == "POST" else None,
        staff=staff,
        initial={"start": timezone.localdate(), "end": timezone.localdate() + datetime.timedelta(days=6)},
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            days = services.duty_assign(
                school=school,
                start=data["start"],
                end=data["end"],
                weekdays=set(data["weekdays"]),
                leader=data["leader"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_error(
                form,
                exc,
                {
                    "dates": "end",
                    "past": "start",
                    "too_long": "end",
                    "weekdays": "weekdays",
                    "leader": "leader",
                },
            )
        else:
            messages.success(request, _("The roster has been updated for %(n)s days.") % {"n": days})
            return redirect(
                f"{reverse('safety:duty-roster')}?school={school.code}&start={data['start'].isoformat()}"
            )
    start = _start(request.GET.get("start"))
    return render(
        request,
        "safety/records/duty_roster.html",
        {
            "school": school,
            "form": form,
            "days": selectors.duty_roster(school, start, ROSTER_DAYS),
            "previous": start - datetime.timedelta(days=ROSTER_DAYS),
            "following": start + datetime.timedelta(days=ROSTER_DAYS),
        },
    )
