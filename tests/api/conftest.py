import pytest
from django.core.cache import cache

from api import services


@pytest.fixture(autouse=True)
def fresh_throttles():
    """Throttle counts live in the shared cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def token_for():
    """A Bearer header for a user (an app signed in on a test device)."""

    def make(user):
        _token, secret = services.token_issue(user=user, name="test phone")
        return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    return make
