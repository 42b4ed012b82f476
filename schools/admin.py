import re

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from audit.admin import AccessLoggedAdmin, ReadOnlyPermissions
from schools import services
from schools.models import (
    ActivationCode,
    AuthorizedPickup,
    ClassGroup,
    Guardian,
    GuardianLink,
    Guardianship,
    LoginLockout,
    Membership,
    Region,
    RosterImport,
    School,
    SchoolLeaving,
    SchoolYearRollover,
    Student,
    User,
)
from schools.phones import normalise_text

# The masked 学籍号 shows its last 4 characters; the admin searches by up to 6 of them.
STUDENT_NUMBER_TAIL = re.compile(r"[0-9X]{4,6}")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "last_name", "first_name", "mobile", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_superuser", "is_active", "must_change_password", "language"]
    search_fields = ["username", "first_name", "last_name", "mobile", "email"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Portal"), {"fields": ["mobile", "must_change_password", "language"]}),
    )


class RegionAdminForm(forms.ModelForm):
    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent", "reports_to"]

    def clean(self):
        cleaned = super().clean()
        reports_to = cleaned.get("reports_to") or cleaned.get("parent")
        try:
            services.region_check_reports_to(region=self.instance, reports_to=reports_to)
        except ValidationError as exc:
            self.add_error("reports_to", exc)
        return cleaned


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    """Regions are saved through services.region_store, like everywhere else: the reporting path is
    derived from the chain and the regions reporting through this one are re-pathed (F13)."""

    form = RegionAdminForm
    list_display = ["code", "name", "level", "parent", "reports_to", "report_path"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    readonly_fields = ["report_path"]

    def save_model(self, request, obj, form, change):
        services.region_store(region=obj)


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["identifier", "name", "stage", "region", "offers_service"]
    list_filter = ["stage", "offers_service", "region"]
    search_fields = ["identifier", "name"]
    list_select_related = ["region"]


@admin.register(ClassGroup)
class ClassGroupAdmin(admin.ModelAdmin):
    list_display = ["__str__", "school", "grade", "number", "graduated_in"]
    list_filter = ["grade", "graduated_in", "school"]
    search_fields = ["school__name"]
    list_select_related = ["school"]


class GuardianshipInline(admin.TabularInline):
    model = Guardianship
    extra = 0
    raw_id_fields = ["guardian", "student"]


@admin.register(Student)
class StudentAdmin(AccessLoggedAdmin, admin.ModelAdmin):
    list_display = ["name", "gender", "class_group", "school", "masked_student_number", "active"]
    list_filter = [
        "school",
        "class_group__grade",
        "gender",
        "left_behind",
        "migrant",
        "active",
        "left_reason",
    ]
    # By name, or by the last characters of the 学籍号 that the list shows (…1236), never by the
    # whole number: a full 学籍号 is the child's ID number (birth date, birth place), and a search
    # box that takes it answers "is this child here, and where?" for a number found elsewhere, and
    # leaves it in the URL (?q=…), the browser's history and the web server's access log.
    search_fields = ["name"]
    search_help_text = _("Name, or the last 4 to 6 characters of the national student number.")
    list_select_related = ["school", "class_group"]
    raw_id_fields = ["class_group", "school"]
    inlines = [GuardianshipInline]
    exclude = ["student_number"]
    readonly_fields = ["masked_student_number"]

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        tail = normalise_text(search_term).replace(" ", "").upper()
        if STUDENT_NUMBER_TAIL.fullmatch(tail):
            results = results | queryset.filter(student_number__endswith=tail)
        return results, may_have_duplicates


@admin.register(Guardian)
class GuardianAdmin(AccessLoggedAdmin, admin.ModelAdmin):
    access_student_path = "guardianship__student"  # the children listed inline
    list_display = ["name", "mobile", "user"]
    list_filter = ["guardianship__relationship"]
    search_fields = ["name", "mobile", "user__username"]
    raw_id_fields = ["user"]
    inlines = [GuardianshipInline]


@admin.register(Guardianship)
class GuardianshipAdmin(AccessLoggedAdmin, admin.ModelAdmin):
    list_display = ["guardian", "student", "relationship"]
    list_filter = ["relationship"]
    search_fields = ["guardian__name", "student__name"]
    raw_id_fields = ["guardian", "student"]


@admin.register(AuthorizedPickup)
class AuthorizedPickupAdmin(AccessLoggedAdmin, admin.ModelAdmin):
    list_display = ["name", "relationship", "student", "valid_from", "valid_until", "ended_at", "restricted"]
    list_filter = ["restricted", "relationship", "valid_from"]
    search_fields = ["name", "mobile", "student__name"]
    raw_id_fields = ["student", "added_by"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "region", "school", "class_group"]
    list_filter = ["role", "school", "region"]
    search_fields = ["user__username", "user__last_name", "school__name"]
    raw_id_fields = ["user", "school", "class_group"]


# --- roster import (schools/roster/) -------------------------------------------------------


@admin.register(RosterImport)
class RosterImportAdmin(admin.ModelAdmin):
    """A record of what was imported; imports run only through the school admin's pages."""

    list_display = ["original_name", "school", "status", "total_rows", "uploaded_by", "created", "finished"]
    list_filter = ["status", "school"]
    search_fields = ["original_name", "school__name", "uploaded_by__username"]
    readonly_fields = [f.name for f in RosterImport._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- the school year (schools/rollover.py) ----------------------------------------------------


@admin.register(SchoolYearRollover)
class SchoolYearRolloverAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    """A record of each year rollover; rollovers run only through the school admin's pages."""

    list_display = ["school", "year", "run_by", "run_at"]
    list_filter = ["year", "school"]
    search_fields = ["school__name", "run_by__username"]


@admin.register(SchoolLeaving)
class SchoolLeavingAdmin(AccessLoggedAdmin, ReadOnlyPermissions, admin.ModelAdmin):
    list_display = ["student", "school", "class_name", "left_on", "reason", "to_school"]
    list_filter = ["reason", "left_on", "school"]
    search_fields = ["student__name", "school__name"]
    list_select_related = ["student", "school", "to_school"]


# --- login throttling (schools/lockout.py) ---------------------------------------------------


@admin.register(LoginLockout)
class LoginLockoutAdmin(admin.ModelAdmin):
    """Lockouts of the last day (each doubles the next); lift one with `manage.py axes_reset_username KEY`."""

    list_display = ["key", "locked_at", "locked_until"]
    list_filter = ["locked_at"]
    search_fields = ["key"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- activation codes and pending guardian links (schools/activation.py) ---------------------


@admin.register(ActivationCode)
class ActivationCodeAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    """Codes are stored as digests: the admin shows their state, never a code (reissue: school page)."""

    list_display = ["user", "created", "expires_at", "failures", "used_at", "revoked_at"]
    list_filter = ["created", "used_at", "revoked_at"]
    search_fields = ["user__username"]
    readonly_fields = ["user", "issued_by", "created", "expires_at", "failures", "used_at", "revoked_at"]
    exclude = ["digest"]


@admin.register(GuardianLink)
class GuardianLinkAdmin(AccessLoggedAdmin, ReadOnlyPermissions, admin.ModelAdmin):
    """A school's request to link an existing account to a child; the account holder answers it."""

    list_display = ["student", "relationship", "status", "created"]
    list_filter = ["status", "created"]
    search_fields = ["student__name"]
    raw_id_fields = ["student", "user", "requested_by"]
