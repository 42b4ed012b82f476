from django.urls import path

from privacy import views

app_name = "privacy"
urlpatterns = [
    path("notice/", views.notice, name="notice"),
    path("consents/", views.consents, name="consents"),
    path("consents/<uuid:consent_code>/withdraw/", views.consent_withdraw, name="consent-withdraw"),
]
