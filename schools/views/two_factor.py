"""Second factor (F10): enrol an authenticator app, then a code after each password sign-in.
Only the roles in OTP_REQUIRED_ROLES and is_staff accounts reach these pages; anyone not (or no
longer) owing a code is sent home."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from schools import forms, two_factor
from schools.decorators import admin_or_bureau_required


def otp_roles_required(view):
    """School admins, bureau officers and any is_staff account (the Django admin's users); others 404."""
    by_role = admin_or_bureau_required(view)

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if request.user.is_staff:
            return view(request, *args, **kwargs)
        return by_role(request, *args, **kwargs)

    return wrapped


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return "home"


@require_http_methods(["GET", "POST"])
@otp_roles_required
def enrol(request):
    """GET shows the QR code of the pending device (if any); POST "start" makes a new secret,
    POST with a code confirms the device and verifies this session."""
    if not two_factor.required(request.user) or two_factor.confirmed_device(request.user):
        return redirect("home")
    device = two_factor.pending_device(request.user)
    form = forms.OTPCodeForm(submit_label=_("Confirm"))
    if request.method == "POST":
        if "start" in request.POST or device is None:
            two_factor.enrolment_start(user=request.user)
            return redirect("otp-enrol")
        form = forms.OTPCodeForm(request.POST, submit_label=_("Confirm"))
        if form.is_valid():
            if two_factor.enrolment_confirm(request=request, device=device, token=form.cleaned_data["token"]):
                messages.success(request, _("Your authenticator app is set up."))
                return redirect("home")
            form.add_error("token", _throttle_message(device))
    context = {"device": device, "form": form}
    if device is not None:
        context |= {"qr": two_factor.qr_svg_data_uri(device), "secret": two_factor.secret_b32(device)}
    return render(request, "registration/otp_enrol.html", context)


@require_http_methods(["GET", "POST"])
@otp_roles_required
def verify(request):
    """A code from the enrolled app for this session."""
    device = two_factor.confirmed_device(request.user)
    if not two_factor.required(request.user) or request.user.is_verified() or device is None:
        return redirect("home")
    form = forms.OTPCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.verify(request=request, device=device, token=form.cleaned_data["token"]):
            return redirect(_next(request))
        form.add_error("token", _throttle_message(device))
    return render(request, "registration/otp_verify.html", {"form": form})


def _throttle_message(device) -> str:
    device.refresh_from_db()
    if two_factor.throttled(device):
        return _("Wrong code. Too many attempts: wait a little before the next one.")
    return _("Wrong code. Check the time on your phone and try the current code.")
