"""National mode end to end, in one test database: a province instance's outbox events are delivered by the real
delivery code and the real signing (`delivery.request_for` → `signing.headers`) to the national receiver endpoint
through the test client; the aggregated tables hold the province's current objects; a replayed delivery is
counted once; a tampered delivery, another province's secret, an unknown source and an unknown schema version are
refused and recorded; national mode off → 404; the statistics page and the cross-province certificate check."""

from __future__ import annotations

import json
import time

import pytest
from django.db import transaction
from django.urls import reverse

from doluong.exchange import aggregate, delivery, signing
from doluong.exchange.models import (
    NationalCertificate,
    NationalInstrument,
    NationalOrganisation,
    NationalReceipt,
    NationalRefusal,
    OutboxEvent,
    Subscription,
)
from doluong.geo.models import Province
from doluong.parties.models import Organisation, Verifier
from doluong.registry.models import Instrument
from doluong.verification.models import Certificate

pytestmark = pytest.mark.django_db


def untranslated(html: str) -> list[str]:
    """tests/core/test_no_english's checker (it imports its neighbour test_i18n by the directory on sys.path)."""
    import sys
    from pathlib import Path

    core = str(Path(__file__).resolve().parents[1] / "core")
    if core not in sys.path:
        sys.path.append(core)
    from test_no_english import untranslated as check

    return check(html)


@pytest.fixture
def national(settings, client, monkeypatch):
    """National mode on; the province of a demo certificate registered as a source with its own secret, and a
    second province with another; the province instance's subscription pointing at our receiver endpoint, its
    transport the test client."""
    settings.DOLUONG_NATIONAL_MODE = True
    cert = Certificate.objects.filter(province__isnull=False, instrument__isnull=False).order_by("pk").first()
    province = cert.province
    other = Province.objects.exclude(pk=province.pk).order_by("pk").first()
    source, secret = aggregate.add_source(province, public_key=signing.public_key(), name="Tỉnh thử")
    _other_source, other_secret = aggregate.add_source(other, public_key=signing.public_key())
    url = reverse("exchange_public:national_receive", args=[province.pk])
    sub = Subscription.objects.create(
        name="Cơ sở dữ liệu quốc gia",
        url="http://127.0.0.1" + url,
        province=province,
        secret=signing.seal_secret(secret),
        cursor=OutboxEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
    )
    answers = []

    def send(target, body, headers):
        assert target.endswith(url)
        response = client.post(url, data=body, content_type="application/json", headers=headers)
        answers.append(response.status_code)
        return response.status_code, ""

    monkeypatch.setattr(delivery, "send", send)
    return {
        "cert": cert,
        "province": province,
        "other": other,
        "source": source,
        "secret": secret,
        "other_secret": other_secret,
        "sub": sub,
        "url": url,
        "answers": answers,
        "client": client,
    }


def _changes(province, cert):
    """Changes at the province: an organisation created and renamed, an instrument and the certificate saved, a
    verifier saved (a kind the aggregate only receipts)."""
    with transaction.atomic():
        org = Organisation.objects.create(
            name="Công ty Đo lường Quốc gia Thử", kind="enterprise", province=province, tax_code="1801234567"
        )
    with transaction.atomic():
        org.name = "Công ty Đo lường Quốc gia Thử (đổi tên)"
        org.save()
    instrument = cert.instrument
    with transaction.atomic():
        instrument.site_address = "Số 1 đường Thử"
        instrument.save()
    with transaction.atomic():
        cert.notes = "thử"
        cert.save()
    verifier = Verifier.objects.filter(organisation__province=province).order_by("pk").first()
    if verifier is not None:
        with transaction.atomic():
            verifier.save()
    return org, instrument, verifier


def test_a_province_outbox_converges_in_the_national_tables_once(national):
    province, cert, sub = national["province"], national["cert"], national["sub"]
    start = sub.cursor
    org, instrument, verifier = _changes(province, cert)
    events = list(OutboxEvent.objects.filter(pk__gt=start, province_code=province.pk).order_by("pk"))
    assert len(events) >= 4
    counts = delivery.deliver(sub)
    assert counts["delivered"] == len(events) and counts["retrying"] == counts["dead"] == 0
    assert set(national["answers"]) == {204}
    assert NationalReceipt.objects.count() == len(events)
    assert set(NationalReceipt.objects.values_list("event_id", flat=True)) == {e.event_id for e in events}

    n_org = NationalOrganisation.objects.get(province=province, source_id=str(org.pk))
    assert n_org.name == "Công ty Đo lường Quốc gia Thử (đổi tên)" and n_org.version == 2
    assert n_org.tax_code == "1801234567"
    n_inst = NationalInstrument.objects.get(province=province, source_id=str(instrument.pk))
    assert n_inst.instrument_type_code == instrument.instrument_type.code  # added to the outbox's payload
    assert n_inst.serial == instrument.serial
    n_cert = NationalCertificate.objects.get(province=province, source_id=str(cert.pk))
    assert (n_cert.number, n_cert.status, n_cert.valid_until) == (cert.number, cert.status, cert.valid_until)
    assert n_cert.instrument_type_code == instrument.instrument_type.code
    if verifier is not None:  # receipted and counted, not aggregated
        assert NationalReceipt.objects.filter(kind="verifier", object_id=str(verifier.pk)).count() == 1

    # everything delivered again (a replay): acknowledged, counted once, nothing changes
    before = {m: m.objects.count() for m in (NationalOrganisation, NationalInstrument, NationalCertificate)}
    delivery.replay(sub, start)
    national["answers"].clear()
    assert delivery.deliver(sub)["delivered"] == len(events)
    assert set(national["answers"]) == {200}
    assert NationalReceipt.objects.count() == len(events)
    assert sum(NationalReceipt.objects.values_list("duplicates", flat=True)) == len(events)
    assert {m: m.objects.count() for m in before} == before
    assert NationalRefusal.objects.count() == 0

    # a deletion at the province marks the aggregated row
    with transaction.atomic():
        org.delete()
    delivery.deliver(sub)
    n_org.refresh_from_db()
    assert n_org.deleted and n_org.version == 3

    # the statistics page and the cross-province check
    client = national["client"]
    page = client.get(reverse("exchange_public:national"))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-province="{province.pk}"' in html and province.name in html
    assert untranslated(html) == []
    row = next(r for r in aggregate.stats()["rows"] if r["source"].province_id == province.pk)
    assert row["certificates"] == 1 and row["instruments"] == 1 and row["organisations"] == 0
    assert row["receipts_total"] == len(events) + 1 and row["duplicates"] == len(events)
    assert row["last"] is not None and row["lag"].total_seconds() >= 0
    api = client.get(reverse("exchange_public:national_certificate_api"), {"n": cert.number}).json()
    assert [(r["province_code"], r["status"]) for r in api["results"]] == [(province.pk, cert.status)]
    check = client.get(reverse("exchange_public:national_certificate"), {"n": cert.number})
    assert check.status_code == 200 and province.name in check.content.decode()
    assert untranslated(check.content.decode()) == []
    none = client.get(reverse("exchange_public:national_certificate"), {"n": "KHÔNG-CÓ-SỐ-NÀY"})
    assert 'id="national-none"' in none.content.decode()


def _signed(national, secret=None, mutate=None):
    cert = national["cert"]
    with transaction.atomic():
        cert.notes = "ký thử"
        cert.save()
    event = OutboxEvent.objects.order_by("-pk").first()
    envelope = event.envelope()
    if mutate:
        mutate(envelope)
    body = json.dumps(envelope, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    headers = signing.headers(secret or national["secret"], envelope["id"], int(time.time()), body)
    return event, body, headers


def _post(national, body, headers, code=None):
    url = reverse("exchange_public:national_receive", args=[code or national["province"].pk])
    return national["client"].post(url, data=body, content_type="application/json", headers=headers)


def test_bad_deliveries_are_refused_and_recorded(national):
    # a tampered body
    event, body, headers = _signed(national)
    tampered = body.replace(b'"notes":"k', b'"notes":"K')
    assert tampered != body
    assert _post(national, tampered, headers).status_code == 400
    refusal = NationalRefusal.objects.get()
    assert refusal.reason == NationalRefusal.Reason.BAD_SIGNATURE and refusal.event_id == str(event.event_id)
    assert refusal.source == national["source"] and refusal.hash
    # signed with the other province's secret: refused at this province's endpoint
    event, body, headers = _signed(national, secret=national["other_secret"])
    assert _post(national, body, headers).status_code == 400
    assert NationalRefusal.objects.filter(reason="bad_signature", event_id=str(event.event_id)).exists()
    # and the right secret at the other province's endpoint: the HMAC fails there too
    event, body, headers = _signed(national)
    assert _post(national, body, headers, code=national["other"].pk).status_code == 400
    # an unknown source
    assert _post(national, body, headers, code="99").status_code == 400
    assert NationalRefusal.objects.filter(reason="unknown_source", province_code="99").exists()
    # an unknown schema version (correctly signed)
    event, body, headers = _signed(national, mutate=lambda e: e.update(schema_version=2))
    assert _post(national, body, headers).status_code == 400
    assert NationalRefusal.objects.filter(reason="bad_schema", event_id=str(event.event_id)).exists()
    # a malformed event (correctly signed)
    event, body, headers = _signed(national, mutate=lambda e: e.update(type="nonsense"))
    assert _post(national, body, headers).status_code == 400
    assert NationalRefusal.objects.filter(reason="bad_schema", event_id=str(event.event_id)).exists()
    # an event of another province from this source
    other = national["other"].pk
    event, body, headers = _signed(national, mutate=lambda e: e.update(province=other))
    assert _post(national, body, headers).status_code == 400
    assert NationalRefusal.objects.filter(reason="other_province", event_id=str(event.event_id)).exists()
    assert NationalReceipt.objects.count() == 0 and NationalCertificate.objects.count() == 0
    # the same good delivery is stored once
    event, body, headers = _signed(national)
    assert _post(national, body, headers).status_code == 204
    assert _post(national, body, headers).status_code == 200
    assert NationalReceipt.objects.get().duplicates == 1
    # GET is not a delivery
    url = reverse("exchange_public:national_receive", args=[national["province"].pk])
    assert national["client"].get(url).status_code == 405
    stats = national["client"].get(reverse("exchange_public:national")).content.decode()
    assert "Chữ ký không hợp lệ" in stats  # the refusals are on the public page, in Vietnamese
    assert untranslated(stats) == []


def test_national_mode_off_is_404(settings, client):
    settings.DOLUONG_NATIONAL_MODE = False
    province = Instrument.objects.order_by("pk").first().province_id
    url = reverse("exchange_public:national_receive", args=[province])
    assert client.post(url, data=b"{}", content_type="application/json").status_code == 404
    assert client.get(reverse("exchange_public:national")).status_code == 404
    assert client.get(reverse("exchange_public:national_certificate"), {"n": "1"}).status_code == 404
    assert client.get(reverse("exchange_public:national_certificate_api"), {"n": "1"}).status_code == 404
    assert NationalRefusal.objects.count() == 0


def test_the_command_registers_a_source_and_prints_its_secret_once(settings):
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    from doluong.exchange.models import NationalSource

    province = Instrument.objects.order_by("pk").first().province_id
    out = io.StringIO()
    call_command("national_source", province, "--public-key", signing.public_key(), stdout=out)
    secret = out.getvalue().strip()
    source = NationalSource.objects.get(province_id=province)
    assert (
        secret.startswith("whsec_")
        and source.secret != secret
        and signing.open_secret(source.secret) == secret
    )
    with pytest.raises(CommandError):
        call_command("national_source", province, stdout=io.StringIO())  # one source per province
    with pytest.raises(CommandError):
        call_command("national_source", "99", stdout=io.StringIO())
