"""Read-only in Django admin: every change to money or complaints goes through subsidies.services
(budget locks, audit rows, notifications), which the bureau and school pages call."""

from django.contrib import admin

from audit.admin import AccessLoggedAdmin, ReadOnlyAdmin
from subsidies.models import (
    Budget,
    Claim,
    ClaimLine,
    Complaint,
    ComplaintNote,
    PurchaseContract,
    Rate,
    WorkloadAdjustment,
)


@admin.register(Budget)
class BudgetAdmin(ReadOnlyAdmin):
    list_display = ["region", "fiscal_year", "total", "approved"]
    list_filter = ["fiscal_year"]
    search_fields = ["region__name", "region__code"]


@admin.register(PurchaseContract)
class PurchaseContractAdmin(ReadOnlyAdmin):
    list_display = ["number", "region", "provider", "amount", "start", "end"]
    list_filter = ["region"]
    search_fields = ["number", "provider__name"]


@admin.register(Rate)
class RateAdmin(ReadOnlyAdmin):
    list_display = ["region", "kind", "amount", "monthly_cap", "effective_from"]
    list_filter = ["kind", "region"]
    search_fields = ["region__name", "region__code"]


@admin.register(WorkloadAdjustment)
class WorkloadAdjustmentAdmin(ReadOnlyAdmin):
    list_display = ["school", "date", "teacher", "provider", "hours", "sessions", "created_by"]
    list_filter = ["school"]
    search_fields = ["reason", "teacher__username", "provider__name"]


class ClaimLineInline(admin.TabularInline):
    model = ClaimLine
    extra = 0
    can_delete = False
    fields = ["kind", "label", "sessions", "hours", "students", "rate", "monthly_cap", "gross", "amount"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdmin):
    list_display = ["school", "kind", "period_start", "period_end", "status", "total"]
    list_filter = ["status", "kind"]
    search_fields = ["school__name", "payment_reference"]
    inlines = [ClaimLineInline]


class ComplaintNoteInline(admin.TabularInline):
    model = ComplaintNote
    extra = 0
    can_delete = False
    readonly_fields = ["text", "author", "created"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Complaint)
class ComplaintAdmin(AccessLoggedAdmin, ReadOnlyAdmin):
    list_display = ["school", "kind", "status", "created", "shared_at"]
    list_filter = ["kind", "status"]
    search_fields = ["school__name"]
    inlines = [ComplaintNoteInline]


@admin.register(ClaimLine)
class ClaimLineAdmin(ReadOnlyAdmin):
    list_display = ["claim", "kind", "label", "hours", "sessions", "amount"]
    list_filter = ["kind"]
    search_fields = ["label", "claim__school__name"]


@admin.register(ComplaintNote)
class ComplaintNoteAdmin(AccessLoggedAdmin, ReadOnlyAdmin):
    list_display = ["complaint", "author", "created"]
    list_filter = ["created"]
    search_fields = ["text"]
