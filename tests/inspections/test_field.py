"""Field work offline, the server side: the day's package (scoped to the signed-in inspector) and the sync of the
phone's queued changes (conflicts with both versions, idempotent photos, sealed inspections refused, validation
errors per record, other communes and provinces refused)."""

import datetime as dt
import hashlib
import io
import json
import uuid
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from doluong.core.scope import principal
from doluong.geo.models import Commune
from doluong.inspections.models import Campaign, Inspection, InstrumentCheck, LimitRule, Photo, Site
from doluong.programs.models import Attendance, Training
from doluong.registry.models import Instrument

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 6, 1)
PACKAGE = "/inspections/field/package.json?date=2026-06-01"
SYNC = "/inspections/field/sync/"


def _png(color=(10, 20, 30)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 6), color).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def world(user_for):
    officer = user_for("ct.xa")
    scope = principal(officer).scopes[0]
    commune = Commune.objects.get(pk=scope.commune_id)
    other = Commune.objects.filter(province_id=commune.province_id).exclude(pk=commune.pk).first()
    training = Training.objects.create(
        province_id=commune.province_id,
        date=dt.date(2025, 3, 1),
        title="Tập huấn kiểm tra nhà nước về đo lường",
    )
    leader = Attendance.objects.create(training=training, full_name="Lê Minh Tâm")

    def campaign(commune_row):
        return Campaign.objects.create(
            province_id=commune.province_id,
            commune=commune_row,
            kind="thematic",
            year=2026,
            title="Kiểm tra cân tại chợ",
            start_date=dt.date(2026, 1, 1),
            end_date=dt.date(2026, 12, 31),
            leader_name="Lê Minh Tâm",
            leader_training=leader,
        )

    mine = campaign(commune)
    instrument = (
        Instrument.objects.filter(commune=commune, certificates__isnull=False).order_by("pk").first()
        or Instrument.objects.filter(commune=commune).order_by("pk").first()
    )
    assert instrument is not None
    shop = Site.objects.create(kind="shop", name="Cửa hàng A", commune=commune, operator=instrument.owner)
    visit = Inspection.objects.create(campaign=mine, site=shop, date=DAY, inspector="Lê Minh Tâm")
    sealed = Inspection.objects.create(campaign=mine, site=shop, date=DAY, inspector="Lê Minh Tâm")
    other_site = Site.objects.create(kind="shop", name="Cửa hàng xã khác", commune=other)
    other_visit = Inspection.objects.create(
        campaign=campaign(other), site=other_site, date=DAY, inspector="Người khác"
    )
    return dict(
        commune=commune, instrument=instrument, shop=shop, visit=visit, sealed=sealed, other_visit=other_visit
    )


def _seal(visit, user):
    from doluong.inspections import seal as sealing

    InstrumentCheck.objects.create(
        inspection=visit,
        kind="nawi",
        found_unregistered="Cân 15 kg",
        accuracy_class="III",
        e=Decimal("50"),
        max_capacity=Decimal("15000"),
        reference=Decimal("10000"),
        indicated=Decimal("10020"),
    )
    sealing.seal(visit, user)


def test_package_holds_the_days_work_in_scope(world, client_for, user_for):
    _seal(world["sealed"], user_for("ct.xa"))
    body = client_for("ct.xa").get(PACKAGE).json()
    ids = [v["id"] for v in body["inspections"]]
    assert ids == [world["visit"].pk]  # sealed and other-commune visits left out
    (site,) = body["sites"]
    assert site["name"] == "Cửa hàng A"
    inst = next(i for i in site["instruments"] if i["id"] == world["instrument"].pk)
    cert = world["instrument"].certificates.order_by("-issued_on", "-pk").first()
    assert cert is not None, "the demo commune has certified instruments"
    assert inst["certificate"]["number"] == cert.number
    assert inst["certificate"]["valid_until"] == (cert.valid_until.isoformat() if cert.valid_until else None)
    # what the phone verifies offline: the signed payload under a key of the package's published keys
    from doluong.verification import signing

    key = next(k for k in body["keys"]["keys"] if k["key_id"] == inst["certificate"]["key_id"])
    assert signing.verify(key["public_key"], inst["certificate"]["payload"], inst["certificate"]["signature"])
    codes = {r["code"]: Decimal(r["factor"]) for r in body["limit_rules"]}
    assert codes == {"TT09-2017-SCALE": 2, "TT15-2015-FUEL": Decimal("1.5")}
    # class III: 0.5 e up to 500 e, 1 e up to 2000 e, 1.5 e up to 10000 e (R 76-1 Table 6)
    assert [(b["upper_e"], b["mpe_e"]) for b in body["mpe"]["nawi"]["III"]] == [
        ("500", "0.5"),
        ("2000", "1"),
        ("10000", "1.5"),
    ]
    assert body["keys"]["algorithm"] == "Ed25519" and "keys" in body["keys"]
    # the province's officer has both communes' open visits of the day
    province_day = client_for("ct.sokhcn").get(PACKAGE).json()
    assert {v["id"] for v in province_day["inspections"]} == {world["visit"].pk, world["other_visit"].pk}


@pytest.mark.parametrize("who", ["dt.xa", "dt.sokhcn", "ct.doanhnghiep", "ct.kiemdinh"])
def test_package_of_an_outsider_is_empty(world, client_for, who):
    body = client_for(who).get(PACKAGE).json()
    assert body["inspections"] == [] and body["sites"] == []


def test_package_needs_a_login(client_for):
    r = client_for(None).get(PACKAGE)
    assert r.status_code == 302 and "/login/" in r["Location"]


def test_installable_page_manifest_and_service_worker(client_for):
    client = client_for("ct.kiemtra")
    page = client.get("/inspections/field/")
    assert page.status_code == 200 and 'lang="vi"' in page.content.decode()
    assert "/inspections/field/manifest.webmanifest" in page.content.decode()
    manifest = client.get("/inspections/field/manifest.webmanifest")
    body = json.loads(manifest.content)
    assert manifest["Content-Type"] == "application/manifest+json"
    assert body["lang"] == "vi" and body["scope"] == "/inspections/field/" and body["display"] == "standalone"
    assert {i["sizes"] for i in body["icons"]} >= {"192x192", "512x512"}
    for icon in body["icons"]:
        assert client.get(icon["src"]).status_code == 200
    sw = client.get("/inspections/field/sw.js")
    assert sw.status_code == 200 and sw["Service-Worker-Allowed"] == "/inspections/field/"
    assert "javascript" in sw["Content-Type"]
    assert client.get("/inspections/field/other.js").status_code == 404
    assert client_for(None).get("/inspections/field/").status_code == 302


# ------------------------------------------------------------------------------------ sync


def _check(visit, cid=None, base=None, **data):
    fields = dict(
        kind="nawi",
        found_unregistered="Cân đồng hồ 15 kg",
        stamp_ok=True,
        certificate_ok=False,
        seal_ok=True,
        accuracy_class="III",
        e="50",
        max_capacity="15000",
        reference="10000",
        indicated="10040",
        notes="Cân đặt ở sạp 12",
    )
    fields.update(data)
    return {
        "type": "check",
        "client_id": str(cid or uuid.uuid4()),
        "inspection": visit.pk,
        "base_version": base,
        "data": fields,
    }


def _post(client, records, files=None):
    data = {"changes": json.dumps(records)}
    for key, (name, content) in (files or {}).items():
        data[key] = ContentFile(content, name=name)
    r = client.post(SYNC, data)
    assert r.status_code == 200, r.content
    return r.json()["results"]


def _photo_rec(visit, check_cid, content, cid=None):
    return {
        "type": "photo",
        "client_id": str(cid or uuid.uuid4()),
        "check_client_id": str(check_cid),
        "inspection": visit.pk,
        "sha256": hashlib.sha256(content).hexdigest(),
        "caption": "Tem kiểm định",
        "taken_at": "2026-06-01T08:15:00+07:00",
    }


def test_sync_creates_then_detects_a_conflict_never_overwrites(world, client_for):
    phone_a, phone_b = client_for("ct.xa"), client_for("ct.kiemtra")
    cid = uuid.uuid4()
    (res,) = _post(phone_a, [_check(world["visit"], cid)])
    assert res["status"] == "applied", res
    check = InstrumentCheck.objects.get(uuid=cid)
    # class III, e = 50 g at 10 kg: 2 x 25 g = 50 g in service; +40 g conforms (the server's own computation)
    assert (check.verdict, check.error, check.limit) == (
        "pass",
        40,
        50,
    ) and check.rule.code == "TT09-2017-SCALE"
    assert check.notes == "Cân đặt ở sạp 12" and res["server"]["version"] == check.version == 1
    # phone B edits from version 1: applied, version 2
    (res_b,) = _post(phone_b, [_check(world["visit"], cid, base=1, indicated="10060")])
    assert res_b["status"] == "applied" and res_b["server"]["version"] == 2
    # phone A edits from version 1 too: a conflict with both versions, nothing written
    (res_a,) = _post(
        phone_a, [_check(world["visit"], cid, base=1, indicated="10010", notes="Sửa trên máy A")]
    )
    assert res_a["status"] == "conflict"
    assert res_a["server"]["indicated"] == "10060" and res_a["server"]["version"] == 2
    assert res_a["mine"]["indicated"] == "10010" and "máy chủ" in res_a["message"]
    check.refresh_from_db()
    assert (check.indicated, check.version, check.verdict) == (10060, 2, "fail")
    # keep mine: sent again from the new base, applied
    (again,) = _post(phone_a, [_check(world["visit"], cid, base=2, indicated="10010")])
    assert again["status"] == "applied" and again["server"]["version"] == 3
    check.refresh_from_db()
    assert check.indicated == 10010 and check.verdict == "pass"
    # an edit without a base version of an existing row is a conflict too
    (blind,) = _post(phone_b, [_check(world["visit"], cid, base=None, indicated="10000")])
    assert blind["status"] == "conflict"


def test_photo_is_idempotent_by_client_id_and_hash(world, client_for):
    phone = client_for("ct.xa")
    cid, pid = uuid.uuid4(), uuid.uuid4()
    png = _png()
    records = [_check(world["visit"], cid), _photo_rec(world["visit"], cid, png, pid)]
    res = _post(phone, records, {str(pid): ("tem.png", png)})
    assert [r["status"] for r in res] == ["applied", "applied"], res
    photo = Photo.objects.get(uuid=pid)
    assert photo.sha256 == hashlib.sha256(png).hexdigest() and photo.read_bytes() == png
    assert photo.instrument_check.uuid == cid
    # the same photo sent again (the answer was lost): not stored twice
    (dup,) = _post(phone, [_photo_rec(world["visit"], cid, png, pid)], {str(pid): ("tem.png", png)})
    assert dup["status"] == "duplicate" and Photo.objects.filter(inspection=world["visit"]).count() == 1
    # the same bytes under a new client id for the same check: not duplicated either
    other = uuid.uuid4()
    (dup2,) = _post(phone, [_photo_rec(world["visit"], cid, png, other)], {str(other): ("tem.png", png)})
    assert dup2["status"] == "duplicate" and Photo.objects.filter(inspection=world["visit"]).count() == 1
    # bytes changed in transfer: refused, nothing written
    bad = uuid.uuid4()
    rec = _photo_rec(world["visit"], cid, png, bad)
    (damaged,) = _post(phone, [rec], {str(bad): ("tem.png", _png((200, 0, 0)))})
    assert damaged["status"] == "error" and "SHA-256" in damaged["message"]
    assert not Photo.objects.filter(uuid=bad).exists()


def test_not_an_image_load_above_max_and_no_rule_refused_per_record(world, client_for):
    phone = client_for("ct.xa")
    cid, pid = uuid.uuid4(), uuid.uuid4()
    text = b"khong phai anh"
    ok = _check(world["visit"], cid)
    above = _check(world["visit"], reference="16000", indicated="16000")
    res = _post(phone, [ok, above, _photo_rec(world["visit"], cid, text, pid)], {str(pid): ("anh.jpg", text)})
    by_id = {r["client_id"]: r for r in res}
    assert by_id[str(cid)]["status"] == "applied"
    assert by_id[above["client_id"]]["status"] == "error"
    assert (
        "Max" in by_id[above["client_id"]]["message"]
        and "Tải trọng thử" in by_id[above["client_id"]]["message"]
    )
    assert by_id[str(pid)]["status"] == "error" and "không phải là ảnh" in by_id[str(pid)]["message"]
    assert not InstrumentCheck.objects.filter(uuid=above["client_id"]).exists()
    assert not Photo.objects.filter(uuid=pid).exists()
    LimitRule.objects.filter(instrument_kind="nawi").update(effective_from=dt.date(2027, 1, 1))
    norule = _check(world["visit"])
    (res,) = _post(phone, [norule])
    assert res["status"] == "error" and "01/06/2026" in res["message"]
    assert not InstrumentCheck.objects.filter(uuid=norule["client_id"]).exists()
    (bad,) = _post(phone, [_check(world["visit"], indicated="mười")])
    assert bad["status"] == "error" and "mười" in bad["message"]


def test_sealed_inspection_refused(world, client_for, user_for):
    phone = client_for("ct.xa")
    cid = uuid.uuid4()
    _post(phone, [_check(world["visit"], cid)])
    from doluong.inspections import seal as sealing

    sealing.seal(world["visit"], user_for("ct.xa"))
    (res,) = _post(phone, [_check(world["visit"], cid, base=1, indicated="10010")])
    assert res["status"] == "error" and "niêm phong" in res["message"]
    (new,) = _post(phone, [_check(world["visit"])])
    assert new["status"] == "error" and "niêm phong" in new["message"]
    assert InstrumentCheck.objects.filter(inspection=world["visit"]).count() == 1
    assert InstrumentCheck.objects.get(uuid=cid).indicated == 10040


@pytest.mark.parametrize("who", ["dt.xa", "dt.sokhcn", "ct.doanhnghiep", "ct.kiemdinh"])
def test_outsiders_sync_refused(world, client_for, who):
    cid, pid = uuid.uuid4(), uuid.uuid4()
    png = _png()
    _post(client_for("ct.xa"), [_check(world["visit"], cid)])
    records = [
        _check(world["visit"]),
        _check(world["visit"], cid, base=1, indicated="10500"),
        _photo_rec(world["visit"], cid, png, pid),
    ]
    res = _post(client_for(who), records, {str(pid): ("tem.png", png)})
    assert [r["status"] for r in res] == ["error", "error", "error"], res
    assert InstrumentCheck.objects.filter(inspection=world["visit"]).count() == 1
    assert InstrumentCheck.objects.get(uuid=cid).version == 1 and not Photo.objects.filter(uuid=pid).exists()


def test_commune_officer_cannot_sync_into_another_commune(world, client_for):
    res = _post(client_for("ct.xa"), [_check(world["other_visit"])])
    assert res[0]["status"] == "error"
    assert not InstrumentCheck.objects.filter(inspection=world["other_visit"]).exists()
    # nor attach a registered instrument it may not see
    foreign = Instrument.objects.filter(province_id="82").order_by("pk").first()
    (r,) = _post(client_for("ct.xa"), [_check(world["visit"], instrument=foreign.pk, found_unregistered="")])
    assert r["status"] == "error"


def test_sync_refuses_bad_payload_and_anonymous(client_for):
    r = client_for("ct.xa").post(SYNC, {"changes": "{not json"})
    assert r.status_code == 400 and "không hợp lệ" in r.json()["error"]
    assert client_for(None).post(SYNC, {"changes": "[]"}).status_code == 302
