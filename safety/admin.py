"""Django admin for the safety app. Each area keeps a marked section. Safety records are
append-only history: their admins are read-only (no add, change or delete)."""

from django.contrib import admin

from audit.admin import AccessLoggedAdmin, ReadOnlyAdmin
from safety.models import (
    Attendance,
    CareAlert,
    CareTransfer,
    Drill,
    DutyAssignment,
    EmergencyPlan,
    Finding,
    FindingSignoff,
    GateEntry,
    GateExit,
    GroupSafetyOfficer,
    Handover,
    HandoverConfirmation,
    Incident,
    IncidentChild,
    IncidentFollowUp,
    IncidentRecipient,
    Inspection,
    InspectionResult,
    Leave,
    LeaveCancellation,
    OffCampusCoordination,
    PickupCode,
    PlanReview,
    Release,
    ReleaseRefusal,
)

# --- attendance, leave, handover, release ---------------------------------------------------------


@admin.register(Attendance)
class AttendanceAdmin(AccessLoggedAdmin, ReadOnlyAdmin):
    list_display = ["marked_at", "session", "student", "status", "revision", "marked_by"]
    list_filter = ["status", "marked_at"]
    search_fields = ["student__name"]
    list_select_related = ["session__group", "student", "marked_by"]


@admin.register(Leave)
class LeaveAdmin(AccessLoggedAdmin, ReadOnlyAdmin):
    list_display = ["student", "start", "end", "session", "reason", "reported_by", "reported_at"]
    list_filter = ["start"]
    search_fields = ["student__name"]
    list_select_related = ["student", "session__group", "reported_by"]


@admin.register(LeaveCancellation)
class LeaveCancellationAdmin(AccessLoggedAdmin, ReadOnlyAdmin):
    list_display = ["leave", "cancelled_by", "cancelled_at"]
    list_filter = ["cancelled_at"]
    search_fields = ["leave__student__name"]


@admin.register(Handover)
class HandoverAdmin(ReadOnlyAdmin):
    list_display = ["given_at", "session", "kind", "class_group", "given_by", "to_user", "count", "expected"]
    list_filter = ["kind", "given_at"]
    search_fields = ["session__group__name", "given_by__last_name", "to_user__last_name"]
    list_select_related = ["session__group", "class_group", "given_by", "to_user"]


@admin.register(HandoverConfirmation)
class HandoverConfirmationAdmin(ReadOnlyAdmin):
    list_display = ["confirmed_at", "handover", "confirmed_by", "count", "mismatch"]
    list_filter = ["mismatch", "confirmed_at"]
    search_fields = ["handover__session__group__name", "confirmed_by__last_name"]


@admin.register(PickupCode)
class PickupCodeAdmin(AccessLoggedAdmin, ReadOnlyAdmin):
    list_display = [
        "issued_at",
        "student",
        "issued_by",
        "expires_at",
        "misses",
        "used_at",
        "locked_at",
        "revoked_at",
    ]
    list_filter = ["issued_at"]
    search_fields = ["student__name"]
    exclude = ["digest"]  # a digest is no use to anyone reading the admin


@admin.register(Release)
class ReleaseAdmin(AccessLoggedAdmin, ReadOnlyAdmin):
    list_display = ["released_at", "student", "to", "person_name", "verification", "released_by"]
    list_filter = ["to", "verification", "date"]
    search_fields = ["student__name", "person_name"]
    list_select_related = ["student", "released_by"]


@admin.register(ReleaseRefusal)
class ReleaseRefusalAdmin(AccessLoggedAdmin, ReadOnlyAdmin):
    list_display = ["refused_at", "student", "person_name", "reason", "refused_by"]
    list_filter = ["reason", "date"]
    search_fields = ["student__name", "person_name"]


@admin.register(CareTransfer)
class CareTransferAdmin(AccessLoggedAdmin, ReadOnlyAdmin):
    list_display = ["moved_at", "student", "from_session", "to_session", "moved_by"]
    list_filter = ["date"]
    search_fields = ["student__name"]


@admin.register(CareAlert)
class CareAlertAdmin(AccessLoggedAdmin, ReadOnlyAdmin):
    list_display = ["created", "school", "kind", "detail"]
    list_filter = ["kind", "date"]
    search_fields = ["detail", "student__name"]


# --- gate register, inspections, plans, duty roster, incidents ------------------------------------


@admin.register(GateEntry)
class GateEntryAdmin(ReadOnlyAdmin):
    list_display = ["entered_at", "school", "name", "purpose", "visiting", "recorded_by"]
    list_filter = ["purpose", "entered_at"]
    search_fields = ["name", "visiting", "school__name"]
    # The full mobile number stays out of lists; the masked form is enough to recognise a visitor.
    exclude = ["mobile"]
    readonly_fields = ["masked_mobile"]


@admin.register(GateExit)
class GateExitAdmin(ReadOnlyAdmin):
    list_display = ["left_at", "entry", "recorded_by"]
    list_filter = ["left_at"]
    search_fields = ["entry__name", "entry__school__name"]


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ["inspected_on", "school", "venue", "inspector"]
    list_filter = ["inspected_on"]
    search_fields = ["venue__name", "school__name"]


@admin.register(InspectionResult)
class InspectionResultAdmin(ReadOnlyAdmin):
    list_display = ["inspection", "label", "result", "note"]
    list_filter = ["result"]
    search_fields = ["label", "note", "inspection__venue__name"]


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = ["found_on", "school", "venue", "description", "severity", "deadline"]
    list_filter = ["severity", "deadline"]
    search_fields = ["description", "venue__name", "school__name"]


@admin.register(FindingSignoff)
class FindingSignoffAdmin(ReadOnlyAdmin):
    list_display = ["signed_at", "finding", "signed_by"]
    list_filter = ["signed_at"]
    search_fields = ["finding__description", "note"]


@admin.register(EmergencyPlan)
class EmergencyPlanAdmin(ReadOnlyAdmin):
    list_display = ["school", "kind", "version", "title", "responsible", "created_at"]
    list_filter = ["kind"]
    search_fields = ["title", "school__name"]


@admin.register(PlanReview)
class PlanReviewAdmin(ReadOnlyAdmin):
    list_display = ["reviewed_on", "plan", "reviewed_by"]
    list_filter = ["reviewed_on"]
    search_fields = ["plan__title", "plan__school__name"]


@admin.register(Drill)
class DrillAdmin(ReadOnlyAdmin):
    list_display = ["held_on", "school", "plan", "participants"]
    list_filter = ["held_on"]
    search_fields = ["plan__title", "school__name"]


@admin.register(GroupSafetyOfficer)
class GroupSafetyOfficerAdmin(ReadOnlyAdmin):
    list_display = ["assigned_at", "group", "officer", "assigned_by"]
    list_filter = ["assigned_at"]
    search_fields = ["group__name", "officer__username"]


@admin.register(DutyAssignment)
class DutyAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["date", "school", "leader", "assigned_by", "assigned_at"]
    list_filter = ["date"]
    search_fields = ["school__name", "leader__username"]


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "school", "kind", "severity", "bureau_notified_at", "reported_by"]
    list_filter = ["severity", "kind", "occurred_at"]
    search_fields = ["school__name", "place"]


@admin.register(IncidentChild)
class IncidentChildAdmin(AccessLoggedAdmin, ReadOnlyAdmin):
    list_display = ["incident", "student"]
    list_filter = ["incident__severity"]
    search_fields = ["incident__school__name", "student__name"]


@admin.register(IncidentFollowUp)
class IncidentFollowUpAdmin(ReadOnlyAdmin):
    list_display = ["at", "incident", "kind", "recorded_by"]
    list_filter = ["kind"]
    search_fields = ["incident__school__name", "text"]


@admin.register(IncidentRecipient)
class IncidentRecipientAdmin(ReadOnlyAdmin):
    list_display = ["notified_at", "incident", "officer", "region"]
    list_filter = ["region"]
    search_fields = ["incident__school__name", "officer__username", "region__name"]


@admin.register(OffCampusCoordination)
class OffCampusCoordinationAdmin(ReadOnlyAdmin):
    list_display = ["contacted_on", "activity", "department", "contact"]
    list_filter = ["department"]
    search_fields = ["activity__title", "contact", "school__name"]
