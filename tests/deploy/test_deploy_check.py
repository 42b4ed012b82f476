"""`make deploy-check` (manage.py deploy_check): one OK or FAIL line per check, and a non-zero exit
with a clear message on DEBUG on, a missing secret, an unapplied migration, no beat, and a proxy
that does not pass X-Forwarded-Proto (Debian's nginx with deploy/nginx/afterschool.conf)."""

import io
import os
import subprocess
import sys

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.migrations.recorder import MigrationRecorder

from notices.tasks import HEARTBEAT_KEY, heartbeat
from tests.support import nginx

pytestmark = [pytest.mark.django_db, pytest.mark.operations]


def deploy_check(*args) -> tuple[bool, str]:
    out = io.StringIO()
    try:
        call_command("deploy_check", *args, stdout=out, no_color=True)
    except CommandError as exc:
        return False, out.getvalue() + str(exc)
    return True, out.getvalue()


def test_debug_on_fails(settings):
    settings.DEBUG = False
    assert "OK   [debug]" in deploy_check()[1]
    settings.DEBUG = True
    passed, output = deploy_check()
    assert not passed
    assert "FAIL [debug]" in output and "DEBUG=0" in output
    assert "FAIL [deploy]" in output and "security.W018" in output  # Django's own check says so too


def test_a_development_or_weak_secret_fails(settings):
    settings.SECRET_KEY = nginx.SECRET
    assert "OK   [secret]" in deploy_check()[1]
    for weak in ("insecure-dev-key-change-me-" + "x" * 40, "short-key", "a" * 60):
        settings.SECRET_KEY = weak
        passed, output = deploy_check()
        assert not passed and "FAIL [secret]" in output and "SECRET_KEY" in output


def test_a_missing_secret_stops_the_command_with_a_clear_message():
    """Outside a developer machine the settings refuse to load without a key: the command says why."""
    env = {
        **os.environ,
        "SECRET_KEY": "",
        "DEBUG": "0",
        "TESTING": "0",
        "DJANGO_SETTINGS_MODULE": "afterschool.settings",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "deploy_check"], cwd=nginx.ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_an_unapplied_migration_fails():
    assert "OK   [migrations]" in deploy_check()[1]
    last = MigrationRecorder.Migration.objects.filter(app="audit").order_by("-applied", "-pk").first()
    last.delete()  # as if the code were deployed without `manage.py migrate`
    passed, output = deploy_check()
    assert not passed
    assert "FAIL [migrations]" in output and f"audit.{last.name}" in output and "migrate" in output


def test_no_beat_fails():
    heartbeat()
    assert "OK   [beat]" in deploy_check()[1]
    cache.delete(HEARTBEAT_KEY)
    passed, output = deploy_check()
    assert not passed and "FAIL [beat]" in output and "celery beat" in output


def test_the_shipped_nginx_config_passes_the_proxy_and_nginx_checks(proxy, settings):
    settings.PROXY_COUNT = 1
    _passed, output = deploy_check(
        "--url", proxy.origin + "/", "--cafile", str(proxy.cert), "--nginx-conf", str(proxy.conf)
    )
    assert "OK   [proxy]" in output, output
    assert "OK   [nginx]" in output, output


def test_a_proxy_that_does_not_pass_x_forwarded_proto_fails(portal, collected_static, settings, tmp_path):
    settings.PROXY_COUNT = 1
    with nginx.Proxy(
        tmp_path / "nginx",
        upstream=portal.upstream,
        static_root=collected_static,
        drop=("X-Forwarded-Proto",),
    ) as proxy:
        passed, output = deploy_check("--url", proxy.origin, "--cafile", str(proxy.cert))
    assert not passed
    assert "FAIL [proxy]" in output and "X-Forwarded-Proto" in output


def test_a_broken_nginx_config_fails(tmp_path):
    nginx.nginx_binary()
    broken = tmp_path / "nginx.conf"
    broken.write_text("events {}\nhttp { server { listen 127.0.0.1:1; proxy_pass; } }\n")
    passed, output = deploy_check("--nginx-conf", str(broken))
    assert not passed and "FAIL [nginx]" in output and "nginx -t" in output


def test_the_proxy_endpoint_reports_the_scheme_and_hops_without_addresses(client, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    seen = client.get(
        "/healthz/proxy", HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_FOR="10.1.2.3, 10.4.5.6"
    )
    assert seen.json() == {"secure": True, "forwarded_proto": "https", "forwarded_for_hops": 2}
    plain = client.get("/healthz/proxy")  # exempt from the HTTPS redirect, so a bad proxy is reported
    assert plain.status_code == 200 and plain.json() == {
        "secure": False,
        "forwarded_proto": "",
        "forwarded_for_hops": 0,
    }
    assert "10.1.2.3" not in seen.content.decode()
