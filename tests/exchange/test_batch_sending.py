"""The sending side's batches (`Subscription.batch_size` > 1) against the receiving side's batch endpoint, in one
process: the province's real delivery code (`delivery.request_for_batch`, the real signing) POSTs through the test
client to the national instance's `receive_batch` view — no network. Up to N events a signed request (each event
signed on its own, the request signed as a whole with HMAC and Ed25519); the cursor moves only past the events the
receiver acknowledged; an event the receiver refuses ("bad schema") in the middle of a batch is a failed attempt
of that event alone, retried with the same backoff and then a dead letter, while the events after it that were
acknowledged are not sent again."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from doluong.exchange import aggregate, delivery, receiver, signing
from doluong.exchange.models import (
    Delivery,
    ExchangeLog,
    NationalInstrument,
    NationalReceipt,
    NationalRefusal,
    OutboxEvent,
    Subscription,
)
from doluong.registry.models import Instrument

pytestmark = pytest.mark.django_db


@pytest.fixture
def national(settings, client, monkeypatch):
    """National mode on; a province registered as a source; the province's subscription to the batch endpoint with
    3 events a request, 2 attempts; its batch transport is the test client (the view itself answers)."""
    settings.DOLUONG_NATIONAL_MODE = True
    instruments = list(Instrument.objects.filter(province__isnull=False).order_by("pk")[:1])
    province = instruments[0].province
    source, secret = aggregate.add_source(province, public_key=signing.public_key(), name="Tỉnh thử")
    url = reverse("exchange_public:national_receive_batch", args=[province.pk])
    sub = Subscription(
        name="Quốc gia (theo lô)",
        url="http://127.0.0.1" + url,
        province=province,
        secret=signing.seal_secret(secret),
        batch_size=3,
        max_attempts=2,
        backoff_seconds=60,
    )
    sub.full_clean()
    sub.cursor = OutboxEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    sub.save()
    requests = []

    def send_batch(target, body, headers):
        assert target == sub.url
        requests.append({"headers": headers, "body": json.loads(body)})
        response = client.post(url, data=body, content_type="application/json", headers=headers)
        return response.status_code, "", response.content

    def no_single(*args):
        raise AssertionError("a batch subscription sent one event alone")

    monkeypatch.setattr(delivery, "send_batch", send_batch)
    monkeypatch.setattr(delivery, "send", no_single)
    start = sub.cursor
    for i, instrument in enumerate(Instrument.objects.filter(province=province).order_by("pk")[:5]):
        with transaction.atomic():
            instrument.notes = f"lô {i}"
            instrument.save()
    events = list(OutboxEvent.objects.filter(pk__gt=start).order_by("pk"))
    assert len(events) == 5 and {e.province_code for e in events} == {province.pk}
    return {
        "sub": sub,
        "secret": secret,
        "events": events,
        "requests": requests,
        "province": province,
        "start": start,
    }


def test_up_to_n_events_a_signed_request_and_the_cursor_after_the_last(national):
    sub, events, requests = national["sub"], national["events"], national["requests"]
    counts = delivery.deliver(sub)
    assert counts == {"delivered": 5, "retrying": 0, "dead": 0, "skipped": 0}
    assert [len(r["body"]["deliveries"]) for r in requests] == [3, 2]
    # the whole request is signed (HMAC with the subscriber's secret, Ed25519 with the published key) …
    first = requests[0]
    raw = json.dumps(first["body"], sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert receiver.verify_signature(first["headers"], raw, national["secret"], raw=True) == raw
    assert receiver.verify_signature(first["headers"], raw, signing.public_key(), raw=True) == raw
    assert first["headers"]["webhook-id"] == f"batch-{events[0].pk}-{events[2].pk}"
    # … and each event in it on its own, as a single delivery
    item = first["body"]["deliveries"][1]
    event = receiver.verify_signature(item["headers"], item["body"].encode(), signing.public_key())
    assert event["id"] == str(events[1].event_id)
    assert set(NationalReceipt.objects.values_list("event_id", flat=True)) == {e.event_id for e in events}
    assert NationalInstrument.objects.count() == 5
    assert Subscription.objects.get(pk=sub.pk).cursor == events[-1].pk
    logged = ExchangeLog.objects.filter(sequence__gt=events[0].pk - 1).order_by("id")
    assert [(r.sequence, r.outcome) for r in logged] == [(e.pk, "delivered") for e in events]
    assert delivery.chain_status()["ok"]
    # nothing left: a second run sends nothing
    assert delivery.deliver(sub)["delivered"] == 0 and len(requests) == 2


def test_a_refused_event_in_a_batch_is_retried_alone_then_dead_and_the_others_are_not_sent_twice(national):
    sub, events, requests = national["sub"], national["events"], national["requests"]
    bad = events[1]
    OutboxEvent.objects.filter(pk=bad.pk).update(
        type="instrument.moved"
    )  # not <kind>.<created|updated|deleted>
    counts = delivery.deliver(sub)
    # one request of three: the first and third stored, the second refused; the cursor stays before it
    assert len(requests) == 1 and counts == {"delivered": 2, "retrying": 1, "dead": 0, "skipped": 0}
    sub.refresh_from_db()
    assert sub.cursor == events[0].pk
    states = {d.event_id: d for d in Delivery.objects.filter(subscription=sub)}
    assert states[events[0].pk].status == states[events[2].pk].status == Delivery.Status.DELIVERED
    waiting = states[bad.pk]
    assert (waiting.status, waiting.attempts, waiting.last_error) == (
        Delivery.Status.PENDING,
        1,
        "HTTP 400 (in a batch)",
    )
    assert waiting.next_attempt_at - timezone.now() <= dt.timedelta(seconds=60)
    refusal = NationalRefusal.objects.get()
    assert (refusal.event_id, refusal.reason) == (str(bad.event_id), NationalRefusal.Reason.BAD_SCHEMA)
    log = list(ExchangeLog.objects.order_by("-id")[:3])[::-1]
    assert [(r.sequence, r.outcome, r.http_status) for r in log] == [
        (events[0].pk, "delivered", 204),
        (bad.pk, "retry", 400),
        (events[2].pk, "delivered", 204),
    ]

    # before its retry is due: nothing is sent (the order is kept)
    assert delivery.deliver(sub) == {"delivered": 0, "retrying": 1, "dead": 0, "skipped": 0}
    assert len(requests) == 1

    # after the backoff: the refused event again (its second and last attempt: a dead letter), the third one is
    # not sent again, the fourth and fifth follow in the same request; the cursor goes to the end
    later = timezone.now() + dt.timedelta(minutes=5)
    counts = delivery.deliver(sub, now=later)
    assert counts == {"delivered": 2, "retrying": 0, "dead": 1, "skipped": 0}
    assert [d["headers"]["webhook-id"] for d in requests[1]["body"]["deliveries"]] == [
        str(e.event_id) for e in (bad, events[3], events[4])
    ]
    sub.refresh_from_db()
    assert sub.cursor == events[-1].pk
    assert Delivery.objects.get(subscription=sub, event=bad).status == Delivery.Status.DEAD
    assert NationalRefusal.objects.filter(event_id=str(bad.event_id)).count() == 2
    good = [e.event_id for e in events if e.pk != bad.pk]
    assert set(NationalReceipt.objects.values_list("event_id", flat=True)) == set(good)
    assert (
        sum(NationalReceipt.objects.values_list("duplicates", flat=True)) == 0
    )  # each stored once, sent once
    assert delivery.chain_status()["ok"]

    # a replay re-sends everything (the refused event starts afresh: retried, then dead); the receiver deduplicates
    delivery.replay(sub, events[0].pk - 1)
    assert delivery.deliver(sub, now=later)["retrying"] == 1
    assert delivery.deliver(sub, now=later + dt.timedelta(minutes=5))["dead"] == 1
    sub.refresh_from_db()
    assert sub.cursor == events[-1].pk
    assert NationalReceipt.objects.count() == 4
    assert sum(NationalReceipt.objects.values_list("duplicates", flat=True)) == 4


def test_a_request_that_fails_as_a_whole_is_an_attempt_of_each_of_its_events(national, monkeypatch):
    sub, events, requests = national["sub"], national["events"], national["requests"]
    real = delivery.send_batch

    def tampered(target, body, headers):
        # the request's own signature no longer matches its body (an event left out on the way)
        data = json.loads(body)
        data["deliveries"] = data["deliveries"][:2]
        return real(target, json.dumps(data).encode(), headers)

    monkeypatch.setattr(delivery, "send_batch", tampered)
    counts = delivery.deliver(sub)
    assert counts == {"delivered": 0, "retrying": 3, "dead": 0, "skipped": 0}
    assert NationalReceipt.objects.count() == 0
    refusal = NationalRefusal.objects.get()
    assert refusal.reason == NationalRefusal.Reason.BAD_SIGNATURE and refusal.detail.startswith("batch:")
    states = Delivery.objects.filter(subscription=sub).order_by("event_id")
    assert [(d.event_id, d.attempts, d.last_error) for d in states] == [
        (e.pk, 1, "HTTP 400") for e in events[:3]
    ]
    sub.refresh_from_db()
    assert sub.cursor == national["start"]
    monkeypatch.setattr(delivery, "send_batch", real)
    counts = delivery.deliver(sub, now=timezone.now() + dt.timedelta(minutes=5))
    assert counts["delivered"] == 5 and NationalReceipt.objects.count() == 5
    assert len(requests) == 3  # the refused request, then 3 + 2


def test_a_batch_subscription_must_point_at_a_batch_endpoint_and_send_events(national):
    sub = national["sub"]
    sub.url = sub.url.removesuffix("batch/")
    with pytest.raises(ValidationError) as err:
        sub.full_clean()
    assert "url" in err.value.message_dict
    sub.url += "batch/"
    sub.format = Subscription.Format.DCC
    with pytest.raises(ValidationError) as err:
        sub.full_clean()
    assert "batch_size" in err.value.message_dict
    sub.format, sub.batch_size = (
        Subscription.Format.JSON,
        Subscription._meta.get_field("batch_size").validators[1].limit_value + 1,
    )
    with pytest.raises(ValidationError):
        sub.full_clean()
