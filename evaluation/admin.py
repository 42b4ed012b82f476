from django.contrib import admin

from audit.admin import ReadOnlyAdmin
from evaluation.models import GoodPractice, TermReport, WeightSet


# Workflow rows change only through evaluation.services (audited, notified): the admin looks.
@admin.register(TermReport)
class TermReportAdmin(ReadOnlyAdmin):
    list_display = ["school", "term", "status", "reviewing_region", "submitted_at", "decided_at"]
    list_filter = ["term", "status"]
    search_fields = ["school__name", "school__identifier"]
    list_select_related = ["school", "reviewing_region"]


@admin.register(WeightSet)
class WeightSetAdmin(ReadOnlyAdmin):
    list_display = ["region", "term", "set_by", "updated"]
    list_filter = ["term"]
    list_select_related = ["region", "set_by"]


@admin.register(GoodPractice)
class GoodPracticeAdmin(ReadOnlyAdmin):
    list_display = ["title", "school", "status", "featured_region", "submitted_at"]
    list_filter = ["status"]
    search_fields = ["title", "school__name"]
    list_select_related = ["school", "featured_region"]
