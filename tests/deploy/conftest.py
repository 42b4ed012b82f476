"""The portal in production shape for the deploy checks: gunicorn behind nginx (tests/support/nginx.py)."""

import pytest

from tests.support import nginx


@pytest.fixture(scope="module")
def portal(collected_static, django_db_setup, tmp_path_factory):
    """gunicorn on the test database, DEBUG off, behind one TLS proxy."""
    with nginx.Portal(tmp_path_factory.mktemp("portal"), static_root=collected_static) as running:
        yield running


@pytest.fixture
def proxy(portal, collected_static, tmp_path):
    """nginx with deploy/nginx/afterschool.conf as shipped, in front of the portal."""
    with nginx.Proxy(tmp_path / "nginx", upstream=portal.upstream, static_root=collected_static) as running:
        yield running
