"""Message channels: SMS through Aliyun and Tencent Cloud, WeChat subscription messages, each
against a local server standing in for the provider; one delivery row per channel, retried after
a provider error and sent exactly once."""

import json
import threading

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from notices import services, tasks
from notices.channels import ChannelError
from notices.models import Delivery, Notification
from tests.support.factories import UserFactory
from tests.support.provider_server import StandIn, scripted

pytestmark = pytest.mark.django_db

ALIYUN_BUSY = (503, {"Code": "ServiceUnavailable", "Message": "busy", "RequestId": "r-1"})
ALIYUN_OK = (200, {"Code": "OK", "Message": "OK", "BizId": "b-1", "RequestId": "r-2"})
TENCENT_BUSY = (
    200,
    {"Response": {"Error": {"Code": "InternalError", "Message": "busy"}, "RequestId": "r-1"}},
)
TENCENT_OK = (
    200,
    {
        "Response": {
            "SendStatusSet": [
                {
                    "SerialNo": "s-1",
                    "PhoneNumber": "+8613800138000",
                    "Fee": 1,
                    "SessionContext": "",
                    "Code": "Ok",
                    "Message": "send success",
                    "IsoCode": "CN",
                }
            ],
            "RequestId": "r-2",
        }
    },
)


def welcome(recipient, capture):
    with capture(execute=True):
        return services.notification_send(recipient=recipient, kind="system/welcome")


def params(call) -> dict:
    return {**call["query"], **call["form"]}


def test_aliyun_retries_a_provider_error_and_sends_exactly_once(
    aliyun, texter, choose, django_capture_on_commit_callbacks
):
    with StandIn(scripted(ALIYUN_BUSY, ALIYUN_OK)) as server:
        aliyun(server)
        choose(texter, "sms")
        notification = welcome(texter, django_capture_on_commit_callbacks)
        sms = notification.deliveries.get()
        # A retried task, the catch-up job or a second worker finds the row sent and sends nothing.
        assert services.delivery_attempt(delivery_id=sms.pk) is False
        assert tasks.deliver(sms.pk) is False
    assert len(server.calls) == 2
    assert [c["headers"]["x-acs-action"] for c in server.calls] == ["SendSms", "SendSms"]
    assert server.calls[-1]["headers"]["authorization"].startswith("ACS3-HMAC-SHA256 Credential=test-key-id,")
    sent = params(server.calls[-1])
    assert sent["PhoneNumbers"] == "13800138000"
    assert (sent["SignName"], sent["TemplateCode"]) == ("课后服务", "SMS_100")
    assert json.loads(sent["TemplateParam"]) == {"title": notification.title}
    assert params(server.calls[0]) == sent  # the retry sends the same message
    sms.refresh_from_db()
    assert (sms.channel, sms.status, sms.attempts, sms.last_error) == ("sms", Delivery.Status.SENT, 2, "")
    assert Delivery.objects.filter(notification=notification).count() == 1


def test_tencent_retries_a_provider_error_and_sends_exactly_once_in_english(
    tencent, texter, choose, django_capture_on_commit_callbacks
):
    texter.language = "en"
    texter.save()
    with StandIn(scripted(TENCENT_BUSY, TENCENT_OK)) as server:
        tencent(server)
        choose(texter, "sms")
        notification = welcome(texter, django_capture_on_commit_callbacks)
        sms = notification.deliveries.get()
        assert services.delivery_attempt(delivery_id=sms.pk) is False
    assert len(server.calls) == 2
    assert {call["headers"]["x-tc-action"] for call in server.calls} == {"SendSms"}
    sent = server.calls[-1]["json"]
    assert sent["PhoneNumberSet"] == ["+8613800138000"]
    assert (sent["SmsSdkAppId"], sent["SignName"], sent["TemplateId"]) == (
        "1400000001",
        "课后服务",
        "SMS_200",
    )
    assert sent["TemplateParamSet"] == [notification.title]
    assert notification.title.startswith("Welcome")
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (Delivery.Status.SENT, 2)


def test_wechat_retries_a_provider_error_and_sends_exactly_once(
    wechat, choose, django_capture_on_commit_callbacks
):
    def answer(call):
        if call["path"] == "/cgi-bin/token":
            return 200, {"access_token": "TOKEN-1", "expires_in": 7200}
        sends = [c for c in server.calls if c["path"] == "/cgi-bin/message/subscribe/send"]
        return (
            (200, {"errcode": -1, "errmsg": "system error"})
            if len(sends) == 1
            else (200, {"errcode": 0, "errmsg": "ok"})
        )

    person = UserFactory(email="", language="zh-hans")
    with StandIn(answer) as server:
        wechat(server)
        services.wechat_openid_bind(user=person, openid="oWx-test-openid-1")
        choose(person, "wechat")
        notification = welcome(person, django_capture_on_commit_callbacks)
        delivery = notification.deliveries.get()
        assert services.delivery_attempt(delivery_id=delivery.pk) is False
    assert [c["path"] for c in server.calls] == [
        "/cgi-bin/token",
        "/cgi-bin/message/subscribe/send",
        "/cgi-bin/message/subscribe/send",
    ]
    sent = server.calls[-1]
    assert sent["query"]["access_token"] == "TOKEN-1"
    assert (sent["json"]["touser"], sent["json"]["template_id"]) == ("oWx-test-openid-1", "TPL-zh")
    assert sent["json"]["data"]["title"] == {"value": notification.title[:20]}
    delivery.refresh_from_db()
    assert (delivery.channel, delivery.status, delivery.attempts) == ("wechat", Delivery.Status.SENT, 2)


def test_a_provider_that_keeps_failing_is_given_up_after_the_last_attempt(
    aliyun, settings, texter, choose, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    with StandIn(scripted(ALIYUN_BUSY)) as server:
        aliyun(server)
        choose(texter, "sms")
        notification = welcome(texter, django_capture_on_commit_callbacks)
        sms = notification.deliveries.get()
        assert tasks.deliver_pending() == 0  # nothing left for the catch-up job
    assert len(server.calls) == 3
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.last_error) == (Delivery.Status.FAILED, 3, "ServiceUnavailable")


def test_a_failed_attempt_waits_its_backoff_before_the_catch_up_job_takes_it(
    aliyun, settings, texter, choose
):
    settings.NOTIFICATION_RETRY_SECONDS = 600
    with StandIn(scripted(ALIYUN_BUSY, ALIYUN_OK)) as server:
        aliyun(server)
        choose(texter, "sms")
        notification = services.notification_send(
            recipient=texter, kind="system/welcome"
        )  # no commit, no task
        sms = notification.deliveries.get()
        with pytest.raises(ChannelError):
            services.delivery_attempt(delivery_id=sms.pk)
        Notification.objects.filter(pk=notification.pk).update(
            created=notification.created.replace(year=2020)
        )
        sms.refresh_from_db()
        assert (sms.status, sms.attempts, sms.last_error) == (
            Delivery.Status.PENDING,
            1,
            "ServiceUnavailable",
        )
        assert services.deliveries_pending_ids() == []  # its next attempt is ten minutes away
        Delivery.objects.filter(pk=sms.pk).update(next_attempt_at=sms.next_attempt_at.replace(year=2020))
        assert services.deliveries_pending_ids() == [sms.pk]
        assert tasks.deliver_pending() == 1
        assert tasks.deliver_pending() == 0
    assert len(server.calls) == 2
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (Delivery.Status.SENT, 2)


@pytest.mark.django_db(transaction=True)
def test_two_claims_on_the_same_delivery_send_it_once(aliyun):
    """Two workers take the same delivery at the same moment: one claim wins, the provider sees
    one request."""
    release = threading.Event()

    def slow_ok(call):
        release.wait(5)
        return ALIYUN_OK

    texter = UserFactory(mobile="13900139000", email="")
    with StandIn(slow_ok) as server:
        aliyun(server)
        # The outbox rows as notification_send writes them, before any worker took them.
        notification = Notification.objects.create(recipient=texter, kind="system/welcome", title="t")
        sms = Delivery.objects.create(notification=notification, channel="sms")
        results, barrier = [], threading.Barrier(2)

        def worker():
            barrier.wait()
            try:
                results.append(services.delivery_attempt(delivery_id=sms.pk))
            finally:
                if results.count(False):
                    release.set()
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        release.set()
    assert sorted(results) == [False, True]
    assert len(server.calls) == 1
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (Delivery.Status.SENT, 1)


def test_the_file_backend_writes_one_line_per_message(
    settings, tmp_path, texter, choose, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    choose(texter, "sms")
    notification = welcome(texter, django_capture_on_commit_callbacks)
    lines = (tmp_path / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0])["to"] == "13800138000"
    assert json.loads(lines[0])["title"] == notification.title
    assert notification.deliveries.get().status == Delivery.Status.SENT


def test_each_chosen_channel_gets_one_row_and_in_app_alone_gets_none(
    settings, tmp_path, choose, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    both = UserFactory(mobile="13700137000")
    choose(both, "email", "sms")
    quiet = UserFactory(mobile="13600136000")
    choose(quiet)
    loud = welcome(both, django_capture_on_commit_callbacks)
    silent = welcome(quiet, django_capture_on_commit_callbacks)
    assert sorted(loud.deliveries.values_list("channel", "status")) == [("email", "sent"), ("sms", "sent")]
    assert not silent.deliveries.exists()
    assert [m.to for m in mail.outbox] == [[both.email]]


def test_the_console_backend_prints_the_message_with_the_mobile_masked(
    settings, texter, choose, capsys, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "console"
    choose(texter, "sms")
    notification = welcome(texter, django_capture_on_commit_callbacks)
    out = capsys.readouterr().out
    assert "138****8000" in out and notification.title in out
    assert "13800138000" not in out
    assert notification.deliveries.get().status == Delivery.Status.SENT


def test_a_delivery_whose_worker_died_mid_send_is_taken_over_after_its_lease(
    aliyun, settings, texter, choose
):
    with StandIn(scripted(ALIYUN_OK)) as server:
        aliyun(server)
        choose(texter, "sms")
        notification = services.notification_send(recipient=texter, kind="system/welcome")
        Notification.objects.filter(pk=notification.pk).update(
            created=notification.created.replace(year=2020)
        )
        sms = notification.deliveries.get()
        # A worker claimed it and died before sending: the row says "being sent", leased ahead.
        lease_end = timezone.now() + timezone.timedelta(seconds=settings.NOTIFICATION_SENDING_LEASE_SECONDS)
        Delivery.objects.filter(pk=sms.pk).update(
            status=Delivery.Status.SENDING, attempts=1, next_attempt_at=lease_end
        )
        assert services.deliveries_pending_ids() == []  # the lease still runs: its worker may be sending
        assert services.delivery_attempt(delivery_id=sms.pk) is False  # nobody else takes it meanwhile
        Delivery.objects.filter(pk=sms.pk).update(next_attempt_at=lease_end.replace(year=2020))
        assert services.deliveries_pending_ids() == [sms.pk]
        assert tasks.deliver_pending() == 1
        assert tasks.deliver_pending() == 0
    assert len(server.calls) == 1
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.next_attempt_at) == (Delivery.Status.SENT, 2, None)
