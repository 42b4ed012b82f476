"""F13: lockouts follow the account, not the spelling of the login, nor an address a client can forge."""

import datetime

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone

from schools.models import LoginLockout
from tests.support.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

DEMO_PASSWORD = "demo-2026"
# s1_parent's mobile number as parents type it on phones: spaces, dashes, country code, full width.
SPELLINGS = [
    "13900000001",
    "139 0000 0001",
    "+86 139-0000-0001",
    "１３９０００００００１",  # full-width digits
    "86-139-0000-0001",
]


def attempt(login, password, ip="10.0.0.1", **meta):
    """One POST to the login page from a fresh browser."""
    return Client().post(reverse("login"), {"username": login, "password": password}, REMOTE_ADDR=ip, **meta)


def signed_in(response) -> bool:
    return response.status_code == 302


def locked(response) -> bool:
    return response.status_code == 429 and "登录失败次数过多" in response.content.decode()


def cool_off(times: int = 1) -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES) * times


def test_it_locks_the_account_whichever_way_its_mobile_number_is_typed(demo):
    with time_machine.travel(timezone.now(), tick=False):
        for spelling in SPELLINGS[:-1]:
            assert attempt(spelling, "wrong").status_code == 200
        assert locked(attempt(SPELLINGS[-1], "wrong"))
        for spelling in [*SPELLINGS, "s1_parent", "S1_PARENT"]:
            assert locked(attempt(spelling, DEMO_PASSWORD)), spelling
        # One account, one counter, filed under its username.
        assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"s1_parent"}


def test_it_counts_the_letter_cases_of_a_username_together():
    # The backend matches usernames in any letter case (and full-width letters), so lockouts do.
    user = UserFactory(username="S9_Admin")
    with time_machine.travel(timezone.now(), tick=False):
        for login in ["S9_Admin", "s9_admin", "S9_ADMIN", "ｓ９＿ａｄｍｉｎ"]:
            assert attempt(login, "wrong").status_code == 200
        assert locked(attempt(" s9_Admin ", "wrong"))  # the fifth, in any spelling, locks
        for login in ["S9_Admin", "s9_admin"]:
            assert locked(attempt(login, PASSWORD))
        assert set(AccessAttempt.objects.values_list("username", flat=True)) == {user.username}


def test_it_throttles_an_unknown_login_under_one_spelling_too():
    with time_machine.travel(timezone.now(), tick=False):
        for spelling in ["13900000099", "139 0000 0099", "+86 139-0000-0099", "86-139-0000-0099"]:
            assert attempt(spelling, "wrong").status_code == 200
        for spelling in ["NoSuchUser", "nosuchuser"]:
            assert attempt(spelling, "wrong").status_code == 200
        assert locked(attempt("１３９００００００９９", "wrong"))
        assert not locked(attempt("NOSUCHUSER", "wrong"))  # its third try
        assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"13900000099", "nosuchuser"}


def test_it_locks_the_account_from_every_address_and_doubles_each_lockout():
    user = UserFactory(username="s9_parent", mobile="13900000009")
    limit = settings.LOGIN_ACCOUNT_FAILURE_LIMIT
    assert settings.AXES_FAILURE_LIMIT < limit
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for n in range(limit - 1):
            attempt(user.mobile, "wrong", ip=f"10.1.0.{n + 1}")
        # Under the account's limit the owner still signs in; that clears only the owner's address.
        assert signed_in(attempt(user.mobile, PASSWORD, ip="10.2.0.1"))
        attempt(user.mobile, "wrong", ip="10.1.0.200")
        page = attempt(user.mobile, PASSWORD, ip="10.2.0.2")
        assert locked(page)
        first_until = start + cool_off()
        assert LoginLockout.objects.get().locked_until == first_until
        # The page says, in Chinese, when to try again.
        when = formats.date_format(timezone.localtime(first_until), "SHORT_DATETIME_FORMAT")
        assert f"请于 {when} 之后再试" in page.content.decode()

    with time_machine.travel(first_until - datetime.timedelta(seconds=5), tick=False):
        assert locked(attempt(user.mobile, PASSWORD, ip="10.2.0.3"))
    second = first_until + datetime.timedelta(seconds=5)
    with time_machine.travel(second, tick=False):
        assert signed_in(attempt(user.mobile, PASSWORD, ip="10.2.0.4"))
        for n in range(limit):
            attempt(user.mobile, "wrong", ip=f"10.3.0.{n + 1}")
        assert locked(attempt(user.mobile, PASSWORD, ip="10.2.0.5"))
    # The second lockout within a day lasts twice as long.
    assert LoginLockout.objects.latest("locked_at").locked_until == second + cool_off(2)
    with time_machine.travel(second + cool_off(2) - datetime.timedelta(seconds=5), tick=False):
        assert locked(attempt(user.mobile, PASSWORD, ip="10.2.0.6"))
    with time_machine.travel(second + cool_off(2) + datetime.timedelta(seconds=5), tick=False):
        assert signed_in(attempt(user.mobile, PASSWORD, ip="10.2.0.7"))


def test_it_doubles_the_lockout_of_one_address_too():
    user = UserFactory()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            attempt(user.username, "wrong")
    again = start + cool_off() + datetime.timedelta(seconds=5)
    with time_machine.travel(again, tick=False):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            attempt(user.username, "wrong")
    with time_machine.travel(again + cool_off() + datetime.timedelta(seconds=5), tick=False):
        assert locked(attempt(user.username, PASSWORD))
        assert signed_in(attempt(user.username, PASSWORD, ip="10.0.0.2"))
    with time_machine.travel(again + cool_off(2) + datetime.timedelta(seconds=5), tick=False):
        assert signed_in(attempt(user.username, PASSWORD))


PROXY = "10.0.0.254"  # our nginx: every request reaches the portal from here
CLIENT_A, CLIENT_B = "203.0.113.5", "203.0.113.6"


def test_it_locks_the_client_behind_the_proxy_not_the_proxy(settings):
    settings.PROXY_COUNT = 1
    user = UserFactory()
    with time_machine.travel(timezone.now(), tick=False):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            # nginx appends the address it saw to whatever the client sent.
            attempt(user.username, "wrong", ip=PROXY, HTTP_X_FORWARDED_FOR=f"198.51.100.{_}, {CLIENT_A}")
        assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {CLIENT_A}
        assert locked(attempt(user.username, PASSWORD, ip=PROXY, HTTP_X_FORWARDED_FOR=CLIENT_A))
        # A forged left-most entry does not make A somebody else.
        forged = f"{CLIENT_B}, {CLIENT_A}"
        assert locked(attempt(user.username, PASSWORD, ip=PROXY, HTTP_X_FORWARDED_FOR=forged))
        # B, behind the same proxy, still signs in.
        assert signed_in(attempt(user.username, PASSWORD, ip=PROXY, HTTP_X_FORWARDED_FOR=CLIENT_B))


def test_it_ignores_x_forwarded_for_without_a_proxy(settings):
    settings.PROXY_COUNT = 0
    user = UserFactory()
    with time_machine.travel(timezone.now(), tick=False):
        for n in range(settings.AXES_FAILURE_LIMIT):
            attempt(user.username, "wrong", ip="10.0.0.9", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
        assert locked(attempt(user.username, PASSWORD, ip="10.0.0.9", HTTP_X_FORWARDED_FOR="198.51.100.99"))
