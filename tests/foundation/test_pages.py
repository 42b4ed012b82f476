import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from schools.models import User

pytestmark = pytest.mark.django_db


def test_it_shows_a_chinese_404_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_it_shows_a_chinese_500_page_without_leaking_the_error(settings):
    from django.urls import path

    def broken(request):
        raise RuntimeError("secret detail")

    import afterschool.urls as project_urls

    settings.ROOT_URLCONF = type("U", (), {"urlpatterns": [path("boom/", broken), *project_urls.urlpatterns]})
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "服务器出了点问题" in body and "secret detail" not in body


def test_it_switches_to_english_and_remembers_it_on_the_account(client, user):
    client.force_login(user)
    client.post(reverse("set-language"), {"language": "en", "next": "/"})
    body = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in body and "Log out" in body
    user.refresh_from_db()
    assert user.language == "en"
    client.post(reverse("set-language"), {"language": "zh-hans", "next": "/"})
    assert "退出登录" in client.get(reverse("home")).content.decode()


def test_it_serves_vendored_bootstrap_without_a_cdn(client):
    body = client.get(reverse("login")).content.decode()
    assert "/static/vendor/bootstrap/bootstrap.min.css" in body
    assert "cdn" not in body.lower()


def test_seed_demo_creates_the_superuser_once():
    call_command("seed_demo")
    call_command("seed_demo")
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("demo-2026")
    assert User.objects.filter(username="admin").count() == 1


def test_it_opens_in_chinese_whatever_the_browser_language_until_english_is_chosen(client):
    body = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in body
    client.post(reverse("set-language"), {"language": "en", "next": "/"})
    body = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert '<html lang="en">' in body
