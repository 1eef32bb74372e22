"""The outbox and its delivery: an event per change in the change's transaction; signed deliveries to a receiver on
loopback that verifies and deduplicates; a failing receiver → retries with backoff → dead letter → replay; the
hash-chained log; a tampered delivery refused by the documented verifier."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from doluong.exchange import delivery, receiver, signing
from doluong.exchange.models import Delivery, ExchangeLog, OutboxEvent, Subscription
from doluong.registry.models import Instrument

pytestmark = pytest.mark.django_db(transaction=False)


class Receiver:
    """A receiver on 127.0.0.1 (no network): verifies each delivery with receiver.verify, deduplicates by id."""

    def __init__(self, secret, public_key):
        self.secret, self.public_key = secret, public_key
        self.fail = 0  # answer 500 to this many requests first (-1: always)
        self.seen: list[str] = []
        self.requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["content-length"]))
                outer.requests += 1
                if outer.fail:
                    outer.fail -= 1 if outer.fail > 0 else 0
                    self.send_response(500)
                    self.end_headers()
                    return
                try:
                    event = receiver.verify(dict(self.headers), body, secret=outer.secret)
                    receiver.verify(dict(self.headers), body, public_key=outer.public_key)
                except receiver.Refused:
                    self.send_response(400)
                    self.end_headers()
                    return
                if event["id"] not in outer.seen:
                    outer.seen.append(event["id"])
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook():
    secret = signing.new_secret()
    rec = Receiver(secret, signing.public_key())
    sub = Subscription(
        name="Cơ sở dữ liệu thử", url=rec.url, secret=signing.seal_secret(secret), backoff_seconds=10
    )
    sub.full_clean()
    sub.cursor = OutboxEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    sub.save()
    yield sub, rec
    rec.close()


def _touch(n=3):
    rows = list(Instrument.objects.order_by("pk")[:n])
    for i, row in enumerate(rows):
        with transaction.atomic():
            row.site_address = f"Số {i} đường Thử"
            row.save()
    return rows


def test_a_change_writes_a_versioned_event_in_its_transaction():
    row = Instrument.objects.order_by("pk").first()
    before = OutboxEvent.objects.filter(model="registry.Instrument", object_pk=str(row.pk)).count()
    with transaction.atomic():
        row.notes = "một"
        row.save()
    with pytest.raises(RuntimeError), transaction.atomic():
        row.notes = "hai"
        row.save()
        raise RuntimeError("rolled back")
    events = OutboxEvent.objects.filter(model="registry.Instrument", object_pk=str(row.pk)).order_by("pk")
    assert events.count() == before + 1  # the rolled-back change left no event
    last = events.last()
    assert last.type == "instrument.updated" and last.version == before + 1
    assert last.payload["notes"] == "một" and last.province_code == row.province_id
    assert "search_text" not in last.payload


def test_every_event_is_delivered_once_signed_and_in_order(hook):
    sub, rec = hook
    _touch(3)
    new = list(OutboxEvent.objects.filter(pk__gt=sub.cursor).order_by("pk"))
    assert len(new) == 3
    counts = delivery.deliver(sub)
    assert counts["delivered"] == 3
    assert rec.seen == [str(e.event_id) for e in new]
    again = delivery.deliver(Subscription.objects.get(pk=sub.pk))
    assert again["delivered"] == 0 and rec.requests == 3
    assert delivery.verify_chain(delivery.export_log())


def test_a_failing_receiver_retries_with_backoff_then_dead_letter_then_replay(hook):
    sub, rec = hook
    sub.max_attempts = 3
    sub.save()
    _touch(2)
    first = OutboxEvent.objects.filter(pk__gt=sub.cursor).order_by("pk").first()
    rec.fail = -1
    now = timezone.now()
    assert delivery.deliver(sub, now=now)["retrying"] == 1
    state = Delivery.objects.get(subscription=sub, event=first)
    assert state.attempts == 1 and state.next_attempt_at == now + dt.timedelta(seconds=10)
    # before the backoff has passed, nothing is sent
    assert delivery.deliver(sub, now=now + dt.timedelta(seconds=5))["retrying"] == 1 and rec.requests == 1
    delivery.deliver(sub, now=now + dt.timedelta(seconds=11))
    state.refresh_from_db()
    assert state.attempts == 2 and state.next_attempt_at == now + dt.timedelta(seconds=11 + 20)
    counts = delivery.deliver(sub, now=now + dt.timedelta(seconds=40))
    state.refresh_from_db()
    assert state.status == Delivery.Status.DEAD and counts["dead"] >= 1
    # the receiver recovers; a replay from before the first event delivers everything, once each
    rec.fail = 0
    delivery.replay(sub, first.pk - 1)
    later = now + dt.timedelta(hours=1)
    while delivery.deliver(Subscription.objects.get(pk=sub.pk), now=later)["delivered"]:
        later += dt.timedelta(hours=1)
    sub.refresh_from_db()
    wanted = [str(e.event_id) for e in OutboxEvent.objects.filter(pk__gte=first.pk).order_by("pk")]
    assert rec.seen == wanted and sub.cursor == OutboxEvent.objects.order_by("-pk").first().pk
    # a second replay re-sends; the receiver deduplicates by the event id
    delivery.replay(sub, first.pk - 1)
    delivery.deliver(Subscription.objects.get(pk=sub.pk), now=later + dt.timedelta(hours=1))
    assert rec.seen == wanted
    outcomes = list(ExchangeLog.objects.filter(event_id=first.event_id).values_list("outcome", flat=True))
    assert outcomes[:3] == ["retry", "retry", "dead"] and outcomes.count("delivered") == 2
    assert delivery.health()


def test_the_delivery_runs_as_a_job_kind():
    from doluong.core import jobs

    assert "exchange_delivery" in jobs.kinds()


def test_the_verifier_refuses_tampering_and_stale_or_unknown_deliveries():
    secret = signing.new_secret()
    event = OutboxEvent.objects.order_by("pk").first()
    body = json.dumps(event.envelope()).encode()
    ts = int(timezone.now().timestamp())
    headers = signing.headers(secret, str(event.event_id), ts, body)
    assert receiver.verify(headers, body, secret=secret, now=ts)["id"] == str(event.event_id)
    assert receiver.verify(headers, body, public_key=signing.public_key(), now=ts)
    tampered = body.replace(b'"sequence"', b'"sequencE"')
    for kwargs in ({"secret": secret}, {"public_key": signing.public_key()}):
        with pytest.raises(receiver.Refused):
            receiver.verify(headers, tampered, now=ts, **kwargs)
    with pytest.raises(receiver.Refused):
        receiver.verify(headers, body, secret=signing.new_secret(), now=ts)
    with pytest.raises(receiver.Refused):
        receiver.verify(headers, body, secret=secret, now=ts + 3600)
    future = json.dumps({**event.envelope(), "schema_version": 99}).encode()
    with pytest.raises(receiver.Refused):
        receiver.verify(
            signing.headers(secret, str(event.event_id), ts, future), future, secret=secret, now=ts
        )
    # the exchange key is its own: not the root key
    from doluong.verification.signing import root_public

    assert signing.public_key() != root_public()


def test_verify_signature_takes_the_secret_or_the_public_key():
    """The one documented function: the key's form says which signature is checked; anything wrong is Refused."""
    secret = signing.new_secret()
    event = OutboxEvent.objects.order_by("pk").first()
    body = json.dumps(event.envelope()).encode()
    ts = int(timezone.now().timestamp())
    headers = {k.upper(): v for k, v in signing.headers(secret, str(event.event_id), ts, body).items()}
    assert receiver.verify_signature(headers, body, secret, now=ts)["id"] == str(event.event_id)
    assert receiver.verify_signature(headers, body, signing.public_key(), now=ts)["sequence"] == event.pk
    # only the HMAC part: the public key finds no v1a signature
    only_hmac = {**headers, "WEBHOOK-SIGNATURE": headers["WEBHOOK-SIGNATURE"].split()[0]}
    assert receiver.verify_signature(only_hmac, body, secret, now=ts)
    for key in (signing.public_key(), signing.new_secret(), "not-base64!", "", "AAAA"):
        with pytest.raises(receiver.Refused):
            receiver.verify_signature(
                only_hmac if key == signing.public_key() else headers, body, key, now=ts
            )
    with pytest.raises(receiver.Refused):
        receiver.verify_signature(headers, body + b" ", secret, now=ts)


def test_the_log_chain_breaks_when_an_entry_is_edited(hook):
    sub, rec = hook
    _touch(2)
    delivery.deliver(sub)
    entries = delivery.export_log()
    assert len(entries) >= 2 and delivery.verify_chain(entries)
    entries[0]["outcome"] = "dead"
    assert not delivery.verify_chain(entries)
    assert not delivery.verify_chain(delivery.export_log()[1:])


def test_a_subscriber_url_outside_the_allowed_hosts_is_refused():
    sub = Subscription(
        name="Ngoài", url="http://example.org/hook", secret=signing.seal_secret(signing.new_secret())
    )
    with pytest.raises(ValidationError):
        sub.full_clean()
    sub.url = "https://example.org/hook"
    sub.full_clean()
    assert signing.open_secret(sub.secret).startswith("whsec_") and "whsec_" not in sub.secret


def test_subscriptions_are_the_provinces_officers(user_for):
    Subscription.objects.create(name="Đồng Tháp", url="https://a.example/h", province_id="82", secret="x")
    Subscription.objects.create(name="Cần Thơ", url="https://b.example/h", province_id="92", secret="x")
    seen = set(Subscription.objects.restrict(user_for("dt.sokhcn")).values_list("name", flat=True))
    assert seen == {"Đồng Tháp"}
    for persona in ("dt.doanhnghiep", "dt.kiemdinh", "ct.xa"):
        assert not Subscription.objects.restrict(user_for(persona)).exists()
