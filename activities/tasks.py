"""Periodic jobs of the activities app: load due rows, call a service."""

from celery import shared_task

from activities import services_providers


@shared_task
def remind_providers_expiring() -> int:
    """Beat: the region's officers hear of providers whose qualification ends soon (F17)."""
    return services_providers.providers_expiry_alert()
