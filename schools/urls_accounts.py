from django.contrib.auth import views as auth_views
from django.urls import path

from schools.views import accounts, home

urlpatterns = [
    path("", home.home, name="home"),
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", accounts.PasswordChangeView.as_view(), name="password-change"),
    path("i18n/setlang/", accounts.language_set, name="set-language"),
]
