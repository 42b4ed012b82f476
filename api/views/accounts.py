"""Every role: sign in, sign out, devices, inbox, profile."""

from django.contrib.auth import authenticate, user_logged_in
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, authentication_classes, permission_classes, throttle_classes
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from api import gates, selectors, services
from api.permissions import WellFormedBody
from api.serializers import accounts as shapes
from api.throttling import CodeThrottle, SignInThrottle, WriteThrottle
from notices import selectors as notice_selectors
from notices import services as notice_services
from notices.models import Notification
from schools import services as school_services
from schools import two_factor

REFUSAL = OpenApiResponse(shapes.Refusal, description="Refused, with a code and a sentence to show")


def _refused(code: str, detail: str, http_status=status.HTTP_403_FORBIDDEN) -> Response:
    return Response({"code": code, "detail": detail}, status=http_status)


def _second_factor(request, user, otp_token: str):
    """(the verified device or None, a refusal or None) for an account that must use a second factor."""
    if not two_factor.required(user):
        return None, None
    device = two_factor.confirmed_device(user)
    if device is None:
        return None, Response(gates.refusal("otp-enrol"), status=status.HTTP_403_FORBIDDEN)
    if not otp_token:
        return None, _refused("otp_required", _("Enter the code from your authenticator app."))
    if two_factor.throttled(device):
        return None, _refused("otp_throttled", _("Too many wrong codes. Wait a moment and try again."))
    if not device.verify_token(otp_token):
        return None, _refused("otp_invalid", _("That code is not right. Try again."))
    return device, None


@extend_schema(
    tags=["accounts"],
    request=shapes.SignIn,
    responses={201: shapes.TokenIssued, 400: REFUSAL, 403: REFUSAL, 429: REFUSAL},
    summary="Sign in on a device and get a token",
)
@api_view(["POST"])
@authentication_classes([])
@permission_classes([AllowAny, WellFormedBody])
@throttle_classes([SignInThrottle])
def token_create(request):
    form = shapes.SignIn(data=request.data)
    form.is_valid(raise_exception=True)
    data = form.validated_data
    # The web's backends: django-axes counts the failure against the account (schools.lockout).
    user = authenticate(request._request, username=data["username"], password=data["password"])
    if user is None:
        # A lockout (axes_locked_out) is answered by axes' middleware with schools' lockout answer.
        return _refused(
            "invalid_credentials", _("Wrong username or password."), http_status=status.HTTP_400_BAD_REQUEST
        )
    device, refusal = _second_factor(request, user, data.get("otp_token", ""))
    if refusal is not None:
        return refusal
    user.otp_device = device
    user.is_verified = lambda: user.otp_device is not None
    target = gates.owed_gate(user)
    if target is not None:
        return Response(gates.refusal(target), status=status.HTTP_403_FORBIDDEN)
    user_logged_in.send(sender=user.__class__, request=request._request, user=user)
    token, secret = services.token_issue(user=user, name=data["device_name"], otp_device=device)
    body = shapes.TokenIssued({"token": secret, "code": token.code, "expires_at": token.expires_at}).data
    return Response(body, status=status.HTTP_201_CREATED)


@extend_schema(tags=["accounts"], request=None, responses={204: None}, summary="Sign this device out")
@api_view(["POST"])
def token_delete_current(request):
    services.token_revoke(token=request.auth, actor=request.user)
    return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["accounts"], responses={200: shapes.Device(many=True)}, summary="Devices signed in")
@api_view(["GET"])
def device_list(request):
    tokens = selectors.tokens_live_for_user(user=request.user)
    return Response(shapes.Device(tokens, many=True, context={"request": request}).data)


@extend_schema(tags=["accounts"], request=None, responses={204: None}, summary="Sign a device out")
@api_view(["POST"])
def device_revoke(request, device_code):
    token = selectors.get_token_for_user(request.user, device_code)
    services.token_revoke(token=token, actor=request.user)
    return Response(status=status.HTTP_204_NO_CONTENT)


# --- inbox -------------------------------------------------------------------------------------------


@extend_schema(tags=["inbox"], responses={200: shapes.Notice(many=True)}, summary="My notifications")
@api_view(["GET"])
def inbox(request):
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(notice_selectors.notifications_for_user(user=request.user), request)
    return paginator.get_paginated_response(shapes.Notice(page, many=True).data)


@extend_schema(tags=["inbox"], request=None, responses={200: shapes.Notice}, summary="Mark one read")
@api_view(["POST"])
def notification_read(request, notification_id):
    try:
        notification = notice_selectors.notification_get_for_user(user=request.user, pk=notification_id)
    except Notification.DoesNotExist:
        raise Http404 from None
    notification = notice_services.notification_mark_read(notification=notification)
    return Response(shapes.Notice(notification).data)


# --- profile -----------------------------------------------------------------------------------------


@extend_schema(
    tags=["accounts"],
    request=shapes.Profile,
    responses={200: shapes.Profile},
    summary="My contact details, language and message channels",
)
@api_view(["GET", "PATCH"])
def profile(request):
    user = request.user
    if request.method == "PATCH":
        form = shapes.Profile(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        school_services.user_profile_update(
            user=user,
            email=data.get("email", user.email),
            language=data.get("language", user.language),
            channels=data.get("channels", notice_services.channel_preferences_get(user)),
        )
    return Response(shapes.Profile(user).data)


@extend_schema(
    tags=["accounts"],
    request=shapes.WeChatLogin,
    responses={
        200: shapes.Profile,
        400: OpenApiResponse(shapes.Refusal, description="Refused by a rule, with its code"),
    },
    summary="Bind the WeChat of this mini program (its wx.login() code) for messages",
)
@api_view(["POST"])
@throttle_classes([CodeThrottle, WriteThrottle])
def wechat_bind(request):
    form = shapes.WeChatLogin(data=request.data)
    form.is_valid(raise_exception=True)
    notice_services.wechat_bind_with_login_code(user=request.user, code=form.validated_data["code"])
    return Response(shapes.Profile(request.user).data)
