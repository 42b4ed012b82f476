from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from notices import services
from notices.channels import ChannelError

HEARTBEAT_KEY = "health:worker-heartbeat"


@shared_task(bind=True, max_retries=None, acks_late=True)
def deliver(self, delivery_id: int) -> bool:
    """One notification on one channel; a provider error retries with a doubling delay (the
    service marks the row failed after NOTIFICATION_MAX_ATTEMPTS)."""
    try:
        return services.delivery_attempt(delivery_id=delivery_id)
    except ChannelError as exc:
        if services.delivery_failed(delivery_id=delivery_id):
            return False
        if self.request.is_eager:
            # Run inline (tests, no broker): Celery cannot schedule an eager retry, so try again
            # at once, as a worker would after the delay.
            return self.apply(args=[delivery_id], retries=self.request.retries + 1).get(
                disable_sync_subtasks=False
            )
        raise self.retry(exc=exc, countdown=services.retry_delay(self.request.retries + 1)) from exc


@shared_task(bind=True, max_retries=8, default_retry_delay=30, retry_backoff=True)
def deliver_email(self, notification_id: int) -> bool:
    """Every waiting delivery of one notification (the name of the first, e-mail-only task)."""
    try:
        return services.notification_deliver(notification_id=notification_id)
    except ChannelError as exc:
        raise self.retry(exc=exc) from exc


@shared_task
def deliver_pending() -> int:
    ids = services.deliveries_pending_ids()
    for pk in ids:
        deliver.delay(pk)
    return len(ids)


@shared_task
def heartbeat() -> str:
    """Beat sends this every minute; the worker that runs it proves beat, broker and worker."""
    stamp = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, stamp, timeout=None)
    return stamp
