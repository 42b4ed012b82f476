"""The school admin's attendance and release records (F5): by day, group and class, with an Excel
export of any date range up to three months."""

import datetime
import io

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_GET

from activities import selectors as activity_selectors
from audit import services as audit
from safety.forms import attendance as forms
from safety.selectors import attendance as selectors
from safety.selectors import attendance_export as exports
from schools.decorators import school_admin_required

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_GET
@school_admin_required
def records(request):
    school = activity_selectors.managed_school(request.user, request.GET.get("school"))
    day = parse_date(request.GET.get("day") or "") or timezone.localdate()
    groups = selectors.record_groups(school=school, day=day)
    classes = list(school.classes.order_by("grade", "number"))
    form = forms.RecordsFilterForm(request.GET or None, groups=groups, classes=classes, initial={"day": day})
    group = class_group = None
    if form.is_valid():
        group, class_group = form.cleaned_data["group"], form.cleaned_data["class_group"]
    data = selectors.records_day(school=school, day=day, group=group, class_group=class_group)
    audit.access_log(
        request=request,
        targets=[c.student for r in data.rosters for c in r.children]
        + [r.student for r in data.refusals]
        + [a.student for a in data.alerts if a.student_id],
    )
    start = day - datetime.timedelta(days=day.isoweekday() - 1)
    export = forms.ExportForm(
        initial={
            "start": start,
            "end": start + datetime.timedelta(days=6),
            "group": str(group.code) if group else "",
            "class_group": str(class_group.code) if class_group else "",
        },
        action=reverse("safety:records-export"),
    )
    return render(
        request,
        "safety/attendance/records.html",
        {"school": school, "data": data, "form": form, "export": export, "day": day},
    )


@require_GET
@school_admin_required
def records_export(request):
    school = activity_selectors.managed_school(request.user, request.GET.get("school"))
    form = forms.ExportForm(
        request.GET, groups=selectors.school_groups(school=school), classes=school.classes.all()
    )
    if not form.is_valid():
        return render(
            request,
            "safety/attendance/records_export_error.html",
            {"form": form, "school": school},
            status=400,
        )
    group, class_group = form.cleaned_data["group"], form.cleaned_data["class_group"]
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    items = selectors.records_range(school=school, start=start, end=end, group=group, class_group=class_group)
    buffer = io.BytesIO()
    exports.records_workbook(items).save(buffer)
    # PIPL: an export of children's records is logged like a view of them, child by child.
    audit.access_log(request=request, targets=[school, *(c.student for r in items for c in r.children)])
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="attendance-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"'
    return response
