"""How apps authenticate: `Authorization: Bearer <token>` (api.services.token_issue).

The token is looked up by its SHA-256; a revoked or expired token, or one of a deactivated account,
is no token (401). A token's request is answered in its user's language (the profile's, as messages
by e-mail and SMS are): an app sends no language cookie. The account gates (settings.ACCOUNT_GATES)
are checked after authentication by api.permissions.AccountGatesPassed, so a token never skips a
gate the web would show.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from api import selectors, services

KEYWORD = "Bearer"


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = KEYWORD

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            secret = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from None
        token = selectors.token_for_secret(digest=services.token_digest(secret))
        if token is None:
            raise exceptions.AuthenticationFailed(
                _("This sign-in has expired or was revoked. Sign in again.")
            )
        services.token_touch(token=token)
        user = token.user
        # As django_otp's middleware does for a session: the device the token was obtained with.
        user.otp_device = token.otp_device
        user.is_verified = lambda: user.otp_device is not None
        language = user.language or settings.LANGUAGE_CODE
        translation.activate(language)
        request._request.LANGUAGE_CODE = language
        return user, token

    def authenticate_header(self, request):
        return self.keyword
