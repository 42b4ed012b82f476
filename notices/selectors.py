from django.db.models import Count, Min

from notices.models import Delivery, Notification


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


def deliveries_backlog() -> tuple[dict[str, int], object]:
    """The outbox still to send (monitoring): ({status: rows} for pending and sending, the oldest
    such row's creation time or None). Counts only: no recipient, address or message."""
    waiting = Delivery.objects.filter(status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING])
    counts = {status: 0 for status in (Delivery.Status.PENDING, Delivery.Status.SENDING)}
    for row in waiting.values("status").annotate(rows=Count("pk")).order_by():
        counts[row["status"]] = row["rows"]
    return counts, waiting.aggregate(oldest=Min("created"))["oldest"]
