"""App sign-in: expiring, revocable tokens from the same password, lockout and gates as the web; only
a digest is stored; a user sees and revokes their devices; sign-in is throttled."""

import datetime
import hashlib

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from api.models import ApiToken
from tests.support.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SIGN_IN = "/api/v1/auth/token/"


def sign_in(client, username, password=PASSWORD, ip="10.7.0.1", **extra):
    body = {"username": username, "password": password, "device_name": "华为 Mate", **extra}
    return client.post(SIGN_IN, body, content_type="application/json", REMOTE_ADDR=ip)


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_the_path_is_stable():
    assert reverse("api:token-create") == SIGN_IN


def test_a_password_gives_a_token_that_opens_the_inbox_and_only_its_digest_is_stored(client, user):
    response = sign_in(client, user.username)
    assert response.status_code == 201, response.content
    token = response.json()["token"]
    row = ApiToken.objects.get(user=user)
    assert row.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(list(ApiToken.objects.values_list()))
    assert row.expires_at - timezone.now() > datetime.timedelta(days=settings.API_TOKEN_DAYS - 1)
    assert client.get(reverse("api:inbox"), **bearer(token)).status_code == 200
    # The session of the web is not opened by it.
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_gets_no_token(client, user):
    response = sign_in(client, user.username, "wrong")
    assert response.status_code == 400 and response.json()["code"] == "invalid_credentials"
    assert not ApiToken.objects.exists()


def test_no_token_forged_expired_or_revoked_token_answers_401(client, user):
    token = sign_in(client, user.username).json()["token"]
    assert client.get(reverse("api:inbox")).status_code == 401
    assert client.get(reverse("api:inbox"), **bearer(token + "x")).status_code == 401
    with time_machine.travel(timezone.now() + datetime.timedelta(days=settings.API_TOKEN_DAYS, hours=1)):
        assert client.get(reverse("api:inbox"), **bearer(token)).status_code == 401
    assert client.post(reverse("api:token-revoke"), **bearer(token)).status_code == 204
    assert client.get(reverse("api:inbox"), **bearer(token)).status_code == 401


def test_a_user_lists_and_revokes_their_own_devices_only(client, user):
    first = sign_in(client, user.username).json()
    second = sign_in(client, user.username).json()
    devices = client.get(reverse("api:device-list"), **bearer(second["token"])).json()
    assert [d["code"] for d in devices] == [second["device"], first["device"]]
    assert [d["current"] for d in devices] == [True, False]
    other = UserFactory()
    theirs = sign_in(client, other.username).json()
    url = reverse("api:device-revoke", kwargs={"device_code": theirs["device"]})
    assert client.post(url, **bearer(second["token"])).status_code == 404
    assert client.get(reverse("api:inbox"), **bearer(theirs["token"])).status_code == 200
    url = reverse("api:device-revoke", kwargs={"device_code": first["device"]})
    assert client.post(url, **bearer(second["token"])).status_code == 204
    assert client.get(reverse("api:inbox"), **bearer(first["token"])).status_code == 401
    assert client.get(reverse("api:inbox"), **bearer(second["token"])).status_code == 200


def test_an_account_that_must_change_its_password_gets_a_clear_refusal_not_a_token(client, user):
    user.must_change_password = True
    user.save()
    response = sign_in(client, user.username)
    assert response.status_code == 403
    body = response.json()
    assert body["gate"] == "password-change" and body["url"] == reverse("password-change")
    assert not ApiToken.objects.exists()


def test_a_token_stops_working_when_the_account_owes_a_gate_later(client, user):
    token = sign_in(client, user.username).json()["token"]
    user.must_change_password = True
    user.save()
    response = client.get(reverse("api:inbox"), **bearer(token))
    assert response.status_code == 403 and response.json()["gate"] == "password-change"


@pytest.fixture
def otp_admin(demo, settings):
    settings.OTP_REQUIRED = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    return demo.user("s1_admin")


def test_a_second_factor_account_without_a_device_must_enrol_on_the_web(client, otp_admin):
    response = sign_in(client, "s1_admin", settings.DEMO_PASSWORD)
    assert response.status_code == 403 and response.json()["gate"] == "otp-enrol"
    assert not ApiToken.objects.filter(user=otp_admin).exists()


def test_a_second_factor_account_signs_in_with_its_code_only(client, otp_admin):
    device = TOTPDevice.objects.create(user=otp_admin, name="authenticator", confirmed=True)
    assert sign_in(client, "s1_admin", settings.DEMO_PASSWORD).json()["code"] == "otp_required"
    assert sign_in(client, "s1_admin", settings.DEMO_PASSWORD, otp_token="000000").status_code == 403
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    response = sign_in(client, "s1_admin", settings.DEMO_PASSWORD, otp_token=code)
    assert response.status_code == 201, response.content
    assert client.get(reverse("api:inbox"), **bearer(response.json()["token"])).status_code == 200


def test_lockout_applies_to_app_sign_in_as_to_the_web(client, user):
    limit = settings.AXES_FAILURE_LIMIT
    answers = [sign_in(client, user.username, "wrong").status_code for _ in range(limit)]
    assert answers == [400] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    locked = sign_in(client, user.username)
    assert locked.status_code == 429
    assert locked.json()["code"] == "locked_out" and locked.json()["locked_until"]
    assert not ApiToken.objects.exists()
    # The web's sign-in page counts the same lockout.
    form = {"username": user.username, "password": PASSWORD}
    page = client.post(reverse("login"), form, REMOTE_ADDR="10.7.0.1")
    assert page.status_code == 429


def test_sign_in_is_throttled_per_address(client, user, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "sign-in": "3/minute"}
    for _ in range(3):
        assert sign_in(client, "nobody", "wrong", ip="10.7.0.9").status_code == 400
    assert sign_in(client, user.username, ip="10.7.0.9").status_code == 429
    assert sign_in(client, user.username, ip="10.7.0.10").status_code == 201
