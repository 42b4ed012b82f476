import datetime

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tests.support.factories import PASSWORD

pytestmark = pytest.mark.django_db


def attempt(client, username, password, ip):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_it_locks_one_username_from_one_address_until_the_cool_off(client, user, django_user_model):
    assert settings.AXES_FAILURE_LIMIT == 5
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            attempt(client, user.username, "wrong", "10.0.0.1")
        locked = attempt(client, user.username, PASSWORD, "10.0.0.1")
        assert locked.status_code == 429
        assert "登录失败次数过多" in locked.content.decode()
        assert "_auth_user_id" not in client.session

        # The same user from another address is not locked.
        other = client_class_login(user.username, "10.0.0.2")
        assert other.status_code == 302

    cool_off = datetime.timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES) + datetime.timedelta(seconds=5)
    with time_machine.travel(start + cool_off, tick=False):
        lifted = attempt(client, user.username, PASSWORD, "10.0.0.1")
        assert lifted.status_code == 302
        assert client.session["_auth_user_id"] == str(user.pk)


def client_class_login(username, ip):
    from django.test import Client

    return attempt(Client(), username, PASSWORD, ip)


def test_it_does_not_lock_before_the_limit(client, user):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, user.username, "wrong", "10.0.0.3")
    assert attempt(client, user.username, PASSWORD, "10.0.0.3").status_code == 302
