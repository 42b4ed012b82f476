from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required, login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language

from notices import services as notices
from notices.models import Channel
from schools import activation, forms, services
from schools.formerrors import add_service_error


@method_decorator(require_http_methods(["GET", "POST"]), name="dispatch")
class LoginView(auth_views.LoginView):
    form_class = forms.LoginForm
    redirect_authenticated_user = True


def locked_out(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the lockout page, saying when to try again (schools.lockout). A client
    that sent JSON (a phone app signing in) gets the same in JSON."""
    until = AxesProxyHandler.get_implementation().locked_until(request, credentials)
    if request.content_type == "application/json":
        return JsonResponse(
            {
                "code": "locked_out",
                "detail": str(_("Too many failed sign-in attempts. Try again later.")),
                "locked_until": until.isoformat() if until else None,
            },
            status=settings.AXES_HTTP_RESPONSE_CODE,
        )
    return render(
        request,
        settings.AXES_LOCKOUT_TEMPLATE,
        {"locked_until": until},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


@method_decorator(require_http_methods(["GET", "POST"]), name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = forms.PasswordForm
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.user_password_changed(user=self.request.user)
        messages.success(self.request, _("Your password has been changed."))
        return response


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    """One's own e-mail address, language and message channels; nobody else's, ever."""
    user = request.user
    choices = [(name, Channel(name).label) for name in notices.channels_available() if name != Channel.IN_APP]
    initial = {
        "email": user.email,
        "language": user.language,
        "channels": notices.channel_preferences_get(user),
    }
    form = forms.ProfileForm(request.POST or None, initial=initial, channel_choices=choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_profile_update(
                user=user, email=data["email"], language=data["language"], channels=data["channels"]
            )
        except ValidationError as exc:
            user.refresh_from_db()  # the failed save rolled back; the form keeps what was typed
            add_service_error(form, exc, PROFILE_ERROR_FIELDS)
        else:
            translation.activate(user.language)
            messages.success(request, _("Your profile has been saved."))
            response = redirect("profile")
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language, samesite="Lax")
            return response
    context = {"form": form, "mobile": user.mobile, "wechat_bound": notices.wechat_bound(user)}
    return render(request, "registration/profile.html", context)


PROFILE_ERROR_FIELDS = {
    "channel_no_email": "email",
    "channel_no_sms": "channels",
    "channel_no_wechat": "channels",
    "channel_unavailable": "channels",
    "channel_unknown": "channels",
    "language_invalid": "language",
}


@require_POST
def language_set(request):
    """Django's set_language, and remember the choice on the account for e-mails."""
    response = set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.user_language_set(user=request.user, language=language)
    return response


@login_not_required  # the activation code signs in (schools.middleware.StaffIdleTimeoutMiddleware)
@require_http_methods(["GET", "POST"])
def activate(request):
    """First sign-in (or a new password) with the one-time code from the school: the code is checked
    through authenticate(), so django-axes throttles wrong codes like wrong passwords."""
    form = forms.ActivationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = authenticate(request, username=data["username"], activation_code=data["code"])
        if user is None:
            form.add_error(
                None,
                _(
                    "The mobile number or username does not match this activation code, or the code "
                    "has expired or been replaced. Ask the school for a new one."
                ),
            )
        else:
            try:
                activation.account_activate(user=user, code=data["code"], password=data["new_password1"])
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                login(request, user, backend="schools.activation.ActivationCodeBackend")
                messages.success(request, _("Your account is active and you are signed in."))
                return redirect("home")
    return render(request, "registration/activate.html", {"form": form})
