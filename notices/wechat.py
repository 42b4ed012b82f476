"""WeChat subscription messages (mini program, subscribeMessage.send) through wechatpy.

WECHAT_TEMPLATES maps a notification kind to a template id, per language, like SMS_TEMPLATES;
the template's fields are `title` (the notification's title) and `message` (the start of its
body), each {"value": …} as WeChat expects. WECHAT_API_BASE_URL points the client elsewhere
(a test's stand-in server); the access token is kept in Django's cache, shared by the workers.
"""

from django.conf import settings
from django.core.cache import cache
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatException
from wechatpy.session import SessionStorage

from notices.channels_base import ChannelError, recipient_language, template_for


class CacheStorage(SessionStorage):
    """wechatpy's token storage on Django's cache, so that every worker shares one access token."""

    prefix = "wechat:"

    def get(self, key, default=None):
        return cache.get(self.prefix + key, default)

    def set(self, key, value, ttl=None):
        # Refresh a minute early, so that a token never expires between the check and the call.
        cache.set(self.prefix + key, value, timeout=max(int(ttl or 7200) - 60, 1))

    def delete(self, key):
        cache.delete(self.prefix + key)


class Client(WeChatClient):
    """WeChatClient whose every address, the token's included, starts at WECHAT_API_BASE_URL."""

    def __init__(self, *, appid: str, secret: str, base_url: str):
        super().__init__(appid, secret, session=CacheStorage(), timeout=10, auto_retry=False)
        self.base_url = base_url.rstrip("/") + "/"
        self.API_BASE_URL = self.base_url + "cgi-bin/"
        self.wxa.API_BASE_URL = self.base_url

    def fetch_access_token(self):
        return self._fetch_access_token(
            url=self.base_url + "cgi-bin/token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


def client() -> Client:
    return Client(
        appid=settings.WECHAT_APP_ID, secret=settings.WECHAT_APP_SECRET, base_url=settings.WECHAT_API_BASE_URL
    )


def message_data(notification) -> dict:
    # WeChat caps a "thing" field at 20 characters.
    return {
        "title": {"value": notification.title[:20]},
        "message": {"value": (notification.body or notification.title)[:20]},
    }


def send(*, notification, openid: str) -> None:
    template = template_for(
        settings.WECHAT_TEMPLATES, kind=notification.kind, language=recipient_language(notification.recipient)
    )
    if not template:
        raise ChannelError("no_template")
    try:
        client().wxa.send_subscribe_message(
            openid, template, message_data(notification), page=settings.WECHAT_PAGE
        )
    except WeChatException as exc:
        raise ChannelError(exc.errcode if exc.errcode is not None else type(exc).__name__) from exc
    except OSError as exc:  # requests' connection errors are OSErrors
        raise ChannelError(type(exc).__name__) from exc


def openid_for_login_code(code: str) -> str:
    """The openid behind a mini program's wx.login() code (jscode2session); ChannelError when WeChat
    refuses the code or cannot be reached."""
    try:
        answer = client().wxa.code_to_session(code)
    except WeChatException as exc:
        raise ChannelError(exc.errcode if exc.errcode is not None else type(exc).__name__) from exc
    except OSError as exc:
        raise ChannelError(type(exc).__name__) from exc
    openid = (answer or {}).get("openid") or ""
    if not openid:
        raise ChannelError("no_openid")
    return openid
