"""Sign in with a username or a mobile number."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db.models import Q

from schools.phones import mobile_normalise, normalise_text


class UsernameOrMobileBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        login = normalise_text(username)
        query = Q(username__iexact=login)
        try:
            query |= Q(mobile=mobile_normalise(login))
        except ValidationError:  # not a mobile number: match the username only
            pass
        users = list(get_user_model()._default_manager.filter(query)[:2])
        if len(users) != 1:
            # Run the hasher anyway so that a missing account takes as long as a wrong password.
            get_user_model()().set_password(password)
            return None
        user = users[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
