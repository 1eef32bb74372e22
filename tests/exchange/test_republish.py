"""National mode re-publishes what it receives: an event received from a province's instance is written, in the
receipt's savepoint, into the national instance's own outbox with the origin's event id, object, version and
province and `origin` = the source's province; its subscribers get it (the envelope says where it came from),
except the subscription whose receiver is that province's own instance (no loop back) and DCC subscribers; a
duplicate or a refused event re-publishes nothing."""

from __future__ import annotations

import json

import pytest
from tests.exchange.test_national_batch import envelope, signed

from doluong.exchange import aggregate, delivery, signing
from doluong.exchange.models import OutboxEvent, Subscription
from doluong.geo.models import Province

pytestmark = pytest.mark.django_db


def test_received_events_are_republished_with_their_origin_and_not_sent_back(settings, monkeypatch):
    settings.DOLUONG_NATIONAL_MODE = True
    origin, other = Province.objects.order_by("pk")[:2]
    _source, secret = aggregate.add_source(origin, public_key=signing.public_key())
    last = OutboxEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def subscribe(name, **extra):
        return Subscription.objects.create(
            name=name,
            url="http://127.0.0.1:9/hook",
            secret=signing.seal_secret(signing.new_secret()),
            cursor=last,
            **extra,
        )

    everyone = subscribe("Bộ")
    back = subscribe("Tỉnh nguồn", peer_province=origin)
    elsewhere = subscribe("Tỉnh khác", peer_province=other)
    dcc = subscribe("DCC", format="dcc")
    sent = []
    monkeypatch.setattr(
        delivery, "send", lambda url, body, headers: sent.append(json.loads(body)) or (204, "")
    )

    good = envelope(origin.pk, "instrument", obj=7, version=3)
    cal = envelope(origin.pk, "certificate", obj=8)
    cal["data"]["kind"] = "calibration"  # a DCC subscriber's kind, but not a certificate held here
    bad = envelope(origin.pk, "certificate", obj=9, valid_until="2027-02-30")  # refused: not stored
    batch = [signed(secret, e) for e in (good, cal, bad, good)]
    assert aggregate.receive_batch(origin.pk, batch) == [204, 204, 400, 200]

    events = list(OutboxEvent.objects.filter(pk__gt=last).order_by("pk"))
    assert [str(e.event_id) for e in events] == [good["id"], cal["id"]]  # the duplicate and the refused: none
    first = events[0]
    assert (first.type, first.object_pk, first.version, first.province_code, first.origin) == (
        "instrument.updated",
        "7",
        3,
        origin.pk,
        origin.pk,
    )
    assert first.payload == good["data"]

    assert delivery.deliver(everyone)["delivered"] == 2
    assert [e["id"] for e in sent] == [good["id"], cal["id"]]
    assert all(e["origin"] == origin.pk and e["province"] == origin.pk for e in sent)
    assert sent[0]["object"] == {"model": "instrument", "id": "7", "version": 3}
    sent.clear()
    assert delivery.deliver(back) == {"delivered": 0, "retrying": 0, "dead": 0, "skipped": 2}  # no loop back
    assert not sent
    assert delivery.deliver(elsewhere)["delivered"] == 2
    sent.clear()
    assert delivery.deliver(dcc)["delivered"] == 0 and not sent  # not a certificate held here
    lags = {r["subscription"].pk: r["lag"] for r in delivery.health()}
    assert lags[back.pk] == lags[dcc.pk] == 0
