from django.urls import path

from api.views import accounts

urlpatterns = [
    path("auth/token/", accounts.token_create, name="token-create"),
    path("auth/token/revoke/", accounts.token_delete_current, name="token-revoke"),
    path("devices/", accounts.device_list, name="device-list"),
    path("devices/<uuid:device_code>/revoke/", accounts.device_revoke, name="device-revoke"),
    path("profile/", accounts.profile, name="profile"),
    path("profile/wechat/", accounts.wechat_bind, name="profile-wechat"),
    path("inbox/", accounts.inbox, name="inbox"),
    path("inbox/<int:notification_id>/read/", accounts.notification_read, name="notification-read"),
]
