"""Bulk loads write their outbox events in the load's transaction, batched: N instruments loaded → exactly N
events of the right kind, version and payload; a reload that changes them → "updated" events, version 2; a
rejected load or one that fails during its merge → no rows and no events; records loaded → their events and the
events of the instruments they moved forward."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.bulk.conftest import instrument_file
from tests.bulk.test_organisations_records import RECORD_HEADER

from doluong.exchange import outbox
from doluong.exchange.models import OutboxEvent

pytestmark = pytest.mark.django_db

N = 450


def _after(start):
    return OutboxEvent.objects.filter(pk__gt=start).order_by("pk")


def _last():
    return OutboxEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_a_bulk_load_of_n_instruments_writes_n_events_batched(refdata, load, monkeypatch):
    from doluong.registry.models import Instrument

    monkeypatch.setattr(outbox, "BATCH", 200)  # three batches for 450 rows
    content, _bad = instrument_file(refdata, rows=N, bad=0, seed=11)
    start = _last()
    with CaptureQueriesContext(connection) as queries:
        result = load("instruments", content, source="outbox-test")
    assert result.ok and result.inserted == N
    loaded = {str(i.pk): i for i in Instrument.objects.filter(source="outbox-test")}
    events = list(_after(start))
    assert len(events) == N
    assert {e.object_pk for e in events} == set(loaded)
    for event in events:
        row = loaded[event.object_pk]
        assert event.type == "instrument.created" and event.model == "registry.Instrument"
        assert event.version == 1 and event.province_code == row.province_id == "92"
        assert event.payload["serial"] == row.serial and event.payload["commune_id"] == row.commune_id
        assert event.payload["valid_until"] == (row.valid_until.isoformat() if row.valid_until else None)
        assert "search_text" not in event.payload
    # batched: the events' INSERTs are a handful of statements, not one per row
    inserts = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('INSERT INTO "exchange_outboxevent"')
    ]
    assert 1 <= len(inserts) <= 8  # SQLite splits a multi-row INSERT by its variable limit

    # the same file again changes nothing → no event; changed addresses → one "updated" event each, version 2
    start = _last()
    again = load("instruments", content, source="outbox-test")
    assert again.unchanged == N and _after(start).count() == 0
    changed = content.replace("đường 30/4".encode(), "đường Lê Lợi".encode())
    result = load("instruments", changed, source="outbox-test")
    assert result.updated == N
    events = list(_after(start))
    assert len(events) == N and {e.type for e in events} == {"instrument.updated"}
    assert {e.version for e in events} == {2}
    assert all("Lê Lợi" in e.payload["site_address"] for e in events)


def test_a_rejected_load_writes_no_events(refdata, load):
    content, expected = instrument_file(refdata, rows=200, bad=3, seed=12)
    start = _last()
    result = load("instruments", content, source="outbox-bad")
    assert result.error_count and not result.loaded
    assert _after(start).count() == 0


def test_a_load_failing_in_its_merge_writes_neither_rows_nor_events(refdata, load):
    from doluong.registry.models import Instrument

    content, _bad = instrument_file(refdata, rows=200, bad=0, seed=13)
    start, before = _last(), Instrument.objects.count()

    def boom(step):
        if step == "updated":  # after the INSERT, before the merge's transaction commits
            raise RuntimeError("máy chủ dừng")

    with pytest.raises(RuntimeError):
        load("instruments", content, source="outbox-fail", on_merge_step=boom)
    assert Instrument.objects.count() == before and _after(start).count() == 0


def test_a_records_load_writes_record_and_instrument_events(load):
    from doluong.parties.models import Organisation
    from doluong.registry.models import Instrument
    from doluong.verification.models import VerificationRecord
    from doluong.verification.permissions import servable_instruments

    provider = (
        Organisation.objects.filter(kind="service_provider", province_id="92").exclude(tax_code="").first()
    )
    day = dt.date(2026, 10, 10)
    instruments = [
        i
        for i in servable_instruments(provider, Instrument.objects.filter(province_id="92"))
        .exclude(serial="")
        .select_related("instrument_type")
        .order_by("pk")
        if i.instrument_type.rule_on(day) is not None
        and (i.last_verified_on is None or i.last_verified_on < day)
    ][:4]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(RECORD_HEADER)
    for n, i in enumerate(instruments):
        writer.writerow(
            [f"OUTBOX-{n}", "Kiểm định định kỳ", provider.tax_code, i.instrument_type.code, i.manufacturer,
             i.serial, day.strftime("%d/%m/%Y"), "Đạt"]
        )  # fmt: skip
    start = _last()
    result = load("records", buffer.getvalue().encode("utf-8"))
    assert result.ok and result.inserted == len(instruments) == 4
    records = {str(r.pk): r for r in VerificationRecord.objects.filter(number__startswith="OUTBOX-")}
    events = list(_after(start))
    record_events = [e for e in events if e.model == "verification.VerificationRecord"]
    instrument_events = [e for e in events if e.model == "registry.Instrument"]
    assert {e.object_pk for e in record_events} == set(records)
    assert {e.type for e in record_events} == {"record.created"}
    assert all(e.payload["number"] == records[e.object_pk].number for e in record_events)
    assert {e.object_pk for e in instrument_events} == {str(i.pk) for i in instruments}
    assert {e.type for e in instrument_events} == {"instrument.updated"}
    assert all(e.payload["last_verified_on"] == day.isoformat() for e in instrument_events)
    assert len(events) == 8
