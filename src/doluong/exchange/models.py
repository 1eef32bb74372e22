"""The transactional outbox (one versioned event per change of a shared object, written in the change's
transaction), the subscribers it is delivered to, their per-event delivery state, and the hash-chained log of
every delivery attempt."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from doluong.core.models import BaseModel
from doluong.geo.models import Province

SCHEMA_VERSION = 1
#: the most events a subscription sends in one request (the national receiver's DOLUONG_NATIONAL_BATCH_MAX default)
BATCH_SIZE_MAX = 500


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
    #: blank: a change made here; else (national mode) the province code of the instance the event was received
    #: from and is re-published for this instance's subscribers (`aggregate._store`): its event id, object id,
    #: version and time are the origin's
    origin = models.CharField(_("received from (province instance)"), max_length=2, blank=True, default="")

    class Meta:
        ordering = ["id"]
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        indexes = [models.Index(fields=["model", "object_pk"], name="exchange_event_object")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.type} {self.object_pk} v{self.version}"

    def envelope(self) -> dict:
        envelope = {
            "id": str(self.event_id),
            "sequence": self.pk,
            "type": self.type,
            "schema_version": self.schema_version,
            "object": {"model": self.model, "id": self.object_pk, "version": self.version},
            "province": self.province_code,
            "occurred_at": self.occurred_at.isoformat(),
            "data": self.payload,
        }
        if self.origin:  # a re-published event (national mode): the instance it came from
            envelope["origin"] = self.origin
        return envelope


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
    #: national mode: the receiver is this province's own instance, so the events received from it (re-published
    #: here, `OutboxEvent.origin`) are not sent back to it
    peer_province = models.ForeignKey(
        Province,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("receiver is the instance of"),
        help_text=_("The events received from that province's instance are not sent back to it"),
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
    #: events per signed request: 1 = one event a request (any receiver); more = a doluong national instance's
    #: batch endpoint (…/receive/<code>/batch/), up to that many events a request (`delivery` module)
    batch_size = models.PositiveSmallIntegerField(
        _("events per request"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(BATCH_SIZE_MAX)],
        help_text=_(
            "More than 1: the batch endpoint of a doluong national instance (an address ending in /batch/)"
        ),
    )

    class Format(models.TextChoices):
        JSON = "json", _("Events (JSON)")
        DCC = "dcc", _("Calibration certificates (DCC XML)")

    format = models.CharField(
        _("delivery format"),
        max_length=10,
        choices=Format.choices,
        default=Format.JSON,
        help_text=_("DCC: only calibration certificates, as PTB Digital Calibration Certificates"),
    )

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
        if (self.batch_size or 1) > 1:
            if self.format != self.Format.JSON:
                raise ValidationError(
                    {"batch_size": _("Only event (JSON) deliveries can be sent several to a request.")}
                )
            if not parts.path.endswith("/batch/"):
                raise ValidationError(
                    {
                        "url": _(
                            "With more than one event per request the receiver must be the batch endpoint of "
                            "a doluong national instance (an address ending in /batch/)."
                        )
                    }
                )

    def wants(self, event: OutboxEvent) -> bool:
        if self.province_id and event.province_code != self.province_id:
            return False
        if event.origin and event.origin == self.peer_province_id:
            return False  # no loop back to the instance it came from
        if self.format == self.Format.DCC:
            from . import dcc_adapter

            if not dcc_adapter.wants(event):
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


# --- national mode (DOLUONG_NATIONAL_MODE): a national instance aggregating the provinces' instances


class NationalSource(BaseModel):
    """A province instance that delivers its outbox to this (national) instance: its province, its published
    Ed25519 exchange key and the HMAC secret of its subscription to us — a separate secret per source, sealed with
    the KEK, never shared between sources. A delivery must carry both signatures when both are set. After a
    rotation the previous secret is still accepted during the grace period (`aggregate.secret_grace`)."""

    province = models.OneToOneField(Province, models.PROTECT, related_name="+", verbose_name=_("province"))
    name = models.CharField(_("name"), max_length=150, blank=True)
    public_key = models.CharField(
        _("public key (Ed25519, base64)"),
        max_length=64,
        blank=True,
        help_text=_("The instance's exchange key"),
    )
    secret = models.TextField(editable=False)  # "kek:" + Fernet token of the whsec_ secret
    #: the secret before the last rotation, sealed: still accepted for DOLUONG_NATIONAL_SECRET_GRACE_HOURS after
    #: `secret_rotated_at` (deliveries signed before the province set the new one)
    previous_secret = models.TextField(_("previous secret"), editable=False, blank=True)
    secret_rotated_at = models.DateTimeField(_("secret rotated at"), null=True, blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["province_id"]
        verbose_name = _("national source")
        verbose_name_plural = _("national sources")

    def __str__(self) -> str:
        return self.name or str(self.province_id)


class NationalReceipt(models.Model):
    """One event received from a source and accepted; `event_id` unique: a second delivery of it (a retry, a
    replay) changes nothing and only counts in `duplicates`."""

    event_id = models.UUIDField(_("event ID"), unique=True)
    source = models.ForeignKey(NationalSource, models.PROTECT, related_name="receipts")
    event_type = models.CharField(_("event type"), max_length=80)
    kind = models.CharField(_("object kind"), max_length=40)
    object_id = models.CharField(_("object ID"), max_length=64)
    version = models.PositiveIntegerField(_("object version"))
    sequence = models.BigIntegerField(_("sequence at the source"))
    occurred_at = models.DateTimeField(_("occurred at"))
    received_at = models.DateTimeField(_("received at"))
    hash = models.CharField(_("SHA-256 of the body"), max_length=64)
    duplicates = models.PositiveIntegerField(_("duplicate deliveries"), default=0)

    class Meta:
        ordering = ["id"]
        verbose_name = _("national receipt")
        verbose_name_plural = _("national receipts")
        indexes = [models.Index(fields=["source", "kind"], name="exchange_nreceipt_kind")]

    def __str__(self) -> str:
        return f"{self.source_id} · {self.event_type} · {self.event_id}"


class NationalRefusal(models.Model):
    """A delivery this instance refused, and why: stored, never silently dropped. Refusals that anybody can cause
    (an unknown source, a bad signature) are stored one by one up to the limit per client address and minute;
    above it they are counted in `NationalRefusalCount`."""

    class Reason(models.TextChoices):
        UNKNOWN_SOURCE = "unknown_source", _("Unknown source")
        BAD_SIGNATURE = "bad_signature", _("Bad signature")
        BAD_SCHEMA = "bad_schema", _("Bad schema")
        OTHER_PROVINCE = "other_province", _("Event of another province")

    province_code = models.CharField(_("province code"), max_length=10)
    source = models.ForeignKey(NationalSource, models.SET_NULL, null=True, related_name="refusals")
    event_id = models.CharField(_("event ID"), max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    hash = models.CharField(_("SHA-256 of the body"), max_length=64)
    received_at = models.DateTimeField(_("received at"))
    client = models.CharField(_("client address"), max_length=64, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("national refusal")
        verbose_name_plural = _("national refusals")

    def __str__(self) -> str:
        return f"{self.province_code} · {self.reason} · {self.event_id}"


class NationalRefusalCount(models.Model):
    """Refusals above the limit (DOLUONG_NATIONAL_REFUSAL_LIMIT a minute per client address, counted by the public
    certificate check's limiter), counted instead of stored one by one: one row per (address, reason, minute), so
    that a flood of anonymous deliveries cannot grow the refusals without bound and nothing is silently dropped."""

    client = models.CharField(_("client address"), max_length=64)
    reason = models.CharField(_("reason"), max_length=20, choices=NationalRefusal.Reason.choices)
    minute = models.BigIntegerField(_("minute (since 1970)"))
    count = models.PositiveIntegerField(_("refusals counted"), default=0)
    province_code = models.CharField(_("province code (the last one)"), max_length=10, blank=True)
    first_at = models.DateTimeField(_("first at"))
    last_at = models.DateTimeField(_("last at"))

    class Meta:
        ordering = ["-minute", "client", "reason"]
        verbose_name = _("counted national refusals")
        verbose_name_plural = _("counted national refusals")
        constraints = [
            models.UniqueConstraint(fields=["client", "reason", "minute"], name="exchange_nrefusalcount_key")
        ]

    def __str__(self) -> str:
        return f"{self.client} · {self.reason} · {self.minute}: {self.count}"


class NationalEntity(models.Model):
    """An aggregated object: keyed by (source province, its id at the source), the latest version received."""

    province = models.ForeignKey(Province, models.PROTECT, related_name="+", verbose_name=_("province"))
    source_id = models.CharField(_("ID at the source"), max_length=64)
    version = models.PositiveIntegerField(_("object version"))
    deleted = models.BooleanField(_("deleted at the source"), default=False)
    data = models.JSONField(_("data"), default=dict)
    updated_at = models.DateTimeField(_("received at"))

    class Meta:
        abstract = True


class NationalOrganisation(NationalEntity):
    name = models.CharField(_("name"), max_length=300, blank=True)
    tax_code = models.CharField(_("tax code"), max_length=20, blank=True)
    kind = models.CharField(_("kind"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("national organisation")
        verbose_name_plural = _("national organisations")
        constraints = [models.UniqueConstraint(fields=["province", "source_id"], name="exchange_norg_key")]

    def __str__(self) -> str:
        return self.name


class NationalInstrument(NationalEntity):
    instrument_type_code = models.CharField(_("instrument type code"), max_length=30, blank=True)
    serial = models.CharField(_("serial number"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=30, blank=True)
    owner_source_id = models.CharField(_("owner's ID at the source"), max_length=64, blank=True)
    valid_until = models.DateField(_("valid until"), null=True)

    class Meta:
        verbose_name = _("national instrument")
        verbose_name_plural = _("national instruments")
        constraints = [models.UniqueConstraint(fields=["province", "source_id"], name="exchange_ninst_key")]

    def __str__(self) -> str:
        return f"{self.province_id} · {self.serial}"


class NationalCertificate(NationalEntity):
    number = models.CharField(_("certificate number"), max_length=100, db_index=True)
    status = models.CharField(_("status"), max_length=30, blank=True)
    kind = models.CharField(_("kind"), max_length=40, blank=True)
    issued_on = models.DateField(_("issued on"), null=True)
    valid_until = models.DateField(_("valid until"), null=True)
    provider_source_id = models.CharField(_("provider's ID at the source"), max_length=64, blank=True)
    instrument_source_id = models.CharField(_("instrument's ID at the source"), max_length=64, blank=True)
    instrument_type_code = models.CharField(_("instrument type code"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("national certificate")
        verbose_name_plural = _("national certificates")
        constraints = [models.UniqueConstraint(fields=["province", "source_id"], name="exchange_ncert_key")]

    def __str__(self) -> str:
        return f"{self.province_id} · {self.number}"
