"""/accounts/devices/: the web page of one's signed-in apps (every role signs in to apps)."""

from django.urls import path

from api.views import web

app_name = "devices"
urlpatterns = [
    path("", web.device_list, name="list"),
    path("<uuid:device_code>/revoke/", web.device_revoke, name="revoke"),
]
