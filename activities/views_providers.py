"""F17: the register of qualified providers of the officer's region (bureau officers)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from activities import forms, selectors, services_providers
from schools import access
from schools.decorators import bureau_officer_required
from schools.formerrors import add_service_error


@require_GET
@bureau_officer_required
def provider_register(request):
    rows = selectors.provider_register(request.user, timezone.localdate())
    return render(request, "activities/provider_register.html", {"providers": rows})


@require_http_methods(["GET", "POST"])
@bureau_officer_required
def provider_create(request):
    return _provider_form(request, None)


@require_http_methods(["GET", "POST"])
@bureau_officer_required
def provider_edit(request, provider_code):
    provider = selectors.get_provider_for_user(request.user, provider_code)
    return _provider_form(request, provider)


def _provider_form(request, provider):
    data = request.POST if request.method == "POST" else None
    initial = forms.ProviderForm.initial_from(provider) if provider else None
    form = forms.ProviderForm(
        data, initial=initial, regions=access.bureau_regions_of(request.user), editing=provider is not None
    )
    if form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "region"}
        region = provider.region if provider else form.cleaned_data["region"]
        try:
            provider = services_providers.provider_save(
                region=region, actor=request.user, provider=provider, **values
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The provider %(name)s has been saved.") % {"name": provider.name})
            return redirect("activities:provider-register")
    return render(request, "activities/provider_form.html", {"form": form, "provider": provider})
