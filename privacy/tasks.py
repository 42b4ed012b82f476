from celery import shared_task

from privacy import retention


@shared_task
def retention_run() -> int:
    """Daily (beat): anonymise what is past its retention period; returns records changed."""
    return sum(log.count for log in retention.retention_run())
