from notices.models import Notification


def notifications_for_user(*, user):
    """The user's own notifications, newest first."""
    return Notification.objects.filter(recipient=user)


def notification_get_for_user(*, user, pk: int) -> Notification:
    """One of the user's own notifications; someone else's raises DoesNotExist (404)."""
    return Notification.objects.get(recipient=user, pk=pk)


def unread_count(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
