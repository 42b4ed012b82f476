"""F13: the one function that says which address a request came from."""

import pytest
from django.test import RequestFactory

from schools.client_address import client_address


def request(remote="10.0.0.254", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.5", "10.0.0.254"),  # no proxy: the header is the client's own words
        (1, None, "10.0.0.254"),  # not through the proxy (a health check on the host)
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "198.51.100.7, 203.0.113.5", "203.0.113.5"),  # forged prefix ignored
        (1, "198.51.100.7,203.0.113.5", "203.0.113.5"),
        (1, "2001:db8::1", "2001:db8::1"),
        (1, "198.51.100.7, not-an-address", "10.0.0.254"),
        (2, "198.51.100.7, 203.0.113.5, 10.0.0.3", "203.0.113.5"),  # CDN, then nginx
        (2, "203.0.113.5", "10.0.0.254"),
    ],
)
def test_it_takes_the_entry_our_nearest_proxy_added(settings, proxies, forwarded, expected):
    settings.PROXY_COUNT = proxies
    assert client_address(request(forwarded=forwarded)) == expected
