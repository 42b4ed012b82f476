from django.contrib.auth import views as auth_views
from django.urls import path

from schools.views import accounts, home, two_factor

urlpatterns = [
    path("", home.home, name="home"),
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/activate/", accounts.activate, name="activate"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/profile/", accounts.profile, name="profile"),
    path("accounts/password/", accounts.PasswordChangeView.as_view(), name="password-change"),
    path("accounts/two-factor/enrol/", two_factor.enrol, name="otp-enrol"),
    path("accounts/two-factor/verify/", two_factor.verify, name="otp-verify"),
    path("i18n/setlang/", accounts.language_set, name="set-language"),
]
