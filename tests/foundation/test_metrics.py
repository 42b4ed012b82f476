"""F19: /metrics for Prometheus. Refused (404) to anonymous visitors outside METRICS_ALLOWED_NETWORKS,
whether they come straight or through the proxies (PROXY_COUNT); answered to the allowed networks,
the METRICS_TOKEN and staff; it carries no personal data and no URL paths, only view names; and the
counters of several processes add up (PROMETHEUS_MULTIPROC_DIR), so no number lives in one process."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from afterschool import task_failures
from audit.logging import contains_personal_data
from notices import tasks
from notices.models import Delivery, Notification
from schools.models import Guardian, Student
from tests.support import factories
from tests.support.services import server_env

pytestmark = pytest.mark.django_db

OUTSIDE = "203.0.113.5"


def samples(body: bytes) -> dict:
    """{(name, sorted labels): value} of an exposition text."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


def without_values(text: str) -> str:
    """The exposition text with each sample's value (the last field of its line) left out."""
    return "\n".join(line if line.startswith("#") else line.rsplit(" ", 1)[0] for line in text.splitlines())


def value(body: bytes, name: str, **labels) -> float | None:
    return samples(body).get((name, tuple(sorted(labels.items()))))


# --- Who may scrape ------------------------------------------------------------------------------


def test_anonymous_visitors_outside_the_allowed_networks_are_refused(settings, demo):
    assert Client(REMOTE_ADDR=OUTSIDE).get("/metrics").status_code == 404
    # Through nginx (PROXY_COUNT=1): the address nginx saw counts, not the one the client wrote.
    settings.PROXY_COUNT = 1
    proxied = Client(REMOTE_ADDR="127.0.0.1")
    assert proxied.get("/metrics", HTTP_X_FORWARDED_FOR=OUTSIDE).status_code == 404
    assert proxied.get("/metrics", HTTP_X_FORWARDED_FOR=f"127.0.0.1, {OUTSIDE}").status_code == 404
    # A wrong token, or a signed-in user who is not staff, is refused the same way.
    settings.METRICS_TOKEN = "scrape-secret"
    assert Client(REMOTE_ADDR=OUTSIDE).get("/metrics", HTTP_AUTHORIZATION="Bearer guess").status_code == 404
    teacher = Client(REMOTE_ADDR=OUTSIDE)
    teacher.force_login(demo.user("s1_admin"))
    assert teacher.get("/metrics").status_code == 404


def test_allowed_networks_the_token_and_staff_are_answered(settings):
    response = Client(REMOTE_ADDR="127.0.0.1").get(reverse("metrics"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "no-cache" in response["Cache-Control"]
    assert Client(REMOTE_ADDR="::1").get("/metrics").status_code == 200
    settings.METRICS_ALLOWED_NETWORKS = ["10.8.0.0/16"]
    assert Client(REMOTE_ADDR="10.8.3.4").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 404
    settings.PROXY_COUNT = 1
    assert Client().get("/metrics", HTTP_X_FORWARDED_FOR=f"{OUTSIDE}, 10.8.3.4").status_code == 200
    settings.METRICS_TOKEN = "scrape-secret"
    outside = Client(REMOTE_ADDR=OUTSIDE)
    assert outside.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret").status_code == 200
    staff = Client(REMOTE_ADDR=OUTSIDE)
    staff.force_login(factories.UserFactory(is_staff=True))
    assert staff.get("/metrics").status_code == 200


# --- What it says --------------------------------------------------------------------------------


def test_it_carries_no_personal_data_and_no_url_paths(demo):
    """After the demo is seeded and pages are asked with names, mobiles and ID numbers in their query
    strings and paths, the scrape shows view names only."""
    admin = Client()
    admin.force_login(demo.user("s1_admin"))
    student = Student.objects.filter(school=demo.school("s1")).first()
    mobile = Guardian.objects.exclude(mobile="").values_list("mobile", flat=True).first()
    admin.get(reverse("schools:student-list"), {"q": student.name, "mobile": mobile})
    admin.get(reverse("schools:student-detail", kwargs={"student_code": student.code}))
    admin.get("/school/manage/students/13912345678/", {"id": "110101201501011234"})
    body = Client().get("/metrics").content
    text = body.decode()
    # Checked without the sample values: they are measurements, and 15032385536 free bytes has the
    # shape of a mobile number. Names, labels and help texts are where personal data could hide.
    assert not contains_personal_data(without_values(text)), without_values(text)
    mobiles = set(Guardian.objects.exclude(mobile="").values_list("mobile", flat=True))
    assert not any(number in text for number in mobiles)
    assert mobile not in text and student.name not in text and str(student.code) not in text
    assert "/school/" not in text and "?" not in text
    labels = {label for (_name, pairs) in samples(body) for label in pairs}
    # No label holds a URL path; template names (`registration/login.html`) are the one kind with a slash.
    paths = sorted(v for k, v in labels if "/" in v and k != "templatename")
    assert not paths, paths
    views = {v for k, v in labels if k == "view"}
    assert {"schools:student-list", "schools:student-detail"} <= views
    assert value(
        body,
        "django_http_requests_latency_seconds_by_view_method_count",
        view="schools:student-list",
        method="GET",
    )


def test_it_reports_the_outbox_the_beat_and_failed_tasks(user, settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(tmp_path),
        "data_folder_out": str(tmp_path),
    }
    (tmp_path / "0_task.msg").write_text("{}")  # a message waiting (the file broker's queue is files)
    notification = Notification.objects.create(recipient=user, kind="test/metrics", title="t", body="b")
    delivery = Delivery.objects.create(notification=notification, channel="email")
    Delivery.objects.filter(pk=delivery.pk).update(created=timezone.now() - timedelta(minutes=20))
    tasks.heartbeat.delay()
    failed = "notices.tasks.deliver_pending"
    before = task_failures.task_failure_counts([failed])[failed]
    task_failures.task_failed(sender=tasks.deliver_pending)

    body = Client().get("/metrics").content
    assert value(body, "afterschool_outbox_backlog", status="pending") == 1
    assert value(body, "afterschool_outbox_backlog", status="sending") == 0
    assert 20 * 60 <= value(body, "afterschool_outbox_oldest_age_seconds") < 30 * 60
    assert value(body, "afterschool_database_up") == 1
    assert value(body, "afterschool_broker_up") == 1
    assert value(body, "afterschool_celery_queue_length", queue="celery") is not None
    assert abs(value(body, "afterschool_beat_last_seen_timestamp_seconds") - timezone.now().timestamp()) < 60
    assert value(body, "afterschool_celery_task_failures_total", task=failed) == before + 1
    assert value(body, "afterschool_celery_task_failures_total", task="notices.tasks.heartbeat") is not None
    assert 0 < value(body, "afterschool_disk_free_ratio", volume="var") <= 1


def test_a_task_that_raises_is_counted_through_celerys_signal(settings):
    from celery import shared_task

    @shared_task(name="tests.metrics.always_fails")
    def always_fails():
        raise RuntimeError("boom")

    settings.CELERY_TASK_EAGER_PROPAGATES = False
    name = "tests.metrics.always_fails"
    before = task_failures.task_failure_counts([name])[name]
    always_fails.apply()
    assert task_failures.task_failure_counts([name])[name] == before + 1


def test_the_queue_length_is_read_from_redis(settings, redis_url):
    import redis

    settings.CELERY_BROKER_URL = redis_url
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    settings.METRICS_CELERY_QUEUES = ["metrics-test"]
    connection = redis.Redis.from_url(redis_url)
    connection.delete("metrics-test")
    assert (
        value(Client().get("/metrics").content, "afterschool_celery_queue_length", queue="metrics-test") == 0
    )
    connection.rpush("metrics-test", "{}", "{}", "{}")
    try:
        body = Client().get("/metrics").content
    finally:
        connection.delete("metrics-test")
    assert value(body, "afterschool_celery_queue_length", queue="metrics-test") == 3


def test_a_broker_that_is_down_is_reported_not_raised(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    response = Client().get("/metrics")
    assert response.status_code == 200
    assert value(response.content, "afterschool_broker_up") == 0


# --- Several processes (gunicorn workers) --------------------------------------------------------

ONE_REQUEST = (
    "import django; django.setup(); from django.test import Client; "
    "Client(REMOTE_ADDR='203.0.113.5', HTTP_HOST='127.0.0.1').get('/metrics')"
)


def test_counters_of_every_process_add_up_with_the_multiprocess_directory(monkeypatch, tmp_path):
    """Two other processes each answer one request; the scrape here counts both."""
    env = {
        **server_env(),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "afterschool.settings",
        "TESTING": "1",
    }
    workers = [subprocess.Popen([sys.executable, "-c", ONE_REQUEST], env=env) for _ in range(2)]
    assert [worker.wait(timeout=120) for worker in workers] == [0, 0]
    assert any(name.endswith(".db") for name in os.listdir(tmp_path))
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    body = Client().get("/metrics").content
    refused = {"view": "metrics", "method": "GET", "status": "404"}
    assert value(body, "django_http_responses_total_by_status_view_method_total", **refused) == 2
    # The background gauges are read at scrape time in multiprocess mode too.
    assert value(body, "afterschool_database_up") == 1


def test_a_database_without_the_portals_tables_is_up_but_not_migrated(demo):
    """An unmigrated database answers SELECT 1: it is not "down" (another alert, another remedy)."""
    from django.db import connection

    from notices.models import Delivery

    table = Delivery._meta.db_table
    body = Client(REMOTE_ADDR="127.0.0.1").get(reverse("metrics")).content
    assert (value(body, "afterschool_database_up"), value(body, "afterschool_database_migrated")) == (1, 1)
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} RENAME TO {table}_away")  # rolled back with the test
    body = Client(REMOTE_ADDR="127.0.0.1").get(reverse("metrics")).content
    assert value(body, "afterschool_database_up") == 1
    assert value(body, "afterschool_database_migrated") == 0
