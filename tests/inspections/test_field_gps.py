"""Field work, the server side of GPS and signatures: a check's position as the phone gave it (or recorded as
absent, never invented), signatures drawn on the screen synced idempotently, and the seal covering their bytes."""

import hashlib
import uuid
from decimal import Decimal

import pytest
import test_field as tf  # tests/inspections is on the path (pytest's rootdir-relative import)

from doluong.inspections import seal as sealing
from doluong.inspections.models import InstrumentCheck, Signature

_check, _png, _post = tf._check, tf._png, tf._post
world = tf.world  # the same fixture as the field tests

pytestmark = pytest.mark.django_db


def _sig_rec(visit, content, cid=None, role="inspector", signer="Lê Minh Tâm"):
    return {
        "type": "signature",
        "client_id": str(cid or uuid.uuid4()),
        "inspection": visit.pk,
        "role": role,
        "signer": signer,
        "signed_at": "2026-06-01T08:30:00+07:00",
        "sha256": hashlib.sha256(content).hexdigest(),
    }


GPS = dict(
    location_status="recorded",
    latitude=10.0452181234,
    longitude=105.7469012345,
    location_accuracy=12.345,
    located_at="2026-06-01T01:20:00.000Z",
    location_note="",
)


def test_check_with_gps_stored_as_given(world, client_for):
    cid = uuid.uuid4()
    (res,) = _post(client_for("ct.xa"), [_check(world["visit"], cid, **GPS)])
    assert res["status"] == "applied", res
    c = InstrumentCheck.objects.get(uuid=cid)
    assert (c.location_status, c.latitude, c.longitude, c.location_accuracy) == (
        "recorded",
        Decimal("10.045218"),
        Decimal("105.746901"),
        Decimal("12.3"),
    )
    assert c.located_at.isoformat() == "2026-06-01T01:20:00+00:00"
    assert res["server"]["latitude"] == "10.045218"


def test_absent_gps_recorded_as_absent_never_invented(world, client_for):
    cid = uuid.uuid4()
    absent = dict(location_status="absent", location_note="Thiết bị không hỗ trợ định vị")
    (res,) = _post(client_for("ct.xa"), [_check(world["visit"], cid, **absent)])
    assert res["status"] == "applied", res
    c = InstrumentCheck.objects.get(uuid=cid)
    assert c.location_status == "absent" and c.latitude is None and c.longitude is None
    assert c.location_note == "Thiết bị không hỗ trợ định vị"
    # a position with "absent", or "recorded" without one: refused, nothing written
    bad = uuid.uuid4()
    (r1,) = _post(
        client_for("ct.xa"), [_check(world["visit"], bad, location_status="absent", latitude="10.1")]
    )
    (r2,) = _post(client_for("ct.xa"), [_check(world["visit"], bad, location_status="recorded")])
    assert r1["status"] == r2["status"] == "error" and "GPS" in r1["message"] and "vĩ độ" in r2["message"]
    assert not InstrumentCheck.objects.filter(uuid=bad).exists()


def test_signature_synced_idempotently_and_sealed(world, client_for, user_for):
    phone = client_for("ct.xa")
    png = _png((0, 0, 0))
    sid = uuid.uuid4()
    (ok,) = _post(phone, [_sig_rec(world["visit"], png, sid)], {str(sid): ("chu-ky.png", png)})
    assert ok["status"] == "applied", ok
    sig = Signature.objects.get(uuid=sid)
    assert (sig.role, sig.signer, sig.sha256) == ("inspector", "Lê Minh Tâm", hashlib.sha256(png).hexdigest())
    assert sig.read_bytes() == png and sig.signed_at.isoformat() == "2026-06-01T01:30:00+00:00"
    # sent again (the answer was lost): not stored twice
    (dup,) = _post(phone, [_sig_rec(world["visit"], png, sid)], {str(sid): ("chu-ky.png", png)})
    assert dup["status"] == "duplicate" and Signature.objects.filter(inspection=world["visit"]).count() == 1
    # refusals: damaged bytes, not a PNG, a bad role, no name — nothing written
    for rec, content in [
        (_sig_rec(world["visit"], png), _png((9, 9, 9))),
        (_sig_rec(world["visit"], b"GIF89a not a png"), b"GIF89a not a png"),
        (_sig_rec(world["visit"], png, role="boss"), png),
        (_sig_rec(world["visit"], png, signer=" "), png),
    ]:
        (r,) = _post(phone, [rec], {rec["client_id"]: ("chu-ky.png", content)})
        assert r["status"] == "error", r
    assert Signature.objects.filter(inspection=world["visit"]).count() == 1
    # the seal covers the signature's bytes: a changed byte is detected; the bundle carries the PNG
    _post(phone, [_check(world["visit"], uuid.uuid4(), **GPS)])
    visit = world["visit"]
    sealing.seal(visit, user_for("ct.xa"))
    visit.refresh_from_db()
    doc = sealing.document(visit)
    assert doc["signatures"][0]["sha256_of_bytes"] == hashlib.sha256(png).hexdigest()
    assert doc["checks"][0]["latitude"] == "10.045218"
    assert sealing.verify(visit)["ok"]
    data = sealing.bundle(visit)
    assert sealing.verify_bundle(data) == []
    with sig.image.open("wb") as fh:
        fh.write(png[:-1] + bytes([png[-1] ^ 1]))
    assert not sealing.verify(visit)["ok"]
    # the sealed inspection takes no new signature
    late = uuid.uuid4()
    (r,) = _post(phone, [_sig_rec(visit, png, late)], {str(late): ("chu-ky.png", png)})
    assert r["status"] == "error" and not Signature.objects.filter(uuid=late).exists()
