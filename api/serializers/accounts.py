"""Shapes of sign-in, devices, inbox and profile (every role)."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api.models import ApiToken
from notices.models import Notification


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
    """The signed-in user's own contact details and language. A `channels` field (how each kind of
    notification reaches the user) joins here once the notices app has them."""

    username = serializers.CharField(read_only=True)
    name = serializers.CharField(source="display_name", read_only=True)
    mobile = serializers.CharField(read_only=True, allow_null=True)
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
