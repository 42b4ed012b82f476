from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """Where a message goes. In-app is the inbox row itself; the others are a Delivery each."""

    IN_APP = "in_app", _("in the portal")
    EMAIL = "email", _("e-mail")
    SMS = "sms", _("text message (SMS)")
    WECHAT = "wechat", _("WeChat")


class Notification(models.Model):
    """One message to one person: shown in the inbox and sent on the channels they chose.

    The row and its deliveries are written in the sender's transaction (an outbox), so that a
    message is never lost when the broker is down; each delivery is claimed with a conditional
    update and happens once.
    """

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

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["dedupe_key"], name="notification_dedupe_key_unique"),
        ]
        indexes = [
            # The inbox and the navbar's unread count: one recipient's rows, newest first.
            models.Index(fields=["recipient", "read_at", "-created"], name="notification_inbox_idx"),
        ]

    def __str__(self):
        return self.title


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("waiting to be sent")
    SENDING = "sending", _("being sent")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    NO_ADDRESS = "no_address", _("no address")


class Delivery(models.Model):
    """One notification on one outside channel (e-mail, SMS, WeChat): one row each, sent once.

    A worker claims the row with a conditional update (pending → sending); a failure puts it back
    to pending with the next attempt later (backoff), up to NOTIFICATION_MAX_ATTEMPTS.
    """

    Status = DeliveryStatus

    notification = models.ForeignKey(
        Notification, verbose_name=_("notification"), on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # The provider's error code or exception class only: never an address or the message.
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["notification_id", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once_per_channel"),
            models.CheckConstraint(
                condition=models.Q(status__in=DeliveryStatus.values), name="delivery_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(channel__in=[Channel.EMAIL, Channel.SMS, Channel.WECHAT]),
                name="delivery_channel_outside",
            ),
        ]
        indexes = [
            # The catch-up job: rows still waiting, oldest first.
            models.Index(fields=["status", "next_attempt_at"], name="delivery_pending_idx"),
        ]

    def __str__(self):
        return f"{self.notification_id}/{self.channel}: {self.status}"


class ChannelPreference(models.Model):
    """The outside channels a person chose (in-app is always on). No row: e-mail only."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="channel_preference",
    )
    email = models.BooleanField(_("e-mail"), default=True)
    sms = models.BooleanField(_("text message (SMS)"), default=False)
    wechat = models.BooleanField(_("WeChat"), default=False)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("channel preference")
        verbose_name_plural = _("channel preferences")

    def __str__(self):
        return str(self.user)


class WeChatBinding(models.Model):
    """The WeChat openid of one person (bound from the mini program), for WeChat messages."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="wechat"
    )
    openid = models.CharField(_("WeChat openid"), max_length=64)
    bound_at = models.DateTimeField(_("bound at"), auto_now=True)

    class Meta:
        verbose_name = _("WeChat binding")
        verbose_name_plural = _("WeChat bindings")
        constraints = [models.UniqueConstraint(fields=["openid"], name="wechat_openid_unique")]

    def __str__(self):
        return str(self.user)
