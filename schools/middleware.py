import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.functional import SimpleLazyObject
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from schools import account_state


class CachedAuthenticationMiddleware(AuthenticationMiddleware):
    """django.contrib.auth's middleware, with request.user read through schools.account_state: the
    user and the facts every request needs come from the shared cache (no query when warm)."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _request_user(request))


def _request_user(request):
    if not hasattr(request, "_cached_user"):
        request._cached_user = account_state.request_user(request)
    return request._cached_user


def password_change_gate(request) -> str | None:
    """Accounts created by import must choose their own password before anything else."""
    return "password-change" if request.user.must_change_password else None


class AccountGatesMiddleware:
    """Pages a signed-in user must pass before any other: each gate in settings.ACCOUNT_GATES
    (a dotted function of the request) names the page still owed, or None. In order: the second
    factor (schools.two_factor.gate), a password chosen by oneself (password_change_gate), the
    current privacy notice (privacy.gates.notice_gate). Until passed, every page but that one,
    logout and the language switch redirects there. Placed after django_otp's OTPMiddleware."""

    ALWAYS_ALLOWED = ("logout", "set-language")

    def __init__(self, get_response):
        self.get_response = get_response
        self.gates = [import_string(path) for path in settings.ACCOUNT_GATES]

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(settings.STATIC_URL):
            for gate in self.gates:
                target = gate(request)
                if target is None:
                    continue
                allowed = {reverse(name) for name in (target, *self.ALWAYS_ALLOWED)}
                if request.path not in allowed:
                    return redirect(target)
                break
        return self.get_response(request)


class StaffIdleTimeoutMiddleware:
    """Sign staff out after STAFF_IDLE_MINUTES without a request (PIPL: a shared office computer
    must not keep a teacher's or bureau officer's session open). Parents are not affected.

    A URL that needs no session (Django's `login_not_required`: the calendar feed's ?token=, the
    activation code, /metrics' token) and the API (DRF authenticates each request by its Bearer
    token) is answered as itself whatever cookie comes with it: an idle session is still ended (its
    cached copy too, cached_db), but the request goes on without it instead of to sign-in; and such a
    request never counts as activity, so a calendar app fetching the feed with the browser's cookie
    cannot keep a session alive."""

    KEY = "_last_seen"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not _is_staff(user):
            return None
        now = int(time.time())
        last = request.session.get(self.KEY)
        limit = settings.STAFF_IDLE_MINUTES * 60
        sessionless = _needs_no_session(view_func)
        if last is not None and now - last > limit:
            logout(request)  # flushes the session row and its cached copy
            if sessionless:
                return None
            messages.info(request, _("You were signed out after %(n)s idle minutes.") % {"n": limit // 60})
            return redirect_to_login(request.get_full_path())
        if not sessionless and (last is None or now - last > 60):  # write the session at most once a minute
            request.session[self.KEY] = now
        return None


def _needs_no_session(view_func) -> bool:
    return getattr(view_func, "login_required", True) is False or hasattr(view_func, "cls")


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
