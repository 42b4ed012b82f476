"""The web's account gates (settings.ACCOUNT_GATES) for apps: the same functions decide, and an app
gets a clear refusal naming the page to visit on the website instead of a redirect."""

from types import SimpleNamespace

from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _


def owed_gate(user) -> str | None:
    """The URL name of the first gate this user still owes, or None. `user.is_verified` must be set."""
    probe = SimpleNamespace(user=user)
    for path in settings.ACCOUNT_GATES:
        target = import_string(path)(probe)
        if target is not None:
            return target
    return None


def refusal(target: str) -> dict:
    """The body of a 403 for a gate still owed: a code, a sentence, and the web page to visit."""
    messages = {
        "otp-enrol": _("Set up a second sign-in factor on the website first, then sign in to the app again."),
        "otp-verify": _("Enter the code from your authenticator app."),
        "password-change": _("Choose your own password on the website first, then sign in to the app again."),
        "privacy:notice": _("Read and accept the updated privacy notice on the website first."),
    }
    return {
        "code": "account_gate",
        "gate": target,
        "url": reverse(target),
        "detail": messages.get(target, _("Complete the step the website asks for first.")),
    }
