"""The national adapter's contract (offline): every event kind of the outbox, as a vn-metrology record, validates
against the committed JSON Schema; the schema file is the one the maps build; no person's data is sent; a
national store ingesting a province's deliveries converges to the province's data, deduplicates and refuses bad
deliveries with a record; the data dictionary page lists every exported field."""

from __future__ import annotations

import json
import time

import jsonschema
import pytest
from django.apps import apps
from django.urls import reverse

from doluong.exchange import national, peer, signing
from doluong.exchange.management.commands.exchange_schema import SCHEMA_FILE, text
from doluong.exchange.models import OutboxEvent
from doluong.exchange.outbox import TRACKED

pytestmark = pytest.mark.django_db


def _validator():
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def test_the_committed_schema_is_the_one_the_maps_build():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == text()
    assert set(national.ATTRIBUTES) == set(TRACKED.values())


def test_every_event_kind_validates_against_the_schema():
    validator = _validator()
    last = OutboxEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for label in TRACKED:
        obj = apps.get_model(label).objects.order_by("pk").first()
        assert obj is not None, label
        obj.save()  # an "updated" event through the signals
    org = apps.get_model("parties.Organisation").objects.create(
        name="Công ty Hợp đồng Thử", kind="enterprise", province_id="82", tax_code="1801234567"
    )
    org.delete()
    events = list(OutboxEvent.objects.filter(pk__gt=last).order_by("pk"))
    kinds = {(e.type.rpartition(".")[0], e.type.rpartition(".")[2]) for e in events}
    assert {k for k, _a in kinds} == set(TRACKED.values())
    assert ("organisation", "created") in kinds and ("organisation", "deleted") in kinds
    for event in events:
        envelope = event.envelope()
        for action in ("created", "updated", "deleted"):  # every action of every kind
            variant = {**envelope, "type": f"{envelope['type'].rpartition('.')[0]}.{action}"}
            if action == "deleted":
                variant["data"] = {}
            record = national.to_record(variant)
            errors = sorted(validator.iter_errors(record), key=str)
            assert not errors, (event.type, action, [e.message for e in errors[:3]])
    instrument = next(e for e in events if e.type == "instrument.updated")
    record = national.to_record(instrument.envelope())
    obj = apps.get_model("registry.Instrument").objects.get(pk=instrument.object_pk)
    assert record["masterData"]["group2Code"] == obj.instrument_type.code
    assert record["masterData"]["provinceCode"] == obj.province_id
    assert record["masterData"]["communeCode"] == (obj.commune_id or None)


def test_the_schema_has_teeth():
    validator = _validator()
    event = OutboxEvent(
        pk=7,
        type="organisation.updated",
        model="parties.Organisation",
        object_pk="5",
        version=2,
        province_code="82",
        payload={"name": "X", "kind": "enterprise", "is_active": True, "province_id": "82", "tax_code": "12"},
        occurred_at=__import__("datetime").datetime(2026, 11, 2, tzinfo=__import__("datetime").UTC),
    )
    record = national.to_record(event.envelope())
    messages = [e.message for e in validator.iter_errors(record)]
    assert any("does not match" in m for m in messages)  # the tax code "12"
    record["masterData"]["taxCode"] = "1801234567"
    assert not list(validator.iter_errors(record))
    record["attributes"]["phone"] = "0912345678"  # not a declared attribute
    assert list(validator.iter_errors(record))
    del record["attributes"]["phone"]
    record["schemaVersion"] = "2.0.0"
    assert list(validator.iter_errors(record))


def test_no_person_data_is_sent():
    record = apps.get_model("verification.VerificationRecord").objects.exclude(reviewer_name="").first()
    assert record is not None
    last = OutboxEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    record.save()
    event = OutboxEvent.objects.filter(pk__gt=last, type="record.updated").get()
    assert record.reviewer_name in json.dumps(event.payload, ensure_ascii=False)  # the local event has it
    assert record.reviewer_name not in json.dumps(national.to_record(event.envelope()), ensure_ascii=False)


def _province_changes():
    """A province's day: an organisation made and changed, another made and deleted, instruments edited, a
    certificate's status changed. Returns the events written."""
    Organisation = apps.get_model("parties.Organisation")
    Instrument = apps.get_model("registry.Instrument")
    last = OutboxEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    org = Organisation.objects.create(name="Công ty Đồng bộ A", kind="enterprise", province_id="82")
    org.name = "Công ty Đồng bộ A (đổi tên)"
    org.save()
    gone = Organisation.objects.create(name="Công ty Đồng bộ B", kind="enterprise", province_id="82")
    gone.delete()
    for instrument in Instrument.objects.filter(province_id="82").order_by("pk")[:5]:
        instrument.notes = "đã kiểm tra"
        instrument.save()
        instrument.measuring_range = "0–100 kg"
        instrument.save()
    cert = apps.get_model("verification.Certificate").objects.filter(province_id="82").order_by("pk").first()
    cert.notes = "ghi chú"
    cert.save()
    return list(OutboxEvent.objects.filter(pk__gt=last).order_by("pk"))


def test_province_to_national_converges_exactly_once():
    events = _province_changes()
    store = peer.NationalStore(public_keys={"82": signing.public_key()})
    deliveries = [peer.delivery(e) for e in events]
    # out of order (the second half first), then everything again (retries and a replay)
    half = len(deliveries) // 2
    for headers, body in deliveries[half:] + deliveries[:half]:
        assert store.ingest(headers, body, "82") == 204
    for headers, body in deliveries:
        assert store.ingest(headers, body, "82") == 200
    assert store.duplicates == len(events) and not store.refusals
    # the national view equals the province's current data, object by object
    expected = {}
    for event in events:
        model = apps.get_model(event.model)
        current = model.objects.filter(pk=event.object_pk).first()
        ident = ("82", event.type.rpartition(".")[0], event.object_pk)
        if current is None:
            expected.pop(ident, None)
            continue
        from doluong.exchange.outbox import snapshot

        latest = max(e.version for e in events if e.model == event.model and e.object_pk == event.object_pk)
        envelope = {**event.envelope(), "data": snapshot(current)}
        expected[ident] = national.to_record(envelope)["attributes"] | {"_version": latest}
    live = {k: v["attributes"] | {"_version": v["entity"]["version"]} for k, v in store.live().items()}
    assert live == expected
    assert ("82", "organisation", str(events[0].object_pk)) in live
    assert live[("82", "organisation", events[0].object_pk)]["name"] == "Công ty Đồng bộ A (đổi tên)"


def test_bad_deliveries_are_refused_with_a_record():
    event = _province_changes()[0]
    store = peer.NationalStore(public_keys={"82": signing.public_key()})
    headers, body = peer.delivery(event)
    tampered = body.replace("Đồng bộ A".encode(), "Đồng bộ Z".encode())
    assert store.ingest(headers, tampered, "82") == 400
    assert store.ingest(headers, body, "92") == 400  # no key for that instance
    envelope = {**event.envelope(), "schema_version": 2}
    v2 = json.dumps(envelope, sort_keys=True, separators=(",", ":")).encode()
    v2_headers = signing.headers(signing.new_secret(), str(event.event_id), int(time.time()), v2)
    assert store.ingest(v2_headers, v2, "82") == 400
    stale = signing.headers(signing.new_secret(), str(event.event_id), int(time.time()) - 3600, body)
    assert store.ingest(stale, body, "82") == 400
    reasons = [r["reason"] for r in store.refusals]
    assert reasons[0] == "no valid signature" and "unknown province" in reasons[1]
    assert "unknown schema version 2" in reasons[2] and "timestamp" in reasons[3]
    assert all(r["event_id"] == str(event.event_id) for r in store.refusals)
    assert not store.entities and not store.seen  # nothing stored
    assert store.ingest(headers, body, "82") == 204  # the authentic one still goes through


def test_the_data_dictionary_page_lists_every_exported_field(client):
    page = client.get(reverse("exchange_public:dictionary"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Từ điển dữ liệu" in html
    for kind, attrs in national.ATTRIBUTES.items():
        assert f'data-section="{kind}"' in html
        for attr in attrs:
            assert f"<code>{attr.name}</code>" in html, (kind, attr.name)
    for name, _p, _m in national.MASTER:
        assert f"<code>{name}</code>" in html
    schema = client.get(reverse("exchange_public:schema"))
    assert schema.status_code == 200 and json.loads(schema.content)["$id"] == national.SCHEMA_ID
