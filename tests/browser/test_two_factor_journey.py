"""A school admin, on a phone, with the second factor required: signs in, sets up the
authenticator app from the key shown under the QR code, is let in, and after signing in again
is asked for a code."""

import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo-2026"


def current_code(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + offset):06d}"


def sign_in(page, url):
    page.goto(url + "/")
    page.get_by_label("用户名或手机号").fill("s1_admin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_a_school_admin_enrols_an_authenticator_and_verifies_at_the_next_sign_in(
    live_server, page, demo, settings
):
    settings.OTP_REQUIRED = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    admin = demo.user("s1_admin")

    sign_in(page, live_server.url)
    expect(page.get_by_role("heading", name="设置两步登录")).to_be_visible()
    page.get_by_role("button", name="开始设置").click()
    expect(page.get_by_role("img", name="身份验证器应用的二维码")).to_be_visible()
    secret = page.locator("[data-otp-secret]").inner_text().replace(" ", "")
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    assert len(secret) == 32
    # The home page is out of reach until the code is confirmed.
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", name="设置两步登录")).to_be_visible()

    page.get_by_label("身份验证器应用中的验证码").fill(current_code(device))
    page.get_by_role("button", name="确认").click()
    expect(page.get_by_role("heading", name=re.compile("欢迎"))).to_be_visible()

    # Sign out (the menu sits behind the toggler at 375 px), then in again: a code is asked for.
    page.context.clear_cookies()
    sign_in(page, live_server.url)
    expect(page.get_by_role("heading", name="两步登录")).to_be_visible()
    device.refresh_from_db()
    # The code used to enrol cannot be replayed: take the next step's code.
    page.get_by_label("身份验证器应用中的验证码").fill(current_code(device, offset=1))
    page.get_by_role("button", name="验证").click()
    expect(page.get_by_role("heading", name=re.compile("欢迎"))).to_be_visible()
