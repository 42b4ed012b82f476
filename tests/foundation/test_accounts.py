import pytest
from django.urls import reverse

from audit.models import AuditEvent
from tests.support.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def login(client, username, password=PASSWORD, ip="10.1.1.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_it_logs_in_by_username(client, user):
    response = login(client, user.username)
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.get(reverse("home")).context["user"] == user


def test_it_logs_in_by_mobile_number_typed_full_width(client):
    user = UserFactory(mobile="13812345678")
    response = login(client, "１３８ １２３４ ５６７８")
    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"] == user


def test_it_refuses_a_wrong_password_in_chinese_and_keeps_the_username(client, user):
    response = login(client, user.username, "wrong")
    assert response.status_code == 200
    body = response.content.decode()
    assert "请输入一个正确的" in body
    assert f'value="{user.username}"' in body


def test_it_hashes_passwords_with_argon2(user):
    assert user.password.startswith("argon2")


def test_it_logs_out_by_post_only(client, user):
    client.force_login(user)
    assert client.get(reverse("logout")).status_code == 405
    assert client.get(reverse("home")).status_code == 200
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_it_changes_the_password_and_audits_it(client, user):
    client.force_login(user)
    response = client.post(
        reverse("password-change"),
        {"old_password": PASSWORD, "new_password1": "Qiu-tian-2026", "new_password2": "Qiu-tian-2026"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Qiu-tian-2026")
    assert AuditEvent.objects.filter(verb="user.password_change", target_id=str(user.pk)).exists()


def test_it_applies_django_password_validators(client, user):
    client.force_login(user)
    response = client.post(
        reverse("password-change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert "这个密码太常见了" in response.content.decode()


def test_it_forces_a_password_change_at_first_login(client):
    user = UserFactory(must_change_password=True)
    login(client, user.username)
    response = client.get(reverse("notices:inbox"))
    assert response.status_code == 302
    assert response.url == reverse("password-change")
    page = client.get(reverse("password-change"))
    assert "请先设置您自己的密码" in page.content.decode()
    client.post(
        reverse("password-change"),
        {"old_password": PASSWORD, "new_password1": "Chun-tian-2026", "new_password2": "Chun-tian-2026"},
    )
    user.refresh_from_db()
    assert user.must_change_password is False
    assert client.get(reverse("notices:inbox")).status_code == 200


def test_it_sends_anonymous_visitors_to_the_login_page(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_shows_the_login_page_in_chinese(client):
    body = client.get(reverse("login")).content.decode()
    assert '<html lang="zh-hans">' in body
    assert "用户名或手机号" in body
