"""The gate register (门卫登记): a desk screen for the guard with a queue — one form to let a
visitor in, the "inside now" list with one big button each to sign them out — and a day's register."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safety.forms import records as forms
from safety.selectors import records as selectors
from safety.services import gate as services
from schools import access
from schools.decorators import gate_guard_or_admin_required
from schools.formerrors import add_service_error

FIELDS = {
    "name": "name",
    "id_number": "id_number",
    "mobile": "mobile",
    "purpose": "purpose",
    "visiting": "visiting",
}


def _gate_url(school) -> str:
    return f"{reverse('safety:gate')}?school={school.code}"


@require_http_methods(["GET", "POST"])
@gate_guard_or_admin_required
def gate(request):
    school = selectors.gate_school(request.user, request.GET.get("school"))
    form = forms.GateEntryForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            entry = services.gate_entry_record(school=school, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc, FIELDS)
        else:
            messages.success(
                request,
                _("%(name)s registered in at %(time)s.")
                % {"name": entry.name, "time": timezone.localtime(entry.entered_at).strftime("%H:%M")},
            )
            return redirect(_gate_url(school))
    today = timezone.localdate()
    return render(
        request,
        "safety/records/gate.html",
        {
            "school": school,
            "form": form,
            "inside": selectors.gate_inside_now(school),
            "left": selectors.gate_left_today(school, today),
            "today": today,
            "is_admin": access.manages_school(request.user, school.pk),
        },
    )


@require_POST
@gate_guard_or_admin_required
def gate_exit(request, gate_entry_code):
    entry = selectors.get_gate_entry_for_user(request.user, gate_entry_code)
    try:
        services.gate_exit_record(entry=entry, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(name)s signed out at %(time)s.")
            % {"name": entry.name, "time": timezone.localtime().strftime("%H:%M")},
        )
    return redirect(_gate_url(entry.school))


@require_GET
@gate_guard_or_admin_required
def gate_register(request):
    school = selectors.gate_school(request.user, request.GET.get("school"))
    form = forms.GateDayForm(request.GET if "day" in request.GET else None)
    day = form.cleaned_data["day"] if form.is_bound and form.is_valid() else timezone.localdate()
    if not form.is_bound:
        form = forms.GateDayForm(initial={"day": day, "school": school.code})
    return render(
        request,
        "safety/records/gate_register.html",
        {
            "school": school,
            "form": form,
            "day": day,
            "entries": selectors.gate_day(school, day),
            "is_admin": access.manages_school(request.user, school.pk),
        },
    )
