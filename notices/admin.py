from django.contrib import admin

from notices.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created", "recipient", "kind", "title", "read_at", "delivery"]
    list_filter = ["kind", "delivery", "created"]
    search_fields = ["title", "recipient__username", "dedupe_key"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient"]
