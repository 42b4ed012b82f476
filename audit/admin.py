from django.contrib import admin

from audit import services
from audit.models import AccessLog, AuditEvent


def student_path(model) -> str | None:
    """The lookup from a row of `model` to the child it is about: "" for the child itself,
    "student", "application__student", "leave__student" …; None when the model is not about one."""
    if model._meta.label_lower == services.STUDENT:
        return ""

    def links(m) -> dict:
        return {f.name: f for f in m._meta.get_fields() if f.concrete and (f.many_to_one or f.one_to_one)}

    def to_student(field) -> bool:
        return field is not None and field.related_model._meta.label_lower == services.STUDENT

    fields = links(model)
    if to_student(fields.get("student")):
        return "student"
    for name, field in fields.items():
        if to_student(links(field.related_model).get("student")):
            return f"{name}__student"
    return None


class AccessLoggedAdmin:
    """A ModelAdmin of children's records: its list and change pages write the access log like the
    portal's pages (PIPL), one row per child shown, in one query for the children's codes and one
    insert. The lookup to the child is found from the model (`student_path`) unless the admin names
    it in `access_student_path` (a guardian's page shows their children inline)."""

    access_student_path: str | None = None

    def _log_children(self, request, rows) -> None:
        path = self.access_student_path if self.access_student_path is not None else student_path(self.model)
        pks = [row.pk for row in rows]
        if path is None or not pks:
            return
        codes = self.model._base_manager.filter(pk__in=pks).values_list(
            f"{path}__code" if path else "code", flat=True
        )
        services.access_log(request=request, student_codes=[c for c in codes if c is not None])

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:
            self._log_children(request, changelist.result_list)
        return response

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        response = super().changeform_view(request, object_id, form_url, extra_context)
        original = (getattr(response, "context_data", None) or {}).get("original")
        if original is not None and original.pk is not None:
            self._log_children(request, [original])
        return response


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
