from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Delivery(models.TextChoices):
    PENDING = "pending", _("waiting to be e-mailed")
    SENDING = "sending", _("being e-mailed")
    SENT = "sent", _("e-mailed")
    NO_ADDRESS = "no_address", _("no e-mail address")


class Notification(models.Model):
    """One message to one person: shown in the inbox and, when they have an address, e-mailed.

    The row is written in the sender's transaction (an outbox), so that a message is never lost
    when the broker is down; delivery is claimed with a conditional update and happens once.
    """

    Delivery = Delivery

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # The same key never delivers twice: a repeated send (task retry, two beat runs) is a no-op.
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, null=True, blank=True)
    delivery = models.CharField(
        _("e-mail delivery"), max_length=12, choices=Delivery.choices, default=Delivery.PENDING
    )
    delivered_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["dedupe_key"], name="notification_dedupe_key_unique"),
            models.CheckConstraint(
                condition=models.Q(delivery__in=Delivery.values),
                name="notification_delivery_valid",
            ),
        ]
        indexes = [
            # The inbox and the navbar's unread count: one recipient's rows, newest first.
            models.Index(fields=["recipient", "read_at", "-created"], name="notification_inbox_idx"),
            # The catch-up job: rows still waiting to be e-mailed.
            models.Index(fields=["delivery", "created"], name="notification_pending_idx"),
        ]

    def __str__(self):
        return self.title
