from django.contrib import admin

from audit.admin import ReadOnlyAdmin
from oversight.models import (
    DailySchoolSummary,
    FindingEvidence,
    GeneratedReport,
    GoodPractice,
    SchoolDocument,
    SupervisionVisit,
    TermReport,
    VisitFinding,
    WeightSet,
)


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


# Workflow rows change only through oversight.evaluation.services (audited, notified): the admin looks.
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
    search_fields = ["region__name", "region__code"]
    list_select_related = ["region", "set_by"]


@admin.register(GoodPractice)
class GoodPracticeAdmin(ReadOnlyAdmin):
    list_display = ["title", "school", "status", "featured_region", "submitted_at"]
    list_filter = ["status"]
    search_fields = ["title", "school__name"]
    list_select_related = ["school", "featured_region"]


# --- F17: supervision visits and the school's documents ----------------------------------------


class VisitFindingInline(admin.TabularInline):
    model = VisitFinding
    extra = 0
    fields = ["number", "description", "deadline", "status", "answer_note", "answered_by", "answered_at"]
    raw_id_fields = ["answered_by"]


@admin.register(SupervisionVisit)
class SupervisionVisitAdmin(admin.ModelAdmin):
    list_display = ["visited_on", "school", "region", "term", "recorded_by"]
    list_filter = ["term", "region"]
    search_fields = ["school__name", "school__identifier"]
    list_select_related = ["school", "region", "recorded_by"]
    raw_id_fields = ["recorded_by"]
    inlines = [VisitFindingInline]


@admin.register(SchoolDocument)
class SchoolDocumentAdmin(ReadOnlyAdmin):
    """Versions are history: a new upload in the portal is the next version, nothing is edited."""

    list_display = ["school", "term", "kind", "version", "title", "uploaded_by", "created"]
    list_filter = ["term", "kind"]
    search_fields = ["school__name", "title"]
    list_select_related = ["school", "uploaded_by"]


@admin.register(VisitFinding)
class VisitFindingAdmin(admin.ModelAdmin):
    list_display = ["visit", "number", "deadline", "status", "answered_at"]
    list_filter = ["status", "deadline"]
    search_fields = ["description", "visit__school__name"]
    list_select_related = ["visit__school"]
    raw_id_fields = ["visit", "answered_by"]


@admin.register(FindingEvidence)
class FindingEvidenceAdmin(ReadOnlyAdmin):
    """Evidence is part of the school's answer: uploaded with it in the portal, never edited."""

    list_display = ["finding", "file_name", "uploaded_by", "created"]
    list_filter = ["created"]
    search_fields = ["file_name", "finding__visit__school__name"]
    list_select_related = ["finding__visit__school", "uploaded_by"]
