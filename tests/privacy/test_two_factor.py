"""F10: a second factor (TOTP) for school admins and bureau officers when OTP_REQUIRED is on."""

import re

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from schools import two_factor

pytestmark = pytest.mark.django_db

ENROL, VERIFY = "/accounts/two-factor/enrol/", "/accounts/two-factor/verify/"


@pytest.fixture
def required(settings):
    settings.OTP_REQUIRED = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # throttling has its own test
    return settings


def code(device: TOTPDevice, offset: int = 0) -> str:
    """The code the user's app shows now (offset in 30-second steps)."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + offset):06d}"


def sign_in(client, username):
    response = client.post(
        reverse("login"), {"username": username, "password": "demo-2026"}, REMOTE_ADDR="10.9.9.9"
    )
    assert response.status_code == 302
    return response


def test_reverse_names_match_the_paths():
    assert reverse("otp-enrol") == ENROL and reverse("otp-verify") == VERIFY


def test_a_required_user_without_a_device_is_sent_to_enrol_from_every_page(client, demo, required):
    sign_in(client, "s1_admin")
    for url in (reverse("home"), reverse("enrollment:admin"), reverse("notices:inbox")):
        response = client.get(url)
        assert response.status_code == 302 and response.url == ENROL, url
    # Logout still works, and the enrolment page itself opens.
    assert client.get(ENROL).status_code == 200


def test_enrolment_shows_a_qr_code_and_confirms_with_the_right_code_only(client, demo, required):
    admin = demo.user("s1_admin")
    sign_in(client, "s1_admin")
    assert client.post(ENROL, {"start": "1"}).status_code == 302
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    page = client.get(ENROL).content.decode()
    assert 'src="data:image/svg+xml' in page
    shown = re.search(r"data-otp-secret>([A-Z2-7 ]+)<", page).group(1).replace(" ", "")
    assert shown == two_factor.secret_b32(device).replace(" ", "")

    wrong = f"{(int(code(device)) + 1) % 1_000_000:06d}"
    response = client.post(ENROL, {"token": wrong})
    assert response.status_code == 200 and "验证码不正确" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(reverse("home")).url == ENROL

    response = client.post(ENROL, {"token": code(device)})
    assert response.status_code == 302 and response.url == reverse("home")
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("home")).status_code == 200


def test_a_required_user_with_a_device_cannot_reach_home_without_a_code(client, demo, required):
    officer = demo.user("zy_bureau")
    device = TOTPDevice.objects.create(user=officer, name="phone", confirmed=True)
    sign_in(client, "zy_bureau")
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url == VERIFY
    assert client.get(ENROL).url == VERIFY  # no second device behind the first one's back

    response = client.post(VERIFY, {"token": "000000" if code(device) != "000000" else "111111"})
    assert response.status_code == 200
    assert client.get(reverse("home")).url == VERIFY

    used = code(device)
    response = client.post(VERIFY, {"token": used})
    assert response.status_code == 302 and response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    # A new sign-in asks again, and the code just used cannot be replayed.
    client.post(reverse("logout"))
    sign_in(client, "zy_bureau")
    assert client.get(reverse("home")).url == VERIFY
    assert client.post(VERIFY, {"token": used}).status_code == 200
    assert client.get(reverse("home")).url == VERIFY


def test_wrong_codes_are_throttled(client, demo, settings):
    settings.OTP_REQUIRED = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 600  # after one failure the next try must wait ten minutes
    officer = demo.user("zy_bureau")
    device = TOTPDevice.objects.create(user=officer, name="phone", confirmed=True)
    sign_in(client, "zy_bureau")
    client.post(VERIFY, {"token": f"{(int(code(device)) + 1) % 1_000_000:06d}"})
    response = client.post(VERIFY, {"token": code(device)})  # right, but too soon
    assert response.status_code == 200
    assert "尝试次数过多" in response.content.decode()
    assert client.get(reverse("home")).url == VERIFY
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # refused while throttled, before the code is checked


@pytest.mark.parametrize("username", ["s1_parent", "s1_head31", "s1_staff", "s1_guard"])
def test_parents_and_teachers_are_never_asked(client, demo, required, username):
    sign_in(client, username)
    assert client.get(reverse("home")).status_code == 200
    assert client.get(VERIFY).status_code == 404
    assert client.get(ENROL).status_code == 404


def test_off_by_default_under_tests_and_on_a_developer_machine(client, demo, settings):
    assert settings.OTP_REQUIRED is False
    sign_in(client, "s1_admin")
    assert client.get(reverse("home")).status_code == 200
    assert client.get(VERIFY).url == reverse("home")


def test_the_forced_password_change_still_comes_after_the_second_factor(client, demo, required):
    admin = demo.user("s1_admin")
    admin.must_change_password = True
    admin.save(update_fields=["must_change_password"])
    device = TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    sign_in(client, "s1_admin")
    assert client.get(reverse("password-change")).url == VERIFY
    client.post(VERIFY, {"token": code(device)})
    assert client.get(reverse("home")).url == reverse("password-change")
