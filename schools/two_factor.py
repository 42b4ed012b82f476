"""Second factor (TOTP, django-otp) for school admins, bureau officers and every account that
may open the Django admin (F10, F13).

`OTP_REQUIRED` switches the requirement on (production default; off on a developer machine and in
the demo so that `make run` and the demo accounts keep working); `OTP_REQUIRED_ROLES` names the
roles it applies to. Any `is_staff` account (superusers included) needs it too, whatever its roles:
the Django admin reaches every school's children. Parents and teachers are never asked.
"""

import segno
from django.conf import settings
from django.db import transaction
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit import services as audit
from schools import access


def required(user) -> bool:
    """Whether this signed-in user must pass a second factor before any other page."""
    if not settings.OTP_REQUIRED or not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return access.has_role(user, *settings.OTP_REQUIRED_ROLES)


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def pending_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("-pk").first()


@transaction.atomic
def enrolment_start(*, user) -> TOTPDevice:
    """A fresh unconfirmed device (a new secret); earlier unconfirmed ones are dropped."""
    TOTPDevice.objects.devices_for_user(user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def qr_svg_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// URL as an SVG QR code in a data: URI (CSP allows data: images)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5)


def secret_b32(device: TOTPDevice) -> str:
    """The secret for typing into an authenticator app, in groups of four."""
    from base64 import b32encode

    text = b32encode(device.bin_key).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@transaction.atomic
def enrolment_confirm(*, request, device: TOTPDevice, token: str) -> bool:
    """Confirm the device with a code from the app; the session then counts as verified.
    Wrong codes are throttled by django-otp (each failure doubles the wait)."""
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    otp_login(request, device)
    audit.record(actor=device.user, verb="otp.enrol", target=device.user)
    return True


def verify(*, request, device: TOTPDevice, token: str) -> bool:
    """Check a code for this session. Throttled by django-otp: False while the wait runs."""
    if not device.verify_token(token):
        return False
    otp_login(request, device)
    return True


def throttled(device: TOTPDevice) -> bool:
    allowed, _info = device.verify_is_allowed()
    return not allowed


def gate(request) -> str | None:
    """Account gate (schools.middleware): the page a user who still owes a second factor must see."""
    user = request.user
    if not required(user) or user.is_verified():
        return None
    return "otp-verify" if confirmed_device(user) else "otp-enrol"
