from django.urls import path

from notices import views

app_name = "notices"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:notification_id>/open/", views.notification_open, name="notification-open"),
    path("read-all/", views.mark_all_read, name="mark-all-read"),
]
