"""National mode: a delivery of several events (`aggregate.receive_batch`, the batch endpoint).

The source's secret is unsealed once for the batch; the batch is one transaction with a savepoint per event: an
event that cannot be stored (a date that does not exist) is refused with its reason and the others are kept; a
second copy of an event in the same batch is a duplicate; a crash mid-batch stores nothing of it, and sending the
batch again stores every event once. The single-event endpoint refuses the same bad event (before: an error 500,
nothing recorded). The batch endpoint answers each event's status; a body that is not a batch is refused and
recorded."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid

import pytest
from django.urls import reverse

from doluong.exchange import aggregate, signing
from doluong.exchange.models import NationalCertificate, NationalInstrument, NationalReceipt, NationalRefusal
from doluong.geo.models import Province

pytestmark = pytest.mark.django_db


@pytest.fixture
def source(settings):
    settings.DOLUONG_NATIONAL_MODE = True
    province = Province.objects.order_by("pk").first()
    source, secret = aggregate.add_source(province, public_key=signing.public_key())
    return {"source": source, "secret": secret, "code": province.pk}


def envelope(code, kind="instrument", obj=1, version=1, **data):
    base = (
        {"serial": f"S-{obj}", "status": "in_use", "instrument_type_code": "8.1", "owner_id": 1}
        if kind == "instrument"
        else {"number": f"C-{obj}", "status": "valid", "kind": "periodic", "valid_until": "2027-12-31"}
    )
    return {
        "id": str(uuid.uuid4()),
        "sequence": obj * 10 + version,
        "type": f"{kind}.updated",
        "schema_version": 1,
        "object": {"model": kind, "id": str(obj), "version": version},
        "province": code,
        "occurred_at": dt.datetime.now(dt.UTC).isoformat(),
        "data": {**base, **data},
    }


def signed(secret, env) -> tuple[dict, bytes]:
    body = json.dumps(env, sort_keys=True, separators=(",", ":")).encode()
    return signing.headers(secret, env["id"], int(time.time()), body), body


def test_a_batch_unseals_once_and_keeps_the_good_events_around_a_bad_one(source, monkeypatch):
    code, secret = source["code"], source["secret"]
    opened = []
    real_open = signing.open_secret
    monkeypatch.setattr(signing, "open_secret", lambda sealed: opened.append(1) or real_open(sealed))
    first = envelope(code, "instrument", obj=1)
    impossible = envelope(code, "certificate", obj=2, valid_until="2027-02-30")  # no 30 February
    third = envelope(code, "instrument", obj=3)
    tampered_headers, tampered_body = signed(secret, envelope(code, "instrument", obj=4))
    tampered_body = tampered_body.replace(b'"S-4"', b'"S-5"')
    batch = [
        signed(secret, first),
        signed(secret, impossible),
        signed(secret, third),
        signed(secret, first),  # the same event again in the same batch
        (tampered_headers, tampered_body),
    ]
    statuses = aggregate.receive_batch(code, batch)
    assert statuses == [204, 400, 204, 200, 400]
    assert len(opened) == 1  # one unseal for the five events
    assert set(NationalReceipt.objects.values_list("event_id", flat=True)) == {
        uuid.UUID(first["id"]),
        uuid.UUID(third["id"]),
    }
    assert NationalReceipt.objects.get(event_id=first["id"]).duplicates == 1
    assert sorted(NationalInstrument.objects.values_list("serial", flat=True)) == ["S-1", "S-3"]
    assert NationalCertificate.objects.count() == 0
    refused = {r.event_id: r for r in NationalRefusal.objects.all()}
    assert refused[impossible["id"]].reason == NationalRefusal.Reason.BAD_SCHEMA
    assert "not stored: ValueError" in refused[impossible["id"]].detail
    assert refused[tampered_headers["webhook-id"]].reason == NationalRefusal.Reason.BAD_SIGNATURE
    assert len(refused) == 2


def test_a_crash_mid_batch_stores_nothing_and_the_batch_sent_again_is_stored_once(source, monkeypatch):
    code, secret = source["code"], source["secret"]
    batch = [signed(secret, envelope(code, "instrument", obj=n)) for n in range(1, 5)]
    real_store = aggregate._store
    calls = []

    def crashing(src, event, body):
        calls.append(event["id"])
        if len(calls) == 3:
            raise RuntimeError("the process dies here")
        real_store(src, event, body)

    monkeypatch.setattr(aggregate, "_store", crashing)
    with pytest.raises(RuntimeError):
        aggregate.receive_batch(code, batch)
    assert NationalReceipt.objects.count() == 0 and NationalInstrument.objects.count() == 0  # one transaction
    monkeypatch.setattr(aggregate, "_store", real_store)
    assert aggregate.receive_batch(code, batch) == [204] * 4
    assert aggregate.receive_batch(code, batch) == [200] * 4
    assert NationalReceipt.objects.count() == 4 and NationalInstrument.objects.count() == 4


def test_the_single_endpoint_refuses_an_event_it_cannot_store(source, client):
    code, secret = source["code"], source["secret"]
    env = envelope(code, "certificate", obj=7, issued_on="2026-13-01")
    headers, body = signed(secret, env)
    url = reverse("exchange_public:national_receive", args=[code])
    response = client.post(url, data=body, content_type="application/json", headers=headers)
    assert response.status_code == 400
    refusal = NationalRefusal.objects.get()
    assert (refusal.event_id, refusal.reason) == (env["id"], NationalRefusal.Reason.BAD_SCHEMA)
    assert NationalReceipt.objects.count() == 0


def test_the_batch_endpoint_answers_each_event(source, client):
    code, secret = source["code"], source["secret"]
    good = envelope(code, "certificate", obj=1)
    bad = envelope(code, "certificate", obj=2, valid_until="2027-02-30")
    deliveries = []
    for env in (good, bad):
        headers, body = signed(secret, env)
        deliveries.append({"headers": headers, "body": body.decode()})
    url = reverse("exchange_public:national_receive_batch", args=[code])
    response = client.post(url, data={"deliveries": deliveries}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["results"] == [
        {"id": good["id"], "status": 204},
        {"id": bad["id"], "status": 400},
    ]
    assert NationalCertificate.objects.get().number == "C-1"
    # a body that is not a batch: refused and recorded
    for body in (b"not json", b'{"deliveries": []}', b'{"deliveries": [{"headers": 1}]}'):
        assert client.post(url, data=body, content_type="application/json").status_code == 400
    assert NationalRefusal.objects.filter(reason=NationalRefusal.Reason.BAD_SCHEMA, event_id="").count() == 3
    assert client.get(url).status_code == 405


def test_the_batch_endpoint_is_404_outside_national_mode(settings, client):
    settings.DOLUONG_NATIONAL_MODE = False
    url = reverse("exchange_public:national_receive_batch", args=["01"])
    assert client.post(url, data=b"{}", content_type="application/json").status_code == 404


def test_an_event_id_that_is_not_a_uuid_is_refused_alone(source):
    code, secret = source["code"], source["secret"]
    odd = {**envelope(code, "instrument", obj=1), "id": "not-a-uuid"}
    good = envelope(code, "instrument", obj=2)
    assert aggregate.receive_batch(code, [signed(secret, odd), signed(secret, good)]) == [400, 204]
    refusal = NationalRefusal.objects.get()
    assert (refusal.event_id, refusal.reason) == ("not-a-uuid", NationalRefusal.Reason.BAD_SCHEMA)
    assert NationalReceipt.objects.get().event_id == uuid.UUID(good["id"])
