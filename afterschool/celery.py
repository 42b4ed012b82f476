"""Celery application: tasks are autodiscovered in each app's tasks.py."""

import os

from celery import Celery
from celery.signals import task_failure

from afterschool import task_failures

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "afterschool.settings")

app = Celery("afterschool")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Monitoring (/metrics): every failed task counts in the shared cache, whichever process ran it.
task_failure.connect(task_failures.task_failed, weak=False)
