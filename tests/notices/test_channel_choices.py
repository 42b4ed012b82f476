"""The channel rules (notices.services): choices, the WeChat binding, and urgent safety alerts that
go by SMS whatever the person chose."""

import datetime
import json

import pytest
from django.core.exceptions import ValidationError

from notices import services
from notices.models import Delivery, Notification, WeChatBinding
from safety.services.alerts import alert_raise
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms_file(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    return tmp_path / "sms.jsonl"


def test_a_channel_must_be_configured_and_have_an_address(settings, sms_file):
    person = UserFactory(email="", mobile=None)
    for channels, code in [
        (["email"], "channel_no_email"),
        (["sms"], "channel_no_sms"),
        (["wechat"], "channel_unavailable"),
        (["fax"], "channel_unknown"),
    ]:
        with pytest.raises(ValidationError) as refused:
            services.channel_preferences_set(user=person, channels=channels)
        assert refused.value.code == code
    settings.WECHAT_APP_ID = "wx0000000000000000"
    with pytest.raises(ValidationError) as refused:
        services.channel_preferences_set(user=person, channels=["wechat"])
    assert refused.value.code == "channel_no_wechat"
    services.wechat_openid_bind(user=person, openid="oPerson-openid-1")
    assert services.channel_preferences_set(user=person, channels=["wechat"]) == ["in_app", "wechat"]


def test_an_openid_is_bound_to_one_person_only():
    first, second = UserFactory(), UserFactory()
    services.wechat_openid_bind(user=first, openid="oShared-openid-1")
    with pytest.raises(ValidationError) as refused:
        services.wechat_openid_bind(user=second, openid="oShared-openid-1")
    assert refused.value.code == "openid_taken"
    with pytest.raises(ValidationError) as refused:
        services.wechat_openid_bind(user=second, openid="x")
    assert refused.value.code == "openid_invalid"
    services.wechat_openid_bind(user=first, openid="oNew-openid-2")  # a new openid replaces the old
    assert WeChatBinding.objects.get(user=first).openid == "oNew-openid-2"


@pytest.mark.parametrize("notice", ["safety/unreleased", "safety/release_refused", "safety/absent"])
def test_urgent_safety_alerts_go_by_sms_even_to_someone_who_chose_only_in_app(
    notice, demo, sms_file, django_capture_on_commit_callbacks
):
    parent = demo.user("s1_parent")
    services.channel_preferences_set(user=parent, channels=[])  # only the inbox
    child = demo.child("刘子涵")
    with django_capture_on_commit_callbacks(execute=True):
        alert_raise(
            key=f"test:{notice}",
            kind="unreleased",
            school=child.school,
            date=datetime.date(2026, 11, 27),
            recipients=[parent],
            notice=notice,
            student=child,
        )
    notification = Notification.objects.get(recipient=parent, kind=notice)
    assert list(notification.deliveries.values_list("channel", "status")) == [("sms", Delivery.Status.SENT)]
    sent = [json.loads(line) for line in sms_file.read_text(encoding="utf-8").splitlines()]
    assert [(line["to"], line["kind"]) for line in sent] == [(parent.mobile, notice)]


def test_other_messages_respect_the_choice_and_urgent_ones_need_sms_configured(
    settings, sms_file, django_capture_on_commit_callbacks
):
    person = UserFactory(mobile="13500135009")
    services.channel_preferences_set(user=person, channels=[])
    with django_capture_on_commit_callbacks(execute=True):
        quiet = services.notification_send(recipient=person, kind="system/welcome")
    assert not quiet.deliveries.exists()
    settings.SMS_BACKEND = ""
    with django_capture_on_commit_callbacks(execute=True):
        urgent = services.notification_send(recipient=person, kind="safety/absent")
    assert not urgent.deliveries.exists()
    assert not sms_file.exists()
