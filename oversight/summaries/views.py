"""The oversight dashboard (F8): bureau officers see their regions' schools, school admins their own."""

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from activities import selectors as activity_selectors
from oversight.summaries import selectors
from schools import access
from schools.decorators import admin_or_bureau_required
from schools.models import Role
from schools.replica import bureau_reads


@require_http_methods(["GET"])
@admin_or_bureau_required
@bureau_reads
def dashboard(request):
    today = timezone.localdate()
    period = selectors.period_parse(
        month=request.GET.get("month", ""), term=request.GET.get("term", ""), today=today
    )
    schools = selectors.dashboard_schools_for(request.user)
    data = selectors.indicators_for(schools=schools, period=period)
    series = selectors.daily_series(schools=schools, period=period)
    chart = {
        "titles": {
            "attendance": _("Attendance rate per day"),
            "participation": _("Participation rate per school"),
            "rate": _("Attendance rate"),
            "participationRate": _("Participation rate"),
        },
        "dates": [row["date"] for row in series],
        "attendance": [row["rate"] for row in series],
        "schools": [row["school"].name for row in data["schools"]],
        "participation": [float(row["participation_rate"] or 0) for row in data["schools"]],
    }
    complaints = selectors.complaint_kinds(data["totals"])
    is_bureau = request.user.is_superuser or access.has_role(request.user, Role.BUREAU_OFFICER)
    return render(
        request,
        "oversight/dashboard.html",
        {
            **data,
            "schools": selectors.protected_rows(data["schools"], data["totals"]),
            "complaints": complaints,
            "chart": chart,
            "choices": selectors.period_choices(today=today),
            "is_bureau": is_bureau,
            "permitted": selectors.PERMITTED,
            # F11: terms in a year whose State Council schedule nobody has entered yet.
            "calendar_unconfirmed": activity_selectors.calendar_unconfirmed(today=today, schools=schools)
            if is_bureau
            else [],
            "province_officer": access.is_province_officer(request.user),
        },
    )
