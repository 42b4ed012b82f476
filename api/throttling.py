"""Throttles of the API (the rates are settings.API_THROTTLE_RATES, read per request), counted
in the default cache, which every process shares (Redis in production, a file cache on one machine).

- "sign-in": sign-in attempts per client address (django-axes locks the account on top of this);
- "code": attempts at a code (a pick-up code) per user: views add `CodeThrottle` themselves;
- "write": POST, PUT, PATCH and DELETE per user, on every view (DEFAULT_THROTTLE_CLASSES).
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from schools.client_address import client_address

READS = ("GET", "HEAD", "OPTIONS")


class _UserOrAddressThrottle(SimpleRateThrottle):
    def get_rate(self):
        return settings.API_THROTTLE_RATES[self.scope]

    def get_ident(self, request):
        return client_address(request._request) or "unknown"

    def get_cache_key(self, request, view):
        user = request.user
        ident = f"u{user.pk}" if user and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class SignInThrottle(_UserOrAddressThrottle):
    scope = "sign-in"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class CodeThrottle(_UserOrAddressThrottle):
    scope = "code"


class WriteThrottle(_UserOrAddressThrottle):
    scope = "write"

    def get_cache_key(self, request, view):
        if request.method in READS:
            return None
        return super().get_cache_key(request, view)
