"""Shapes of sign-in, devices, inbox and profile (every role)."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api.models import ApiToken
from notices import services as notice_services
from notices.models import Channel, Notification


class SignIn(serializers.Serializer):
    username = serializers.CharField(max_length=150, help_text=_("Username or mobile number"))
    password = serializers.CharField(max_length=128, style={"input_type": "password"}, trim_whitespace=False)
    device_name = serializers.CharField(max_length=100, help_text=_("Shown in the list of signed-in devices"))
    otp_token = serializers.CharField(
        max_length=12, required=False, allow_blank=True, help_text=_("Code from the authenticator app")
    )


class TokenIssued(serializers.Serializer):
    token = serializers.CharField(help_text=_("Send as 'Authorization: Bearer <token>'. Shown only once."))
    device = serializers.UUIDField(source="code")
    expires_at = serializers.DateTimeField()


class Device(serializers.ModelSerializer):
    current = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = ["code", "name", "created", "last_used", "expires_at", "current"]

    def get_current(self, token) -> bool:
        request = self.context.get("request")
        return bool(request and request.auth is not None and getattr(request.auth, "pk", None) == token.pk)


class Notice(serializers.ModelSerializer):
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "link", "created", "read_at", "read"]

    def get_read(self, notification) -> bool:
        return notification.read_at is not None


class Refusal(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    gate = serializers.CharField(required=False)
    url = serializers.CharField(required=False)


class Profile(serializers.Serializer):
    """The signed-in user's own contact details, language and the channels messages come by (the
    inbox always; e-mail, SMS, WeChat where this installation sends them: notices.services)."""

    username = serializers.CharField(read_only=True)
    name = serializers.CharField(source="display_name", read_only=True)
    mobile = serializers.CharField(read_only=True, allow_null=True)
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices), required=False, allow_empty=True
    )
    channels_available = serializers.SerializerMethodField()
    wechat_bound = serializers.SerializerMethodField()

    def to_representation(self, user):
        data = super().to_representation(user)
        data["channels"] = notice_services.channel_preferences_get(user)
        return data

    def get_channels_available(self, user) -> list[str]:
        return notice_services.channels_available()

    def get_wechat_bound(self, user) -> bool:
        return notice_services.wechat_bound(user)


class WeChatLogin(serializers.Serializer):
    """The code of the mini program's wx.login(); the portal asks WeChat for the openid behind it."""

    code = serializers.CharField(max_length=128)
