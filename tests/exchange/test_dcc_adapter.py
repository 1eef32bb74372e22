"""The DCC export adapter's contract (offline): a "dcc" subscription receives a calibration certificate's change as
a DCC 3.1.2 document that validates against the shipped XSD and names the certificate; it is signed like every
delivery and verifies with the documented verifier (raw mode); verification certificates, deletions and other
kinds are skipped; the JSON subscriber still gets JSON; a DCC that cannot be built is a recorded failed attempt."""

from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree

import pytest
from django.db import transaction

from doluong.exchange import dcc_adapter, delivery, receiver, signing
from doluong.exchange.models import Delivery, ExchangeLog, OutboxEvent, Subscription
from doluong.registry.models import Instrument
from doluong.verification import dcc
from doluong.verification.models import Certificate

pytestmark = pytest.mark.django_db

DCC_NS = "https://ptb.de/dcc"


@pytest.fixture
def sent(monkeypatch):
    captured = []

    def send(url, body, headers):
        captured.append((url, body, headers))
        return 204, ""

    monkeypatch.setattr(delivery, "send", send)
    return captured


def _sub(fmt, secret):
    return Subscription.objects.create(
        name=f"Nhận {fmt}",
        url="http://127.0.0.1:9/hook",
        secret=signing.seal_secret(secret),
        format=fmt,
        cursor=OutboxEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
    )


def _save(obj):
    with transaction.atomic():
        obj.save()
    return OutboxEvent.objects.order_by("-pk").first()


def _calibration(kit):
    """A calibration certificate issued through the actions (the demo has none), as tests/verification does."""
    from doluong.parties.models import RegistrationScope
    from doluong.verification import actions

    RegistrationScope.objects.create(
        registration=kit.provider.registrations.first(), activity="calibration", instrument_type=kit.itype
    )
    record = actions.do_record_verification(
        **kit.args(
            kind="calibration",
            mpe_rule="",
            temperature="25.5",
            humidity="60",
            reviewer_name="Lê Văn Soát",
            points=[{"label": "5 kg", "nominal": "5", "found": "5.01", "unit": "kg", "uncertainty": "0.02"}],
        )
    )
    return actions.do_issue_certificate(record, user=kit.staff)


def test_a_calibration_certificate_is_delivered_as_a_valid_signed_dcc(sent, kit):
    secret = signing.new_secret()
    sub, json_sub = _sub("dcc", secret), _sub("json", secret)
    start = sub.cursor
    cal = _calibration(kit)
    ver = Certificate.objects.exclude(kind="calibration").order_by("pk").first()
    _save(ver)
    _save(Instrument.objects.order_by("pk").first())
    events = list(OutboxEvent.objects.filter(pk__gt=start).order_by("pk"))
    wanted = [e for e in events if dcc_adapter.wants(e)]
    assert wanted and {(e.type.split(".")[0], e.object_pk) for e in wanted} == {("certificate", str(cal.pk))}
    assert len(events) > len(wanted)  # the record, the instrument, the verification certificate: skipped
    lag = next(r for r in delivery.health() if r["subscription"].pk == sub.pk)["lag"]
    assert lag == len(wanted)  # the SQL filter agrees with wants()

    counts = delivery.deliver(sub)
    assert counts == {
        "delivered": len(wanted),
        "retrying": 0,
        "dead": 0,
        "skipped": len(events) - len(wanted),
    }
    assert len(sent) == len(wanted)
    url, body, headers = sent[0]
    assert headers["content-type"] == "application/xml" and headers["webhook-id"] == str(wanted[0].event_id)
    assert dcc.validate_dcc(body) == []
    root = ElementTree.fromstring(body)
    assert root.tag == f"{{{DCC_NS}}}digitalCalibrationCertificate"
    ident = root.find(f".//{{{DCC_NS}}}coreData/{{{DCC_NS}}}uniqueIdentifier")
    assert ident is not None and ident.text == cal.number
    # the documented verifier, raw: the XML bytes back; tampering refused
    assert receiver.verify_signature(headers, body, secret, raw=True) == body
    assert receiver.verify_signature(headers, body, signing.public_key(), raw=True) == body
    with pytest.raises(receiver.Refused):
        receiver.verify_signature(headers, body.replace(cal.number.encode(), b"X", 1), secret, raw=True)
    assert sub.cursor == OutboxEvent.objects.order_by("-pk").first().pk  # skipped events moved the cursor

    # the JSON subscriber is unchanged: every event, as JSON
    sent.clear()
    assert delivery.deliver(json_sub)["delivered"] == len(events)
    assert all(h["content-type"] == "application/json" for _u, _b, h in sent)


def test_a_dcc_that_cannot_be_built_is_a_recorded_failed_attempt(sent, monkeypatch, kit):
    sub = _sub("dcc", signing.new_secret())
    _calibration(kit)
    event = next(
        e for e in OutboxEvent.objects.filter(pk__gt=sub.cursor).order_by("pk") if dcc_adapter.wants(e)
    )

    def broken(cert):
        raise dcc.DCCError(["thiếu số hiệu"])

    monkeypatch.setattr("doluong.verification.dcc_export.to_dcc", broken)
    counts = delivery.deliver(sub)
    assert counts["retrying"] == 1 and not sent
    state = Delivery.objects.get(subscription=sub, event=event)
    assert state.status == Delivery.Status.PENDING and "thiếu số hiệu" in state.last_error
    assert ExchangeLog.objects.filter(event_id=event.event_id, outcome="retry").exists()


def _statuses(body: bytes) -> dict:
    """The DCC's status statement (and its "valid until" one when the certificate has a validity):
    {refType: (valid, declaration vi, date)}."""
    root = ElementTree.fromstring(body)
    out = {}
    for st in root.iter(f"{{{DCC_NS}}}statement"):
        ref = st.get("refType")
        if ref in ("doluong_status", "doluong_validUntil"):
            content = st.find(f"{{{DCC_NS}}}declaration/{{{DCC_NS}}}content[@lang='vi']")
            date = st.find(f"{{{DCC_NS}}}date")
            out[ref] = (
                st.find(f"{{{DCC_NS}}}valid").text,
                content.text if content is not None else "",
                date.text if date is not None else None,
            )
    return out


def test_each_dcc_is_the_certificate_as_at_its_event_not_at_delivery(sent, kit):
    """Issued (its events), then revoked (one more), all delivered afterwards: the DCCs of the events before the
    revocation say valid, the revocation's says revoked with its date and reason — though at delivery the
    certificate is revoked."""
    from doluong.verification import actions

    sub = _sub("dcc", signing.new_secret())
    cal = _calibration(kit)
    issued = [e for e in OutboxEvent.objects.filter(pk__gt=sub.cursor).order_by("pk") if dcc_adapter.wants(e)]
    assert issued
    actions.do_revoke_certificate(cal, user=kit.staff, reason="Sai số liệu điểm đo")
    cal.refresh_from_db()
    assert cal.status == "revoked"
    revoked = [
        e for e in OutboxEvent.objects.filter(pk__gt=issued[-1].pk).order_by("pk") if dcc_adapter.wants(e)
    ]
    assert [e.payload["status"] for e in revoked] == ["revoked"]

    assert delivery.deliver(sub)["delivered"] == len(issued) + 1
    assert len(sent) == len(issued) + 1
    for _url, body, _headers in sent[:-1]:
        assert dcc.validate_dcc(body) == []
        statuses = _statuses(body)
        assert statuses["doluong_status"] == ("true", "Giấy chứng nhận còn hiệu lực", None)
    last = sent[-1][1]
    assert dcc.validate_dcc(last) == []
    statuses = _statuses(last)
    assert statuses["doluong_status"] == (
        "false",
        "Giấy chứng nhận đã bị thu hồi. Lý do: Sai số liệu điểm đo",
        cal.status_changed_on.isoformat(),
    )

    # with a validity (a calibration certificate here has none), its "valid until" statement follows the status
    for event, valid in ((issued[-1], "true"), (revoked[0], "false")):
        until = (event.occurred_at + dt.timedelta(days=365)).date().isoformat()  # valid at the event
        dated = OutboxEvent(
            type=event.type,
            model=event.model,
            object_pk=event.object_pk,
            version=event.version,
            payload={**event.payload, "valid_until": until},
            occurred_at=event.occurred_at,
        )
        assert _statuses(dcc_adapter.body(dated))["doluong_validUntil"] == (
            valid,
            "Giấy chứng nhận có hiệu lực đến ngày",
            until,
        )

    # replayed later, the first event's DCC is still the valid certificate
    sent.clear()
    delivery.replay(sub, issued[0].pk - 1)
    delivery.deliver(sub, limit=1)
    assert _statuses(sent[0][1])["doluong_status"][0] == "true"
