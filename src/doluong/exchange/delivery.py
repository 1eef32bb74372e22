"""Delivering the outbox to subscribers, in order, from each subscriber's cursor.

In batches of DOLUONG_EXCHANGE_DELIVERY_BATCH events (100): each event after the cursor that the subscriber wants
is POSTed (signed, see `signing`; `Subscription.batch_size` events a request), then the batch's delivery states,
log entries and cursor are written in one transaction (at least once: a crash before that commit re-sends the
batch, and receivers deduplicate by the event id). A 2xx answer delivers an event and moves the cursor on; anything
else (an error status, a timeout — DOLUONG_EXCHANGE_TIMEOUT_SECONDS —, a refused connection) is an attempt: the
event waits `backoff_seconds × 2^(attempt-1)` before the next one, and the batch stops there so that events stay in
order; after `max_attempts` attempts the event is a dead letter and the cursor moves past it. `replay(sub, from)`
moves the cursor back (receivers deduplicate by the event id, the webhook-id header). Every attempt is written to
the hash-chained exchange log."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import signing
from .models import Delivery, ExchangeLog, OutboxEvent, Subscription

GENESIS = "0" * 64


def _entry_hash(previous: str, entry: dict) -> str:
    return hashlib.sha256(
        (previous + json.dumps(entry, sort_keys=True, separators=(",", ":"))).encode()
    ).hexdigest()


def _log_fields(row: ExchangeLog) -> dict:
    return {
        "at": row.at.isoformat(),
        "subscription": row.subscription_name,
        "url": row.url,
        "event_id": str(row.event_id),
        "sequence": row.sequence,
        "attempt": row.attempt,
        "outcome": row.outcome,
        "http_status": row.http_status,
        "detail": row.detail,
    }


def log_many(sub, entries) -> list[ExchangeLog]:
    """Append `entries` = [(event, attempt, outcome, http status, detail, at), …] to the chained log, in order, in
    one transaction: the last entry is locked once, the chain is computed here and the rows inserted together."""
    with transaction.atomic():
        last = ExchangeLog.objects.select_for_update().order_by("-id").first()
        previous = last.hash if last else GENESIS
        rows = []
        for event, attempt, outcome, status, detail, at in entries:
            row = ExchangeLog(
                at=at,
                subscription_name=sub.name,
                url=sub.url,
                event_id=event.event_id,
                sequence=event.pk,
                attempt=attempt,
                outcome=outcome,
                http_status=status,
                detail=(detail or "")[:500],
                previous_hash=previous,
            )
            row.hash = previous = _entry_hash(previous, _log_fields(row))
            rows.append(row)
        # bulk_create inserts in the list's order, so the ids follow the chain
        ExchangeLog.objects.bulk_create(rows)
        return rows


def log(sub, event, attempt, outcome, status, detail) -> ExchangeLog:
    return log_many(sub, [(event, attempt, outcome, status, detail, timezone.now())])[0]


def export_log() -> list[dict]:
    return [
        {**_log_fields(r), "previous_hash": r.previous_hash, "hash": r.hash}
        for r in ExchangeLog.objects.all()
    ]


def verify_chain(entries: list[dict]) -> bool:
    previous = GENESIS
    for entry in entries:
        fields = {k: v for k, v in entry.items() if k not in ("previous_hash", "hash")}
        if entry["previous_hash"] != previous or _entry_hash(previous, fields) != entry["hash"]:
            return False
        previous = entry["hash"]
    return True


def request_for(sub: Subscription, event: OutboxEvent) -> tuple[str, bytes, dict]:
    """What is POSTed for `event` to `sub`: the URL, the body (the envelope, canonical JSON) and the signed
    Standard Webhooks headers. A "dcc" subscription gets the certificate's DCC XML (`dcc_adapter.body`)."""
    if sub.format == Subscription.Format.DCC:
        from . import dcc_adapter

        body = dcc_adapter.body(event)
    else:
        body = json.dumps(
            event.envelope(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
    secret = signing.open_secret(sub.secret)
    headers = signing.headers(secret, str(event.event_id), int(time.time()), body)
    if sub.format == Subscription.Format.DCC:
        headers["content-type"] = "application/xml"
    return sub.url, body, headers


def timeout() -> float:
    """A delivery request's timeout in seconds: DOLUONG_EXCHANGE_TIMEOUT_SECONDS (10)."""
    return float(getattr(settings, "DOLUONG_EXCHANGE_TIMEOUT_SECONDS", 10))


def batch_default() -> int:
    """Events per delivery transaction: DOLUONG_EXCHANGE_DELIVERY_BATCH (100)."""
    return int(getattr(settings, "DOLUONG_EXCHANGE_DELIVERY_BATCH", 100))


def send(url: str, body: bytes, headers: dict) -> tuple[int | None, str]:
    """The HTTP POST itself: (status, error); None when no answer came (timeout, refused connection)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout()) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        return None, str(getattr(exc, "reason", exc))


def post(sub: Subscription, event: OutboxEvent) -> tuple[int | None, str]:
    try:
        request = request_for(sub, event)
    except ValueError as exc:  # a DCC that cannot be built (dcc.DCCError, a removed certificate): an attempt
        return None, str(exc)[:500]
    return send(*request)


def request_for_batch(sub: Subscription, events: list[OutboxEvent]) -> tuple[str, bytes, dict]:
    """What is POSTed for several events to a doluong national instance's batch endpoint (`sub.batch_size` > 1):
    the body `{"deliveries": [{"headers": {…}, "body": "<the envelope>"}, …]}` (canonical JSON; each event signed
    on its own exactly as a single delivery, which is what the receiver verifies and deduplicates by), and the
    Standard Webhooks headers of the whole body (HMAC "v1," and Ed25519 "v1a,", webhook-id "batch-<first>-<last>"
    sequence), so that the request as a whole is authentic too."""
    secret = signing.open_secret(sub.secret)
    timestamp = int(time.time())
    deliveries = []
    for event in events:
        body = json.dumps(
            event.envelope(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
        headers = signing.headers(secret, str(event.event_id), timestamp, body)
        headers.pop("content-type", None)
        deliveries.append({"headers": headers, "body": body.decode()})
    body = json.dumps(
        {"deliveries": deliveries}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()
    batch_id = f"batch-{events[0].pk}-{events[-1].pk}"
    return sub.url, body, signing.headers(secret, batch_id, timestamp, body)


def send_batch(url: str, body: bytes, headers: dict) -> tuple[int | None, str, bytes]:
    """The HTTP POST of a batch: (status, error, the answer's body); None when no answer came."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout()) as response:
            return response.status, "", response.read(1_000_000)
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}", b""
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        return None, str(getattr(exc, "reason", exc)), b""


def post_batch(sub: Subscription, events: list[OutboxEvent]) -> list[tuple[int | None, str]]:
    """POST `events` in one request; each event's (status, error), in order. The receiver answers 200 and
    `{"results": [{"id", "status"}, …]}` in the events' order: an event is delivered when its own status is 2xx
    (204 stored, 200 duplicate), else its status is a failed attempt of that event alone (400 refused, 429, 503).
    A request that fails as a whole (no answer, another status, an answer that does not list these events) is a
    failed attempt of each of them."""
    status, error, answer = send_batch(*request_for_batch(sub, events))
    if status != 200:
        return [(status, error or f"HTTP {status}")] * len(events)
    try:
        results = json.loads(answer)["results"]
        ids = [str(r["id"]) for r in results]
        statuses = [int(r["status"]) for r in results]
    except (ValueError, KeyError, TypeError):
        return [(None, "batch: the answer does not list the events' results")] * len(events)
    if ids != [str(e.event_id) for e in events]:
        return [(None, "batch: the answer's events are not those sent")] * len(events)
    return [(s, "" if 200 <= s < 300 else f"HTTP {s} (in a batch)") for s in statuses]


def deliver(
    sub: Subscription, *, limit: int = 500, now: dt.datetime | None = None, batch: int | None = None
) -> dict:
    """Up to `limit` events for one subscriber, in transactions of `batch` events (their states, log entries and
    the cursor commit together; default DOLUONG_EXCHANGE_DELIVERY_BATCH, 100); returns counts. Safe to run again: a
    delivered event is never re-sent unless the cursor is replayed."""
    now = now or timezone.now()
    batch = max(1, batch or batch_default())
    counts = {"delivered": 0, "retrying": 0, "dead": 0, "skipped": 0}
    events = list(OutboxEvent.objects.filter(pk__gt=sub.cursor).order_by("pk")[:limit])
    for at in range(0, len(events), batch):
        if _deliver_batch(sub, events[at : at + batch], now, counts):
            break
    return counts


def _deliver_batch(sub: Subscription, events: list[OutboxEvent], now: dt.datetime, counts: dict) -> bool:
    """POST the batch's events in order (no transaction is held during the HTTP calls), `sub.batch_size` events a
    request, then write their delivery states, their log entries and the cursor in ONE transaction. At least once:
    a process killed before that commit leaves the cursor where it was and the events are sent again; receivers
    deduplicate by the event id. The cursor moves only past events that are handled (delivered, dead letters,
    skipped), in order: an event that waits for its retry stops it, and the events after it that the receiver
    acknowledged in the same request are marked delivered and are not sent again when the cursor passes them.
    Returns True when the batch stopped at an event that waits for its retry (the order is kept)."""
    states = {
        d.event_id: d
        for d in Delivery.objects.filter(
            subscription=sub, event_id__in=[e.pk for e in events if sub.wants(e)]
        )
    }
    size = sub.batch_size if sub.batch_size > 1 and sub.format == Subscription.Format.JSON else 1
    handled: set[int] = set()  # the events the cursor may pass
    done, chunk, stop = [], [], False

    def flush() -> bool:
        """Send the chunk (one request), record each event's outcome; True when one of them is to be retried."""
        if not chunk:
            return False
        answers = post_batch(sub, [e for e, _s in chunk]) if size > 1 else [post(sub, chunk[0][0])]
        retry = False
        for (event, state), (status, error) in zip(chunk, answers, strict=True):
            state.attempts += 1
            if status is not None and 200 <= status < 300:
                state.status, state.last_error, state.next_attempt_at = Delivery.Status.DELIVERED, "", None
                outcome = "delivered"
            elif state.attempts >= sub.max_attempts:
                state.status, state.last_error, state.next_attempt_at = Delivery.Status.DEAD, error, None
                outcome = "dead"
            else:
                state.status, state.last_error = Delivery.Status.PENDING, error
                state.next_attempt_at = now + dt.timedelta(
                    seconds=sub.backoff_seconds * 2 ** (state.attempts - 1)
                )
                outcome = "retry"
            done.append((event, state, outcome, status, error, timezone.now()))
            counts[{"delivered": "delivered", "dead": "dead", "retry": "retrying"}[outcome]] += 1
            if outcome == "retry":
                retry = True
            else:
                handled.add(event.pk)
        chunk.clear()
        return retry

    for event in events:
        if not sub.wants(event):
            handled.add(event.pk)
            counts["skipped"] += 1
            continue
        state = states.get(event.pk) or Delivery(subscription=sub, event=event)
        if state.status in (Delivery.Status.DELIVERED, Delivery.Status.DEAD):
            handled.add(event.pk)  # acknowledged in an earlier request (after an event that was retried)
            continue
        if state.status == Delivery.Status.PENDING and state.next_attempt_at and state.next_attempt_at > now:
            if not flush():
                counts["retrying"] += 1
            stop = True
            break  # keep the order: wait for this one
        chunk.append((event, state))
        if len(chunk) >= size and flush():
            stop = True
            break
    else:
        stop = flush()
    cursor = sub.cursor
    for event in events:
        if event.pk not in handled:
            break
        cursor = event.pk
    with transaction.atomic():
        new = [state for _e, state, *_rest in done if state.pk is None]
        old = [state for _e, state, *_rest in done if state.pk is not None]
        if new:
            Delivery.objects.bulk_create(new)
        if old:
            Delivery.objects.bulk_update(old, ["status", "attempts", "next_attempt_at", "last_error"])
        if done:
            log_many(
                sub,
                [
                    (e, state.attempts, outcome, status, error, at)
                    for e, state, outcome, status, error, at in done
                ],
            )
        if cursor != sub.cursor:
            Subscription.objects.filter(pk=sub.pk).update(cursor=cursor)
    sub.cursor = cursor
    return stop


def replay(sub: Subscription, from_sequence: int) -> None:
    """Deliver again every event after `from_sequence` (dead letters included: their state starts afresh)."""
    with transaction.atomic():
        Delivery.objects.filter(subscription=sub, event_id__gt=from_sequence).delete()
        sub.cursor = max(0, from_sequence)
        Subscription.objects.filter(pk=sub.pk).update(cursor=sub.cursor)


def deliver_all(**kwargs) -> dict:
    totals: dict[str, int] = {}
    for sub in Subscription.objects.filter(is_active=True).order_by("pk"):
        for key, value in deliver(sub, **kwargs).items():
            totals[key] = totals.get(key, 0) + value
    return totals


def chain_status() -> dict:
    """The exchange log's hash chain, read in id order: {"ok": True, "entries": n} or {"ok": False, "entries": n,
    "broken_at": the id of the first entry whose previous hash or own hash does not follow}."""
    previous, count = GENESIS, 0
    for row in ExchangeLog.objects.order_by("id").iterator(chunk_size=2000):
        count += 1
        if row.previous_hash != previous or _entry_hash(previous, _log_fields(row)) != row.hash:
            return {"ok": False, "entries": count, "broken_at": row.pk}
        previous = row.hash
    return {"ok": True, "entries": count, "broken_at": None}


def wanted_q(sub: Subscription):
    """`Subscription.wants` as a filter over OutboxEvent."""
    from django.db.models import Q

    q = Q()
    if sub.province_id:
        q &= Q(province_code=sub.province_id)
    if sub.peer_province_id:
        q &= ~Q(origin=sub.peer_province_id)
    if sub.format == Subscription.Format.DCC:
        from . import dcc_adapter

        q &= dcc_adapter.wanted_q()
    prefixes = [p.strip() for p in sub.event_types.split(",") if p.strip()]
    if prefixes:
        alternatives = Q()
        for prefix in prefixes:
            alternatives |= Q(type__startswith=prefix)
        q &= alternatives
    return q


FAILURES_SHOWN = 5
DEAD_SHOWN = 20


def health(now: dt.datetime | None = None) -> list[dict]:
    """Per subscriber: the cursor, the lag (events after its cursor that it wants, not yet delivered, and the age
    of the oldest), the retrying and dead-lettered deliveries, and its latest failed attempts from the log."""
    now = now or timezone.now()
    last = OutboxEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    rows = []
    for sub in Subscription.objects.select_related("province").order_by("name"):
        waiting = OutboxEvent.objects.filter(wanted_q(sub), pk__gt=sub.cursor, pk__lte=last)
        oldest = waiting.order_by("pk").values_list("occurred_at", flat=True).first()
        states = Delivery.objects.filter(subscription=sub)
        dead = states.filter(status=Delivery.Status.DEAD).select_related("event").order_by("event_id")
        rows.append(
            {
                "subscription": sub,
                "cursor": sub.cursor,
                "last": last,
                "lag": waiting.count(),
                "oldest_at": oldest,
                "oldest_age": (now - oldest) if oldest else None,
                "retrying": states.filter(status=Delivery.Status.PENDING).count(),
                "dead": dead.count(),
                "dead_rows": list(dead[:DEAD_SHOWN]),
                "failures": list(
                    ExchangeLog.objects.filter(
                        subscription_name=sub.name, outcome__in=("retry", "dead")
                    ).order_by("-id")[:FAILURES_SHOWN]
                ),
            }
        )
    return rows
