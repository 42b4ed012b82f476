from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from activities import services
from activities.models import (
    Activity,
    ActivityGroup,
    CalendarFeedKey,
    Closure,
    MakeupDay,
    OffCampusChecklist,
    OfficialDay,
    OfficialYear,
    Provider,
    RegionPolicy,
    Session,
    Slot,
    Term,
    Venue,
)
from audit.admin import ReadOnlyAdmin, ReadOnlyPermissions


class ActivityAdminForm(forms.ModelForm):
    """The Django admin is a write path too: it applies the same content rules as every form."""

    class Meta:
        model = Activity
        fields = [
            "school",
            "title",
            "category",
            "description",
            "provider",
            "off_campus",
            "film_title",
            "film_age_rating",
            "active",
            "review_explanation",
        ]

    def clean(self):
        data = super().clean()
        if data.get("school") and data.get("title") and data.get("category"):
            try:
                services.activity_validate(
                    school=data["school"],
                    title=data["title"],
                    category=data["category"],
                    description=data.get("description", ""),
                    provider=data.get("provider"),
                    film_title=data.get("film_title", ""),
                    film_age_rating=data.get("film_age_rating", ""),
                )
                # F17: words under watch hold the activity for the bureau here too.
                self.instance.school = data["school"]
                self.held = services.activity_review_needed(
                    activity=self.instance,
                    title=data["title"],
                    description=data.get("description", ""),
                    explanation=data.get("review_explanation", ""),
                )
            except ValidationError as exc:
                raise ValidationError(exc.messages) from exc
        return data


@admin.register(RegionPolicy)
class RegionPolicyAdmin(admin.ModelAdmin):
    list_display = ["region", "earliest_end", "latest_end", "weekdays", "tutoring_max_group"]
    list_filter = ["region__level"]
    search_fields = ["region__name", "region__code", "extra_terms"]


class ClosureInline(admin.TabularInline):
    model = Closure
    extra = 0


class MakeupDayInline(admin.TabularInline):
    model = MakeupDay
    extra = 0


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    list_display = ["name", "school", "start", "end", "weekdays", "day_start", "day_end"]
    list_filter = ["school__region", "start"]
    search_fields = ["name", "school__name"]
    list_select_related = ["school"]
    inlines = [ClosureInline, MakeupDayInline]


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ["date", "term", "reason"]
    list_filter = ["date"]
    search_fields = ["reason", "term__name"]


@admin.register(MakeupDay)
class MakeupDayAdmin(admin.ModelAdmin):
    list_display = ["date", "term", "runs_as"]
    list_filter = ["date"]
    search_fields = ["term__name"]


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["name", "school", "kind", "capacity", "safety_officer", "active"]
    list_filter = ["kind", "active", "school"]
    search_fields = ["name", "school__name"]
    list_select_related = ["school", "safety_officer"]
    raw_id_fields = ["safety_officer"]


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "licence", "region", "valid_until"]
    list_filter = ["region", "valid_until"]
    search_fields = ["name", "licence"]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    form = ActivityAdminForm
    list_display = ["title", "school", "category", "provider", "off_campus", "active", "review"]
    list_filter = ["category", "off_campus", "active", "review", "school"]
    readonly_fields = ["review", "review_words", "review_note", "reviewed_by", "reviewed_at"]
    search_fields = ["title", "description", "school__name"]
    list_select_related = ["school", "provider"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if getattr(form, "held", False):
            # F17: held here as in the portal, so the school's bureau is told here too.
            services.activity_review_requested(activity=obj)


@admin.register(OffCampusChecklist)
class OffCampusChecklistAdmin(admin.ModelAdmin):
    list_display = ["activity", "traffic", "venue", "fire", "food", "security", "completed_at"]
    list_filter = ["completed_at"]
    search_fields = ["activity__title"]


class SlotInline(admin.TabularInline):
    model = Slot
    extra = 0


@admin.register(ActivityGroup)
class ActivityGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "activity", "term", "lead", "venue", "grades", "capacity"]
    list_filter = ["term__school", "activity__category", "sessions_pending"]
    search_fields = ["name", "activity__title"]
    list_select_related = ["activity", "term", "lead", "venue"]
    raw_id_fields = ["lead", "assistants"]
    inlines = [SlotInline]


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin):
    list_display = ["group", "weekday", "start", "end"]
    list_filter = ["weekday"]
    search_fields = ["group__name"]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["date", "start", "end", "group", "venue", "lead", "has_records", "off_calendar"]
    list_filter = ["date", "has_records", "off_calendar", "venue__school"]
    search_fields = ["group__name"]
    list_select_related = ["group", "venue", "lead"]
    raw_id_fields = ["group", "venue", "lead"]
    date_hierarchy = "date"


# F11: a year's schedule is entered on /activities/calendar/<year>/ (official_year_save re-syncs
# every school's sessions and tells those affected); the admin only looks.
class OfficialDayInline(ReadOnlyPermissions, admin.TabularInline):
    model = OfficialDay
    extra = 0
    fields = ["date", "kind", "name", "runs_as"]
    readonly_fields = fields


@admin.register(OfficialYear)
class OfficialYearAdmin(ReadOnlyAdmin):
    list_display = ["year", "notice_title", "notice_number", "entered_by", "updated_at", "revision"]
    list_filter = ["updated_at"]
    search_fields = ["notice_title", "notice_number"]
    list_select_related = ["entered_by"]
    inlines = [OfficialDayInline]


@admin.register(OfficialDay)
class OfficialDayAdmin(ReadOnlyAdmin):
    list_display = ["date", "kind", "name", "runs_as", "schedule"]
    list_filter = ["kind", "schedule"]
    search_fields = ["name"]
    list_select_related = ["schedule"]


@admin.register(CalendarFeedKey)
class CalendarFeedKeyAdmin(admin.ModelAdmin):
    """F13: who has a calendar subscription address and since when; never the key. Deleting a row
    revokes the address at once (the user creates a new one on "my sessions")."""

    list_display = ["user", "issued_at"]
    list_filter = ["issued_at"]
    search_fields = ["user__username", "user__last_name"]
    fields = ["user", "issued_at"]
    readonly_fields = ["user", "issued_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
