from django.contrib import admin

from notices.models import ChannelPreference, Delivery, Notification, WeChatBinding


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    readonly_fields = ["channel", "status", "attempts", "next_attempt_at", "sent_at", "last_error"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created", "recipient", "kind", "title", "read_at"]
    list_filter = ["kind", "created"]
    search_fields = ["title", "recipient__username", "dedupe_key"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient"]
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["created", "notification", "channel", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["channel", "status", "created"]
    search_fields = ["notification__title", "notification__recipient__username", "last_error"]
    raw_id_fields = ["notification"]


@admin.register(ChannelPreference)
class ChannelPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "email", "sms", "wechat", "updated"]
    list_filter = ["email", "sms", "wechat"]
    search_fields = ["user__username"]
    raw_id_fields = ["user"]


@admin.register(WeChatBinding)
class WeChatBindingAdmin(admin.ModelAdmin):
    list_display = ["user", "bound_at"]
    list_filter = ["bound_at"]
    search_fields = ["user__username"]
    raw_id_fields = ["user"]
