"""National mode (`DOLUONG_NATIONAL_MODE`): this instance receives the province instances' outbox deliveries (the
doluong-to-doluong adapter, `peer.py`, kept in tables here) and serves national statistics and the cross-province
certificate check.

`receive(province_code, headers, body)` is the receiver endpoint's work, in this order:

1. the source: an active `NationalSource` of that province, else refused "unknown source";
2. the signatures (`receiver.verify_signature`): the HMAC with **this source's** secret (another province's secret
   does not verify), and the Ed25519 signature with the source's published key when one is set; a failure is
   refused "bad signature", an unknown schema version "bad schema";
3. deduplication by the event id: an event already receipted is acknowledged (200) and only counted
   (`NationalReceipt.duplicates`);
4. the event's shape (type `<kind>.<action>`, object id and version, data) — else "bad schema" — and its province:
   an event of another province than the source's is refused "other province";
5. in the event's savepoint: the receipt (event id unique: a concurrent duplicate loses the race and is counted),
   and for organisations, instruments and certificates the upsert of the aggregated row keyed by (province, id at
   the source), only when the version is newer (a late, older version changes nothing; a deletion marks the row
   deleted). Other kinds are receipted and counted only. An event that cannot be stored (a date that does not
   exist, a value its column refuses) is rolled back to its savepoint and refused "bad schema" with the error.

`receive_batch(province_code, [(headers, body), …])` is a delivery of several events (the batch endpoint): the
source is read and its secret unsealed once, the whole batch is one transaction with a savepoint per event, and
each event gets its own status and, when refused, its own refusal row; `receive` is a batch of one.

Every refusal is a `NationalRefusal` row (reason, detail, event id, body hash, client address, time): nothing is
silently dropped. The refusals anybody can cause without a source's secret (an unknown source, a bad signature)
are limited per client address: DOLUONG_NATIONAL_REFUSAL_LIMIT a minute, counted by the public certificate
check's limiter (`verification.public._count`, the shared database counter); above it the delivery is answered
429 and only counted, in one `NationalRefusalCount` row per (address, reason, minute), so that an anonymous flood
cannot grow the refusals table without bound. Accepted deliveries are never limited.
Returns the HTTP status: 204 stored, 200 duplicate, 400 refused, 429 refused above the limit (counted), 503 not
stored because of a concurrent write (sent again).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import hashlib
import time
import uuid

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Count, F, Max, Sum
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from doluong.verification.choices import CertificateStatus
from doluong.verification.public import _count as count_request
from doluong.verification.signing import grouped

from . import signing
from .models import (
    NationalCertificate,
    NationalInstrument,
    NationalOrganisation,
    NationalReceipt,
    NationalRefusal,
    NationalRefusalCount,
    NationalSource,
)
from .receiver import Refused, verify_signature

ACTIONS = ("created", "updated", "deleted")


def enabled() -> bool:
    return bool(getattr(settings, "DOLUONG_NATIONAL_MODE", False))


def _text(value) -> str:
    return "" if value is None else str(value)


def _date(value):
    return parse_date(value) if isinstance(value, str) and value else None


#: aggregated kinds: the model and its columns from the event's data (the rest stays in `data`)
AGGREGATED = {
    "organisation": (
        NationalOrganisation,
        lambda d: {
            "name": _text(d.get("name")),
            "tax_code": _text(d.get("tax_code")),
            "kind": _text(d.get("kind")),
        },
    ),
    "instrument": (
        NationalInstrument,
        lambda d: {
            "instrument_type_code": _text(d.get("instrument_type_code")),
            "serial": _text(d.get("serial")),
            "status": _text(d.get("status")),
            "owner_source_id": _text(d.get("owner_id")),
            "valid_until": _date(d.get("valid_until")),
        },
    ),
    "certificate": (
        NationalCertificate,
        lambda d: {
            "number": _text(d.get("number")),
            "status": _text(d.get("status")),
            "kind": _text(d.get("kind")),
            "issued_on": _date(d.get("issued_on")),
            "valid_until": _date(d.get("valid_until")),
            "provider_source_id": _text(d.get("provider_id")),
            "instrument_source_id": _text(d.get("instrument_id")),
            "instrument_type_code": _text(d.get("instrument_type_code")),
        },
    ),
}


def check_public_key(text: str) -> str:
    """The source's published exchange key as given (base64 of the 32 raw bytes of an Ed25519 public key, as the
    province's data dictionary page shows it), trimmed; else a ValidationError saying what is wrong."""
    value = "".join((text or "").split())
    try:
        raw = base64.b64decode(value, validate=True)
        Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError) as exc:
        raise ValidationError(
            _(
                "This is not an Ed25519 public key: give the 44 characters (base64 of 32 bytes) shown as the "
                "platform public key on the province instance's data dictionary page."
            ),
            code="public_key",
        ) from exc
    return value


def key_fingerprint(public_key: str) -> str:
    """SHA-256 of the key's raw bytes, in upper-case groups of four as people compare it ('' without a key)."""
    if not public_key:
        return ""
    try:
        raw = base64.b64decode(public_key)
    except (binascii.Error, ValueError):
        return ""
    return grouped(hashlib.sha256(raw).hexdigest())


def add_source(
    province,
    *,
    public_key: str = "",
    secret: str | None = None,
    name: str = "",
    notes: str = "",
    user=None,
    reason: str = "",
) -> tuple:
    """Register a province instance; returns (source, secret): the secret is generated unless given (the one set
    on the province's subscription to us) and is shown once; it is stored sealed."""
    secret = secret or signing.new_secret()
    source = NationalSource(
        province=province, public_key=public_key, name=name, notes=notes, secret=signing.seal_secret(secret)
    )
    source._history_user = user
    source._change_reason = reason
    source.save()
    return source, secret


def secret_grace() -> dt.timedelta:
    """How long a source's previous secret is still accepted after a rotation: DOLUONG_NATIONAL_SECRET_GRACE_HOURS,
    24 hours by default — the province's deliveries signed before it set the new secret (in flight, retried) are
    received; after it they are refused "bad signature", saying the previous secret has expired."""
    return dt.timedelta(hours=float(getattr(settings, "DOLUONG_NATIONAL_SECRET_GRACE_HOURS", 24)))


def previous_secret_until(source: NationalSource) -> dt.datetime | None:
    """Until when the previous secret of `source` is accepted (None: there is none)."""
    if not source.previous_secret or source.secret_rotated_at is None:
        return None
    return source.secret_rotated_at + secret_grace()


def rotate_secret(source: NationalSource, *, user=None, reason: str = "") -> tuple:
    """A new HMAC secret for `source`; the one it replaces is still accepted during the grace period
    (`secret_grace`, from now), the one before that no longer. Returns (source, secret), the secret to be shown
    once and set on the province's subscription."""
    secret = signing.new_secret()
    source.previous_secret = source.secret
    source.secret_rotated_at = timezone.now()
    source.secret = signing.seal_secret(secret)
    source._history_user = user
    source._change_reason = reason
    source.save()
    return source, secret


#: the refusals anybody can cause without a source's secret: limited per client address and minute
LIMITED = (NationalRefusal.Reason.UNKNOWN_SOURCE, NationalRefusal.Reason.BAD_SIGNATURE)
#: the limiter's key of an address (its counter is shared with the public check's table, under this prefix)
LIMIT_KEY = "national-refusal:"


def refusal_limit() -> int:
    return int(getattr(settings, "DOLUONG_NATIONAL_REFUSAL_LIMIT", 30))


def _over_limit(client: str) -> bool:
    """Count this refusal from `client` in this minute (the public check's limiter); above the limit?"""
    return count_request((LIMIT_KEY + client)[:64]) > refusal_limit()


def _count_refusal(client: str, reason: str, code: str) -> None:
    """One more refusal above the limit: the (address, reason, minute) row's count, created at the first."""
    minute = int(time.time() // 60)  # the limiter's minute
    at = timezone.now()
    key = {"client": client, "reason": reason, "minute": minute}
    bump = {"count": F("count") + 1, "last_at": at, "province_code": code[:10]}
    if NationalRefusalCount.objects.filter(**key).update(**bump):
        return
    try:
        with transaction.atomic():
            NationalRefusalCount.objects.create(
                **key, count=1, province_code=code[:10], first_at=at, last_at=at
            )
    except IntegrityError:  # another request created it meanwhile
        NationalRefusalCount.objects.filter(**key).update(**bump)


def refusal_count_retention_days() -> int:
    """How long the counted refusals (`NationalRefusalCount`) are kept: DOLUONG_NATIONAL_REFUSAL_COUNT_RETENTION_DAYS,
    90 days by default (a quarter: long enough to look back at a flood, short enough that floods do not pile up)."""
    return int(getattr(settings, "DOLUONG_NATIONAL_REFUSAL_COUNT_RETENTION_DAYS", 90))


def prune_refusal_counts(now: dt.datetime | None = None) -> int:
    """Delete the counted refusals whose last refusal is older than the retention (`exchange_delivery` runs it
    on the worker); returns how many rows went. The refusals stored one by one are kept."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=refusal_count_retention_days())
    deleted, _by_model = NationalRefusalCount.objects.filter(last_at__lt=cutoff).delete()
    return deleted


def _refuse(
    code: str,
    source,
    headers: dict,
    body: bytes,
    reason: str,
    detail: str,
    client: str = "",
    *,
    limited: bool = False,
) -> int:
    """Record a refusal (one row), or above the limit count it; `limited`: limit this one whatever its reason (a
    body that is not a batch: anybody can send it)."""
    client = (client or "unknown")[:64]
    if (limited or reason in LIMITED) and _over_limit(client):
        _count_refusal(client, reason, code)
        return 429
    lower = {k.lower(): v for k, v in headers.items()}
    NationalRefusal.objects.create(
        province_code=code[:10],
        source=source,
        event_id=_text(lower.get("webhook-id"))[:64],
        reason=reason,
        detail=detail[:500],
        hash=hashlib.sha256(body).hexdigest(),
        received_at=timezone.now(),
        client=client,
    )
    return 400


def _shape(event: dict) -> str:
    """Why the event is not of the outbox's shape ('' when it is)."""
    kind, _sep, action = _text(event.get("type")).rpartition(".")
    obj = event.get("object")
    if not _is_uuid(event.get("id")):
        return "event id is not a UUID"
    if not kind or action not in ACTIONS:
        return f"event type {event.get('type')!r} is not <kind>.<created|updated|deleted>"
    if not isinstance(obj, dict) or not _text(obj.get("id")) or not isinstance(obj.get("version"), int):
        return "object id and version missing"
    if not isinstance(event.get("data"), dict) or not isinstance(event.get("sequence"), int):
        return "data or sequence missing"
    if parse_datetime(_text(event.get("occurred_at"))) is None:
        return "occurred_at is not a date-time"
    return ""


def receive(code: str, headers: dict, body: bytes, *, now: float | None = None, client: str = "") -> int:
    """One delivery of one event (the receiver endpoint): `receive_batch` of one. `client`: the sender's address
    (`verification.public.client_ip`), for the refusals' limit."""
    return receive_batch(code, [(headers, body)], now=now, client=client)[0]


#: what an event that cannot be stored (a value its column refuses) is answered: refused, recorded with the reason
STORE_ERRORS = (DatabaseError, ValueError, TypeError, OverflowError)


def receive_batch(code: str, deliveries, *, now: float | None = None, client: str = "") -> list[int]:
    """A delivery of several events `deliveries` = [(headers, body), …], each signed on its own: the source is
    read and its secret unsealed once, and the batch is ingested in ONE transaction with a savepoint per event,
    so that an event that cannot be stored (a date that does not exist, a value its column refuses) is refused
    with its reason (a `NationalRefusal` row) and rolled back alone, the others kept. Returns the statuses in
    order (204 stored, 200 duplicate — also the second copy of an event within the batch —, 400 refused, 429
    refused above the limit, 503 not stored because of a concurrent write: to be sent again). A crash mid-batch
    stores nothing of it: the sender sends it again and the events already received are duplicates."""
    deliveries = list(deliveries)
    source = NationalSource.objects.filter(province_id=code, is_active=True).first()
    keys = _keys(source) if source is not None else None
    statuses = []
    # one event: its savepoint below is its own transaction (no outer one to open and commit around it)
    with transaction.atomic() if len(deliveries) > 1 else contextlib.nullcontext():
        known = _receipted(deliveries) if source is not None else set()
        for headers, body in deliveries:
            statuses.append(_receive_one(code, source, keys, headers, body, now, client, known))
    return statuses


def _receipted(deliveries) -> set[str]:
    """The batch's event ids (their webhook-id headers) already receipted: one query for the batch."""
    ids = set()
    for headers, _body in deliveries:
        value = {k.lower(): v for k, v in headers.items()}.get("webhook-id")
        try:
            ids.add(str(uuid.UUID(str(value))))
        except ValueError:
            continue
    if not ids:
        return set()
    return {
        str(i) for i in NationalReceipt.objects.filter(event_id__in=ids).values_list("event_id", flat=True)
    }


def _keys(source: NationalSource) -> dict:
    """What a delivery of `source` is verified with, unsealed once per delivery: the secret, the previous one
    (when there is one) and until when it is accepted, the published key."""
    until = previous_secret_until(source)
    return {
        "secret": signing.open_secret(source.secret),
        "previous": signing.open_secret(source.previous_secret) if until else "",
        "previous_until": until,
        "public_key": source.public_key,
    }


def _verify(headers: dict, body: bytes, keys: dict, now: float | None, *, raw: bool = False) -> dict:
    """The HMAC with the secret — or with the previous one during its grace period (after it: refused, saying
    so) —, then the Ed25519 signature with the published key when one is set. `raw`: the signature only (a
    batch's own)."""
    try:
        event = verify_signature(headers, body, keys["secret"], now=now, raw=raw)
    except Refused as exc:
        if not keys["previous"] or str(exc) != "no valid signature":
            raise
        try:
            event = verify_signature(headers, body, keys["previous"], now=now, raw=raw)
        except Refused:
            raise exc from None
        at = now if now is not None else time.time()
        if at >= keys["previous_until"].timestamp():
            raise Refused(
                "signed with the previous secret, no longer accepted since "
                f"{keys['previous_until'].isoformat(timespec='seconds')}"
            ) from None
    if keys["public_key"]:
        verify_signature(headers, body, keys["public_key"], now=now, raw=raw)
    return event


def _receive_one(code, source, keys, headers, body, now, client, known: set[str]) -> int:
    """One event of a batch; `known`: the event ids receipted (before the batch and in it so far)."""
    if source is None:
        return _refuse(
            code, None, headers, body, NationalRefusal.Reason.UNKNOWN_SOURCE, "no active source", client
        )
    try:
        event = _verify(headers, body, keys, now)
    except Refused as exc:
        reason = (
            NationalRefusal.Reason.BAD_SCHEMA
            if str(exc).startswith("unknown schema version")
            else NationalRefusal.Reason.BAD_SIGNATURE
        )
        return _refuse(code, source, headers, body, reason, str(exc), client)
    if _uuid_text(event["id"]) in known:
        return _duplicate(event["id"])
    why = _shape(event)
    if why:
        return _refuse(code, source, headers, body, NationalRefusal.Reason.BAD_SCHEMA, why, client)
    if event.get("province") and event["province"] != code:
        return _refuse(
            code,
            source,
            headers,
            body,
            NationalRefusal.Reason.OTHER_PROVINCE,
            f"event of province {event['province']!r} from the source of {code!r}",
            client,
        )
    try:
        with transaction.atomic():  # the event's savepoint
            _store(source, event, body)
    except IntegrityError:
        if NationalReceipt.objects.filter(event_id=event["id"]).exists():  # receipted meanwhile
            return _duplicate(event["id"])
        return 503  # its object written meanwhile by another delivery: not stored, the sender retries
    except STORE_ERRORS as exc:
        detail = f"not stored: {type(exc).__name__}: {exc}"
        return _refuse(code, source, headers, body, NationalRefusal.Reason.BAD_SCHEMA, detail, client)
    known.add(_uuid_text(event["id"]))
    return 204


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _uuid_text(value) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return str(value)


def batch_max() -> int:
    return int(getattr(settings, "DOLUONG_NATIONAL_BATCH_MAX", 500))


def parse_batch(body: bytes) -> list[tuple[dict, bytes]]:
    """The batch endpoint's body — `{"deliveries": [{"headers": {webhook-id, webhook-timestamp,
    webhook-signature}, "body": "<the event's JSON, as signed>"}, …]}` — as [(headers, body bytes), …]; a
    ValueError says what is wrong (not JSON, not that shape, more than DOLUONG_NATIONAL_BATCH_MAX events)."""
    import json

    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("the batch is not JSON") from exc
    items = data.get("deliveries") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise ValueError('the batch has no "deliveries" list')
    if len(items) > batch_max():
        raise ValueError(f"the batch has {len(items)} deliveries, more than {batch_max()}")
    out = []
    for item in items:
        headers = item.get("headers") if isinstance(item, dict) else None
        text = item.get("body") if isinstance(item, dict) else None
        if not isinstance(headers, dict) or not isinstance(text, str):
            raise ValueError('each delivery is {"headers": {…}, "body": "…"}')
        out.append(({str(k): str(v) for k, v in headers.items()}, text.encode("utf-8")))
    return out


def _batch_signature(code: str, headers: dict, body: bytes, now: float | None) -> tuple:
    """The whole batch's own Standard Webhooks signature, when the request carries one (doluong's delivery signs
    every batch as a whole besides each event): (source, why it is refused, '' when authentic or absent)."""
    lower = {k.lower(): v for k, v in (headers or {}).items()}
    if "webhook-signature" not in lower:
        return None, ""
    source = NationalSource.objects.filter(province_id=code, is_active=True).first()
    if source is None:
        return None, ""  # each event is refused "unknown source" below
    try:
        _verify(lower, body, _keys(source), now, raw=True)
    except Refused as exc:
        return source, f"batch: {exc}"
    return source, ""


def receive_batch_body(
    code: str, body: bytes, *, headers: dict | None = None, now: float | None = None, client: str = ""
):
    """The batch endpoint's work: (status, results) — 200 and one {"id", "status"} per delivery, in order; or 400
    (or 429 above the limit) when the body is not a batch, recorded as one refusal "bad schema", or when the
    request's own signature (`headers`, when it carries one) does not verify, recorded as one refusal "bad
    signature" (each event is verified on its own in any case)."""
    source, why = _batch_signature(code, headers, body, now)
    if why:
        status = _refuse(code, source, headers or {}, body, NationalRefusal.Reason.BAD_SIGNATURE, why, client)
        return status, []
    try:
        deliveries = parse_batch(body)
    except ValueError as exc:
        status = _refuse(
            code, None, {}, body, NationalRefusal.Reason.BAD_SCHEMA, str(exc), client, limited=True
        )
        return status, []
    statuses = receive_batch(code, deliveries, now=now, client=client)
    ids = [{k.lower(): v for k, v in h.items()}.get("webhook-id", "") for h, _b in deliveries]
    return 200, [{"id": i, "status": s} for i, s in zip(ids, statuses, strict=True)]


def _duplicate(event_id) -> int:
    NationalReceipt.objects.filter(event_id=event_id).update(duplicates=F("duplicates") + 1)
    return 200


def _republish(source: NationalSource, event: dict) -> None:
    """The received event in this instance's own outbox, for its subscribers (in the receipt's savepoint: both or
    neither): the origin's event id (receivers that get it from both instances deduplicate it), type, object,
    version, time, data, its province, and `origin` = the source's province, so that it is not sent back to the
    source's instance (`Subscription.peer_province`) and not built as a local DCC. An event already in the
    outbox (one of this instance's own come back, or one the instances share a database for) is not written
    again."""
    from .models import OutboxEvent

    if OutboxEvent.objects.filter(event_id=event["id"]).exists():
        return
    OutboxEvent.objects.create(
        event_id=event["id"],
        type=event["type"][:80],
        schema_version=event.get("schema_version") or 1,
        model=_text(event["object"].get("model"))[:80] or event["type"].rpartition(".")[0][:80],
        object_pk=_text(event["object"]["id"])[:64],
        version=event["object"]["version"],
        province_code=(_text(event.get("province")) or source.province_id)[:2],
        payload=event["data"],
        occurred_at=parse_datetime(event["occurred_at"]),
        origin=source.province_id,
    )


def _store(source: NationalSource, event: dict, body: bytes) -> None:
    kind, _sep, action = event["type"].rpartition(".")
    now = timezone.now()
    NationalReceipt.objects.create(
        event_id=event["id"],
        source=source,
        event_type=event["type"][:80],
        kind=kind[:40],
        object_id=_text(event["object"]["id"])[:64],
        version=event["object"]["version"],
        sequence=event["sequence"],
        occurred_at=parse_datetime(event["occurred_at"]),
        received_at=now,
        hash=hashlib.sha256(body).hexdigest(),
    )
    _republish(source, event)
    if kind not in AGGREGATED:
        return
    model, columns = AGGREGATED[kind]
    key = {"province_id": source.province_id, "source_id": _text(event["object"]["id"])[:64]}
    version = event["object"]["version"]
    current = model.objects.select_for_update().filter(**key).first()
    if current is not None and current.version >= version:
        return  # a late, older version: kept out
    data = event["data"]
    values = {"version": version, "updated_at": now, "deleted": action == "deleted"}
    if action != "deleted":
        values.update(columns(data), data=data)
    if current is None:
        if action == "deleted":
            values.update(columns({}), data={})
        model.objects.create(**key, **values)
    else:
        for name, value in values.items():
            setattr(current, name, value)
        current.save()


def stats(now: dt.datetime | None = None) -> dict:
    """Per province: the live aggregated rows per kind, the receipts per kind, duplicates, refusals, the last
    receipt and the lag (its reception after its occurrence; the age of the last receipt)."""
    now = now or timezone.now()
    rows = {}
    for source in NationalSource.objects.select_related("province").order_by("province_id"):
        rows[source.province_id] = {
            "source": source,
            "organisations": 0,
            "instruments": 0,
            "certificates": 0,
            "receipts": {},
            "receipts_total": 0,
            "duplicates": 0,
            "refusals": 0,
            "last": None,
            "lag": None,
            "age": None,
        }
    for name, model in (
        ("organisations", NationalOrganisation),
        ("instruments", NationalInstrument),
        ("certificates", NationalCertificate),
    ):
        for code, count in (
            model.objects.filter(deleted=False).values_list("province_id").annotate(n=Count("id")).order_by()
        ):
            if code in rows:
                rows[code][name] = count
    for source_id, kind, count, dups in (
        NationalReceipt.objects.values_list("source__province_id", "kind")
        .annotate(n=Count("id"), d=Sum("duplicates"))
        .order_by()
    ):
        row = rows.get(source_id)
        if row is not None:
            row["receipts"][kind] = count
            row["receipts_total"] += count
            row["duplicates"] += dups or 0
    for code, count in (
        NationalRefusal.objects.values_list("province_code").annotate(n=Count("id")).order_by()
    ):
        if code in rows:
            rows[code]["refusals"] = count
    for source_id, last_id in (
        NationalReceipt.objects.values_list("source__province_id").annotate(m=Max("id")).order_by()
    ):
        last = NationalReceipt.objects.get(pk=last_id)
        row = rows[source_id]
        row["last"] = last
        row["lag"] = last.received_at - last.occurred_at
        row["age"] = now - last.received_at
    kinds = sorted({k for r in rows.values() for k in r["receipts"]})
    return {
        "rows": list(rows.values()),
        "kinds": kinds,
        "refusals": NationalRefusal.objects.count(),
        "suppressed": NationalRefusalCount.objects.aggregate(n=Sum("count"))["n"] or 0,
        "recent_refusals": list(NationalRefusal.objects.order_by("-id")[:10]),
    }


def check_certificate(number: str) -> list[dict]:
    """Which province issued certificate `number` and its status (several provinces may reuse a number)."""
    number = (number or "").strip()
    if not number:
        return []
    return [
        {
            "number": c.number,
            "province_code": c.province_id,
            "province": c.province.name,
            "status": c.status,
            "status_label": str(dict(CertificateStatus.choices).get(c.status, c.status)),
            "kind": c.kind,
            "issued_on": c.issued_on.isoformat() if c.issued_on else None,
            "valid_until": c.valid_until.isoformat() if c.valid_until else None,
            "instrument_type_code": c.instrument_type_code,
            "deleted": c.deleted,
        }
        for c in NationalCertificate.objects.filter(number=number)
        .select_related("province")
        .order_by("province_id")
    ]
