"""A phone app talking JSON to the live server over real HTTP (the API journey tests)."""

import json
import urllib.error
import urllib.request

from django.conf import settings


class Phone:
    """Calls the API at `base`; with a username it signs in as that demo persona first."""

    def __init__(self, base, username=None):
        self.base, self.token = base, None
        if username:
            status, body, _h = self.call(
                "POST",
                "/api/v1/auth/token/",
                {"username": username, "password": settings.DEMO_PASSWORD, "device_name": "test phone"},
            )
            assert status == 201, body
            self.token = body["token"]

    def call(self, method, path, body=None, headers=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        request.add_header("Accept", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (the live server)
                text = response.read()
                return response.status, json.loads(text) if text else None, response.headers
        except urllib.error.HTTPError as error:
            text = error.read()
            return error.code, json.loads(text) if text else None, error.headers
