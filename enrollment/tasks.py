from celery import shared_task

from enrollment import services


@shared_task
def remind_window_open() -> int:
    return services.reminders_window_open()


@shared_task
def remind_review_due() -> int:
    return services.reminders_review_due()
