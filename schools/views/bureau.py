"""F17: the bureau runs its region: its schools (register, edit, the offers-service history per term)
and its officer and school-admin accounts (invite with a one-time activation code, disable)."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from schools import access, activation, forms, selectors_bureau, services_bureau
from schools.decorators import bureau_officer_required
from schools.formerrors import add_service_error, flash_service_error
from schools.models import Role

ACCOUNT_ERRORS = {
    "username_taken": "username",
    "username_mobile": "username",
    "mobile_taken": "mobile",
    "mobile": "mobile",
}

# --- schools ----------------------------------------------------------------------------------


@require_GET
@bureau_officer_required
def region_schools(request):
    return render(
        request, "schools/bureau/school_list.html", {"schools": selectors_bureau.region_schools(request.user)}
    )


@require_http_methods(["GET", "POST"])
@bureau_officer_required
def region_school_create(request):
    form = forms.RegionSchoolForm(request.POST or None, counties=selectors_bureau.counties_for(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            school = services_bureau.school_register(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc, {"identifier_taken": "identifier", "not_county": "region"})
        else:
            messages.success(request, _("The school %(name)s has been registered.") % {"name": school.name})
            return redirect("schools:region-school-edit", school_code=school.code)
    return render(request, "schools/bureau/school_form.html", {"form": form, "school": None})


@require_http_methods(["GET", "POST"])
@bureau_officer_required
def region_school_edit(request, school_code):
    school = access.get_region_school_for_user(request.user, school_code)
    initial = {"name": school.name, "stage": school.stage, "region": school.region.code}
    form = forms.RegionSchoolForm(
        request.POST or None,
        initial=initial,
        counties=selectors_bureau.counties_for(request.user),
        editing=True,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services_bureau.school_update(school=school, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc, {"not_county": "region"})
        else:
            messages.success(request, _("The school %(name)s has been saved.") % {"name": school.name})
            return redirect("schools:region-school-edit", school_code=school.code)
    return render(
        request,
        "schools/bureau/school_form.html",
        {"form": form, "school": school, "history": selectors_bureau.service_history(school)},
    )


# --- accounts ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@bureau_officer_required
def region_accounts(request):
    form = forms.RegionAccountForm(
        request.POST or None,
        schools=access.region_schools_for(request.user).order_by("identifier"),
        regions=access.regions_for(request.user).order_by("code"),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, code = services_bureau.region_account_invite(actor=request.user, **data)
        except ValidationError as exc:
            add_service_error(form, exc, {**ACCOUNT_ERRORS, "role_scope": "role"})
        else:
            messages.success(
                request, _("The account has been created. Give the person this activation slip.")
            )
            place = data["school"] if data["role"] == Role.SCHOOL_ADMIN else data["region"]
            # The code exists in clear only in this response (never stored).
            return render(
                request,
                "schools/bureau/account_slip.html",
                {
                    "place": place,
                    "code": activation.code_display(code),
                    "username": user.username,
                    "mobile": activation.mobile_masked(user.mobile) if user.mobile else "",
                    "activate_url": request.build_absolute_uri(reverse("activate")),
                    "expires": timezone.localdate() + datetime.timedelta(days=settings.ACTIVATION_CODE_DAYS),
                },
            )
    return render(
        request,
        "schools/bureau/account_list.html",
        {"memberships": selectors_bureau.region_accounts(request.user), "form": form},
    )


@require_POST
@bureau_officer_required
def region_account_disable(request, region_membership_code):
    membership = access.get_region_membership_for_user(request.user, region_membership_code)
    try:
        services_bureau.region_account_disable(
            membership=membership, managed=access.region_memberships_for(request.user), actor=request.user
        )
    except ValidationError as exc:
        flash_service_error(request, exc)
    else:
        messages.success(
            request, _("The account %(username)s has been disabled.") % {"username": membership.user.username}
        )
    return redirect("schools:region-accounts")
