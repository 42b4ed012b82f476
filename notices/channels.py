"""Message channels behind one interface: each outside channel knows a person's address on it,
whether it is configured, and how to send one notification there.

In-app is the inbox row itself (always on). E-mail goes through Django's mail backend; SMS through
the backend SMS_BACKEND names (notices/sms.py); WeChat through wechatpy (notices/wechat.py).
A channel raises ChannelError for a failure worth retrying; the delivery service records it and
tries again later.
"""

from django.conf import settings
from django.core.mail import send_mail

from notices import sms, wechat
from notices.channels_base import ChannelError, message_text
from notices.models import Channel

__all__ = ["CHANNELS", "ChannelError", "channel"]


class EmailChannel:
    name = Channel.EMAIL

    def configured(self) -> bool:
        return True

    def address(self, user) -> str:
        return user.email or ""

    def send(self, *, notification, address: str) -> None:
        try:
            send_mail(notification.title, message_text(notification), None, [address])
        except OSError as exc:  # SMTP unreachable, connection reset: transient
            raise ChannelError(type(exc).__name__) from exc


class SmsChannel:
    name = Channel.SMS

    def configured(self) -> bool:
        return bool(settings.SMS_BACKEND)

    def address(self, user) -> str:
        return getattr(user, "mobile", None) or ""

    def send(self, *, notification, address: str) -> None:
        sms.backend().send(notification=notification, mobile=address)


class WeChatChannel:
    name = Channel.WECHAT

    def configured(self) -> bool:
        return bool(settings.WECHAT_APP_ID)

    def address(self, user) -> str:
        binding = getattr(user, "wechat", None) if user.pk else None
        return binding.openid if binding else ""

    def send(self, *, notification, address: str) -> None:
        wechat.send(notification=notification, openid=address)


CHANNELS = {channel.name: channel for channel in (EmailChannel(), SmsChannel(), WeChatChannel())}


def channel(name: str):
    return CHANNELS[name]
