"""School admin screens (F2): classes, staff, students, guardians, pick-up persons and whether the
school offers the service this term (H1). Objects come through schools.selectors, which build on
schools.access; anything outside the admin's schools answers 404."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit import services as audit
from schools import activation, forms, selectors, services
from schools.decorators import school_admin_required
from schools.formerrors import add_service_error
from schools.models import GuardianLink, School

PAGE_SIZE = 50
NUMBER_CODES = {"duplicate", "student_number", "student_number_checksum", "student_number_id"}


# --- which school -----------------------------------------------------------------------------


def _school_context(request, school: School | None = None) -> dict:
    """The school the page works on (?school=<code> for the rare admin of several) and what the
    admin navigation needs. 404 when the user manages no school, or not this one."""
    schools = selectors.managed_schools(user=request.user)
    if school is None:
        wanted = request.GET.get("school")
        school = next((s for s in schools if str(s.code) == wanted), None) if wanted else None
        if school is None and (wanted or not schools):
            raise Http404
        school = school or schools[0]
    elif school.pk not in {s.pk for s in schools}:
        raise Http404
    several = len(schools) > 1
    return {
        "school_param": str(school.code) if several else "",
        "school": school,
        "school_qs": f"?school={school.code}" if several else "",
        "school_picker": forms.SchoolPickForm(initial={"school": school.code}, schools=_qs(schools))
        if several
        else None,
    }


def _qs(schools):
    return School.objects.filter(pk__in=[s.pk for s in schools]).order_by("name")


def _list_url(name: str, ctx: dict) -> str:
    return reverse(f"schools:{name}") + ctx["school_qs"]


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# --- classes ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@school_admin_required
def class_list(request):
    ctx = _school_context(request)
    school = ctx["school"]
    form = forms.ClassAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.class_create(
                school=school,
                grade=form.cleaned_data["grade"],
                number=form.cleaned_data["number"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_error(form, exc, {"grade": "grade"})
        else:
            messages.success(request, _("Class %(name)s added.") % {"name": group.display_name})
            return redirect(_list_url("class-list", ctx))
    classes = selectors.classes_with_counts(user=request.user, school=school)
    return render(request, "schools/admin/class_list.html", {**ctx, "classes": classes, "form": form})


@require_http_methods(["GET", "POST"])
@school_admin_required
def class_detail(request, class_code):
    group = selectors.get_admin_class_for_user(user=request.user, code=class_code)
    ctx = _school_context(request, group.school)
    teacher = selectors.class_teacher(class_group=group)
    form = forms.ClassTeacherForm(
        request.POST or None,
        initial={"teacher": teacher},
        staff=selectors.staff_users(school=group.school),
    )
    if request.method == "POST" and form.is_valid():
        services.class_teacher_set(
            class_group=group, teacher=form.cleaned_data["teacher"], actor=request.user
        )
        messages.success(request, _("The class teacher has been set."))
        return redirect("schools:class-detail", class_code=group.code)
    roster = list(selectors.class_roster(user=request.user, class_group=group))
    audit.access_log(request=request, targets=roster)
    return render(
        request,
        "schools/admin/class_detail.html",
        {**ctx, "group": group, "teacher": teacher, "roster": roster, "form": form},
    )


# --- staff ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@school_admin_required
def staff_list(request):
    ctx = _school_context(request)
    school = ctx["school"]
    classes = selectors.school_classes(user=request.user, school=school)
    creating = request.method == "POST" and "create_account" in request.POST
    adding = request.method == "POST" and not creating
    existing_form = forms.StaffExistingForm(request.POST if adding else None, classes=classes)
    create_form = forms.StaffCreateForm(request.POST if creating else None, classes=classes)
    if adding and existing_form.is_valid():
        data = existing_form.cleaned_data
        person = selectors.user_find_by_login(
            login=data["login"], schools=selectors.managed_schools(user=request.user)
        )
        if person is None:
            existing_form.add_error("login", _("No account has this username or mobile number."))
        else:
            try:
                services.staff_role_add(
                    school=school,
                    user=person,
                    role=data["role"],
                    class_group=data["class_group"],
                    actor=request.user,
                )
            except ValidationError as exc:
                add_service_error(existing_form, exc, {"class_required": "class_group"})
            else:
                messages.success(request, _("The role has been added."))
                return redirect(_list_url("staff-list", ctx))
    if creating and create_form.is_valid():
        data = create_form.cleaned_data
        try:
            user, code = services.staff_user_create(
                school=school,
                role=data["role"],
                class_group=data["class_group"],
                username=data["username"],
                name=data["name"],
                mobile=data["mobile"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_error(
                create_form,
                exc,
                {
                    "username_taken": "username",
                    "username_mobile": "username",
                    "mobile_taken": "mobile",
                    "mobile": "mobile",
                    "class_required": "class_group",
                },
            )
        else:
            # The new account's activation code is shown once, on this slip: no password to hand out.
            messages.success(
                request, _("The account has been created. Give the person this activation slip.")
            )
            return _render_slip(request, ctx, person=user, children=[], code=code, username=user.username)
    memberships = selectors.staff_memberships(user=request.user, school=school)
    return render(
        request,
        "schools/admin/staff_list.html",
        {
            **ctx,
            "memberships": memberships,
            "existing_form": existing_form,
            "create_form": create_form,
        },
    )


@require_POST
@school_admin_required
def membership_remove(request, membership_code):
    membership = selectors.get_admin_membership_for_user(user=request.user, code=membership_code)
    ctx = _school_context(request, membership.school)
    try:
        services.staff_role_remove(membership=membership, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The role has been removed."))
    return redirect(_list_url("staff-list", ctx))


# --- students and guardians -------------------------------------------------------------------


@require_GET
@school_admin_required
def student_list(request):
    ctx = _school_context(request)
    school = ctx["school"]
    classes = selectors.school_classes(user=request.user, school=school)
    form = forms.StudentSearchForm(
        request.GET or None, initial={"school": ctx["school_param"]}, classes=classes
    )
    data = form.cleaned_data if form.is_valid() else {}
    students = selectors.students_search(
        user=request.user,
        school=school,
        q=data.get("q", ""),
        class_group=data.get("class_group"),
        priority=data.get("priority", ""),
    )
    page = _page(request, students)
    audit.access_log(request=request, targets=page)  # PIPL: the children listed on this page
    return render(request, "schools/admin/student_list.html", {**ctx, "form": form, "page": page})


@require_GET
@school_admin_required
def student_detail(request, student_code):
    student = selectors.get_admin_student_for_user(user=request.user, code=student_code)
    ctx = _school_context(request, student.school)
    # PIPL: who looked at a child's record is kept.
    audit.access_log(request=request, targets=[student])
    record = selectors.student_record(user=request.user, student=student)
    return render(request, "schools/admin/student_detail.html", {**ctx, "student": student, **record})


@require_http_methods(["GET", "POST"])
@school_admin_required
def student_edit(request, student_code):
    student = selectors.get_admin_student_for_user(user=request.user, code=student_code)
    ctx = _school_context(request, student.school)
    audit.access_log(request=request, targets=[student])
    initial = {
        field: getattr(student, field)
        for field in (
            "class_group",
            "name",
            "gender",
            "birth_date",
            "left_behind",
            "migrant",
            "low_income",
            "disability",
            "other_priority_note",
        )
    }
    form = forms.StudentEditForm(
        request.POST or None,
        initial=initial,
        classes=selectors.school_classes(user=request.user, school=student.school),
        masked_number=student.masked_student_number,
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        keep_number = not data["student_number"]
        data["student_number"] = data["student_number"] or student.student_number
        try:
            services.student_save(student=student, actor=request.user, **data)
        except ValidationError as exc:
            codes = {e.code for e in exc.error_list} if hasattr(exc, "error_list") else set()
            if keep_number and codes & NUMBER_CODES:
                # The stored number fails its check: say so without echoing it in full (PIPL).
                form.add_error(
                    "student_number",
                    _("The current number %(number)s fails the check; enter the correct number.")
                    % {"number": student.masked_student_number},
                )
            else:
                add_service_error(form, exc, {code: "student_number" for code in NUMBER_CODES})
        else:
            messages.success(request, _("The student's record has been saved."))
            return redirect("schools:student-detail", student_code=student.code)
    return render(request, "schools/admin/student_edit.html", {**ctx, "student": student, "form": form})


@require_http_methods(["GET", "POST"])
@school_admin_required
def guardian_add(request, student_code):
    student = selectors.get_admin_student_for_user(user=request.user, code=student_code)
    ctx = _school_context(request, student.school)
    audit.access_log(request=request, targets=[student])
    form = forms.GuardianAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            link, code = services.guardian_add(student=student, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc, {"mobile": "mobile", "mobile_blocked": "mobile"})
        else:
            if code is not None:
                messages.success(request, _("The guardian has been added. Give them this activation slip."))
                return _render_slip(request, ctx, person=link.guardian, children=[student.name], code=code)
            if isinstance(link, GuardianLink):
                # Never the holder's name: another school's parent is nobody's business here (F13).
                messages.info(
                    request,
                    _(
                        "This mobile number already has an account. Its holder has been asked to "
                        "confirm; until then they have no access to %(child)s."
                    )
                    % {"child": student.name},
                )
            else:
                messages.info(request, _("This guardian was already linked to the child."))
            return redirect("schools:student-detail", student_code=student.code)
    return render(request, "schools/admin/guardian_add.html", {**ctx, "student": student, "form": form})


@require_GET
@school_admin_required
def guardian_list(request):
    ctx = _school_context(request)
    form = forms.GuardianSearchForm(request.GET or None, initial={"school": ctx["school_param"]})
    data = form.cleaned_data if form.is_valid() else {}
    guardians = selectors.guardians_search(user=request.user, school=ctx["school"], q=data.get("q", ""))
    page = _page(request, guardians)
    audit.access_log(request=request, targets=[link.student for g in page for link in g.school_links])
    return render(request, "schools/admin/guardian_list.html", {**ctx, "form": form, "page": page})


@require_GET
@school_admin_required
def guardian_detail(request, guardian_code):
    guardian = selectors.get_admin_guardian_for_user(user=request.user, code=guardian_code)
    ctx = _school_context(request)
    links = selectors.guardian_children(user=request.user, guardian=guardian)
    audit.access_log(request=request, targets=[link.student for link in links])
    return render(
        request, "schools/admin/guardian_detail.html", {**ctx, "guardian": guardian, "links": links}
    )


@require_http_methods(["GET", "POST"])
@school_admin_required
def guardianship_manage(request, guardian_code, student_code):
    """F13: the school restricts a guardian (court order), lifts it, or ends the guardianship."""
    guardian = selectors.get_admin_guardian_for_user(user=request.user, code=guardian_code)
    link = selectors.get_admin_guardianship_for_user(
        user=request.user, guardian=guardian, student_code=student_code
    )
    ctx = _school_context(request, link.student.school)
    form = forms.GuardianshipActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
        try:
            if action == form.RESTRICT:
                services.guardianship_restrict(link=link, reason=reason, actor=request.user)
            elif action == form.UNRESTRICT:
                services.guardianship_unrestrict(link=link, actor=request.user)
            else:
                services.guardianship_end(link=link, reason=reason, actor=request.user)
        except ValidationError as exc:
            add_service_error(form, exc, {"reason": "reason"})
        else:
            messages.success(request, _("The guardianship has been updated."))
            return redirect("schools:guardian-detail", guardian_code=guardian.code)
    return render(
        request,
        "schools/admin/guardianship_manage.html",
        {**ctx, "guardian": guardian, "link": link, "form": form},
        status=400 if form.errors else 200,
    )


# --- pick-up persons --------------------------------------------------------------------------


@require_GET
@school_admin_required
def pickup_list(request):
    ctx = _school_context(request)
    form = forms.PickupSearchForm(request.GET or None, initial={"school": ctx["school_param"]})
    data = form.cleaned_data if form.is_valid() else {}
    pickups = selectors.pickups_search(
        user=request.user, school=ctx["school"], q=data.get("q", ""), state=data.get("state", "")
    )
    page = _page(request, pickups)
    page.object_list = selectors.with_states(page.object_list)
    audit.access_log(request=request, targets=[p.student for p in page.object_list])
    return render(request, "schools/admin/pickup_list.html", {**ctx, "form": form, "page": page})


@require_http_methods(["GET", "POST"])
@school_admin_required
def pickup_restrict(request, pickup_code):
    pickup = selectors.get_admin_pickup_for_user(user=request.user, code=pickup_code)
    ctx = _school_context(request, pickup.student.school)
    audit.access_log(request=request, targets=[pickup.student])
    form = forms.PickupRestrictForm(request.POST or None, initial={"reason": pickup.restriction_reason})
    if request.method == "POST" and form.is_valid():
        try:
            services.pickup_restrict(pickup=pickup, reason=form.cleaned_data["reason"], actor=request.user)
        except ValidationError as exc:
            add_service_error(form, exc, {"reason": "reason"})
        else:
            messages.success(request, _("The pick-up person is restricted."))
            return redirect("schools:student-detail", student_code=pickup.student.code)
    return render(request, "schools/admin/pickup_restrict.html", {**ctx, "pickup": pickup, "form": form})


@require_POST
@school_admin_required
def pickup_unrestrict(request, pickup_code):
    pickup = selectors.get_admin_pickup_for_user(user=request.user, code=pickup_code)
    services.pickup_unrestrict(pickup=pickup, actor=request.user)
    messages.success(request, _("The restriction has been lifted."))
    return redirect("schools:student-detail", student_code=pickup.student.code)


# --- the school's service this term (H1) ------------------------------------------------------


@require_http_methods(["GET", "POST"])
@school_admin_required
def school_settings(request):
    ctx = _school_context(request)
    school = ctx["school"]
    form = forms.SchoolSettingsForm(
        request.POST or None,
        initial={"offers_service": school.offers_service, "explanation": school.no_service_explanation},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.school_service_set(
                school=school,
                offers_service=form.cleaned_data["offers_service"],
                explanation=form.cleaned_data["explanation"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_error(form, exc, {"explanation_required": "explanation"})
        else:
            messages.success(request, _("The school's settings have been saved."))
            return redirect(_list_url("school-settings", ctx))
    return render(request, "schools/admin/school_settings.html", {**ctx, "form": form})


# --- activation codes (schools/activation.py) -------------------------------------------------


def _render_slip(request, ctx: dict, *, person, children, code: str, username: str = ""):
    # Rendered in the POST's own response: the code exists in clear only here (never stored).
    return render(
        request,
        "schools/admin/activation_slip.html",
        {
            **ctx,
            "slip": {
                "person": person,
                "children": children,
                "code": activation.code_display(code),
                "username": username,
                "mobile": activation.mobile_masked(person.mobile) if person.mobile else "",
            },
            "activate_url": request.build_absolute_uri(reverse("activate")),
            "expires": timezone.localdate() + datetime.timedelta(days=settings.ACTIVATION_CODE_DAYS),
        },
    )


@require_POST
@school_admin_required
def guardian_activation_reissue(request, guardian_code):
    """A new activation code for a parent (first sign-in or a forgotten password)."""
    guardian = selectors.get_admin_guardian_for_user(user=request.user, code=guardian_code)
    ctx = _school_context(request)
    try:
        code = activation.activation_code_reissue(
            user=guardian.user, schools=selectors.managed_schools(user=request.user), actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("schools:guardian-detail", guardian_code=guardian.code)
    links = selectors.guardian_children(user=request.user, guardian=guardian)
    return _render_slip(
        request, ctx, person=guardian, children=[link.student.name for link in links], code=code
    )


@require_POST
@school_admin_required
def staff_activation_reissue(request, membership_code):
    """A new activation code for a staff member of the school (staff get theirs from their admin)."""
    membership = selectors.get_admin_membership_for_user(user=request.user, code=membership_code)
    ctx = _school_context(request, membership.school)
    try:
        code = activation.activation_code_reissue(
            user=membership.user, schools=selectors.managed_schools(user=request.user), actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_list_url("staff-list", ctx))
    return _render_slip(
        request, ctx, person=membership.user, children=[], code=code, username=membership.user.username
    )
