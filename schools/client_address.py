"""The client's address as the portal sees it: the one function for lockouts and logs."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """The address our nearest trusted proxy received the request from, else REMOTE_ADDR.

    Each of the settings.PROXY_COUNT proxies in front of the portal appends the address it saw to
    X-Forwarded-For, so the client is the PROXY_COUNT-th entry from the right; anything left of it
    was written by the client and is not trusted (a spoofed prefix would otherwise choose whose
    lockout counter a wrong password lands on).
    """
    remote = request.META.get("REMOTE_ADDR") or None
    hops = settings.PROXY_COUNT
    if hops < 1:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(forwarded) < hops:  # fewer entries than proxies: not through the proxies at all
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-hops]))
    except ValueError:
        return remote
