import threading

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from notices import services
from notices.channels import ChannelError
from notices.models import Delivery, Notification
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db


def send(recipient, **kwargs):
    return services.notification_send(recipient=recipient, kind="system/welcome", **kwargs)


def test_it_writes_the_message_in_the_recipients_language(django_capture_on_commit_callbacks):
    zh, en = UserFactory(language="zh-hans"), UserFactory(language="en")
    with django_capture_on_commit_callbacks(execute=True):
        send(zh)
        send(en)
    assert Notification.objects.get(recipient=zh).title.startswith("欢迎使用课后服务管理平台")
    assert Notification.objects.get(recipient=en).title.startswith("Welcome to the after-school")
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects[0].startswith("Welcome") and subjects[1].startswith("欢迎")


def test_it_emails_only_after_commit(django_capture_on_commit_callbacks, user):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send(user)
        assert mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mail.outbox) == 1
    email = Notification.objects.get(recipient=user).deliveries.get()
    assert (email.channel, email.status, email.attempts) == ("email", Delivery.Status.SENT, 1)
    assert email.sent_at is not None


def test_it_delivers_a_key_once(django_capture_on_commit_callbacks, user):
    with django_capture_on_commit_callbacks(execute=True):
        first = send(user, dedupe_key="welcome:1")
        second = send(user, dedupe_key="welcome:1")
    assert first.pk == second.pk
    assert Notification.objects.filter(recipient=user).count() == 1
    assert len(mail.outbox) == 1
    # A retried delivery task finds the row already sent and sends nothing more.
    assert services.notification_deliver(notification_id=first.pk) is False
    assert len(mail.outbox) == 1


def test_it_keeps_the_inbox_row_when_there_is_no_address(django_capture_on_commit_callbacks):
    user = UserFactory(email="")
    with django_capture_on_commit_callbacks(execute=True):
        notification = send(user)
    assert notification.deliveries.get(channel="email").status == Delivery.Status.NO_ADDRESS
    assert mail.outbox == []


def test_it_puts_a_failed_send_back_to_pending(settings, user, django_capture_on_commit_callbacks):
    notification = send(user)
    settings.EMAIL_BACKEND = "tests.support.broken_mail.BrokenBackend"
    with pytest.raises(ChannelError):
        services.notification_deliver(notification_id=notification.pk)
    email = notification.deliveries.get(channel="email")
    assert email.status == Delivery.Status.PENDING
    assert (email.attempts, email.last_error) == (1, "ConnectionRefusedError")
    assert email.next_attempt_at is not None


@pytest.mark.django_db(transaction=True)
def test_it_sends_once_when_two_workers_race():
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent claims are tested on PostgreSQL")
    user = UserFactory()
    # The outbox rows as notification_send writes them, before a worker took them (an eager send
    # would deliver at once in this autocommit test, leaving nothing to race for).
    notification = Notification.objects.create(recipient=user, kind="system/welcome", title="t")
    Delivery.objects.create(notification=notification, channel="email")
    results, barrier = [], threading.Barrier(2)

    def worker():
        barrier.wait()
        results.append(services.notification_deliver(notification_id=notification.pk))
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, True]
    assert len(mail.outbox) == 1


def test_it_shows_the_inbox_with_the_unread_count(client, user):
    send(user)
    send(user)
    client.force_login(user)
    response = client.get(reverse("notices:inbox"))
    assert response.context["unread_notifications"] == 2
    assert 'id="unread-count">2<' in response.content.decode()


def test_it_marks_read_on_open_and_follows_local_links_only(client, user):
    local = send(user, link="/notices/")
    outside = send(user, link="https://evil.example.com/")
    client.force_login(user)
    assert client.post(reverse("notices:notification-open", args=[local.pk])).url == "/notices/"
    assert client.post(reverse("notices:notification-open", args=[outside.pk])).url == reverse(
        "notices:inbox"
    )
    assert Notification.objects.filter(recipient=user, read_at__isnull=True).count() == 0


def test_it_answers_404_for_someone_elses_notification(client, user):
    other = send(UserFactory())
    client.force_login(user)
    assert client.post(reverse("notices:notification-open", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_it_marks_all_read(client, user):
    send(user)
    send(user)
    client.force_login(user)
    client.post(reverse("notices:mark-all-read"))
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()


def test_it_counts_unread_in_one_query_however_many(client, user, django_assert_max_num_queries):
    for _ in range(30):
        send(user)
    client.force_login(user)
    # 6, plus 2 for the navbar's roles (schools.access.scope: memberships, guardian), once a page.
    with django_assert_max_num_queries(8):
        client.get(reverse("notices:inbox"))
