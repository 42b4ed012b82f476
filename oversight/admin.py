from django.contrib import admin

from oversight.models import DailySchoolSummary


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
