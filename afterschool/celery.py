"""Celery application: tasks are autodiscovered in each app's tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "afterschool.settings")

app = Celery("afterschool")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
