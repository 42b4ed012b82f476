"""F19: error reports go to Sentry only when SENTRY_DSN is set, with personal data masked the way the
logs mask it (audit.logging.mask): in the message, the exception, extra, request data and query
string, and breadcrumbs; no user, cookies, request body or frame variables at all."""

import json
import subprocess
import sys

from afterschool import sentry
from audit.logging import contains_personal_data
from tests.support.services import server_env

MOBILE, ID_NUMBER = "13912345678", "110101201501011234"


def test_before_send_masks_every_string_of_an_event():
    event = {
        "message": f"no guardian with mobile {MOBILE}",
        "logentry": {"message": "lookup %s", "params": [MOBILE], "formatted": f"lookup {MOBILE}"},
        "exception": {"values": [{"type": "IntegrityError", "value": f"Key (mobile)=({MOBILE}) exists"}]},
        "extra": {"id_number": ID_NUMBER, "nested": {"numbers": ["+86 139-1234-5678", 3]}},
        "tags": {"student": f"G{ID_NUMBER}"},
        "request": {
            "url": "https://portal.example/gate/",
            "query_string": f"q={MOBILE}&token=feed-secret",
            "data": {"mobile": MOBILE, "id_number": ID_NUMBER},
            "headers": {"Referer": f"https://portal.example/?q={MOBILE}"},
        },
        "breadcrumbs": {"values": [{"category": "query", "message": f"SELECT … WHERE mobile = '{MOBILE}'"}]},
        "level": "error",
    }
    scrubbed = sentry.before_send(event, {})
    text = json.dumps(scrubbed, ensure_ascii=False)
    assert not contains_personal_data(text)
    assert "feed-secret" not in text
    assert scrubbed["message"] == "no guardian with mobile 139****5678"
    assert scrubbed["extra"]["nested"]["numbers"][1] == 3 and scrubbed["level"] == "error"
    crumb = sentry.before_breadcrumb({"message": f"sms to {MOBILE}", "data": {"to": MOBILE}}, {})
    assert not contains_personal_data(json.dumps(crumb))


def test_settings_start_sentry_only_with_a_dsn(settings):
    assert settings.SENTRY_DSN == ""  # tests never report, whatever .env says
    import sentry_sdk

    assert not sentry_sdk.get_client().is_active()


def test_an_error_in_a_view_reaches_sentry_masked():
    """Through the test client in its own process, with an in-memory transport (no network)."""
    env = {**server_env(), "DJANGO_SETTINGS_MODULE": "afterschool.settings", "TESTING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "tests.support.sentry_capture"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == 500
    events = [item for item in result["sent"] if item.get("exception")]
    assert events, result["sent"]
    text = json.dumps(result["sent"], ensure_ascii=False)
    assert "ValueError" in text and "139****5678" in text
    assert not contains_personal_data(text) and "feed-secret" not in text
    for event in events:
        assert "user" not in event or not event["user"].get("ip_address")
        request = event.get("request", {})
        assert not request.get("data") and not request.get("cookies")
        frames = [f for value in event["exception"]["values"] for f in value["stacktrace"]["frames"]]
        assert not any("vars" in frame for frame in frames)


def test_settings_start_sentry_when_a_dsn_is_set():
    check = (
        "import sentry_sdk; c = sentry_sdk.get_client(); print(c.is_active(), c.options['send_default_pii'])"
    )
    env = {**server_env(), "DEBUG": "1", "TESTING": "0", "SENTRY_DSN": "https://public@sentry.invalid/1"}
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", check],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-2:] == ["True", "False"]
