from django.contrib import admin

from audit.admin import AccessLoggedAdmin, ReadOnlyAdmin
from privacy import services
from privacy.models import ConsentRecord, DeletionLog, PrivacyNotice, RetentionPolicy


@admin.register(PrivacyNotice)
class PrivacyNoticeAdmin(ReadOnlyAdmin):
    """Publishing adds the next version (guardians are asked again); a published text never changes."""

    list_display = ["version", "title", "published_at", "published_by"]
    fields = ["title", "body"]

    def has_add_permission(self, request, obj=None):
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        published = services.notice_publish(title=obj.title, body=obj.body, actor=request.user)
        obj.pk, obj.version = published.pk, published.version


@admin.register(ConsentRecord)
class ConsentRecordAdmin(AccessLoggedAdmin, ReadOnlyAdmin):
    list_display = ["given_at", "guardian", "student", "purpose", "notice", "withdrawn_at"]
    list_filter = ["purpose", "notice", "withdrawn_at"]
    list_select_related = ["guardian", "student", "notice"]


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    list_display = ["region", "months"]
    autocomplete_fields = ["region"]


@admin.register(DeletionLog)
class DeletionLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "count", "description"]
    list_filter = ["kind", "at"]
