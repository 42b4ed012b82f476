from django.contrib import admin

from api.models import ApiToken, IdempotencyKey


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "created", "last_used", "expires_at", "revoked_at"]
    list_filter = ["created", "revoked_at"]
    search_fields = ["name", "user__username"]
    list_select_related = ["user"]
    raw_id_fields = ["user", "otp_device"]
    readonly_fields = ["code", "key_hash"]


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin):
    # The stored answers may name children: only the key, its owner and its state are listed.
    list_display = ["key", "user", "claimed_at", "response_status"]
    list_filter = ["claimed_at"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    exclude = ["response_body"]
