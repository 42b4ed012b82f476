"""The web page of one's signed-in apps: lists one's own live tokens and signs one out; another
person's device is 404 and stays signed in."""

import pytest
from django.test import Client
from django.urls import reverse

from api import services
from api.models import ApiToken
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_user_sees_and_signs_out_their_own_apps_only(client, user):
    mine, _secret = services.token_issue(user=user, name="我的手机")
    other = UserFactory(password=None)
    theirs, _secret = services.token_issue(user=other, name="别人的手机")
    client.force_login(user)
    page = client.get(reverse("devices:list")).content.decode()
    assert "我的手机" in page and "别人的手机" not in page
    refused = client.post(reverse("devices:revoke", kwargs={"device_code": theirs.code}))
    assert refused.status_code == 404
    response = client.post(reverse("devices:revoke", kwargs={"device_code": mine.code}))
    assert response.status_code == 302 and response.url == reverse("devices:list")
    assert ApiToken.objects.get(pk=mine.pk).revoked_at is not None
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is None
    assert "我的手机" not in client.get(reverse("devices:list")).content.decode()


def test_a_revoked_app_is_refused_by_the_api(user):
    token, secret = services.token_issue(user=user, name="phone")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get(reverse("api:inbox")).status_code == 200
    services.token_revoke(token=token, actor=user)
    assert api.get(reverse("api:inbox")).status_code == 401


def test_the_profile_shows_contact_details_and_changes_email_and_language(user, settings):
    _token, secret = services.token_issue(user=user, name="phone")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get(reverse("api:profile")).json()["email"] == user.email
    response = api.patch(
        reverse("api:profile"),
        {"email": "new@example.edu.cn", "language": "en"},
        content_type="application/json",
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.email, user.language) == ("new@example.edu.cn", "en")
    refused = api.patch(reverse("api:profile"), {"mobile": "13900000000"}, content_type="application/json")
    assert refused.status_code == 200 and refused.json()["mobile"] == user.mobile
    assert (
        api.patch(reverse("api:profile"), {"language": "fr"}, content_type="application/json").status_code
        == 400
    )
