"""Parents' pages (F2): their child's record and the persons allowed to collect the child. A parent
adds and ends pick-up persons; only the school lifts a restriction, and no parent path does."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit import services as audit
from schools import forms, selectors, selectors_access_log, services
from schools.decorators import parent_required
from schools.formerrors import add_service_error


@require_GET
@parent_required
def child(request, student_code):
    student = selectors.get_family_child_for_user(user=request.user, code=student_code)
    # PIPL: a view of a child's record is logged, the family's own included.
    audit.access_record(user=request.user, target=student, path=request.path)
    pickups = selectors.family_child_pickups(user=request.user, student=student)
    return render(request, "schools/family/child.html", {"student": student, "pickups": pickups})


@require_GET
@parent_required
def child_access(request, student_code):
    """Who viewed the child's data, when and on which page (PIPL 知情权)."""
    student = selectors.get_family_child_for_user(user=request.user, code=student_code)
    audit.access_log(request=request, targets=[student])
    page, rows = selectors_access_log.child_access_log(
        student=student, viewer=request.user, page_number=request.GET.get("page")
    )
    return render(
        request, "schools/family/child_access.html", {"student": student, "page": page, "rows": rows}
    )


@require_http_methods(["GET", "POST"])
@parent_required
def pickup_add(request, student_code):
    student = selectors.get_family_child_for_user(user=request.user, code=student_code)
    form = forms.PickupAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.pickup_add(student=student, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc, {"mobile": "mobile", "id_last4": "id_last4", "dates": "valid_until"})
        else:
            messages.success(request, _("The pick-up person has been added."))
            return redirect("schools:family-child", student_code=student.code)
    return render(request, "schools/family/pickup_add.html", {"student": student, "form": form})


@require_POST
@parent_required
def pickup_end(request, pickup_code):
    pickup = selectors.get_family_pickup_for_user(user=request.user, code=pickup_code)
    try:
        services.pickup_end(pickup=pickup, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(name)s may no longer collect the child.") % {"name": pickup.name})
    return redirect("schools:family-child", student_code=pickup.student.code)
