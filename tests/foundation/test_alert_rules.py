"""F19: the alert rules an operator copies (deploy/prometheus/alerts.yml) are a valid Prometheus rule
file, and every metric they use is one /metrics exports, so a renamed metric fails here, not at night."""

import re
from pathlib import Path

import pytest
import yaml
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from notices import tasks

pytestmark = pytest.mark.django_db

DEPLOY = Path(__file__).resolve().parent.parent.parent / "deploy" / "prometheus"
OURS = re.compile(r"\b(?:afterschool|django|process|python)_[a-z0-9_]+\b")
SUFFIXES = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum"], "summary": ["_count", "_sum"]}
# What the alerts must watch (F19): target down, 5xx, p95 by view, queue, outbox age, task failures,
# beat, disk.
WATCHED = {
    "up",
    "django_http_responses_total_by_status_view_method_total",
    "django_http_requests_latency_seconds_by_view_method_bucket",
    "afterschool_celery_queue_length",
    "afterschool_outbox_oldest_age_seconds",
    "afterschool_celery_task_failures_total",
    "afterschool_beat_last_seen_timestamp_seconds",
    "afterschool_disk_free_ratio",
}


def rules():
    document = yaml.safe_load((DEPLOY / "alerts.yml").read_text(encoding="utf-8"))
    return [rule for group in document["groups"] for rule in group["rules"]]


def exported_names() -> set[str]:
    Client().get("/healthz")  # one request, so that the by-view series exist
    tasks.heartbeat.delay()
    families = text_string_to_metric_families(Client().get("/metrics").content.decode())
    names = set()
    for family in families:
        names |= {family.name, *(family.name + s for s in SUFFIXES.get(family.type, []))}
        names |= {sample.name for sample in family.samples}
    return names


def test_the_rule_file_is_well_formed():
    seen = set()
    for rule in rules():
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule
        assert rule["alert"] not in seen and rule["expr"].strip() and rule["annotations"]["summary"]
        assert rule["labels"]["severity"] in {"critical", "warning"}
        seen.add(rule["alert"])
    scrape = yaml.safe_load((DEPLOY / "scrape.yml").read_text(encoding="utf-8"))
    assert scrape["scrape_configs"][0]["metrics_path"] == "/metrics"


def test_every_metric_an_alert_uses_is_exported():
    exported = exported_names()
    used = {name for rule in rules() for name in OURS.findall(rule["expr"])}
    missing = sorted(used - exported)
    assert not missing, f"alerts.yml uses metrics /metrics does not export: {missing}"
    every = used | {"up" for rule in rules() if re.search(r"\bup\{", rule["expr"])}
    assert WATCHED <= every, sorted(WATCHED - every)
