"""The web page of one's signed-in apps (under /accounts/): see them and sign any of them out."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from api import selectors, services


@require_GET
@login_required
def device_list(request):
    devices = selectors.tokens_live_for_user(user=request.user)
    return render(request, "api/devices.html", {"devices": devices})


@require_POST
@login_required
def device_revoke(request, device_code):
    token = selectors.get_token_for_user(request.user, device_code)
    services.token_revoke(token=token, actor=request.user)
    messages.success(request, _("The app has been signed out."))
    return redirect("devices:list")
