import datetime
import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_it_sends_a_content_security_policy_without_inline_script(client):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy


def test_no_template_carries_inline_script_or_style():
    offenders = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'type="application/json"' not in tag:
                offenders.append(f"{path}: {tag}")
        if re.search(r"\sstyle=\"", text) or re.search(r"<style\b", text):
            offenders.append(f"{path}: inline style")
        if re.search(r"\son[a-z]+=\"", text):
            offenders.append(f"{path}: inline event handler")
    assert not offenders, "\n".join(offenders)


def test_it_sends_the_other_security_headers(client):
    response = client.get(reverse("login"))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert settings.SESSION_COOKIE_HTTPONLY


def test_it_forbids_caching_pages_of_signed_in_users(client, demo):
    client.force_login(demo.user("s1_parent"))
    cache_control = client.get(reverse("home"))["Cache-Control"]
    assert "no-store" in cache_control and "private" in cache_control


def test_it_changes_the_session_key_at_login(client, demo):
    client.get(reverse("login"))
    client.session.save()
    before = client.session.session_key
    client.post(reverse("login"), {"username": "s1_parent", "password": "demo-2026"})
    assert client.session.session_key != before


def test_it_signs_staff_out_after_thirty_idle_minutes_but_not_parents(client, demo):
    start = timezone.now()
    staff, parent = demo.user("s1_head31"), demo.user("s1_parent")
    other = type(client)()
    with time_machine.travel(start, tick=False):
        client.force_login(staff)
        other.force_login(parent)
        assert client.get(reverse("home")).status_code == 200
        assert other.get(reverse("home")).status_code == 200
    with time_machine.travel(start + datetime.timedelta(minutes=29), tick=False):
        assert client.get(reverse("home")).status_code == 200  # activity keeps it alive
    with time_machine.travel(start + datetime.timedelta(minutes=29 + 31), tick=False):
        response = client.get(reverse("home"))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
        assert "_auth_user_id" not in client.session
        assert other.get(reverse("home")).status_code == 200
