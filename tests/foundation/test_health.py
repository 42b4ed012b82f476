import pytest
from django.core.cache import cache

from notices import tasks

pytestmark = pytest.mark.django_db


def test_it_reports_database_broker_and_worker(client, settings, redis_url):
    settings.CELERY_BROKER_URL = redis_url
    cache.delete(tasks.HEARTBEAT_KEY)
    body = client.get("/healthz").json()
    assert body["database"] == "ok" and body["broker"] == "ok"
    assert body["worker"] == "no heartbeat yet"
    tasks.heartbeat.delay()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "worker": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_it_works_on_the_filesystem_broker(client, settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(tmp_path),
        "data_folder_out": str(tmp_path),
    }
    assert client.get("/healthz").json()["broker"] == "ok"


def test_it_answers_503_when_the_broker_is_down(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"].startswith("down")
    assert response.json()["database"] == "ok"
