"""Rows of the mobile API: the tokens apps sign in with, and the stored answers of idempotent POSTs."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice


class ApiToken(models.Model):
    """One signed-in app on one device. Only the SHA-256 of the secret is stored; the secret is shown
    once, when the token is issued. A token works until it expires or its holder revokes it."""

    code = models.UUIDField(_("code"), default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("device"), max_length=100)
    key_hash = models.CharField(_("token digest"), max_length=64, unique=True, editable=False)
    # The second factor the token was obtained with (accounts that must use one): the token counts
    # as verified by it, and dies with it.
    otp_device = models.ForeignKey(
        TOTPDevice,
        verbose_name=_("second factor"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    created = models.DateTimeField(_("signed in"), auto_now_add=True)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("signed out"), null=True, blank=True)

    class Meta:
        verbose_name = _("app sign-in")
        verbose_name_plural = _("app sign-ins")
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["user", "revoked_at", "expires_at"], name="apitoken_user_live_idx")]

    def __str__(self):
        return self.name


class IdempotencyKey(models.Model):
    """A POST sent with an Idempotency-Key header (api.idempotency): claimed before the view runs,
    then holding the answer that a retry with the same key gets again."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(_("key"), max_length=255)
    # SHA-256 of method, path and body: the same key with another request is refused (422).
    fingerprint = models.CharField(_("request digest"), max_length=64)
    claimed_at = models.DateTimeField(_("claimed"))
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    response_body = models.JSONField(_("response"), null=True, blank=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotencykey_user_key_unique")]
        indexes = [models.Index(fields=["claimed_at"], name="idempotencykey_claimed_idx")]

    def __str__(self):
        return self.key
