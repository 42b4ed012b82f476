import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _


class ForcePasswordChangeMiddleware:
    """Accounts created by import must choose their own password before anything else."""

    ALLOWED_NAMES = ("password-change", "logout", "set-language")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password:
            allowed = {reverse(name) for name in self.ALLOWED_NAMES}
            if request.path not in allowed and not request.path.startswith("/static/"):
                return redirect("password-change")
        return self.get_response(request)


class StaffIdleTimeoutMiddleware:
    """Sign staff out after STAFF_IDLE_MINUTES without a request (PIPL: a shared office computer
    must not keep a teacher's or bureau officer's session open). Parents are not affected."""

    KEY = "_last_seen"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and _is_staff(user):
            now = int(time.time())
            last = request.session.get(self.KEY)
            limit = settings.STAFF_IDLE_MINUTES * 60
            if last is not None and now - last > limit:
                logout(request)
                messages.info(
                    request, _("You were signed out after %(n)s idle minutes.") % {"n": limit // 60}
                )
                return redirect_to_login(request.get_full_path())
            if last is None or now - last > 60:  # write the session at most once a minute
                request.session[self.KEY] = now
        return self.get_response(request)


def session_mark_seen(request) -> None:
    """Start the idle clock at sign-in, so that the first page after it writes nothing more."""
    request.session[StaffIdleTimeoutMiddleware.KEY] = int(time.time())


def _is_staff(user) -> bool:
    from schools import access
    from schools.models import Role

    return user.is_staff or bool(access.roles(user) - {Role.PARENT})


class PrivatePagesMiddleware:
    """Pages for signed-in users carry children's data: never stored by browsers or proxies."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response


class ChineseFirstMiddleware:
    """简体中文 unless the person chose English with the switch (the django_language cookie): a
    browser's own Accept-Language does not decide, so a phone set to English still opens in Chinese.
    Placed before LocaleMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
