"""With the broker unreachable, work that enqueues tasks still succeeds; the outbox keeps the
messages and the catch-up job delivers them once the broker is back."""

import pytest
from django.core import mail

from afterschool.celery import app as celery_app
from notices import services, tasks
from notices.models import Delivery, Notification

pytestmark = pytest.mark.django_db


def _drop_connections():
    # Producers are pooled per app: forget them so that the next send dials the new broker URL.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker_down(settings):
    old = dict(celery_app.conf.items())
    dead = "redis://127.0.0.1:1/0"  # nothing listens on port 1: a stopped Redis
    settings.CELERY_BROKER_URL = dead
    celery_app.conf.update(task_always_eager=False, broker_url=dead, broker_connection_timeout=1)
    _drop_connections()
    yield
    celery_app.conf.update(
        task_always_eager=old["task_always_eager"],
        broker_url=old["broker_url"],
        broker_connection_timeout=old["broker_connection_timeout"],
    )
    _drop_connections()


def test_it_keeps_the_message_when_the_broker_is_down_and_sends_it_later(
    broker_down, client, demo, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = services.notification_send(recipient=demo.user("s1_parent"), kind="system/welcome")
    assert len(callbacks) == 1
    callbacks[0]()  # what commit runs: it must not raise although the broker refuses the connection
    assert notification.deliveries.get(channel="email").status == Delivery.Status.PENDING
    assert mail.outbox == []
    assert client.get("/healthz").json()["broker"].startswith("down")

    celery_app.conf.update(task_always_eager=True)  # the broker is back (tests run tasks inline)
    Notification.objects.filter(pk=notification.pk).update(created=notification.created.replace(year=2020))
    assert tasks.deliver_pending() >= 1
    assert notification.deliveries.get(channel="email").status == Delivery.Status.SENT
    assert len(mail.outbox) == 1


def test_a_guardians_application_succeeds_while_the_broker_is_down(broker_down, client, demo):
    from django.urls import reverse

    from activities.models import ActivityGroup, Term
    from enrollment import services as enrollment
    from enrollment.models import Application

    child = demo.child("刘子涵")
    term = Term.objects.get(school=child.school, name="2026年秋季学期")
    enrollment.notice_acknowledge(notice=enrollment.notice_current(term), guardian=child.guardians.get())
    group = ActivityGroup.objects.filter(term=term, grades__contains="3").order_by("pk").first()
    client.force_login(demo.user("s1_parent"))
    response = client.post(
        reverse("enrollment:apply", kwargs={"student_code": child.code}),
        {"days": ["1", "3"], "choice_1": str(group.code), "pickup": "guardian", "safety_commitment": "on"},
    )
    assert response.status_code == 302
    application = Application.objects.get(term=term, student=child)
    assert application.status == Application.Status.SUBMITTED
    teacher_notice = Notification.objects.get(recipient=demo.user("s1_head31"), kind="enrollment/to_review")
    assert teacher_notice.deliveries.get(channel="email").status in (
        Delivery.Status.PENDING,
        Delivery.Status.NO_ADDRESS,
    )
