"""Notifications: each person's in-app inbox, and each consuming application's webhook with the
record of every delivery attempt.

A notification stores the Chinese source text of its message and the values it names, so it is
shown in the reader's language when read, not in the sender's when sent.
"""

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from govshare.core import clock
from govshare.core.keyring import SealedTextField
from govshare.orgs.models import Application, User


class NotificationQuerySet(models.QuerySet):
    def restrict(self, actor):
        """A person sees their own notifications, nobody else's."""
        if not isinstance(actor, User):
            return self.none()
        return self.filter(recipient=actor)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message in one person's inbox."""

    recipient = models.ForeignKey(
        User, verbose_name=_("收件人"), on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.CharField(_("事件"), max_length=60, db_index=True)
    message = models.CharField(max_length=300)
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), default=clock.now, db_index=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self):
        return self.text

    @property
    def text(self):
        """The message in the current language, with its values filled in."""
        try:
            return gettext(self.message) % self.params
        except (KeyError, TypeError, ValueError):
            return gettext(self.message)


class WebhookEndpoint(models.Model):
    """Where a consuming application wants to hear about its requests and grants."""

    application = models.OneToOneField(
        Application, verbose_name=_("应用系统"), on_delete=models.CASCADE, related_name="webhook"
    )
    url = models.URLField(_("回调地址"), max_length=500)
    # Signing needs the key itself (the receiver holds the same value), so it is sealed with
    # the platform's secrets key rather than hashed.
    secret = SealedTextField(_("签名密钥"))
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("回调地址")
        verbose_name_plural = _("回调地址")

    def __str__(self):
        return f"{self.application} → {self.url}"


class WebhookDelivery(models.Model):
    """One event posted to an endpoint, with its attempts; the body is kept byte for byte so a
    retry sends exactly what was signed."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待投递")
        DELIVERED = "delivered", _("已投递")
        FAILED = "failed", _("投递失败")

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(_("事件"), max_length=60)
    body = models.TextField()
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("回调投递")
        verbose_name_plural = _("回调投递")

    def __str__(self):
        return f"{self.event} → {self.endpoint.url} ({self.get_status_display()})"
