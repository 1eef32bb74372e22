"""The inspections app: reference tables, campaigns with a trained leader, sites and instrument checks judged by
the rule version in force, refusals of bad input (web and API, nothing written) and the permission table."""

import datetime as dt
from decimal import Decimal

import pytest

from doluong.core.scope import principal
from doluong.geo.models import Commune
from doluong.inspections.models import (
    Campaign,
    Inspection,
    InstrumentCheck,
    LimitRule,
    SanctionProvision,
    Site,
)
from doluong.programs.models import Attendance, Training

pytestmark = pytest.mark.django_db


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
    other_course = Training.objects.create(
        province_id=commune.province_id, date=dt.date(2025, 3, 1), title="Tập huấn kỹ năng văn phòng"
    )
    leader = Attendance.objects.create(training=training, full_name="Lê Minh Tâm")
    untrained = Attendance.objects.create(training=other_course, full_name="Lê Minh Tâm")
    campaign = Campaign.objects.create(
        province_id=commune.province_id,
        commune=commune,
        kind="thematic",
        year=2025,
        title="Kiểm tra cân tại chợ",
        start_date=dt.date(2025, 1, 1),
        end_date=dt.date(2027, 12, 31),
        leader_name="Lê Minh Tâm",
        leader_training=leader,
    )
    market = Site.objects.create(kind="market", name="Chợ An Bình", commune=commune)
    stall = Site.objects.create(kind="stall", name="Sạp 12", parent=market, commune=commune)
    visit = Inspection.objects.create(
        campaign=campaign, site=stall, date=dt.date(2025, 6, 1), inspector="Lê Minh Tâm"
    )
    return dict(
        commune=commune,
        other=other,
        leader=leader,
        untrained=untrained,
        campaign=campaign,
        market=market,
        stall=stall,
        visit=visit,
    )


def _scale(visit, **kw):
    data = dict(
        inspection=visit.pk,
        kind="nawi",
        found_unregistered="Cân đồng hồ 15 kg không tem",
        accuracy_class="III",
        e="50",
        max_capacity="15000",
        reference="10000",
        indicated="10040",
    )
    data.update(kw)
    return data


def test_reference_tables_loaded_with_source():
    scale = LimitRule.objects.get(code="TT09-2017-SCALE")
    assert (
        scale.factor == 2 and scale.effective_from == dt.date(2017, 8, 15) and "09/2017" in scale.legal_basis
    )
    assert LimitRule.objects.get(code="TT15-2015-FUEL").factor == Decimal("1.5")
    row = SanctionProvision.objects.get(code="V14-2-3")
    assert (row.fine_min, row.fine_max) == (20000000, 40000000) and row.source_url and row.confidence


def test_scale_check_via_api_stores_verdict_and_rule(world, client_for):
    client = client_for("ct.xa")
    r = client.post("/api/inspections/checks/", _scale(world["visit"]))
    assert r.status_code == 201, r.content
    body = r.json()
    # class III e = 50 g at 10 kg (200 e): initial MPE 25 g, in-service 2 x 25 = 50 g; error +40 g -> conforming
    assert Decimal(body["limit"]) == 50 and Decimal(body["error"]) == 40 and body["verdict"] == "pass"
    check = InstrumentCheck.objects.get(pk=body["id"])
    assert check.rule.code == "TT09-2017-SCALE"
    r = client.post("/api/inspections/checks/", _scale(world["visit"], indicated="10051"))
    assert r.json()["verdict"] == "fail"


def test_fuel_check_trade_rule(world, client_for):
    station = Site.objects.create(kind="petrol", name="CHXD số 5", commune=world["commune"])
    visit = Inspection.objects.create(
        campaign=world["campaign"], site=station, date=dt.date(2025, 6, 2), inspector="X"
    )
    client = client_for("ct.xa")
    ok = client.post(
        "/api/inspections/checks/",
        dict(
            inspection=visit.pk,
            kind="fuel_dispenser",
            found_unregistered="Cột đo 1",
            reference="20",
            indicated="20.15",
        ),
    )
    assert ok.status_code == 201 and ok.json()["verdict"] == "pass"  # +0.75 % = 1.5 x 0.5 %
    bad = client.post(
        "/api/inspections/checks/",
        dict(
            inspection=visit.pk,
            kind="fuel_dispenser",
            found_unregistered="Cột đo 2",
            reference="20",
            indicated="20.16",
        ),
    )
    assert bad.json()["verdict"] == "fail"


def test_load_above_max_refused_web_and_api(world, client_for):
    client = client_for("ct.xa")
    before = InstrumentCheck.objects.count()
    r = client.post("/api/inspections/checks/", _scale(world["visit"], reference="15050", indicated="15050"))
    assert r.status_code == 400 and "Max" in r.content.decode()
    page = client.post(
        "/inspections/checks/add/", _scale(world["visit"], reference="15050", indicated="15050")
    )
    assert page.status_code == 200 and "vượt quá Max" in page.content.decode()
    assert InstrumentCheck.objects.count() == before


def test_no_rule_in_force_refused(world, client_for):
    LimitRule.objects.filter(instrument_kind="nawi").update(effective_to=dt.date(2025, 5, 31))
    client = client_for("ct.xa")
    before = InstrumentCheck.objects.count()
    r = client.post("/api/inspections/checks/", _scale(world["visit"]))
    assert r.status_code == 400 and "Không có quy định" in r.content.decode()
    assert InstrumentCheck.objects.count() == before


def test_team_leader_without_training_refused(world, client_for):
    # training records are personal data read by the province's officers only (programs.Attendance)
    client = client_for("ct.sokhcn")
    c = world["campaign"]
    data = dict(
        province=c.province_id,
        commune=c.commune_id,
        kind="unannounced",
        year=2025,
        title="Đột xuất",
        start_date="2025-07-01",
        end_date="2025-07-31",
        leader_name="Lê Minh Tâm",
        leader_training=world["untrained"].pk,
    )
    before = Campaign.objects.count()
    r = client.post("/api/inspections/campaigns/", data)
    assert r.status_code == 400 and "chưa được đào tạo" in r.content.decode()
    page = client.post(
        "/inspections/campaigns/add/", {**data, "start_date": "01/07/2025", "end_date": "31/07/2025"}
    )
    assert page.status_code == 200 and "chưa được đào tạo" in page.content.decode()
    assert Campaign.objects.count() == before
    r = client.post("/api/inspections/campaigns/", {**data, "leader_training": world["leader"].pk})
    assert r.status_code == 201, r.content


@pytest.mark.parametrize("who", ["dt.xa", "dt.sokhcn", "ct.doanhnghiep", "ct.kiemdinh"])
def test_outsiders_cannot_write(world, client_for, who):
    client = client_for(who)
    before = (Site.objects.count(), InstrumentCheck.objects.count())
    r = client.post(
        "/api/inspections/sites/", dict(kind="shop", name="Cửa hàng X", commune=world["commune"].pk)
    )
    assert r.status_code in (400, 403, 404)
    r = client.post("/api/inspections/checks/", _scale(world["visit"]))
    assert r.status_code in (400, 403, 404)
    page = client.post(
        "/inspections/sites/add/", dict(kind="shop", name="Cửa hàng X", commune=world["commune"].pk)
    )
    assert page.status_code in (200, 403, 404)
    assert (Site.objects.count(), InstrumentCheck.objects.count()) == before
    assert client.get(f"/api/inspections/inspections/{world['visit'].pk}/").status_code in (403, 404)


def test_province_officer_sees_commune_work_and_other_province_does_not(world, client_for):
    ids = lambda c: {r["id"] for r in c.get("/api/inspections/inspections/").json()["results"]}  # noqa: E731
    assert world["visit"].pk in ids(client_for("ct.sokhcn"))
    assert world["visit"].pk not in ids(client_for("dt.sokhcn"))
    assert client_for(None).get("/api/inspections/inspections/").status_code in (401, 403)


def test_commune_officer_limited_to_own_commune(world, client_for):
    if world["other"] is None:
        pytest.skip("the demo province has one commune")
    client = client_for("ct.xa")
    r = client.post("/api/inspections/sites/", dict(kind="shop", name="Ngoài xã", commune=world["other"].pk))
    assert r.status_code in (400, 403)
    assert not Site.objects.filter(name="Ngoài xã").exists()


def _lot(visit, **kw):
    data = dict(
        inspection=visit.pk,
        product="Đường túi 1 kg",
        place="market",
        quantity_kind="mass",
        unit="g",
        nominal="1000",
        lot_size="300",
        sample=" ".join(["1000"] * 48 + ["975", "990"]),
    )
    data.update(kw)
    return data


def test_lot_via_api_and_web_gives_the_library_verdict(world, client_for):
    from doluong.metrology import prepackage

    client = client_for("ct.xa")
    values = [1000.0] * 48 + [975.0, 990.0]
    expected = prepackage.inspect_lot(1000, "mass", "g", 300, values)
    r = client.post("/api/inspections/lots/", _lot(world["visit"]))
    assert r.status_code == 201, r.content
    assert r.json()["accepted"] is expected.accepted and r.json()["sample_size"] == 50
    assert "Lô 300 đơn vị" in r.json()["explanation"]
    # three units short by more than T (15 g for 1 kg) with at most 3 allowed, one more beyond 2T: rejected
    bad = ["1000"] * 46 + ["980", "980", "980", "960"]
    expected_bad = prepackage.inspect_lot(1000, "mass", "g", 300, [float(x) for x in bad])
    page = client.post(
        "/inspections/lots/add/", _lot(world["visit"], product="Lô hỏng", sample=" ".join(bad))
    )
    assert page.status_code == 302, page.content.decode()[:2000]
    from doluong.inspections.models import PrepackageLot

    row = PrepackageLot.objects.get(product="Lô hỏng")
    assert row.accepted is expected_bad.accepted is False and "không đạt" in row.explanation


@pytest.mark.parametrize(
    ("override", "word"),
    [({"lot_size": "100001"}, "100.000"), ({"sample": "1000 1000 1000"}, "mẫu nhỏ hơn phương án")],
)
def test_lot_bad_input_refused_web_and_api(world, client_for, override, word):
    from doluong.inspections.models import PrepackageLot

    client = client_for("ct.xa")
    r = client.post("/api/inspections/lots/", _lot(world["visit"], **override))
    assert r.status_code == 400 and word in r.content.decode()
    page = client.post("/inspections/lots/add/", _lot(world["visit"], **override))
    assert page.status_code == 200 and word in page.content.decode()
    assert not PrepackageLot.objects.filter(product="Đường túi 1 kg").exists()
