"""A mini program binds its WeChat for messages: the phone sends its wx.login() code, the portal
asks WeChat (a local stand-in server) for the openid behind it; an openid is never taken from the
phone, and one already bound to another account is refused."""

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from api import services
from audit.models import AuditEvent
from notices.models import WeChatBinding
from tests.support.factories import UserFactory
from tests.support.provider_server import StandIn, scripted

pytestmark = pytest.mark.django_db

TOKEN = (200, {"access_token": "test-access-token", "expires_in": 7200})


@pytest.fixture
def wechat_at(settings):
    def point_at(server):
        settings.WECHAT_APP_ID = f"wx{uuid.uuid4().hex[:16]}"
        settings.WECHAT_APP_SECRET = "test-secret"
        settings.WECHAT_API_BASE_URL = f"http://{server.address}/"

    return point_at


def phone_of(user):
    _token, secret = services.token_issue(user=user, name="mini program")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def bind(phone, code):
    return phone.post(reverse("api:profile-wechat"), {"code": code}, content_type="application/json")


def test_the_login_code_is_exchanged_for_the_openid_and_bound(wechat_at):
    user = UserFactory()
    answers = scripted(TOKEN, (200, {"openid": "oWx-bound-by-code-1", "session_key": "k"}))
    with StandIn(answers) as server:
        wechat_at(server)
        response = bind(phone_of(user), "login-code-123")
    assert response.status_code == 200, response.content
    assert response.json()["wechat_bound"] is True
    assert WeChatBinding.objects.get(user=user).openid == "oWx-bound-by-code-1"
    exchange = [c for c in server.calls if c["path"].endswith("sns/jscode2session")]
    assert len(exchange) == 1
    assert exchange[0]["query"]["js_code"] == "login-code-123"
    assert exchange[0]["query"]["grant_type"] == "authorization_code"
    assert AuditEvent.objects.filter(verb="notices.wechat_bind", actor=user).exists()


def test_a_refused_code_and_a_taken_openid_bind_nothing(wechat_at):
    first, second = UserFactory(), UserFactory()
    with StandIn(scripted(TOKEN, (200, {"errcode": 40029, "errmsg": "invalid code"}))) as server:
        wechat_at(server)
        refused = bind(phone_of(first), "stale-code")
    assert refused.status_code == 400 and refused.json()["code"] == "wechat_code_invalid"
    assert not WeChatBinding.objects.filter(user=first).exists()
    with StandIn(scripted(TOKEN, (200, {"openid": "oWx-shared-openid-1"}))) as server:
        wechat_at(server)
        assert bind(phone_of(first), "code-a").status_code == 200
        taken = bind(phone_of(second), "code-b")
    assert taken.status_code == 400 and taken.json()["code"] == "openid_taken"
    assert list(
        WeChatBinding.objects.filter(openid="oWx-shared-openid-1").values_list("user", flat=True)
    ) == [first.pk]
    assert not WeChatBinding.objects.filter(user=second).exists()


def test_without_wechat_set_up_the_portal_says_so(settings):
    settings.WECHAT_APP_ID = ""
    response = bind(phone_of(UserFactory()), "any-code")
    assert response.status_code == 400 and response.json()["code"] == "wechat_off"
