"""Sign in with a username or a mobile number."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db.models import Q

from schools.phones import mobile_normalise, normalise_text


def users_for_login(login: str) -> list:
    """Up to two accounts whose username (any letter case) or mobile number the typed login names."""
    login = normalise_text(login)
    query = Q(username__iexact=login)
    try:
        query |= Q(mobile=mobile_normalise(login))
    except ValidationError:  # not a mobile number: match the username only
        pass
    return list(get_user_model()._default_manager.filter(query)[:2])


def login_key(login: str) -> str:
    """The one spelling of a typed login that lockouts count against.

    The username of the account the backend would sign in, so that "139 0000 0001", "+86 139-0000-0001"
    and full-width digits are one account; for a login that names no single account, the mobile
    number's national form or the case-folded text, so that unknown names are throttled alike.
    """
    users = users_for_login(login)
    if len(users) == 1:
        return users[0].get_username()
    try:
        return mobile_normalise(login)
    except ValidationError:
        return normalise_text(login).casefold()


class UsernameOrMobileBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        users = users_for_login(username)
        if len(users) != 1:
            # Run the hasher anyway so that a missing account takes as long as a wrong password.
            get_user_model()().set_password(password)
            return None
        user = users[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
