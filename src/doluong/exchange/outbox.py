"""The outbox's writers: post_save / post_delete of the shared models write one `OutboxEvent` each.

Same transaction: the receivers run inside the caller's transaction (every write through
`core.actions.save_object/delete_object` is atomic), so the event commits or rolls back with the change. A save
outside any transaction (autocommit) writes the event right after the row, in its own statement.

Bulk loads (`core.bulk`, the kinds of registry/bulk.py and verification/bulk.py) write set-wise in SQL and bypass
post_save; their merge sends `registry.signals.bulk_merged` with the rows it inserted or changed, inside the merge's
transaction, and `write_bulk` writes their events there, batched: per `BATCH` rows one query for the rows, one for
their last versions and one multi-row INSERT of the events (not a query per row). A load that fails or is rejected
writes no rows and so no events.

NOT covered (they bypass Django's signals and name no rows): `QuerySet.update()`, `bulk_create` / `bulk_update`
elsewhere (`bulk_create_with_history` in the demo), raw SQL and migrations. `record_bulk(model, pks)` writes the
events of such a batch when the caller names the rows.
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
    code = _type_code(obj)
    if code is not None:
        data["instrument_type_code"] = code
    return data


def _type_code(obj) -> str | None:
    """The Group 2 / instrument type code, so that a receiver (a national instance) needs not our type ids: an
    instrument's type, a certificate's instrument's type. Added within envelope schema_version 1 (an additional
    data key, December 2026): receivers that ignore unknown keys are unaffected."""
    label = obj._meta.label
    try:
        if label == "registry.Instrument" and obj.instrument_type_id:
            return obj.instrument_type.code
        if label == "verification.Certificate" and obj.instrument_id:
            return obj.instrument.instrument_type.code
    except Exception:  # a dangling reference during a delete cascade
        return None
    return None


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


#: rows per batch of `write_bulk` (three queries each)
BATCH = 2000


def _select_related(model) -> list[str]:
    """The relations `_province` follows, for one query per batch instead of one per row."""
    names = {f.name for f in model._meta.concrete_fields}
    extra = ["instrument_type"] if model._meta.label == "registry.Instrument" else []
    if "province" in names:
        return extra
    if "organisation" in names:
        return ["organisation", *extra]
    if "registration" in names:
        return ["registration__organisation", *extra]
    return extra


def write_bulk(model, rows) -> int:
    """The events of rows written set-wise: `rows` = [(pk, created), …]; in the caller's transaction."""
    from django.db.models import Max

    from .models import OutboxEvent

    label = model._meta.label
    if label not in TRACKED:
        return 0
    rows = list(rows)
    written = 0
    with transaction.atomic():
        for at in range(0, len(rows), BATCH):
            chunk = dict(rows[at : at + BATCH])
            objects = model.objects.filter(pk__in=list(chunk)).order_by("pk")
            related = _select_related(model)
            if related:
                objects = objects.select_related(*related)
            keys = [str(pk) for pk in chunk]
            last = dict(
                OutboxEvent.objects.filter(model=label, object_pk__in=keys)
                .values("object_pk")
                .annotate(v=Max("version"))
                .values_list("object_pk", "v")
            )
            now = timezone.now()
            events = [
                OutboxEvent(
                    type=f"{TRACKED[label]}.{'created' if chunk[obj.pk] else 'updated'}",
                    model=label,
                    object_pk=str(obj.pk),
                    version=last.get(str(obj.pk), 0) + 1,
                    province_code=_province(obj),
                    payload=snapshot(obj),
                    occurred_at=now,
                )
                for obj in objects
            ]
            OutboxEvent.objects.bulk_create(events, batch_size=BATCH)
            written += len(events)
    return written


def record_bulk(model, pks) -> int:
    """Events ("updated") for rows written by a path that bypasses the signals (bulk_create, update)."""
    return write_bulk(model, [(pk, False) for pk in pks])


def _bulk_merged(sender, rows, **kwargs):
    write_bulk(sender, rows)


def connect() -> None:
    from django.apps import apps

    for label in TRACKED:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        post_save.connect(_saved, sender=model, dispatch_uid=f"exchange-outbox-save-{label}")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"exchange-outbox-delete-{label}")
    from doluong.registry.signals import bulk_merged

    bulk_merged.connect(_bulk_merged, dispatch_uid="exchange-outbox-bulk")
