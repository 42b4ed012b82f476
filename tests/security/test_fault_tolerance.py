"""Real outages: Redis stopped and started again, a PostgreSQL connection killed under the portal;
and every periodic job run twice in a row sends nothing twice."""

import datetime
import json
import shutil
import socket
import subprocess
import time
from collections import Counter
from importlib import import_module
from wsgiref.util import setup_testing_defaults

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.wsgi import get_wsgi_application
from django.db import connection, connections
from django.urls import reverse

from afterschool.celery import app as celery_app
from notices import services, tasks
from notices.models import Delivery, Notification
from tests.support.services import need_service, server_env, stop_process, tcp_open

pytestmark = pytest.mark.django_db


# --- Redis: a private server, stopped and started again on the same port ------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_redis(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=server_env(),
    )
    for _attempt in range(50):
        if tcp_open(f"redis://127.0.0.1:{port}/0", port):
            return process
        time.sleep(0.1)
    process.kill()
    pytest.fail("redis-server did not start")


def _drop_connections():
    # Producers are pooled per app: forget them so that the next send dials the broker again.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def private_redis(settings):
    need_service("redis-server", shutil.which("redis-server") is not None)
    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    process = _start_redis(port)
    old = dict(celery_app.conf.items())
    settings.CELERY_BROKER_URL = url
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 2}
    celery_app.conf.update(
        task_always_eager=False,
        broker_url=url,
        broker_connection_timeout=1,
        broker_transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
    )
    _drop_connections()
    state = {"process": process, "port": port, "url": url}
    yield state
    celery_app.conf.update(
        task_always_eager=old["task_always_eager"],
        broker_url=old["broker_url"],
        broker_connection_timeout=old["broker_connection_timeout"],
        broker_transport_options=old["broker_transport_options"],
    )
    _drop_connections()
    stop_process(state["process"], timeout=5)


def test_it_survives_redis_stopping_and_delivers_once_it_is_back(
    private_redis, client, demo, django_capture_on_commit_callbacks
):
    import redis

    assert client.get("/healthz").json()["broker"] == "ok"
    stop_process(private_redis["process"], timeout=5)  # Redis goes away
    _drop_connections()
    assert client.get("/healthz").status_code == 503
    assert client.get("/healthz").json()["broker"].startswith("down")

    # A guardian's application still succeeds; the notifications wait in the outbox.
    from activities.models import ActivityGroup, Term
    from enrollment import services as enrollment
    from enrollment.models import Application

    child = demo.child("刘子涵")
    term = Term.objects.get(school=child.school, name="2026年秋季学期")
    enrollment.notice_acknowledge(notice=enrollment.notice_current(term), guardian=child.guardians.get())
    group = ActivityGroup.objects.filter(term=term, grades__contains="3").order_by("pk").first()
    client.force_login(demo.user("s1_parent"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("enrollment:apply", kwargs={"student_code": child.code}),
            {
                "days": ["1", "3"],
                "choice_1": str(group.code),
                "pickup": "guardian",
                "safety_commitment": "on",
            },
        )
        notification = services.notification_send(recipient=demo.user("s1_parent"), kind="system/welcome")
    assert response.status_code == 302
    assert Application.objects.get(term=term, student=child).status == Application.Status.SUBMITTED
    teacher_notice = Notification.objects.get(recipient=demo.user("s1_head31"), kind="enrollment/to_review")
    assert teacher_notice.deliveries.get(channel="email").status in (
        Delivery.Status.PENDING,
        Delivery.Status.NO_ADDRESS,
    )
    email = notification.deliveries.get(channel="email")
    assert email.status == Delivery.Status.PENDING
    assert mail.outbox == []

    private_redis["process"] = _start_redis(private_redis["port"])  # Redis is back, same port
    _drop_connections()
    assert client.get("/healthz").json()["broker"] == "ok"
    Notification.objects.filter(pk=notification.pk).update(created=notification.created.replace(year=2020))
    assert tasks.deliver_pending() >= 1  # the catch-up job hands the message to the broker

    queued = redis.Redis.from_url(private_redis["url"]).lrange("celery", 0, -1)
    messages = [json.loads(raw) for raw in queued]
    ours = [m for m in messages if m["headers"]["task"] == "notices.tasks.deliver"]
    args = [m["headers"]["argsrepr"] for m in ours]
    assert f"({email.pk},)" in args
    tasks.deliver(email.pk)  # what the worker does with it
    email.refresh_from_db()
    assert email.status == Delivery.Status.SENT
    assert len(mail.outbox) == 1


# --- PostgreSQL: a killed connection is replaced on the next request -------------------------------
@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="PostgreSQL only: SQLite has no server connection to kill",
)
@pytest.mark.django_db(transaction=True)
def test_the_next_request_succeeds_after_the_database_connection_is_killed():
    """The portal keeps its connection between requests (CONN_MAX_AGE); an operator or a failover
    kills it; the next request checks it (CONN_HEALTH_CHECKS), reconnects and answers. The request
    runs through the WSGI handler in this thread, as gunicorn runs it: the test client and the live
    server both close connections around each request, which would hide the persistent one."""
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"]
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] > 0
    application = get_wsgi_application()

    def database_health() -> str:
        environ = {}
        setup_testing_defaults(environ)
        environ["PATH_INFO"] = "/healthz"
        answered = {}

        def start_response(status, headers, exc_info=None):
            answered["status"] = status

        body = b"".join(application(environ, start_response))
        assert answered["status"].split()[0] in {"200", "503"}, answered  # 503: the broker is down too
        return json.loads(body)["database"]

    assert database_health() == "ok"
    assert connection.connection is not None, "the request left its connection open for the next"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (before,) = cursor.fetchone()

    killer = connections.create_connection("default")  # a second connection, as an operator's psql
    try:
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [before])
            assert cursor.fetchone() == (True,)
    finally:
        killer.close()

    assert database_health() == "ok"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != before  # a new connection answered


# --- Periodic jobs: beat may fire twice (a restart, two beats); nothing is sent twice ---------------
CLOCKS = [
    None,  # now
    datetime.datetime(2026, 11, 30, 16, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=8))),
    datetime.datetime(2026, 11, 30, 18, 50, tzinfo=datetime.timezone(datetime.timedelta(hours=8))),
    datetime.datetime(2027, 12, 1, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8))),
]


def _run(task_name: str):
    module, name = task_name.rsplit(".", 1)
    return getattr(import_module(module), name)()


@pytest.mark.parametrize("clock", CLOCKS, ids=["now", "session-start", "after-end", "next-year"])
def test_every_periodic_task_run_twice_sends_nothing_twice(demo, clock):
    def run_all():
        before = Notification.objects.count()
        for entry in settings.CELERY_BEAT_SCHEDULE.values():
            _run(entry["task"])
        return Notification.objects.count() - before

    traveller = time_machine.travel(clock, tick=False) if clock else None
    if traveller:
        traveller.start()
    try:
        Notification.objects.update(created=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
        first = run_all()
        if clock == CLOCKS[1]:
            assert first > 0, "nothing was due: the test would prove nothing"
        # The catch-up job e-mails what the first run wrote; the second run must add nothing.
        Notification.objects.filter(deliveries__status=Delivery.Status.PENDING).update(
            created=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
        )
        tasks.deliver_pending()
        mailed = len(mail.outbox)
        assert run_all() == 0, "the second run sent notifications again"
        assert len(mail.outbox) == mailed, "the second run e-mailed again"
    finally:
        if traveller:
            traveller.stop()
    keys = Counter(Notification.objects.exclude(dedupe_key=None).values_list("dedupe_key", flat=True))
    assert not [key for key, n in keys.items() if n > 1]
