from notices.models import Notification


def notifications_for_user(*, user):
    """The user's own notifications, newest first."""
    return Notification.objects.filter(recipient=user)


def notification_get_for_user(*, user, pk: int) -> Notification:
    """One of the user's own notifications; someone else's raises DoesNotExist (404)."""
    return Notification.objects.get(recipient=user, pk=pk)


def unread_count(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def unread_count_for_request(*, user) -> int:
    """The unread count of a request's user, counted once per request (the navbar badge and the home
    page's today list ask alike): kept on the user object, which lives one request."""
    cached = getattr(user, "unread_notifications_counted", None)
    if cached is None:
        cached = unread_count(user=user)
        user.unread_notifications_counted = cached
    return cached
