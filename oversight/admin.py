from django.contrib import admin

from audit.admin import ReadOnlyAdmin
from oversight.models import DailySchoolSummary, GeneratedReport


@admin.register(DailySchoolSummary)
class DailySchoolSummaryAdmin(admin.ModelAdmin):
    """Derived rows: look only; `roll_summaries` recomputes them from the raw records."""

    list_display = [
        "date",
        "school",
        "enrolled",
        "placed",
        "sessions_held",
        "marks_present",
        "marks_expected",
    ]
    list_filter = ["date", "school__region"]
    search_fields = ["school__name", "school__identifier"]
    date_hierarchy = "date"
    list_select_related = ["school"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(GeneratedReport)
class GeneratedReportAdmin(ReadOnlyAdmin):
    """The archive of generated reports: who asked for what; files are downloaded in the portal."""

    list_display = [
        "created",
        "kind",
        "scope_key",
        "period_key",
        "format",
        "status",
        "progress",
        "requested_by",
    ]
    list_filter = ["kind", "status", "format"]
    search_fields = ["scope_key", "period_key", "requested_by__username"]
    list_select_related = ["requested_by"]
