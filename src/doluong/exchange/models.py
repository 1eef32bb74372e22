"""The transactional outbox (one versioned event per change of a shared object, written in the change's
transaction), the subscribers it is delivered to, their per-event delivery state, and the hash-chained log of
every delivery attempt."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from doluong.core.models import BaseModel
from doluong.geo.models import Province

SCHEMA_VERSION = 1


class OutboxEvent(models.Model):
    """One change of a shared object. `id` orders the stream (a subscriber's cursor is an id); `event_id` is what
    receivers deduplicate by; `version` counts the changes of that object."""

    event_id = models.UUIDField(_("event ID"), default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(_("event type"), max_length=80)
    schema_version = models.PositiveSmallIntegerField(_("schema version"), default=SCHEMA_VERSION)
    model = models.CharField(_("object kind"), max_length=80)
    object_pk = models.CharField(_("object ID"), max_length=64)
    version = models.PositiveIntegerField(_("object version"))
    province_code = models.CharField(_("province code"), max_length=2, blank=True)
    payload = models.JSONField(_("payload"), default=dict)
    occurred_at = models.DateTimeField(_("occurred at"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        indexes = [models.Index(fields=["model", "object_pk"], name="exchange_event_object")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.type} {self.object_pk} v{self.version}"

    def envelope(self) -> dict:
        return {
            "id": str(self.event_id),
            "sequence": self.pk,
            "type": self.type,
            "schema_version": self.schema_version,
            "object": {"model": self.model, "id": self.object_pk, "version": self.version},
            "province": self.province_code,
            "occurred_at": self.occurred_at.isoformat(),
            "data": self.payload,
        }


def allowed_hosts() -> tuple[str, ...]:
    return tuple(getattr(settings, "DOLUONG_EXCHANGE_ALLOWED_HOSTS", ("127.0.0.1", "localhost")))


class Subscription(BaseModel):
    """A receiver of the event stream: where to deliver (https, or a host of DOLUONG_EXCHANGE_ALLOWED_HOSTS), its
    shared secret (sealed with the KEK), which province's events, and how far it has got (the cursor)."""

    name = models.CharField(_("name"), max_length=150)
    url = models.URLField(_("receiver URL"), max_length=500)
    province = models.ForeignKey(
        Province, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("province")
    )
    event_types = models.CharField(
        _("event types"),
        max_length=500,
        blank=True,
        help_text=_("Prefixes, comma-separated; empty: every event"),
    )
    secret = models.TextField(editable=False)  # "kek:" + Fernet token of the whsec_ secret
    is_active = models.BooleanField(_("active"), default=True)
    cursor = models.BigIntegerField(_("cursor (last event handled)"), default=0)
    max_attempts = models.PositiveSmallIntegerField(_("attempts before dead letter"), default=6)
    backoff_seconds = models.PositiveIntegerField(_("first retry after (seconds)"), default=30)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        parts = urlsplit(self.url or "")
        if parts.scheme != "https" and (parts.hostname or "") not in allowed_hosts():
            raise ValidationError(
                {
                    "url": _("The receiver must use https, or be one of the allowed hosts: %(hosts)s.")
                    % {"hosts": ", ".join(allowed_hosts())}
                }
            )

    def wants(self, event: OutboxEvent) -> bool:
        if self.province_id and event.province_code != self.province_id:
            return False
        prefixes = [p.strip() for p in self.event_types.split(",") if p.strip()]
        return not prefixes or any(event.type.startswith(p) for p in prefixes)


class Delivery(models.Model):
    """The delivery state of one event to one subscriber (created at its first attempt)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Retrying")
        DELIVERED = "delivered", _("Delivered")
        DEAD = "dead", _("Dead letter")

    subscription = models.ForeignKey(Subscription, models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(OutboxEvent, models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event"], name="exchange_delivery_unique")
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id} · {self.event_id} · {self.status}"


class ExchangeLog(models.Model):
    """Every delivery attempt, hash-chained: `hash` = SHA-256 of the previous entry's hash and this entry's
    canonical JSON, so that a removed or edited entry breaks the chain (`exchange.log.verify_chain`)."""

    at = models.DateTimeField()
    subscription_name = models.CharField(max_length=150)
    url = models.CharField(max_length=500)
    event_id = models.UUIDField()
    sequence = models.BigIntegerField()
    attempt = models.PositiveSmallIntegerField()
    outcome = models.CharField(max_length=20)
    http_status = models.PositiveSmallIntegerField(null=True)
    detail = models.CharField(max_length=500, blank=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M:%S} · {self.subscription_name} · {self.outcome}"
