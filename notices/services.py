"""Send notifications: in-app at once, by e-mail after commit, each key once."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from notices.models import Notification

logger = logging.getLogger(__name__)


def enqueue_on_commit(task, *args) -> None:
    """Hand a task to the broker once the transaction commits. With the broker down the request
    still succeeds: the caller's rows already record the pending work (an outbox), and a periodic
    job picks it up when the broker is back."""

    def send():
        try:
            task.apply_async(args=args, retry=False)
        except Exception as exc:  # redis/kombu connection errors: the outbox keeps the work
            logger.warning(
                "broker unavailable (%s); %s left for the catch-up job", type(exc).__name__, task.name
            )

    transaction.on_commit(send)


def _render(kind: str, context: dict) -> tuple[str, str]:
    # notices/<kind>.txt: the first line is the title, the rest the body.
    text = render_to_string(f"notices/{kind}.txt", context).strip()
    title, _sep, body = text.partition("\n")
    return title.strip()[:200], body.strip()


def notification_send(
    *, recipient, kind: str, link: str = "", dedupe_key: str | None = None, **context
) -> Notification:
    """Write a notification in the recipient's language and e-mail it after commit.

    A dedupe_key already used returns the earlier notification and sends nothing. Raises nothing.
    """
    if dedupe_key:
        existing = Notification.objects.filter(dedupe_key=dedupe_key).first()
        if existing:
            return existing
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        title, body = _render(kind, {"recipient": recipient, **context})
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient,
                kind=kind,
                title=title,
                body=body,
                link=link,
                dedupe_key=dedupe_key or None,
                delivery=Notification.Delivery.PENDING
                if recipient.email
                else Notification.Delivery.NO_ADDRESS,
            )
    except IntegrityError:
        # Another process wrote the same key between our check and our insert.
        return Notification.objects.get(dedupe_key=dedupe_key)
    if notification.delivery == Notification.Delivery.PENDING:
        from notices import tasks  # tasks import services; import here to avoid a cycle

        enqueue_on_commit(tasks.deliver_email, notification.pk)
    return notification


def notification_deliver(*, notification_id: int) -> bool:
    """E-mail one notification if nobody has yet; True when this call sent it.

    The conditional update claims the row, so two workers never both send it. A failed send puts
    the row back to pending and re-raises, for the task to retry.
    """
    claimed = Notification.objects.filter(pk=notification_id, delivery=Notification.Delivery.PENDING).update(
        delivery=Notification.Delivery.SENDING
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    recipient = notification.recipient
    try:
        with translation.override(recipient.language or settings.LANGUAGE_CODE):
            body = notification.body
            if notification.link:
                body = f"{body}\n\n{_('Open in the portal:')} {notification.link}"
            send_mail(notification.title, body, None, [recipient.email])
    except Exception:
        Notification.objects.filter(pk=notification_id).update(delivery=Notification.Delivery.PENDING)
        raise
    Notification.objects.filter(pk=notification_id).update(
        delivery=Notification.Delivery.SENT, delivered_at=timezone.now()
    )
    return True


def notifications_pending_ids(*, older_than_seconds: int = 120) -> list[int]:
    """Notifications whose e-mail is still waiting: for the catch-up job."""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    return list(
        Notification.objects.filter(delivery=Notification.Delivery.PENDING, created__lt=cutoff).values_list(
            "pk", flat=True
        )[:500]
    )


def notification_mark_read(*, notification: Notification) -> Notification:
    """Mark one notification read. Raises nothing."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, recipient) -> int:
    """Mark every unread notification of one person read; returns how many."""
    return Notification.objects.filter(recipient=recipient, read_at__isnull=True).update(
        read_at=timezone.now()
    )
