"""Guardians' privacy pages (F10): the current privacy notice to accept, and their consent records
with withdrawal of the priority-group consent."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from privacy import forms, selectors, services
from privacy.models import ConsentRecord
from schools.decorators import parent_required


@require_http_methods(["GET", "POST"])
@parent_required
def notice(request):
    guardian = request.user.guardian
    current = services.notice_current()
    has_sensitive = services.sensitive_consent_live(guardian=guardian)
    form = forms.NoticeAcceptForm(request.POST or None, has_sensitive=has_sensitive)
    if request.method == "POST" and current is not None and form.is_valid():
        try:
            services.notice_accept(
                guardian=guardian, keep_sensitive=form.cleaned_data.get("keep_sensitive", False)
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Thank you. Your consent has been recorded."))
            return redirect("home")
    context = {
        "notice": current,
        "form": form,
        "renewal": services.consent_needs_renewal(guardian=guardian),
    }
    return render(request, "privacy/notice.html", context)


@require_GET
@parent_required
def consents(request):
    records = selectors.consents_for(request.user).order_by("student__name", "-given_at")
    return render(
        request, "privacy/consents.html", {"records": records, "current": services.notice_current()}
    )


@require_POST
@parent_required
def consent_withdraw(request, consent_code):
    consent = selectors.get_consent_for_user(user=request.user, code=consent_code)
    if consent.purpose != ConsentRecord.Purpose.SENSITIVE or consent.withdrawn_at is not None:
        messages.info(request, _("Only a current priority-group consent can be withdrawn here."))
        return redirect("privacy:consents")
    services.sensitive_withdraw(guardian=consent.guardian, student=consent.student)
    messages.success(
        request,
        _("Consent withdrawn: %(name)s's priority-group data has been deleted.")
        % {"name": consent.student.name},
    )
    return redirect("privacy:consents")
