from django.contrib import admin

from audit.admin import AccessLoggedAdmin
from enrollment.models import (
    Application,
    Choice,
    EnrollmentWindow,
    NoticeAcknowledgement,
    ParentNotice,
    Placement,
    Survey,
    SurveyResponse,
)


class NoAddAdmin(admin.ModelAdmin):
    """Nothing enrols a child without a guardian's application (M2, H2): the admin cannot add
    applications or placements; it can look, search and export."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ParentNotice)
class ParentNoticeAdmin(admin.ModelAdmin):
    list_display = ["term", "version", "draft", "published_at", "published_by"]
    list_filter = ["draft", "published_at"]
    search_fields = ["term__name", "term__school__name"]
    readonly_fields = ["free_statement"]


@admin.register(NoticeAcknowledgement)
class NoticeAcknowledgementAdmin(NoAddAdmin):
    list_display = ["notice", "guardian", "at"]
    list_filter = ["at"]
    search_fields = ["guardian__name"]


@admin.register(EnrollmentWindow)
class EnrollmentWindowAdmin(admin.ModelAdmin):
    list_display = ["term", "opens_at", "closes_at", "review_deadline", "tie_break", "published_at"]
    list_filter = ["tie_break", "second_round_open"]
    search_fields = ["term__name", "term__school__name"]


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["term", "draft", "opens_at", "closes_at"]
    list_filter = ["draft", "opens_at"]
    search_fields = ["term__name", "term__school__name"]


@admin.register(SurveyResponse)
class SurveyResponseAdmin(AccessLoggedAdmin, NoAddAdmin):
    list_display = ["survey", "student", "wants_service", "days", "latest_pickup"]
    list_filter = ["wants_service"]
    search_fields = ["student__name"]


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(AccessLoggedAdmin, NoAddAdmin):
    list_display = ["student", "term", "status", "second_round", "submitted_at", "reviewed_by"]
    list_filter = ["status", "second_round", "term__school"]
    search_fields = ["student__name", "guardian__name"]
    list_select_related = ["student", "term", "reviewed_by"]
    inlines = [ChoiceInline]


@admin.register(Choice)
class ChoiceAdmin(AccessLoggedAdmin, NoAddAdmin):
    list_display = ["application", "rank", "group"]
    list_filter = ["rank"]
    search_fields = ["application__student__name", "group__name"]


@admin.register(Placement)
class PlacementAdmin(AccessLoggedAdmin, NoAddAdmin):
    list_display = ["application", "group", "status", "position", "changed"]
    list_filter = ["status", "group__term__school"]
    search_fields = ["application__student__name", "group__name"]
    list_select_related = ["application__student", "group"]
