"""/metrics for Prometheus: request counts and latency by view (django-prometheus middleware) and
the background's state, read at scrape time (Celery queue, task failures, outbox, beat, disk).

Who may scrape: a client address (schools.client_address, which honours PROXY_COUNT) inside
METRICS_ALLOWED_NETWORKS, a request with `Authorization: Bearer <METRICS_TOKEN>`, or a signed-in
staff user or superuser. Anyone else gets 404, as for any page that is not theirs.

gunicorn runs several worker processes: with PROMETHEUS_MULTIPROC_DIR set (gunicorn.conf.py sets
it) every process writes its counters to files there and a scrape adds them up, whichever worker
answers. Without it (runserver, tests) the answering process's own counters are shown.

Labels carry view names (`schools:student-detail`), methods, statuses, queue, task and volume
names: never a URL path, an id, a name or a number a person typed.
"""

import hmac
import ipaddress
import os
import shutil

from amqp.exceptions import ChannelError
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from afterschool import health
from afterschool.celery import app as celery_app
from afterschool.heartbeat import beat_last_seen
from afterschool.task_failures import task_failure_counts
from notices import selectors as notices_selectors
from schools.client_address import client_address

# --- Who may scrape ---------------------------------------------------------------------------


def _token_matches(request) -> bool:
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


def _address_allowed(request) -> bool:
    address = client_address(request)
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_NETWORKS)


def metrics_allowed(request) -> bool:
    """A scrape from an allowed network, with the token, or by staff."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and (user.is_staff or user.is_superuser):
        return True
    return _token_matches(request) or _address_allowed(request)


# --- What the background is doing, read at scrape time ------------------------------------------


def _queue_lengths() -> tuple[bool, dict[str, int]]:
    """(broker reachable, {queue: messages waiting}) — LLEN on Redis, files on the file broker."""
    lengths = {}
    try:
        with health.broker_connection() as conn:
            channel = conn.default_channel
            for queue in settings.METRICS_CELERY_QUEUES:
                try:
                    lengths[queue] = channel.queue_declare(queue=queue, passive=True).message_count
                except ChannelError:  # Redis keeps no key for an empty queue
                    lengths[queue] = 0
    except Exception:  # refused, timed out: the broker is down
        return False, {}
    return True, lengths


def _disk_volumes() -> dict[str, str]:
    return {
        "var": str(settings.VAR_DIR),
        "media": str(settings.MEDIA_ROOT),
        "reports": str(settings.REPORTS_ROOT),
    }


class BackgroundCollector:
    """Gauges and counters computed when Prometheus scrapes (no process keeps them in memory)."""

    def collect(self):
        yield from self._broker()
        yield from self._task_failures()
        yield from self._outbox()
        beat = GaugeMetricFamily(
            "afterschool_beat_last_seen_timestamp_seconds",
            "Unix time of the last heartbeat that beat sent and a worker ran (0: none yet).",
        )
        seen = beat_last_seen()
        beat.add_metric([], seen.timestamp() if seen else 0)
        yield beat
        yield from self._disk()

    def _broker(self):
        up, lengths = _queue_lengths()
        broker = GaugeMetricFamily("afterschool_broker_up", "1 when the Celery broker answers.")
        broker.add_metric([], 1 if up else 0)
        yield broker
        queue = GaugeMetricFamily(
            "afterschool_celery_queue_length", "Tasks waiting in the broker for a worker.", labels=["queue"]
        )
        for name, length in lengths.items():
            queue.add_metric([name], length)
        yield queue

    def _task_failures(self):
        names = sorted(name for name in celery_app.tasks if not name.startswith("celery."))
        failures = CounterMetricFamily(
            "afterschool_celery_task_failures", "Celery tasks that raised, by task name.", labels=["task"]
        )
        try:
            counts = task_failure_counts(names)
        except Exception:  # the cache down: no numbers rather than wrong ones
            counts = {}
        for name, count in counts.items():
            failures.add_metric([name], count)
        yield failures

    def _outbox(self):
        database = GaugeMetricFamily("afterschool_database_up", "1 when the database answers (SELECT 1).")
        migrated = GaugeMetricFamily(
            "afterschool_database_migrated",
            "1 when the portal's tables answer; 0 when the database is up but not migrated (a table gone).",
        )
        backlog = GaugeMetricFamily(
            "afterschool_outbox_backlog",
            "Deliveries (e-mail, SMS, WeChat) not sent yet, by status.",
            labels=["status"],
        )
        oldest_age = GaugeMetricFamily(
            "afterschool_outbox_oldest_age_seconds", "Age of the oldest delivery not sent yet (0: none)."
        )
        try:
            with transaction.atomic():  # a failed query leaves the connection usable for SELECT 1
                counts, oldest = notices_selectors.deliveries_backlog()
        except Exception:  # the database down, or up without the portal's tables
            up = health.database_status() == "ok"
            database.add_metric([], int(up))
            yield database
            if up:
                migrated.add_metric([], 0)
                yield migrated
            return
        database.add_metric([], 1)
        migrated.add_metric([], 1)
        for status, rows in counts.items():
            backlog.add_metric([str(status)], rows)
        oldest_age.add_metric([], (timezone.now() - oldest).total_seconds() if oldest else 0)
        yield from (database, migrated, backlog, oldest_age)

    def _disk(self):
        free = GaugeMetricFamily(
            "afterschool_disk_free_bytes", "Free bytes on the volume.", labels=["volume"]
        )
        ratio = GaugeMetricFamily(
            "afterschool_disk_free_ratio", "Free share (0 to 1) of the volume.", labels=["volume"]
        )
        for volume, path in _disk_volumes().items():
            if not os.path.isdir(path):
                continue
            usage = shutil.disk_usage(path)
            free.add_metric([volume], usage.free)
            ratio.add_metric([volume], usage.free / usage.total if usage.total else 0)
        yield from (free, ratio)


class _ThisProcess:
    """The answering process's own metrics (no multiprocess directory)."""

    def collect(self):
        yield from REGISTRY.collect()


def metrics_text() -> bytes:
    """The exposition text of one scrape."""
    registry = CollectorRegistry(auto_describe=False)
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        multiprocess.MultiProcessCollector(registry, path=directory)
    else:
        registry.register(_ThisProcess())
    registry.register(BackgroundCollector())
    return generate_latest(registry)


@login_not_required  # its token, its networks, or a staff session (metrics_allowed)
@never_cache
@require_GET
def metrics(request):
    if not metrics_allowed(request):
        raise Http404
    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE_LATEST)
