from django.contrib.auth import views as auth_views
from django.urls import path

from schools import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("i18n/setlang/", views.language_set, name="set-language"),
]
