from celery import shared_task

from api import services


@shared_task
def idempotency_keys_expire() -> int:
    return services.idempotency_keys_expire()
