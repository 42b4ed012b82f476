from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from notices import services

HEARTBEAT_KEY = "health:worker-heartbeat"


@shared_task(bind=True, max_retries=8, default_retry_delay=30, retry_backoff=True)
def deliver_email(self, notification_id: int) -> bool:
    try:
        return services.notification_deliver(notification_id=notification_id)
    except OSError as exc:  # SMTP unreachable, connection reset: transient
        raise self.retry(exc=exc) from exc


@shared_task
def deliver_pending() -> int:
    ids = services.notifications_pending_ids()
    for pk in ids:
        deliver_email.delay(pk)
    return len(ids)


@shared_task
def heartbeat() -> str:
    """Beat sends this every minute; the worker that runs it proves beat, broker and worker."""
    stamp = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, stamp, timeout=None)
    return stamp
