from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from schools.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "last_name", "first_name", "mobile", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_superuser", "is_active", "must_change_password", "language"]
    search_fields = ["username", "first_name", "last_name", "mobile", "email"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Portal"), {"fields": ["mobile", "must_change_password", "language"]}),
    )
