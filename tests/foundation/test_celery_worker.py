"""A real task through a real broker to a real Celery worker process, seen in the database."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection

from notices.models import Delivery, Notification
from tests.support.factories import UserFactory

ROOT = Path(settings.BASE_DIR)


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return (
        f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    )


def run_worker(env_extra: dict, queue: str):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DATABASE_URL": database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "TESTING": "0",
        "DEBUG": "1",
        "EMAIL_URL": "consolemail://",
    }
    env.pop("REDIS_URL", None)  # each test names its broker
    env.update(env_extra)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "afterschool",
            "worker",
            "-P",
            "solo",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for_sent(notification, worker, seconds=60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        notification.refresh_from_db()
        if notification.deliveries.filter(status=Delivery.Status.SENT).exists():
            return
        if worker.poll() is not None:
            pytest.fail(f"worker exited early:\n{worker.stdout.read()}")
        time.sleep(0.3)
    pytest.fail("the worker did not deliver the notification in time")


def stop(worker):
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_it_runs_a_task_sent_through_redis_on_a_real_worker(redis_url):
    user = UserFactory()
    notification = Notification.objects.create(recipient=user, kind="system/welcome", title="t")
    Delivery.objects.create(notification=notification, channel="email")

    queue = f"itest-{uuid.uuid4().hex[:8]}"
    worker = run_worker({"REDIS_URL": redis_url}, queue)
    try:
        sender = Celery(broker=redis_url)
        sender.send_task("notices.tasks.deliver_email", args=[notification.pk], queue=queue)
        wait_for_sent(notification, worker)
    finally:
        stop(worker)
    assert notification.deliveries.get().sent_at is not None


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_it_runs_a_task_on_the_filesystem_broker_make_run_uses(tmp_path):
    user = UserFactory()
    notification = Notification.objects.create(recipient=user, kind="system/welcome", title="t")
    Delivery.objects.create(notification=notification, channel="email")
    queue = f"itest-{uuid.uuid4().hex[:8]}"
    folder = tmp_path / "queue"
    folder.mkdir()
    worker = run_worker({"BROKER_DIR": str(tmp_path)}, queue)
    try:
        sender = Celery(
            broker="filesystem://",
            broker_transport_options={
                "data_folder_in": str(folder),
                "data_folder_out": str(folder),
                "control_folder": str(tmp_path / "control"),
            },
        )
        sender.send_task("notices.tasks.deliver_email", args=[notification.pk], queue=queue)
        wait_for_sent(notification, worker)
    finally:
        stop(worker)
