"""SMS backends, chosen by SMS_BACKEND: console and file for a developer machine (`make run`),
aliyun and tencent for production through the providers' official SDKs.

A provider sends a registered template (SMS_TEMPLATES maps a notification kind to a template id,
per language) with parameters, under the registered sign name (SMS_SIGN_NAME). The parameter is
the notification's title (`title`; Tencent takes it as the template's first variable).
"""

import json
import sys
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from notices.channels_base import ChannelError, message_text, recipient_language, template_for


def template_params(notification) -> dict:
    return {"title": notification.title}


def template_id(notification) -> str:
    found = template_for(
        settings.SMS_TEMPLATES, kind=notification.kind, language=recipient_language(notification.recipient)
    )
    if not found:
        raise ChannelError("no_template")
    return found


class ConsoleBackend:
    """Prints the message to the terminal, like Django's console e-mail backend; the mobile number
    masked, as the worker's output ends up in a log file."""

    def send(self, *, notification, mobile: str) -> None:
        stream = sys.stdout
        masked = f"{mobile[:3]}****{mobile[-4:]}"
        stream.write(f"--- SMS to {masked}\n{notification.title}\n{message_text(notification)}\n---\n")
        stream.flush()


class FileBackend:
    """Appends one JSON line per message to SMS_FILE_PATH."""

    def send(self, *, notification, mobile: str) -> None:
        path = Path(settings.SMS_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        line = {
            "at": timezone.now().isoformat(),
            "to": mobile,
            "kind": notification.kind,
            "title": notification.title,
            "text": message_text(notification),
        }
        with path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")


class AliyunBackend:
    """Alibaba Cloud SMS (Dysmsapi 2017-05-25, SendSms)."""

    def client(self):
        # Loaded on use: the SDK is only needed where Aliyun is the provider.
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi import models as openapi

        config = openapi.Config(
            access_key_id=settings.ALIYUN_ACCESS_KEY_ID,
            access_key_secret=settings.ALIYUN_ACCESS_KEY_SECRET,
            endpoint=settings.ALIYUN_SMS_ENDPOINT,
            protocol=settings.SMS_PROVIDER_SCHEME,
            read_timeout=10000,
            connect_timeout=5000,
        )
        return Client(config)

    def send(self, *, notification, mobile: str) -> None:
        # Loaded on use, as above.
        from alibabacloud_dysmsapi20170525 import models as dysms

        request = dysms.SendSmsRequest(
            phone_numbers=mobile,
            sign_name=settings.SMS_SIGN_NAME,
            template_code=template_id(notification),
            template_param=json.dumps(template_params(notification), ensure_ascii=False),
        )
        try:
            response = self.client().send_sms(request)
        except Exception as exc:  # TeaException, connection errors: the SDK's own types
            raise ChannelError(getattr(exc, "code", None) or type(exc).__name__) from exc
        code = getattr(response.body, "code", None)
        if code != "OK":
            raise ChannelError(code or "no_code")


class TencentBackend:
    """Tencent Cloud SMS (API 2021-01-11, SendSms)."""

    def client(self):
        # Loaded on use: the SDK is only needed where Tencent is the provider.
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import sms_client

        http = HttpProfile(
            protocol=settings.SMS_PROVIDER_SCHEME, endpoint=settings.TENCENT_SMS_ENDPOINT, reqTimeout=10
        )
        return sms_client.SmsClient(
            credential.Credential(settings.TENCENT_SECRET_ID, settings.TENCENT_SECRET_KEY),
            settings.TENCENT_SMS_REGION,
            ClientProfile(httpProfile=http),
        )

    def send(self, *, notification, mobile: str) -> None:
        # Loaded on use, as above.
        from tencentcloud.sms.v20210111 import models as sms_models

        request = sms_models.SendSmsRequest()
        request.SmsSdkAppId = settings.TENCENT_SMS_APP_ID
        request.SignName = settings.SMS_SIGN_NAME
        request.TemplateId = template_id(notification)
        request.TemplateParamSet = list(template_params(notification).values())
        request.PhoneNumberSet = [f"+86{mobile}"]
        try:
            response = self.client().SendSms(request)
        except Exception as exc:  # TencentCloudSDKException, connection errors
            code = getattr(exc, "code", None) if hasattr(exc, "get_code") else None
            raise ChannelError(code or type(exc).__name__) from exc
        statuses = response.SendStatusSet or []
        if not statuses or statuses[0].Code != "Ok":
            raise ChannelError(statuses[0].Code if statuses else "no_status")


BACKENDS = {
    "console": ConsoleBackend,
    "file": FileBackend,
    "aliyun": AliyunBackend,
    "tencent": TencentBackend,
}


def backend():
    try:
        return BACKENDS[settings.SMS_BACKEND]()
    except KeyError:
        raise ChannelError("sms_backend_unknown") from None
