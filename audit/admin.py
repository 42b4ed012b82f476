from django.contrib import admin

from audit.models import AccessLog, AuditEvent


class ReadOnlyPermissions:
    """For an admin or an inline that may look, never add, change or delete."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    """Audit rows are append-only: the admin may look, never add, change or delete."""


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "verb", "target_type", "target_repr"]
    list_filter = ["verb", "target_type", "at"]
    search_fields = ["verb", "target_id", "target_repr", "actor__username"]
    list_select_related = ["actor"]


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "target_type", "target_id", "path"]
    list_filter = ["target_type", "at"]
    search_fields = ["target_id", "user__username", "path"]
    list_select_related = ["user"]
