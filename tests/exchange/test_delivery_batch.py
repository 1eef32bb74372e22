"""Delivery in batches: one transaction per batch (states, log entries, cursor), still at least once — a crash
after the POSTs and before the batch's commit leaves the cursor where it was, the next run sends the batch again,
and the receiver (deduplicating by the event id) has every event exactly once."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from tests.exchange.test_outbox import Receiver

from doluong.exchange import delivery, signing
from doluong.exchange.models import Delivery, ExchangeLog, OutboxEvent, Subscription
from doluong.registry.models import Instrument

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def hook():
    secret = signing.new_secret()
    rec = Receiver(secret, signing.public_key())
    sub = Subscription.objects.create(
        name="Theo lô",
        url=rec.url,
        secret=signing.seal_secret(secret),
        cursor=OutboxEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
    )
    for i, row in enumerate(Instrument.objects.order_by("pk")[:5]):
        with transaction.atomic():
            row.notes = f"lô {i}"
            row.save()
    yield sub, rec
    rec.close()


def test_one_cursor_write_and_one_log_insert_per_batch(hook):
    sub, rec = hook
    with CaptureQueriesContext(connection) as queries:
        counts = delivery.deliver(sub, batch=2)
    assert counts["delivered"] == 5 and len(rec.seen) == 5
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum(s.startswith('UPDATE "exchange_subscription"') for s in sql) == 3  # batches of 2, 2, 1
    assert sum(s.startswith('INSERT INTO "exchange_exchangelog"') for s in sql) == 3
    assert sum(s.startswith('INSERT INTO "exchange_delivery"') for s in sql) == 3
    assert Subscription.objects.get(pk=sub.pk).cursor == OutboxEvent.objects.order_by("-pk").first().pk
    assert delivery.chain_status()["ok"]


def test_a_crash_before_the_batch_commits_resends_it_and_the_receiver_dedups(hook, monkeypatch):
    sub, rec = hook
    start = sub.cursor
    real = delivery.log_many
    calls = {"n": 0}

    def crash_on_second_batch(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("tiến trình bị dừng")
        return real(*args, **kwargs)

    monkeypatch.setattr(delivery, "log_many", crash_on_second_batch)
    with pytest.raises(RuntimeError):
        delivery.deliver(sub, batch=3)
    sub = Subscription.objects.get(pk=sub.pk)
    events = list(OutboxEvent.objects.filter(pk__gt=start).order_by("pk"))
    # the first batch committed; the second was POSTed but not committed: the cursor stays after the first
    assert sub.cursor == events[2].pk and rec.requests == 5
    assert Delivery.objects.filter(subscription=sub).count() == 3
    monkeypatch.setattr(delivery, "log_many", real)
    assert delivery.deliver(sub, batch=3)["delivered"] == 2
    assert rec.requests == 7  # the two uncommitted events were sent again …
    assert rec.seen == [str(e.event_id) for e in events]  # … and the receiver kept each once
    assert ExchangeLog.objects.filter(outcome="delivered", sequence__gt=start).count() == 5
    assert delivery.chain_status()["ok"]
