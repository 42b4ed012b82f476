from celery import shared_task

from afterschool import backup


@shared_task
def backup_daily() -> str:
    """Hourly (beat): the daily backup once BACKUP_DAILY_AT has passed; the folder's name or ""."""
    path = backup.backup_daily()
    return path.name if path else ""
