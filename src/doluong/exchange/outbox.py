"""The outbox's writers: post_save / post_delete of the shared models write one `OutboxEvent` each.

Same transaction: the receivers run inside the caller's transaction (every write through
`core.actions.save_object/delete_object` is atomic), so the event commits or rolls back with the change. A save
outside any transaction (autocommit) writes the event right after the row, in its own statement.

NOT covered (they bypass Django's signals): `QuerySet.update()`, `bulk_create` / `bulk_update` (the registry's
bulk import, `bulk_create_with_history` in the demo), raw SQL and migrations. `record_bulk(model, pks)` writes
the events of such a batch when the caller names the rows; the bulk kinds do not call it yet.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

#: the shared objects (the issue: organisations and scopes, verifiers, standards, instruments, records,
#: certificates and their status) → the event type's stem
TRACKED = {
    "parties.Organisation": "organisation",
    "parties.Registration": "registration",
    "parties.RegistrationScope": "registration_scope",
    "parties.Designation": "designation",
    "parties.Verifier": "verifier",
    "registry.MeasurementStandard": "standard",
    "registry.Instrument": "instrument",
    "verification.VerificationRecord": "record",
    "verification.Certificate": "certificate",
}
#: never leave the platform: secrets, and columns that only serve search
EXCLUDED = {"private_key", "pades_passphrase", "pades_certificate", "search_text", "docx_template"}
#: personal contact data of a person is not shared; a verifier is named by its card, not its person's phone
PERSONAL = {"phone", "email"}


def _value(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if hasattr(value, "name") and hasattr(value, "url"):  # a file
        return value.name or ""
    return value


def snapshot(obj) -> dict:
    data = {}
    for field in obj._meta.concrete_fields:
        if field.name in EXCLUDED:
            continue
        if field.name in PERSONAL and obj._meta.label != "parties.Organisation":
            continue
        data[field.attname] = _value(getattr(obj, field.attname))
    return data


def _province(obj) -> str:
    for path in ("province_id", "organisation.province_id", "registration.organisation.province_id"):
        value = obj
        for attr in path.split("."):
            value = getattr(value, attr, None)
            if value is None:
                break
        if value:
            return str(value)
    return ""


def write(obj, action: str):
    from .models import OutboxEvent

    label = obj._meta.label
    key = str(obj.pk)
    last = (
        OutboxEvent.objects.filter(model=label, object_pk=key)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    return OutboxEvent.objects.create(
        type=f"{TRACKED[label]}.{action}",
        model=label,
        object_pk=key,
        version=(last or 0) + 1,
        province_code=_province(obj),
        payload={} if action == "deleted" else snapshot(obj),
        occurred_at=timezone.now(),
    )


def _saved(sender, instance, created, raw=False, **kwargs):
    if raw:  # fixtures, loaddata
        return
    with transaction.atomic():
        write(instance, "created" if created else "updated")


def _deleted(sender, instance, **kwargs):
    with transaction.atomic():
        write(instance, "deleted")


def record_bulk(model, pks) -> int:
    """Events for rows written by a path that bypasses the signals (bulk_create, update)."""
    rows = model.objects.filter(pk__in=list(pks))
    with transaction.atomic():
        return sum(1 for row in rows if write(row, "updated"))


def connect() -> None:
    from django.apps import apps

    for label in TRACKED:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        post_save.connect(_saved, sender=model, dispatch_uid=f"exchange-outbox-save-{label}")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"exchange-outbox-delete-{label}")
