"""Fixtures of the message-channel tests: SMS and WeChat settings pointed at a stand-in provider
(tests/support/provider_server.py)."""

import uuid

import pytest

from notices import services
from tests.support.factories import UserFactory

TEMPLATES = {"system/welcome": {"zh-hans": "SMS_100", "en": "SMS_200"}, "*": "SMS_999"}


@pytest.fixture
def texter(db):
    """A parent with a mobile number and no e-mail who chose SMS."""
    person = UserFactory(mobile="13800138000", email="", language="zh-hans")
    return person


@pytest.fixture
def sms_settings(settings):
    settings.SMS_SIGN_NAME = "课后服务"
    settings.SMS_TEMPLATES = TEMPLATES
    settings.SMS_PROVIDER_SCHEME = "http"
    settings.NOTIFICATION_RETRY_SECONDS = 1
    return settings


@pytest.fixture
def aliyun(sms_settings):
    def point_at(server):
        sms_settings.SMS_BACKEND = "aliyun"
        sms_settings.ALIYUN_ACCESS_KEY_ID = "test-key-id"
        sms_settings.ALIYUN_ACCESS_KEY_SECRET = "test-key-secret"
        sms_settings.ALIYUN_SMS_ENDPOINT = server.address

    return point_at


@pytest.fixture
def tencent(sms_settings):
    def point_at(server):
        sms_settings.SMS_BACKEND = "tencent"
        sms_settings.TENCENT_SECRET_ID = "test-secret-id"
        sms_settings.TENCENT_SECRET_KEY = "test-secret-key"
        sms_settings.TENCENT_SMS_APP_ID = "1400000001"
        sms_settings.TENCENT_SMS_ENDPOINT = server.address

    return point_at


@pytest.fixture
def wechat(settings):
    def point_at(server):
        # A fresh app id each time: the access token is cached under it.
        settings.WECHAT_APP_ID = f"wx{uuid.uuid4().hex[:16]}"
        settings.WECHAT_APP_SECRET = "test-secret"
        settings.WECHAT_TEMPLATES = {"system/welcome": {"zh-hans": "TPL-zh", "en": "TPL-en"}}
        settings.WECHAT_API_BASE_URL = f"http://{server.address}/"
        settings.NOTIFICATION_RETRY_SECONDS = 1

    return point_at


@pytest.fixture
def choose():
    def choose(user, *channels):
        return services.channel_preferences_set(user=user, channels=list(channels))

    return choose
