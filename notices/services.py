"""Send notifications: in-app at once, then on each outside channel the person chose (e-mail, SMS,
WeChat) after commit, each key once, each channel once; and the person's channel choices."""

import logging
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit import services as audit
from notices import wechat
from notices.channels import CHANNELS, ChannelError, channel
from notices.models import Channel, ChannelPreference, Delivery, Notification, WeChatBinding

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


# --- Channel choices ---------------------------------------------------------------------------


def urgent(kind: str) -> bool:
    """Urgent safety alerts (NOTIFICATION_URGENT_KINDS) go by SMS too, whatever the choice."""
    return kind in settings.NOTIFICATION_URGENT_KINDS


def channels_available() -> list[str]:
    """The channels this installation can send on, in-app first."""
    return [Channel.IN_APP] + [name for name, ch in CHANNELS.items() if ch.configured()]


def channel_preferences_get(user) -> list[str]:
    """The channels a person chose, in-app always first. Without a choice: in-app and e-mail."""
    preference = ChannelPreference.objects.filter(user=user).first() or ChannelPreference(user=user)
    chosen = [Channel.IN_APP]
    chosen += [name for name in (Channel.EMAIL, Channel.SMS, Channel.WECHAT) if getattr(preference, name)]
    return [str(name) for name in chosen]


def _channel_check(user, name: str) -> None:
    if name not in Channel.values:
        raise ValidationError(_("Unknown channel."), code="channel_unknown")
    if name == Channel.IN_APP:
        return
    if not channel(name).configured():
        raise ValidationError(_("This channel is not available here."), code="channel_unavailable")
    if not channel(name).address(user):
        messages = {
            Channel.EMAIL: _("Enter an e-mail address to receive messages by e-mail."),
            Channel.SMS: _("Your account has no mobile number for text messages."),
            Channel.WECHAT: _("Bind your WeChat in the mini program first."),
        }
        raise ValidationError(messages[name], code=f"channel_no_{name}")


def channel_preferences_set(*, user, channels: list[str], actor=None) -> list[str]:
    """Record the channels a person chose (in-app is always on). Each chosen channel must be
    configured here and have the person's address (e-mail, mobile, bound WeChat). The same
    choice again writes nothing (no audit event)."""
    wanted = set(channels) | {Channel.IN_APP}
    for name in sorted(wanted):
        _channel_check(user, name)
    with transaction.atomic():
        ChannelPreference.objects.select_for_update().filter(user=user).first()  # a choice made meanwhile
        before = channel_preferences_get(user)
        if set(before) == wanted:
            return before
        preference, _created = ChannelPreference.objects.select_for_update().get_or_create(user=user)
        for name in (Channel.EMAIL, Channel.SMS, Channel.WECHAT):
            setattr(preference, name, name in wanted)
        preference.save()
        after = channel_preferences_get(user)
        audit.record(
            actor=actor or user,
            verb="notices.channels_set",
            target=preference,
            changes={"before": before, "now": after},
        )
    return after


OPENID = re.compile(r"^[A-Za-z0-9_-]{6,64}$")


def wechat_openid_bind(*, user, openid: str, actor=None) -> WeChatBinding:
    """Bind a WeChat openid (from the mini program's login) to one person; an openid already bound
    to someone else is refused, never moved."""
    openid = (openid or "").strip()
    if not OPENID.match(openid):
        raise ValidationError(_("This is not a WeChat openid."), code="openid_invalid")
    with transaction.atomic():
        if WeChatBinding.objects.filter(openid=openid).exclude(user=user).exists():
            raise ValidationError(_("This WeChat is bound to another account."), code="openid_taken")
        try:
            with transaction.atomic():
                binding, _created = WeChatBinding.objects.update_or_create(
                    user=user, defaults={"openid": openid}
                )
        except IntegrityError:
            raise ValidationError(
                _("This WeChat is bound to another account."), code="openid_taken"
            ) from None
        audit.record(actor=actor or user, verb="notices.wechat_bind", target=binding)
    return binding


def wechat_bind_with_login_code(*, user, code: str) -> WeChatBinding:
    """Bind the WeChat of the mini program the person signed in from: its wx.login() code is
    exchanged with WeChat for the openid (an openid sent by the phone is never trusted)."""
    if not CHANNELS[Channel.WECHAT].configured():
        raise ValidationError(_("WeChat is not set up on this portal."), code="wechat_off")
    code = (code or "").strip()
    if not code or len(code) > 128:
        raise ValidationError(_("This WeChat login code is not valid."), code="wechat_code_invalid")
    try:
        openid = wechat.openid_for_login_code(code)
    except ChannelError:
        raise ValidationError(
            _("WeChat did not accept this login code; open the mini program again."),
            code="wechat_code_invalid",
        ) from None
    return wechat_openid_bind(user=user, openid=openid)


def wechat_bound(user) -> bool:
    return WeChatBinding.objects.filter(user=user).exists()


def channels_for(*, recipient, kind: str) -> list[str]:
    """The outside channels one notification goes on: the person's choice among the configured
    ones, plus SMS for an urgent kind whenever SMS is configured."""
    chosen = [name for name in channel_preferences_get(recipient) if name != Channel.IN_APP]
    if urgent(kind) and Channel.SMS not in chosen:
        chosen.append(Channel.SMS)
    return [name for name in chosen if channel(name).configured()]


# --- Sending -----------------------------------------------------------------------------------


def _render(kind: str, context: dict) -> tuple[str, str]:
    # notices/<kind>.txt: the first line is the title, the rest the body.
    text = render_to_string(f"notices/{kind}.txt", context).strip()
    title, _sep, body = text.partition("\n")
    return title.strip()[:200], body.strip()


def notification_send(
    *, recipient, kind: str, link: str = "", dedupe_key: str | None = None, **context
) -> Notification:
    """Write a notification in the recipient's language, with a delivery row per outside channel,
    and send those after commit.

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
            )
            deliveries = Delivery.objects.bulk_create(
                Delivery(
                    notification=notification,
                    channel=name,
                    status=Delivery.Status.PENDING
                    if channel(name).address(recipient)
                    else Delivery.Status.NO_ADDRESS,
                )
                for name in channels_for(recipient=recipient, kind=kind)
            )
    except IntegrityError:
        # Another process wrote the same key between our check and our insert.
        return Notification.objects.get(dedupe_key=dedupe_key)
    from notices import tasks  # tasks import services; import here to avoid a cycle

    for delivery in deliveries:
        if delivery.status == Delivery.Status.PENDING:
            enqueue_on_commit(tasks.deliver, delivery.pk)
    return notification


def retry_delay(attempts: int) -> int:
    """Seconds before the next try after `attempts` failed ones: doubling, at most an hour."""
    return min(settings.NOTIFICATION_RETRY_SECONDS * 2 ** max(attempts - 1, 0), 3600)


def _claimable(now) -> Q:
    """A row waiting to be sent, or one a worker claimed and never finished: its lease ran out
    (the worker died or was killed mid-send), so another worker may take it over."""
    return Q(status=Delivery.Status.PENDING) | Q(status=Delivery.Status.SENDING, next_attempt_at__lte=now)


def delivery_attempt(*, delivery_id: int) -> bool:
    """Send one delivery if nobody has yet; True when this call sent it.

    The conditional update claims the row, so two workers never both send it, and leases it for
    NOTIFICATION_SENDING_LEASE_SECONDS: a row whose worker died mid-send is taken over once the
    lease runs out (by the catch-up job). A failed send puts the row back to pending with its next
    attempt later (or marks it failed after the last allowed attempt) and re-raises the
    ChannelError, for the task to retry.
    """
    now = timezone.now()
    lease = timezone.timedelta(seconds=settings.NOTIFICATION_SENDING_LEASE_SECONDS)
    claimed = (
        Delivery.objects.filter(pk=delivery_id)
        .filter(_claimable(now))
        .update(status=Delivery.Status.SENDING, attempts=F("attempts") + 1, next_attempt_at=now + lease)
    )
    if not claimed:
        return False
    delivery = Delivery.objects.select_related("notification__recipient").get(pk=delivery_id)
    notification = delivery.notification
    recipient = notification.recipient
    try:
        with translation.override(recipient.language or settings.LANGUAGE_CODE):
            channel(delivery.channel).send(
                notification=notification, address=channel(delivery.channel).address(recipient)
            )
    except Exception as exc:
        code = exc.code if isinstance(exc, ChannelError) else type(exc).__name__
        last = delivery.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
        Delivery.objects.filter(pk=delivery_id).update(
            status=Delivery.Status.FAILED if last else Delivery.Status.PENDING,
            next_attempt_at=None
            if last
            else timezone.now() + timezone.timedelta(seconds=retry_delay(delivery.attempts)),
            last_error=code[:200],
        )
        logger.warning(
            "delivery %s on %s failed (%s), attempt %s",
            delivery_id,
            delivery.channel,
            code,
            delivery.attempts,
        )
        raise
    Delivery.objects.filter(pk=delivery_id).update(
        status=Delivery.Status.SENT, sent_at=timezone.now(), next_attempt_at=None, last_error=""
    )
    return True


def delivery_failed(*, delivery_id: int) -> bool:
    """True once a delivery gave up (no more attempts)."""
    return Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.FAILED).exists()


def notification_deliver(*, notification_id: int) -> bool:
    """Send every delivery of one notification still waiting; True when this call sent one."""
    ids = Delivery.objects.filter(
        notification_id=notification_id, status=Delivery.Status.PENDING
    ).values_list("pk", flat=True)
    sent = False
    for pk in list(ids):
        sent = delivery_attempt(delivery_id=pk) or sent
    return sent


def deliveries_pending_ids(*, older_than_seconds: int = 120) -> list[int]:
    """Deliveries still waiting whose next attempt is due, and deliveries whose worker died
    mid-send (their lease ran out): for the catch-up job."""
    now = timezone.now()
    cutoff = now - timezone.timedelta(seconds=older_than_seconds)
    return list(
        Delivery.objects.filter(_claimable(now), notification__created__lt=cutoff)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )


# --- Reading -----------------------------------------------------------------------------------


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
